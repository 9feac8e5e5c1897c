"""The bot on Telegram and on Zalo at once, for the end-to-end tests: the production ``Runtime``
with both channels and its web server on 127.0.0.1, one store, one clock, one ward, against the
fake Telegram server and the fake Zalo OA server (real HTTP both ways).

The surface, all a test needs:

- :func:`two_channels` (an async context manager) → :class:`Channels`: ``services``,
  ``settled()`` (webhooks handled, outbox empty), ``telegram_user()``, ``zalo_user()``,
  ``staff_on_zalo()`` / ``staff_follow()``, ``rows()`` (a read-only SQL query),
  ``restart_zalo()`` (the Zalo channel stopped and started again on the same database), the
  fakes;
- :func:`zalo_ward`: the example ward plus staff listed by ``zalo_user_id`` only
  (:data:`ZALO_OFFICIAL`, :data:`ZALO_SECRETARY`);
- :class:`Driver` and its two kinds, :class:`TelegramDriver` and :class:`ZaloDriver`: press a
  button by its label, type, send a photo, a location or the phone, read what arrived;
- :func:`onboarded_on_zalo`: a resident on Zalo, onboarded;
- :func:`zalo_violations`: every message to a Zalo user that breaks Zalo's limits.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from bot.channels.telegram.app import BotApp, TelegramChannel, build_application
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.receiver import ZaloReceiver
from bot.channels.zalo.render import MAX_BUTTONS
from bot.clock import ManualClock
from bot.domain.ward import Role, StaffMember, WardConfig
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.fakes.zalo import FakeZaloServer, OaMessage, ZaloUser
from bot.outbox.sending import DeliveryConfig
from bot.runtime.process import Runtime
from bot.settings import Settings
from bot.usecases.common import Services
from storage.sqlite import SqliteStore
from tests.conftest import TOKEN, make_settings
from tests.outbox_helpers import FAST, eventually

__all__ = [
    "ZALO_OFFICIAL",
    "ZALO_SECRETARY",
    "Channels",
    "Driver",
    "TelegramDriver",
    "ZaloDriver",
    "onboarded_on_zalo",
    "two_channels",
    "zalo_violations",
    "zalo_ward",
]

ZALO_OFFICIAL = StaffMember(
    zalo_user_id="4403211100000000003",
    full_name="Hoàng Văn Đức",
    role=Role.OFFICIAL,
    unit="KT",
)
ZALO_SECRETARY = StaffMember(
    zalo_user_id="4403211100000000002",
    full_name="Vũ Thị Hà",
    role=Role.SECRETARY,
)
ZALO_TEXT_LIMIT = 2000
_MARKUP = re.compile(r"</?(b|i|u|s|code|pre|a|tg-spoiler|span|blockquote)(\s[^<>]*)?>|&\w+;")


def zalo_ward(ward: WardConfig) -> WardConfig:
    """``ward`` with an official of the economic unit and a secretary who are on Zalo only."""
    return ward.model_copy(update={"staff": [*ward.staff, ZALO_OFFICIAL, ZALO_SECRETARY]})


def zalo_violations(user: ZaloUser) -> list[str]:
    """What broke Zalo's rules among the messages ``user`` got: over 2,000 characters, over
    five buttons, markup or HTML entities left in the text."""
    found = []
    for message in user.messages:
        where = message.describe()
        if len(message.text) > ZALO_TEXT_LIMIT:
            found.append(f"{where}: {len(message.text)} characters")
        if len(message.buttons) > MAX_BUTTONS:
            found.append(f"{where}: {len(message.buttons)} buttons")
        if _MARKUP.search(message.text):
            found.append(f"{where}: markup")
    return found


@dataclass
class Channels:
    """The running bot on both channels, and the fakes its people use."""

    services: Services
    store: SqliteStore
    clock: ManualClock
    tg: FakeTelegramServer
    app: BotApp
    zalo: FakeZaloServer
    runtime: Runtime
    zalo_channel: ZaloChannel

    @property
    def receiver(self) -> ZaloReceiver:
        assert self.zalo_channel.receiver is not None
        return self.zalo_channel.receiver

    @property
    def client(self) -> ZaloClient:
        assert self.zalo_channel.client is not None
        return self.zalo_channel.client

    def telegram_user(self, user_id: int, first: str, last: str = "", **kw: Any) -> SimUser:
        return self.tg.user(user_id, first_name=first, last_name=last or None, **kw)

    def zalo_user(self, display_name: str, user_id: str | None = None) -> ZaloUser:
        return self.zalo.user(user_id, display_name=display_name)

    def staff_on_zalo(self, member: StaffMember) -> ZaloUser:
        assert member.zalo_user_id is not None
        return self.zalo.user(member.zalo_user_id, display_name=member.full_name)

    async def staff_follow(self) -> None:
        """The Zalo staff follow the OA (which opens Zalo's 7-day window for them); what the
        bot answers is forgotten."""
        for member in self.services.ward.staff:
            if member.zalo_user_id is not None:
                user = self.staff_on_zalo(member)
                await user.follow()
        await self.settled()
        for member in self.services.ward.staff:
            if member.zalo_user_id is not None:
                self.staff_on_zalo(member).mark()

    async def settled(self, within: float = 10.0) -> None:
        """Every webhook event handled and every outbox row sent (or given up on)."""
        await self.receiver.idle()

        async def empty() -> bool:
            return not self.rows("SELECT id FROM outbox WHERE status IN ('pending', 'sending')")

        await eventually(empty, within=within, what="the outbox to be sent")
        await self.receiver.idle()

    def rows(self, sql: str, *args: object) -> list[sqlite3.Row]:
        """A read-only query of the database, for assertions."""
        con = sqlite3.connect(f"file:{self.store.path}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    async def restart_zalo(self) -> None:
        """Stop the Zalo channel (its client, receiver and worker), as a process exit does, and
        start it again on the same database; the env tokens it was given only seed an empty
        database, so it must go on with the stored pair."""
        await self.zalo_channel.stop()
        await self.zalo_channel.start(self.services, self.runtime.router)


def zalo_settings(base: Settings, zalo: FakeZaloServer, *, tokens: bool = True) -> Settings:
    """``base`` with Zalo on against the fake server, seeded with a fresh token pair (unless
    ``tokens`` is False), and the web server on a port the OS picks."""
    pair = zalo.issue_tokens() if tokens else {"access_token": "", "refresh_token": ""}
    return base.model_copy(
        update={
            "zalo_app_id": zalo.app_id,
            "zalo_app_secret": SecretStr(zalo.app_secret),
            "zalo_oa_secret_key": SecretStr(zalo.oa_secret_key),
            "zalo_api_base_url": zalo.api_base_url,
            "zalo_oauth_base_url": zalo.oauth_base_url,
            "zalo_zns_base_url": zalo.zns_base_url,
            "zalo_oa_access_token": SecretStr(str(pair["access_token"])),
            "zalo_oa_refresh_token": SecretStr(str(pair["refresh_token"])),
            "web_listen": "127.0.0.1",
            "web_port": 0,
        }
    )


@asynccontextmanager
async def two_channels(
    store: SqliteStore,
    clock: ManualClock,
    ward: WardConfig,
    tmp_path: Path,
    *,
    zalo_delivery: DeliveryConfig = FAST,
) -> AsyncIterator[Channels]:
    """The bot on both channels with ``ward`` (see :func:`zalo_ward` for Zalo staff), run by
    the production ``Runtime`` with its web server; ``zalo_delivery`` paces the Zalo worker (a
    slower one lets a test act mid-broadcast)."""
    async with (
        FakeTelegramServer(token=TOKEN, bot_username="nghedannoi_bot") as tg,
        FakeZaloServer() as zalo,
    ):
        settings = zalo_settings(make_settings(tg, tmp_path), zalo)
        app = build_application(settings, ward, clock=clock, store=store)
        zalo_channel = ZaloChannel(settings, delivery=zalo_delivery)
        runtime = Runtime(
            settings,
            ward,
            [TelegramChannel(app, poll_timeout=1), zalo_channel],
            clock=clock,
            store=store,
        )
        async with runtime:
            assert runtime.web is not None
            zalo.set_webhook(runtime.web.url + settings.zalo_webhook_path)
            for member in ward.staff:
                if member.telegram_id is not None:
                    tg.user(member.telegram_id, first_name=member.full_name.split()[-1], known=True)
            bot = Channels(runtime.services, store, clock, tg, app, zalo, runtime, zalo_channel)
            try:
                yield bot
            finally:
                await bot.receiver.idle()


# ----- drivers ----------------------------------------------------------------------------------


class Driver(Protocol):
    """A person on some channel. Each action waits for an answer containing ``expect`` and
    returns its text (no markup); :meth:`notified` waits for a notification since :meth:`mark`."""

    channel: str

    async def start(self, expect: str) -> str: ...
    async def say(self, text: str, expect: str) -> str: ...
    async def press(self, label: str, expect: str) -> str: ...
    async def send_photo(self, caption: str, expect: str) -> str: ...
    async def send_location(self, latitude: float, longitude: float, expect: str) -> str: ...
    async def give_phone(self, phone: str, expect: str) -> str: ...
    def mark(self) -> None: ...
    async def notified(self, expect: str) -> str: ...
    def texts(self) -> list[str]:
        """Every text the person was shown, oldest first."""
        ...


async def _found(texts: Callable[[], list[str]], expect: str, what: str) -> str:
    found: list[str] = []

    async def arrived() -> bool:
        found[:] = [t for t in texts() if expect in t]
        return bool(found)

    try:
        await eventually(arrived, within=10, what=what)
    except AssertionError as exc:
        recent = "\n  ".join(t[:200] for t in texts()[-6:]) or "(nothing new)"
        raise AssertionError(f"{exc}; shown since:\n  {recent}") from None
    return found[-1]


class TelegramDriver:
    """A Telegram user of the fake server: inline buttons, the reply keyboard's buttons and its
    native «share my number» button."""

    channel = "telegram"

    def __init__(self, user: SimUser) -> None:
        self.user = user
        self._mark = self._state()

    def _state(self) -> dict[int, str]:
        return {m.message_id: m.plain_text for m in self.user.messages}

    def _changed(self, before: dict[int, str]) -> list[str]:
        return [
            m.plain_text for m in self.user.messages if before.get(m.message_id) != m.plain_text
        ]

    async def _answer(self, action: Callable[[], Awaitable[Any]], expect: str) -> str:
        before = self._state()
        await action()
        text = await _found(lambda: self._changed(before), expect, f"{expect!r} on Telegram")
        state = self._state()
        while True:
            await asyncio.sleep(0.1)
            if (now := self._state()) == state:
                return text
            state = now

    async def start(self, expect: str) -> str:
        return await self.say("/start", expect)

    async def say(self, text: str, expect: str) -> str:
        return await self._answer(lambda: self.user.send(text), expect)

    async def press(self, label: str, expect: str) -> str:
        inline = any(
            b.text == label and b.callback_data
            for m in self.user.messages
            if not m.deleted
            for row in m.buttons
            for b in row
        )
        if inline:
            return await self._answer(lambda: self.user.press(label), expect)
        return await self._answer(lambda: self.user.press_reply_button(label), expect)

    async def send_photo(self, caption: str, expect: str) -> str:
        return await self._answer(lambda: self.user.send_photo(caption=caption), expect)

    async def send_location(self, latitude: float, longitude: float, expect: str) -> str:
        return await self._answer(lambda: self.user.send_location(latitude, longitude), expect)

    async def give_phone(self, phone: str, expect: str) -> str:
        """Telegram's own «share my number» button (the user was made with this number)."""
        return await self.press("📱 Chia sẻ số điện thoại", expect)

    def mark(self) -> None:
        self._mark = self._state()

    async def notified(self, expect: str) -> str:
        return await _found(
            lambda: self._changed(self._mark), expect, f"notification {expect!r} on Telegram"
        )

    def texts(self) -> list[str]:
        return [m.plain_text for m in self.user.messages]


class ZaloDriver:
    """A Zalo user of the fake OA server: a press sends the button's payload as text, the phone
    comes through Zalo's ``request_user_info`` form (or typed, with ``typed_phone``)."""

    channel = "zalo"

    def __init__(self, user: ZaloUser, bot: Channels, *, typed_phone: bool = False) -> None:
        self.user = user
        self.bot = bot
        self.typed_phone = typed_phone
        self._mark = 0

    def _since(self, start: int) -> list[OaMessage]:
        return self.user.messages[start:]

    async def _answer(self, action: Callable[[], Awaitable[Any]], expect: str) -> str:
        start = len(self.user.messages)
        delivery = await action()
        assert delivery.status == 200, delivery
        text = await _found(
            lambda: [m.text for m in self._since(start)], expect, f"{expect!r} on Zalo"
        )
        await self.bot.receiver.idle()
        return text

    async def say(self, text: str, expect: str) -> str:
        return await self._answer(lambda: self.user.send_text(text), expect)

    async def press(self, label: str, expect: str) -> str:
        return await self._answer(lambda: self.user.press(label), expect)

    async def send_photo(self, caption: str, expect: str) -> str:
        return await self._answer(lambda: self.user.send_image(caption=caption), expect)

    async def send_location(self, latitude: float, longitude: float, expect: str) -> str:
        return await self._answer(lambda: self.user.send_location(latitude, longitude), expect)

    async def give_phone(self, phone: str, expect: str) -> str:
        if self.typed_phone:
            return await self.say(phone, expect)
        assert self.user.info_requests, "the bot never sent Zalo's request_user_info form"
        return await self._answer(lambda: self.user.submit_info(phone=phone), expect)

    async def start(self, expect: str) -> str:
        """Following the OA is how a conversation starts on Zalo."""
        return await self._answer(self.user.follow, expect)

    def mark(self) -> None:
        self._mark = len(self.user.messages)

    async def notified(self, expect: str) -> str:
        return await _found(
            lambda: [m.text for m in self._since(self._mark)],
            expect,
            f"notification {expect!r} on Zalo",
        )

    def texts(self) -> list[str]:
        return [m.text for m in self.user.messages]


async def onboarded_on_zalo(bot: Channels, display_name: str, group: str) -> ZaloDriver:
    """A resident who followed the OA and finished onboarding (phone through Zalo's form)."""
    resident = ZaloDriver(bot.zalo_user(display_name), bot)
    await resident.start(expect="dữ liệu cá nhân")
    await resident.press("✅ Đồng ý", expect="Bước 1/3")
    await resident.press(f"👤 Dùng tên: {display_name}", expect="Bước 2/3")
    await resident.press(group, expect="Bước 3/3")
    await resident.give_phone("84912345678", expect="Đăng ký xong")
    await bot.settled()
    return resident
