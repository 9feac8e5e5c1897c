"""A secretary files a petition on a resident's behalf (letter, e-mail, culture house, MTTQ,
mass organisation, at the session).

The steps and their presentation are shared with the resident flow (handlers/petitions_view.py).
"""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.usecases.petitions import Petitions
from handlers.petitions_view import present


async def start(turn: Turn) -> None:
    """The staff menu's «Nhập ý kiến thay người dân»; a draft in progress resumes."""
    await turn.ack()
    await present(turn, await Petitions(turn.services).begin_on_behalf(turn.person_id))
