"""Tracking codes stay unique and gap-free when many residents submit at the same moment."""

from __future__ import annotations

import asyncio

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.usecases.petitions import Outcome, Petitions
from storage.sqlite import SqliteStore
from tests.conftest import onboard
from tests.test_petitions_e2e import SUBMIT, fresh, to_summary
from tests.test_petitions_rules import draft_at_confirm, resident, services


async def test_forty_residents_at_once_through_the_use_case(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    ids = list(range(100, 140))
    for user_id in ids:
        await resident(store, clock, user_id)
        await draft_at_confirm(store, clock, user_id, f"Ý kiến của người {user_id}")
    results = await asyncio.gather(*(Petitions(s).submit(user_id) for user_id in ids))
    assert all(r.outcome is Outcome.FILED for r in results)
    codes = sorted(r.petition.code for r in results if r.petition)
    assert codes == [f"TD-2026-{n:04d}" for n in range(1, 41)]
    async with store.read() as uow:
        for user_id in ids:
            assert await uow.chat_states.get(user_id) is None


async def test_many_residents_press_send_together(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    users = [tg.user(5000 + n, first_name=f"Người {n}") for n in range(12)]
    for user in users:
        await onboard(user)
        await to_summary(user, f"Kiến nghị số {user.id}")
    for user in users:
        user.mark()
    await asyncio.gather(*(user.press(SUBMIT) for user in users))
    receipts = []
    for user in users:
        got = []
        while not got:
            got = [m for m in fresh(await user.wait()) if "Mã theo dõi" in m.plain_text]
        receipts.append(got[0].plain_text.split("Mã theo dõi: ")[1].split(" ")[0])
    assert sorted(receipts) == [f"TD-2026-{n:04d}" for n in range(1, 13)]
