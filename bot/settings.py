"""Process settings from the environment and ``.env`` (pydantic-settings)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_BASE_URL = "https://api.telegram.org/file/bot"


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr = Field(min_length=1)
    telegram_api_base_url: str = TELEGRAM_API_BASE_URL
    telegram_file_base_url: str = TELEGRAM_FILE_BASE_URL
    telegram_connection_pool_size: int = Field(default=16, ge=1, le=256)
    bot_concurrent_updates: int = Field(default=16, ge=1, le=256)
    database_path: Path = Path("data/nghe-dan-noi.db")
    ward_config: Path = Path("ward.toml")
    log_level: str = "INFO"
    bot_mode: BotMode = BotMode.POLLING
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    outbox_global_rate: float = Field(default=30.0, gt=0)
    outbox_per_chat_rate: float = Field(default=1.0, gt=0)
    outbox_max_in_flight: int = Field(default=10, ge=2)
    outbox_backoff_base: float = Field(default=1.0, gt=0)
    outbox_backoff_cap: float = Field(default=60.0, gt=0)
    outbox_poll_interval: float = Field(default=1.0, gt=0)
    outbox_progress_interval: float = Field(default=2.0, gt=0)
    session_reminder_hours: list[float] = Field(default=[24.0, 2.0])
    session_scan_interval: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Settings:
        if self.bot_mode is BotMode.WEBHOOK:
            if not self.webhook_url:
                raise ValueError("BOT_MODE=webhook cần WEBHOOK_URL (địa chỉ HTTPS công khai)")
            if not self.webhook_secret or not self.webhook_secret.get_secret_value():
                raise ValueError("BOT_MODE=webhook cần WEBHOOK_SECRET")
        return self

    @model_validator(mode="after")
    def _token_shape(self) -> Settings:
        token = self.telegram_bot_token.get_secret_value()
        head, sep, tail = token.partition(":")
        if not (sep and head.isdigit() and tail):
            raise ValueError("TELEGRAM_BOT_TOKEN không đúng dạng <số>:<chuỗi> (lấy từ @BotFather)")
        return self

    @classmethod
    def for_local_server(
        cls,
        *,
        token: str,
        api_base_url: str,
        file_base_url: str,
        database_path: Path,
        ward_config: Path = Path("ward.toml"),
    ) -> Settings:
        """Settings for the fake Telegram server (demo, tests, benchmarks), ignoring ``.env``."""
        return cls(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(token),
            telegram_api_base_url=api_base_url,
            telegram_file_base_url=file_base_url,
            database_path=database_path,
            ward_config=ward_config,
        )

    def ensure_database_folder(self) -> None:
        self.database_path.parent.mkdir(parents=True, exist_ok=True)
