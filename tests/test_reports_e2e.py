"""/baocao, the staff menu's "📊 Báo cáo" and the session card's dossier and minutes buttons,
through the fake Telegram server: files arrive as documents; residents and forged callbacks are
refused and change nothing."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, onboard, toast_after
from tests.reports_seed import seeded_services


async def test_baocao_period_picker_sends_files(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    await seeded_services(store, clock, ward)  # 01/12/2026 09:00
    secretary = tg.user(SECRETARY_ID, first_name="Thư", known=True)
    (picker,) = await secretary.ask("/baocao")
    assert "Chọn kỳ báo cáo" in picker.plain_text
    assert "Quý 4/2026" in picker.button_texts() and "📘 Cả năm 2026" in picker.button_texts()
    got = await secretary.press_and_wait("📅 Tháng trước", message_id=picker.message_id, expect=3)
    assert "tháng 11/2026" in got[0].plain_text
    photo, table = got[1], got[2]
    assert photo.kind == "photo" and table.kind == "document" and table.document is not None
    assert table.document["file_name"] == "tong-hop-thang-2026-11.xlsx"
    book = load_workbook(io.BytesIO(table.document["bytes"]))
    assert "Theo đơn vị" in book.sheetnames
    secretary.mark()
    got = await secretary.press_and_wait("Quý 4/2026", message_id=picker.message_id, expect=3)
    word = next(m for m in got if m.document and m.document["file_name"].endswith(".docx"))
    assert word.document is not None
    doc = Document(io.BytesIO(word.document["bytes"]))
    header = doc.tables[0].rows[0].cells[1].text
    assert "Độc lập - Tự do - Hạnh phúc" in header
    assert any("ĐÃ ĐẠT" in p.text for p in doc.paragraphs)

    # The staff menu entry opens the same picker.
    (menu,) = [m for m in await secretary.ask("/menu") if m.has_button("📊 Báo cáo")]
    (again,) = await secretary.press_and_wait("📊 Báo cáo", message_id=menu.message_id)
    assert "Chọn kỳ báo cáo" in again.plain_text


async def test_residents_and_officials_are_refused(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    seeded, _ = await seeded_services(store, clock, ward)
    resident = tg.user(555001, first_name="Dân")
    await onboard(resident)
    resident.mark()
    (refusal,) = await resident.ask("/baocao")
    assert "không có quyền" in refusal.plain_text.lower()
    assert "không có quyền" in (await toast_after(resident, "rp:2026-11")).lower()
    sid = seeded.session.id
    assert "không có quyền" in (await toast_after(resident, f"ds:get:{sid}")).lower()
    assert "không có quyền" in (await toast_after(resident, f"ds:min:{sid}")).lower()
    official = tg.user(OFFICIAL_ID, first_name="Kinh", known=True)
    await official.ask("/start")
    assert "không có quyền" in (await toast_after(official, "rp:2026-Q4")).lower()
    assert not any(m.document for m in resident.messages + official.messages)
    secretary = tg.user(SECRETARY_ID, first_name="Thư", known=True)
    await secretary.ask("/start")
    assert (await toast_after(secretary, "rp:20x6-99")) != ""  # forged: "button expired"
    async with store.read() as uow:
        assert await uow.chat_states.get(555001) is None


async def test_minutes_and_dossier_from_the_session_card(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    seeded, _ = await seeded_services(store, clock, ward)
    sid = seeded.session.id
    secretary = tg.user(SECRETARY_ID, first_name="Thư", known=True)
    await secretary.ask("/start")
    secretary.mark()
    await secretary.send_forged_callback(f"sa:open:{sid}")  # past sessions are not listed
    (card,) = await secretary.wait()
    assert "📝 Biên bản" in card.button_texts() and "📁 Hồ sơ hội nghị" in card.button_texts()
    (ask,) = await secretary.press_and_wait("📝 Biên bản", message_id=card.message_id)
    assert "Biên bản hội nghị" in ask.plain_text
    text = "Hội nghị có 42 người dự; 3 ý kiến phát biểu; đồng chí Chủ tịch kết luận."
    (saved,) = await secretary.ask(text)
    assert "Đã lưu biên bản" in saved.plain_text
    secretary.mark()
    got = await secretary.press_and_wait(
        "📁 Hồ sơ hội nghị", message_id=card.message_id, expect=17, timeout=15
    )
    documents = [m for m in got if m.kind == "document" and m.document]
    assert len(documents) == 15 and "Đã gửi 15 tệp" in got[-1].plain_text
    names = [m.document["file_name"] for m in documents if m.document]
    assert "02-trong_02-bien-ban.docx" in names
    minutes = next(m for m in documents if m.document and "bien-ban" in m.document["file_name"])
    assert minutes.document is not None
    body = "\n".join(p.text for p in Document(io.BytesIO(minutes.document["bytes"])).paragraphs)
    assert text in body
    async with store.read() as uow:
        trail = await uow.audit.for_subject("session", str(sid))
    assert {"session.minutes_saved", "dossier.exported"} <= {e.action for e in trail}
