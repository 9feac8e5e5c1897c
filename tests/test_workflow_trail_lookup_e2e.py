"""Supervisors read any petition's audit trail by its code, not only the overdue ones."""

from __future__ import annotations

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.fakes.telegram import FakeTelegramServer
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SUPERVISOR_ID, onboard, toast_after
from tests.test_workflow_e2e import assign_kt, file_petition, fresh

LOOKUP = "🔎 Tra cứu nhật ký theo mã"


async def test_supervisor_reads_a_trail_by_code(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    resident = tg.user(5101, first_name="Hoa")
    await onboard(resident)
    petition = await file_petition(store, clock, 5101, "Rác tồn đọng đầu ngõ 8", 1)
    secretary = tg.user(900002, first_name="Thư")
    await assign_kt(secretary, petition.code)

    supervisor = tg.user(SUPERVISOR_ID, first_name="Giám")
    await supervisor.ask("/menu")
    (oversight,) = fresh(await supervisor.press_and_wait("⏰ Việc quá hạn"))
    assert petition.code not in oversight.plain_text, "not overdue, so not listed"
    (ask,) = fresh(await supervisor.press_and_wait(LOOKUP))
    assert "Gõ mã theo dõi" in ask.plain_text
    (missing,) = await supervisor.ask("TD-2026-9999")
    assert "Không tìm thấy" in missing.plain_text and "TD-2026-9999" in missing.plain_text
    (trail,) = await supervisor.ask(petition.code.lower())
    assert petition.code in trail.plain_text
    assert "Nguyễn Thị Thư" in trail.plain_text, "who assigned it is named"
    (after,) = await supervisor.ask("TD-2026-0001")
    assert "không hiểu" in after.plain_text.lower() or "/menu" in after.plain_text, (
        "the lookup ended with the trail"
    )

    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    await official.ask("/menu")
    assert "không có quyền" in (await toast_after(official, "ws:l")).lower()
    assert "không có quyền" in (await toast_after(resident, "ws:l")).lower()
