"""Every command opens the database the same way (issue 12, item 4): a path that does not exist
yet is created and migrated, by ``report``/``export`` as by ``run`` and ``session``; a path that
cannot hold a database is one line naming DATABASE_PATH, before anything else happens."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, TOKEN


def run(tmp_path: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        # nothing listens there: a command that got past the database would fail differently
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "DATABASE_PATH": str(database),
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


def _tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


COMMANDS = [
    ("report", "monthly", "--period", "2026-11", "--out", "bc"),
    ("report", "annual", "--period", "2026", "--out", "bc"),
    ("export", "petitions", "--out", "all.xlsx"),
    ("session", "list"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_new_database_is_created_and_migrated(tmp_path: Path, command: tuple[str, ...]) -> None:
    database = tmp_path / "new" / "folder" / "nghe-dan-noi.db"
    done = run(tmp_path, database, *command)
    assert done.returncode == 0, done.stderr
    assert database.is_file()
    assert {"schema_migrations", "petitions", "sessions", "outbox"} <= _tables(database)


@pytest.mark.parametrize(
    "command", [*COMMANDS, ("run",)], ids=lambda c: " ".join(c[:2]) if c[0] != "run" else "run"
)
def test_an_unusable_path_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    done = run(tmp_path, tmp_path / "a-file" / "db.sqlite", *command)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "DATABASE_PATH" in done.stderr and "a-file" in done.stderr
