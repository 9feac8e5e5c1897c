"""Officials on Zalo (staff listed by ``zalo_user_id``): the assignment alert and the deadline
digest arrive on Zalo; the official accepts, asks for an extension (and hears it was granted)
and answers by text with Zalo's buttons (their payloads come back as text), and the answer
reaches a resident on Zalo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.petitions import FieldOfConcern
from bot.domain.ward import WardConfig
from bot.usecases.reminders import Reminders
from bot.usecases.workflow import Result, Workflow
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID
from tests.test_deadlines_scan_e2e import add_petition
from tests.zalo_harness import (
    ZALO_OFFICIAL,
    Channels,
    ZaloDriver,
    onboarded_on_zalo,
    two_channels,
    zalo_violations,
    zalo_ward,
)

ANSWER = "Phòng Kinh tế đã cho sửa đoạn đường ngõ 12, xong ngày 04/12/2026."
REASON = "Cần chờ nhà thầu khảo sát lại nền đường"


@pytest.fixture
async def bot(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> AsyncIterator[Channels]:
    async with two_channels(store, clock, zalo_ward(ward), tmp_path) as running:
        await running.staff_follow()
        yield running


async def test_an_official_on_zalo_gets_alerts_and_digests_accepts_extends_and_answers(
    bot: Channels,
) -> None:
    resident = await onboarded_on_zalo(bot, "Phạm Thị Hoa", "Tổ dân phố Chí Linh 1")
    (person,) = bot.rows(
        "SELECT person_id FROM accounts WHERE channel = 'zalo' AND external_id = ?",
        resident.user.id,
    )
    petition = await add_petition(
        bot.store,
        1,
        field=FieldOfConcern.CONSTRUCTION,
        author_id=person["person_id"],
        at=bot.clock.now(),
    )
    assert petition.id is not None
    official = ZaloDriver(bot.staff_on_zalo(ZALO_OFFICIAL), bot)

    official.mark()
    assigned = await Workflow(bot.services).assign(SECRETARY_ID, petition.id, "KT")
    assert assigned.result is Result.DONE and assigned.due_on is not None
    await bot.settled()
    alert = await official.notified("Giao xử lý ý kiến")
    assert petition.code in alert and "Kiến nghị số 1" in alert
    shown = [b.title for m in official.user.messages for b in m.buttons]
    assert {"📥 Tiếp nhận", "✍️ Trả lời / báo kết quả", "⏳ Xin gia hạn"} <= set(shown)

    await official.press("📥 Tiếp nhận", expect="Đã tiếp nhận")
    (handling,) = bot.rows("SELECT * FROM petition_outcomes WHERE petition_id = ?", petition.id)
    assert handling["accepted_at"] is not None

    # The due day: the morning scan's digest reaches the official on Zalo.
    official.mark()
    due = datetime.combine(assigned.due_on, time(8), bot.services.ward.tz)
    bot.clock.set(due.astimezone(UTC))
    await Reminders(bot.services).run_due()
    await bot.settled()
    digest = await official.notified("Nhắc hạn xử lý")
    assert petition.code in digest and "hết hạn hôm nay" in digest

    await official.press("⏳ Xin gia hạn", expect="lý do xin gia hạn")
    await official.say(REASON, expect="ngày đề xuất")
    proposed = assigned.due_on + timedelta(days=7)
    await official.say(f"{proposed:%d/%m/%Y}", expect=REASON)
    await official.press("✅ Xác nhận", expect="Đã gửi đề nghị gia hạn")
    (request,) = bot.rows("SELECT * FROM extension_requests WHERE petition_id = ?", petition.id)
    assert (request["reason"], request["proposed_due"]) == (REASON, proposed.isoformat())
    official.mark()
    decided = await Workflow(bot.services).decide_extension(SECRETARY_ID, request["id"], True)
    assert decided.result is Result.DONE
    await bot.settled()
    granted = await official.notified("được đồng ý")
    assert f"{proposed:%d/%m/%Y}" in granted

    resident.mark()
    await official.press("✍️ Trả lời / báo kết quả", expect="Nhập nội dung trả lời")
    await official.say(ANSWER, expect=ANSWER)
    await official.press("✅ Xác nhận", expect="Đã gửi trả lời")
    await bot.settled()
    answer = await resident.notified(ANSWER)
    assert petition.code in answer
    (outcome,) = bot.rows("SELECT * FROM petition_outcomes WHERE petition_id = ?", petition.id)
    assert outcome["answer_text"] == ANSWER
    assert zalo_violations(official.user) == [] and zalo_violations(resident.user) == []
    staff_rows = bot.rows(
        "SELECT o.event, o.status, o.delivered_channel FROM outbox o JOIN accounts a "
        "ON a.person_id = o.person_id WHERE a.channel = 'zalo' AND a.external_id = ?",
        ZALO_OFFICIAL.zalo_user_id,
    )
    assert {r["event"] for r in staff_rows} >= {"workflow_unit_alert", "deadline_digest"}
    assert all((r["status"], r["delivered_channel"]) == ("sent", "zalo") for r in staff_rows)
