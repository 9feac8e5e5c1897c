"""Render a sample of every document the bot produces into docs/samples/ (run from the repo root):

    .venv/bin/python docs/samples/make_samples.py

The data is the fictitious session of tests/reports_seed.py, at a fixed (injected) date. With
LibreOffice (``soffice``) and poppler (``pdftoppm``) installed, each .docx is also converted to
PDF and its first page to PNG, so the layout can be checked without Word.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.domain.reporting import PetitionFilter, parse_period  # noqa: E402
from bot.domain.ward import load_ward_config  # noqa: E402
from bot.usecases.dossier import Dossiers, write_dossier  # noqa: E402
from bot.usecases.reports import Reports  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402
from tests.reports_seed import local, seeded_services  # noqa: E402

OUT = Path(__file__).resolve().parent


async def generate(work: Path) -> list[Path]:
    ward = load_ward_config(ROOT / "ward.example.toml")
    clock = ManualClock(local(2026, 12, 1, 9))
    store = await SqliteStore.open(work / "samples.db")
    written: list[Path] = []
    try:
        seeded, services = await seeded_services(store, clock, ward)
        result = await Dossiers(services).build(seeded.session.id, actor_id=None)
        for path in write_dossier(result, work):
            target = OUT / "dossier" / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
        reports = Reports(services)
        for text in ("2026-11", "2026-Q4", "2026"):
            period = parse_period(text)
            assert period is not None
            for item in await reports.files_for(period):
                target = OUT / "reports" / item.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(item.data)
                written.append(target)
        export = OUT / "reports" / "xuat-y-kien.xlsx"
        export.write_bytes(await reports.export_petitions(PetitionFilter()))
        written.append(export)
    finally:
        await store.close()
    return written


def convert(docx: Path) -> list[Path]:
    """PDF beside the .docx, and page 1 as PNG (if LibreOffice and pdftoppm are installed)."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None:
        return []
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = docx.with_suffix(".pdf")
    made = [pdf]
    stem = docx.with_suffix("")
    if pdftoppm is not None:
        subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    else:  # LibreOffice renders the first page itself
        subprocess.run(
            [soffice, "--headless", "--convert-to", "png", "--outdir", str(docx.parent), str(docx)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    made.append(stem.with_suffix(".png"))
    return made


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        written = asyncio.run(generate(Path(work)))
    for path in list(written):
        if path.suffix == ".docx":
            written.extend(convert(path))
    for path in sorted(written):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
