"""``python -m bot demo`` works without a token: a scripted terminal chat through onboarding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def demo(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WARD_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_demo_resident_onboards_with_buttons_by_number() -> None:
    result = demo("/start\n1\nNguyễn Văn Minh\n2\n:contact\n/hoso\n:sticker\n:quit\n", cwd=ROOT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Nghe Dân Nói" in out and "[1] ▸ ✅ Đồng ý" in out
    assert "Bước 1/3" in out and "Bước 2/3" in out and "Bước 3/3" in out
    assert "⌨ 📱 Chia sẻ số điện thoại" in out
    assert "Đăng ký xong. Cảm ơn Nguyễn Văn Minh!" in out
    assert "✎ (đã sửa)" in out, "edits are shown"
    assert "Số điện thoại: 0912345678" in out
    assert "sticker" in out


def test_demo_as_secretary_shows_the_staff_menu(tmp_path: Path) -> None:
    result = demo("/start\n:quit\n", "--as", "secretary", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Nguyễn Thị Thư" in result.stdout and "Gửi thông báo" in result.stdout


def test_demo_rejects_an_unknown_role() -> None:
    result = demo("", "--as", "mayor", cwd=ROOT)
    assert result.returncode == 2 and "--as" in result.stderr


def test_demo_on_zalo_onboards_through_the_fake_oa() -> None:
    result = demo("1\n1\n1\n:contact\n3\n:quit\n", "--channel", "zalo", cwd=ROOT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Nghe Dân Nói trên Zalo" in out and "[1] ▸ ✅ Đồng ý" in out
    assert "Bước 1/3" in out and "Bước 2/3" in out and "Bước 3/3" in out
    assert "[biểu mẫu xin số điện thoại]" in out
    assert "Đăng ký xong. Cảm ơn Nguyễn Văn Minh!" in out
    assert "[3] ▸ 📋 Ý kiến của tôi" in out


def test_demo_on_zalo_as_an_official_reaches_the_staff_menu() -> None:
    result = demo("/start\n:quit\n", "--channel", "zalo", "--as", "official", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Xin chào Lê Văn Kinh" in result.stdout and "▸ 🗂 Việc của đơn vị" in result.stdout


def test_demo_rejects_an_unknown_channel() -> None:
    result = demo("", "--channel", "viber", cwd=ROOT)
    assert result.returncode == 2 and "--channel" in result.stderr
