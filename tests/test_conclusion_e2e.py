"""Conclusion notice end to end: draft with all three groups → edit the free text → mark complex
(15 working days) → preview → publish; each petitioner gets their part, the unit its items, the
supervisors a summary, the audience the public version (codes and fields only); then the
post-session survey (1–5 and a comment, one answer per person)."""

from __future__ import annotations

from datetime import date

from bot.channels.telegram.app import SERVICES_KEY, BotApp
from bot.clock import ManualClock
from bot.domain.deadlines import DeadlineKind, DeadlineStatus
from bot.domain.people import Consent, Resident
from bot.domain.petitions import EventKind, FieldOfConcern
from bot.domain.petitions import Status as PetitionStatus
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.domain.workflow import Handling, Outcome
from bot.fakes.telegram import FakeTelegramServer
from bot.usecases.accounts import ensure_person
from bot.usecases.reminders import Reminders
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, SUPERVISOR_ID, toast_after
from tests.test_deadlines_scan_e2e import RESIDENT_NAME, add_petition, local

R1, R2 = 700001, 700002
NAMES = {R1: "Trần Thị Lan", R2: "Lê Văn Hùng"}


async def setup(store: SqliteStore, clock: ManualClock) -> tuple[Session, dict[str, object]]:
    clock.set(local(2026, 2, 2, 9))
    session = Session(
        title="Đối thoại định kỳ quý I",
        kind=SessionKind.PERIODIC,
        starts_at=local(2026, 2, 10, 8),
        status=SessionStatus.PUBLISHED,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    async with store.transaction() as uow:
        session.id = await uow.sessions.add(session)
        for rid, name in NAMES.items():
            await ensure_person(uow, "telegram", str(rid), clock.now(), inbound=False)
            await uow.residents.save(
                Resident(
                    rid,
                    Consent.GIVEN,
                    clock.now(),
                    name,
                    "TDP1",
                    None,
                    clock.now(),
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    a = await add_petition(store, 11, session_id=session.id, author_id=R1)
    b = await add_petition(
        store, 12, session_id=session.id, author_id=R2, field=FieldOfConcern.ENVIRONMENT
    )
    c = await add_petition(store, 13, session_id=session.id)  # on behalf of RESIDENT_NAME
    d = await add_petition(
        store, 14, session_id=session.id, author_id=R1, field=FieldOfConcern.CONSTRUCTION
    )
    async with store.transaction() as uow:
        for petition, handling in (
            (a, Handling(0, clock.now(), Outcome.ANSWERED_AT_SESSION, answer_text="Đã sửa đèn.")),
            (b, Handling(0, clock.now(), Outcome.ASSIGNED, "KT", date(2026, 3, 5))),
            (
                c,
                Handling(
                    0, clock.now(), Outcome.FORWARDED_HIGHER, forward_note="Gửi UBND thành phố"
                ),
            ),
            (d, Handling(0, clock.now(), Outcome.ASSIGNED, "KT", date(2026, 3, 6))),
        ):
            assert petition.id is not None
            handling.petition_id = petition.id
            await uow.workflow.save_handling(handling)
        await uow.workflow.set_status(b.id or 0, PetitionStatus.ASSIGNED)
        await uow.workflow.set_status(d.id or 0, PetitionStatus.ASSIGNED)
    return session, {"a": a, "b": b, "c": c, "d": d}


async def test_conclusion_notice_and_survey(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    session, p = await setup(store, clock)
    codes = {k: v.code for k, v in p.items()}  # type: ignore[attr-defined]
    secretary = tg.user(SECRETARY_ID, first_name="Thư", known=True)
    official = tg.user(OFFICIAL_ID, first_name="Kinh", known=True)
    supervisor = tg.user(SUPERVISOR_ID, first_name="Giám", known=True)
    r1 = tg.user(R1, first_name="Lan", known=True)
    r2 = tg.user(R2, first_name="Hùng", known=True)

    clock.set(local(2026, 2, 10, 10))  # the session has started: its notice is due
    assert (await Reminders(bot.bot_data[SERVICES_KEY]).run_due()).opened == 1
    async with store.read() as uow:
        notice = await uow.deadlines.get_open(
            kind=DeadlineKind.CONCLUSION_NOTICE, subject_type="session", subject_id=str(session.id)
        )
    assert notice is not None and notice.due_on == date(2026, 3, 3)  # 10 working days, Tết off

    # An official cannot publish, even with forged data; nothing changes.
    await official.ask("/start")
    assert "không có quyền" in (await toast_after(official, f"cn:publish:{session.id}")).lower()
    official.mark()

    (menu,) = [m for m in await secretary.ask("/start") if m.has_button("📝 Thông báo kết luận")]
    (listing,) = await secretary.press_and_wait("📝 Thông báo kết luận", message_id=menu.message_id)
    assert "Đối thoại định kỳ quý I" in listing.plain_text and "03/03/2026" in listing.plain_text
    (draft,) = [
        m
        for m in await secretary.press_and_wait(
            listing.button_texts()[0], message_id=listing.message_id
        )
        if m.edits == 0
    ]
    text = draft.plain_text
    assert "Hạn ban hành: 03/03/2026" in text and "Đã sửa đèn." in text
    assert all(code in text for code in codes.values()) and "Gửi UBND thành phố" in text
    secretary.mark()

    await secretary.press_and_wait("✏️ Sửa nội dung", message_id=draft.message_id)
    (preview,) = [
        m
        for m in await secretary.ask("Ghi nhận ý kiến bà con, giao các đơn vị xử lý đúng hạn.")
        if m.edits == 0
    ]
    assert "giao các đơn vị xử lý đúng hạn" in preview.plain_text
    await secretary.press_and_wait(
        "⏳ Phức tạp / vượt thẩm quyền (15 ngày)", message_id=preview.message_id
    )
    (preview,) = [
        m for m in await secretary.ask("Liên quan nhiều cơ quan cấp trên") if m.edits == 0
    ]
    assert "Hạn ban hành: 10/03/2026" in preview.plain_text  # 15 working days
    assert "Liên quan nhiều cơ quan cấp trên" in preview.plain_text
    secretary.mark()

    (done,) = [
        m
        for m in await secretary.press_and_wait(
            "✅ Công bố thông báo kết luận", message_id=preview.message_id
        )
        if m.edits == 0
    ]
    assert "Đã ban hành" in done.plain_text

    r1_msgs = await r1.wait(expect=4)  # two personal parts, the public version, the survey
    r2_msgs = await r2.wait(expect=3)
    personal_r1 = [m.plain_text for m in r1_msgs if "Về ý kiến" in m.plain_text]
    assert len(personal_r1) == 2
    assert any(codes["a"] in t and "Đã sửa đèn." in t for t in personal_r1)
    assert any(codes["d"] in t and "Phòng Kinh tế" in t for t in personal_r1)
    (personal_r2,) = [m.plain_text for m in r2_msgs if "Về ý kiến" in m.plain_text]
    assert (
        codes["b"] in personal_r2 and "05/03/2026" in personal_r2 and codes["a"] not in personal_r2
    )
    public = next(m.plain_text for m in r2_msgs if "📢" in m.plain_text)
    assert all(code in public for code in codes.values())
    for secret in (RESIDENT_NAME, *NAMES.values(), "Đã sửa đèn.", "Gửi UBND thành phố"):
        assert secret not in public
    (unit_msg,) = await official.wait(expect=1)
    assert codes["b"] in unit_msg.plain_text and codes["d"] in unit_msg.plain_text
    assert codes["a"] not in unit_msg.plain_text
    (sup_msg,) = await supervisor.wait(expect=1)
    assert "giám sát" in sup_msg.plain_text and RESIDENT_NAME not in sup_msg.plain_text

    async with store.read() as uow:
        closed = await uow.deadlines.latest(
            kind=DeadlineKind.CONCLUSION_NOTICE, subject_type="session", subject_id=str(session.id)
        )
        assert closed is not None and closed.status is DeadlineStatus.DONE
        for key in ("b", "d"):
            report = await uow.deadlines.get_open(
                kind=DeadlineKind.UNIT_REPORT,
                subject_type="petition",
                subject_id=str(p[key].id),  # type: ignore[attr-defined]
            )
            assert report is not None and report.unit_code == "KT"
            assert report.due_on == date(2026, 2, 26)  # 7 working days after 10/02, Tết off
        events = await uow.petitions.events(p["c"].id)  # type: ignore[attr-defined]
        assert any(e.kind is EventKind.IN_CONCLUSION for e in events)
        audit = await uow.audit.for_subject("session", str(session.id))
        assert {"conclusion.text_edited", "conclusion.marked_complex", "conclusion.published"} <= {
            e.action for e in audit
        }

    # Publishing twice is refused and sends nothing.
    secretary.mark()
    await secretary.send_forged_callback(f"cn:publish:{session.id}")
    (again,) = await secretary.wait(expect=1)
    assert "đã được ban hành" in again.plain_text

    # Survey: 1–5, then an optional comment; one answer per person.
    invite = next(m for m in r1_msgs if "Xin ý kiến" in m.plain_text)
    assert invite.button_texts() == ["1", "2", "3", "4", "5"]
    r1.mark()
    await r1.press_and_wait("5", message_id=invite.message_id, expect=2)
    (saved,) = [m for m in await r1.ask("Buổi đối thoại rất bổ ích") if m.edits == 0]
    assert "ghi nhận" in saved.plain_text
    r1.mark()
    await r1.send_forged_callback(f"sv:{session.id}:1")
    (refused,) = await r1.wait(expect=1)
    assert "đã trả lời" in refused.plain_text
    async with store.read() as uow:
        answer = await uow.surveys.get(session.id, R1)
        assert answer is not None and (answer.score, answer.comment) == (
            5,
            "Buổi đối thoại rất bổ ích",
        )
        assert await uow.surveys.summary(session.id) == (2, 1, 5.0)


async def test_unclassified_items_block_publishing(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    session, _ = await setup(store, clock)
    stray = await add_petition(store, 15, session_id=session.id, author_id=R2)
    clock.set(local(2026, 2, 10, 10))
    secretary = tg.user(SECRETARY_ID, first_name="Thư", known=True)
    await secretary.ask("/start")
    secretary.mark()
    await secretary.send_forged_callback(f"cn:publish:{session.id}")
    (msg,) = await secretary.wait(expect=1)
    assert stray.code in msg.plain_text and "Chưa thể công bố" in msg.plain_text
    async with store.read() as uow:
        notice = await uow.conclusions.get(session.id)
        assert notice is None or notice.published_at is None
        rows = await uow.conn.execute_fetchall(
            "SELECT COUNT(*) FROM outbox WHERE event LIKE 'conclusion_%'"
        )
        assert next(iter(rows))[0] == 0
