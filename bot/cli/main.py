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

from bot.cli.common import fail, load_settings, load_ward, open_store, store_description
from bot.cli.paper import register as register_paper
from bot.cli.reports import register as register_reports
from bot.cli.sessions import session_app
from bot.cli.zalo import zalo_app
from bot.settings import BotMode, Settings
from messages import label

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Nghe Dân Nói – bot Telegram và Zalo đối thoại giữa chính quyền phường và Nhân dân.",
)

EXIT_TELEGRAM = 3
EXIT_WEB = 4


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
    typer.echo(f"Cơ sở dữ liệu: {store_description(settings)}")
    for line in channel_lines(settings, asyncio.run(zalo_tokens_stored(settings))):
        typer.echo(line)
    typer.echo("Cấu hình hợp lệ.")


def channel_lines(settings: Settings, zalo_tokens: bool) -> list[str]:
    """One line per channel (on, how, what is missing) and one for the web server."""
    lines = []
    if settings.telegram_on:
        mode = "long polling (bot hỏi Telegram tin mới)"
        if settings.bot_mode is BotMode.WEBHOOK:
            mode = f"webhook {settings.webhook_url}"
        lines.append(f"Telegram: bật, {mode}, API {settings.telegram_api_base_url}")
    else:
        lines.append("Telegram: tắt (đặt TELEGRAM_BOT_TOKEN để bật)")
    if settings.zalo_on:
        where = settings.zalo_webhook_path
        if settings.web_public_url:
            where = settings.web_public_url.rstrip("/") + where
        if zalo_tokens:
            tokens = "token đã lưu trong cơ sở dữ liệu"
        elif settings.secret("zalo_oa_access_token") and settings.secret("zalo_oa_refresh_token"):
            tokens = "token lấy từ ZALO_OA_ACCESS_TOKEN / ZALO_OA_REFRESH_TOKEN khi chạy"
        else:
            tokens = "thiếu token: chạy python -m bot zalo connect"
        rate = f"{settings.zalo_rate_per_minute:g}"
        if not settings.web_public_url:
            tokens += "; thiếu WEB_PUBLIC_URL: tệp .ics gửi qua Zalo không có liên kết"
        lines.append(f"Zalo: bật, webhook {where}, tối đa {rate} lượt gọi/phút, {tokens}")
    else:
        lines.append("Zalo: tắt (đặt ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY để bật)")
    public = f", địa chỉ công khai {settings.web_public_url}" if settings.web_public_url else ""
    lines.append(
        f"Máy chủ web: nghe {settings.web_listen}:{settings.web_port} "
        f"(WEB_LISTEN/WEB_PORT){public}, kiểm tra sức khỏe tại /healthz"
    )
    return lines


async def zalo_tokens_stored(settings: Settings) -> bool:
    if not settings.zalo_on:
        return False
    store = await open_store(settings)
    try:
        async with store.read() as uow:
            return await uow.tokens.get("zalo") is not None
    finally:
        await store.close()


async def prepare_database(settings: Settings) -> None:
    """Create, open and migrate the database the way every other command does, so a path that
    cannot hold it ends in the same one line before anything starts."""
    store = await open_store(settings)
    await store.close()


@app.command()
def migrate() -> None:
    """Áp dụng các bản chuyển đổi cơ sở dữ liệu còn thiếu (SQLite hoặc PostgreSQL), in phiên bản."""
    settings = load_settings()
    configure_logging(settings.log_level)

    async def main() -> int:
        store = await open_store(settings)
        try:
            return await store.schema_version()
        finally:
            await store.close()

    version = asyncio.run(main())
    typer.echo(f"Cơ sở dữ liệu {store_description(settings)}: phiên bản {version}")


@app.command()
def run() -> None:
    """Chạy bot trên mọi kênh đã bật và máy chủ web (webhook Zalo, /healthz)."""
    from bot.runtime.serve import serve
    from bot.web.server import WebServerError

    settings = load_settings()
    ward = load_ward(settings.ward_config)
    configure_logging(settings.log_level)
    asyncio.run(prepare_database(settings))
    if settings.telegram_on:
        from bot.channels.telegram.preflight import preflight

        problem = asyncio.run(preflight(settings))
        if problem is not None:
            fail(problem, EXIT_TELEGRAM)
    try:
        asyncio.run(serve(settings, ward))
    except WebServerError as exc:
        fail(
            f"máy chủ web không nghe được trên {exc} (cổng đang bận hoặc địa chỉ sai; "
            "kiểm tra WEB_LISTEN, WEB_PORT)",
            EXIT_WEB,
        )


@app.command()
def demo(
    role: Annotated[
        str,
        typer.Option(
            "--as",
            help="Vai: resident, secretary, official, supervisor, admin.",
        ),
    ] = "resident",
    channel: Annotated[
        str, typer.Option("--channel", help="Kênh chạy thử: telegram hoặc zalo.")
    ] = "telegram",
) -> None:
    """Chạy thử không cần token: máy chủ Telegram/Zalo giả, bot thật, khung chat trong terminal."""
    from bot.cli.demo import ROLES, run_demo

    if role not in ROLES:
        fail(f"--as phải là một trong: {', '.join(ROLES)}")
    if channel == "zalo":
        from bot.cli.demo_zalo import run_zalo_demo

        run_zalo_demo(role)
    elif channel == "telegram":
        run_demo(role)
    else:
        fail("--channel phải là telegram hoặc zalo")


app.add_typer(session_app, name="session")
app.add_typer(zalo_app, name="zalo")
register_reports(app)
register_paper(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
