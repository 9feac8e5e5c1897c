"""The bot as a process and in webhook mode: start-up failures are one clear line; the webhook
answers residents and rejects requests without the secret."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from bot.channels.telegram.app import build_application
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.local import running
from bot.settings import BotMode
from storage.sqlite import SqliteStore
from tests.conftest import ROOT, TOKEN, make_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_cli(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WARD_"))}
    full_env.update({"WARD_CONFIG": str(ROOT / "ward.example.toml"), **env})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=full_env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


async def test_rejected_token_is_one_line(tg: FakeTelegramServer, tmp_path: Path) -> None:
    code, stderr = await run_cli(
        {
            "TELEGRAM_BOT_TOKEN": "999:WRONG",
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "DATABASE_PATH": str(tmp_path / "db.sqlite"),
        },
        tmp_path,
    )
    assert code == 3
    assert "BotFather" in last_line(stderr)
    assert "Traceback" not in stderr


async def test_unreachable_api_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    code, stderr = await run_cli(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "DATABASE_PATH": str(tmp_path / "db.sqlite"),
        },
        tmp_path,
    )
    assert code == 3
    assert f"127.0.0.1:{port}" in last_line(stderr) and "TELEGRAM_API_BASE_URL" in last_line(stderr)
    assert "Traceback" not in stderr


async def test_webhook_mode_answers_and_checks_the_secret(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    port = free_port()
    settings = make_settings(
        tg,
        tmp_path,
        bot_mode=BotMode.WEBHOOK,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        web_listen="127.0.0.1",
        web_port=port,
    )
    settings = settings.model_copy(update={"webhook_secret": _secret("s3cret-token")})
    app = build_application(settings, ward, clock=clock, store=store)
    async with running(app):
        assert tg.webhook is not None
        assert tg.webhook.url.endswith("/telegram/hook") and tg.webhook.secret == "s3cret-token"
        user = tg.user(3001, first_name="Lan")
        greeting, notice = await user.ask("/start", expect=2)
        assert "Nghe Dân Nói" in greeting.plain_text and notice.button_texts()
        forged = {
            "message": {
                "message_id": 99,
                "date": 0,
                "text": "/start",
                "chat": {"id": 3002, "type": "private"},
                "from": {"id": 3002, "is_bot": False, "first_name": "X"},
            }
        }
        assert await tg.post_raw_update(forged, secret="wrong") == 403
        assert await tg.post_raw_update(forged, secret=None) == 403
        assert tg.chat(3002) == []


def _secret(value: str):  # type: ignore[no-untyped-def]
    from pydantic import SecretStr

    return SecretStr(value)
