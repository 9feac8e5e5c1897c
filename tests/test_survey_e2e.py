"""Post-session satisfaction survey (seed 002): invited with the conclusion notice, 1–5 buttons,
an optional comment that can be skipped, one answer per person, strangers refused."""

from __future__ import annotations

from bot.channels.telegram.app import SERVICES_KEY, BotApp
from bot.clock import ManualClock
from bot.fakes.telegram import FakeTelegramServer
from bot.usecases.conclusion import ConclusionOutcome, Conclusions
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID
from tests.test_conclusion_e2e import R2, setup
from tests.test_deadlines_scan_e2e import local


async def test_survey_score_skip_and_refusals(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    session, _ = await setup(store, clock)
    clock.set(local(2026, 2, 11, 9))
    resident = tg.user(R2, first_name="Hùng", known=True)
    published = await Conclusions(bot.bot_data[SERVICES_KEY]).publish(SECRETARY_ID, session.id)
    assert published.outcome is ConclusionOutcome.DONE
    messages = await resident.wait(expect=3)
    invite = next(m for m in messages if "Xin ý kiến" in m.plain_text)
    resident.mark()
    replies = await resident.press_and_wait("3", message_id=invite.message_id, expect=2)
    thanks = next(m for m in replies if m.edits == 0)
    assert "Bỏ qua" in thanks.button_texts()
    await resident.press_and_wait("Bỏ qua", message_id=thanks.message_id, expect=2)
    resident.mark()
    await resident.send_forged_callback(f"sv:{session.id}:9")
    (bad,) = await resident.wait(expect=1)
    assert "không dành cho bà con" in bad.plain_text
    stranger = tg.user(700099, first_name="Khách", known=True)
    await stranger.ask("/start", expect=1)
    stranger.mark()
    await stranger.send_forged_callback(f"sv:{session.id}:5")
    (refused,) = await stranger.wait(expect=1)
    assert "không dành cho bà con" in refused.plain_text
    async with store.read() as uow:
        answer = await uow.surveys.get(session.id, R2)
        assert answer is not None and (answer.score, answer.comment) == (3, None)
        assert await uow.surveys.get(session.id, 700099) is None
        state = await uow.chat_states.get(R2)
        assert state is None or state.flow != "survey"
