"""``python -m bot demo --channel zalo``: the real bot's Zalo channel against the fake Zalo OA
server, over real HTTP (signed webhooks in, OA API calls out), chatted with from a terminal.

Staff roles get a Zalo id for the run (the example ward lists Telegram ids), so an official can
try the assignment tools on Zalo.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bot.channels.zalo.channel import ZaloChannel
from bot.cli.demo import chat_loop, example_config
from bot.domain.ward import Role, WardConfig, load_ward_config
from bot.fakes.zalo import FakeZaloServer, ZaloUser
from bot.fakes.zalo.models import OaMessage
from bot.runtime.process import Runtime
from bot.settings import Settings
from messages import label

__all__ = ["HELP_ZALO", "run_zalo_demo"]

DEMO_ZALO_ID = "5550000000000000001"
HELP_ZALO = (
    "Gõ tin nhắn (như trên Zalo). Gõ số để bấm nút.\n"
    "Đặc biệt: :contact (gửi số điện thoại qua biểu mẫu Zalo), :location 21.03 105.85, :photo,\n"
    ":sticker, :voice, :document, :unfollow, :quit. Enter trống: xem tin mới."
)


def demo_ward(ward: WardConfig, role: str) -> tuple[WardConfig, str, str]:
    """The ward, the Zalo id and display name the demo user writes with."""
    if role == "resident":
        return ward, DEMO_ZALO_ID, "Nguyễn Văn Minh"
    staff = list(ward.staff)
    index = next((i for i, s in enumerate(staff) if s.role is Role(role)), None)
    if index is None:
        raise SystemExit(f"ward.example.toml không có cán bộ vai {role}.")
    member = staff[index].model_copy(update={"zalo_user_id": DEMO_ZALO_ID})
    staff[index] = member
    return ward.model_copy(update={"staff": staff}), DEMO_ZALO_ID, member.full_name


def _kind_text(kind: str) -> str:
    try:
        return label(f"media.{kind}")
    except KeyError:
        return label("media.other")


class ZaloTerminal:
    """Prints what the OA sends and numbers the buttons of the newest messages."""

    def __init__(self, user: ZaloUser) -> None:
        self.user = user
        self.choices: list[str] = []

    def show(self, messages: list[OaMessage]) -> None:
        for message in messages:
            body = message.text
            if message.kind == "request_user_info":
                body = f"📝 [biểu mẫu xin số điện thoại] {body}".rstrip()
            elif message.kind == "image":
                body = f"[{_kind_text('photo')}]"
            elif message.kind == "file":
                body = f"📎 [{_kind_text('document')}]"
            print(f"\n💬 {body}")
            for button in message.buttons:
                if not button.is_query:
                    print(f"  ↗ {button.title}")
        self._number_choices(messages)

    def _number_choices(self, messages: list[OaMessage]) -> None:
        if not messages:
            return
        self.choices = [b.title for m in messages for b in m.buttons if b.is_query]
        for index, title in enumerate(self.choices, start=1):
            print(f"  [{index}] ▸ {title}")

    def mark(self) -> None:
        self.user.mark()

    async def show_answer(self) -> None:
        try:
            answer = await self.user.wait(expect=1, timeout=10, quiet=0.3)
        except TimeoutError:
            answer = []
        self.show(answer)

    async def act(self, line: str) -> bool:
        """Send what the line asks for; False to stop."""
        user = self.user
        if line in (":quit", ":q"):
            return False
        if line == "":
            return True
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            await user.press(self.choices[int(line) - 1])
        elif line == ":contact":
            await user.submit_info(phone="84912345678")
        elif line.startswith(":location"):
            parts = line.split()
            lat, lon = (float(parts[1]), float(parts[2])) if len(parts) == 3 else (21.03, 105.85)
            await user.send_location(lat, lon)
        elif line == ":photo":
            await user.send_image()
        elif line == ":sticker":
            await user.send_sticker()
        elif line == ":voice":
            await user.send_audio()
        elif line == ":document":
            await user.send_file()
        elif line == ":unfollow":
            await user.unfollow()
        elif line == ":help":
            print(HELP_ZALO)
        else:
            await user.send_text(line)
        return True


def demo_settings(zalo: FakeZaloServer, database: Path, ward_path: Path) -> Settings:
    pair = zalo.issue_tokens()
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=database,
        ward_config=ward_path,
        zalo_app_id=zalo.app_id,
        zalo_app_secret=SecretStr(zalo.app_secret),
        zalo_oa_secret_key=SecretStr(zalo.oa_secret_key),
        zalo_oa_access_token=SecretStr(str(pair["access_token"])),
        zalo_oa_refresh_token=SecretStr(str(pair["refresh_token"])),
        zalo_api_base_url=zalo.api_base_url,
        zalo_oauth_base_url=zalo.oauth_base_url,
        zalo_zns_base_url=zalo.zns_base_url,
        web_listen="127.0.0.1",
        web_port=0,
        outbox_poll_interval=0.1,
        outbox_per_chat_rate=20.0,
    )


async def _demo(role: str) -> None:
    ward_path = example_config()
    ward, zalo_id, name = demo_ward(load_ward_config(ward_path), role)
    with tempfile.TemporaryDirectory(prefix="nghe-dan-noi-zalo-demo-") as tmp:
        async with FakeZaloServer() as zalo:
            settings = demo_settings(zalo, Path(tmp) / "demo.db", ward_path)
            async with Runtime(settings, ward, [ZaloChannel(settings)]) as runtime:
                assert runtime.web is not None
                zalo.set_webhook(runtime.web.url + settings.zalo_webhook_path)
                user = zalo.user(zalo_id, display_name=name)
                print(f"Nghe Dân Nói trên Zalo (máy chủ Zalo giả) – {ward.ward.name}, {name}.")
                print(HELP_ZALO)
                terminal = ZaloTerminal(user)
                terminal.mark()
                await user.follow()
                await terminal.show_answer()
                await chat_loop(terminal)


def run_zalo_demo(role: str) -> None:
    asyncio.run(_demo(role))
