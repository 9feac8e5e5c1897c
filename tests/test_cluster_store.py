"""Several processes on one PostgreSQL, seen from the store: each store here is a process's own
pool. One holder per lease, a standby takes a lease when its holder's connection drops,
outbox claims skip rows another transaction holds, and two read-modify-writes of one person's
draft never lose an update."""

from __future__ import annotations

import asyncio
from datetime import date

import aiohttp
import asyncpg

from bot.channels.zalo.client import ZaloClient
from bot.clock import ManualClock
from bot.domain.people import ChatState
from bot.domain.ward import WardConfig
from bot.fakes.zalo import FakeZaloServer
from bot.leadership import Leader
from bot.outbox.queue import Content, Notification
from bot.usecases import staff as staff_uc
from bot.usecases.common import Services
from bot.usecases.reminders import Reminders
from storage.leases import lease_key
from storage.postgres.store import PostgresStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID
from tests.test_deadlines_scan_e2e import add_petition, local, open_answer, outbox_count
from tests.test_storage_contract import NOW
from tests.zalo_helpers import config


async def test_one_holder_per_lease_and_a_standby_takes_over_when_the_holder_dies(
    pg_url: str,
) -> None:
    first, second = await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)
    try:
        holder, standby = first.lease("sender:telegram:t"), second.lease("sender:telegram:t")
        assert await holder.acquire()
        assert not await standby.acquire()
        assert await standby.holder() == await holder.holder()
        assert second.lease("sender:zalo:app").name != holder.name
        assert await second.lease("sender:zalo:app").acquire()  # another lease, free
        # the holder's process dies: its connection goes, and so does the lock
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE 'nghe-dan-noi %' AND pid IN"
                " (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                "  AND objid = ($1::bigint & 4294967295)::oid)",
                lease_key(holder.name),
            )
        finally:
            await admin.close()
        assert not await holder.held()
        assert await standby.acquire()
        await standby.release()
    finally:
        await first.close()
        await second.close()


async def test_a_leader_starts_its_work_only_while_it_holds_the_lease(pg_url: str) -> None:
    first, second = await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)
    running: list[str] = []

    def leader(store: PostgresStore, name: str) -> Leader:
        async def gain() -> None:
            running.append(name)

        async def lose() -> None:
            running.remove(name)

        return Leader(store.lease("jobs"), gain, lose, interval=0.05)

    one, two = leader(first, "one"), leader(second, "two")
    try:
        await one.start()
        await two.start()
        assert running == ["one"] and one.leading and not two.leading
        await one.stop()  # a clean stop frees the lease at once
        for _ in range(100):
            if running == ["two"]:
                break
            await asyncio.sleep(0.05)
        assert running == ["two"]
    finally:
        await one.stop()
        await two.stop()
        await first.close()
        await second.close()


async def test_due_rows_skip_those_another_transaction_has_locked(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    try:
        async with store.transaction() as uow:
            for n in range(4):
                note = Notification("e", 1, "telegram", str(n), f"k{n}", Content("x"))
                await uow.outbox.add(note, now=NOW)
        async with store._pool.acquire() as raw, raw.transaction():
            await raw.execute("SELECT id FROM outbox ORDER BY id LIMIT 2 FOR UPDATE")
            async with store.read() as uow:
                due = await uow.outbox.due("telegram", NOW, 10)
        assert [row.address for row in due] == ["2", "3"]
    finally:
        await store.close()


async def test_two_processes_updating_one_draft_at_once_lose_nothing(pg_url: str) -> None:
    """Each transaction reads the draft, adds a line and writes it back, as a flow does; the
    write transactions of every process are serialised, so all 40 lines are there."""
    stores = [await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)]
    try:

        async def add_line(store: PostgresStore, n: int) -> None:
            async with store.transaction() as uow:
                state = await uow.chat_states.get(7)
                lines = list(state.data.get("lines", [])) if state else []
                await asyncio.sleep(0)
                await uow.chat_states.put(
                    ChatState(7, "petition", "draft", {"lines": [*lines, n]}, NOW)
                )

        await asyncio.gather(*(add_line(stores[n % 2], n) for n in range(40)))
        async with stores[0].read() as uow:
            state = await uow.chat_states.get(7)
        assert state is not None and sorted(state.data["lines"]) == list(range(40))
    finally:
        for store in stores:
            await store.close()


async def test_the_deadline_scan_fired_by_two_processes_at_once_reminds_once(
    pg_url: str, ward: WardConfig, clock: ManualClock
) -> None:
    """The jobs lease runs the scan in one process, but a holder dying mid-period means the next
    one scans the same day again: the scan reads what is due inside its write transaction, so a
    second scan, even at the same moment, finds the reminders already sent."""
    stores = [await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)]
    try:
        services = [Services.for_ward(store, clock, ward) for store in stores]
        await staff_uc.sync_from_config(services[0])
        clock.set(local(2026, 1, 5, 9))
        a, b = await add_petition(stores[0], 1), await add_petition(stores[0], 2)
        await open_answer(stores[0], a, "KT", date(2026, 2, 13), clock.now())
        await open_answer(stores[0], b, "VHXH", date(2026, 2, 13), clock.now())
        clock.set(local(2026, 2, 12, 8, 0))
        results = await asyncio.gather(*(Reminders(s).run_due() for s in services))
        assert sorted(r.messages for r in results) == [0, 2]
        assert await outbox_count(stores[1], OFFICIAL_ID, "deadline_digest") == 1
        assert (
            await outbox_count(stores[1], SECRETARY_ID, "deadline_unstaffed")
            + await outbox_count(stores[1], SECRETARY_ID, "deadline_digest")
            == 1
        )
        assert (await Reminders(services[1]).run_due()).messages == 0
    finally:
        for store in stores:
            await store.close()


async def test_two_processes_refreshing_the_zalo_token_at_once_refresh_it_once(
    pg_url: str, clock: ManualClock
) -> None:
    """Zalo's refresh token is single-use: a second refresh with it would be refused and
    reported to the admins as a dead token. The refresh lease makes the second process wait
    and take the pair the first stored."""
    stores = [await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)]
    try:
        async with FakeZaloServer() as zalo, aiohttp.ClientSession() as session:
            dead: list[str] = []

            async def on_dead(pair: object, reason: str) -> None:
                dead.append(reason)

            clients = [
                ZaloClient(session, config(zalo), s, clock, on_auth_dead=on_dead) for s in stores
            ]
            seed = zalo.issue_tokens()
            await clients[0].seed(str(seed["access_token"]), str(seed["refresh_token"]))
            used = await clients[0]._stored()
            pairs = await asyncio.gather(*(c.refresh(used) for c in clients))
        assert pairs[0].refresh_token == pairs[1].refresh_token
        assert len(zalo.token_requests) == 1 and dead == []
    finally:
        for store in stores:
            await store.close()
