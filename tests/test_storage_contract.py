"""The storage contract: every adapter of ``bot.domain.ports.Store`` must pass these tests.

Each adapter is a factory in STORES: SQLite in a temporary file, PostgreSQL in a fresh database
of the test session's throwaway server (tests/postgres.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.channels import TokenPair
from bot.domain.linking import LinkCode
from bot.domain.people import (
    Account,
    AuditEntry,
    ChatState,
    Consent,
    Resident,
    Role,
    StaffRecord,
)
from bot.domain.ports import Store
from bot.domain.web_sessions import IDLE_LIMIT, LoginLink, WebSession, secret_hash
from bot.outbox.queue import Content, Notification, Status
from storage.sqlite import SqliteStore, apply_migrations
from tests.postgres import fresh_postgres_store

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

StoreFactory = Callable[[pytest.FixtureRequest, Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    store = await SqliteStore.open(tmp_path / "contract.db")
    try:
        yield store
    finally:
        await store.close()


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> AbstractAsyncContextManager[Store]:
    return fresh_postgres_store(request)


STORES: dict[str, StoreFactory] = {"sqlite": _sqlite, "postgresql": _postgres}


@pytest.fixture(params=sorted(STORES))
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with STORES[request.param](request, tmp_path) as store:
        yield store


def resident(person_id: int = 1, **fields: object) -> Resident:
    base = Resident(person_id=person_id, created_at=NOW, updated_at=NOW)
    for key, value in fields.items():
        setattr(base, key, value)
    return base


async def test_resident_round_trip(any_store: Store) -> None:
    saved = resident(
        7,
        consent=Consent.GIVEN,
        consent_at=NOW,
        full_name="Nguyễn Thị <Lan> & Co",
        group_code="TDP1",
        phone="0912345678",
        onboarded_at=NOW,
        notices_muted=True,
        reachable=False,
    )
    async with any_store.transaction() as uow:
        await uow.residents.save(saved)
    async with any_store.read() as uow:
        assert await uow.residents.get(7) == saved
        assert await uow.residents.get(8) is None
        assert await uow.residents.count() == 1


async def test_resident_social_groups_round_trip(any_store: Store) -> None:
    """Declared social groups (nhóm xã hội) survive a save, can be cleared, and select residents:
    only onboarded, not deleted ones who declared that exact code."""
    onboarded = {"consent": Consent.GIVEN, "consent_at": NOW, "onboarded_at": NOW}
    async with any_store.transaction() as uow:
        await uow.residents.save(resident(1, social_groups=("youth", "women"), **onboarded))
        await uow.residents.save(resident(2, social_groups=("women",), **onboarded))
        await uow.residents.save(resident(3, social_groups=("youth",)))  # not onboarded
        await uow.residents.save(resident(4, **onboarded))
        await uow.residents.save(resident(5, social_groups=("youth",), deleted_at=NOW, **onboarded))
    async with any_store.read() as uow:
        got = await uow.residents.get(1)
        assert got is not None and got.social_groups == ("youth", "women")
        fresh = await uow.residents.get(4)
        assert fresh is not None and fresh.social_groups == ()
        assert await uow.residents.in_social_group("youth") == [1]
        assert await uow.residents.in_social_group("women") == [1, 2]
        assert await uow.residents.in_social_group("veterans") == []
        assert await uow.residents.in_social_group("you") == []
    async with any_store.transaction() as uow:
        await uow.residents.save(resident(1, social_groups=(), **onboarded))
    async with any_store.read() as uow:
        cleared = await uow.residents.get(1)
        assert cleared is not None and cleared.social_groups == ()
        assert await uow.residents.in_social_group("youth") == []


async def test_save_replaces_the_record(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        await uow.residents.save(resident(1, full_name="A"))
    changed = resident(1, full_name=None, phone="0900000000", updated_at=NOW + timedelta(1))
    async with any_store.transaction() as uow:
        await uow.residents.save(changed)
    async with any_store.read() as uow:
        got = await uow.residents.get(1)
    assert got is not None and got.full_name is None and got.phone == "0900000000"
    assert got.created_at == NOW, "created_at is kept"


async def test_exception_rolls_back_everything(any_store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with any_store.transaction() as uow:
            await uow.residents.save(resident(1))
            await uow.audit.record(AuditEntry(NOW, 1, "x", "resident", "1"))
            raise RuntimeError("boom")
    async with any_store.read() as uow:
        assert await uow.residents.get(1) is None
        assert list(await uow.audit.for_subject("resident", "1")) == []


async def test_readers_do_not_see_uncommitted_writes(any_store: Store) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with any_store.transaction() as uow:
            await uow.residents.save(resident(5))
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    async with any_store.read() as uow:
        assert await uow.residents.get(5) is None
    release.set()
    await task
    async with any_store.read() as uow:
        assert await uow.residents.get(5) is not None


async def test_concurrent_transactions_are_serialised(any_store: Store) -> None:
    """Read-modify-write from many coroutines loses no update."""
    async with any_store.transaction() as uow:
        await uow.chat_states.put(ChatState(1, "counter", "0", {"n": 0}, NOW))

    async def bump() -> None:
        async with any_store.transaction() as uow:
            state = await uow.chat_states.get(1)
            assert state is not None
            await asyncio.sleep(0)
            state.data["n"] += 1
            await uow.chat_states.put(state)

    await asyncio.gather(*(bump() for _ in range(50)))
    async with any_store.read() as uow:
        state = await uow.chat_states.get(1)
    assert state is not None and state.data["n"] == 50


async def test_staff_round_trip_and_active_list(any_store: Store) -> None:
    members = [
        StaffRecord(3, "Lê Văn Kinh", Role.OFFICIAL, "KT"),
        StaffRecord(2, "Nguyễn Thị Thư", Role.SECRETARY),
        StaffRecord(4, "Nghỉ việc", Role.SUPERVISOR, active=False),
    ]
    async with any_store.transaction() as uow:
        for member in members:
            await uow.staff.save(member)
    async with any_store.read() as uow:
        assert await uow.staff.get(3) == members[0]
        assert [m.person_id for m in await uow.staff.list_active()] == [2, 3]
        assert await uow.staff.get(99) is None


async def test_chat_state_put_get_clear(any_store: Store) -> None:
    state = ChatState(9, "onboarding", "name", {"payload": "s12", "tên": "Lan"}, NOW)
    async with any_store.transaction() as uow:
        await uow.chat_states.put(state)
    async with any_store.read() as uow:
        assert await uow.chat_states.get(9) == state
    async with any_store.transaction() as uow:
        await uow.chat_states.clear(9)
        await uow.chat_states.clear(9)
    async with any_store.read() as uow:
        assert await uow.chat_states.get(9) is None


async def test_audit_log_keeps_order_and_details(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        first = await uow.audit.record(
            AuditEntry(NOW, 1, "resident.started", "resident", "1", {"k": "đ"})
        )
        second = await uow.audit.record(AuditEntry(NOW, None, "staff.x", "resident", "1"))
        await uow.audit.record(AuditEntry(NOW, 2, "other", "resident", "2"))
    assert second > first
    async with any_store.read() as uow:
        entries = list(await uow.audit.for_subject("resident", "1"))
    assert [e.action for e in entries] == ["resident.started", "staff.x"]
    assert entries[0].details == {"k": "đ"} and entries[0].at == NOW and entries[0].id == first


async def test_sqlite_is_wal_with_foreign_keys_and_migrations_are_idempotent(
    tmp_path: Path,
) -> None:
    store = await SqliteStore.open(tmp_path / "m.db")
    try:
        async with store.transaction() as uow:
            conn = uow.conn  # type: ignore[attr-defined]
            mode = await (await conn.execute("PRAGMA journal_mode")).fetchone()
            fks = await (await conn.execute("PRAGMA foreign_keys")).fetchone()
        assert mode[0] == "wal" and fks[0] == 1
        assert await apply_migrations(conn) == []
    finally:
        await store.close()
    reopened = await SqliteStore.open(tmp_path / "m.db")
    await reopened.close()


async def test_a_cancelled_transaction_leaves_the_store_usable(any_store: Store) -> None:
    """A task cancelled while waiting for, inside or committing a transaction breaks nothing."""
    holder_inside = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with any_store.transaction() as uow:
            await uow.residents.save(resident(1))
            holder_inside.set()
            await release.wait()

    async def waiter() -> None:
        async with any_store.transaction() as uow:
            await uow.residents.save(resident(2))

    first = asyncio.create_task(holder())
    await holder_inside.wait()
    second = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    second.cancel()
    release.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await second
    for _ in range(20):
        task = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    async with any_store.transaction() as uow:
        await uow.residents.save(resident(3))
    async with any_store.read() as uow:
        assert await uow.residents.get(1) is not None
        assert await uow.residents.get(3) is not None


async def test_persons_and_accounts(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        wanted = await uow.accounts.new_person(NOW, wanted_id=555)
        taken = await uow.accounts.new_person(NOW, wanted_id=555)
        plain = await uow.accounts.new_person(NOW)
        await uow.accounts.link(Account("telegram", "555", wanted, True, None, NOW))
        await uow.accounts.link(Account("zalo", "8437261509871234567", wanted, True, None, NOW))
        await uow.accounts.link(Account("zalo", "111", plain, True, None, NOW))
        await uow.accounts.touch("zalo", "8437261509871234567", NOW + timedelta(minutes=1))
        await uow.accounts.set_reachable("telegram", "555", False)
    assert wanted == 555 and taken not in {555, plain} and plain > 555
    async with any_store.read() as uow:
        accounts = await uow.accounts.of_person(555)
        on_zalo = await uow.accounts.on_channel("zalo", [555, plain, 999])
        missing = await uow.accounts.get("zalo", "nobody")
    assert [(a.channel, a.external_id, a.reachable) for a in accounts] == [
        ("zalo", "8437261509871234567", True),
        ("telegram", "555", False),
    ]
    assert accounts[0].last_inbound_at == NOW + timedelta(minutes=1)
    assert on_zalo == {555: "8437261509871234567", plain: "111"} and missing is None
    async with any_store.transaction() as uow:
        await uow.accounts.link(Account("zalo", "111", 555, True, None, NOW))
        moved = await uow.accounts.get("zalo", "111")
    assert moved is not None and moved.person_id == 555


async def test_channel_inbox_keeps_each_event_once_until_handled(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        first = await uow.inbox.add("zalo", "msg:1", '{"a": 1}', NOW)
        again = await uow.inbox.add("zalo", "msg:1", '{"a": 2}', NOW + timedelta(seconds=5))
        other = await uow.inbox.add("zalo", "msg:2", "{}", NOW + timedelta(seconds=1))
        elsewhere = await uow.inbox.add("web", "msg:1", "{}", NOW)
        await uow.inbox.mark_attempt("zalo", "msg:2")
    assert (first, again, other, elsewhere) == (True, False, True, True)
    async with any_store.read() as uow:
        pending = await uow.inbox.pending("zalo", 10)
    assert [(e.key, e.body, e.attempts) for e in pending] == [
        ("msg:1", '{"a": 1}', 0),
        ("msg:2", "{}", 1),
    ]
    async with any_store.transaction() as uow:
        await uow.inbox.mark_handled("zalo", "msg:1", NOW + timedelta(seconds=2))
    async with any_store.read() as uow:
        assert [e.key for e in await uow.inbox.pending("zalo", 10)] == ["msg:2"]


async def test_channel_inbox_stores_and_marks_a_batch_of_events_at_once(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        await uow.inbox.add("zalo", "msg:0", "{}", NOW)
    events = [(f"msg:{n}", f'{{"n": {n}}}') for n in range(450)]
    async with any_store.transaction() as uow:
        fresh = await uow.inbox.arrived("zalo", [*events, ("msg:7", "{}")], NOW)
        elsewhere = await uow.inbox.arrived("web", events[:1], NOW)
    assert fresh == {f"msg:{n}" for n in range(1, 450)} and elsewhere == {"msg:0"}
    async with any_store.read() as uow:
        pending = await uow.inbox.pending("zalo", 1000)
    assert [(e.key, e.attempts) for e in pending[:3]] == [("msg:0", 0), ("msg:1", 1), ("msg:2", 1)]
    assert pending[7].body == '{"n": 7}' and len(pending) == 450
    async with any_store.transaction() as uow:
        await uow.inbox.mark_all_handled("zalo", [f"msg:{n}" for n in range(449)], NOW)
    async with any_store.read() as uow:
        assert [e.key for e in await uow.inbox.pending("zalo", 1000)] == ["msg:449"]
        assert [e.key for e in await uow.inbox.pending("web", 10)] == ["msg:0"]


async def test_channel_tokens_are_seeded_once_and_replaced_only_from_the_stored_pair(
    any_store: Store,
) -> None:
    seed = TokenPair("a1", "r1", NOW + timedelta(hours=25), NOW)
    fresh = TokenPair("a2", "r2", NOW + timedelta(hours=50), NOW + timedelta(hours=24))
    async with any_store.transaction() as uow:
        assert await uow.tokens.seed("zalo", seed)
        assert not await uow.tokens.seed("zalo", fresh)
        assert await uow.tokens.replace("zalo", "r1", fresh)
        stale = await uow.tokens.replace("zalo", "r1", TokenPair("a3", "r3", NOW, NOW))
        missing = await uow.tokens.get("telegram")
    assert not stale and missing is None
    async with any_store.read() as uow:
        assert await uow.tokens.get("zalo") == fresh


async def test_file_links_open_the_file_until_they_expire(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        file_id = await uow.files.add(
            name="phiên-đối-thoại.ics", mime_type="text/calendar", data=b"BEGIN:VCALENDAR", now=NOW
        )
        await uow.files.add_link(
            token="t0k3n", file_id=file_id, now=NOW, expires_at=NOW + timedelta(days=30)
        )
    async with any_store.read() as uow:
        found = await uow.files.by_link("t0k3n", NOW + timedelta(days=29))
        expired = await uow.files.by_link("t0k3n", NOW + timedelta(days=30))
        unknown = await uow.files.by_link("other", NOW)
    assert found is not None and found.data == b"BEGIN:VCALENDAR"
    assert found.name == "phiên-đối-thoại.ics" and found.mime_type == "text/calendar"
    assert expired is None and unknown is None


async def test_outbox_news_facts_undeliverable_and_told_on_paper(any_store: Store) -> None:
    facts = {"petition_code": "TD-2026-0042", "status": "Đã giao đơn vị giải quyết"}
    news = Notification(
        "workflow_resident_update",
        1,
        "zalo",
        "z1",
        "news:1",
        Content("Ý kiến TD-2026-0042"),
        facts=facts,
        about="petition:TD-2026-0042",
    )
    plain = Notification("session_invitation", 1, "zalo", "z1", "plain:1", Content("Mời"))
    async with any_store.transaction() as uow:
        row_id = await uow.outbox.add(news, now=NOW)
        other = await uow.outbox.add(plain, now=NOW)
        assert row_id is not None and other is not None
        assert await uow.outbox.claim(row_id)
        await uow.outbox.mark_undeliverable(row_id, "undeliverable: 7-day window", NOW)
        assert not await uow.outbox.mark_told_on_paper(other, 9, NOW)
    async with any_store.read() as uow:
        stored = await uow.outbox.get(row_id)
        listed = await uow.outbox.on_paper()
        about = await uow.outbox.about("petition:TD-2026-0042")
        untouched = await uow.outbox.get(other)
    assert stored is not None and stored.status is Status.FAILED
    assert stored.facts == facts and stored.about == "petition:TD-2026-0042"
    assert stored.undeliverable_at == NOW and stored.told_on_paper_at is None
    assert [r.id for r in listed] == [row_id] and [r.id for r in about] == [row_id]
    assert untouched is not None and untouched.facts is None and untouched.about is None
    later = NOW + timedelta(hours=3)
    async with any_store.transaction() as uow:
        assert await uow.outbox.mark_told_on_paper(row_id, 9, later)
        assert not await uow.outbox.mark_told_on_paper(row_id, 9, later)
    async with any_store.read() as uow:
        done = await uow.outbox.get(row_id)
        assert await uow.outbox.on_paper() == []
    assert done is not None and done.told_on_paper_at == later


async def test_link_codes_wrong_tries_and_the_merge_of_two_persons(any_store: Store) -> None:
    later = NOW + timedelta(minutes=1)
    async with any_store.transaction() as uow:
        await uow.accounts.new_person(NOW, wanted_id=10)
        await uow.accounts.new_person(NOW, wanted_id=20)
        await uow.accounts.new_person(NOW, wanted_id=30)
        await uow.accounts.link(Account("telegram", "10", 10, True, None, NOW))
        await uow.accounts.link(Account("zalo", "z20", 20, True, None, NOW))
        await uow.staff.save(StaffRecord(30, "Cán bộ", Role.SECRETARY))
        await uow.links.replace_code(LinkCode(10, "h1", "telegram", "10", NOW, later))
        await uow.links.replace_code(LinkCode(10, "h2", "telegram", "10", later, later))
        await uow.links.replace_code(LinkCode(20, "h2", "zalo", "z20", NOW, later))
        await uow.links.mark_used(20, later)
        for minute in (0, 1, 2):
            await uow.links.record_wrong_try("zalo", "z20", NOW + timedelta(minutes=minute))
        await uow.residents.save(resident(20, full_name="Lan"))
        await uow.chat_states.put(ChatState(10, "petition", "content", {"a": 1}, NOW))
        await uow.chat_states.put(ChatState(20, "link", "code", {}, NOW))
    async with any_store.read() as uow:
        assert await uow.links.find_code("h1") is None
        newest = await uow.links.find_code("h2")
        other = await uow.links.wrong_tries_since("zalo", "other", NOW - timedelta(hours=1))
        tries = await uow.links.wrong_tries_since("zalo", "z20", NOW)
    assert newest == LinkCode(10, "h2", "telegram", "10", later, later)
    assert other == [] and tries == [NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)]

    async with any_store.transaction() as uow:
        moved = await uow.links.merge_persons(20, 10)
    assert moved["chat_states.user_id"] == 0 and moved["residents.person_id"] == 1
    async with any_store.read() as uow:
        accounts = await uow.accounts.of_person(10)
        state = await uow.chat_states.get(10)
        gone = (await uow.residents.get(20), await uow.chat_states.get(20))
    assert {(a.channel, a.external_id) for a in accounts} == {("telegram", "10"), ("zalo", "z20")}
    assert state is not None and state.flow == "petition" and gone == (None, None)
    with pytest.raises(ValueError):
        async with any_store.transaction() as uow:
            await uow.links.merge_persons(30, 10)
    with pytest.raises(ValueError):
        async with any_store.transaction() as uow:
            await uow.links.merge_persons(10, 10)


async def test_web_login_links_are_single_use_and_sessions_end(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        staff = await uow.accounts.new_person(NOW)
        await uow.web_sessions.add_link(
            LoginLink(secret_hash("link"), staff, NOW, NOW + timedelta(minutes=10))
        )
    async with any_store.read() as uow:
        link = await uow.web_sessions.link(secret_hash("link"))
        assert await uow.web_sessions.link(secret_hash("other")) is None
    assert link is not None and link.person_id == staff and link.used_at is None
    assert not link.expired(NOW) and link.expired(NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=1)
    async with any_store.transaction() as uow:
        assert await uow.web_sessions.use_link(secret_hash("link"), later)
        assert not await uow.web_sessions.use_link(secret_hash("link"), later), "used once only"
        assert not await uow.web_sessions.use_link(secret_hash("other"), later)
        await uow.web_sessions.add_session(
            WebSession(secret_hash("cookie"), staff, "csrf-1", later, later)
        )
    async with any_store.read() as uow:
        used = await uow.web_sessions.link(secret_hash("link"))
        session = await uow.web_sessions.session(secret_hash("cookie"))
    assert used is not None and used.used_at == later
    assert session == WebSession(secret_hash("cookie"), staff, "csrf-1", later, later)
    assert session.live(later + IDLE_LIMIT - timedelta(seconds=1))
    assert not session.live(later + IDLE_LIMIT)

    seen = later + timedelta(hours=7)
    async with any_store.transaction() as uow:
        await uow.web_sessions.touch_session(secret_hash("cookie"), seen)
    async with any_store.read() as uow:
        touched = await uow.web_sessions.session(secret_hash("cookie"))
    assert (
        touched is not None and touched.last_seen_at == seen and touched.live(seen + IDLE_LIMIT / 2)
    )
    async with any_store.transaction() as uow:
        await uow.web_sessions.end_session(secret_hash("cookie"), seen)
        await uow.web_sessions.end_session(secret_hash("cookie"), seen + timedelta(hours=1))
    async with any_store.read() as uow:
        ended = await uow.web_sessions.session(secret_hash("cookie"))
        listed = await uow.web_sessions.sessions_of(staff)
        assert await uow.web_sessions.sessions_of(staff + 1) == []
    assert ended is not None and ended.ended_at == seen and not ended.live(seen)
    assert listed == [ended]


async def test_the_inbox_searches_by_code_or_by_words_of_the_content(any_store: Store) -> None:
    from bot.domain.petitions import Channel, FieldOfConcern, Petition
    from bot.domain.workflow import InboxFilter

    texts = ["Đèn đường ngõ 12 hỏng", "Rác thải ở chợ Chí Linh", "Ngõ 12 ngập nước khi mưa"]
    async with any_store.transaction() as uow:
        author = await uow.accounts.new_person(NOW)
        for n, text in enumerate(texts, start=1):
            await uow.petitions.add(
                Petition(
                    code=f"TD-2026-{n:04d}",
                    content=text,
                    field=FieldOfConcern.OTHER,
                    channel=Channel.TELEGRAM,
                    created_at=NOW,
                    author_id=author,
                )
            )

    async def codes(search: str | None) -> list[str]:
        flt = InboxFilter(search=search)
        async with any_store.read() as uow:
            found = await uow.workflow.inbox(flt, offset=0, limit=10)
            assert await uow.workflow.count_inbox(flt) == len(found)
        return [item.petition.code for item in found]

    assert await codes(None) == ["TD-2026-0001", "TD-2026-0002", "TD-2026-0003"]
    assert await codes("td-2026-0002") == ["TD-2026-0002"]
    assert await codes("NGÕ 12") == ["TD-2026-0001", "TD-2026-0003"]
    assert await codes("ngõ ngập") == ["TD-2026-0003"]
    assert await codes("100%_") == []
