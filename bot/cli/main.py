"""Command line: ``python -m bot run | check-config | demo``.

Every failure a ward admin can cause (bad token, unreachable API, malformed config) ends in one
line saying what to fix and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from telegram import Update

from bot.domain.ward import ConfigError, WardConfig, load_ward_config
from bot.settings import BotMode, Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Nghe Dân Nói – bot Telegram đối thoại giữa chính quyền phường và Nhân dân.",
)

EXIT_CONFIG = 2
EXIT_TELEGRAM = 3


def fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = "_".join(str(p) for p in err["loc"]).upper()
            text = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{key}: {text}" if key else text)
        fail("thiết lập (.env / biến môi trường) " + "; ".join(problems))


def load_ward(path: Path) -> WardConfig:
    try:
        return load_ward_config(path)
    except ConfigError as exc:
        fail(str(exc))


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


@app.command("check-config")
def check_config() -> None:
    """Kiểm tra thiết lập và tệp cấu hình phường, in tóm tắt."""
    settings = load_settings()
    ward = load_ward(settings.ward_config)
    roles = Counter(member.role.value for member in ward.staff)
    typer.echo(f"Phường: {ward.ward.name} (mã {ward.ward.code}, múi giờ {ward.ward.timezone})")
    typer.echo(f"Tổ dân phố: {len(ward.groups)} – " + ", ".join(g.code for g in ward.groups))
    typer.echo(f"Đơn vị: {len(ward.units)} – " + ", ".join(u.code for u in ward.units))
    typer.echo("Cán bộ: " + (", ".join(f"{r} {n}" for r, n in sorted(roles.items())) or "0"))
    typer.echo(f"Đơn vị báo cáo kết quả sau: {ward.ward.agency_report_working_days} ngày làm việc")
    typer.echo(f"Cơ sở dữ liệu: {settings.database_path}")
    typer.echo(f"Telegram API: {settings.telegram_api_base_url}")
    mode = settings.bot_mode.value
    if settings.bot_mode is BotMode.WEBHOOK:
        mode += f" ({settings.webhook_url}, nghe {settings.webhook_listen}:{settings.webhook_port})"
    typer.echo(f"Chế độ: {mode}")
    typer.echo("Cấu hình hợp lệ.")


async def preflight(settings: Settings) -> None:
    """Ask Telegram who we are before starting, so a bad token or an unreachable API ends in one
    line instead of python-telegram-bot's retry-loop tracebacks."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
    )
    try:
        async with bot:
            await bot.get_me()
    except InvalidToken:
        fail("Telegram từ chối TELEGRAM_BOT_TOKEN; lấy lại token từ @BotFather.", EXIT_TELEGRAM)
    except NetworkError as exc:
        fail(
            f"không kết nối được tới {settings.telegram_api_base_url} ({exc}); "
            "kiểm tra mạng hoặc TELEGRAM_API_BASE_URL.",
            EXIT_TELEGRAM,
        )
    except TelegramError as exc:
        fail(f"Telegram báo lỗi khi khởi động: {exc}", EXIT_TELEGRAM)


@app.command()
def run() -> None:
    """Chạy bot (long polling, hoặc webhook nếu BOT_MODE=webhook)."""
    from bot.channels.telegram.app import build_application, webhook_options

    settings = load_settings()
    ward = load_ward(settings.ward_config)
    configure_logging(settings.log_level)
    asyncio.run(preflight(settings))
    application = build_application(settings, ward, tune_gc=True)
    if settings.bot_mode is BotMode.WEBHOOK:
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


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


from bot.cli.sessions import session_app  # noqa: E402

app.add_typer(session_app, name="session")

from bot.cli.reports import register as register_reports  # noqa: E402

register_reports(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
