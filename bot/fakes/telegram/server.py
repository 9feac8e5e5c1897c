"""A fake Telegram Bot API server on 127.0.0.1, with simulated users and fault injection.

The real PTB ``Application`` talks to it over HTTP exactly as it talks to api.telegram.org, so
end-to-end tests exercise the bot's real request encoding, error handling and update loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import re
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from .htmltext import EntityParseError, parse_html, strip_formatted, unescape_markdown_v2
from .htmltext import utf16_len as _utf16_len
from .models import (
    ApiError,
    Button,
    ChatMessage,
    FaultRule,
    StoredFile,
    UploadedFile,
    WebhookConfig,
)
from .ratelimit import RateLimiter
from .user import SimUser

__all__ = ["FakeTelegramServer", "Params"]

_LOG = logging.getLogger(__name__)

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "scope",
        "commands",
        "allowed_updates",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "media",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "duration",
        "live_period",
        "max_connections",
        "width",
        "height",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy", "timeout"})
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
    "copy_text",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
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
_CONTENT_KEYS = ("photo", "document", "venue", "location")
_FILE_PREFIX = {"photos": "AgAC", "documents": "BQAC", "voice": "AwAC", "videos": "BAAC"}
_FILE_EXT = {
    "photos": ".jpg",
    "voice": ".oga",
    "videos": ".mp4",
    "video_notes": ".mp4",
    "music": ".mp3",
    "stickers": ".webp",
}
_FILE_TYPE_NAMES = {"photos": "Photo", "documents": "Document", "voice": "Voice"}
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_MAX_BODY = 64 * 1024 * 1024

Handler = Callable[["Params"], Awaitable[Any]]


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """Decode form strings into the JSON types a JSON body would carry."""
    for key, value in raw.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_FIELDS:
            with contextlib.suppress(ValueError):
                raw[key] = json.loads(value)
        elif key in _INT_FIELDS:
            with contextlib.suppress(ValueError):
                raw[key] = int(value)
        elif key in _BOOL_FIELDS:
            lowered = value.lower()
            if lowered in ("true", "1"):
                raw[key] = True
            elif lowered in ("false", "0"):
                raw[key] = False
        elif key in _FLOAT_FIELDS:
            with contextlib.suppress(ValueError):
                raw[key] = float(value)
    return raw


class Params:
    """The parameters of one Bot API call, with Telegram-style validation errors."""

    __slots__ = ("data", "files")

    def __init__(self, data: dict[str, Any], files: dict[str, UploadedFile] | None = None):
        self.data = data
        self.files = files or {}

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        result = _as_int(value)
        if result is None:
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
        return result

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Number')
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Number') from None

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def required_number(self, name: str) -> float:
        value = self.number(name)
        if value is None:
            raise ApiError(400, f'Bad Request: parameter "{name}" is required')
        return value

    def log_view(self) -> dict[str, Any]:
        return {**self.data, **self.files} if self.files else self.data


@dataclass(slots=True)
class _Markup:
    raw: dict[str, Any]
    inline: list[list[Button]] | None = None
    reply_keyboard: list[list[Button]] | None = None
    remove_keyboard: bool = False


def _inline_rows(markup: dict[str, Any] | None) -> list[Any]:
    if markup and isinstance(markup.get("inline_keyboard"), list):
        return list(markup["inline_keyboard"])
    return []


class FakeTelegramServer:
    """Serves ``/bot{token}/{method}`` and ``/file/bot{token}/{path}`` like api.telegram.org.

    Users are simulated with :meth:`user`; everything the bot sends is recorded per chat.
    All methods must be used from the event loop the server was started on.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "nghedannoi_bot",
        bot_id: int | None = None,
        bot_name: str = "Nghe Dân Nói",
        *,
        strict_html: bool = True,
        request_log_size: int = 10_000,
        webhook_max_attempts: int = 30,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        if bot_id is None:
            bot_id = _as_int(token.split(":", 1)[0]) or 123456
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.strict_html = strict_html
        """Reject unknown named HTML entities (``&nbsp;``) that Telegram would show verbatim."""
        self.webhook_max_attempts = webhook_max_attempts

        self.requests: deque[tuple[str, dict[str, Any]]] = deque(maxlen=request_log_size)
        self.method_counts: Counter[str] = Counter()
        self.errors: deque[tuple[str, dict[str, Any], int, str]] = deque(maxlen=1000)
        self.sent_messages: list[ChatMessage] = []
        self.delivery_log: list[tuple[float, int, int, str]] = []
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_settings: dict[str, dict[str, Any]] = {}
        self.webhook_dropped: list[dict[str, Any]] = []
        self.commands_by_language: dict[tuple[str, str], list[dict[str, str]]] = {}

        self._users: dict[int, SimUser] = {}
        self._blocked: set[int] = set()
        self._delivered: Counter[int] = Counter()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_seq = 0
        self._queries: dict[str, SimUser] = {}
        self._callback_seq = itertools.count(4_000_000_000_000_000_001)

        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._update_signal = asyncio.Event()
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._pollers_waiting = 0
        self._last_poll: float | None = None

        self._webhook: WebhookConfig | None = None
        self._webhook_options: dict[str, Any] = {}
        self._webhook_queue: deque[dict[str, Any]] = deque()
        self._webhook_wakeup = asyncio.Event()
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_last_error: tuple[int, str] | None = None

        self._faults: list[FaultRule] = []
        self._outage = False
        self._limiter: RateLimiter | None = None

        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._closing = False
        self._bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

        methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendVenue": self._send_venue,
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._store_setting,
            "setMyShortDescription": self._store_setting,
            "setMyName": self._store_setting,
            "getMyDescription": self._get_my_description,
            "getMyShortDescription": self._get_my_short_description,
            "getMyName": self._get_my_name,
            "getFile": self._get_file,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
        }
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in methods.items()
        }

    # ----- lifecycle ----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("server already started")
        self._closing = False
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = sock.getsockname()[1]
        self._host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host

    async def stop(self) -> None:
        self._closing = True
        self._notify_pollers()
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    # ----- users and inspection -----------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        *,
        phone: str | None = None,
        known: bool = False,
    ) -> SimUser:
        """The simulated user with this id (created on first call, then always the same).

        ``known=True`` makes the chat exist for the bot without the user writing first.
        """
        existing = self._users.get(user_id)
        if existing is None:
            existing = SimUser(
                self,
                user_id,
                first_name or f"User{user_id}",
                last_name,
                username,
                language_code,
                phone,
            )
            self._users[user_id] = existing
        if known:
            existing.known = True
        return existing

    @property
    def users(self) -> list[SimUser]:
        return list(self._users.values())

    def chat(self, chat_id: int) -> list[ChatMessage]:
        user = self._users.get(chat_id)
        return user.messages if user is not None else []

    @property
    def commands(self) -> dict[str, list[dict[str, str]]]:
        """setMyCommands state without language_code, keyed by :meth:`scope_key`."""
        return {
            scope: list(cmds)
            for (scope, language), cmds in self.commands_by_language.items()
            if not language
        }

    @staticmethod
    def scope_key(scope: dict[str, Any] | None = None) -> str:
        """Canonical JSON of a BotCommandScope, e.g. '{"chat_id":5,"type":"chat"}'."""
        return json.dumps(scope or {"type": "default"}, sort_keys=True, separators=(",", ":"))

    @property
    def webhook(self) -> WebhookConfig | None:
        return self._webhook

    @property
    def pending_updates(self) -> int:
        """Updates created by users that the bot has not yet confirmed or received."""
        return len(self._webhook_queue) if self._webhook else len(self._updates)

    def delivered_count(self, chat_id: int) -> int:
        return self._delivered[chat_id]

    # ----- fault injection ----------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def set_rate_limits(
        self,
        global_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        burst: float = 1.0,
    ) -> None:
        """Flood control on send*/edit*; ``burst`` is how many seconds' worth may be bunched."""
        if global_per_second or per_chat_per_second:
            self._limiter = RateLimiter(
                global_per_second, per_chat_per_second, burst, time.monotonic()
            )
        else:
            self._limiter = None

    def inject(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        *,
        deliver: bool = False,
    ) -> FaultRule:
        """Make matching calls fail: the next ``times`` (default 1), or each with ``probability``
        (unlimited unless ``times`` is given).

        ``method=None`` matches every method but getUpdates. ``deliver=True`` performs the call
        and then still reports the error, like a response lost after Telegram acted on it.
        """
        if status == 429:
            retry_after = retry_after or 1
            if description == "Internal Server Error":
                description = f"Too Many Requests: retry after {retry_after}"
        elif description == "Internal Server Error" and status in _DEFAULT_DESCRIPTIONS:
            description = _DEFAULT_DESCRIPTIONS[status]
        if times is None and probability is None:
            times = 1
        rule = FaultRule(
            method=method,
            chat_id=chat_id,
            status=status,
            description=description,
            retry_after=retry_after,
            remaining=times,
            probability=probability,
            rng=random.Random(seed),
            deliver=deliver,
        )
        self._faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        self._faults.clear()

    def outage(self, on: bool = True) -> None:
        """While on, every method except getUpdates answers 502 Bad Gateway."""
        self._outage = on

    # ----- raw updates --------------------------------------------------------------------

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an arbitrary update (polling queue or webhook); assigns update_id if absent."""
        if "update_id" not in update:
            update = {"update_id": self._take_update_id(), **update}
        self._route(update)
        return update

    async def post_raw_update(
        self,
        update: dict[str, Any],
        *,
        secret: str | Literal["configured"] | None = "configured",
        url: str | None = None,
    ) -> int:
        """POST one update straight to the webhook with any secret header; returns HTTP status.

        For testing the bot's webhook authentication; bypasses the delivery queue.
        """
        target = url or (self._webhook.url if self._webhook else None)
        if target is None:
            raise LookupError("no webhook is set; pass url=")
        if secret == "configured":
            secret = self._webhook.secret if self._webhook else None
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if "update_id" not in update:
            update = {"update_id": self._take_update_id(), **update}
        async with (
            aiohttp.ClientSession() as session,
            session.post(target, data=_dumps(update), headers=headers) as response,
        ):
            await response.read()
            return response.status

    # ----- HTTP ---------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            self.method_counts[request.match_info["method"]] += 1
            return self._error_response(ApiError(404, "Not Found: method not found"))
        name, handler = entry
        try:
            params = await self._read_params(request)
        except ApiError as err:
            return self._error_response(err)
        self.requests.append((name, params.log_view()))
        self.method_counts[name] += 1
        try:
            if self._outage and name != "getUpdates":
                raise ApiError(502, "Bad Gateway")
            rule = self._match_fault(name, params) if self._faults else None
            if rule is not None and not rule.deliver:
                raise rule.error()
            result = await handler(params)
            if rule is not None:
                raise rule.error()
        except ApiError as err:
            self._record_error(name, params, err)
            return self._error_response(err)
        except Exception as exc:
            _LOG.exception("fake Telegram server failed on %s", name)
            bug = ApiError(500, f"Internal Server Error: fake server bug: {exc!r}")
            self._record_error(name, params, bug)
            return self._error_response(bug)
        return web.Response(
            body=_dumps({"ok": True, "result": result}), content_type="application/json"
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        stored = self._files_by_path.get(request.match_info["file_path"])
        if stored is None or stored.data is None:
            return self._error_response(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    @staticmethod
    def _error_response(err: ApiError) -> web.Response:
        return web.Response(
            status=err.code, body=_dumps(err.payload()), content_type="application/json"
        )

    async def _read_params(self, request: web.Request) -> Params:
        raw: dict[str, Any] = dict(request.query) if request.query_string else {}
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON body") from None
                if body is not None and not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON body must be an object")
                raw.update(body or {})
            elif content_type == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                        continue
                    if part.filename is not None:
                        files[part.name] = UploadedFile(
                            part.filename,
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(await part.read(decode=True)),
                        )
                    else:
                        raw[part.name] = await part.text()
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
        return Params(_normalize(raw), files)

    def _match_fault(self, method: str, params: Params) -> FaultRule | None:
        chat_id = _as_int(params.data.get("chat_id"))
        for rule in self._faults:
            if rule.matches(method, chat_id):
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._faults.remove(rule)
                return rule
        return None

    def _record_error(self, method: str, params: Params, err: ApiError) -> None:
        self.errors.append((method, params.log_view(), err.code, err.description))
        chat_id = _as_int(params.data.get("chat_id"))
        user = self._users.get(chat_id) if chat_id is not None else None
        if user is not None:
            user.api_errors.append(f"{method}: {err.code} {err.description}")
        _LOG.debug("%s -> %s %s", method, err.code, err.description)

    # ----- updates ------------------------------------------------------------------------

    def _take_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def _submit_update(self, user: SimUser, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        user.known = True
        if kind == "callback_query":
            self._queries[payload["id"]] = user
        update = {"update_id": self._take_update_id(), kind: payload}
        self._route(update)
        return update

    def _route(self, update: dict[str, Any]) -> None:
        if self._webhook is not None:
            self._webhook_queue.append(update)
            self._webhook_wakeup.set()
            self._ensure_webhook_worker()
        else:
            self._updates.append(update)
            self._notify_pollers()

    def _notify_pollers(self) -> None:
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _batch(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        if allowed:
            kept = [u for u in self._updates if not allowed.isdisjoint(u.keys())]
            if len(kept) != len(self._updates):
                self._updates = deque(kept)
        return list(itertools.islice(self._updates, limit))

    async def _get_updates(self, p: Params) -> Any:
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._last_poll = time.monotonic()
        if self._pollers_waiting:
            self._notify_pollers()
        batch = self._batch(limit)
        if batch or timeout <= 0 or self._closing:
            return batch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._pollers_waiting += 1
        try:
            while not self._updates and not self._closing and self._webhook is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                signal = self._update_signal
                try:
                    async with asyncio.timeout(remaining):
                        await signal.wait()
                except TimeoutError:
                    break
                if generation != self._poll_generation:
                    raise ApiError(409, _POLL_CONFLICT)
        finally:
            self._pollers_waiting -= 1
            self._last_poll = time.monotonic()
        if self._webhook is not None:
            return []
        return self._batch(limit)

    async def _set_webhook(self, p: Params) -> Any:
        url = p.text("url") or ""
        if not url:
            self._remove_webhook(p.flag("drop_pending_updates"))
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
        secret = p.text("secret_token") or None
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.flag("drop_pending_updates"):
            self._updates.clear()
            self._webhook_queue.clear()
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or None
        self._webhook = WebhookConfig(url, secret)
        self._webhook_options = {"max_connections": p.integer("max_connections") or 40}
        self._webhook_last_error = None
        self._webhook_queue.extend(self._updates)
        self._updates.clear()
        self._notify_pollers()
        if self._webhook_queue:
            self._webhook_wakeup.set()
            self._ensure_webhook_worker()
        return True

    async def _delete_webhook(self, p: Params) -> Any:
        self._remove_webhook(p.flag("drop_pending_updates"))
        return True

    def _remove_webhook(self, drop_pending: bool) -> None:
        self._webhook = None
        if drop_pending:
            self._updates.clear()
            self._webhook_queue.clear()
        else:
            self._updates.extend(self._webhook_queue)
            self._webhook_queue.clear()
        self._notify_pollers()

    async def _get_webhook_info(self, p: Params) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates,
        }
        if self._webhook is not None:
            info.update(self._webhook_options)
            if self._allowed_updates:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if self._webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    def _ensure_webhook_worker(self) -> None:
        if self._closing or (self._webhook_task is not None and not self._webhook_task.done()):
            return
        self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_worker())

    async def _webhook_worker(self) -> None:
        """Deliver queued updates in order, one at a time, retrying like Telegram (with backoff)."""
        attempts = 0
        delay = 0.02
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                if not self._webhook_queue:
                    self._webhook_wakeup.clear()
                    await self._webhook_wakeup.wait()
                    continue
                config = self._webhook
                if config is None:
                    self._remove_webhook(drop_pending=False)
                    continue
                update = self._webhook_queue[0]
                error = await self._post_update(session, config, update)
                if error is None or attempts + 1 >= self.webhook_max_attempts:
                    if self._webhook_queue and self._webhook_queue[0] is update:
                        self._webhook_queue.popleft()
                    if error is not None:
                        self.webhook_dropped.append(update)
                        _LOG.warning("webhook gave up on update %s: %s", update, error)
                    attempts = 0
                    delay = 0.02
                    continue
                attempts += 1
                self._webhook_last_error = (int(time.time()), error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)

    @staticmethod
    async def _post_update(
        session: aiohttp.ClientSession, config: WebhookConfig, update: dict[str, Any]
    ) -> str | None:
        headers = {"Content-Type": "application/json"}
        if config.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret
        try:
            async with session.post(config.url, data=_dumps(update), headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"Connection failed: {exc!r}"

    def _delivery_status(self) -> str:
        if self._webhook is not None:
            status = (
                f"Webhook mode ({self._webhook.url}): {len(self._webhook_queue)} update(s) "
                "not yet accepted by the bot"
            )
            if self._webhook_last_error:
                status += f"; last webhook error: {self._webhook_last_error[1]}"
            return status
        if self._last_poll is None:
            polled = "has never called getUpdates"
        elif self._pollers_waiting:
            polled = "is long-polling getUpdates right now"
        else:
            polled = f"last called getUpdates {time.monotonic() - self._last_poll:.1f}s ago"
        return f"Polling mode: the bot {polled}; {len(self._updates)} update(s) unconfirmed."

    # ----- helpers for SimUser ------------------------------------------------------------

    @staticmethod
    def _now() -> int:
        return int(time.time())

    def _next_callback_id(self) -> str:
        return str(next(self._callback_seq))

    def _store_file(
        self, kind: str, data: bytes | None, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        self._file_seq += 1
        seq = self._file_seq
        file_id = f"{_FILE_PREFIX.get(kind, 'CAAC')}{seq:06d}fake{self.bot_id}"
        ext = _FILE_EXT.get(kind, ".bin")
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{seq:06d}",
            kind=kind,
            file_path=f"{kind}/file_{seq}{ext}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _photo_sizes(self, data: bytes | None) -> list[dict[str, Any]]:
        sizes: list[dict[str, Any]] = []
        stored_sizes: list[StoredFile] = []
        for side in (90, 320, 800):
            stored = self._store_file("photos", data, None, "image/jpeg")
            stored_sizes.append(stored)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": side,
                    "height": side,
                }
            )
        for stored in stored_sizes:
            stored.photo_sizes = sizes
        return sizes

    @staticmethod
    def _file_dict(stored: StoredFile, with_name: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if with_name and stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    # ----- validation helpers -------------------------------------------------------------

    def _chat(self, p: Params, *, sending: bool = True) -> SimUser:
        raw = p.data.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _as_int(raw)
        user = self._users.get(chat_id) if chat_id is not None else None
        if user is None or not user.known:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and user.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def _format(
        self, source: str, parse_mode: str | None, entities: Any, *, caption: bool
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        mode = parse_mode or None
        lowered = (mode or "").lower()
        if lowered == "html":
            try:
                plain, parsed = parse_html(source, strict=self.strict_html)
            except EntityParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        elif lowered == "markdownv2":
            plain, parsed = unescape_markdown_v2(source), []
        elif lowered == "markdown":
            plain, parsed = source, []
        elif not lowered:
            plain, parsed = source, self._explicit_entities(entities)
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        plain, parsed = strip_formatted(plain, parsed)
        length = _utf16_len(plain)
        if caption:
            if length > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
        elif length == 0:
            raise ApiError(400, "Bad Request: message text is empty")
        elif length > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, parsed, mode

    @staticmethod
    def _explicit_entities(value: Any) -> list[dict[str, Any]]:
        if value is None:
            return []
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse entities JSON object") from None
        if not isinstance(value, list) or not all(
            isinstance(e, dict) and "type" in e and "offset" in e and "length" in e for e in value
        ):
            raise ApiError(400, "Bad Request: can't parse entities JSON object")
        return [dict(e) for e in value]

    def _parse_markup(self, p: Params, *, inline_only: bool = False) -> _Markup | None:
        raw = p.obj("reply_markup")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array')
            buttons = [[self._inline_button(b) for b in row] for row in rows]
            return _Markup({"inline_keyboard": rows}, inline=buttons)
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(400, 'Bad Request: field "keyboard" must be an Array')
            keyboard = [[self._reply_button(b) for b in row] for row in rows]
            if not any(keyboard):
                raise ApiError(400, "Bad Request: keyboard must be non-empty")
            return _Markup(raw, reply_keyboard=keyboard)
        if raw.get("remove_keyboard"):
            return _Markup(raw, remove_keyboard=True)
        if raw.get("force_reply"):
            return _Markup(raw)
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_button(button: Any) -> Button:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(
                400, "Bad Request: can't parse inline keyboard button: Text must be a String"
            )
        if not button["text"]:
            raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        if not any(button.get(key) is not None for key in _BUTTON_ACTIONS):
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard",
            )
        data = button.get("callback_data")
        if data is not None and (
            not isinstance(data, str) or not data or len(data.encode("utf-8")) > 64
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None:
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or not (
                (parts.scheme in ("http", "https") and parts.hostname)
                or (parts.scheme == "tg" and len(url) > len("tg://"))
            ):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return Button(button["text"], callback_data=data, url=url)

    @staticmethod
    def _reply_button(button: Any) -> Button:
        if isinstance(button, str):
            text = button
            button = {}
        elif isinstance(button, dict) and isinstance(button.get("text"), str):
            text = button["text"]
        else:
            raise ApiError(400, "Bad Request: can't parse keyboard button: Text must be a String")
        if not text:
            raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        return Button(
            text,
            request_contact=bool(button.get("request_contact")),
            request_location=bool(button.get("request_location")),
        )

    def _input_file(self, p: Params, name: str) -> tuple[StoredFile, bool]:
        """The file a send method refers to: (stored file, whether it was uploaded now)."""
        photo = name == "photo"
        value = p.data.get(name)
        upload = p.files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
        if upload is not None:
            if photo:
                sizes = self._photo_sizes(upload.data)
                return self._files[sizes[-1]["file_id"]], True
            return self._store_file(
                "documents", upload.data, upload.file_name, upload.content_type
            ), True
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                if photo != (known.kind == "photos"):
                    have = _FILE_TYPE_NAMES.get(known.kind, known.kind.capitalize())
                    want = "Photo" if photo else "Document"
                    raise ApiError(400, f"Bad Request: can't use file of type {have} as {want}")
                return known, False
            if value.startswith(("http://", "https://")):
                file_name = value.rsplit("/", 1)[-1] or None
                if photo:
                    sizes = self._photo_sizes(None)
                    return self._files[sizes[-1]["file_id"]], False
                return self._store_file("documents", None, file_name, None), False
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    def _throttle(self, method: str, chat_id: int) -> None:
        if self._limiter is None:
            return
        retry_after = self._limiter.acquire(chat_id, time.monotonic())
        if retry_after:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    # ----- messages -----------------------------------------------------------------------

    def _compose(self, user: SimUser, message: ChatMessage, content: dict[str, Any]) -> None:
        raw: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._bot_user,
            "chat": user._chat_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            raw["edit_date"] = message.edit_date
        raw.update(content)
        if message.kind == "text":
            raw["text"] = message.plain_text
            if message.entities:
                raw["entities"] = message.entities
        elif message.plain_text:
            raw["caption"] = message.plain_text
            if message.entities:
                raw["caption_entities"] = message.entities
        rows = _inline_rows(message.reply_markup)
        if rows:
            raw["reply_markup"] = {"inline_keyboard": rows}
        message.raw = raw

    def _deliver(
        self,
        user: SimUser,
        method: str,
        kind: str,
        formatted: tuple[str, str, list[dict[str, Any]], str | None],
        markup: _Markup | None,
        content: dict[str, Any],
        **fields: Any,
    ) -> dict[str, Any]:
        self._throttle(method, user.id)
        source, plain, entities, mode = formatted
        message = ChatMessage(
            message_id=user._take_message_id(),
            chat_id=user.id,
            kind=kind,
            text=source,
            plain_text=plain,
            parse_mode=mode,
            entities=entities,
            buttons=(markup.inline or []) if markup else [],
            reply_markup=markup.raw if markup else None,
            date=self._now(),
            method=method,
            **fields,
        )
        if markup is not None:
            if markup.reply_keyboard is not None:
                user._set_reply_keyboard(markup.reply_keyboard)
            elif markup.remove_keyboard:
                user._set_reply_keyboard(None)
        self._compose(user, message, content)
        user._add_bot_message(message)
        self.sent_messages.append(message)
        self.delivery_log.append((time.monotonic(), user.id, message.message_id, method))
        self._delivered[user.id] += 1
        return message.raw

    def _caption(self, p: Params) -> tuple[str, str, list[dict[str, Any]], str | None]:
        source = p.text("caption") or ""
        plain, entities, mode = self._format(
            source, p.text("parse_mode"), p.data.get("caption_entities"), caption=True
        )
        return source, plain, entities, mode

    async def _send_message(self, p: Params) -> Any:
        user = self._chat(p)
        source = p.text("text") or ""
        plain, entities, mode = self._format(
            source, p.text("parse_mode"), p.data.get("entities"), caption=False
        )
        markup = self._parse_markup(p)
        return self._deliver(
            user, "sendMessage", "text", (source, plain, entities, mode), markup, {}
        )

    async def _send_photo(self, p: Params) -> Any:
        user = self._chat(p)
        stored, uploaded = self._input_file(p, "photo")
        formatted = self._caption(p)
        markup = self._parse_markup(p)
        sizes = stored.photo_sizes or [
            {**self._file_dict(stored, with_name=False), "width": 800, "height": 800}
        ]
        photo: bytes | str | None = stored.data if uploaded else p.text("photo")
        return self._deliver(
            user, "sendPhoto", "photo", formatted, markup, {"photo": sizes}, photo=photo
        )

    async def _send_document(self, p: Params) -> Any:
        user = self._chat(p)
        stored, _uploaded = self._input_file(p, "document")
        formatted = self._caption(p)
        markup = self._parse_markup(p)
        document = {
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "bytes": stored.data,
            "file_id": stored.file_id,
        }
        return self._deliver(
            user,
            "sendDocument",
            "document",
            formatted,
            markup,
            {"document": self._file_dict(stored)},
            document=document,
        )

    @staticmethod
    def _coordinates(p: Params) -> tuple[float, float]:
        latitude = p.required_number("latitude")
        longitude = p.required_number("longitude")
        if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
            raise ApiError(400, "Bad Request: wrong location specified")
        return latitude, longitude

    async def _send_venue(self, p: Params) -> Any:
        user = self._chat(p)
        latitude, longitude = self._coordinates(p)
        title = p.text("title") or ""
        address = p.text("address") or ""
        if not title:
            raise ApiError(400, "Bad Request: venue title is empty")
        if not address:
            raise ApiError(400, "Bad Request: venue address is empty")
        markup = self._parse_markup(p)
        location = {"latitude": latitude, "longitude": longitude}
        venue: dict[str, Any] = {"location": location, "title": title, "address": address}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if p.text(key):
                venue[key] = p.text(key)
        return self._deliver(
            user,
            "sendVenue",
            "venue",
            ("", "", [], None),
            markup,
            {"venue": venue, "location": location},
            venue={**location, "title": title, "address": address},
            location=dict(location),
        )

    async def _send_location(self, p: Params) -> Any:
        user = self._chat(p)
        latitude, longitude = self._coordinates(p)
        markup = self._parse_markup(p)
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        live_period = p.integer("live_period")
        if live_period:
            location["live_period"] = live_period
        return self._deliver(
            user,
            "sendLocation",
            "location",
            ("", "", [], None),
            markup,
            {"location": location},
            location=dict(location),
        )

    async def _send_chat_action(self, p: Params) -> Any:
        user = self._chat(p)
        action = p.text("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        user.chat_actions.append(action)
        return True

    async def _copy_message(self, p: Params) -> Any:
        self._chat(p)
        raise ApiError(400, "Bad Request: message to copy not found")

    async def _forward_message(self, p: Params) -> Any:
        self._chat(p)
        raise ApiError(400, "Bad Request: message to forward not found")

    # ----- edits and deletions ------------------------------------------------------------

    def _editable(self, p: Params) -> tuple[SimUser, ChatMessage]:
        if p.data.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        user = self._chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = user._by_id.get(message_id)
        if message is None or message.deleted:
            if message_id in user._own_message_ids:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return user, message

    def _apply_edit(
        self,
        user: SimUser,
        message: ChatMessage,
        method: str,
        formatted: tuple[str, str, list[dict[str, Any]], str | None],
        markup: _Markup | None,
    ) -> dict[str, Any]:
        source, plain, entities, mode = formatted
        new_markup = markup.raw if markup else None
        old_inline = _inline_rows(message.reply_markup)
        if (
            plain == message.plain_text
            and entities == message.entities
            and _inline_rows(new_markup) == old_inline
        ):
            raise ApiError(400, _NOT_MODIFIED)
        self._throttle(method, user.id)
        message.text = source
        message.plain_text = plain
        message.entities = entities
        message.parse_mode = mode
        message.buttons = (markup.inline or []) if markup else []
        if new_markup is not None or old_inline:
            message.reply_markup = new_markup
        message.edits += 1
        message.edit_date = self._now()
        content = {key: message.raw[key] for key in _CONTENT_KEYS if key in message.raw}
        self._compose(user, message, content)
        user._event(message.message_id)
        return message.raw

    async def _edit_message_text(self, p: Params) -> Any:
        user, message = self._editable(p)
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        source = p.text("text") or ""
        plain, entities, mode = self._format(
            source, p.text("parse_mode"), p.data.get("entities"), caption=False
        )
        markup = self._parse_markup(p, inline_only=True)
        return self._apply_edit(
            user, message, "editMessageText", (source, plain, entities, mode), markup
        )

    async def _edit_message_caption(self, p: Params) -> Any:
        user, message = self._editable(p)
        if message.kind not in ("photo", "document"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        formatted = self._caption(p)
        markup = self._parse_markup(p, inline_only=True)
        return self._apply_edit(user, message, "editMessageCaption", formatted, markup)

    async def _edit_message_reply_markup(self, p: Params) -> Any:
        user, message = self._editable(p)
        markup = self._parse_markup(p, inline_only=True)
        formatted = (message.text, message.plain_text, message.entities, message.parse_mode)
        return self._apply_edit(user, message, "editMessageReplyMarkup", formatted, markup)

    @staticmethod
    def _delete_one(user: SimUser, message_id: int) -> bool:
        message = user._by_id.get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        if message_id in user._own_message_ids:
            user._own_message_ids.discard(message_id)
            return True
        return False

    async def _delete_message(self, p: Params) -> Any:
        user = self._chat(p, sending=False)
        message_id = p.integer("message_id")
        if message_id is None or not self._delete_one(user, message_id):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _delete_messages(self, p: Params) -> Any:
        user = self._chat(p, sending=False)
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        for message_id in ids:
            parsed = _as_int(message_id)
            if parsed is not None:
                self._delete_one(user, parsed)
        return True

    async def _answer_callback_query(self, p: Params) -> Any:
        query_id = p.text("callback_query_id") or ""
        text = p.text("text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        user = self._queries.pop(query_id, None)
        if user is None:
            raise ApiError(400, _QUERY_INVALID)
        user.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": p.flag("show_alert"),
                "url": p.text("url"),
                "cache_time": p.integer("cache_time") or 0,
            }
        )
        return True

    # ----- bot settings -------------------------------------------------------------------

    async def _true(self, p: Params) -> Any:
        return True

    async def _get_me(self, p: Params) -> Any:
        return {
            **self._bot_user,
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
            chat_id = _as_int(scope.get("chat_id"))
            user = self._users.get(chat_id) if chat_id is not None else None
            if user is None or not user.known:
                raise ApiError(400, "Bad Request: chat not found")
            scope = {**scope, "chat_id": chat_id}
        return self.scope_key(scope)

    async def _set_my_commands(self, p: Params) -> Any:
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

    async def _get_my_commands(self, p: Params) -> Any:
        key = (self._scope(p), p.text("language_code") or "")
        return list(self.commands_by_language.get(key, []))

    async def _delete_my_commands(self, p: Params) -> Any:
        key = (self._scope(p), p.text("language_code") or "")
        self.commands_by_language.pop(key, None)
        return True

    async def _set_chat_menu_button(self, p: Params) -> Any:
        chat_id: int | None = None
        if p.data.get("chat_id") not in (None, ""):
            chat_id = self._chat(p, sending=False).id
        button = p.obj("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise ApiError(400, "Bad Request: can't parse MenuButton JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, p: Params) -> Any:
        chat_id: int | None = None
        if p.data.get("chat_id") not in (None, ""):
            chat_id = self._chat(p, sending=False).id
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    async def _store_setting(self, p: Params) -> Any:
        for key in ("description", "short_description", "name"):
            if key in p.data:
                language = p.text("language_code") or ""
                self.bot_settings.setdefault(key, {})[language] = p.text(key) or ""
        return True

    def _setting(self, key: str, p: Params) -> dict[str, str]:
        language = p.text("language_code") or ""
        return {key: self.bot_settings.get(key, {}).get(language, "")}

    async def _get_my_description(self, p: Params) -> Any:
        return self._setting("description", p)

    async def _get_my_short_description(self, p: Params) -> Any:
        return self._setting("short_description", p)

    async def _get_my_name(self, p: Params) -> Any:
        return self._setting("name", p)

    async def _get_file(self, p: Params) -> Any:
        stored = self._files.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
