"""Screenshots of the public pages for the README: the home page and the list, at 375 px (a
phone) and 1,280 px, from a temporary database seeded like the privacy test.

    python docs/screenshots/make_screenshots.py        # writes docs/screenshots/*.png

Needs Debian's ``chromium`` (``bash .ci/system-packages``); tests/test_web_public_browser.py
runs the same function into a temporary folder, so the script cannot rot unnoticed.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from bot.clock import ManualClock  # noqa: E402
from bot.domain.ward import load_ward_config  # noqa: E402
from bot.runtime.process import Runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402
from tests.browser import CHROMIUM, FLAGS  # noqa: E402
from tests.web_seed import seed  # noqa: E402

PAGES = {"trang-chu": "/", "y-kien": "/y-kien"}
WIDTHS = (375, 1280)


async def make_screenshots(out_dir: Path) -> list[Path]:
    """Write the PNGs into ``out_dir`` (an existing folder) and return their paths."""
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "screens.db"
        store = await SqliteStore.open(db)
        clock = ManualClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
        await seed(store, clock.now())
        settings = Settings(
            telegram_bot_token="1:screens",
            database_path=db,
            web_listen="127.0.0.1",
            web_port=0,
            _env_file=None,  # type: ignore[call-arg]
        )
        ward = load_ward_config(ROOT / "ward.example.toml")
        try:
            async with Runtime(settings, ward, [], clock=clock, store=store, jobs=False) as rt:
                assert rt.web is not None
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=FLAGS
                    )
                    for width in WIDTHS:
                        context = await browser.new_context(
                            viewport={"width": width, "height": 900}, locale="vi-VN"
                        )
                        page = await context.new_page()
                        for name, path in PAGES.items():
                            await page.goto(rt.web.url + path)
                            target = out_dir / f"{name}-{width}.png"
                            await page.screenshot(path=str(target), full_page=True)
                            written.append(target)
                        await context.close()
                    await browser.close()
        finally:
            await store.close()
    return written


if __name__ == "__main__":
    for path in asyncio.run(make_screenshots(Path(__file__).parent)):
        print(path.relative_to(ROOT))
