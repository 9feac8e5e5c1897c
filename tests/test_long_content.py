"""No reply or outbox message fails for length (issue 12 item 1).

Long content is shown shortened in summaries and cards with «📄 Xem toàn văn»; anything that still
renders past a channel's limit is split at paragraph boundaries. The property test renders every
template with each person-typed value at its maximum length and sends the result through the
Telegram sender to the fake server (which refuses >4,096 characters like the real one), and
through the plain-text 2,000-character split that Zalo needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from telegram import Bot

from bot.channels.telegram.app import BotApp
from bot.channels.telegram.sender import TelegramSender
from bot.conversation.replies import split_text, to_plain
from bot.domain.petitions import ADDRESS_MAX, CONTENT_MAX
from bot.domain.workflow import ANSWER_MAX
from bot.fakes.telegram import FakeTelegramServer
from bot.outbox.queue import Content
from bot.outbox.sending import Sent
from bot.usecases.conclusion import TEXT_MAX
from bot.usecases.onboarding import NAME_MAX
from bot.usecases.sessions._shared import REASON_MAX, TITLE_MAX, VENUE_MAX
from bot.usecases.sessions.registrations import TOPIC_MAX
from messages import SHORT_TEXT, render, template_names
from storage.sqlite import SqliteStore
from tests.conftest import TOKEN, onboard
from tests.test_petitions_e2e import NEXT, SUBMIT, petitions_of, press, to_content
from tests.test_templates import SAMPLES, variables

FULL_TEXT = "📄 Xem toàn văn"


def long_text(length: int, word: str = "Đường ngõ ngập nước") -> str:
    """Vietnamese text of exactly ``length`` characters, in paragraphs of ~300 characters, with
    characters that must be escaped."""
    out: list[str] = []
    size = 0
    n = 0
    while size < length:
        n += 1
        piece = f"{word} <{n}> & " if n % 40 else "\n\n"
        out.append(piece)
        size += len(piece)
    return "".join(out)[:length]


# Each person-typed value at the most its input step accepts.
MAXIMA: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"^(content|body|text|minutes)$"), CONTENT_MAX),
    (re.compile(r"answer"), ANSWER_MAX),
    (re.compile(r"conclusion|notice"), TEXT_MAX),
    (re.compile(r"name$"), NAME_MAX),
    (re.compile(r"address|place"), ADDRESS_MAX),
    (re.compile(r"title"), TITLE_MAX),
    (re.compile(r"venue"), VENUE_MAX),
    (re.compile(r"topic"), TOPIC_MAX),
    (re.compile(r"reason|note|comment"), REASON_MAX),
]


def _maximum(key: str) -> int | None:
    if key.endswith(("_label", "_at", "_on")) or key in {"tz", "code", "codes"}:
        return None
    return next((limit for pattern, limit in MAXIMA if pattern.search(key)), None)


def maximised(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        limit = _maximum(key)
        return long_text(limit) if limit else value
    if isinstance(value, dict):
        return {k: maximised(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [maximised(v, key) for v in value]
    return value


def context(name: str, shape: Callable[[Any, str], Any] = maximised) -> dict[str, Any]:
    return {key: shape(SAMPLES[key], key) for key in variables(name)}


def test_the_maximum_inputs_really_are_long() -> None:
    rendered = {name: render(name, **context(name)) for name in template_names()}
    longest = max(rendered.values(), key=len)
    assert len(to_plain(longest)) > 4096
    assert len(long_text(CONTENT_MAX)) == CONTENT_MAX


async def test_every_template_at_maximum_length_is_delivered(tg: FakeTelegramServer) -> None:
    user = tg.user(4343, first_name="Dài")
    await user.send("xin chào")
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        sender = TelegramSender(bot)
        for name in template_names():
            text = render(name, **context(name))
            result = await sender.send(str(user.id), Content(text))
            assert isinstance(result, Sent), (name, result)
            for piece in split_text(to_plain(text), 2000):
                assert 0 < len(piece) <= 2000, name
    assert all(len(m.plain_text) <= 4096 for m in user.messages)


@pytest.mark.parametrize(
    "name", ["petition_summary", "petition_timeline", "workflow_card", "workflow_unit_card"]
)
def test_cards_show_long_content_shortened_with_a_way_to_the_full_text(name: str) -> None:
    values = context(name)
    values["content"] = long_text(CONTENT_MAX)
    text = to_plain(render(name, **values))
    assert "rút gọn" in text and FULL_TEXT in text
    assert values["content"][SHORT_TEXT + 50 :] not in text
    assert len(text) < 4096
    values["content"] = "Đèn đường hỏng."
    assert "rút gọn" not in to_plain(render(name, **values))


async def test_a_petition_of_3989_characters_can_be_confirmed_and_read_in_full(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3101, first_name="Lan")
    await onboard(user)
    await to_content(user)
    content = long_text(3989)
    (saved,) = await user.ask(content)
    assert "Đã ghi" in saved.plain_text
    await press(user, NEXT)
    _noted, summary = await user.ask("Ngõ 12 Chí Linh", expect=2)
    assert "Bước 5/5" in summary.plain_text and "rút gọn" in summary.plain_text
    assert len(summary.plain_text) < 4096
    assert FULL_TEXT in summary.button_texts()

    pieces = await press(user, FULL_TEXT)
    shown = "\n\n".join(p.plain_text for p in pieces)
    assert all(len(p.plain_text) <= 4096 for p in pieces)
    assert re.sub(r"\s+", "", content) in re.sub(r"\s+", "", shown)

    (receipt,) = await press(user, SUBMIT)
    assert "TD-2026-0001" in receipt.plain_text
    (petition,) = await petitions_of(store, 3101)
    assert re.sub(r"\s+", "", petition.content) == re.sub(r"\s+", "", content)

    other = tg.user(3102, first_name="Bình")
    await onboard(other)
    other.mark()
    await other.send_forged_callback("ft:TD-2026-0001")
    (denied,) = await other.wait()
    assert "Không mở được toàn văn" in denied.plain_text
    assert content[:200] not in denied.plain_text
