"""Linking a person's Telegram and Zalo accounts with a one-time code: issue and expiry, the
limit on wrong codes, the refusals, and the merge of every table that refers to a person (the
list of person columns is checked against the schema)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.linking import CODE_LIFETIME, normalise_code
from bot.domain.people import Consent, Resident
from bot.domain.ports import Store
from bot.domain.ward import WardConfig
from bot.usecases.accounts import person_for
from bot.usecases.common import Services
from bot.usecases.linking import Linking, LinkOutcome
from bot.usecases.staff import sync_from_config
from storage.linking import KEPT, MERGED, MOVED, PERSON_COLUMNS, REFUSED, REMOVED
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID

TG, ZALO = "telegram", "zalo"
ZALO_ID = "8437261509871234567"


@pytest.fixture
def services(store: SqliteStore, clock: ManualClock, ward: WardConfig) -> Services:
    return Services(store, clock, ward, WorkingCalendar())


async def resident(
    s: Services,
    channel: str,
    external_id: str,
    *,
    name: str | None = "Trần Thị Lan",
    phone: str | None = None,
    group: str | None = "TDP1",
) -> int:
    person = await person_for(s, channel, external_id)
    now = s.clock.now()
    async with s.store.transaction() as uow:
        await uow.residents.save(
            Resident(person, Consent.GIVEN, now, name, group, phone, now, created_at=now)
        )
    return person


async def petition(store: SqliteStore, author: int, code: str) -> None:
    async with store.transaction() as uow:
        await uow.conn.execute(
            "INSERT INTO petitions (code, author_id, channel, field, content, content_key,"
            " created_at) VALUES (?, ?, 'telegram', 'environment', 'Ngõ ngập', 'ngo ngap', ?)",
            (code, author, "2026-11-20T02:00:00.000000+00:00"),
        )


async def typed(s: Services, person: int, channel: str, external_id: str, text: str) -> LinkOutcome:
    linking = Linking(s)
    started = await linking.begin_entry(person, channel, external_id)
    if started.outcome is not LinkOutcome.ASK_CODE:
        return started.outcome
    return (await linking.enter(person, channel, external_id, text)).outcome


async def test_a_code_is_six_random_digits_for_ten_minutes_stored_only_as_a_hash(
    services: Services, store: SqliteStore, clock: ManualClock
) -> None:
    lan = await resident(services, TG, "3001")
    other = await resident(services, ZALO, ZALO_ID, name=None)
    first = await Linking(services).issue(lan, TG, "3001")
    assert first.outcome is LinkOutcome.ISSUED and first.code is not None
    assert re.fullmatch(r"\d{6}", first.code)
    assert first.expires_at == clock.now() + CODE_LIFETIME == clock.now() + timedelta(minutes=10)
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall("SELECT * FROM link_codes")
    assert len(rows) == 1 and all(first.code not in str(v) for v in tuple(rows[0]))

    second = await Linking(services).issue(lan, TG, "3001")
    assert second.code is not None
    if second.code != first.code:
        assert await typed(services, other, ZALO, ZALO_ID, first.code) is LinkOutcome.WRONG
    clock.advance(timedelta(minutes=10))
    assert await typed(services, other, ZALO, ZALO_ID, second.code) is LinkOutcome.EXPIRED
    codes = {(await Linking(services).issue(lan, TG, "3001")).code for _ in range(30)}
    assert len(codes) > 20


def test_a_typed_code_may_have_spaces_or_dashes() -> None:
    assert normalise_code(" 123 456 ") == normalise_code("123-456") == "123456"
    assert normalise_code("12345") is None and normalise_code("12345a") is None
    assert normalise_code("١٢٣٤٥٦") is None


async def test_linking_merges_the_typing_person_into_the_one_who_showed_the_code(
    services: Services, store: SqliteStore, clock: ManualClock
) -> None:
    lan = await resident(services, TG, "3001", phone=None, group="TDP1")
    on_zalo = await resident(services, ZALO, ZALO_ID, name="Lan Zalo", phone="0912345678")
    await petition(store, lan, "TD-2026-0001")
    await petition(store, on_zalo, "TD-2026-0002")
    code = (await Linking(services).issue(lan, TG, "3001")).code
    assert code is not None

    linking = Linking(services)
    assert (await linking.begin_entry(on_zalo, ZALO, ZALO_ID)).outcome is LinkOutcome.ASK_CODE
    result = await linking.enter(on_zalo, ZALO, ZALO_ID, f" {code[:3]} {code[3:]} ")
    assert result.outcome is LinkOutcome.LINKED and result.shown_on == TG
    assert result.moved["petitions.author_id"] == 1 and result.moved["accounts.person_id"] == 1

    assert await person_for(services, ZALO, ZALO_ID) == lan
    async with store.read() as uow:
        merged = await uow.residents.get(lan)
        gone = await uow.residents.get(on_zalo)
        accounts = await uow.accounts.of_person(lan)
        authors = await uow.conn.execute_fetchall("SELECT DISTINCT author_id FROM petitions")
        state = await uow.chat_states.get(on_zalo)
        trail = await uow.audit.for_subject("person", str(lan))
        note = await uow.outbox.by_key(f"link:{lan}:{on_zalo}:{clock.now().isoformat()}")
    assert merged is not None and gone is None and state is None
    assert (merged.full_name, merged.phone, merged.group_code) == (
        "Trần Thị Lan",
        "0912345678",
        "TDP1",
    )
    assert {(a.channel, a.external_id) for a in accounts} == {(TG, "3001"), (ZALO, ZALO_ID)}
    assert [r[0] for r in authors] == [lan]
    actions = [e.action for e in trail]
    assert "account.linked" in actions
    (entry,) = [e for e in trail if e.action == "person.merged"]
    assert entry.details["absorbed"] == on_zalo and entry.details["survivor"] == lan
    assert entry.details["moved"]["petitions.author_id"] == 1
    assert note is not None and (note.channel, note.address, note.person_id) == (TG, "3001", lan)
    assert "Zalo" in note.content.text

    again = await typed(services, lan, ZALO, ZALO_ID, code)
    assert again is LinkOutcome.ALREADY_LINKED


async def test_a_used_code_and_a_code_from_the_same_channel_are_refused(
    services: Services, clock: ManualClock
) -> None:
    lan = await resident(services, TG, "3001")
    binh = await resident(services, ZALO, ZALO_ID, name="Lê Văn Bình")
    chi = await resident(services, ZALO, "999000111", name="Chi")
    tg_other = await resident(services, TG, "3002", name="Dũng")
    code = (await Linking(services).issue(lan, TG, "3001")).code
    assert code is not None
    assert await typed(services, tg_other, TG, "3002", code) is LinkOutcome.SAME_CHANNEL
    assert await typed(services, binh, ZALO, ZALO_ID, code) is LinkOutcome.LINKED
    assert await typed(services, chi, ZALO, "999000111", code) is LinkOutcome.USED
    assert await typed(services, chi, ZALO, "999000111", "12ab") is LinkOutcome.NOT_A_CODE


async def test_staff_are_never_linked_by_code(
    services: Services, store: SqliteStore, clock: ManualClock
) -> None:
    await sync_from_config(services)
    secretary = await person_for(services, TG, str(SECRETARY_ID))
    assert (await Linking(services).issue(secretary, TG, str(SECRETARY_ID))).outcome is (
        LinkOutcome.STAFF
    )
    assert (await Linking(services).begin_entry(secretary, TG, str(SECRETARY_ID))).outcome is (
        LinkOutcome.STAFF
    )
    lan = await resident(services, ZALO, ZALO_ID)
    code = (await Linking(services).issue(lan, ZALO, ZALO_ID)).code
    assert code is not None
    async with store.transaction() as uow:
        # a state left from before the person became staff: the typed code is still refused
        await uow.conn.execute(
            "INSERT INTO chat_states (user_id, flow, step, data, updated_at)"
            " VALUES (?, 'link', 'code', '{}', ?)",
            (secretary, clock.now().isoformat()),
        )
    result = await Linking(services).enter(secretary, TG, str(SECRETARY_ID), code)
    assert result.outcome is LinkOutcome.STAFF
    assert await person_for(services, TG, str(SECRETARY_ID)) == secretary


async def test_a_typed_code_without_pressing_nhap_ma_is_not_taken(services: Services) -> None:
    lan = await resident(services, TG, "3001")
    binh = await resident(services, ZALO, ZALO_ID)
    code = (await Linking(services).issue(lan, TG, "3001")).code
    assert code is not None
    result = await Linking(services).enter(binh, ZALO, ZALO_ID, code)
    assert result.outcome is LinkOutcome.NOT_EXPECTED
    assert await person_for(services, ZALO, ZALO_ID) == binh


async def test_five_wrong_codes_in_an_hour_stop_the_account_for_that_hour(
    services: Services, clock: ManualClock
) -> None:
    lan = await resident(services, TG, "3001")
    binh = await resident(services, ZALO, ZALO_ID)
    chi = await resident(services, ZALO, "999000111", name="Chi")
    code = (await Linking(services).issue(lan, TG, "3001")).code
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    linking = Linking(services)
    first_try = clock.now()
    await linking.begin_entry(binh, ZALO, ZALO_ID)
    lefts = []
    for _ in range(4):
        result = await linking.enter(binh, ZALO, ZALO_ID, wrong)
        assert result.outcome is LinkOutcome.WRONG
        lefts.append(result.tries_left)
        clock.advance(timedelta(minutes=5))
    assert lefts == [4, 3, 2, 1]
    last = await linking.enter(binh, ZALO, ZALO_ID, wrong)
    assert last.outcome is LinkOutcome.TOO_MANY
    assert last.retry_at == first_try + timedelta(hours=1)

    blocked = await linking.begin_entry(binh, ZALO, ZALO_ID)
    assert blocked.outcome is LinkOutcome.TOO_MANY and blocked.retry_at == last.retry_at
    code = (await Linking(services).issue(lan, TG, "3001")).code
    assert code is not None
    assert await typed(services, binh, ZALO, ZALO_ID, code) is LinkOutcome.TOO_MANY
    assert await typed(services, chi, ZALO, "999000111", code) is LinkOutcome.LINKED, "per account"

    clock.set(first_try + timedelta(hours=1))
    code = (await Linking(services).issue(lan, TG, "3001")).code
    assert code is not None
    assert await typed(services, binh, ZALO, ZALO_ID, code) is LinkOutcome.LINKED


def _schema_person_columns(rows: list[tuple[str, str]]) -> set[str]:
    person = re.compile(r"^(person_id|user_id|author_id|actor_id|chat_id)$|_by$")
    found = {f"{table}.{column}" for table, column in rows if person.search(column)}
    return found | {"persons.id"}


async def _columns(store: Store) -> list[tuple[str, str]]:
    async with store.read() as uow:
        if not isinstance(store, SqliteStore):
            rows = await uow.conn.execute_fetchall(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name <> 'schema_migrations'"
            )
            return [(str(r[0]), str(r[1])) for r in rows]
        tables = await uow.conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        found = []
        for (table,) in tables:
            for info in await uow.conn.execute_fetchall(f"PRAGMA table_info({table})"):
                found.append((str(table), str(info[1])))
    return found


async def test_every_person_column_of_the_schema_has_a_merge_rule(store: SqliteStore) -> None:
    """A new table (or column) that refers to a person must say what a merge does with it."""
    assert _schema_person_columns(await _columns(store)) == set(PERSON_COLUMNS)
    assert set(PERSON_COLUMNS.values()) <= {MOVED, MERGED, REMOVED, KEPT, REFUSED}


SEED = [
    "INSERT INTO residents (person_id, consent, created_at, updated_at)"
    " VALUES (:a, 'given', :t, :t)",
    "INSERT INTO chat_states (user_id, flow, step, updated_at) VALUES (:a, 'petition', 'x', :t)",
    "INSERT INTO broadcasts (created_by, created_at, status, audience_kind, body, recipients,"
    " cancelled_by) VALUES (:a, :t, 'cancelled', 'ward', 'b', 1, :a)",
    "INSERT INTO outbox (event, person_id, channel, address, text, idempotency_key, priority,"
    " next_attempt_at, created_at, told_on_paper_by)"
    " VALUES ('e', :a, 'zalo', 'z', 't', 'k1', 0, :t, :t, :a)",
    "INSERT INTO sessions (id, kind, title, host, form, starts_at, audience, status, created_by,"
    " created_at, updated_at) VALUES (1, 'weekly', 's', 'chair', 'direct', :t, 'ward',"
    " 'published', :a, :t, :t)",
    "INSERT INTO sessions (id, kind, title, host, form, starts_at, audience, status,"
    " created_at, updated_at) VALUES (2, 'weekly', 's', 'chair', 'direct', :t, 'ward',"
    " 'published', :t, :t)",
    # session 1: both registered, the survivor's row stays; session 2: only the absorbed's
    "INSERT INTO session_registrations (session_id, user_id, status, registered_at, updated_at)"
    " VALUES (1, :a, 'registered', :t, :t), (1, :s, 'registered', :t, :t),"
    " (2, :a, 'waitlisted', :t, :t)",
    "INSERT INTO petitions (id, code, author_id, filed_by, channel, field, content, content_key,"
    " created_at) VALUES (1, 'TD-1', :a, :a, 'zalo', 'other', 'c', 'c', :t)",
    "INSERT INTO petition_events (petition_id, kind, at, actor_id) VALUES (1, 'received', :t, :a)",
    "INSERT INTO petition_outcomes (petition_id, answered_by, updated_at) VALUES (1, :a, :t)",
    "INSERT INTO extension_requests (petition_id, unit_code, requested_by, reason, current_due,"
    " proposed_due, decided_by, created_at) VALUES (1, 'U', :a, 'r', :t, :t, :a, :t)",
    "INSERT INTO conclusion_notices (session_id, published_by, updated_at) VALUES (1, :a, :t)",
    # survey of session 1: the survivor never answered, the absorbed did: the answer stays
    "INSERT INTO survey_answers (session_id, user_id, score, invited_at, answered_at)"
    " VALUES (1, :a, 5, :t, :t), (1, :s, NULL, :t, NULL)",
    "INSERT INTO session_minutes (session_id, text, updated_by, updated_at)"
    " VALUES (1, 'm', :a, :t)",
    "INSERT INTO link_codes (person_id, code_hash, channel, external_id, issued_at, expires_at)"
    " VALUES (:a, 'h', 'zalo', 'z', :t, :t)",
    "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id)"
    " VALUES (:t, :a, 'x', 'person', :a)",
]


async def test_a_merge_moves_a_row_of_every_table_that_refers_to_a_person(
    store: SqliteStore, clock: ManualClock
) -> None:
    now = clock.now()
    async with store.transaction() as uow:
        survivor = await uow.accounts.new_person(now, wanted_id=100)
        absorbed = await uow.accounts.new_person(now, wanted_id=200)
        await uow.conn.execute(
            "INSERT INTO accounts (channel, external_id, person_id, created_at)"
            " VALUES ('zalo', 'z', ?, ?)",
            (absorbed, now.isoformat()),
        )
        for sql in SEED:
            await uow.conn.execute(sql, {"a": absorbed, "s": survivor, "t": now.isoformat()})
    seeded = {c: await _count(store, c, absorbed) for c in PERSON_COLUMNS}
    assert {c for c, n in seeded.items() if n} == {
        c for c, how in PERSON_COLUMNS.items() if how != REFUSED
    }

    async with store.transaction() as uow:
        moved = await uow.links.merge_persons(absorbed, survivor)

    for column, how in PERSON_COLUMNS.items():
        left = await _count(store, column, absorbed)
        if how == KEPT:
            assert left == seeded[column], column
        else:
            assert left == 0, column
        if how in (MOVED, MERGED):
            assert moved[column] >= 1 and await _count(store, column, survivor) >= 1, column
    async with store.read() as uow:
        regs = await uow.conn.execute_fetchall(
            "SELECT session_id, user_id, status FROM session_registrations ORDER BY session_id"
        )
        survey = await uow.conn.execute_fetchall("SELECT user_id, score FROM survey_answers")
    assert [tuple(r) for r in regs] == [(1, survivor, "registered"), (2, survivor, "waitlisted")]
    assert [tuple(r) for r in survey] == [(survivor, 5)]


async def _count(store: SqliteStore, column: str, person: int) -> int:
    table, name = column.split(".")
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall(
            f"SELECT COUNT(*) FROM {table} WHERE {name} = ?", (person,)
        )
    return int(next(iter(rows))[0])


async def test_a_forged_link_button_from_someone_not_registered_issues_nothing(
    services: Services, store: SqliteStore
) -> None:
    stranger = await person_for(services, ZALO, ZALO_ID)
    result = await Linking(services).issue(stranger, ZALO, ZALO_ID)
    assert result.outcome is LinkOutcome.NOT_REGISTERED and result.code is None
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall("SELECT COUNT(*) FROM link_codes")
    assert next(iter(rows))[0] == 0
