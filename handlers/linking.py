"""«🔗 Liên kết Zalo/Telegram»: show a one-time code here, or type one shown on the other app.

Payloads are ``lk:new`` (a fresh code) and ``lk:enter`` (type a code); the typed code arrives as
text while the chat state waits for it. The use case re-checks everything, so a forged payload
or a typed code on the wrong account only ever gets a refusal.
"""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.linking import MAX_WRONG_TRIES
from bot.domain.people import ChatState
from bot.usecases.linking import Linking, LinkOutcome, LinkResult
from handlers.common import Rows, home_markup
from messages import label

PREFIX = "lk:"

_REFUSALS = {
    LinkOutcome.ALREADY_LINKED: "link_already",
    LinkOutcome.STAFF: "link_staff",
    LinkOutcome.NOT_REGISTERED: "not_registered",
}
_WRONG = {
    LinkOutcome.WRONG: "link_wrong",
    LinkOutcome.EXPIRED: "link_expired",
    LinkOutcome.USED: "link_used",
}


def _use_case(turn: Turn) -> Linking:
    return Linking(turn.services)


def _code_rows() -> Rows:
    return [
        [(label("link.enter"), f"{PREFIX}enter")],
        [(label("link.new_code"), f"{PREFIX}new")],
        [(label("menu.back"), "m:home")],
    ]


async def on_button(turn: Turn) -> None:
    action = turn.payload.removeprefix(PREFIX)
    event = turn.event
    if action == "new":
        result = await _use_case(turn).issue(turn.person_id, event.channel, event.account_id)
    elif action == "enter":
        result = await _use_case(turn).begin_entry(turn.person_id, event.channel, event.account_id)
    else:
        await turn.ack("button_expired")
        return
    await turn.ack()
    await turn.remove_buttons()
    await present(turn, result)


async def on_text(turn: Turn, state: ChatState) -> None:
    """The typed code after «Nhập mã»."""
    event = turn.event
    result = await _use_case(turn).enter(turn.person_id, event.channel, event.account_id, turn.text)
    await present(turn, result)


async def present(turn: Turn, result: LinkResult) -> None:
    tz = turn.services.ward.ward.timezone
    outcome = result.outcome
    if outcome is LinkOutcome.ISSUED:
        assert result.expires_at is not None
        await turn.reply(
            "link_code",
            _code_rows(),
            link_code=result.code,
            expires_at=result.expires_at,
            tz=tz,
            profile_label=label("menu.profile"),
            button_label=label("link.button"),
            enter_label=label("link.enter"),
        )
    elif outcome is LinkOutcome.ASK_CODE:
        await turn.reply("link_ask_code", home_markup(), home_label=label("menu.back"))
    elif outcome is LinkOutcome.LINKED:
        await turn.reply(
            "link_done",
            [[(label("link.mine"), "m:mine")], [(label("menu.back"), "m:home")]],
            app_name=label(f"link.apps.{result.shown_on}"),
            petitions=result.moved.get("petitions.author_id", 0),
        )
    elif outcome in _WRONG:
        await turn.reply(
            _WRONG[outcome],
            home_markup(),
            tries_left=result.tries_left,
            new_code_label=label("link.new_code"),
        )
    elif outcome is LinkOutcome.TOO_MANY:
        assert result.retry_at is not None
        await turn.reply(
            "link_too_many",
            home_markup(),
            max_tries=MAX_WRONG_TRIES,
            retry_at=result.retry_at,
            tz=tz,
        )
    elif outcome is LinkOutcome.NOT_A_CODE:
        await turn.reply(
            "link_not_a_code",
            [[(label("link.enter"), f"{PREFIX}enter")], [(label("menu.back"), "m:home")]],
            enter_label=label("link.enter"),
        )
    elif outcome is LinkOutcome.SAME_CHANNEL:
        await turn.reply(
            "link_same_channel", home_markup(), app_name=label(f"link.apps.{result.shown_on}")
        )
    elif outcome in _REFUSALS:
        await turn.reply(_REFUSALS[outcome], home_markup())
    else:
        await turn.reply("button_expired", home_markup())


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
