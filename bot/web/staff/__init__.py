"""The staff dashboard ``/quan-ly``: the same use cases as the chat flows, as pages.

Every page needs a live dashboard session (``bot.usecases.web_login``); every form carries the
session's CSRF token; every action goes through the use case the chat calls, which re-checks
the person's role inside its transaction, writes the audit log and queues the notifications.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import Route

from bot.usecases.common import Services
from bot.web.staff import exports, home, inbox, login, oversight, sessions, unit

__all__ = ["staff_routes"]


def staff_routes(services: Callable[[], Services]) -> list[Route]:
    return [
        *login.routes(services),
        *home.routes(services),
        *inbox.routes(services),
        *unit.routes(services),
        *oversight.routes(services),
        *sessions.routes(services),
        *exports.routes(services),
    ]
