"""The bot's aiohttp networking behaves like python-telegram-bot's own (httpx) request class."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.fakes.telegram import FakeTelegramServer
from tests.conftest import TOKEN


def aiohttp_bot(base_url: str, token: str = TOKEN, **timeouts: float) -> Bot:
    return Bot(token, base_url=base_url, request=AiohttpRequest(**timeouts))


async def test_messages_uploads_and_telegram_errors(tg: FakeTelegramServer) -> None:
    user = tg.user(7001, first_name="Lan")
    await user.send("/start")
    async with aiohttp_bot(tg.base_url) as bot:
        sent = await bot.send_message(7001, "<b>Xin chào</b> bà con", parse_mode="HTML")
        assert sent.message_id and user.last is not None
        assert user.last.plain_text == "Xin chào bà con"
        await bot.send_document(
            7001, InputFile(b"BEGIN:VCALENDAR", filename="lich.ics"), caption="Lịch"
        )
        assert user.last.document is not None
        assert user.last.document["bytes"] == b"BEGIN:VCALENDAR"
        assert user.last.document["file_name"] == "lich.ics"
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(7001, "<b>mở mà không đóng", parse_mode="HTML")
    with pytest.raises(InvalidToken):
        async with aiohttp_bot(tg.base_url, token="999:WRONG") as bot:
            await bot.get_me()


async def test_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/bot1:a/getMe", "POST")
    finally:
        await request.shutdown()


@pytest.fixture
async def slow_server() -> AsyncIterator[str]:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_slow_answer_is_timed_out(slow_server: str) -> None:
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{slow_server}/bot1:a/getMe", "POST")
    finally:
        await request.shutdown()
