"""Settings and ward config: valid files load; every mistake is one precise line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.domain.ward import ConfigError, Role, load_ward_config
from bot.settings import BotMode, Settings
from tests.conftest import ROOT


def test_example_ward_config_loads() -> None:
    ward = load_ward_config(ROOT / "ward.example.toml")
    assert ward.ward.code == "TD" and ward.ward.agency_report_working_days == 7
    assert [g.code for g in ward.groups] == ["TDP1", "TDP2", "TDP3"]
    assert {m.role for m in ward.staff} == set(Role)
    assert (
        ward.staff_member("telegram", "900003") is not None
        and ward.staff_member("telegram", "1") is None
    )
    assert str(ward.tz) == "Asia/Ho_Chi_Minh"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ward.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
[ward]
name = "Phường X"
code = "PX"
[[groups]]
code = "T1"
name = "Tổ 1"
[[units]]
code = "KT"
name = "Kinh tế"
"""


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ('[[staff]]\ntelegram_id = 5\nfull_name = "A"\nrole = "official"\n', "staff.0"),
        ('[[staff]]\ntelegram_id = 5\nfull_name = "A"\nrole = "boss"\n', "staff.0.role"),
        (
            '[[staff]]\ntelegram_id = 5\nfull_name = "A"\nrole = "official"\nunit = "ZZ"\n',
            "unit 'ZZ'",
        ),
        ('[[groups]]\ncode = "T1"\nname = "Trùng"\n', "mã trùng trong groups: T1"),
        ('[[staff]]\nfull_name = "A"\nrole = "admin"\n', "ít nhất một trong telegram_id"),
        ('[[staff]]\nzalo_user_id = "12ab"\nfull_name = "A"\nrole = "admin"\n', "zalo_user_id"),
        (
            '[[staff]]\nzalo_user_id = "123"\nfull_name = "A"\nrole = "admin"\n'
            '[[staff]]\nzalo_user_id = "123"\nfull_name = "B"\nrole = "admin"\n',
            "zalo_user_id trùng trong staff: 123",
        ),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, extra: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_ward_config(_write(tmp_path, BASE + extra))
    assert str(err.value).startswith(str(tmp_path / "ward.toml"))
    assert needle in str(err.value)


def test_staff_may_be_listed_by_zalo_id_or_phone(tmp_path: Path) -> None:
    extra = (
        '[[staff]]\nzalo_user_id = "8437261509871234567"\nphone = "0912 345 678"\n'
        'full_name = "Lê Thị Hoa"\nrole = "secretary"\n'
        '[[staff]]\nphone = "+84 987 654 321"\nfull_name = "Trần Văn Ba"\nrole = "supervisor"\n'
    )
    ward = load_ward_config(_write(tmp_path, BASE + extra))
    hoa, ba = ward.staff
    assert hoa.accounts == [("zalo", "8437261509871234567")] and ba.accounts == []
    assert ward.staff_member("zalo", "8437261509871234567") is hoa


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TOML không hợp lệ"):
        load_ward_config(_write(tmp_path, "[ward\n"))
    with pytest.raises(ConfigError, match="không tìm thấy"):
        load_ward_config(tmp_path / "nope.toml")
    wrong_zone = BASE.replace('code = "PX"', 'code = "PX"\ntimezone = "Mars/Base"')
    with pytest.raises(ConfigError, match=r"ward\.timezone"):
        load_ward_config(_write(tmp_path, wrong_zone))


def test_settings_defaults_and_webhook_rules(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, telegram_bot_token="1:abc")  # type: ignore[call-arg]
    assert settings.bot_mode is BotMode.POLLING
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.database_path == Path("data/nghe-dan-noi.db")
    with pytest.raises(ValidationError, match="WEBHOOK_URL"):
        Settings(_env_file=None, telegram_bot_token="1:abc", bot_mode="webhook")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_bot_token="1:abc", bot_mode="webhook", webhook_url="https://x"
        )
    with pytest.raises(ValidationError, match="BotFather"):
        Settings(_env_file=None, telegram_bot_token="not-a-token")  # type: ignore[call-arg]


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WARD_", "ZALO_"))
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=60,
    )


def test_check_config_prints_a_summary(tmp_path: Path) -> None:
    result = _cli(
        "check-config",
        env={"TELEGRAM_BOT_TOKEN": "1:abc", "WARD_CONFIG": str(ROOT / "ward.example.toml")},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Phường Thành Đông" in result.stdout and "Cấu hình hợp lệ." in result.stdout
    staff = next(line for line in result.stdout.splitlines() if line.startswith("Cán bộ:"))
    assert "Văn phòng (thư ký): " in staff and "secretary" not in staff


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "chưa bật kênh nào: đặt TELEGRAM_BOT_TOKEN"),
        ({"ZALO_APP_ID": "42"}, "Zalo còn thiếu ZALO_APP_SECRET, ZALO_OA_SECRET_KEY"),
        ({"TELEGRAM_BOT_TOKEN": "abc"}, "BotFather"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "WARD_CONFIG": "missing.toml"}, "missing.toml"),
    ],
)
def test_check_config_fails_in_one_line(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    result = _cli("check-config", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


ZALO_ENV = {
    "ZALO_APP_ID": "4242",
    "ZALO_APP_SECRET": "app-secret",
    "ZALO_OA_SECRET_KEY": "oa-secret",
    "WARD_CONFIG": str(ROOT / "ward.example.toml"),
}


def _channel_lines(stdout: str) -> dict[str, str]:
    heads = ("Telegram:", "Zalo:", "Máy chủ web:")
    return {line.split(":")[0]: line for line in stdout.splitlines() if line.startswith(heads)}


def test_check_config_on_zalo_alone_says_what_is_missing(tmp_path: Path) -> None:
    result = _cli("check-config", env=ZALO_ENV, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = _channel_lines(result.stdout)
    assert lines["Telegram"] == "Telegram: tắt (đặt TELEGRAM_BOT_TOKEN để bật)"
    assert "webhook /zalo/webhook" in lines["Zalo"] and "4000 lượt gọi/phút" in lines["Zalo"]
    assert "thiếu token: chạy python -m bot zalo connect" in lines["Zalo"]
    assert lines["Zalo"].endswith("thiếu WEB_PUBLIC_URL: tệp .ics gửi qua Zalo không có liên kết")
    assert "127.0.0.1:8080" in lines["Máy chủ web"] and "/healthz" in lines["Máy chủ web"]


def test_check_config_on_both_channels(tmp_path: Path) -> None:
    env = {
        **ZALO_ENV,
        "TELEGRAM_BOT_TOKEN": "1:abc",
        "ZALO_OA_ACCESS_TOKEN": "a",
        "ZALO_OA_REFRESH_TOKEN": "r",
        "WEB_PUBLIC_URL": "https://phuong.example.vn/",
        "ZALO_RATE_PER_MINUTE": "600",
    }
    result = _cli("check-config", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = _channel_lines(result.stdout)
    assert lines["Telegram"].startswith("Telegram: bật, long polling")
    assert "webhook https://phuong.example.vn/zalo/webhook" in lines["Zalo"]
    assert "600 lượt gọi/phút" in lines["Zalo"] and "ZALO_OA_ACCESS_TOKEN" in lines["Zalo"]
    assert "https://phuong.example.vn/" in lines["Máy chủ web"]
