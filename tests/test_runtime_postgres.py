"""``python -m bot run`` with ``DATABASE_URL``: the runtime opens PostgreSQL itself (no SQLite
file appears), ``/healthz`` reports the database, and a resident onboarded over Telegram is in
PostgreSQL afterwards."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.channels.telegram.app import TelegramChannel, build_application
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.process import Runtime
from storage.postgres.store import PostgresStore
from tests.conftest import make_settings, onboard
from tests.test_runtime import get_json


async def test_the_runtime_opens_the_store_database_url_names(
    tg: FakeTelegramServer, ward: WardConfig, clock: ManualClock, tmp_path: Path, pg_url: str
) -> None:
    settings = make_settings(
        tg, tmp_path, database_url=SecretStr(pg_url), web_listen="127.0.0.1", web_port=0
    )
    telegram = TelegramChannel(build_application(settings, ward), poll_timeout=1)
    async with Runtime(settings, ward, [telegram], clock=clock) as runtime:
        assert runtime.web is not None
        status, health = await get_json(runtime.web.url + "/healthz")
        assert status == 200 and health["database"] == "ok"
        await onboard(tg.user(5101, first_name="Lan"))
    assert not settings.database_path.exists()
    store = await PostgresStore.open(pg_url)
    try:
        async with store.read() as uow:
            resident = await uow.residents.get(5101)
            account = await uow.accounts.get("telegram", "5101")
    finally:
        await store.close()
    assert resident is not None and resident.onboarded_at is not None
    assert account is not None and account.person_id == 5101
