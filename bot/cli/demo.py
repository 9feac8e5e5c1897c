"""``python -m bot demo``: the real bot against the fake Telegram server, chatted with from a
terminal. No token, no network: a newcomer sees the bot work in one command."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Protocol

from bot.channels.telegram.app import build_application
from bot.domain.ward import Role, WardConfig, load_ward_config
from bot.fakes.telegram import ChatMessage, FakeTelegramServer, SimUser
from bot.runtime.local import running
from bot.settings import Settings
from messages import label

ROLES = ("resident", "secretary", "official", "supervisor", "admin")
TOKEN = "100000:DEMO"
DEMO_RESIDENT_ID = 700001
HELP = (
    "Gõ tin nhắn hoặc lệnh (/start, /menu, /help...). Gõ số để bấm nút.\n"
    "Đặc biệt: :contact (chia sẻ số điện thoại), :location 21.03 105.85, :photo, :sticker,\n"
    ":voice, :document, :quit. Enter trống: xem tin mới."
)


def example_config() -> Path:
    for candidate in (
        Path.cwd() / "ward.example.toml",
        Path(__file__).resolve().parent.parent / "ward.example.toml",
    ):
        if candidate.exists():
            return candidate
    raise SystemExit("Không tìm thấy ward.example.toml (chạy lệnh trong thư mục dự án).")


def demo_user(tg: FakeTelegramServer, ward: WardConfig, role: str) -> SimUser:
    if role == "resident":
        return tg.user(DEMO_RESIDENT_ID, first_name="Minh", last_name="Nguyễn Văn")
    member = next((s for s in ward.staff if s.role is Role(role) and s.telegram_id), None)
    if member is None or member.telegram_id is None:
        raise SystemExit(f"ward.example.toml không có cán bộ vai {role}.")
    *first, last = member.full_name.split()
    return tg.user(member.telegram_id, first_name=last, last_name=" ".join(first) or None)


def _role_text(role: str) -> str:
    return "người dân" if role == "resident" else label(f"roles.{role}")


def _kind_text(kind: str) -> str:
    try:
        return label(f"media.{kind}")
    except KeyError:
        return label("media.other")


class Terminal:
    """Prints what the bot sends and numbers every button it can press."""

    def __init__(self, user: SimUser) -> None:
        self.user = user
        self.choices: list[tuple[str, int | None, str]] = []

    def show(self, messages: list[ChatMessage]) -> None:
        for message in messages:
            head = "✎ (đã sửa)" if message.edits else "🤖"
            body = message.plain_text or f"[{_kind_text(message.kind)}]"
            if message.kind == "venue" and message.venue:
                body = f"📍 {message.venue.get('title', '')} – {message.venue.get('address', '')}"
            if message.kind == "document" and message.document:
                body = f"📎 {message.document.get('file_name', 'tệp')} {body}".rstrip()
            print(f"\n{head} {body}")
        self._number_choices()

    def _number_choices(self) -> None:
        self.choices = []
        with_buttons = [m for m in self.user.messages if not m.deleted and m.buttons]
        lines = []
        if with_buttons:
            latest = with_buttons[-1]
            for row in latest.buttons:
                for button in row:
                    if button.callback_data is not None:
                        self.choices.append(("inline", latest.message_id, button.text))
        for row in self.user.reply_keyboard or []:
            for button in row:
                self.choices.append(("reply", None, button.text))
        for index, (kind, _, text) in enumerate(self.choices, start=1):
            mark = "⌨" if kind == "reply" else "▸"
            lines.append(f"  [{index}] {mark} {text}")
        if lines:
            print("\n".join(lines))

    def mark(self) -> None:
        self.user.mark()

    async def show_answer(self) -> None:
        try:
            answer = await self.user.wait(expect=1, timeout=10, quiet=0.15)
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
            kind, message_id, text = self.choices[int(line) - 1]
            if kind == "inline":
                await user.press(text, message_id=message_id)
            else:
                await user.press_reply_button(text)
        elif line == ":contact":
            await user.share_contact("0912345678")
        elif line.startswith(":location"):
            parts = line.split()
            lat, lon = (float(parts[1]), float(parts[2])) if len(parts) == 3 else (21.03, 105.85)
            await user.send_location(lat, lon)
        elif line in (":photo", ":sticker", ":voice", ":document"):
            await getattr(user, "send_" + line[1:])()
        elif line == ":help":
            print(HELP)
        else:
            await user.send(line)
        return True


async def _demo(role: str) -> None:
    ward_path = example_config()
    ward = load_ward_config(ward_path)
    with tempfile.TemporaryDirectory(prefix="nghe-dan-noi-demo-") as tmp:
        async with FakeTelegramServer(token=TOKEN, bot_username="nghedannoi_demo_bot") as tg:
            settings = Settings.for_local_server(
                token=TOKEN,
                api_base_url=tg.base_url,
                file_base_url=tg.file_base_url,
                database_path=Path(tmp) / "demo.db",
                ward_config=ward_path,
            )
            app = build_application(settings, ward)
            async with running(app, poll_timeout=1):
                user = demo_user(tg, ward, role)
                print(
                    f"Nghe Dân Nói – chạy thử với {ward.ward.name}, vai: {_role_text(role)} "
                    f"(Telegram id {user.id}).\n{HELP}"
                )
                await chat_loop(Terminal(user))


class ChatTerminal(Protocol):
    """What :func:`chat_loop` drives: one person on one fake channel."""

    def mark(self) -> None: ...

    async def act(self, line: str) -> bool: ...

    async def show_answer(self) -> None: ...


async def chat_loop(terminal: ChatTerminal) -> None:
    """Read lines from the terminal, act on each, show what the bot answered, until :quit."""
    loop = asyncio.get_running_loop()
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if line == "":
            break
        line = line.strip()
        if not interactive and line:
            print(f"> {line}")
        terminal.mark()
        try:
            if not await terminal.act(line):
                break
        except LookupError as exc:
            print(f"(không bấm được: {exc})")
            continue
        await terminal.show_answer()


def run_demo(role: str) -> None:
    asyncio.run(_demo(role))
