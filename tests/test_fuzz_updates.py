"""Random updates against the running application: nothing unhandled, every message answered."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import ContextTypes

from bot.channels.telegram.app import BotApp, build_application
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.runtime.local import running
from storage.sqlite import SqliteStore
from tests.conftest import make_settings

_ids = itertools.count(500_000)
COMMANDS = ["/start", "/menu", "/help", "/cancel", "/hoso", "/xoadulieu", "/thongbao", "/xyz"]

text = st.text(min_size=1, max_size=300).filter(lambda t: t.strip() != "")
actions = st.one_of(
    st.tuples(st.just("text"), text),
    st.tuples(st.just("text"), st.sampled_from(["a" * 5000, "<b>x</b>", "&amp;", "Bỏ qua"])),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("start"), st.text("abcsp0123456789_-<>", min_size=1, max_size=70)),
    st.tuples(
        st.just("media"),
        st.sampled_from(
            ["sticker", "voice", "photo", "document", "location", "video", "video_note", "audio"]
        ),
    ),
    st.tuples(st.just("contact"), st.sampled_from(["own", "other"])),
    st.tuples(st.just("press"), st.integers(0, 50)),
    st.tuples(st.just("reply_button"), st.integers(0, 5)),
    st.tuples(st.just("forged"), st.text(max_size=64).filter(lambda d: len(d.encode()) <= 64)),
)


class Harness:
    def __init__(self, tg: FakeTelegramServer, app: BotApp) -> None:
        self.tg = tg
        self.app = app
        self.errors: list[BaseException] = []

    async def record(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)


@pytest.fixture
async def harness(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    result = Harness(tg, app)
    app.add_error_handler(result.record)
    async with running(app, poll_timeout=1):
        yield result


async def perform(user: SimUser, action: tuple[str, Any]) -> str:
    """Do one random thing; returns what answer to expect: 'message', 'callback' or 'none'."""
    kind, arg = action
    if kind == "text":
        await user.send(arg)
    elif kind == "command":
        await user.send(arg)
    elif kind == "start":
        await user.send(f"/start {arg}")
    elif kind == "media":
        if arg == "location":
            await user.send_location(21.03, 105.85)
        else:
            await getattr(user, f"send_{arg}")()
    elif kind == "contact":
        await user.share_contact("0912345678", user_id="self" if arg == "own" else 42)
    elif kind == "press":
        pressable = [
            (m.message_id, b.callback_data)
            for m in user.messages
            if not m.deleted
            for row in m.buttons
            for b in row
            if b.callback_data
        ]
        if not pressable:
            return "none"
        message_id, data = pressable[arg % len(pressable)]
        await user.press(callback_data=data, message_id=message_id)
        return "callback"
    elif kind == "reply_button":
        keyboard = [b.text for row in user.reply_keyboard or [] for b in row]
        if not keyboard:
            return "none"
        await user.press_reply_button(keyboard[arg % len(keyboard)])
    elif kind == "forged":
        if not [m for m in user.messages if not m.deleted]:
            return "none"
        await user.send_forged_callback(arg)
        return "callback"
    return "message"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=1, max_size=8))
async def test_random_updates_are_always_answered(
    harness: Harness, steps: list[tuple[str, Any]]
) -> None:
    user = harness.tg.user(next(_ids), first_name="Thử", last_name="Ngẫu Nhiên")
    for step in steps:
        user.mark()
        answers_before = len(user.callback_answers)
        expected = await perform(user, step)
        if expected == "message":
            assert await user.wait(expect=1, timeout=5, quiet=0.02), step
        elif expected == "callback":
            await user.wait(expect=0, timeout=5, quiet=0.05)
            for _ in range(100):
                if len(user.callback_answers) > answers_before:
                    break
                await user.wait(expect=0, timeout=0.05, quiet=0.05)
            assert len(user.callback_answers) > answers_before, step
    assert harness.errors == [], harness.errors
