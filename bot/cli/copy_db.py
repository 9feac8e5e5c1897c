"""``python -m bot copy-db``: move a ward's SQLite database to an empty PostgreSQL one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from bot.cli.common import fail
from storage.copy import CopyRefused, copy_database
from storage.factory import describe, is_postgres_url


def register(app: typer.Typer) -> None:
    @app.command("copy-db")
    def copy_db(
        source: Annotated[str, typer.Option("--from", help="sqlite:///đường/dẫn.db")],
        target: Annotated[str, typer.Option("--to", help="postgresql://người-dùng@máy/csdl")],
    ) -> None:
        """Chép mọi bảng từ SQLite sang một cơ sở PostgreSQL còn trống, kiểm số dòng và mã
        kiểm tra từng bảng."""
        parts = urlsplit(source)
        if parts.scheme != "sqlite" or parts.netloc or len(parts.path) < 2:
            fail("--from phải có dạng sqlite:///đường/dẫn.db (tuyệt đối: sqlite:////…)")
        if not is_postgres_url(target):
            fail("--to phải có dạng postgresql://người-dùng:mật-khẩu@máy/tên-csdl")
        path = Path(parts.path[1:])  # as SQLAlchemy reads it: sqlite:////abs.db is absolute
        try:
            copied = asyncio.run(copy_database(path, target))
        except CopyRefused as exc:
            fail(f"không chép: {exc}")
        except OSError as exc:
            fail(f"không mở được {describe(target, path)}: {exc}")
        for table in copied:
            typer.echo(f"{table.table}: {table.rows} dòng, mã kiểm tra {table.checksum} khớp")
        total = sum(table.rows for table in copied)
        typer.echo(f"Đã chép {len(copied)} bảng, {total} dòng sang {describe(target, path)}")
