"""Pure petition rules and the filing use case without Telegram: codes, daily limit, duplicate
normalisation, public labels, deadlines in the receipt, and the secretaries' digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.people import ChatState, Consent, Resident
from bot.domain.petitions import (
    Channel,
    FieldOfConcern,
    Petition,
    is_tracking_code,
    next_friday,
    normalise_text,
    public_label,
    tracking_code,
)
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.domain.ward import WardConfig
from bot.usecases import staff as staff_uc
from bot.usecases.accounts import ensure_person
from bot.usecases.common import Services
from bot.usecases.petitions import (
    DIGEST_GATHER,
    DIGEST_WINDOW,
    Outcome,
    Petitions,
    Step,
    run_digest,
)
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID


def petition(**overrides: object) -> Petition:
    values: dict[str, object] = {
        "code": "TD-2026-0042",
        "content": "Rác thải",
        "field": FieldOfConcern.ENVIRONMENT,
        "channel": Channel.TELEGRAM,
        "created_at": datetime(2026, 11, 25),
        "author_id": 1,
    }
    values.update(overrides)
    return Petition(**values)  # type: ignore[arg-type]


def test_tracking_code_format() -> None:
    assert tracking_code("TD", 2026, 42) == "TD-2026-0042"
    assert tracking_code("GV", 2026, 12345) == "GV-2026-12345"
    assert is_tracking_code("TD-2026-0042") and not is_tracking_code("TD-26-42")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rác thải ùn ứ ở ngõ 12.", "  rác thải   ÙN Ứ ở ngõ 12 "),
        ("Đường\nngập!!!", "đường ngập"),
        ("Cống tắc", "Cô\u0301ng tắc"),  # decomposed Vietnamese input
    ],
)
def test_duplicate_normalisation_equal(a: str, b: str) -> None:
    assert normalise_text(a) == normalise_text(b)


def test_duplicate_normalisation_keeps_meaning() -> None:
    assert normalise_text("Cống tắc ngõ 12") != normalise_text("Cống tắc ngõ 13")
    assert normalise_text("mua") != normalise_text("múa"), "diacritics change the word"


def test_public_label_hides_the_person_unless_named() -> None:
    assert public_label(petition(), author_name="Nguyễn Thị Lan") == "TD-2026-0042 · Môi trường"
    named = petition(named_publicly=True)
    assert public_label(named, author_name="Nguyễn Thị Lan") == (
        "TD-2026-0042 · Môi trường · Nguyễn Thị Lan"
    )
    assert public_label(named) == "TD-2026-0042 · Môi trường"


def test_next_friday() -> None:
    assert next_friday(date(2026, 11, 25)) == date(2026, 11, 27)
    assert next_friday(date(2026, 11, 27)) == date(2026, 11, 27)
    assert next_friday(date(2026, 11, 28)) == date(2026, 12, 4)


def services(store: SqliteStore, clock: ManualClock, ward: WardConfig) -> Services:
    return Services(store=store, clock=clock, ward=ward, calendar=WorkingCalendar())


async def resident(store: SqliteStore, clock: ManualClock, user_id: int) -> None:
    now = clock.now()
    async with store.transaction() as uow:
        await ensure_person(uow, "telegram", str(user_id), now, inbound=False)
        await uow.residents.save(
            Resident(
                person_id=user_id,
                consent=Consent.GIVEN,
                consent_at=now,
                full_name=f"Cư dân {user_id}",
                group_code="TDP1",
                onboarded_at=now,
                created_at=now,
                updated_at=now,
            )
        )


async def draft_at_confirm(
    store: SqliteStore, clock: ManualClock, user_id: int, text: str, session_id: int | None = None
) -> None:
    """Put a ready draft straight into chat_states, as the flow leaves it at the summary."""
    data = {
        "session_id": session_id,
        "session_chosen": True,
        "field": "land",
        "content": text,
        "attachments": [],
    }
    async with store.transaction() as uow:
        await uow.chat_states.put(
            ChatState(user_id, "petition", Step.CONFIRM.value, data, clock.now())
        )


async def test_daily_limit_counts_the_local_day(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    await resident(store, clock, 1)
    for n in range(5):
        await draft_at_confirm(store, clock, 1, f"ý kiến {n}")
        assert (await Petitions(s).submit(1)).outcome is Outcome.FILED
    await draft_at_confirm(store, clock, 1, "ý kiến thứ sáu")
    limited = await Petitions(s).submit(1)
    assert limited.outcome is Outcome.LIMIT_REACHED and limited.limit == 5
    clock.set(datetime(2026, 11, 25, 16, 59, tzinfo=clock.now().tzinfo))  # 23:59 Hà Nội
    assert (await Petitions(s).submit(1)).outcome is Outcome.LIMIT_REACHED
    clock.advance(timedelta(minutes=2))  # 00:01 the next day in Hà Nội
    assert (await Petitions(s).submit(1)).outcome is Outcome.FILED


async def test_duplicate_only_within_the_window_and_same_author(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    await resident(store, clock, 1)
    await resident(store, clock, 2)
    await draft_at_confirm(store, clock, 1, "Đèn đường hỏng")
    first = await Petitions(s).submit(1)
    await draft_at_confirm(store, clock, 1, "đèn  đường hỏng.")
    dup = await Petitions(s).submit(1)
    assert dup.outcome is Outcome.DUPLICATE and dup.petition is not None
    assert first.petition is not None and dup.petition.code == first.petition.code
    await draft_at_confirm(store, clock, 2, "Đèn đường hỏng")
    assert (await Petitions(s).submit(2)).outcome is Outcome.FILED
    clock.advance(timedelta(days=31))
    await draft_at_confirm(store, clock, 1, "Đèn đường hỏng")
    assert (await Petitions(s).submit(1)).outcome is Outcome.FILED


async def test_receipt_deadlines_for_a_session(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    now = clock.now()
    async with store.transaction() as uow:
        session_id = await uow.sessions.add(
            Session(
                title="Đối thoại cuối năm",
                kind=SessionKind.PERIODIC,
                starts_at=datetime(2026, 12, 30, 1, 0, tzinfo=now.tzinfo),
                status=SessionStatus.PUBLISHED,
                created_at=now,
                updated_at=now,
            )
        )
    await resident(store, clock, 1)
    await draft_at_confirm(store, clock, 1, "Kiến nghị về chợ", session_id=session_id)
    result = await Petitions(s).submit(1)
    assert result.outcome is Outcome.FILED and result.next_steps is not None
    steps = result.next_steps
    assert steps.session_date == date(2026, 12, 30)
    # 1/1/2027 is a public holiday: ten working days end on 14/1, fifteen on 21/1.
    assert steps.conclusion_by == date(2027, 1, 14)
    assert steps.conclusion_complex_by == date(2027, 1, 21)
    assert steps.report_working_days == ward.ward.agency_report_working_days


async def test_digest_is_one_message_per_window(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    await staff_uc.sync_from_config(s)
    assert await run_digest(s) is None
    for user_id in range(1, 8):
        await resident(store, clock, user_id)
        await draft_at_confirm(store, clock, user_id, f"ý kiến của {user_id}")
        await Petitions(s).submit(user_id)
    assert await run_digest(s) is None, "waits a little so a burst is one message"
    clock.advance(DIGEST_GATHER)
    report = await run_digest(s)
    assert report is not None and len(report.petitions) == 7
    assert report.recipients == (SECRETARY_ID,)
    async with store.read() as uow:
        row = await uow.outbox.by_key(f"petition_digest:{report.digest_id}:{SECRETARY_ID}")
    assert row is not None and "7 ý kiến mới" in row.content.text
    assert "TD-2026-0007" in row.content.text and "Cư dân" not in row.content.text

    await resident(store, clock, 50)
    await draft_at_confirm(store, clock, 50, "ý kiến muộn")
    await Petitions(s).submit(50)
    clock.advance(DIGEST_GATHER)
    assert await run_digest(s) is None, "at most one digest per window"
    clock.advance(DIGEST_WINDOW)
    later = await run_digest(s)
    assert later is not None and [p.code for p in later.petitions] == ["TD-2026-0008"]
    assert await run_digest(s) is None
