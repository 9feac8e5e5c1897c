"""Who may do what: pure predicates, tested as a matrix (tests/test_permissions.py)."""

from __future__ import annotations

from enum import StrEnum

from bot.ward import Role


class Action(StrEnum):
    VIEW_INBOX = "view_inbox"
    MANAGE_SESSIONS = "manage_sessions"
    BROADCAST = "broadcast"
    VIEW_UNIT_TASKS = "view_unit_tasks"
    VIEW_OVERDUE = "view_overdue"
    VIEW_REPORTS = "view_reports"
    CONFIGURE_WARD = "configure_ward"
    FILE_ON_BEHALF = "file_on_behalf"


_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.VIEW_INBOX: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.MANAGE_SESSIONS: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.BROADCAST: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.VIEW_UNIT_TASKS: frozenset({Role.OFFICIAL}),
    Action.VIEW_OVERDUE: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN}),
    Action.VIEW_REPORTS: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN}),
    Action.CONFIGURE_WARD: frozenset({Role.ADMIN}),
    Action.FILE_ON_BEHALF: frozenset({Role.SECRETARY, Role.ADMIN}),
}


def can(role: Role | None, action: Action) -> bool:
    """``role`` None is a resident, who holds none of the staff actions."""
    return role is not None and role in _ALLOWED[action]


def actions_for(role: Role | None) -> list[Action]:
    return [action for action in Action if can(role, action)]
