"""A direct reply the Bot API refuses for a passing reason arrives later, once (issue 12 item 7).

The fake server refuses every call (503) for a simulated 30 seconds while a resident presses
«Gửi ý kiến»: the petition is stored, the receipt is queued as a personal outbox row, and after
the outage it arrives exactly once with its tracking code. A 429 on a quick second reply waits
``retry_after`` instead of being lost.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.fakes.telegram import FakeTelegramServer
from bot.outbox.queue import Priority, Status
from storage.sqlite import SqliteStore
from tests.conftest import onboard
from tests.outbox_helpers import eventually
from tests.test_petitions_e2e import NEXT, SUBMIT, petitions_of, press, to_content


async def _queued_replies(store: SqliteStore, person_id: int) -> list[tuple[str, Status]]:
    async with store.read() as uow:
        cur = await uow.conn.execute(  # type: ignore[attr-defined]
            "SELECT event, status, priority FROM outbox"
            " WHERE person_id = ? AND event LIKE 'reply.%' ORDER BY id",
            (person_id,),
        )
        found = await cur.fetchall()
    assert all(int(r[2]) == Priority.PERSONAL.value for r in found)
    return [(str(r[0]), Status(r[1])) for r in found]


async def test_the_receipt_survives_a_30_second_outage_and_arrives_once(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    user = tg.user(3201, first_name="Lan")
    await onboard(user)
    await to_content(user)
    await user.ask("Cống thoát nước ở ngõ 5 bị tắc, nước tràn ra đường.")
    await press(user, NEXT)
    await user.ask("Ngõ 5 Chí Linh", expect=2)

    tg.outage(True)
    before = tg.method_counts["sendMessage"] + tg.method_counts["editMessageText"]
    await user.press(SUBMIT)

    async def filed() -> bool:
        return len(await petitions_of(store, 3201)) == 1

    await eventually(filed, what="petition stored during the outage")
    (petition,) = await petitions_of(store, 3201)

    async def queued() -> bool:
        return bool(await _queued_replies(store, 3201))

    await eventually(queued, what="receipt queued in the outbox")

    async def retried() -> bool:
        clock.advance(timedelta(seconds=2))
        calls = tg.method_counts["sendMessage"] + tg.method_counts["editMessageText"]
        return calls >= before + 3

    await eventually(retried, what="the worker retrying during the outage")
    assert not any(petition.code in m.plain_text for m in user.messages)
    clock.advance(timedelta(seconds=30))
    tg.outage(False)

    def receipts() -> int:
        return sum(1 for m in user.messages if petition.code in m.plain_text)

    async def arrived() -> bool:
        clock.advance(timedelta(seconds=1))
        return receipts() >= 1

    await eventually(arrived, what="the receipt after the outage")
    for _ in range(5):
        clock.advance(timedelta(minutes=1))
        await asyncio.sleep(0.05)
    assert receipts() == 1
    replies = await _queued_replies(store, 3201)
    assert replies and all(status is Status.SENT for _, status in replies)
    async with store.read() as uow:
        audit = await uow.audit.for_subject("person", "3201")
    assert "reply.queued_after_failure" in [e.action for e in audit]


async def test_a_quick_second_reply_that_gets_a_429_waits_and_arrives(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    user = tg.user(3202, first_name="Bình")
    await onboard(user)
    (first,) = await user.ask("/menu")
    tg.inject(method="sendMessage", chat_id=3202, status=429, retry_after=1)
    shown = len(user.messages)
    await user.send("/menu")

    async def menu_arrived() -> bool:
        clock.advance(timedelta(seconds=1))
        return len(user.messages) > shown and user.messages[-1].plain_text == first.plain_text

    await eventually(menu_arrived, within=10, what="the menu after retry_after")
    assert await _queued_replies(store, 3202)
