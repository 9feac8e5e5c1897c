"""Callback queries from inline buttons: ids handed out, and answerCallbackQuery.

A query can be answered once; a second answer or an unknown id gets Telegram's "query is too old"
error, which is what a bot that answers twice meets in production.
"""

from __future__ import annotations

import itertools
from typing import Any

from .models import ApiError
from .params import Params
from .user import SimUser

__all__ = ["CallbackQueries"]

_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class CallbackQueries:
    def __init__(self) -> None:
        self._pending: dict[str, SimUser] = {}
        self._seq = itertools.count(4_000_000_000_000_000_001)

    def next_id(self) -> str:
        return str(next(self._seq))

    def opened(self, query_id: str, user: SimUser) -> None:
        self._pending[query_id] = user

    async def answer(self, p: Params) -> Any:
        query_id = p.text("callback_query_id") or ""
        text = p.text("text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        user = self._pending.pop(query_id, None)
        if user is None:
            raise ApiError(400, _QUERY_INVALID)
        user.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": p.flag("show_alert"),
                "url": p.text("url"),
                "cache_time": p.integer("cache_time") or 0,
            }
        )
        return True
