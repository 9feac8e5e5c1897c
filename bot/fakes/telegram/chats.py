"""The simulated chats: users by id, who blocked the bot, and the record of what was delivered."""

from __future__ import annotations

import time
from collections import Counter

from .models import ApiError, ChatMessage
from .params import Params, as_int
from .user import SimUser

__all__ = ["Chats"]


class Chats:
    def __init__(self) -> None:
        self.users: dict[int, SimUser] = {}
        self.blocked: set[int] = set()
        self.sent_messages: list[ChatMessage] = []
        self.delivery_log: list[tuple[float, int, int, str]] = []
        self.delivered: Counter[int] = Counter()

    def known(self, chat_id: int | None) -> SimUser | None:
        """The user if the bot may address this chat (the user wrote first, or ``known=True``)."""
        user = self.users.get(chat_id) if chat_id is not None else None
        if user is None or not user.known:
            return None
        return user

    def resolve(self, p: Params, *, sending: bool = True) -> SimUser:
        """The chat a method addresses by ``chat_id``, refused as Telegram refuses it."""
        raw = p.data.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        user = self.known(as_int(raw))
        if user is None:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and user.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def record(self, user: SimUser, message: ChatMessage, method: str) -> None:
        user._add_bot_message(message)
        self.sent_messages.append(message)
        self.delivery_log.append((time.monotonic(), user.id, message.message_id, method))
        self.delivered[user.id] += 1
