"""Shared fixtures: the example ward, a temporary store, an injected clock, the fake Telegram
server, and the real bot application running against it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.app import BotApp, build_application
from bot.clock import ManualClock
from bot.domain.ports import Store
from bot.domain.ward import WardConfig, load_ward_config
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.runtime.local import running
from bot.settings import Settings
from storage.sqlite import SqliteStore

pytest_plugins = ["tests.browser", "tests.postgres"]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "nghedannoi_bot"
SECRETARY_ID = 900002
OFFICIAL_ID = 900003
SUPERVISOR_ID = 900004
ADMIN_ID = 900001


@pytest.fixture
def ward() -> WardConfig:
    return load_ward_config(ROOT / "ward.example.toml")


@pytest.fixture
def clock() -> ManualClock:
    """Wednesday 25/11/2026, 09:00 in Hà Nội."""
    return ManualClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))


STORE_KINDS = ("sqlite", "postgresql")
BOTH_STORES = (
    "test_accounts",
    "test_broadcast_e2e",
    "test_conclusion_e2e",
    "test_deadlines_",
    "test_linking",
    "test_outbox_store",
    "test_paper_e2e",
    "test_petitions_",
    "test_reports_jobs",
    "test_sessions_e2e",
    "test_survey_e2e",
    "test_workflow_",
    "test_zalo_delivery",
    "test_zalo_fallback",
)
"""The modules that exercise storage most run on both stores; the rest (pacing, rendering,
process and channel plumbing) on SQLite, to keep the suite near 10 minutes on 2 cores.
``TEST_ALL_STORES=1`` runs every test that uses ``store`` on both."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests that use the ``store`` fixture (directly or through ``bot``) in ``BOTH_STORES`` run
    on SQLite and on PostgreSQL, except those marked ``sqlite_only`` (they read SQLite's file or
    its query plans)."""
    if "store" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    both = os.environ.get("TEST_ALL_STORES") == "1" or module.startswith(BOTH_STORES)
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        both = False
    metafunc.parametrize("store", STORE_KINDS if both else ("sqlite",), indirect=True)


@pytest.fixture
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh store: SQLite in a temporary file, or PostgreSQL in a fresh database of the test
    session's server (tests/postgres.py)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        from tests.postgres import fresh_postgres_store  # a plugin: imported once pytest has it

        async with fresh_postgres_store(request) as opened:
            yield opened
        return
    sqlite = await SqliteStore.open(tmp_path / "test.db")
    yield sqlite
    await sqlite.close()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token=TOKEN, bot_username=BOT_USERNAME) as server:
        yield server


# Tests are not held to Telegram's 1 message/s per chat in real time; tests of pacing override.
QUICK_OUTBOX = {
    "outbox_poll_interval": 0.05,
    "outbox_per_chat_rate": 50.0,
    "outbox_backoff_base": 0.01,
    "outbox_backoff_cap": 0.05,
}


def make_settings(tg: FakeTelegramServer, tmp_path: Path, **overrides: Any) -> Settings:
    settings = Settings.for_local_server(
        token=TOKEN,
        api_base_url=tg.base_url,
        file_base_url=tg.file_base_url,
        database_path=tmp_path / "bot.db",
        ward_config=ROOT / "ward.example.toml",
    )
    return settings.model_copy(update={**QUICK_OUTBOX, **overrides})


@pytest.fixture
async def bot(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: Store,
    clock: ManualClock,
    tmp_path: Path,
) -> AsyncIterator[BotApp]:
    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(app, poll_timeout=1):
        yield app


async def reopen(store: Store) -> Store:
    """The same database through a new store, as after a restart."""
    if isinstance(store, SqliteStore):
        return await SqliteStore.open(store.path)
    from storage.postgres.store import PostgresStore

    assert isinstance(store, PostgresStore)
    return await PostgresStore.open(store.url)


async def onboard(
    user: SimUser, *, group: str = "Tổ dân phố Chí Linh 1", phone: bool = True
) -> None:
    """Walk a resident through onboarding with the Telegram name and a shared contact."""
    await user.ask("/start", expect=2)
    await user.press_and_wait("✅ Đồng ý")
    name_prompt = user.last
    assert name_prompt is not None
    use_name = next(t for t in name_prompt.button_texts() if t.startswith("👤"))
    await user.press_and_wait(use_name)
    await user.press_and_wait(group)
    if phone:
        await user.press_reply_button("📱 Chia sẻ số điện thoại")
    else:
        await user.press_reply_button("Bỏ qua")
    await user.wait(expect=2)


async def toast_after(user: SimUser, data: str, wait_s: float = 5.0) -> str:
    """Send callback data (forged or not); return the text of the bot's callback answer."""
    before = len(user.callback_answers)
    await user.send_forged_callback(data)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while len(user.callback_answers) == before:
        if loop.time() > deadline:
            raise TimeoutError(f"no answer to callback {data!r}")
        await asyncio.sleep(0.01)
    return str(user.callback_answers[before].get("text") or "")
