"""Who may do what: pure predicates, tested as a matrix (tests/test_permissions.py)."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.ward import Role


class Action(StrEnum):
    VIEW_INBOX = "view_inbox"
    MANAGE_SESSIONS = "manage_sessions"
    BROADCAST = "broadcast"
    VIEW_UNIT_TASKS = "view_unit_tasks"
    VIEW_OVERDUE = "view_overdue"
    VIEW_REPORTS = "view_reports"
    CONFIGURE_WARD = "configure_ward"
    FILE_ON_BEHALF = "file_on_behalf"
    CLASSIFY_PETITION = "classify_petition"
    ASSIGN_PETITION = "assign_petition"
    ANSWER_PETITION = "answer_petition"
    REQUEST_EXTENSION = "request_extension"
    TRANSFER_PETITION = "transfer_petition"
    DECIDE_EXTENSION = "decide_extension"
    VIEW_AUDIT_TRAIL = "view_audit_trail"
    PUBLISH_CONCLUSION = "publish_conclusion"
    REACH_ON_PAPER = "reach_on_paper"


_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.VIEW_INBOX: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.MANAGE_SESSIONS: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.BROADCAST: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.VIEW_UNIT_TASKS: frozenset({Role.OFFICIAL}),
    Action.VIEW_OVERDUE: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN}),
    Action.VIEW_REPORTS: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN}),
    Action.CONFIGURE_WARD: frozenset({Role.ADMIN}),
    Action.FILE_ON_BEHALF: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.CLASSIFY_PETITION: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.ASSIGN_PETITION: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.ANSWER_PETITION: frozenset({Role.OFFICIAL, Role.SECRETARY, Role.ADMIN}),
    Action.REQUEST_EXTENSION: frozenset({Role.OFFICIAL}),
    Action.TRANSFER_PETITION: frozenset({Role.OFFICIAL}),
    Action.DECIDE_EXTENSION: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.VIEW_AUDIT_TRAIL: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN}),
    Action.PUBLISH_CONCLUSION: frozenset({Role.SECRETARY, Role.ADMIN}),
    Action.REACH_ON_PAPER: frozenset({Role.SECRETARY, Role.ADMIN}),
}

# Actions an official may take only on items assigned to their own unit.
_UNIT_BOUND = frozenset(
    {Action.ANSWER_PETITION, Action.REQUEST_EXTENSION, Action.TRANSFER_PETITION}
)


def can(role: Role | None, action: Action) -> bool:
    """``role`` None is a resident, who holds none of the staff actions."""
    return role is not None and role in _ALLOWED[action]


def can_act_on(
    role: Role | None, own_unit: str | None, action: Action, unit_code: str | None
) -> bool:
    """``action`` on an item held by ``unit_code`` (None: not assigned to any unit).

    A unit's official acts only on their own unit's items; a secretary answers directly only what
    no unit holds, so a unit's answer is always the unit's own.
    """
    if not can(role, action):
        return False
    if action not in _UNIT_BOUND:
        return True
    if role is Role.OFFICIAL:
        return unit_code is not None and own_unit == unit_code
    return unit_code is None


def actions_for(role: Role | None) -> list[Action]:
    return [action for action in Action if can(role, action)]
