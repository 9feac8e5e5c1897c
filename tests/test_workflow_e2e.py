"""The assignment workflow end to end through the fake Telegram server: inbox → classify →
assign → unit alert → accept → answer with a file → resident «Chưa thỏa đáng» → reopen →
answer again → «Hài lòng»; direct outcomes; extension and transfer; a restart in the middle."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.channels.telegram.app import BotApp, build_application
from bot.clock import ManualClock
from bot.domain.deadlines import DeadlineKind
from bot.domain.petitions import Channel, FieldOfConcern, Petition, Status
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.fakes.telegram.models import ChatMessage
from bot.runtime.local import running
from storage.sqlite import SqliteStore
from tests.conftest import (
    OFFICIAL_ID,
    SECRETARY_ID,
    SUPERVISOR_ID,
    make_settings,
    onboard,
)

INBOX = "📥 Ý kiến mới"
UNIT = "🗂 Việc của đơn vị"
OVERDUE = "⏰ Việc quá hạn"
KT = "Phòng Kinh tế, Hạ tầng và Đô thị"
CONFIRM = "✅ Xác nhận"


def fresh(messages: list[ChatMessage]) -> list[ChatMessage]:
    return [m for m in messages if not m.edits]


async def file_petition(
    store: SqliteStore, clock: ManualClock, author: int, content: str, seq: int
) -> Petition:
    petition = Petition(
        code=f"TD-2026-{seq:04d}",
        content=content,
        field=FieldOfConcern.OTHER,
        channel=Channel.TELEGRAM,
        created_at=clock.now(),
        author_id=author,
        concerns_address="Ngõ 12 Chí Linh",
    )
    async with store.transaction() as uow:
        await uow.petitions.add(petition)
    return petition


async def status_of(store: SqliteStore, petition_id: int) -> Status:
    async with store.read() as uow:
        petition = await uow.petitions.get(petition_id)
    assert petition is not None
    return petition.status


async def open_card(secretary: SimUser, code: str) -> ChatMessage:
    await secretary.ask("/menu")
    await secretary.press_and_wait(INBOX)
    (card,) = await secretary.press_and_wait(
        next(t for t in secretary.last.button_texts() if code in t)
    )  # type: ignore[union-attr]
    assert code in card.plain_text and "Chọn việc cần làm" in card.plain_text
    return card


async def assign_kt(secretary: SimUser, code: str) -> ChatMessage:
    await open_card(secretary, code)
    await secretary.press_and_wait("🏢 Giao đơn vị")
    (confirm,) = await secretary.press_and_wait(KT)
    assert "Hạn trả lời" in confirm.plain_text and "04/12/2026" in confirm.plain_text
    got = fresh(await secretary.press_and_wait(CONFIRM))
    (done,) = got
    assert "Giao đơn vị xử lý" in done.plain_text and "04/12/2026" in done.plain_text
    return done


async def test_assign_answer_reopen_satisfied(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    resident = tg.user(5001, first_name="Lan")
    await onboard(resident)
    petition = await file_petition(store, clock, 5001, "Đèn đường ngõ 12 hỏng đã hai tuần", 1)
    assert petition.id is not None
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    supervisor = tg.user(SUPERVISOR_ID, first_name="Giám")
    for staff in (official, supervisor):
        await staff.ask("/menu")
    official.mark()
    resident.mark()

    # classify then assign; the due date (7 working days from Wed 25/11) is shown first
    await open_card(secretary, petition.code)
    await secretary.press_and_wait("🏷 Phân loại")
    (card,) = await secretary.press_and_wait("Xây dựng")
    assert "Xây dựng" in card.plain_text and "Đã phân loại" in card.plain_text
    await assign_kt(secretary, petition.code)
    assert await status_of(store, petition.id) is Status.ASSIGNED

    (alert,) = await official.wait()
    assert petition.code in alert.plain_text and "04/12/2026" in alert.plain_text
    (told,) = await resident.wait()
    assert KT in told.plain_text and petition.code in told.plain_text

    # the unit accepts, then answers with a document
    official.mark()
    resident.mark()
    got = fresh(await official.press_and_wait("📥 Tiếp nhận", message_id=alert.message_id))
    assert any("Đã tiếp nhận" in m.plain_text for m in got)
    (accepted,) = await resident.wait()
    assert "đã tiếp nhận" in accepted.plain_text
    (ask,) = fresh(
        await official.press_and_wait("✍️ Trả lời / báo kết quả", message_id=alert.message_id)
    )
    assert "Nhập nội dung trả lời" in ask.plain_text
    (preview,) = await official.ask("Đã thay bóng đèn mới ngày 26/11.")
    assert "Đã thay bóng" in preview.plain_text
    await official.send_document(file_name="bien-ban.pdf")
    (preview2,) = await official.wait()
    assert "tệp văn bản" in preview2.plain_text
    resident.mark()
    got = fresh(await official.press_and_wait(CONFIRM, message_id=preview2.message_id))
    assert any("Đã gửi trả lời" in m.plain_text for m in got)
    answer, document = await resident.wait(expect=2)
    assert "Đã thay bóng đèn" in answer.plain_text
    assert answer.button_texts() == ["👍 Hài lòng", "👎 Chưa thỏa đáng"]
    assert document.document is not None
    assert await status_of(store, petition.id) is Status.ANSWERED
    async with store.read() as uow:
        assert (
            await uow.deadlines.get_open(
                kind=DeadlineKind.UNIT_ANSWER, subject_type="petition", subject_id=petition.code
            )
            is None
        )

    # «Chưa thỏa đáng»: reason, reopened to the same unit with a new due date
    clock.advance(timedelta(days=1))
    (why,) = fresh(await resident.press_and_wait("👎 Chưa thỏa đáng", message_id=answer.message_id))
    assert "vì sao" in why.plain_text
    (preview,) = await resident.ask("Đèn lại hỏng sau một ngày")
    official.mark()
    supervisor.mark()
    got = fresh(await resident.press_and_wait(CONFIRM, message_id=preview.message_id))
    assert any("mở lại" in m.plain_text and "07/12/2026" in m.plain_text for m in got)
    assert await status_of(store, petition.id) is Status.REOPENED
    (realert,) = await official.wait()
    assert "mở lại" in realert.plain_text and "Đèn lại hỏng" in realert.plain_text
    (watch,) = await supervisor.wait()
    assert petition.code in watch.plain_text and "chưa hài lòng" in watch.plain_text

    # the unit's list shows it; it answers again; the resident is satisfied
    await official.ask("/menu")
    (listing,) = fresh(await official.press_and_wait(UNIT))
    assert petition.code in listing.plain_text
    await official.press_and_wait(
        callback_data=f"wu:ans:{petition.id}", message_id=realert.message_id
    )
    (preview,) = await official.ask("Đã thay cả bộ đèn và dây.")
    resident.mark()
    await official.press_and_wait(CONFIRM, message_id=preview.message_id)
    (answer2,) = await resident.wait()
    got = fresh(await resident.press_and_wait("👍 Hài lòng", message_id=answer2.message_id))
    assert any("thỏa đáng" in m.plain_text for m in got)
    assert await status_of(store, petition.id) is Status.RESOLVED

    # the supervisor's audit trail tells who did what
    await supervisor.ask("/menu")
    (view,) = fresh(await supervisor.press_and_wait(OVERDUE))
    assert "Không có ý kiến nào quá hạn" in view.plain_text
    assert "Phòng Kinh tế" in view.plain_text and "100%" in view.plain_text


async def test_direct_outcomes_extension_transfer_and_restart(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    resident = tg.user(5002, first_name="Minh")
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    async with running(app, poll_timeout=1):
        await onboard(resident)
        await official.ask("/menu")
        p1 = await file_petition(store, clock, 5002, "Xin hỏi lịch thu gom rác mới", 1)
        p2 = await file_petition(store, clock, 5002, "Tranh chấp đất với tỉnh bên", 2)
        p3 = await file_petition(store, clock, 5002, "Khiếu nại quyết định xử phạt", 3)
        p4 = await file_petition(store, clock, 5002, "Vỉa hè phố Chí Linh bị lấn chiếm", 4)
        # direct answer
        await open_card(secretary, p1.code)
        (ask,) = fresh(await secretary.press_and_wait("💬 Trả lời trực tiếp"))
        assert "Nhập nội dung trả lời" in ask.plain_text
        (preview,) = await secretary.ask("Thu gom rác lúc 18h hằng ngày.")
        resident.mark()
        (done,) = fresh(await secretary.press_and_wait(CONFIRM, message_id=preview.message_id))
        assert "Trả lời trực tiếp" in done.plain_text
        (told,) = await resident.wait()
        assert "18h" in told.plain_text and told.button_texts()[0] == "👍 Hài lòng"
        # forward to the higher level, out of scope
        await open_card(secretary, p2.code)
        await secretary.press_and_wait("⬆️ Chuyển cấp trên")
        (preview,) = await secretary.ask("Chuyển UBND thành phố")
        resident.mark()
        await secretary.press_and_wait(CONFIRM, message_id=preview.message_id)
        (told,) = await resident.wait()
        assert "cấp trên" in told.plain_text
        assert await status_of(store, int(p2.id or 0)) is Status.CLOSED
        await open_card(secretary, p3.code)
        await secretary.press_and_wait("🚫 Không thuộc phạm vi")
        (preview,) = await secretary.ask("Là khiếu nại, theo Luật Khiếu nại")
        resident.mark()
        await secretary.press_and_wait(CONFIRM, message_id=preview.message_id)
        (told,) = await resident.wait()
        assert "Bộ phận Tiếp công dân" in told.plain_text
        # assign p4, the unit asks for an extension (typed reason, then date)
        official.mark()
        resident.mark()
        await assign_kt(secretary, p4.code)
        (alert,) = await official.wait()
        (assigned,) = await resident.wait()
        assert "04/12/2026" in assigned.plain_text
        await official.press_and_wait("⏳ Xin gia hạn", message_id=alert.message_id)
        (ask_date,) = await official.ask("Cần phối hợp công an phường")
        assert "dd/mm/yyyy" in ask_date.plain_text
        (bad,) = await official.ask("01/12/2026")
        assert "chưa hợp lệ" in bad.plain_text
        (preview,) = await official.ask("11/12/2026")
        secretary.mark()
        await official.press_and_wait(CONFIRM, message_id=preview.message_id)
        (request,) = await secretary.wait()
        assert "11/12/2026" in request.plain_text

    # restart: a new Application on the same store; the decision still works
    app2 = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(app2, poll_timeout=1):
        official.mark()
        resident.mark()
        got = fresh(
            await secretary.press_and_wait("✅ Đồng ý gia hạn", message_id=request.message_id)
        )
        assert any("11/12/2026" in m.plain_text for m in got)
        (decided,) = await official.wait()
        assert "được đồng ý" in decided.plain_text
        (extended,) = await resident.wait()
        assert "11/12/2026" in extended.plain_text
        async with store.read() as uow:
            deadline = await uow.deadlines.get_open(
                kind=DeadlineKind.UNIT_ANSWER, subject_type="petition", subject_id=p4.code
            )
        assert deadline is not None and str(deadline.due_on) == "2026-12-11"
        # transfer back, then the secretary reassigns to another unit
        await official.press_and_wait("↩️ Trả lại", message_id=decided.message_id)
        (preview,) = await official.ask("Thuộc trật tự đô thị, giao Văn phòng")
        secretary.mark()
        await official.press_and_wait(CONFIRM, message_id=preview.message_id)
        (back,) = await secretary.wait()
        assert "trả lại" in back.plain_text
        assert await status_of(store, int(p4.id or 0)) is Status.TRANSFERRED
        await open_card(secretary, p4.code)
        await secretary.press_and_wait("🏢 Giao đơn vị")
        await secretary.press_and_wait("Văn phòng HĐND-UBND")
        await secretary.press_and_wait(CONFIRM)
        assert await status_of(store, int(p4.id or 0)) is Status.ASSIGNED
        async with store.read() as uow:
            handling = await uow.workflow.handling(int(p4.id or 0))
            trail = await uow.audit.for_subject("petition", p4.code)
        assert handling is not None and handling.unit_code == "VP"
        actions = [e.action for e in trail]
        assert actions[-5:] == [
            "petition.assigned",
            "petition.extension_requested",
            "petition.extension_approved",
            "petition.transferred",
            "petition.reassigned",
        ]
