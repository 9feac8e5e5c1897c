"""``python -m bot session ...`` against a temporary database: ids, JSON, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, TOKEN


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "WARD_CONFIG": str(ROOT / "ward.example.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "session", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_create_publish_list_update_cancel(tmp_path: Path) -> None:
    created = run(
        tmp_path,
        "create",
        "--kind",
        "periodic",
        "--title",
        "Đối thoại năm 2031",
        "--start",
        "2031-03-14 08:00",
        "--end",
        "11:00",
        "--venue",
        "Nhà văn hóa TDP Chí Linh 1",
        "--lat",
        "21.02",
        "--lon",
        "105.84",
        "--groups",
        "TDP1,TDP2",
        "--capacity",
        "80",
        "--host",
        "both",
        "--publish",
    )
    assert created.returncode == 0, created.stderr
    session_id = created.stdout.strip().splitlines()[-1]
    assert session_id == "1"
    listed = run(tmp_path, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["start"] == "2031-03-14 08:00" and row["end"] == "2031-03-14 11:00"
    assert row["status"] == "published" and row["groups"] == ["TDP1", "TDP2"]
    moved = run(tmp_path, "update", session_id, "--venue", "Hội trường UBND phường")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(run(tmp_path, "list", "--json").stdout)[0]["version"] == 2
    cancelled = run(tmp_path, "cancel", session_id, "--reason", "Trùng lịch")
    assert cancelled.returncode == 0, cancelled.stderr
    assert json.loads(run(tmp_path, "list", "--json").stdout) == []
    weekly = run(tmp_path, "weekly", "--weeks", "2")
    assert weekly.returncode == 0 and "Đã tạo 2 buổi." in weekly.stdout


def test_validation_errors_are_one_line(tmp_path: Path) -> None:
    bad_time = run(tmp_path, "create", "--kind", "urgent", "--title", "X", "--start", "mai")
    assert bad_time.returncode != 0
    assert bad_time.stderr.strip().count("\n") == 0 and "YYYY-MM-DD HH:MM" in bad_time.stderr
    online = run(
        tmp_path,
        "create",
        "--kind",
        "urgent",
        "--title",
        "X",
        "--form",
        "online",
        "--start",
        "2031-03-14 08:00",
    )
    assert online.returncode != 0 and "đường link" in online.stderr
    assert len(online.stderr.strip().splitlines()) == 1
    unknown = run(
        tmp_path,
        "create",
        "--kind",
        "periodic",
        "--title",
        "X",
        "--venue",
        "Y",
        "--groups",
        "NOPE",
        "--start",
        "2031-03-14 08:00",
    )
    assert unknown.returncode != 0 and "tổ dân phố" in unknown.stderr
    assert run(tmp_path, "cancel", "42", "--reason", "x").returncode != 0
