"""Similar petitions grouped so one answer serves all, through the fake Telegram server.

Three residents raise the same broken street lamp; the secretary opens one, sees the other two
under «🔁 Ý kiến tương tự» (an unrelated petition is not offered), groups them with «🔗 Gộp»,
assigns the group once: each resident hears once about their own code, the unit gets one alert
naming the three codes, answers once, and each resident gets the answer for their own code with
the verdict buttons. A verdict then applies to that resident's petition only. Also the «❌ Hủy»
button under a typed-text prompt."""

from __future__ import annotations

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.domain.deadlines import DeadlineKind
from bot.domain.petitions import Status
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.fakes.telegram.models import ChatMessage
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, onboard, toast_after
from tests.test_workflow_e2e import CONFIRM, KT, file_petition, fresh, open_card, status_of

TEXTS = (
    "Đèn đường ngõ 12 Chí Linh bị hỏng đã hai tuần, đề nghị phường cho sửa gấp.",
    "ĐÈN ĐƯỜNG ngõ 12 Chí Linh bị hỏng đã hai tuần!!! Đề nghị phường cho sửa gấp",
    "Đèn đường ở ngõ 12 Chí Linh hỏng hai tuần rồi, đề nghị phường sửa gấp",
)
UNRELATED = "Xin hỏi lịch thu gom rác mới của tổ dân phố 5"
SIMILAR = "🔁 Ý kiến tương tự"


def mentions(messages: list[ChatMessage], code: str) -> list[ChatMessage]:
    return [m for m in messages if code in m.plain_text]


async def group_via_similar(secretary: SimUser, lead: str, other: str) -> ChatMessage:
    """From the lead's card: «Ý kiến tương tự» then «Gộp <other>»; the card comes back."""
    (listing,) = await secretary.press_and_wait(SIMILAR)
    button = next(t for t in listing.button_texts() if t.startswith(f"🔗 Gộp {other}"))
    (card,) = await secretary.press_and_wait(button, message_id=listing.message_id)
    assert lead in card.plain_text and "Chọn việc cần làm" in card.plain_text
    return card


async def test_group_assign_answer_fan_out(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    residents = [tg.user(5201 + n, first_name=f"Dân {n}") for n in range(3)]
    for resident in residents:
        await onboard(resident)
    petitions = [
        await file_petition(store, clock, 5201 + n, text, n + 1) for n, text in enumerate(TEXTS)
    ]
    unrelated = await file_petition(store, clock, 5201, UNRELATED, 4)
    codes = [p.code for p in petitions]
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    await official.ask("/menu")

    # the similar petitions, staff only: the two others, not the unrelated one
    await open_card(secretary, codes[0])
    (listing,) = await secretary.press_and_wait(SIMILAR)
    assert "chỉ cán bộ xem" in listing.plain_text
    assert codes[1] in listing.plain_text and codes[2] in listing.plain_text
    assert unrelated.code not in listing.plain_text
    offered = [t for t in listing.button_texts() if t.startswith("🔗 Gộp")]
    assert len(offered) == 2
    await secretary.press_and_wait("⬅️ Quay lại", message_id=listing.message_id)

    # group both with the first; the card shows the group, the list no longer offers them
    await group_via_similar(secretary, codes[0], codes[1])
    card = await group_via_similar(secretary, codes[0], codes[2])
    assert "Nhóm cùng nội dung" in card.plain_text and all(c in card.plain_text for c in codes)
    (listing,) = await secretary.press_and_wait(SIMILAR)
    assert not [t for t in listing.button_texts() if t.startswith("🔗 Gộp")]
    await secretary.press_and_wait("⬅️ Quay lại", message_id=listing.message_id)

    # assign the group once
    for resident in residents:
        resident.mark()
    official.mark()
    await secretary.press_and_wait("🏢 Giao đơn vị")
    (confirm,) = await secretary.press_and_wait(KT)
    assert "cả nhóm 3 ý kiến" in confirm.plain_text
    (done,) = fresh(await secretary.press_and_wait(CONFIRM))
    assert "2 ý kiến cùng nhóm" in done.plain_text and "Đã báo cho 3 người" in done.plain_text
    alerts = await official.wait()
    (alert,) = fresh(alerts)
    assert "gộp 3 ý kiến" in alert.plain_text and all(c in alert.plain_text for c in codes)
    for n, resident in enumerate(residents):
        (told,) = await resident.wait()
        assert codes[n] in told.plain_text and KT in told.plain_text
        assert not [c for c in codes if c != codes[n] and c in told.plain_text]
    for petition in petitions:
        assert await status_of(store, int(petition.id or 0)) is Status.ASSIGNED
    assert await status_of(store, int(unrelated.id or 0)) is Status.RECEIVED

    # one answer from the unit reaches each resident about their own code
    for resident in residents:
        resident.mark()
    (ask,) = fresh(
        await official.press_and_wait("✍️ Trả lời / báo kết quả", message_id=alert.message_id)
    )
    assert ask.button_texts() == ["❌ Hủy"]
    (preview,) = await official.ask("Đã thay bóng đèn ngõ 12 ngày 26/11.")
    got = fresh(await official.press_and_wait(CONFIRM, message_id=preview.message_id))
    assert any("Đã gửi trả lời" in m.plain_text for m in got)
    answers = []
    for n, resident in enumerate(residents):
        (answer,) = await resident.wait()
        assert codes[n] in answer.plain_text and "Đã thay bóng đèn" in answer.plain_text
        assert not [c for c in codes if c != codes[n] and c in answer.plain_text]
        assert answer.button_texts() == ["👍 Hài lòng", "👎 Chưa thỏa đáng"]
        answers.append(answer)
    async with store.read() as uow:
        for petition in petitions:
            assert await status_of(store, int(petition.id or 0)) is Status.ANSWERED
            assert (
                await uow.deadlines.get_open(
                    kind=DeadlineKind.UNIT_ANSWER, subject_type="petition", subject_id=petition.code
                )
                is None
            )
    # exactly one assignment notice and one answer per resident over the whole run
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall(  # type: ignore[attr-defined]
            "SELECT person_id, COUNT(*) FROM outbox WHERE event = 'workflow_resident_update'"
            " GROUP BY person_id ORDER BY person_id"
        )
    assert [tuple(r) for r in rows] == [(5201, 2), (5202, 2), (5203, 2)]
    for n, resident in enumerate(residents):
        assert len(mentions(resident.messages, codes[n])) == 2

    # the verdict is each resident's own: only that petition moves
    await residents[1].press_and_wait("👍 Hài lòng", message_id=answers[1].message_id)
    assert await status_of(store, int(petitions[1].id or 0)) is Status.RESOLVED
    assert await status_of(store, int(petitions[0].id or 0)) is Status.ANSWERED
    assert await status_of(store, int(petitions[2].id or 0)) is Status.ANSWERED


async def test_cancel_button_under_a_typed_text_prompt(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    resident = tg.user(5210, first_name="Hòa")
    await onboard(resident)
    petition = await file_petition(store, clock, 5210, TEXTS[0], 1)
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    await open_card(secretary, petition.code)
    (ask,) = fresh(await secretary.press_and_wait("💬 Trả lời trực tiếp"))
    assert "Bấm «❌ Hủy»" in ask.plain_text and ask.button_texts() == ["❌ Hủy"]
    (problem,) = await secretary.ask("   ")
    assert "trống" in problem.plain_text and problem.button_texts() == ["❌ Hủy"]
    got = await secretary.press_and_wait("❌ Hủy", message_id=ask.message_id, expect=2)
    (cancelled,) = fresh(got)
    assert "hủy" in cancelled.plain_text.lower()
    assert secretary.message(ask.message_id).button_texts() == []
    async with store.read() as uow:
        assert await uow.chat_states.get(SECRETARY_ID) is None
    assert await status_of(store, int(petition.id or 0)) is Status.RECEIVED
    # the same button pressed again is out of date; typed text is no longer taken as an answer
    assert "không còn dùng được" in await toast_after(secretary, "wf:no")
    (after,) = await secretary.ask("Trả lời muộn")
    assert CONFIRM not in after.button_texts()
    async with store.read() as uow:
        assert await uow.chat_states.get(SECRETARY_ID) is None
    assert await status_of(store, int(petition.id or 0)) is Status.RECEIVED
