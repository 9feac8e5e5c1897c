"""A fake Zalo Official Account Open API server with simulated users, for tests, the demo and
the benchmarks; the sibling of :mod:`bot.fakes.telegram`.

Only aiohttp and the standard library are used, so the fake shares no code (or bugs) with the
client it tests. Typical use::

    async with FakeZaloServer() as zalo:
        zalo.set_webhook(bot_webhook_url)
        api = zalo.api_base_url           # instead of https://openapi.zalo.me
        token = zalo.access_token         # header access_token
        minh = zalo.user(display_name="Nguyễn Văn Minh")
        (reply,) = await minh.ask("xin chào")
        await minh.press("Gửi kiến nghị")
"""

from .clock import FakeClock
from .events import EventContext, sign, signature_header
from .models import Button, Delivery, FaultRule, MediaItem, OaMessage, ZaloError, ZnsMessage
from .server import FakeZaloServer
from .user import ZaloUser, normalize_phone

__all__ = [
    "Button",
    "Delivery",
    "EventContext",
    "FakeClock",
    "FakeZaloServer",
    "FaultRule",
    "MediaItem",
    "OaMessage",
    "ZaloError",
    "ZaloUser",
    "ZnsMessage",
    "normalize_phone",
    "sign",
    "signature_header",
]
