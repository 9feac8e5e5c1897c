"""Staff see how each notification about a petition was delivered, and the secretary works the
list of people to reach on paper (Telegram front end; the routes are those the Zalo fallback
records, see tests/test_zalo_fallback.py)."""

from __future__ import annotations

from pathlib import Path

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.domain.people import Consent, Resident
from bot.fakes.telegram import FakeTelegramServer
from bot.outbox.news import petition_about
from bot.outbox.queue import Content, Notification, Status
from bot.usecases.accounts import ensure_person
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, SUPERVISOR_ID, onboard, toast_after
from tests.outbox_helpers import eventually
from tests.test_reports_cli import run
from tests.test_workflow_e2e import assign_kt, file_petition, fresh

PAPER = "📮 Cần báo trên giấy"
LOOKUP = "🔎 Tra cứu nhật ký theo mã"


async def routed(store: SqliteStore, clock: ManualClock, person: int, code: str) -> int:
    """Two earlier rows about the petition as the Zalo worker leaves them: one sent as a ZNS,
    one that no route delivered."""
    now = clock.now()
    facts = {"petition_code": code, "status": "Đã giao đơn vị giải quyết"}

    def note(key: str) -> Notification:
        return Notification(
            "workflow_resident_update",
            person,
            "zalo",
            "8437261509871234567",
            key,
            Content(f"Ý kiến {code}"),
            facts=facts,
            about=petition_about(code),
        )

    async with store.transaction() as uow:
        zns = await uow.outbox.add(note("old:zns"), now=now)
        lost = await uow.outbox.add(note("old:lost"), now=now)
        assert zns is not None and lost is not None
        for row_id in (zns, lost):
            assert await uow.outbox.claim(row_id)
        await uow.outbox.mark_sent(zns, "zns", "zns-1", now)
        await uow.outbox.mark_undeliverable(lost, "undeliverable: outside the 7-day window", now)
    return lost


async def test_the_staff_trail_says_how_each_notice_went_and_paper_is_worked_off(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    resident = tg.user(5301, first_name="Lan")
    await onboard(resident)
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    await official.ask("/menu")
    petition = await file_petition(store, clock, 5301, "Cống ngõ 5 tắc", 1)
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    await assign_kt(secretary, petition.code)

    async def told() -> bool:
        async with store.read() as uow:
            rows = await uow.outbox.about(petition_about(petition.code))
        return len(rows) >= 2 and all(r.status is Status.SENT for r in rows)

    await eventually(told, within=10, what="the resident and the unit told on Telegram")
    lost = await routed(store, clock, 5301, petition.code)

    supervisor = tg.user(SUPERVISOR_ID, first_name="Giám")
    await supervisor.ask("/menu")
    await supervisor.press_and_wait("⏰ Việc quá hạn")
    await supervisor.press_and_wait(LOOKUP)
    (trail,) = await supervisor.ask(petition.code)
    text = trail.plain_text
    assert "Thông báo đã gửi" in text
    assert "Tình trạng ý kiến, qua Telegram" in text
    assert "Giao việc cho đơn vị, qua Telegram" in text
    assert "Tình trạng ý kiến, qua ZNS" in text
    assert "chưa báo được — cần báo trên giấy" in text

    assert "không có quyền" in (await toast_after(resident, f"pp:d:{lost}")).lower()
    assert "không có quyền" in (await toast_after(official, "st:paper")).lower()
    async with store.read() as uow:
        assert [r.id for r in await uow.outbox.on_paper()] == [lost]

    await secretary.ask("/menu")
    (listing,) = fresh(await secretary.press_and_wait(PAPER))
    assert "Lan" in listing.plain_text and petition.code in listing.plain_text
    assert "Tổ dân phố Chí Linh 1" in listing.plain_text
    (done_button,) = [t for t in listing.button_texts() if t.startswith("✅ Đã báo trên giấy")]
    (after,) = fresh(await secretary.press_and_wait(done_button))
    assert "Đã ghi nhận" in after.plain_text
    assert "Không còn ai cần báo trên giấy" in after.plain_text
    (stale,) = fresh(await secretary.press_and_wait(done_button, message_id=listing.message_id))
    assert "không còn trong danh sách" in stale.plain_text
    async with store.read() as uow:
        assert await uow.outbox.on_paper() == []
        audited = await uow.audit.for_subject("outbox", str(lost))
    assert [(e.action, e.actor_id) for e in audited] == [("outbox.told_on_paper", SECRETARY_ID)]

    await supervisor.press_and_wait("⏰ Việc quá hạn")
    await supervisor.press_and_wait(LOOKUP)
    (again,) = await supervisor.ask(petition.code)
    assert "đã báo trên giấy" in again.plain_text


async def test_the_cli_prints_the_paper_list(tmp_path: Path, clock: ManualClock) -> None:
    store = await SqliteStore.open(tmp_path / "cli.db")
    try:
        now = clock.now()
        async with store.transaction() as uow:
            person = await ensure_person(uow, "zalo", "8437261509871234567", now, inbound=True)
            await uow.residents.save(
                Resident(
                    person, Consent.GIVEN, now, "Lan", "TDP2", "0912345678", now, created_at=now
                )
            )
        await routed(store, clock, person, "TD-2026-0007")
    finally:
        await store.close()
    done = run(tmp_path, "paper")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Cần báo trên giấy (1)" in out and "Lan · Tổ dân phố Chí Linh 2" in out
    assert "0912345678" in out and "TD-2026-0007" in out and "<" not in out
