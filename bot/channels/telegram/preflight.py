"""Before the bot starts on Telegram: ask who we are, so a bad token or an unreachable API ends in
one line instead of python-telegram-bot's retry-loop tracebacks."""

from __future__ import annotations

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.settings import Settings

__all__ = ["preflight"]


async def preflight(settings: Settings) -> str | None:
    """What is wrong with the Telegram set-up, in Vietnamese; None when the API knows us."""
    bot = Bot(
        settings.secret("telegram_bot_token"),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
    )
    try:
        async with bot:
            await bot.get_me()
    except InvalidToken:
        return "Telegram từ chối TELEGRAM_BOT_TOKEN; lấy lại token từ @BotFather."
    except NetworkError as exc:
        return (
            f"không kết nối được tới {settings.telegram_api_base_url} ({exc}); "
            "kiểm tra mạng hoặc TELEGRAM_API_BASE_URL."
        )
    except TelegramError as exc:
        return f"Telegram báo lỗi khi khởi động: {exc}"
    return None
