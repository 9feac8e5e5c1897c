"""The deadline scan end to end: the real Application, outbox and delivery worker against the
fake Telegram server, at injected times across Tết 2026, with a restart in the middle."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.channels.telegram.app import SERVICES_KEY, build_application
from bot.clock import ManualClock
from bot.domain.deadlines import DeadlineKind
from bot.domain.petitions import Channel, FieldOfConcern, OnBehalf, Petition, tracking_code
from bot.domain.ports import Store
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.local import running
from bot.usecases.common import Services
from bot.usecases.reminders import Reminders
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, SUPERVISOR_ID, make_settings

HN = ZoneInfo("Asia/Ho_Chi_Minh")
RESIDENT_NAME = "Nguyễn Văn Dân"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HN).astimezone(UTC)


async def add_petition(
    store: Store,
    seq: int,
    *,
    field: FieldOfConcern = FieldOfConcern.LAND,
    session_id: int | None = None,
    author_id: int | None = None,
    at: datetime | None = None,
) -> Petition:
    petition = Petition(
        code=tracking_code("TD", 2026, seq),
        content=f"Kiến nghị số {seq} về đường ngõ 12",
        field=field,
        channel=Channel.TELEGRAM if author_id else Channel.LETTER,
        created_at=at or local(2026, 1, 5, 9),
        author_id=author_id,
        on_behalf=None if author_id else OnBehalf(RESIDENT_NAME, "Số 3 ngõ 12", None, SECRETARY_ID),
        session_id=session_id,
    )
    async with store.transaction() as uow:
        await uow.petitions.add(petition)
    return petition


async def open_answer(store: Store, petition: Petition, unit: str, due: date, at: datetime) -> int:
    async with store.transaction() as uow:
        return await uow.deadlines.open(
            kind=DeadlineKind.UNIT_ANSWER,
            subject_type="petition",
            subject_id=str(petition.id),
            unit_code=unit,
            due_on=due,
            now=at,
        )


async def outbox_count(store: Store, chat_id: int, event: str) -> int:
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall(  # type: ignore[attr-defined]
            "SELECT COUNT(*) FROM outbox WHERE person_id = ? AND event = ?", (chat_id, event)
        )
    return int(next(iter(rows))[0])


async def test_reminders_across_tet_with_a_restart(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    clock.set(local(2026, 1, 5, 9))
    a = await add_petition(store, 1)
    b = await add_petition(store, 2, field=FieldOfConcern.ENVIRONMENT)
    c = await add_petition(store, 3)
    d = await add_petition(store, 4, field=FieldOfConcern.CULTURE)
    await open_answer(store, a, "KT", date(2026, 2, 13), clock.now())
    await open_answer(store, b, "KT", date(2026, 2, 23), clock.now())
    await open_answer(store, c, "KT", date(2026, 2, 23), clock.now())
    await open_answer(store, d, "VHXH", date(2026, 2, 23), clock.now())  # nobody staffs VHXH
    official = tg.user(OFFICIAL_ID, first_name="Kinh", known=True)
    secretary = tg.user(SECRETARY_ID, first_name="Thư", known=True)
    supervisor = tg.user(SUPERVISOR_ID, first_name="Giám", known=True)

    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(app, poll_timeout=1):
        scan = Reminders(app.bot_data[SERVICES_KEY])
        clock.set(local(2026, 2, 11, 6, 59))
        assert (await scan.run_due()).quiet
        clock.set(local(2026, 2, 11, 7, 0))
        assert (await scan.run_due()).messages == 1  # A only: 2 working days before 13/02
        (msg,) = await official.wait(expect=1)
        assert a.code in msg.plain_text and b.code not in msg.plain_text
        official.mark()

        clock.set(local(2026, 2, 12, 8, 0))
        result = await scan.run_due()
        assert (result.reminded, result.messages) == (4, 2)
        (digest,) = await official.wait(expect=1)
        text = digest.plain_text
        assert all(p.code in text for p in (a, b, c)) and d.code not in text
        assert "còn 1 ngày làm việc" in text and "còn 2 ngày làm việc" in text
        (to_secretary,) = await secretary.wait(expect=1)
        assert d.code in to_secretary.plain_text and "Văn hóa - Xã hội" in to_secretary.plain_text
        assert RESIDENT_NAME not in text + to_secretary.plain_text
        official.mark()
        secretary.mark()
        clock.set(local(2026, 2, 12, 15, 0))
        assert (await scan.run_due()).messages == 0  # one digest per unit per day
        clock.set(local(2026, 2, 13, 21, 30))
        assert (await scan.run_due()).quiet

    # Restart: the new process scans at start (its JobQueue runs once immediately) and again.
    clock.set(local(2026, 2, 13, 10, 0))
    before = await outbox_count(store, OFFICIAL_ID, "deadline_digest")
    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(app, poll_timeout=1):
        scan = Reminders(app.bot_data[SERVICES_KEY])
        await scan.run_due()
        assert await outbox_count(store, OFFICIAL_ID, "deadline_digest") == before + 1
        (digest,) = await official.wait(expect=1)
        assert "hết hạn hôm nay" in digest.plain_text  # A is due on 13/02
        official.mark()
        for day in (14, 16, 17, 18, 19, 20, 21, 22):  # weekend and Tết: silence
            clock.set(local(2026, 2, day, 9, 0))
            assert (await scan.run_due()).messages == 0
        clock.set(local(2026, 2, 23, 9, 0))
        await scan.run_due()
        (digest,) = await official.wait(expect=1)
        assert "đã quá hạn 1 ngày làm việc" in digest.plain_text  # A, Tết not counted
        assert digest.plain_text.count("hết hạn hôm nay") == 2  # B and C, one digest
        official.mark()
        assert await outbox_count(store, SUPERVISOR_ID, "deadline_escalation") == 0

        clock.set(local(2026, 2, 25, 9, 0))  # A: 3 overdue working days → supervisors
        result = await scan.run_due()
        assert result.escalated == 1
        (alert,) = await supervisor.wait(expect=1)
        assert a.code in alert.plain_text and "Kinh tế" in alert.plain_text
        assert RESIDENT_NAME not in alert.plain_text
        supervisor.mark()
        clock.set(local(2026, 2, 26, 9, 0))
        result = await scan.run_due()
        assert result.escalated == 3  # B, C, D reach 3 days on 26/02; A is not repeated
        (alert,) = await supervisor.wait(expect=1)
        assert a.code not in alert.plain_text
        assert all(p.code in alert.plain_text for p in (b, c, d))
        assert await outbox_count(store, SUPERVISOR_ID, "deadline_escalation") == 2
        await official.wait(expect=2)  # the digests of 25/02 and 26/02

        # Closing a deadline stops its reminders.
        async with store.transaction() as uow:
            await uow.deadlines.close(
                kind=DeadlineKind.UNIT_ANSWER,
                subject_type="petition",
                subject_id=str(a.id),
                now=clock.now(),
            )
        official.mark()
        clock.set(local(2026, 2, 27, 9, 0))
        await scan.run_due()
        (digest,) = await official.wait(expect=1)
        assert a.code not in digest.plain_text and b.code in digest.plain_text


async def test_session_deadlines_open_from_the_scan(
    store: SqliteStore, ward: WardConfig, clock: ManualClock
) -> None:
    from bot.domain.calendar import WorkingCalendar

    services = Services(store=store, clock=clock, ward=ward, calendar=WorkingCalendar())
    clock.set(local(2026, 1, 5, 9))
    held = Session(
        title="Đối thoại quý I",
        kind=SessionKind.PERIODIC,
        starts_at=local(2026, 2, 10, 8),
        status=SessionStatus.PUBLISHED,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    draft = Session(
        title="Đối thoại chuyên đề",
        kind=SessionKind.THEMATIC,
        starts_at=local(2026, 3, 10, 8),
        status=SessionStatus.DRAFT,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    async with store.transaction() as uow:
        held.id = await uow.sessions.add(held)
        draft.id = await uow.sessions.add(draft)
    scan = Reminders(services)
    await scan.run_due()
    async with store.read() as uow:
        watch = await uow.deadlines.get_open(
            kind=DeadlineKind.SESSION_PUBLISH, subject_type="session", subject_id=str(draft.id)
        )
        assert watch is not None and watch.due_on == date(2026, 2, 27)  # 7 working days
        assert (
            await uow.deadlines.latest(
                kind=DeadlineKind.CONCLUSION_NOTICE,
                subject_type="session",
                subject_id=str(held.id),
            )
            is None
        )
    clock.set(local(2026, 2, 10, 10))  # the session has started
    assert (await scan.run_due()).opened == 1
    async with store.read() as uow:
        notice = await uow.deadlines.get_open(
            kind=DeadlineKind.CONCLUSION_NOTICE, subject_type="session", subject_id=str(held.id)
        )
        # 10 working days after 10/02/2026, Tết (16–20/02) not counted.
        assert notice is not None and notice.due_on == date(2026, 3, 3)
    assert (await scan.run_due()).opened == 0
    draft.status = SessionStatus.PUBLISHED
    async with store.transaction() as uow:
        await uow.sessions.save(draft)
    assert (await scan.run_due()).closed == 1
    async with store.read() as uow:
        assert not await uow.deadlines.open_of_kind(DeadlineKind.SESSION_PUBLISH)
