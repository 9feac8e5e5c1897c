"""Shared pieces of the Zalo tests: a client configured for the fake server, seeded tokens."""

from __future__ import annotations

import aiohttp

from bot.channels.zalo.client import ZaloClient, ZaloConfig
from bot.clock import Clock
from bot.domain.ports import Store
from bot.fakes.zalo import FakeZaloServer


def config(server: FakeZaloServer) -> ZaloConfig:
    return ZaloConfig(
        app_id=server.app_id,
        app_secret=server.app_secret,
        api_base_url=server.api_base_url,
        oauth_base_url=server.oauth_base_url,
        zns_base_url=server.zns_base_url,
    )


async def seeded_client(
    session: aiohttp.ClientSession, server: FakeZaloServer, store: Store, clock: Clock
) -> ZaloClient:
    """A client whose database holds the fake's current token pair."""
    client = ZaloClient(session, config(server), store, clock)
    pair = server.issue_tokens()
    assert await client.seed(str(pair["access_token"]), str(pair["refresh_token"]))
    return client
