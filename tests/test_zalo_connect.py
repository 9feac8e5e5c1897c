"""``python -m bot zalo connect`` against the fake Zalo OAuth server: the permission URL with a
PKCE challenge, the pasted redirect address, the new pair committed to the database; a wrong
state or a refused code ends in one line."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bot.fakes.zalo import FakeZaloServer
from storage.sqlite import SqliteStore
from tests.conftest import ROOT


def env_for(zalo: FakeZaloServer, db: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    return {
        **clean,
        "WARD_CONFIG": str(ROOT / "ward.example.toml"),
        "DATABASE_PATH": str(db),
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": zalo.oa_secret_key,
        "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
    }


async def connect(
    zalo: FakeZaloServer, db: Path, answer: str | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "zalo",
        "connect",
        "--redirect-uri",
        "https://phuong.example.vn/zalo/callback",
        env=env_for(zalo, db),
        cwd=db.parent,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    await process.stdout.readline()
    url = (await process.stdout.readline()).decode().strip()
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(zalo.oauth_base_url + "/v4/oa/permission?")
    assert query["app_id"] == [zalo.app_id]
    assert query["redirect_uri"] == ["https://phuong.example.vn/zalo/callback"]
    if answer is None:
        code = zalo.issue_authorization_code(query["code_challenge"][0])
        answer = f"https://phuong.example.vn/zalo/callback?code={code}&state={query['state'][0]}"
    out, err = await asyncio.wait_for(process.communicate((answer + "\n").encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_connect_stores_a_new_pair(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with FakeZaloServer() as zalo:
        code, out, err = await connect(zalo, db)
        assert code == 0, err
        assert "Đã lưu cặp token Zalo mới" in out
        store = await SqliteStore.open(db)
        try:
            async with store.read() as uow:
                pair = await uow.tokens.get("zalo")
        finally:
            await store.close()
        assert pair is not None and pair.access_token == zalo.access_token
        assert pair.refresh_token == zalo.refresh_token


async def test_a_wrong_state_or_refused_code_is_one_line(tmp_path: Path) -> None:
    async with FakeZaloServer() as zalo:
        code, _, err = await connect(
            zalo, tmp_path / "a.db", "https://phuong.example.vn/zalo/callback?code=x&state=other"
        )
        assert code == 2 and "sai state" in err and "Traceback" not in err
        code, _, err = await connect(zalo, tmp_path / "b.db", "not-a-real-code")
        assert code == 3 and "Zalo không nhận mã" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
