"""``python -m bot export dossier|petitions`` and ``python -m bot report ...`` in a subprocess,
against a database filled with the sample data: paths printed, files readable, one-line errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from storage.sqlite import SqliteStore
from tests.conftest import ROOT, TOKEN
from tests.reports_seed import NAMES, R2, seeded_services


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "WARD_CONFIG": str(ROOT / "ward.example.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


async def fill(tmp_path: Path, clock: ManualClock, ward: WardConfig) -> int:
    store = await SqliteStore.open(tmp_path / "cli.db")
    try:
        seeded, _ = await seeded_services(store, clock, ward)
    finally:
        await store.close()
    return seeded.session.id


async def test_export_dossier_and_petitions(
    tmp_path: Path, clock: ManualClock, ward: WardConfig
) -> None:
    sid = await fill(tmp_path, clock, ward)
    done = run(tmp_path, "export", "dossier", "--session", str(sid), "--out", "hoso")
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert len(paths) == 15 and all((tmp_path / p).is_file() for p in paths)
    assert {p.parent.name for p in paths} == {"01-truoc", "02-trong", "03-sau"}
    assert all(p.parts[1].startswith(f"{sid}-doi-thoai-dinh-ky-nam-2026") for p in paths)
    plan = next(p for p in paths if p.name == "01-ke-hoach.docx")
    text = "\n".join(c.text for c in Document(str(tmp_path / plan)).tables[0].rows[0].cells)
    assert "Độc lập - Tự do - Hạnh phúc" in text and "UBND PHƯỜNG THÀNH ĐÔNG" in text

    missing = run(tmp_path, "export", "dossier", "--session", "999", "--out", "hoso")
    assert missing.returncode != 0 and missing.stderr.strip().count("\n") == 0
    assert "999" in missing.stderr

    out = run(tmp_path, "export", "petitions", "--out", "all.xlsx")
    assert out.returncode == 0, out.stderr and out.stdout.strip() == "all.xlsx"
    sheet = load_workbook(tmp_path / "all.xlsx").active
    assert sheet is not None and sheet.max_row == 1 + 6
    kt = run(
        tmp_path,
        "export",
        "petitions",
        "--out",
        "kt.xlsx",
        "--unit",
        "KT",
        "--status",
        "assigned",
        "--from",
        "2026-11-01",
        "--to",
        "30/11/2026",
    )
    assert kt.returncode == 0, kt.stderr
    sheet = load_workbook(tmp_path / "kt.xlsx").active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1 and rows[0][5] == NAMES[R2]
    assert rows[0][6] == "Điểm tập kết rác đầu ngõ 45 gây ô nhiễm, đề nghị di dời."
    env = run(tmp_path, "export", "petitions", "--out", "e.xlsx", "--field", "environment")
    assert env.returncode == 0
    sheet = load_workbook(tmp_path / "e.xlsx").active
    assert sheet is not None and sheet.max_row == 2
    bad = run(tmp_path, "export", "petitions", "--out", "x.xlsx", "--status", "lost")
    assert bad.returncode != 0 and bad.stderr.strip().count("\n") == 0
    bad_unit = run(tmp_path, "export", "petitions", "--out", "x.xlsx", "--unit", "ZZ")
    assert bad_unit.returncode != 0 and "ZZ" in bad_unit.stderr


async def test_report_commands(tmp_path: Path, clock: ManualClock, ward: WardConfig) -> None:
    await fill(tmp_path, clock, ward)
    monthly = run(tmp_path, "report", "monthly", "--period", "2026-11", "--out", "bc")
    assert monthly.returncode == 0, monthly.stderr
    names = [Path(line).name for line in monthly.stdout.splitlines()]
    assert names == ["bieu-do-thang-2026-11.png", "tong-hop-thang-2026-11.xlsx"]
    assert (tmp_path / "bc" / names[0]).read_bytes()[:4] == b"\x89PNG"
    book = load_workbook(tmp_path / "bc" / names[1])
    assert "Theo lĩnh vực" in book.sheetnames and "Quá hạn" in book.sheetnames
    quarterly = run(tmp_path, "report", "quarterly", "--period", "2026-Q4", "--out", "bc")
    assert quarterly.returncode == 0, quarterly.stderr
    word = tmp_path / quarterly.stdout.splitlines()[0]
    text = "\n".join(p.text for p in Document(io.BytesIO(word.read_bytes())).paragraphs)
    assert "quý 4 năm 2026" in text and "ĐÃ ĐẠT" in text
    annual = run(tmp_path, "report", "annual", "--period", "2026", "--out", "bc")
    assert annual.returncode == 0 and annual.stdout.count("\n") == 2
    wrong = run(tmp_path, "report", "quarterly", "--period", "2026-13", "--out", "bc")
    assert wrong.returncode != 0 and "2026-Q4" in wrong.stderr
    assert wrong.stderr.strip().count("\n") == 0
