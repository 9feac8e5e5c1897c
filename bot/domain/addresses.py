"""Where a message is, on which channel: the neutral address of a sent message."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MessageRef"]


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot sent: its channel, the account it went to, the channel's message id.

    Kept so a channel that can edit (Telegram) updates it in place, e.g. a broadcast's progress;
    a channel that cannot edit sends a new message instead.
    """

    channel: str
    address: str
    message_id: str
