"""The fake Zalo OA server, exercised over real HTTP on 127.0.0.1: the webhook it posts (shape
and signature, checked against an independently computed MAC) and the API it serves (sending,
limits, uploads, tokens, the 7-day window, faults). Time is an injected clock: nothing sleeps
until a deadline."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.fakes.zalo import Delivery, FakeZaloServer, ZaloUser

START = 1_795_000_000.0
DAY = 86_400.0


class Clock:
    """The injected clock: epoch seconds that move only when a test moves them."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Receiver:
    """A stand-in for the bot's webhook: records raw requests, answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.hold: asyncio.Event | None = None
        self.on_event: Callable[[dict[str, Any]], Coroutine[Any, Any, None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        if self.on_event is not None:
            task = asyncio.get_running_loop().create_task(self.on_event(json.loads(body)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(status=self.status, text="ok")

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/zalo/webhook", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/zalo/webhook"

    async def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    bot = Receiver()
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def zalo(clock: Clock, receiver: Receiver) -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(clock=clock, webhook_url=receiver.url) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def minh(zalo: FakeZaloServer) -> ZaloUser:
    """A follower who has just written, so the OA may answer."""
    user = zalo.user(display_name="Nguyễn Văn Minh")
    await user.send_text("xin chào")
    return user


async def api(
    http: aiohttp.ClientSession,
    zalo: FakeZaloServer,
    path: str,
    body: dict[str, Any],
    *,
    token: str | None = None,
    base: str | None = None,
) -> dict[str, Any]:
    """POST JSON like a Zalo client and return the decoded answer (always HTTP 200)."""
    headers = {"access_token": zalo.access_token if token is None else token}
    url = (base or zalo.api_base_url) + path
    async with http.post(url, json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result


async def send_cs(
    http: aiohttp.ClientSession, zalo: FakeZaloServer, user: ZaloUser, message: dict[str, Any]
) -> dict[str, Any]:
    body = {"recipient": {"user_id": user.id}, "message": message}
    return await api(http, zalo, "/v3.0/oa/message/cs", body)


async def oauth(
    http: aiohttp.ClientSession, zalo: FakeZaloServer, form: dict[str, str], secret: str = ""
) -> dict[str, Any]:
    headers = {"secret_key": secret or zalo.app_secret}
    url = zalo.oauth_base_url + "/v4/oa/access_token"
    async with http.post(url, data={"app_id": zalo.app_id, **form}, headers=headers) as resp:
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


async def upload(
    http: aiohttp.ClientSession, zalo: FakeZaloServer, kind: str, name: str, data: bytes
) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name)
    url = f"{zalo.api_base_url}/v2.0/oa/upload/{kind}"
    async with http.post(url, data=form, headers={"access_token": zalo.access_token}) as resp:
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


def query(title: str, payload: str, kind: str = "oa.query.show") -> dict[str, Any]:
    return {"title": title, "type": kind, "payload": payload}


def with_buttons(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {"text": text, "attachment": {"type": "template", "payload": {"buttons": buttons}}}


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


# ----- webhook: signature and shapes --------------------------------------------------------


async def test_text_event_is_signed_with_an_independently_computed_mac(
    zalo: FakeZaloServer, receiver: Receiver, clock: Clock
) -> None:
    user = zalo.user("1234567890123456789", "Trần Thị Lan")
    delivery = await user.send_text("Đường Láng ngập nước")

    headers, raw = receiver.requests[-1]
    event = json.loads(raw)
    expected = hashlib.sha256(
        (zalo.app_id + raw.decode() + event["timestamp"] + zalo.oa_secret_key).encode()
    ).hexdigest()
    assert headers["X-ZEvent-Signature"] == f"mac={expected}"
    assert event == {
        "app_id": zalo.app_id,
        "user_id_by_app": user.user_id_by_app,
        "event_name": "user_send_text",
        "timestamp": str(int(clock.now * 1000)),
        "sender": {"id": "1234567890123456789"},
        "recipient": {"id": zalo.oa_id},
        "message": {"msg_id": delivery.msg_id, "text": "Đường Láng ngập nước"},
    }
    assert delivery.status == 200 and delivery.ok and delivery.latency < 2.0
    assert user.deliveries == [delivery] and zalo.deliveries == [delivery]
    auto = zalo.user()
    assert len(auto.id) == 19 and auto.id.isdigit() and auto.display_name == "Nguyễn Văn Minh"


async def test_bad_signature_no_signature_and_replay(
    zalo: FakeZaloServer, receiver: Receiver
) -> None:
    user = zalo.user()
    good = await zalo.post_event(zalo.text_event(user, "một"))
    bad = await user.send_text("hai", signature="bad")
    unsigned = await zalo.post_event(zalo.text_event(user, "ba"), signature=None)
    again = await zalo.replay(good)

    (good_headers, good_raw), (bad_headers, bad_raw), (plain_headers, _), (re_headers, re_raw) = (
        receiver.requests
    )
    bad_event = json.loads(bad_raw)
    honest = hashlib.sha256(
        (zalo.app_id + bad_raw.decode() + bad_event["timestamp"] + zalo.oa_secret_key).encode()
    ).hexdigest()
    assert bad_headers["X-ZEvent-Signature"].startswith("mac=")
    assert bad_headers["X-ZEvent-Signature"] != f"mac={honest}"
    assert "X-ZEvent-Signature" not in plain_headers
    assert (
        re_raw == good_raw
        and re_headers["X-ZEvent-Signature"] == good_headers["X-ZEvent-Signature"]
    )
    assert again.msg_id == good.msg_id and bad.msg_id != good.msg_id
    assert len(zalo.deliveries) == 4 and unsigned.status == 200


async def test_every_user_event_has_zalos_shape(
    zalo: FakeZaloServer, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    user = zalo.user()
    await user.send_image(caption="ảnh hiện trường", data=JPEG)
    await user.send_file("don.pdf", b"%PDF-1.4 test")
    await user.send_location(21.03, 105.85)
    await user.send_sticker()
    await user.send_audio()
    await user.send_video()
    await user.send_link("https://vnexpress.net/x")
    image, file, location, sticker, audio, video, link = receiver.events

    assert image["event_name"] == "user_send_image"
    assert image["message"]["text"] == "ảnh hiện trường"
    (attachment,) = image["message"]["attachments"]
    assert attachment["type"] == "image"
    assert set(attachment["payload"]) == {"url", "thumbnail"}
    async with http.get(attachment["payload"]["url"]) as resp:
        assert resp.status == 200 and await resp.read() == JPEG

    payload = file["message"]["attachments"][0]["payload"]
    assert file["event_name"] == "user_send_file"
    assert (payload["name"], payload["size"], payload["type"]) == ("don.pdf", "13", "pdf")
    coordinates = location["message"]["attachments"][0]["payload"]["coordinates"]
    assert coordinates == {"latitude": "21.03", "longitude": "105.85"}
    assert sticker["message"]["attachments"][0]["type"] == "sticker"
    assert audio["message"]["attachments"][0]["type"] == "audio"
    assert video["message"]["attachments"][0]["type"] == "video"
    assert link["message"]["attachments"][0]["payload"]["url"] == "https://vnexpress.net/x"
    for event in receiver.events:
        assert event["sender"] == {"id": user.id} and event["recipient"] == {"id": zalo.oa_id}
        assert isinstance(event["timestamp"], str) and isinstance(event["message"]["msg_id"], str)


async def test_follow_unfollow_and_receipts(zalo: FakeZaloServer, receiver: Receiver) -> None:
    user = zalo.user(follower=False)
    await user.follow()
    await user.unfollow()
    follow, unfollow = receiver.events
    assert follow["event_name"] == "follow" and unfollow["event_name"] == "unfollow"
    for event in (follow, unfollow):
        assert event["follower"] == {"id": user.id} and "sender" not in event
        assert event["oa_id"] == zalo.oa_id and event["user_id_by_app"] == user.user_id_by_app
    assert not user.is_follower


async def test_request_user_info_submit_info_and_user_detail(
    zalo: FakeZaloServer, minh: ZaloUser, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(LookupError, match="request_user_info"):
        await minh.submit_info("Nguyễn Văn Minh", "0912345678")
    form = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "request_user_info",
                "elements": [
                    {
                        "title": "UBND phường",
                        "subtitle": "Cho phép phường liên hệ lại với bạn",
                        "image_url": "https://example.vn/logo.png",
                    }
                ],
            },
        }
    }
    sent = await send_cs(http, zalo, minh, form)
    assert sent["error"] == 0 and minh.last is not None
    assert minh.last.kind == "request_user_info"

    await minh.submit_info("Nguyễn Văn Minh", "0912345678", "12 Láng Hạ", "Hà Nội", "Đống Đa")
    event = receiver.events[-1]
    assert event["event_name"] == "user_submit_info" and event["sender"] == {"id": minh.id}
    assert event["info"] == {
        "address": "12 Láng Hạ",
        "phone": "84912345678",
        "city": "Hà Nội",
        "district": "Đống Đa",
        "name": "Nguyễn Văn Minh",
    }
    data = json.dumps({"user_id": minh.id})
    url = f"{zalo.api_base_url}/v3.0/oa/user/detail"
    headers = {"access_token": zalo.access_token}
    async with http.get(url, params={"data": data}, headers=headers) as resp:
        detail = await resp.json()
    assert detail["error"] == 0
    assert detail["data"]["display_name"] == "Nguyễn Văn Minh"
    assert detail["data"]["user_id"] == minh.id and detail["data"]["user_is_follower"] is True
    assert detail["data"]["shared_info"]["phone"] == "84912345678"
    async with http.get(url, params={"data": '{"user_id":"1"}'}, headers=headers) as resp:
        assert (await resp.json())["error"] == -201


# ----- sending ------------------------------------------------------------------------------


async def test_text_and_buttons_are_recorded_and_pressable(
    zalo: FakeZaloServer, minh: ZaloUser, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    answer = await send_cs(http, zalo, minh, {"text": "Cảm ơn bạn"})
    assert answer["error"] == 0 and answer["message"] == "Success"
    assert answer["data"]["user_id"] == minh.id and answer["data"]["message_id"]
    buttons = [
        query("Gửi kiến nghị", "#kien_nghi"),
        query("Hủy", "#huy", "oa.query.hide"),
        {"title": "Xem web", "type": "oa.open.url", "payload": {"url": "https://phuong.vn"}},
        {"title": "Gọi phường", "type": "oa.open.phone", "payload": {"phone_code": "842438"}},
    ]
    assert (await send_cs(http, zalo, minh, with_buttons("Chọn:", buttons)))["error"] == 0
    text, menu = minh.messages
    assert (text.kind, text.text, text.message_id) == (
        "text",
        "Cảm ơn bạn",
        answer["data"]["message_id"],
    )
    assert menu.kind == "buttons" and menu.button_titles() == [b["title"] for b in buttons]
    assert menu.button("Xem web").url == "https://phuong.vn"
    assert menu.button("Gọi phường").phone == "842438"

    await minh.press("Hủy")
    assert receiver.events[-1]["message"]["text"] == "#huy"
    assert receiver.events[-1]["event_name"] == "user_send_text"
    with pytest.raises(LookupError, match=r"oa\.open\.url"):
        await minh.press("Xem web")
    with pytest.raises(LookupError, match="no button"):
        await minh.press("Không có")
    await minh.received(text)
    await minh.seen([text, menu])
    received, seen = receiver.events[-2:]
    assert received["event_name"] == "user_received_message"
    assert received["sender"] == {"id": zalo.oa_id} and received["recipient"] == {"id": minh.id}
    assert received["message"] == {"msg_id": text.message_id}
    assert seen["message"] == {"msg_ids": [text.message_id, menu.message_id]}
    template_button = {"template_type": "button", "text": "Kiểu cũ", "buttons": [buttons[0]]}
    old_style = {"attachment": {"type": "template", "payload": template_button}}
    assert (await send_cs(http, zalo, minh, old_style))["error"] == 0
    assert minh.messages[-1].text == "Kiểu cũ" and zalo.sent_messages[-1] is minh.messages[-1]
    assert (await send_cs(http, zalo, minh, with_buttons("SDK: text, no buttons", [])))[
        "error"
    ] == 0
    assert minh.messages[-1].kind == "text" and minh.messages[-1].buttons == []


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"text": "x" * 2001}, -210),
        (with_buttons("Chọn", [query(f"N{i}", f"#{i}") for i in range(6)]), -201),
        (with_buttons("Chọn", [query("Dài", "p" * 1001)]), -210),
        (with_buttons("Chọn", [query("t" * 101, "#t")]), -210),
        (with_buttons("Chọn", [query("Lạ", "#x", "oa.open.app")]), -201),
        (with_buttons("Chọn", [{"title": "Web", "type": "oa.open.url", "payload": "x"}]), -201),
        ({}, -201),
    ],
)
async def test_limits_are_enforced(
    zalo: FakeZaloServer,
    minh: ZaloUser,
    http: aiohttp.ClientSession,
    message: dict[str, Any],
    code: int,
) -> None:
    answer = await send_cs(http, zalo, minh, message)
    assert answer["error"] == code and answer["message"]
    assert minh.messages == [] and minh.api_errors


async def test_limits_allow_exactly_the_maximum(
    zalo: FakeZaloServer, minh: ZaloUser, http: aiohttp.ClientSession
) -> None:
    assert (await send_cs(http, zalo, minh, {"text": "x" * 2000}))["error"] == 0
    five = [query(f"N{i}", "p" * 1000) for i in range(5)]
    assert (await send_cs(http, zalo, minh, with_buttons("Chọn", five)))["error"] == 0
    stranger = {"recipient": {"user_id": "1000000000000000001"}, "message": {"text": "hi"}}
    assert (await api(http, zalo, "/v3.0/oa/message/cs", stranger))["error"] == -201


async def test_uploads_and_media_messages(
    zalo: FakeZaloServer, minh: ZaloUser, http: aiohttp.ClientSession
) -> None:
    image = await upload(http, zalo, "image", "poster.jpg", JPEG)
    assert image["error"] == 0
    attachment_id = image["data"]["attachment_id"]
    element = {"media_type": "image", "attachment_id": attachment_id}
    media = {"template_type": "media", "elements": [element]}
    message = {"attachment": {"type": "template", "payload": media}}
    assert (await send_cs(http, zalo, minh, message))["error"] == 0
    assert minh.last is not None and minh.last.kind == "image"
    assert minh.last.media is not None and minh.last.media.data == JPEG

    document = await upload(http, zalo, "file", "bien_ban.pdf", b"%PDF-1.4 ok")
    token = document["data"]["token"]
    file_message = {"attachment": {"type": "file", "payload": {"token": token}}}
    assert (await send_cs(http, zalo, minh, file_message))["error"] == 0
    assert minh.last.kind == "file" and minh.last.media is not None
    assert minh.last.media.name == "bien_ban.pdf"
    assert (await upload(http, zalo, "file", "ds.csv", b"a,b\n1,2\n"))["error"] == 0

    too_big_image = await upload(http, zalo, "image", "big.jpg", JPEG + b"\x00" * (1 << 20))
    assert too_big_image["error"] == -210
    assert (await upload(http, zalo, "image", "anim.gif", b"GIF89a...."))["error"] == -201
    too_big_file = await upload(http, zalo, "file", "big.pdf", b"%" * (5 * (1 << 20) + 1))
    assert too_big_file["error"] == -210
    assert (await upload(http, zalo, "file", "virus.exe", b"MZ"))["error"] == -201
    unknown = {"attachment": {"type": "file", "payload": {"token": "forged"}}}
    assert (await send_cs(http, zalo, minh, unknown))["error"] == -201


# ----- automatic errors ---------------------------------------------------------------------


async def test_seven_day_window_and_template_messages(
    zalo: FakeZaloServer, minh: ZaloUser, clock: Clock, http: aiohttp.ClientSession
) -> None:
    clock.now += 7 * DAY
    zalo.issue_tokens()  # the access token lives 25 h; the window is about the user
    assert (await send_cs(http, zalo, minh, {"text": "vẫn kịp"}))["error"] == 0
    clock.now += 1
    late = await send_cs(http, zalo, minh, {"text": "muộn"})
    assert late["error"] == -230

    body = {
        "user_id": minh.id,
        "template_id": "407521",
        "template_data": {"ma_kien_nghi": "KN-0042"},
    }
    template = await api(http, zalo, "/v3.0/oa/message/template", body)
    assert template["error"] == 0
    assert minh.last is not None and minh.last.kind == "template"
    assert minh.last.template_data == {"ma_kien_nghi": "KN-0042"}
    assert zalo.template_messages == [minh.last]

    silent = zalo.user()
    assert (await send_cs(http, zalo, silent, {"text": "chào"}))["error"] == -230
    minh.last_interaction = clock.now - DAY
    assert (await send_cs(http, zalo, minh, {"text": "lại được"}))["error"] == 0
    zalo.window_error_code = -232
    minh.last_interaction = clock.now - 8 * DAY
    assert (await send_cs(http, zalo, minh, {"text": "x"}))["error"] == -232


async def test_unfollow_and_inactive_users_cannot_be_reached(
    zalo: FakeZaloServer, minh: ZaloUser, http: aiohttp.ClientSession
) -> None:
    await minh.unfollow()
    assert (await send_cs(http, zalo, minh, {"text": "còn đó không?"}))["error"] == -213
    template = {"recipient": {"user_id": minh.id}, "template_id": "1", "template_data": {}}
    assert (await api(http, zalo, "/v3.0/oa/message/template", template))["error"] == -213
    assert any("-213" in line for line in minh.api_errors)
    await minh.follow()
    assert (await send_cs(http, zalo, minh, {"text": "chào lại"}))["error"] == 0
    minh.inactive = True
    assert (await send_cs(http, zalo, minh, {"text": "x"}))["error"] == -227


async def test_rate_limit_per_app_per_minute(
    clock: Clock, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    async with FakeZaloServer(clock=clock, webhook_url=receiver.url, calls_per_minute=3) as zalo:
        user = zalo.user()
        await user.send_text("hi")
        codes = [(await send_cs(http, zalo, user, {"text": str(i)}))["error"] for i in range(4)]
        assert codes == [0, 0, 0, -32]
        clock.now += 30
        assert (await send_cs(http, zalo, user, {"text": "vẫn chặn"}))["error"] == -32
        clock.now += 31
        assert (await send_cs(http, zalo, user, {"text": "hết chặn"}))["error"] == 0
    assert FakeZaloServer().calls_per_minute == 4000


async def test_outage_answers_502_or_drops_the_connection(
    zalo: FakeZaloServer, minh: ZaloUser, http: aiohttp.ClientSession
) -> None:
    url = zalo.api_base_url + "/v3.0/oa/message/cs"
    body = {"recipient": {"user_id": minh.id}, "message": {"text": "x"}}
    headers = {"access_token": zalo.access_token}
    zalo.outage()
    async with http.post(url, json=body, headers=headers) as resp:
        assert resp.status == 502
    token_url = zalo.oauth_base_url + "/v4/oa/access_token"
    async with http.post(token_url, data={"app_id": zalo.app_id}) as resp:
        assert resp.status == 502
    zalo.outage(drop=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.post(url, json=body, headers=headers) as resp:
            await resp.read()
    zalo.outage(False)
    assert (await send_cs(http, zalo, minh, {"text": "đã ổn"}))["error"] == 0
    assert [m.text for m in minh.messages] == ["đã ổn"]


async def test_injected_errors(
    zalo: FakeZaloServer, minh: ZaloUser, http: aiohttp.ClientSession
) -> None:
    other = zalo.user()
    await other.send_text("chào")
    rule = zalo.inject(path="message/cs", user_id=minh.id, error=-217, times=2)
    assert (await send_cs(http, zalo, other, {"text": "không bị"}))["error"] == 0
    first = await send_cs(http, zalo, minh, {"text": "1"})
    assert first["error"] == -217 and first["message"]
    assert (await send_cs(http, zalo, minh, {"text": "2"}))["error"] == -217
    assert (await send_cs(http, zalo, minh, {"text": "3"}))["error"] == 0
    assert rule.fired == 2

    zalo.inject(error=-244, message="User refused")
    assert await send_cs(http, zalo, minh, {"text": "4"}) == {
        "error": -244,
        "message": "User refused",
    }
    zalo.inject(path="message/cs", error=-216, deliver=True)
    lost = await send_cs(http, zalo, minh, {"text": "đã gửi mà báo lỗi"})
    assert lost["error"] == -216 and minh.messages[-1].text == "đã gửi mà báo lỗi"

    zalo.inject(path="upload/image", error=-1, http_status=503)
    form = aiohttp.FormData()
    form.add_field("file", JPEG, filename="a.jpg")
    url = zalo.api_base_url + "/v2.0/oa/upload/image"
    async with http.post(url, data=form, headers={"access_token": zalo.access_token}) as resp:
        assert resp.status == 503
    zalo.inject(path="message/cs", drop=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send_cs(http, zalo, minh, {"text": "rớt mạng"})
    zalo.inject(error=-220, times=None)
    assert (await send_cs(http, zalo, minh, {"text": "5"}))["error"] == -220
    zalo.clear_faults()
    assert (await send_cs(http, zalo, minh, {"text": "6"}))["error"] == 0


# ----- tokens -------------------------------------------------------------------------------


async def test_access_token_expiry_and_single_use_refresh_rotation(
    zalo: FakeZaloServer, minh: ZaloUser, clock: Clock, http: aiohttp.ClientSession
) -> None:
    assert (await send_cs(http, zalo, minh, {"text": "ok"}))["error"] == 0
    clock.now += 90_000
    expired = await send_cs(http, zalo, minh, {"text": "hết hạn"})
    assert expired["error"] == -216 and "expired" in expired["message"]
    old_access, old_refresh = zalo.access_token, zalo.refresh_token

    pair = await oauth(http, zalo, {"grant_type": "refresh_token", "refresh_token": old_refresh})
    assert set(pair) == {"access_token", "refresh_token", "expires_in"}
    assert pair["expires_in"] == "90000"
    assert pair["access_token"] == zalo.access_token != old_access
    assert pair["refresh_token"] == zalo.refresh_token != old_refresh
    assert (await send_cs(http, zalo, minh, {"text": "token mới"}))["error"] == 0
    stale = await api(http, zalo, "/v3.0/oa/message/cs", {}, token=old_access)
    assert stale["error"] == -216
    assert (await api(http, zalo, "/v3.0/oa/message/cs", {}, token=""))["error"] == -216

    reused = await oauth(http, zalo, {"grant_type": "refresh_token", "refresh_token": old_refresh})
    assert reused["error"] < 0 and reused["message"] and "access_token" not in reused
    wrong_secret = await oauth(
        http,
        zalo,
        {"grant_type": "refresh_token", "refresh_token": zalo.refresh_token},
        secret="not-the-secret",
    )
    assert wrong_secret["error"] < 0
    zalo.kill_refresh_token()
    dead = await oauth(
        http, zalo, {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    )
    assert dead["error"] < 0 and zalo.access_token == pair["access_token"]
    zalo.expire_access_token()
    assert (await send_cs(http, zalo, minh, {"text": "x"}))["error"] == -216
    assert len(zalo.token_requests) == 4


async def test_authorization_code_exchange(
    zalo: FakeZaloServer, clock: Clock, http: aiohttp.ClientSession
) -> None:
    code = zalo.issue_authorization_code()
    pair = await oauth(http, zalo, {"grant_type": "authorization_code", "code": code})
    assert pair["access_token"] == zalo.access_token and pair["expires_in"] == "90000"
    again = await oauth(http, zalo, {"grant_type": "authorization_code", "code": code})
    assert again["error"] < 0 and again["message"]
    invented = await oauth(http, zalo, {"grant_type": "authorization_code", "code": "nope"})
    assert invented["error"] < 0

    late = zalo.issue_authorization_code()
    clock.now += 601
    assert (await oauth(http, zalo, {"grant_type": "authorization_code", "code": late}))[
        "error"
    ] < 0

    verifier = "s3cret-verifier-" * 3
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    pkce = zalo.issue_authorization_code(challenge.rstrip(b"=").decode())
    form = {"grant_type": "authorization_code", "code": pkce, "code_verifier": verifier}
    assert "access_token" in await oauth(http, zalo, form)


# ----- ZNS, webhook failures, a tiny bot ----------------------------------------------------


async def test_zns_recorded_per_phone(zalo: FakeZaloServer, http: aiohttp.ClientSession) -> None:
    body = {
        "phone": "84912345678",
        "template_id": "250796",
        "template_data": {"ten": "Minh", "ma": "KN-7"},
        "tracking_id": "kn-7",
    }
    answer = await api(http, zalo, "/message/template", body, base=zalo.zns_base_url)
    assert answer["error"] == 0 and answer["data"]["msg_id"]
    assert answer["data"]["sent_time"].isdigit()
    (record,) = zalo.zns_messages("84912345678")
    assert (record.template_id, record.tracking_id) == ("250796", "kn-7")
    assert record.template_data == {"ten": "Minh", "ma": "KN-7"}
    assert list(zalo.zns) == ["84912345678"]

    bad_phone = await api(
        http, zalo, "/message/template", {**body, "phone": "0912345678"}, base=zalo.zns_base_url
    )
    assert bad_phone["error"] == -108
    bad_token = await api(http, zalo, "/message/template", body, token="x", base=zalo.zns_base_url)
    assert bad_token["error"] == -124

    zalo.zns_template("250796", ten=10, ma=5)
    too_long = await api(
        http,
        zalo,
        "/message/template",
        {**body, "template_data": {"ten": "Nguyễn Văn Minh", "ma": "KN-7"}},
        base=zalo.zns_base_url,
    )
    assert too_long["error"] == -112
    unknown = await api(
        http, zalo, "/message/template", {**body, "template_id": "1"}, base=zalo.zns_base_url
    )
    assert unknown["error"] == -109
    zalo.zns_daily_quota = 1
    spent = await api(http, zalo, "/message/template", body, base=zalo.zns_base_url)
    assert spent["error"] == -115
    async with http.post(zalo.api_base_url + "/v9.9/oa/nothing", json={}) as resp:
        assert resp.status == 404 and (await resp.json())["error"] == 404


async def test_webhook_failures_are_recorded(
    clock: Clock, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    async with FakeZaloServer(clock=clock, webhook_timeout=0.2) as zalo:
        user = zalo.user()
        unset = await user.send_text("chưa có webhook")
        assert unset.status is None and unset.error and not unset.ok
        zalo.set_webhook(receiver.url)
        receiver.status = 500
        failed = await user.send_text("lỗi")
        assert failed.status == 500 and not failed.ok
        receiver.status = 200
        receiver.hold = asyncio.Event()
        slow = await user.send_text("chậm")
        assert slow.status is None and "0.2" in (slow.error or "") and slow.latency >= 0.2
        receiver.hold.set()
        receiver.hold = None
        zalo.set_webhook("http://127.0.0.1:9/nowhere")
        refused = await user.send_text("không tới")
        assert refused.error and refused.error.startswith("connection failed")
        assert [d.ok for d in zalo.deliveries] == [False] * 4


async def test_user_ask_round_trip_with_a_tiny_bot(
    zalo: FakeZaloServer, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    async def echo_bot(event: dict[str, Any]) -> None:
        if event["event_name"] != "user_send_text":
            return
        user = zalo.user(event["sender"]["id"])
        reply = with_buttons(f"Đã nhận: {event['message']['text']}", [query("Tiếp", "#tiep")])
        await send_cs(http, zalo, user, reply)

    receiver.on_event = echo_bot
    lan = zalo.user(display_name="Lê Thị Lan")
    (reply,) = await lan.ask("Đèn đường hỏng")
    assert reply.text == "Đã nhận: Đèn đường hỏng" and reply.has_button("Tiếp")
    lan.mark()
    delivery: Delivery = await lan.press("Tiếp")
    (second,) = await lan.wait()
    assert second.text == "Đã nhận: #tiep" and delivery.ok
    with pytest.raises(TimeoutError, match="expected 1 OA message"):
        await lan.wait(timeout=0.1)


async def test_oauth_faults_only_hit_rules_that_name_the_token_path(
    zalo: FakeZaloServer, minh: ZaloUser, http: aiohttp.ClientSession
) -> None:
    catch_all = zalo.inject(error=-1)
    named = zalo.inject(path="v4/oa/access_token", error=-14014, message="Invalid refresh token")
    failed = await oauth(
        http, zalo, {"grant_type": "refresh_token", "refresh_token": zalo.refresh_token}
    )
    assert failed == {"error": -14014, "message": "Invalid refresh token"}
    assert named.fired == 1 and catch_all.fired == 0
    pair = await oauth(
        http, zalo, {"grant_type": "refresh_token", "refresh_token": zalo.refresh_token}
    )
    assert pair["access_token"] == zalo.access_token
    assert (await send_cs(http, zalo, minh, {"text": "x"}))["error"] == -1
    assert zalo.call_counts["/openapi/v3.0/oa/message/cs"] == 1
    assert zalo.requests[-1][0] == "/openapi/v3.0/oa/message/cs"
    assert zalo.errors[-1] == ("/openapi/v3.0/oa/message/cs", -1, "Error -1")
