"""``python -m bot session ...`` against a temporary database: ids, JSON, one-line errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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


def _published(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        row = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'session.published'")
        return int(row.fetchone()[0])


def test_publishing_a_published_session_is_a_no_op(tmp_path: Path) -> None:
    """A script that re-runs the yearly plan publishes again: it says so and exits 0."""
    created = run(
        tmp_path,
        "create",
        "--kind",
        "periodic",
        "--title",
        "Đối thoại năm 2031",
        "--start",
        "2031-03-14 08:00",
        "--venue",
        "Nhà văn hóa TDP Chí Linh 1",
        "--publish",
    )
    assert created.returncode == 0, created.stderr
    sid = created.stdout.strip().splitlines()[-1]
    again = run(tmp_path, "update", sid, "--publish")
    assert again.returncode == 0, again.stderr
    assert "đã công bố từ trước" in again.stdout and again.stderr == ""
    assert again.stdout.strip().splitlines()[-1] == sid
    moved = run(tmp_path, "update", sid, "--venue", "Hội trường UBND phường", "--publish")
    assert moved.returncode == 0, moved.stderr
    assert "Đã sửa (phiên bản 2)" in moved.stdout and "đã công bố từ trước" in moved.stdout
    [row] = json.loads(run(tmp_path, "list", "--json").stdout)
    assert row["venue"] == "Hội trường UBND phường" and row["status"] == "published"
    assert _published(tmp_path) == 1


def test_outputs_say_what_is_missing_in_words(tmp_path: Path) -> None:
    soon = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=3)
    draft = run(
        tmp_path,
        "create",
        "--kind",
        "periodic",
        "--title",
        "Đối thoại gấp",
        "--start",
        f"{soon:%Y-%m-%d} 08:00",
        "--venue",
        "Hội trường UBND phường",
    )
    assert draft.returncode == 0, draft.stderr
    assert "Lý do công bố muộn: chưa có — cần --reason khi công bố" in draft.stdout
    online = run(
        tmp_path,
        "create",
        "--kind",
        "thematic",
        "--title",
        "Đối thoại trực tuyến",
        "--start",
        "2031-03-14 08:00",
        "--form",
        "online",
        "--link",
        "https://meet.example.vn/x",
        "--social",
        "youth",
    )
    assert online.returncode == 0, online.stderr
    listed = run(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "[Nháp]" in listed.stdout and "– Trực tuyến" in listed.stdout
    for out in (draft.stdout, online.stdout, listed.stdout):
        assert "None" not in out and "[]" not in out and "draft" not in out
