"""``python -m bot report ...`` and ``python -m bot export ...``: the dossier of a session, the
periodic reports and the export of petitions, written into files for the office's archive.

Same database (DATABASE_PATH) and same use cases as the bot. Each command prints the path of
every file it wrote, one per line; a failure is one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.cli.common import fail, with_services
from bot.domain.petitions import FieldOfConcern, Status
from bot.domain.reporting import PeriodKind, PetitionFilter, parse_period
from bot.usecases.common import Services
from bot.usecases.dossier import DossierOutcome, Dossiers, write_dossier
from bot.usecases.reports import Reports

T = TypeVar("T")
report_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Báo cáo định kỳ: tổng hợp tháng, báo cáo quý, báo cáo năm gửi Thành ủy.",
)
export_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Xuất hồ sơ hội nghị đối thoại và danh sách ý kiến, kiến nghị.",
)

OutDir = Annotated[Path, typer.Option("--out", help="thư mục ghi tệp")]
PeriodOpt = Annotated[
    str, typer.Option("--period", help="2026-11 (tháng), 2026-Q4 (quý), 2026 (năm)")
]


def _run(work: Callable[[Services], Awaitable[T]]) -> T:
    return with_services(work)


def _out_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"không tạo được thư mục {path}: {exc.strerror}")
    return path


def _report(kind: PeriodKind, period_text: str, out: Path) -> None:
    period = parse_period(period_text)
    if period is None or period.kind is not kind:
        examples = {
            PeriodKind.MONTHLY: "2026-11",
            PeriodKind.QUARTERLY: "2026-Q4",
            PeriodKind.ANNUAL: "2026",
        }
        fail(f'--period "{period_text}" không đúng dạng, ví dụ: {examples[kind]}')
    folder = _out_dir(out)

    async def work(services: Services) -> list[Path]:
        written = []
        for item in await Reports(services).files_for(period):
            target = folder / item.name
            target.write_bytes(item.data)
            written.append(target)
        return written

    for path in _run(work):
        typer.echo(str(path))


@report_app.command("monthly")
def monthly(period: PeriodOpt, out: OutDir) -> None:
    """Tổng hợp ý kiến, kiến nghị của một tháng: biểu đồ .png và bảng .xlsx."""
    _report(PeriodKind.MONTHLY, period, out)


@report_app.command("quarterly")
def quarterly(period: PeriodOpt, out: OutDir) -> None:
    """Dự thảo báo cáo quý gửi Thành ủy (.docx) và bảng số liệu (.xlsx)."""
    _report(PeriodKind.QUARTERLY, period, out)


@report_app.command("annual")
def annual(period: PeriodOpt, out: OutDir) -> None:
    """Dự thảo báo cáo năm gửi Thành ủy (.docx) và bảng số liệu (.xlsx)."""
    _report(PeriodKind.ANNUAL, period, out)


@export_app.command("dossier")
def dossier(
    session_id: Annotated[int, typer.Option("--session", help="mã buổi đối thoại")],
    out: OutDir,
) -> None:
    """Hồ sơ hội nghị: <thư mục>/<mã>-<tên>/01-truoc, 02-trong, 03-sau."""
    folder = _out_dir(out)

    async def work(services: Services) -> list[Path]:
        result = await Dossiers(services).build(session_id, actor_id=None)
        if result.outcome is DossierOutcome.NOT_FOUND:
            fail(f"không có buổi đối thoại số {session_id}")
        return write_dossier(result, folder)

    for path in _run(work):
        typer.echo(str(path))


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    fail(f'{option} "{text}" không đúng dạng YYYY-MM-DD hoặc DD/MM/YYYY')


@export_app.command("petitions")
def petitions(
    out: Annotated[Path, typer.Option("--out", help="tệp .xlsx")],
    since: Annotated[str | None, typer.Option("--from", help="từ ngày (tiếp nhận)")] = None,
    until: Annotated[str | None, typer.Option("--to", help="đến hết ngày")] = None,
    session_id: Annotated[int | None, typer.Option("--session")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="mã đơn vị, ví dụ KT")] = None,
    status: Annotated[str | None, typer.Option("--status", help="received|assigned|…")] = None,
    field: Annotated[str | None, typer.Option("--field", help="land|environment|…")] = None,
) -> None:
    """Toàn bộ ý kiến, kiến nghị (bản nội bộ, có tên người nêu) ra một tệp .xlsx."""
    if out.suffix.lower() != ".xlsx":
        fail("--out phải là tệp .xlsx")
    try:
        status_value = Status(status) if status else None
    except ValueError:
        fail(f"--status phải là một trong: {', '.join(s.value for s in Status)}")
    try:
        field_value = FieldOfConcern(field) if field else None
    except ValueError:
        fail(f"--field phải là một trong: {', '.join(f.value for f in FieldOfConcern)}")
    first, last = _day(since, "--from"), _day(until, "--to")
    if first and last and last < first:
        fail("--to phải sau --from")
    _out_dir(out.parent)

    async def work(services: Services) -> Path:
        if unit is not None and services.ward.unit(unit) is None:
            codes = ", ".join(u.code for u in services.ward.units)
            known = f"các mã: {codes}" if codes else "tệp cấu hình phường chưa có đơn vị nào"
            fail(f"không có đơn vị {unit}; {known}")
        tz = services.ward.tz
        flt = PetitionFilter(
            since=datetime.combine(first, time(0), tz) if first else None,
            until=datetime.combine(last + timedelta(days=1), time(0), tz) if last else None,
            session_id=session_id,
            field=field_value,
            unit_code=unit,
            status=status_value,
        )
        out.write_bytes(await Reports(services).export_petitions(flt))
        return out

    typer.echo(str(_run(work)))


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(export_app, name="export")
