"""The bot's own profile: getMe, command lists per scope and language, menu button, descriptions."""

from __future__ import annotations

import json
import re
from typing import Any

from .chats import Chats
from .models import ApiError
from .params import Params, as_int

__all__ = ["BotProfile", "scope_key"]

_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def scope_key(scope: dict[str, Any] | None = None) -> str:
    """Canonical JSON of a BotCommandScope, e.g. '{"chat_id":5,"type":"chat"}'."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True, separators=(",", ":"))


class BotProfile:
    def __init__(self, chats: Chats, bot_user: dict[str, Any]) -> None:
        self.chats = chats
        self.bot_user = bot_user
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_settings: dict[str, dict[str, Any]] = {}
        self.commands_by_language: dict[tuple[str, str], list[dict[str, str]]] = {}

    async def get_me(self, p: Params) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _scope(self, p: Params) -> str:
        scope = p.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            chat_id = as_int(scope.get("chat_id"))
            if self.chats.known(chat_id) is None:
                raise ApiError(400, "Bad Request: chat not found")
            scope = {**scope, "chat_id": chat_id}
        return scope_key(scope)

    async def set_my_commands(self, p: Params) -> Any:
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        validated: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            validated.append({"command": name, "description": description})
        key = (self._scope(p), p.text("language_code") or "")
        if validated:
            self.commands_by_language[key] = validated
        else:
            self.commands_by_language.pop(key, None)
        return True

    async def get_my_commands(self, p: Params) -> Any:
        key = (self._scope(p), p.text("language_code") or "")
        return list(self.commands_by_language.get(key, []))

    async def delete_my_commands(self, p: Params) -> Any:
        key = (self._scope(p), p.text("language_code") or "")
        self.commands_by_language.pop(key, None)
        return True

    async def set_chat_menu_button(self, p: Params) -> Any:
        chat_id: int | None = None
        if p.data.get("chat_id") not in (None, ""):
            chat_id = self.chats.resolve(p, sending=False).id
        button = p.obj("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise ApiError(400, "Bad Request: can't parse MenuButton JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def get_chat_menu_button(self, p: Params) -> Any:
        chat_id: int | None = None
        if p.data.get("chat_id") not in (None, ""):
            chat_id = self.chats.resolve(p, sending=False).id
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    async def store_setting(self, p: Params) -> Any:
        for key in ("description", "short_description", "name"):
            if key in p.data:
                language = p.text("language_code") or ""
                self.bot_settings.setdefault(key, {})[language] = p.text(key) or ""
        return True

    def _setting(self, key: str, p: Params) -> dict[str, str]:
        language = p.text("language_code") or ""
        return {key: self.bot_settings.get(key, {}).get(language, "")}

    async def get_my_description(self, p: Params) -> Any:
        return self._setting("description", p)

    async def get_my_short_description(self, p: Params) -> Any:
        return self._setting("short_description", p)

    async def get_my_name(self, p: Params) -> Any:
        return self._setting("name", p)
