"""Which store a deployment uses (issue 16): ``DATABASE_URL`` selects PostgreSQL, else SQLite at
``DATABASE_PATH``; ``check-config`` names it in one line without the password; ``migrate``
brings either to the last migration and prints the version; a database that cannot be opened
is one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.postgres.store import migrations as pg_migrations
from storage.sqlite import migrations as sqlite_migrations
from tests.conftest import ROOT, TOKEN
from tests.postgres import PgCluster

LATEST = sqlite_migrations()[-1][0]


def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WARD_CONFIG": str(ROOT / "ward.example.toml"),
        "DATABASE_PATH": str(tmp_path / "ward.db"),
        # the worktree's code, not whatever the editable install points at
        "PYTHONPATH": str(ROOT),
        **env,
    }
    if "DATABASE_URL" not in env:
        full.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=tmp_path,
        timeout=60,
    )


def with_password(url: str) -> str:
    return url.replace("ndn@", "ndn:s3cr3t-pass@", 1)


def test_both_engines_have_the_same_migration_numbers() -> None:
    assert [v for v, _, _ in pg_migrations()] == [v for v, _, _ in sqlite_migrations()]


def test_migrate_on_sqlite_prints_the_version(tmp_path: Path) -> None:
    done = cli(tmp_path, "migrate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Cơ sở dữ liệu SQLite {tmp_path / 'ward.db'}: phiên bản {LATEST}"
    again = cli(tmp_path, "migrate")
    assert again.returncode == 0 and f"phiên bản {LATEST}" in again.stdout


async def test_migrate_on_postgresql_from_an_empty_database(
    tmp_path: Path, pg_cluster: PgCluster
) -> None:
    url = await pg_cluster.empty_database()
    try:
        done = cli(tmp_path, "migrate", DATABASE_URL=with_password(url))
        assert done.returncode == 0, done.stderr
        line = done.stdout.strip()
        assert line.startswith("Cơ sở dữ liệu PostgreSQL ndn@") and line.endswith(
            f": phiên bản {LATEST}"
        )
        assert "s3cr3t" not in done.stdout + done.stderr
        assert not (tmp_path / "ward.db").exists()
        config = cli(tmp_path, "check-config", DATABASE_URL=with_password(url))
        assert config.returncode == 0, config.stderr
        lines = [x for x in config.stdout.splitlines() if x.startswith("Cơ sở dữ liệu:")]
        assert len(lines) == 1 and lines[0].startswith("Cơ sở dữ liệu: PostgreSQL ndn@")
        assert "s3cr3t" not in config.stdout
    finally:
        await pg_cluster.drop_database(url)


def test_check_config_names_sqlite_when_database_url_is_unset(tmp_path: Path) -> None:
    done = cli(tmp_path, "check-config")
    assert done.returncode == 0, done.stderr
    assert f"Cơ sở dữ liệu: SQLite {tmp_path / 'ward.db'}" in done.stdout.splitlines()


@pytest.mark.parametrize("command", [("migrate",), ("session", "list")])
def test_an_unreachable_postgresql_is_one_line_naming_database_url(
    tmp_path: Path, pg_cluster: PgCluster, command: tuple[str, ...]
) -> None:
    url = with_password(pg_cluster.url("no_such_database"))
    done = cli(tmp_path, *command, DATABASE_URL=url)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0] and "no_such_database" in lines[0]
    assert "s3cr3t" not in done.stderr + done.stdout


def test_a_database_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    done = cli(tmp_path, "check-config", DATABASE_URL="mysql://u:p@h/db")
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr and "postgresql://" in done.stderr
    assert "u:p" not in done.stderr
