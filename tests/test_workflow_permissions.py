"""The permission matrix of the workflow: every staff action × every role, through forged
callback data. Only the allowed succeed; the others get a clear Vietnamese refusal and the
database (petitions, handling rows, extensions, chat states, audit log, outbox) is unchanged."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.people import StaffRecord
from bot.domain.permissions import can_act_on
from bot.domain.petitions import Channel, FieldOfConcern, Petition
from bot.domain.ward import Role, WardConfig
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.usecases.common import Services
from bot.usecases.workflow import Result, Workflow
from storage.sqlite import SqliteStore
from tests.conftest import ADMIN_ID, OFFICIAL_ID, SECRETARY_ID, SUPERVISOR_ID, onboard, toast_after

RESIDENT_ID = 5101
OTHER_OFFICIAL_ID = 900010
ROLES = {
    "resident": RESIDENT_ID,
    "official_other_unit": OTHER_OFFICIAL_ID,
    "official": OFFICIAL_ID,
    "secretary": SECRETARY_ID,
    "supervisor": SUPERVISOR_ID,
    "admin": ADMIN_ID,
}
SECRETARIAT = {"secretary", "admin"}
UNIT = {"official"}
# action -> (who may, how to build the forged data from a prepared petition / request)
MATRIX: dict[str, set[str]] = {
    "classify": SECRETARIAT,
    "group": SECRETARIAT,
    "assign": SECRETARIAT,
    "answered_at_session": SECRETARIAT,
    "direct_answer": SECRETARIAT,
    "forward_higher": SECRETARIAT,
    "out_of_scope": SECRETARIAT,
    "accept": UNIT,
    "unit_answer": UNIT,
    "request_extension": UNIT,
    "transfer": UNIT,
    "decide_extension": SECRETARIAT,
    "audit_trail": SECRETARIAT | {"supervisor"},
    "unit_list": UNIT | {"official_other_unit"},
    "overdue_view": SECRETARIAT | {"supervisor"},
}

_seq = count(1)


async def snapshot(store: SqliteStore) -> tuple[object, ...]:
    async with store.read() as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        parts = []
        for sql in (
            "SELECT id, status, field FROM petitions ORDER BY id",
            "SELECT * FROM petition_outcomes ORDER BY petition_id",
            "SELECT id, status FROM extension_requests ORDER BY id",
            "SELECT user_id, flow, step FROM chat_states ORDER BY user_id",
            "SELECT COUNT(*) FROM audit_log",
            "SELECT COUNT(*) FROM outbox",
        ):
            parts.append(tuple(tuple(r) for r in await conn.execute_fetchall(sql)))
    return tuple(parts)


async def new_petition(store: SqliteStore, clock: ManualClock) -> int:
    petition = Petition(
        code=f"TD-2026-{next(_seq):04d}",
        content="Cống thoát nước ngõ 5 bị tắc",
        field=FieldOfConcern.ENVIRONMENT,
        channel=Channel.TELEGRAM,
        created_at=clock.now(),
        author_id=RESIDENT_ID,
    )
    async with store.transaction() as uow:
        return await uow.petitions.add(petition)


def test_can_act_on_is_unit_bound() -> None:
    from bot.domain.permissions import Action

    assert can_act_on(Role.OFFICIAL, "KT", Action.ANSWER_PETITION, "KT")
    assert not can_act_on(Role.OFFICIAL, "VHXH", Action.ANSWER_PETITION, "KT")
    assert not can_act_on(Role.OFFICIAL, "KT", Action.ANSWER_PETITION, None)
    assert can_act_on(Role.SECRETARY, None, Action.ANSWER_PETITION, None)
    assert not can_act_on(Role.SECRETARY, None, Action.ANSWER_PETITION, "KT")
    assert not can_act_on(None, None, Action.ANSWER_PETITION, None)
    assert not can_act_on(Role.SUPERVISOR, "MTTQ", Action.TRANSFER_PETITION, "MTTQ")


@pytest.mark.parametrize("action", list(MATRIX))
async def test_matrix_through_forged_callbacks(
    action: str,
    bot: BotApp,
    tg: FakeTelegramServer,
    store: SqliteStore,
    clock: ManualClock,
    ward: WardConfig,
) -> None:
    services = Services(store, clock, ward, WorkingCalendar())
    wf = Workflow(services)
    async with store.transaction() as uow:
        await uow.staff.save(StaffRecord(OTHER_OFFICIAL_ID, "Võ Văn Xã", Role.OFFICIAL, "VHXH"))
    users: dict[str, SimUser] = {}
    for role, uid in ROLES.items():
        users[role] = tg.user(uid, first_name=role)
    await onboard(users["resident"])
    for role, user in users.items():
        if role != "resident":
            await user.ask("/menu")

    async def prepare() -> str:
        pid = await new_petition(store, clock)
        if action == "group":
            other = await new_petition(store, clock)
            return f"wi:g:{pid}:{other}"
        simple = {
            "classify": f"wi:fc:{pid}:land",
            "assign": f"wi:ac:{pid}:KT",
            "answered_at_session": f"wi:as:{pid}",
            "direct_answer": f"wi:t:direct:{pid}",
            "forward_higher": f"wi:t:forward:{pid}",
            "out_of_scope": f"wi:t:scope:{pid}",
            "audit_trail": f"ws:t:{pid}",
            "unit_list": "st:unit",
            "overdue_view": "st:overdue",
        }
        if action in simple:
            return simple[action]
        assert (await wf.assign(SECRETARY_ID, pid, "KT")).result is Result.DONE
        if action == "decide_extension":
            asked = await wf.request_extension(OFFICIAL_ID, pid, "Cần khảo sát", date(2026, 12, 18))
            assert asked.extension is not None
            return f"wx:y:{asked.extension.id}"
        verb = {"accept": "acc", "unit_answer": "ans", "request_extension": "ext"}.get(action, "tr")
        return f"wu:{verb}:{pid}"

    read_only = action in ("audit_trail", "unit_list", "overdue_view")
    for role, user in users.items():
        data = await prepare()
        before = await snapshot(store)
        toast = await toast_after(user, data)
        after = await snapshot(store)
        if role in MATRIX[action]:
            assert "không có quyền" not in toast, (action, role, toast)
            if not read_only:
                assert after != before, (action, role)
        else:
            assert "không có quyền" in toast, (action, role, toast)
            assert after == before, (action, role)
        async with store.transaction() as uow:
            await uow.chat_states.clear(user.id)
