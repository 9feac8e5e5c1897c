"""``python -m bot zalo connect``: give the bot a new Zalo token pair when the stored refresh
token is dead (or before the first start without ``ZALO_OA_*_TOKEN``).

Zalo's OA permission flow with PKCE: the command prints the permission URL, the OA admin opens
it, allows, and pastes back the address Zalo sent the browser to (or just its ``code``); the
code and the verifier are exchanged for a pair, committed to the database.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import typer

from bot.channels.zalo.channel import zalo_config
from bot.channels.zalo.client import ZaloAuthDead, ZaloClient, ZaloTransient
from bot.cli.common import fail, load_settings, open_store
from bot.clock import SystemClock
from bot.settings import Settings

__all__ = ["permission_url", "zalo_app"]

zalo_app = typer.Typer(no_args_is_help=True, help="Kết nối Zalo Official Account.")

EXIT_ZALO = 3


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def permission_url(settings: Settings, redirect_uri: str, challenge: str, state: str) -> str:
    query = urlencode(
        {
            "app_id": settings.zalo_app_id or "",
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "state": state,
        }
    )
    return f"{settings.zalo_oauth_base_url}/v4/oa/permission?{query}"


def code_from(answer: str, state: str) -> str | None:
    """The code in a pasted redirect address (its ``state`` must be ours), or the code itself."""
    answer = answer.strip()
    if "code=" not in answer:
        return answer or None
    query = parse_qs(urlsplit(answer).query or answer.split("?", 1)[-1])
    if query.get("state", [state])[0] != state:
        return None
    found = query.get("code", [""])[0]
    return found or None


async def exchange(settings: Settings, code: str, verifier: str) -> str:
    store = await open_store(settings)
    try:
        async with aiohttp.ClientSession() as http:
            client = ZaloClient(http, zalo_config(settings), store, SystemClock())
            pair = await client.exchange_code(code, verifier)
    finally:
        await store.close()
    return pair.expires_at.isoformat(timespec="minutes")


@zalo_app.command("connect")
def connect(
    redirect_uri: Annotated[
        str | None,
        typer.Option(
            "--redirect-uri",
            help="Địa chỉ chuyển về khai trong ứng dụng Zalo "
            "(mặc định WEB_PUBLIC_URL/zalo/callback)",
        ),
    ] = None,
) -> None:
    """In địa chỉ cấp quyền OA, nhận mã Zalo trả về và lưu cặp token mới."""
    settings = load_settings()
    if not settings.zalo_on:
        fail("Zalo chưa bật: đặt ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY")
    if redirect_uri is None:
        if not settings.web_public_url:
            fail("cần --redirect-uri (hoặc WEB_PUBLIC_URL), trùng địa chỉ khai trong ứng dụng Zalo")
        redirect_uri = settings.web_public_url.rstrip("/") + "/zalo/callback"
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(12)
    typer.echo("1. Mở địa chỉ sau bằng tài khoản quản trị OA và bấm «Cho phép»:")
    typer.echo(permission_url(settings, redirect_uri, challenge, state))
    typer.echo("2. Dán địa chỉ trình duyệt được chuyển tới (hoặc chỉ mã code) rồi nhấn Enter:")
    code = code_from(input(), state)
    if code is None:
        fail("không thấy mã hợp lệ trong địa chỉ đã dán (thiếu code hoặc sai state); chạy lại lệnh")
    try:
        expires = asyncio.run(exchange(settings, code, verifier))
    except ZaloAuthDead as exc:
        fail(
            f"Zalo không nhận mã: {exc}; chạy lại lệnh và dán mã mới (mã chỉ dùng một lần)",
            EXIT_ZALO,
        )
    except ZaloTransient as exc:
        fail(f"không kết nối được Zalo ({exc}); kiểm tra mạng hoặc ZALO_OAUTH_BASE_URL", EXIT_ZALO)
    typer.echo(
        f"Đã lưu cặp token Zalo mới (token truy cập hết hạn {expires}); "
        "bot đang chạy dùng ngay, không cần khởi động lại."
    )
