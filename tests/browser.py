"""A real headless browser for the web tests: Debian's Chromium driven by Playwright.

Playwright's own browser download is not used: ``.ci/system-packages`` installs Debian's
``chromium`` and Playwright launches that executable. Without it the browser tests skip on a
developer's machine and fail under ``CI=true``, so CI never passes without them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

__all__ = ["CHROMIUM", "browser", "page"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM}: run `bash .ci/system-packages`"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A phone-sized page (375 px wide), Vietnamese locale."""
    context = await browser.new_context(
        viewport={"width": 375, "height": 812}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()
