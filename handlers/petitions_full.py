"""«📄 Xem toàn văn»: the whole text of a petition that a summary or a card shows shortened.

``ft:draft`` is the person's own draft; ``ft:<code>`` a filed petition, shown by the use case
only to its author and to the staff whose work it is (a hand-typed code shows nothing). The
reply is split at paragraphs by the channel when it is longer than a message.
"""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.usecases.petitions import FullTextOutcome, Petitions
from handlers.common import Rows
from messages import is_long, label

PREFIX = "ft:"
FULL_TEXT_DRAFT = PREFIX + "draft"


def full_text_rows(code: str, content: str) -> Rows:
    """The button row for a card whose content is shortened; none when it is shown whole."""
    if not is_long(content):
        return []
    return [[(label("petitions.full_text"), PREFIX + code)]]


async def on_button(turn: Turn) -> None:
    await turn.ack()
    ref = (turn.event.payload or "").removeprefix(PREFIX)
    petitions = Petitions(turn.services)
    if ref == "draft":
        result = await petitions.current(turn.person_id)
        content = result.draft.content if result.draft is not None else None
        if not content:
            await turn.reply("petition_full_text_denied")
            return
        await turn.reply("petition_full_text", code="", content=content)
        return
    found = await petitions.full_text(turn.person_id, ref[:32])
    if found.outcome is FullTextOutcome.SHOWN:
        await turn.reply("petition_full_text", code=found.code, content=found.content)
    else:
        await turn.reply("petition_full_text_denied")


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
