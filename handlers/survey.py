"""Khảo sát sau đối thoại (resident): the 1–5 buttons, then an optional typed comment.
Callback data ``sv:<session id>:<score>`` and ``sv:skip:<session id>``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.people import ChatState
from bot.usecases.survey import Survey, SurveyOutcome
from handlers.common import MAX_TEXT, ack, buttons, home_markup, remove_buttons, reply, services
from messages import label

PREFIX = "sv:"
_REPLIES = {
    SurveyOutcome.ALREADY: "survey_already",
    SurveyOutcome.NOT_INVITED: "survey_not_invited",
    SurveyOutcome.COMMENT_SAVED: "survey_comment_saved",
    SurveyOutcome.TOO_LONG: "survey_too_long",
    SurveyOutcome.EMPTY: "conclusion_empty_text",
}


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    parts = query.data.split(":")
    uc = Survey(services(context))
    if len(parts) == 3 and parts[1] == "skip":
        await uc.skip_comment(user.id)
        await ack(update)
        await remove_buttons(update)
        await reply(update, "survey_comment_saved", home_markup())
        return
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        await ack(update, "button_expired")
        return
    sid, score = int(parts[1]), int(parts[2])
    result = await uc.answer(user.id, sid, score)
    await ack(update)
    if result.outcome is SurveyOutcome.RECORDED:
        await remove_buttons(update)
        await reply(
            update, "survey_thanks", buttons([[(label("survey.skip"), f"{PREFIX}skip:{sid}")]])
        )
        return
    await reply(update, _REPLIES[result.outcome], home_markup())


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    sid = int(state.data.get("session_id", 0))
    result = await Survey(services(context)).comment(user.id, sid, message.text[: MAX_TEXT + 1])
    await reply(update, _REPLIES[result.outcome], home_markup())


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))
