"""Process settings from the environment and ``.env`` (pydantic-settings)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_BASE_URL = "https://api.telegram.org/file/bot"
ZALO_API_BASE_URL = "https://openapi.zalo.me"
ZALO_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
ZALO_ZNS_BASE_URL = "https://business.openapi.zalo.me"


def _has(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value())


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API_BASE_URL
    telegram_file_base_url: str = TELEGRAM_FILE_BASE_URL
    telegram_connection_pool_size: int = Field(default=16, ge=1, le=256)
    bot_concurrent_updates: int = Field(default=16, ge=1, le=256)
    database_path: Path = Path("data/nghe-dan-noi.db")
    database_url: SecretStr | None = None
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
    web_listen: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_public_url: str | None = None
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_api_base_url: str = ZALO_API_BASE_URL
    zalo_oauth_base_url: str = ZALO_OAUTH_BASE_URL
    zalo_zns_base_url: str = ZALO_ZNS_BASE_URL
    zalo_webhook_path: str = "/zalo/webhook"
    zalo_rate_per_minute: float = Field(default=4000.0, gt=0)

    @property
    def telegram_on(self) -> bool:
        return self.telegram_bot_token is not None and bool(
            self.telegram_bot_token.get_secret_value()
        )

    @property
    def zalo_on(self) -> bool:
        """Zalo runs when the app and the webhook secret are set; tokens may come later from
        ``python -m bot zalo connect``."""
        return (
            bool(self.zalo_app_id) and _has(self.zalo_app_secret) and _has(self.zalo_oa_secret_key)
        )

    def zalo_missing(self) -> list[str]:
        """The Zalo settings still empty, once any of them is set."""
        values = {
            "ZALO_APP_ID": bool(self.zalo_app_id),
            "ZALO_APP_SECRET": _has(self.zalo_app_secret),
            "ZALO_OA_SECRET_KEY": _has(self.zalo_oa_secret_key),
        }
        if not any(values.values()):
            return []
        return [name for name, present in values.items() if not present]

    @model_validator(mode="after")
    def _some_channel(self) -> Settings:
        missing = self.zalo_missing()
        if missing:
            raise ValueError(f"Zalo còn thiếu {', '.join(missing)}")
        if not (self.telegram_on or self.zalo_on):
            raise ValueError(
                "chưa bật kênh nào: đặt TELEGRAM_BOT_TOKEN (lấy từ @BotFather) "
                "và/hoặc ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY"
            )
        if not self.zalo_webhook_path.startswith("/"):
            raise ValueError("ZALO_WEBHOOK_PATH phải bắt đầu bằng /")
        return self

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Settings:
        if self.bot_mode is BotMode.WEBHOOK and self.telegram_on:
            if not self.webhook_url:
                raise ValueError("BOT_MODE=webhook cần WEBHOOK_URL (địa chỉ HTTPS công khai)")
            if not self.webhook_secret or not self.webhook_secret.get_secret_value():
                raise ValueError("BOT_MODE=webhook cần WEBHOOK_SECRET")
        return self

    @model_validator(mode="after")
    def _database_url_shape(self) -> Settings:
        url = self.secret("database_url")
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL phải có dạng postgresql://người-dùng:mật-khẩu@máy/csdl")
        return self

    @model_validator(mode="after")
    def _token_shape(self) -> Settings:
        if self.telegram_bot_token is None:
            return self
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

    def secret(self, name: str) -> str:
        """A secret setting's value, or "" when unset."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else ""

    def ensure_database_folder(self) -> None:
        if not self.secret("database_url"):
            self.database_path.parent.mkdir(parents=True, exist_ok=True)
