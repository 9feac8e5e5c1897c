"""The Zalo channel's pure parts: webhook signatures and dedupe keys, events as neutral events,
neutral replies as Zalo messages within Zalo's limits."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.channels.zalo.documents import MAX_FILE_BYTES, as_link, zalo_takes
from bot.channels.zalo.inbound import event_from_webhook
from bot.channels.zalo.render import MAX_BUTTONS, message_body, messages_for
from bot.channels.zalo.webhook import WebhookRejected, parse, signature
from bot.conversation.events import EventKind
from bot.conversation.replies import Button, ButtonKind, rows
from bot.conversation.turn import Media, MediaKind, Reply

APP_ID = "1234567890"
SECRET = "oa-secret-key"
USER = "8437261509871234567"


def body(event_name: str, **fields: object) -> bytes:
    data = {
        "app_id": APP_ID,
        "event_name": event_name,
        "timestamp": "1764720000000",
        "sender": {"id": USER},
        "recipient": {"id": "579745863508352884"},
        **fields,
    }
    return json.dumps(data, ensure_ascii=False).encode()


def signed(raw: bytes) -> str:
    data = json.loads(raw)
    mac = hashlib.sha256(
        (APP_ID + raw.decode() + str(data["timestamp"]) + SECRET).encode()
    ).hexdigest()
    return f"mac={mac}"


def test_signature_is_sha256_of_app_id_body_timestamp_and_secret() -> None:
    raw = body("user_send_text", message={"msg_id": "m1", "text": "Xin chào"})
    assert f"mac={signature(APP_ID, raw, '1764720000000', SECRET)}" == signed(raw)
    event = parse(raw, signed(raw), SECRET, APP_ID)
    assert (event.name, event.account_id, event.key) == ("user_send_text", USER, "msg:m1")


@pytest.mark.parametrize(
    "header",
    [None, "", "mac=", "mac=" + "0" * 64, "sha256=abc"],
)
def test_a_bad_or_missing_signature_is_rejected(header: str | None) -> None:
    raw = body("user_send_text", message={"msg_id": "m1", "text": "x"})
    with pytest.raises(WebhookRejected):
        parse(raw, header, SECRET, APP_ID)


def test_a_changed_body_or_another_app_is_rejected() -> None:
    raw = body("user_send_text", message={"msg_id": "m1", "text": "x"})
    with pytest.raises(WebhookRejected):
        parse(raw.replace(b'"x"', b'"y"'), signed(raw), SECRET, APP_ID)
    with pytest.raises(WebhookRejected):
        parse(raw, signed(raw), SECRET, "another-app")
    with pytest.raises(WebhookRejected):
        parse(b"not json", "mac=00", SECRET, APP_ID)


def test_events_without_a_message_id_are_keyed_by_name_time_and_sender() -> None:
    raw = json.dumps(
        {
            "app_id": APP_ID,
            "event_name": "follow",
            "timestamp": "1764720000001",
            "follower": {"id": USER},
        }
    ).encode()
    event = parse(raw, signed(raw), SECRET, APP_ID)
    assert event.key == f"follow:1764720000001:{USER}" and event.account_id == USER


def neutral(raw: bytes, prefixes: tuple[str, ...] = ("pe:", "m:")):  # type: ignore[no-untyped-def]
    event = parse(raw, signed(raw), SECRET, APP_ID)
    return event_from_webhook(
        event,
        claims_payload=lambda text: text.startswith(prefixes),
        display_name="Nguyễn Văn Minh",
    )


def test_text_commands_and_typed_payloads() -> None:
    text = neutral(body("user_send_text", message={"msg_id": "1", "text": "Đèn đường hỏng"}))
    assert text is not None and text.kind is EventKind.TEXT and text.text == "Đèn đường hỏng"
    assert text.channel == "zalo" and text.account_id == USER and text.short_name == "Minh"
    pressed = neutral(body("user_send_text", message={"msg_id": "2", "text": "pe:send"}))
    assert pressed is not None and pressed.kind is EventKind.BUTTON
    assert pressed.payload == "pe:send" and pressed.message_ref is None
    command = neutral(body("user_send_text", message={"msg_id": "3", "text": "/menu abc"}))
    assert command is not None and command.kind is EventKind.COMMAND
    assert (command.command, command.args) == ("menu", ("abc",))


def test_media_location_form_and_follow_events() -> None:
    image = neutral(
        body(
            "user_send_image",
            message={
                "msg_id": "4",
                "text": "Ảnh sáng nay",
                "attachments": [{"type": "image", "payload": {"url": "https://z/1.jpg"}}],
            },
        )
    )
    assert image is not None and image.kind is EventKind.PHOTO and image.text == "Ảnh sáng nay"
    assert image.attachment is not None and image.attachment.ref == "https://z/1.jpg"
    pin = neutral(
        body(
            "user_send_location",
            message={
                "msg_id": "5",
                "attachments": [
                    {
                        "type": "location",
                        "payload": {"coordinates": {"latitude": "21.03", "longitude": "105.85"}},
                    }
                ],
            },
        )
    )
    assert pin is not None and pin.kind is EventKind.LOCATION
    assert pin.location is not None and (pin.location.latitude, pin.location.longitude) == (
        21.03,
        105.85,
    )
    form = neutral(body("user_submit_info", info={"name": "Minh", "phone": "84912345678"}))
    assert form is not None and form.kind is EventKind.CONTACT
    assert (form.phone, form.contact_owner) == ("0912345678", USER)
    sticker = neutral(body("user_send_sticker", message={"msg_id": "6", "attachments": []}))
    assert sticker is not None and sticker.kind is EventKind.STICKER
    assert neutral(body("oa_send_text", message={"msg_id": "7", "text": "echo"})) is None
    assert neutral(body("user_seen_message", message={"msg_id": "8"})) is None


def test_a_long_reply_with_many_buttons_fits_zalo() -> None:
    text = "\n\n".join(f"Đoạn {n}: " + "chữ " * 120 for n in range(12))
    spec = [[(f"Lựa chọn {n}", f"pe:f:{n}")] for n in range(12)]
    spec.append([Button("Gọi phường", "02431234567", ButtonKind.CALL)])
    spec.append([Button("📱 Chia sẻ số điện thoại", "", ButtonKind.ASK_CONTACT)])
    sent = messages_for(Reply(text=f"<b>Tiêu đề</b>\n\n{text}", buttons=rows(spec)))
    bodies = [message_body(m) for m in sent]
    assert all(len(b.get("text", "")) <= 2000 for b in bodies)
    assert all("<b>" not in b.get("text", "") for b in bodies)
    shown = [
        btn["title"]
        for b in bodies
        for btn in b.get("attachment", {}).get("payload", {}).get("buttons", [])
    ]
    assert shown == [f"Lựa chọn {n}" for n in range(12)] + ["Gọi phường"]
    assert all(
        len(b.get("attachment", {}).get("payload", {}).get("buttons", [])) <= MAX_BUTTONS
        for b in bodies
    )
    assert sent[-1].request_info
    assert bodies[-1]["attachment"]["payload"]["template_type"] == "request_user_info"
    assert any("Xem thêm lựa chọn" in b.get("text", "") for b in bodies)


def test_a_map_pin_becomes_the_address_and_a_maps_link() -> None:
    venue = Media(MediaKind.VENUE, latitude=21.0, longitude=105.8, title="NVH", address="Số 8")
    (message,) = messages_for(Reply(text="Địa điểm mới", media=venue))
    assert "Số 8" in message.text and "https://www.google.com/maps?q=21.0,105.8" in message.text
    photo = messages_for(Reply(text="Ảnh", media=Media(MediaKind.PHOTO, ref="stored:3")))
    assert photo[0].media_kind is MediaKind.PHOTO and photo[1].text == "Ảnh"
    assert message_body(photo[0], attachment_id="att1")["attachment"]["payload"]["elements"] == [
        {"media_type": "image", "attachment_id": "att1"}
    ]


async def test_files_zalo_refuses_become_a_link_or_a_note_and_images_go_as_images() -> None:
    """Zalo's file upload takes PDF, DOC, DOCX and CSV up to 5 MB: a calendar .ics or a
    spreadsheet goes as a link on the bot's web server, or, without a public address, is
    explained (never a silent failure); a PNG poster sent as a document goes through the image
    upload instead; a PDF stays a file."""

    def reply(name: str, data: bytes = b"x") -> Reply:
        media = Media(MediaKind.DOCUMENT, data=data, filename=name, ref="stored:7")
        return Reply("Giấy mời đối thoại", media=media)

    document, caption = messages_for(reply("doi-thoai-1.ics"))
    assert document.media_kind is MediaKind.DOCUMENT and not zalo_takes(document)
    assert caption.text == "Giấy mời đối thoại"
    note = await as_link(document, None)
    assert note.media_kind is None and "không nhận tệp lịch" in note.text
    assert "doi-thoai-1.ics" in note.text
    (xlsx, _) = messages_for(reply("bao-cao.xlsx"))
    xlsx_note = await as_link(xlsx, None)
    assert "Telegram" in xlsx_note.text and "bao-cao.xlsx" in xlsx_note.text

    published: list[tuple[str, str, bytes, str | None]] = []

    async def publish(name: str, mime: str, data: bytes, ref: str | None) -> str:
        published.append((name, mime, data, ref))
        return "https://bot.example.vn/f/tok/doi-thoai-1.ics"

    link = await as_link(document, publish)
    assert published == [("doi-thoai-1.ics", "application/octet-stream", b"x", "stored:7")]
    assert "https://bot.example.vn/f/tok/doi-thoai-1.ics" in link.text
    assert link.buttons == (
        {
            "title": "📎 Mở tệp",
            "type": "oa.open.url",
            "payload": {"url": "https://bot.example.vn/f/tok/doi-thoai-1.ics"},
        },
    )
    big_pdf, _ = messages_for(reply("bien-ban.pdf", b"%PDF" + b"0" * MAX_FILE_BYTES))
    assert not zalo_takes(big_pdf)
    assert "lớn hơn 5 MB" in (await as_link(big_pdf, None)).text
    poster, poster_caption = messages_for(reply("ap-phich-1.png"))
    assert poster.media_kind is MediaKind.PHOTO and poster_caption.text == "Giấy mời đối thoại"
    pdf, _ = messages_for(reply("ap-phich-1.pdf"))
    assert pdf.media_kind is MediaKind.DOCUMENT and zalo_takes(pdf)


def test_a_photo_known_only_by_another_channel_s_reference_becomes_a_note() -> None:
    """A Telegram file id cannot be fetched by Zalo: the caption goes with a note instead."""
    media = Media(MediaKind.PHOTO, ref="AgACAgIAAxkBAAIBQ2telegram-file-id")
    (only,) = messages_for(Reply("📣 Lịch tiêm phòng", media=media))
    assert only.media_kind is None and only.text.startswith("📣 Lịch tiêm phòng")
    assert "một ảnh" in only.text and "Zalo không chuyển được" in only.text


def test_a_command_name_typed_alone_is_the_command_on_zalo() -> None:
    """No command menu on Zalo: «thongbao», «#xoadulieu» or «Menu» typed alone is the command;
    the same word inside a sentence, or a word that is no command, stays text."""
    commands = frozenset({"menu", "thongbao", "xoadulieu"})

    def typed(text: str, n: int):  # type: ignore[no-untyped-def]
        raw = body("user_send_text", message={"msg_id": f"k{n}", "text": text})
        return event_from_webhook(
            parse(raw, signed(raw), SECRET, APP_ID),
            claims_payload=lambda _: False,
            commands=commands,
        )

    for n, (text, command) in enumerate(
        [("thongbao", "thongbao"), (" #xoadulieu ", "xoadulieu"), ("Menu", "menu")]
    ):
        event = typed(text, n)
        assert event is not None and event.kind is EventKind.COMMAND, text
        assert (event.command, event.args, event.text) == (command, (), f"/{command}")
    for n, text in enumerate(["menu hôm nay có gì", "thong bao", "Đèn đường hỏng"], start=5):
        event = typed(text, n)
        assert event is not None and event.kind is EventKind.TEXT, text
