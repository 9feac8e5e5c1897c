"""Khảo sát sau đối thoại (resident): the 1–5 buttons, then an optional typed comment.
Button payloads ``sv:<session id>:<score>`` and ``sv:skip:<session id>``."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.usecases.survey import Survey, SurveyOutcome
from handlers.common import MAX_TEXT, home_markup
from messages import label

PREFIX = "sv:"
_REPLIES = {
    SurveyOutcome.ALREADY: "survey_already",
    SurveyOutcome.NOT_INVITED: "survey_not_invited",
    SurveyOutcome.COMMENT_SAVED: "survey_comment_saved",
    SurveyOutcome.TOO_LONG: "survey_too_long",
    SurveyOutcome.EMPTY: "conclusion_empty_text",
}


async def on_button(turn: Turn) -> None:
    parts = turn.payload.split(":")
    uc = Survey(turn.services)
    if len(parts) == 3 and parts[1] == "skip":
        await uc.skip_comment(turn.person_id)
        await turn.ack()
        await turn.remove_buttons()
        await turn.reply("survey_comment_saved", home_markup())
        return
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        await turn.ack("button_expired")
        return
    sid, score = int(parts[1]), int(parts[2])
    result = await uc.answer(turn.person_id, sid, score)
    await turn.ack()
    if result.outcome is SurveyOutcome.RECORDED:
        await turn.remove_buttons()
        await turn.reply("survey_thanks", [[(label("survey.skip"), f"{PREFIX}skip:{sid}")]])
        return
    await turn.reply(_REPLIES[result.outcome], home_markup())


async def on_text(turn: Turn, state: ChatState) -> None:
    sid = int(state.data.get("session_id", 0))
    result = await Survey(turn.services).comment(turn.person_id, sid, turn.text[: MAX_TEXT + 1])
    await turn.reply(_REPLIES[result.outcome], home_markup())


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
