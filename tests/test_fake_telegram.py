"""The fake Telegram Bot API server, exercised through PTB itself so that its wire format and
error behaviour are the ones PTB sees from api.telegram.org."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.fakes.telegram import FakeTelegramServer, SimUser, parse_html
from bot.fakes.telegram.htmltext import EntityParseError
from bot.fakes.telegram.ratelimit import RateLimiter

TOKEN = "123456:TEST"
LAN = 1001


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token=TOKEN, bot_username="nghedannoi_bot") as fake:
        yield fake


@pytest.fixture
async def lan(server: FakeTelegramServer) -> SimUser:
    user = server.user(LAN, first_name="Lan", last_name="Nguyễn")
    await user.send("xin chào")
    return user


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.file_base_url) as client:
        yield client


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in buttons])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ----- HTML parser ------------------------------------------------------------------------


def test_html_plain_text_and_utf16_entities() -> None:
    text, entities = parse_html(
        '😀 <b>Đậm <i>nghiêng</i></b> &lt;x&gt; &amp; &quot;&#39;&#x41; <a href="https://a.vn/?a=1&amp;b=2">lk</a>'
    )
    assert text == "😀 Đậm nghiêng <x> & \"'A lk"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 11},
        {"type": "italic", "offset": 7, "length": 7},
        {"type": "text_link", "url": "https://a.vn/?a=1&b=2", "offset": 25, "length": 2},
    ]


def test_html_code_blocks_spoilers_quotes() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre><span class="tg-spoiler">s</span>'
        "<tg-spoiler>t</tg-spoiler><blockquote expandable>q</blockquote><code>c</code>"
    )
    assert text == "x = 1stqc"
    assert [e["type"] for e in entities] == [
        "pre",
        "spoiler",
        "spoiler",
        "expandable_blockquote",
        "code",
    ]
    assert entities[0]["language"] == "python"


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ("Xin <foo>chào</foo>", 'Unsupported start tag "foo" at byte offset 4'),
        ("<b>đậm", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("cách&nbsp;nhau", 'Unsupported HTML entity "&nbsp;" at byte offset 5'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ],
)
def test_html_rejections(markup: str, message: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(markup)
    assert str(caught.value) == message


def test_html_lenient_mode_keeps_unknown_entities_like_telegram() -> None:
    assert parse_html("a &nbsp; & b", strict=False) == ("a &nbsp; & b", [])
    assert parse_html("a & b") == ("a & b", [])


# ----- basics -----------------------------------------------------------------------------


async def test_get_me_auth_and_unknown_method(server: FakeTelegramServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "nghedannoi_bot",
        "Nghe Dân Nói",
        True,
    )
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=server.base_url) as wrong:
            await wrong.get_me()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base_url}999:WRONG/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{server.base_url}{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found: method not found"
        async with http.get(f"{server.base_url}{TOKEN}/getme") as resp:
            assert (await resp.json())["result"]["username"] == "nghedannoi_bot"
    assert server.method_counts["getMe"] >= 2


async def test_json_and_query_bodies(server: FakeTelegramServer, lan: SimUser) -> None:
    url = f"{server.base_url}{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": LAN, "text": "<b>json</b>", "parse_mode": "HTML"}
        async with http.post(url, json=body) as resp:
            result = (await resp.json())["result"]
        async with http.get(url, params={"chat_id": str(LAN), "text": "query"}) as resp:
            assert (await resp.json())["ok"] is True
    assert result["text"] == "json" and result["entities"][0]["type"] == "bold"
    assert result["from"]["is_bot"] is True and result["chat"]["type"] == "private"
    assert [m.plain_text for m in lan.messages] == ["json", "query"]
    method, params = server.requests[-1]
    assert method == "sendMessage" and params["chat_id"] == LAN


# ----- sending ----------------------------------------------------------------------------


async def test_send_message_html(server: FakeTelegramServer, bot: Bot, lan: SimUser) -> None:
    sent = await bot.send_message(
        LAN,
        "<b>Chào</b> bạn &amp; gia đình",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Đồng ý", "ok:1")),
    )
    assert sent.text == "Chào bạn & gia đình"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 4
    assert sent.reply_markup is not None
    message = lan.last
    assert message is not None and message.message_id == sent.message_id
    assert message.text == "<b>Chào</b> bạn &amp; gia đình"
    assert message.plain_text == "Chào bạn & gia đình"
    assert message.parse_mode == "HTML" and message.kind == "text"
    assert message.button_texts() == ["Đồng ý"] and message.has_button("Đồng ý")
    assert server.sent_messages == [message] and server.chat(LAN) == [message]
    assert server.delivered_count(LAN) == 1
    assert server.delivery_log[0][1:] == (LAN, sent.message_id, "sendMessage")


async def test_message_ids_are_shared_with_the_user_side(bot: Bot, lan: SimUser) -> None:
    first = await bot.send_message(LAN, "một")
    await lan.send("hai")
    second = await bot.send_message(LAN, "ba")
    assert (first.message_id, second.message_id) == (2, 4)


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", "Can't find end tag"),
        ("Giá < 5 triệu", "Unsupported start tag"),
    ],
)
async def test_invalid_html_is_bad_request(
    bot: Bot, lan: SimUser, markup: str, fragment: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(LAN, markup, parse_mode=ParseMode.HTML)
    assert "can't parse entities" in caught.value.message.lower()
    assert fragment.lower() in caught.value.message.lower()
    assert lan.messages == []
    assert any("can't parse entities" in e for e in lan.api_errors)


async def test_text_limits(bot: Bot, lan: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(LAN, "  <b></b>\n", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(LAN, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(LAN, "😀" * 2049)
    await bot.send_message(LAN, "&amp;" * 4096, parse_mode=ParseMode.HTML)
    assert lan.last is not None and lan.last.plain_text == "&" * 4096
    with pytest.raises(BadRequest, match=r"(?i)Message caption is too long"):
        await bot.send_photo(LAN, b"img", caption="c" * 1025)
    assert len(lan.messages) == 1


async def test_keyboard_validation(bot: Bot, lan: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(LAN, "x", reply_markup=keyboard(("a", "x" * 65)))
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(LAN, "x", reply_markup=keyboard(("a", "đ" * 33)))
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(
            LAN, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a")]])
        )
    await bot.send_message(LAN, "x", reply_markup=keyboard(("a", "đ" * 32)))
    assert len(lan.messages) == 1


async def test_chat_not_found(bot: Bot, server: FakeTelegramServer) -> None:
    server.user(2002)
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(2002, "chưa từng nhắn")
    server.user(2002, known=True)
    await bot.send_message(2002, "đã biết")


async def test_edits_and_deletes(bot: Bot, lan: SimUser) -> None:
    sent = await bot.send_message(
        LAN, "Câu hỏi?", reply_markup=keyboard(("Có", "y"), ("Không", "n"))
    )
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_text(
            "Câu hỏi?", LAN, sent.message_id, reply_markup=keyboard(("Có", "y"), ("Không", "n"))
        )
    await bot.edit_message_reply_markup(LAN, sent.message_id, reply_markup=keyboard(("Có", "y")))
    assert lan.messages[0].button_texts() == ["Có"] and lan.messages[0].edits == 1
    await bot.edit_message_text("<i>Đã trả lời</i>", LAN, sent.message_id, parse_mode="HTML")
    message = lan.messages[0]
    assert (message.plain_text, message.buttons, message.edits) == ("Đã trả lời", [], 2)
    assert message.raw["edit_date"] >= message.date and "reply_markup" not in message.raw
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", LAN, 999)
    with pytest.raises(BadRequest, match=r"(?i)There is no caption in the message to edit"):
        await bot.edit_message_caption(LAN, sent.message_id, caption="x")

    assert await bot.delete_message(LAN, sent.message_id)
    assert lan.messages[0].deleted and lan.last is None
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(LAN, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("muộn", LAN, sent.message_id)


async def test_documents_photos_and_files(bot: Bot, lan: SimUser) -> None:
    sent = await bot.send_document(
        LAN, b"%PDF-1.4 don", filename="don.pdf", caption="<b>Đơn</b>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "don.pdf"
    message = lan.last
    assert message is not None and message.kind == "document"
    assert message.document == {
        "file_name": "don.pdf",
        "mime_type": "application/pdf",
        "bytes": b"%PDF-1.4 don",
        "file_id": sent.document.file_id,
    }
    assert (message.text, message.plain_text) == ("<b>Đơn</b>", "Đơn")
    again = await bot.send_document(LAN, sent.document.file_id)
    assert lan.last is not None and lan.last.document is not None
    assert lan.last.document["bytes"] == b"%PDF-1.4 don"
    assert again.document is not None
    file = await bot.get_file(again.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.4 don")
    with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier"):
        await bot.send_document(LAN, "no-such-file-id")

    photo = await bot.send_photo(LAN, b"\xff\xd8jpeg", caption="ảnh")
    assert lan.last is not None and lan.last.photo == b"\xff\xd8jpeg"
    await bot.send_photo(LAN, photo.photo[-1].file_id)
    assert lan.last.photo == photo.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(LAN, sent.document.file_id)

    await lan.send_photo(caption="hiện trường", data=b"user-photo")
    update = (await bot.get_updates(offset=-1))[0]
    assert update.message is not None and update.message.caption == "hiện trường"
    user_file = await update.message.photo[-1].get_file()
    assert await user_file.download_as_bytearray() == bytearray(b"user-photo")
    with pytest.raises(BadRequest, match=r"(?i)Invalid file_id"):
        await bot.get_file("nope")


async def test_venue_location_and_chat_action(bot: Bot, lan: SimUser) -> None:
    venue = await bot.send_venue(LAN, 21.03, 105.85, "UBND phường", "1 Tràng Tiền")
    assert venue.venue is not None and venue.venue.title == "UBND phường"
    assert lan.last is not None and lan.last.kind == "venue"
    assert lan.last.venue == {
        "latitude": 21.03,
        "longitude": 105.85,
        "title": "UBND phường",
        "address": "1 Tràng Tiền",
    }
    await bot.send_location(LAN, 21.0, 105.0)
    assert lan.last.kind == "location" and lan.last.location == {
        "latitude": 21.0,
        "longitude": 105.0,
    }
    assert await bot.send_chat_action(LAN, "typing")
    assert lan.chat_actions == ["typing"]


async def test_reply_keyboard_contact_and_location(bot: Bot, lan: SimUser) -> None:
    await bot.send_message(
        LAN,
        "Số điện thoại?",
        reply_markup=ReplyKeyboardMarkup(
            [
                [KeyboardButton("Chia sẻ số điện thoại", request_contact=True)],
                [KeyboardButton("Vị trí", request_location=True), "Bỏ qua"],
            ]
        ),
    )
    assert lan.reply_keyboard is not None
    assert [b.text for row in lan.reply_keyboard for b in row] == [
        "Chia sẻ số điện thoại",
        "Vị trí",
        "Bỏ qua",
    ]
    await lan.press_reply_button("Chia sẻ số điện thoại")
    await lan.press_reply_button("Vị trí")
    await lan.press_reply_button("Bỏ qua")
    with pytest.raises(LookupError):
        await lan.press_reply_button("Không có")
    contact, location, skip = [u.message for u in await bot.get_updates(offset=2)]
    assert contact is not None and contact.contact is not None
    assert (contact.contact.user_id, contact.contact.phone_number) == (LAN, lan.phone)
    assert location is not None and location.location is not None
    assert skip is not None and skip.text == "Bỏ qua"
    await bot.send_message(LAN, "xong", reply_markup=ReplyKeyboardRemove())
    assert lan.reply_keyboard is None


async def test_user_media_updates_parse_in_ptb(bot: Bot, lan: SimUser) -> None:
    await lan.share_contact("+84912345678", user_id=42)
    await lan.send_location(21.03, 105.85)
    await lan.send_document(file_name="don.pdf", data=b"pdf")
    await lan.send_voice(duration=3)
    await lan.send_sticker()
    await lan.send_video()
    await lan.send_video_note()
    await lan.send_audio()
    await lan.send_command("/start@nghedannoi_bot s12")
    updates = await bot.get_updates(offset=2)
    messages = [u.message for u in updates if u.message is not None]
    assert len(messages) == 9
    contact, location, document, voice, sticker, video, note, audio, command = messages
    assert contact.contact is not None and contact.contact.user_id == 42
    assert location.location is not None and location.location.latitude == 21.03
    assert document.document is not None and document.document.file_name == "don.pdf"
    assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert sticker.sticker is not None and video.video is not None
    assert note.video_note is not None and audio.audio is not None
    assert command.entities[0].type == "bot_command" and command.entities[0].length == 21


async def test_commands_with_scope(server: FakeTelegramServer, bot: Bot, lan: SimUser) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")])
    await bot.set_my_commands([BotCommand("duyet", "Duyệt ý kiến")], scope=BotCommandScopeChat(LAN))
    assert server.commands == {
        '{"type":"default"}': [
            {"command": "start", "description": "Bắt đầu"},
            {"command": "help", "description": "Trợ giúp"},
        ],
        server.scope_key({"type": "chat", "chat_id": LAN}): [
            {"command": "duyet", "description": "Duyệt ý kiến"}
        ],
    }
    scoped = await bot.get_my_commands(scope=BotCommandScopeChat(LAN))
    assert [c.command for c in scoped] == ["duyet"]
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.set_my_commands([BotCommand("x", "y")], scope=BotCommandScopeChat(5))
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "y")])
    await bot.delete_my_commands(scope=BotCommandScopeChat(LAN))
    assert list(server.commands) == ['{"type":"default"}']


# ----- updates ----------------------------------------------------------------------------


async def test_get_updates_offset_semantics(bot: Bot, lan: SimUser) -> None:
    await lan.send("hai")
    await lan.send("ba")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1, 2, 3]
    assert [u.update_id for u in await bot.get_updates()] == [1, 2, 3]
    assert [u.update_id for u in await bot.get_updates(offset=2, limit=1)] == [2]
    assert [u.update_id for u in await bot.get_updates()] == [2, 3]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [3]
    assert await bot.get_updates(offset=4) == ()
    await lan.send("bốn")
    assert [u.update_id for u in await bot.get_updates()] == [4]


async def test_long_poll_returns_as_soon_as_a_user_writes(bot: Bot, lan: SimUser) -> None:
    await bot.get_updates(offset=2)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=2, timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await lan.send("đây rồi")
    updates = await poll
    assert time.monotonic() - started < 1.5
    assert updates[0].message is not None and updates[0].message.text == "đây rồi"
    started = time.monotonic()
    assert await bot.get_updates(offset=3, timeout=0.2) == ()  # type: ignore[arg-type]
    assert time.monotonic() - started >= 0.15


async def test_callback_queries(bot: Bot, lan: SimUser) -> None:
    await bot.send_message(
        LAN,
        "Chọn",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Đồng ý", callback_data="ok:1")],
                [InlineKeyboardButton("Trang web", url="https://example.vn")],
            ]
        ),
    )
    with pytest.raises(LookupError, match=r"(?i)URL button"):
        await lan.press("Trang web")
    with pytest.raises(LookupError, match=r"(?i)no inline button"):
        await lan.press("Không có")
    await lan.press(callback_data="ok:1")
    await lan.send_forged_callback("admin:drop")
    first, forged = [u.callback_query for u in await bot.get_updates(offset=2)]
    assert first is not None and forged is not None
    assert first.data == "ok:1" and forged.data == "admin:drop"
    assert isinstance(first.message, Message) and first.message.text == "Chọn"
    assert await first.answer("Đã ghi nhận", show_alert=True)
    assert lan.callback_answers[0]["text"] == "Đã ghi nhận"
    assert lan.callback_answers[0]["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await first.answer()
    with pytest.raises(BadRequest, match=r"(?i)Message_too_long"):
        await forged.answer("x" * 201)


# ----- fault injection --------------------------------------------------------------------


async def test_blocked_user_is_forbidden(
    server: FakeTelegramServer, bot: Bot, lan: SimUser
) -> None:
    server.block(LAN)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(LAN, "x")
    server.unblock(LAN)
    await bot.send_message(LAN, "x")
    assert server.delivered_count(LAN) == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limits(server: FakeTelegramServer, bot: Bot, lan: SimUser) -> None:
    server.set_rate_limits(per_chat_per_second=1)
    await bot.send_message(LAN, "một")
    with pytest.raises(RetryAfter, match=r"Retry in (1 seconds|0:00:01)"):
        await bot.send_message(LAN, "hai")
    server.set_rate_limits()
    await bot.send_message(LAN, "ba")
    assert [m.plain_text for m in lan.messages] == ["một", "ba"]


def test_token_bucket_pacing_is_exact() -> None:
    limiter = RateLimiter(30, None, burst=1.0, now=0.0)
    assert all(limiter.acquire(1, i / 30) == 0 for i in range(3000))
    burst = RateLimiter(30, 1, burst=1.0, now=0.0)
    assert [burst.acquire(chat, 0.0) for chat in range(31)] == [0] * 30 + [1]
    assert burst.acquire(0, 0.5) == 1
    assert burst.acquire(0, 1.0) == 0
    slow = RateLimiter(None, 0.25, burst=1.0, now=0.0)
    assert (slow.acquire(7, 0.0), slow.acquire(7, 0.1)) == (0, 4)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_errors(server: FakeTelegramServer, bot: Bot, lan: SimUser) -> None:
    server.inject("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match=r"Retry in (3 seconds|0:00:03)"):
        await bot.send_message(LAN, "x")
    server.inject(chat_id=LAN, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(LAN, "x")
    assert lan.messages == []
    await bot.send_message(LAN, "qua")
    server.inject("sendMessage", status=502, deliver=True)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(LAN, "trùng")
    assert [m.plain_text for m in lan.messages] == ["qua", "trùng"]

    rule = server.inject("sendChatAction", probability=0.5, seed=7)
    outcomes = []
    for _ in range(40):
        try:
            outcomes.append(await bot.send_chat_action(LAN, "typing"))
        except NetworkError:
            outcomes.append(False)
    assert 5 < outcomes.count(False) == rule.fired < 35
    server.clear_faults()
    assert await bot.send_chat_action(LAN, "typing")


async def test_outage(server: FakeTelegramServer, bot: Bot, lan: SimUser) -> None:
    server.outage(True)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(LAN, "x")
    assert len(await bot.get_updates()) == 1
    server.outage(False)
    await bot.send_message(LAN, "x")
    assert server.delivered_count(LAN) == 1
    assert server.errors[-1][2:] == (502, "Bad Gateway")


# ----- a real PTB Application -------------------------------------------------------------


async def start_handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payload = context.args[0] if context.args else "-"
    await update.effective_message.reply_html(
        f"<b>Chào</b> {payload}", reply_markup=keyboard(("Đồng ý", "agree"))
    )


async def agree_handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Cảm ơn")
    await query.edit_message_text("Đã đồng ý ✅")


def build_app(server: FakeTelegramServer) -> Application[Any, Any, Any, Any, Any, Any]:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start_handler))
    app.add_handler(CallbackQueryHandler(agree_handler, pattern="^agree$"))
    return app


async def test_application_polling_round_trip(server: FakeTelegramServer) -> None:
    app = build_app(server)
    user = server.user(3003, first_name="Minh")
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        (greeting,) = await user.ask("/start s12")
        assert greeting.plain_text == "Chào s12" and greeting.button_texts() == ["Đồng ý"]
        (edited,) = await user.press_and_wait("Đồng ý")
        assert edited.message_id == greeting.message_id
        assert (edited.plain_text, edited.edits, edited.buttons) == ("Đã đồng ý ✅", 1, [])
        assert user.callback_answers[-1]["text"] == "Cảm ơn"
        (again,) = await user.ask("/start@nghedannoi_bot")
        assert again.plain_text == "Chào -"
        with pytest.raises(TimeoutError, match="Polling mode") as caught:
            await user.ask("không ai trả lời", timeout=0.3)
        assert "Chào -" in str(caught.value)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_application_webhook_round_trip(server: FakeTelegramServer) -> None:
    app = build_app(server)
    user = server.user(3004, first_name="Hà")
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", webhook_url=url, secret_token="s3cret"
    )
    try:
        assert server.webhook == (url, "s3cret")
        (greeting,) = await user.ask("/start w1")
        assert greeting.plain_text == "Chào w1"
        (edited,) = await user.press_and_wait("Đồng ý")
        assert edited.plain_text == "Đã đồng ý ✅"
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()
        assert await server.post_raw_update({"message": {}}, secret="wrong") == 403
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    await app.bot.initialize()
    await app.bot.delete_webhook()
    await app.bot.shutdown()
    assert server.webhook is None
    await user.send("polling again")
    assert server.pending_updates == 1


async def test_webhook_retries_until_the_bot_listens(server: FakeTelegramServer) -> None:
    server.webhook_max_attempts = 200
    port = free_port()
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "abc"
        received.append(await request.json())
        return web.Response(text="ok")

    async with Bot(TOKEN, base_url=server.base_url) as client:
        await client.set_webhook(f"http://127.0.0.1:{port}/", secret_token="abc")
    user = server.user(3005)
    await user.send("một")
    await asyncio.sleep(0.1)
    web_app = web.Application()
    web_app.router.add_post("/", hook)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await user.send("hai")
        for _ in range(100):
            if len(received) == 2:
                break
            await asyncio.sleep(0.02)
        assert [u["message"]["text"] for u in received] == ["một", "hai"]
    finally:
        await runner.cleanup()
