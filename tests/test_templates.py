"""Every template renders with sample data, escapes user text, and is valid Telegram HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2
import pytest
from jinja2 import meta
from telegram import Bot
from telegram.constants import ParseMode

from bot.fake_telegram import FakeTelegramServer
from messages import environment, label, labels, render, template_names
from tests.conftest import TOKEN

HOSTILE = "<b>Lan</b> & </code> <script>"

# One sample per template variable name; user-provided text is hostile on purpose.
SAMPLES: dict[str, Any] = {
    "name": HOSTILE,
    "suggested_name": HOSTILE,
    "ward_name": "Phường Thành Đông",
    "group_name": "Tổ dân phố <Chí Linh 1>",
    "phone": "0912345678",
    "office": "Bộ phận Tiếp công dân & Một cửa",
    "address": "Số 1 <Thanh Niên>",
    "hours": "7h30–11h30",
    "feature": "gửi ý kiến",
    "ref": "12",
    "share_label": label("onboarding.share_phone"),
    "skip_label": label("onboarding.skip_phone"),
    "role_label": label("roles.secretary"),
    "unit_name": "Phòng Kinh tế",
    "media": label("media.sticker"),
    "max_length": 80,
    "length": 10000,
    "limit": 4096,
    "field_label": label("fields.name"),
    "consent_at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    "tz": "Asia/Ho_Chi_Minh",
}


def variables(name: str) -> set[str]:
    env = environment()
    assert env.loader is not None
    source = env.loader.get_source(env, name + ".html.j2")[0]
    return meta.find_undeclared_variables(env.parse(source))


def test_there_are_templates() -> None:
    assert len(template_names()) >= 30


@pytest.mark.parametrize("name", template_names())
def test_every_variable_has_a_sample(name: str) -> None:
    missing = variables(name) - SAMPLES.keys()
    assert not missing, f"add samples for {missing} in tests/test_templates.py"


def _context(name: str) -> dict[str, Any]:
    return {key: SAMPLES[key] for key in variables(name)}


@pytest.mark.parametrize("name", template_names())
def test_renders_escapes_and_has_vietnamese(name: str) -> None:
    text = render(name, **_context(name))
    assert text.strip()
    assert "<script>" not in text and "<b>Lan</b>" not in text
    if "name" in variables(name):
        assert "&lt;b&gt;Lan&lt;/b&gt; &amp; &lt;/code&gt;" in text


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("welcome")


def test_labels_fit_telegram_limits() -> None:
    for kind in ("resident", "staff"):
        for command, description in labels(f"commands.{kind}").items():
            assert command.islower() and 1 <= len(description) <= 256
    assert label("onboarding.use_name", name="Nguyễn Văn An").endswith("Nguyễn Văn An")
    with pytest.raises(KeyError):
        label("no.such.label")


async def test_every_template_is_valid_telegram_html(tg: FakeTelegramServer) -> None:
    user = tg.user(4242, first_name="Kiểm")
    await user.send("xin chào")
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        for name in template_names():
            await bot.send_message(user.id, render(name, **_context(name)),
                                   parse_mode=ParseMode.HTML)
    assert len(user.messages) == len(template_names())
    assert any("<b>Lan</b> & </code>" in m.plain_text for m in user.messages)
