"""The baseline for bench/zalo.py: the cheapest correct Zalo bot, a minimal aiohttp webhook.

It checks each event's signature as the bot does (``bot.channels.zalo.webhook.parse``), answers
the POST at once, and answers each text event with one ``/v3.0/oa/message/cs`` text send. It
reads the same settings as the real bot (``ZALO_APP_ID``, ``ZALO_OA_SECRET_KEY``,
``ZALO_OA_ACCESS_TOKEN``, ``ZALO_API_BASE_URL``, ``ZALO_WEBHOOK_PATH``, ``WEB_LISTEN``,
``WEB_PORT``) and serves ``GET /healthz`` so both are started and awaited the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.zalo.webhook import SIGNATURE_HEADER, WebhookRejected, parse

log = logging.getLogger("zalo_echo")


def build_app() -> web.Application:
    app_id = os.environ["ZALO_APP_ID"]
    secret = os.environ["ZALO_OA_SECRET_KEY"]
    send_url = os.environ["ZALO_API_BASE_URL"].rstrip("/") + "/v3.0/oa/message/cs"
    headers = {"access_token": os.environ["ZALO_OA_ACCESS_TOKEN"]}
    tasks: set[asyncio.Task[None]] = set()
    sessions: list[ClientSession] = []

    async def answer(user_id: str, text: str) -> None:
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        async with sessions[0].post(send_url, json=body, headers=headers) as response:
            result = await response.json()
        if result.get("error") != 0:
            log.warning("send to %s refused: %s", user_id, result)

    async def webhook(request: web.Request) -> web.Response:
        try:
            event = parse(
                await request.read(), request.headers.get(SIGNATURE_HEADER), secret, app_id
            )
        except WebhookRejected:
            return web.Response(status=403)
        message = event.data.get("message")
        if event.name == "user_send_text" and isinstance(message, dict):
            task = asyncio.create_task(answer(event.account_id, str(message.get("text", ""))))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return web.Response()

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def session(app: web.Application) -> AsyncIterator[None]:
        sessions.append(ClientSession())
        yield
        await sessions[0].close()

    app = web.Application()
    app.router.add_post(os.environ.get("ZALO_WEBHOOK_PATH", "/zalo/webhook"), webhook)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(session)
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    web.run_app(
        build_app(),
        host=os.environ.get("WEB_LISTEN", "127.0.0.1"),
        port=int(os.environ["WEB_PORT"]),
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
