"""Command line: ``python -m bot run | check-config | demo``.

Every failure a ward admin can cause (bad token, unreachable API, malformed config) ends in one
line saying what to fix and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Annotated

import typer

from bot.cli.common import fail, load_settings, load_ward, open_store
from bot.cli.paper import register as register_paper
from bot.cli.reports import register as register_reports
from bot.cli.sessions import session_app
from bot.settings import BotMode, Settings
from messages import label

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Nghe Dân Nói – bot Telegram đối thoại giữa chính quyền phường và Nhân dân.",
)

EXIT_TELEGRAM = 3


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _counted(codes: Iterable[str]) -> str:
    listed = list(codes)
    return f"{len(listed)} – {', '.join(listed)}" if listed else "chưa có"


@app.command("check-config")
def check_config() -> None:
    """Kiểm tra thiết lập và tệp cấu hình phường, in tóm tắt."""
    settings = load_settings()
    ward = load_ward(settings.ward_config)
    roles = Counter(label(f"roles.{member.role.value}") for member in ward.staff)
    typer.echo(f"Phường: {ward.ward.name} (mã {ward.ward.code}, múi giờ {ward.ward.timezone})")
    typer.echo(f"Tổ dân phố: {_counted(g.code for g in ward.groups)}")
    typer.echo(f"Đơn vị: {_counted(u.code for u in ward.units)}")
    staff = ", ".join(f"{r}: {n}" for r, n in sorted(roles.items()))
    typer.echo(f"Cán bộ: {staff or 'chưa có (thêm [[staff]] vào tệp cấu hình phường)'}")
    typer.echo(f"Đơn vị báo cáo kết quả sau: {ward.ward.agency_report_working_days} ngày làm việc")
    typer.echo(f"Cơ sở dữ liệu: {settings.database_path}")
    typer.echo(f"Telegram API: {settings.telegram_api_base_url}")
    mode = "long polling (bot hỏi Telegram tin mới)"
    if settings.bot_mode is BotMode.WEBHOOK:
        mode = (
            f"webhook ({settings.webhook_url}, nghe {settings.webhook_listen}:"
            f"{settings.webhook_port})"
        )
    typer.echo(f"Chế độ nhận tin: {mode}")
    typer.echo("Cấu hình hợp lệ.")


async def prepare_database(settings: Settings) -> None:
    """Create, open and migrate the database the way every other command does, so a path that
    cannot hold it ends in the same one line before anything starts."""
    store = await open_store(settings.database_path)
    await store.close()


@app.command()
def run() -> None:
    """Chạy bot (long polling, hoặc webhook nếu BOT_MODE=webhook)."""
    from bot.channels.telegram.app import build_application, serve
    from bot.channels.telegram.preflight import preflight

    settings = load_settings()
    ward = load_ward(settings.ward_config)
    configure_logging(settings.log_level)
    asyncio.run(prepare_database(settings))
    problem = asyncio.run(preflight(settings))
    if problem is not None:
        fail(problem, EXIT_TELEGRAM)
    serve(build_application(settings, ward, tune_gc=True), settings)


@app.command()
def demo(
    role: Annotated[
        str,
        typer.Option(
            "--as",
            help="Vai: resident, secretary, official, supervisor, admin.",
        ),
    ] = "resident",
) -> None:
    """Chạy thử không cần token: máy chủ Telegram giả + bot thật + khung chat trong terminal."""
    from bot.cli.demo import ROLES, run_demo

    if role not in ROLES:
        fail(f"--as phải là một trong: {', '.join(ROLES)}")
    run_demo(role)


app.add_typer(session_app, name="session")
register_reports(app)
register_paper(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
