"""The permission matrix: every staff action against every role."""

import pytest

from bot.domain.permissions import Action, actions_for, can
from bot.domain.ward import Role

EXPECTED = {
    Action.VIEW_INBOX: {Role.SECRETARY, Role.ADMIN},
    Action.MANAGE_SESSIONS: {Role.SECRETARY, Role.ADMIN},
    Action.BROADCAST: {Role.SECRETARY, Role.ADMIN},
    Action.VIEW_UNIT_TASKS: {Role.OFFICIAL},
    Action.VIEW_OVERDUE: {Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN},
    Action.VIEW_REPORTS: {Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN},
    Action.CONFIGURE_WARD: {Role.ADMIN},
    Action.FILE_ON_BEHALF: {Role.SECRETARY, Role.ADMIN},
    Action.CLASSIFY_PETITION: {Role.SECRETARY, Role.ADMIN},
    Action.ASSIGN_PETITION: {Role.SECRETARY, Role.ADMIN},
    Action.ANSWER_PETITION: {Role.OFFICIAL, Role.SECRETARY, Role.ADMIN},
    Action.REQUEST_EXTENSION: {Role.OFFICIAL},
    Action.TRANSFER_PETITION: {Role.OFFICIAL},
    Action.DECIDE_EXTENSION: {Role.SECRETARY, Role.ADMIN},
    Action.VIEW_AUDIT_TRAIL: {Role.SUPERVISOR, Role.SECRETARY, Role.ADMIN},
    Action.PUBLISH_CONCLUSION: {Role.SECRETARY, Role.ADMIN},
    Action.REACH_ON_PAPER: {Role.SECRETARY, Role.ADMIN},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [None, *Role])
def test_matrix(action: Action, role: Role | None) -> None:
    assert can(role, action) is (role in EXPECTED[action])


def test_residents_hold_no_staff_action() -> None:
    assert actions_for(None) == []
    assert set(EXPECTED) == set(Action)
