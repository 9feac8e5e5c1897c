"""The Zalo API client against the fake Zalo OA server (real HTTP on 127.0.0.1): sending what
the renderer makes, token refresh on expiry, single-use refresh tokens across a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.channels.zalo.client import ZaloApiError, ZaloAuthDead, ZaloClient
from bot.channels.zalo.render import message_body, messages_for
from bot.clock import ManualClock
from bot.conversation.replies import rows
from bot.conversation.turn import Reply
from bot.fakes.zalo import FakeZaloServer
from storage.sqlite import SqliteStore
from storage.uow import UnitOfWork
from tests.zalo_helpers import config


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer() as server:
        yield server


@pytest.fixture
async def client(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock
) -> AsyncIterator[ZaloClient]:
    async with aiohttp.ClientSession() as session:
        made = ZaloClient(session, config(zalo), store, clock)
        pair = zalo.issue_tokens()
        assert await made.seed(str(pair["access_token"]), str(pair["refresh_token"]))
        yield made


async def test_a_reply_is_delivered_with_its_buttons(
    zalo: FakeZaloServer, client: ZaloClient
) -> None:
    user = zalo.user(display_name="Trần Thị Lan")
    await user.follow()
    await user.send_text("Xin chào")
    reply = Reply(
        text="<b>Chọn lĩnh vực</b>",
        buttons=rows([[(f"Lĩnh vực {n}", f"pe:f:{n}")] for n in range(7)]),
    )
    for message in messages_for(reply):
        assert await client.send_message(user.id, message_body(message))
    texts = [m.text for m in user.messages]
    assert texts[0] == "Chọn lĩnh vực" and "Xem thêm lựa chọn" in texts[1]
    titles = [b.title for m in user.messages for b in m.buttons]
    assert titles == [f"Lĩnh vực {n}" for n in range(7)]
    assert await client.user_name(user.id) == "Trần Thị Lan"


async def test_an_expired_access_token_is_refreshed_once_and_stored(
    zalo: FakeZaloServer, client: ZaloClient, store: SqliteStore
) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    async with store.read() as uow:
        before = await uow.tokens.get("zalo")
    zalo.expire_access_token()
    await client.send_message(user.id, {"text": "Sau khi làm mới"})
    async with store.read() as uow:
        after = await uow.tokens.get("zalo")
    assert before is not None and after is not None
    assert after.refresh_token != before.refresh_token
    assert after.access_token == zalo.access_token
    assert len(zalo.token_requests) == 1
    assert user.messages[-1].text == "Sau khi làm mới"


async def test_a_restart_uses_the_stored_pair_not_the_seed(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    seed = zalo.issue_tokens()
    async with aiohttp.ClientSession() as session:
        first = ZaloClient(session, config(zalo), store, clock)
        await first.seed(str(seed["access_token"]), str(seed["refresh_token"]))
        await first.refresh()
    async with aiohttp.ClientSession() as session:
        second = ZaloClient(session, config(zalo), store, clock)
        assert not await second.seed(str(seed["access_token"]), str(seed["refresh_token"]))
        await second.send_message(user.id, {"text": "Sau khi khởi động lại"})
    assert user.messages[-1].text == "Sau khi khởi động lại"


async def test_a_dead_refresh_token_says_so_and_a_code_connects_again(
    zalo: FakeZaloServer, client: ZaloClient
) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    zalo.kill_refresh_token()
    zalo.expire_access_token()
    with pytest.raises(ZaloAuthDead):
        await client.send_message(user.id, {"text": "x"})
    await client.exchange_code(zalo.issue_authorization_code())
    await client.send_message(user.id, {"text": "Đã kết nối lại"})
    assert user.messages[-1].text == "Đã kết nối lại"


async def test_errors_keep_their_zalo_code(zalo: FakeZaloServer, client: ZaloClient) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    with pytest.raises(ZaloApiError) as too_long:
        await client.send_message(user.id, {"text": "x" * 2001})
    assert too_long.value.code == -210
    await user.unfollow()
    with pytest.raises(ZaloApiError) as gone:
        await client.send_message(user.id, {"text": "x"})
    assert gone.value.code == -213


async def test_the_pair_is_kept_between_calls_and_a_pair_another_process_stored_is_taken(
    zalo: FakeZaloServer,
    client: ZaloClient,
    store: SqliteStore,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    reads: list[int] = []
    real_read = store.read

    def counted() -> AbstractAsyncContextManager[UnitOfWork]:
        reads.append(1)
        return real_read()

    monkeypatch.setattr(store, "read", counted)
    for n in range(3):
        await client.send_message(user.id, {"text": f"Tin {n}"})
    assert len(reads) == 1

    async with aiohttp.ClientSession() as session:
        other = ZaloClient(session, config(zalo), store, clock)
        await other.refresh()
    await client.send_message(user.id, {"text": "Sau khi tiến trình khác làm mới"})
    assert user.messages[-1].text == "Sau khi tiến trình khác làm mới"
    assert len(zalo.token_requests) == 1
    assert len(reads) == 3  # the other client's, and ours once Zalo refused the kept pair

    clock.advance(timedelta(hours=26))
    await client.send_message(user.id, {"text": "Hết hạn thì đọc lại"})
    assert len(reads) == 4
