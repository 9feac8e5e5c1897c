"""A fake Telegram Bot API server with simulated users, for end-to-end tests and benchmarks.

Only aiohttp and the standard library are used, so the fake never shares code (or bugs) with
the PTB client it is testing. Typical use::

    async with FakeTelegramServer(token=TOKEN) as tg:
        app = (ApplicationBuilder().token(TOKEN).base_url(tg.base_url)
               .base_file_url(tg.file_base_url).build())
        ...  # start the application (polling or webhook)
        lan = tg.user(1001, first_name="Lan")
        (reply,) = await lan.ask("/start")
        edited = await lan.press_and_wait("Đồng ý")
"""

from .htmltext import EntityParseError, parse_html, utf16_len
from .models import ApiError, Button, ChatMessage, FaultRule, StoredFile, WebhookConfig
from .server import FakeTelegramServer
from .user import SimUser

__all__ = [
    "ApiError",
    "Button",
    "ChatMessage",
    "EntityParseError",
    "FakeTelegramServer",
    "FaultRule",
    "SimUser",
    "StoredFile",
    "WebhookConfig",
    "parse_html",
    "utf16_len",
]
