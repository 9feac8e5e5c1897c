"""The session dossier (seed 004 IV.4.2): every .docx opened with python-docx and every .xlsx with
openpyxl; headers, the petitions table against the database, privacy of the public versions,
Vietnamese text intact; the minutes typed by the secretary."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from bot.clock import ManualClock
from bot.domain.reporting import PetitionFilter
from bot.domain.ward import WardConfig
from bot.usecases.dossier import DossierOutcome, Dossiers, slug, write_dossier
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, SUPERVISOR_ID
from tests.reports_seed import CONCLUSION, MINUTES, NAMES, ON_BEHALF, R1, seeded_services


def doc_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def check_layout(data: bytes) -> None:
    """Issuing body and number left, motto right (bold, underlined), place and date, Nơi nhận."""
    doc = Document(io.BytesIO(data))
    header = doc.tables[0].rows[0].cells
    left, right = header[0].text, header[1].text
    assert "UBND PHƯỜNG THÀNH ĐÔNG" in left and "Số: ……/" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right
    assert "Thành Đông, ngày 01 tháng 12 năm 2026" in right
    (motto,) = [p for p in header[1].paragraphs if p.text == "Độc lập - Tự do - Hạnh phúc"]
    assert motto.runs[0].bold and motto.runs[0].underline
    assert motto.runs[0].font.name == "Times New Roman"
    assert doc.tables[0]._tbl.tblPr.xml.count('w:val="nil"') == 6  # no borders
    closing = doc.tables[-1].rows[0].cells
    assert closing[0].paragraphs[0].text == "Nơi nhận:"
    assert closing[1].text.strip()  # signature block


async def test_dossier_groups_layout_and_rows(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> None:
    seeded, services = await seeded_services(store, clock, ward)
    result = await Dossiers(services).build(seeded.session.id, actor_id=SECRETARY_ID)
    assert result.outcome is DossierOutcome.DONE
    assert result.folder == f"{seeded.session.id}-{slug(seeded.session.title)}"
    written = write_dossier(result, tmp_path)
    folders = {p.parent.name for p in written}
    assert folders == {"01-truoc", "02-trong", "03-sau"}
    files = {f.path: f.data for f in result.files}
    for path, data in files.items():
        if path.endswith(".docx"):
            check_layout(data)

    summary = doc_text(files["01-truoc/03-bao-cao-tong-hop-y-kien.docx"])
    public = doc_text(files["01-truoc/03-bao-cao-tong-hop-y-kien-cong-khai.docx"])
    for p in seeded.petitions.values():
        if p.session_id is None:
            assert p.code not in summary
            continue
        assert p.code in summary and p.code in public and p.content in summary
        assert p.content not in public
    assert NAMES[R1] in summary and ON_BEHALF in summary
    assert all(name not in public for name in (*NAMES.values(), ON_BEHALF))
    assert "Những việc ghi nhận và báo cáo cấp trên" in summary

    # The staff table matches the database row by row; the public one has codes and fields only.
    async with store.read() as uow:
        rows = await uow.reports.petition_rows(PetitionFilter(session_id=seeded.session.id))
    sheet = load_workbook(io.BytesIO(files["01-truoc/03-bang-tong-hop-y-kien.xlsx"])).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:5] == [
        "STT",
        "Mã theo dõi",
        "Tổ chức, cá nhân nêu kiến nghị",
        "Nội dung kiến nghị",
        "Lĩnh vực",
    ] and header[-2:] == ["Đơn vị giải quyết", "Cấp giải quyết"]
    assert all(c.font.bold for c in sheet[1])
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[1] for r in body] == [r.petition.code for r in rows]
    assert [r[3] for r in body] == [r.petition.content for r in rows]
    assert [r[2] for r in body] == [r.raised_by for r in rows]
    by_code = {r[1]: r for r in body}
    b = seeded.petitions["b"]
    assert by_code[b.code][7] == "30/11/2026"
    assert by_code[b.code][8] == "Phòng Kinh tế, Hạ tầng và Đô thị"
    assert by_code[seeded.petitions["c"].code][9] == "Cấp trên"
    public_sheet = load_workbook(
        io.BytesIO(files["01-truoc/03-bang-tong-hop-y-kien-cong-khai.xlsx"])
    ).active
    assert public_sheet is not None
    flat = " ".join(str(c.value) for row in public_sheet.iter_rows() for c in row)
    assert all(name not in flat for name in (*NAMES.values(), ON_BEHALF))
    assert f"{b.code} (Môi trường)" in flat or b.code in flat

    minutes = doc_text(files["02-trong/02-bien-ban.docx"])
    assert "BIÊN BẢN" in minutes and "Hội nghị khai mạc lúc 8 giờ 00." in minutes
    assert MINUTES.splitlines()[1] in minutes
    attendees = doc_text(files["02-trong/03-danh-sach-dai-bieu.docx"])
    assert "Trần Thị Lan" in attendees and "Đèn chiếu sáng ngõ 12 Chí Linh" in attendees
    programme = doc_text(files["02-trong/01-chuong-trinh.docx"])
    assert "Nhân dân phát biểu ý kiến, kiến nghị theo thứ tự đăng ký." in programme
    conclusion = doc_text(files["03-sau/01-thong-bao-ket-luan.docx"])
    assert CONCLUSION in conclusion and "Ban hành trên hệ thống lúc" in conclusion
    assert all(name not in conclusion for name in NAMES.values())
    open_items = doc_text(files["03-sau/03-y-kien-chua-giai-quyet.docx"])
    assert b.code in open_items and "Quá hạn" in open_items
    assert seeded.petitions["d"].code in open_items  # answered, but the resident is unsatisfied
    assert seeded.petitions["a"].code not in open_items
    higher = doc_text(files["03-sau/04-kien-nghi-cap-tren.docx"])
    assert "Báo cáo UBND thành phố xem xét" in higher
    units = doc_text(files["03-sau/02-bao-cao-ket-qua-cac-don-vi.docx"])
    assert "Đã kiểm tra, lập biên bản yêu cầu tháo dỡ phần lấn chiếm." in units
    plan = doc_text(files["01-truoc/01-ke-hoach.docx"])
    assert "KẾ HOẠCH" in plan and "08:00, 20/11/2026 – 11:00" in plan
    invitation = doc_text(files["01-truoc/02-giay-moi.docx"])
    assert "GIẤY MỜI" in invitation and "trân trọng kính mời" in invitation


async def test_dossier_permissions_and_missing_session(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    seeded, services = await seeded_services(store, clock, ward)
    uc = Dossiers(services)
    assert (await uc.build(seeded.session.id, actor_id=R1)).outcome is DossierOutcome.NOT_ALLOWED
    assert (
        await uc.build(seeded.session.id, actor_id=OFFICIAL_ID)
    ).outcome is DossierOutcome.NOT_ALLOWED
    assert (await uc.build(999, actor_id=None)).outcome is DossierOutcome.NOT_FOUND


async def test_minutes_saved_with_audit(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    seeded, services = await seeded_services(store, clock, ward)
    uc = Dossiers(services)
    sid = seeded.session.id
    assert (await uc.begin_minutes(R1, sid)).outcome is DossierOutcome.NOT_ALLOWED
    assert (await uc.begin_minutes(SECRETARY_ID, sid)).outcome is DossierOutcome.DONE
    assert (await uc.save_minutes(SECRETARY_ID, sid, "   ")).outcome is DossierOutcome.EMPTY
    assert (
        await uc.save_minutes(SECRETARY_ID, sid, "x" * 20001)
    ).outcome is DossierOutcome.TOO_LONG
    text = "Biên bản mới: hội nghị có 3 người dân phát biểu, đồng chí Bí thư kết luận."
    assert (await uc.save_minutes(SECRETARY_ID, sid, text)).outcome is DossierOutcome.DONE
    async with store.read() as uow:
        saved = await uow.reports.minutes(sid)
        trail = await uow.audit.for_subject("session", str(sid))
        state = await uow.chat_states.get(SECRETARY_ID)
    assert saved is not None and saved.text == text and state is None
    assert any(e.action == "session.minutes_saved" and e.details["replaced"] for e in trail)
    result = await uc.build(sid, actor_id=SUPERVISOR_ID)
    assert result.outcome is DossierOutcome.DONE
    minutes = doc_text({f.path: f.data for f in result.files}["02-trong/02-bien-ban.docx"])
    assert text in minutes
