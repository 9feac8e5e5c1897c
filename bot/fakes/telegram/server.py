"""A fake Telegram Bot API server on 127.0.0.1, with simulated users and fault injection.

The real PTB ``Application`` talks to it over HTTP exactly as it talks to api.telegram.org, so
end-to-end tests exercise the bot's real request encoding, error handling and update loop.

This module is the HTTP front (routing, token check, fault gate) and the public API; the Bot API
methods live in the modules it composes: ``sending``, ``editing``, ``callbacks``, ``files``,
``updates``, ``settings``, with the chats in ``chats`` and failures in ``faults``.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from bot.fakes.local_http import listen, url_of

from .callbacks import CallbackQueries
from .chats import Chats
from .editing import Editor
from .faults import FaultInjector
from .files import FileStore
from .models import ApiError, ChatMessage, FaultRule, WebhookConfig
from .params import Handler, Params, as_int, dumps, error_response, read_params
from .sending import Messenger
from .settings import BotProfile, scope_key
from .updates import UpdateFeed
from .user import SimUser

__all__ = ["FakeTelegramServer", "Params"]

_LOG = logging.getLogger(__name__)

_MAX_BODY = 64 * 1024 * 1024


async def _true(p: Params) -> Any:
    return True


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
            bot_id = as_int(token.split(":", 1)[0]) or 123456
        self.bot_id = bot_id
        self.bot_name = bot_name

        self.requests: deque[tuple[str, dict[str, Any]]] = deque(maxlen=request_log_size)
        self.method_counts: Counter[str] = Counter()
        self.errors: deque[tuple[str, dict[str, Any], int, str]] = deque(maxlen=1000)

        self._bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }
        self._chats = Chats()
        self._files = FileStore(self.bot_id)
        self._faults = FaultInjector()
        self._queries = CallbackQueries()
        self._feed = UpdateFeed(webhook_max_attempts)
        self._messenger = Messenger(
            self._chats, self._files, self._faults, self._bot_user, strict_html=strict_html
        )
        self._editor = Editor(self._messenger)
        self._profile = BotProfile(self._chats, self._bot_user)

        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    def _method_table(self) -> dict[str, Handler]:
        messenger, editor, profile, feed = self._messenger, self._editor, self._profile, self._feed
        return {
            "getMe": profile.get_me,
            "logOut": _true,
            "close": _true,
            "getUpdates": feed.get_updates,
            "setWebhook": feed.set_webhook,
            "deleteWebhook": feed.delete_webhook,
            "getWebhookInfo": feed.get_webhook_info,
            "sendMessage": messenger.send_message,
            "sendPhoto": messenger.send_photo,
            "sendDocument": messenger.send_document,
            "sendVenue": messenger.send_venue,
            "sendLocation": messenger.send_location,
            "sendChatAction": messenger.send_chat_action,
            "editMessageText": editor.edit_message_text,
            "editMessageCaption": editor.edit_message_caption,
            "editMessageReplyMarkup": editor.edit_message_reply_markup,
            "deleteMessage": editor.delete_message,
            "deleteMessages": editor.delete_messages,
            "answerCallbackQuery": self._queries.answer,
            "setMyCommands": profile.set_my_commands,
            "getMyCommands": profile.get_my_commands,
            "deleteMyCommands": profile.delete_my_commands,
            "setChatMenuButton": profile.set_chat_menu_button,
            "getChatMenuButton": profile.get_chat_menu_button,
            "setMyDescription": profile.store_setting,
            "setMyShortDescription": profile.store_setting,
            "setMyName": profile.store_setting,
            "getMyDescription": profile.get_my_description,
            "getMyShortDescription": profile.get_my_short_description,
            "getMyName": profile.get_my_name,
            "getFile": self._files.get_file,
            "copyMessage": messenger.copy_message,
            "forwardMessage": messenger.forward_message,
        }

    # ----- configuration and records kept by the parts ------------------------------------

    @property
    def strict_html(self) -> bool:
        """Reject unknown named HTML entities (``&nbsp;``) that Telegram would show verbatim."""
        return self._messenger.strict_html

    @strict_html.setter
    def strict_html(self, value: bool) -> None:
        self._messenger.strict_html = value

    @property
    def webhook_max_attempts(self) -> int:
        return self._feed.webhook_max_attempts

    @webhook_max_attempts.setter
    def webhook_max_attempts(self, value: int) -> None:
        self._feed.webhook_max_attempts = value

    @property
    def sent_messages(self) -> list[ChatMessage]:
        return self._chats.sent_messages

    @property
    def delivery_log(self) -> list[tuple[float, int, int, str]]:
        return self._chats.delivery_log

    @property
    def menu_buttons(self) -> dict[int | None, dict[str, Any]]:
        return self._profile.menu_buttons

    @property
    def bot_settings(self) -> dict[str, dict[str, Any]]:
        return self._profile.bot_settings

    @property
    def commands_by_language(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        return self._profile.commands_by_language

    @property
    def webhook_dropped(self) -> list[dict[str, Any]]:
        return self._feed.webhook_dropped

    # ----- lifecycle ----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("server already started")
        self._feed.closing = False
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
        self._host, self._port = await listen(runner, host, port)
        self._runner = runner

    async def stop(self) -> None:
        await self._feed.close()
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
        return url_of(self._host, self.port)

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
        existing = self._chats.users.get(user_id)
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
            self._chats.users[user_id] = existing
        if known:
            existing.known = True
        return existing

    @property
    def users(self) -> list[SimUser]:
        return list(self._chats.users.values())

    def chat(self, chat_id: int) -> list[ChatMessage]:
        user = self._chats.users.get(chat_id)
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
        return scope_key(scope)

    @property
    def webhook(self) -> WebhookConfig | None:
        return self._feed.webhook

    @property
    def pending_updates(self) -> int:
        """Updates created by users that the bot has not yet confirmed or received."""
        return self._feed.pending

    def delivered_count(self, chat_id: int) -> int:
        return self._chats.delivered[chat_id]

    # ----- fault injection ----------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        self._chats.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._chats.blocked.discard(chat_id)

    def set_rate_limits(
        self,
        global_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        burst: float = 1.0,
    ) -> None:
        """Flood control on send*/edit*; ``burst`` is how many seconds' worth may be bunched."""
        self._faults.set_rate_limits(global_per_second, per_chat_per_second, burst)

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
        return self._faults.inject(
            method, chat_id, status, description, retry_after, times, probability, seed, deliver
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def outage(self, on: bool = True) -> None:
        """While on, every method except getUpdates answers 502 Bad Gateway."""
        self._faults.outage = on

    # ----- raw updates --------------------------------------------------------------------

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an arbitrary update (polling queue or webhook); assigns update_id if absent."""
        if "update_id" not in update:
            update = {"update_id": self._feed.take_update_id(), **update}
        self._feed.route(update)
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
        return await self._feed.post_raw(update, secret, url)

    # ----- HTTP ---------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            self.method_counts[request.match_info["method"]] += 1
            return error_response(ApiError(404, "Not Found: method not found"))
        name, handler = entry
        try:
            params = await read_params(request)
        except ApiError as err:
            return error_response(err)
        self.requests.append((name, params.log_view()))
        self.method_counts[name] += 1
        try:
            if self._faults.outage and name != "getUpdates":
                raise ApiError(502, "Bad Gateway")
            rule = self._faults.match(name, params)
            if rule is not None and not rule.deliver:
                raise rule.error()
            result = await handler(params)
            if rule is not None:
                raise rule.error()
        except ApiError as err:
            self._record_error(name, params, err)
            return error_response(err)
        except Exception as exc:
            _LOG.exception("fake Telegram server failed on %s", name)
            bug = ApiError(500, f"Internal Server Error: fake server bug: {exc!r}")
            self._record_error(name, params, bug)
            return error_response(bug)
        return web.Response(
            body=dumps({"ok": True, "result": result}), content_type="application/json"
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        stored = self._files.by_path(request.match_info["file_path"])
        if stored is None or stored.data is None:
            return error_response(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    def _record_error(self, method: str, params: Params, err: ApiError) -> None:
        self.errors.append((method, params.log_view(), err.code, err.description))
        chat_id = as_int(params.data.get("chat_id"))
        user = self._chats.users.get(chat_id) if chat_id is not None else None
        if user is not None:
            user.api_errors.append(f"{method}: {err.code} {err.description}")
        _LOG.debug("%s -> %s %s", method, err.code, err.description)

    # ----- hooks for SimUser (see user.UserHost) ------------------------------------------

    def _submit_update(self, user: SimUser, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        user.known = True
        if kind == "callback_query":
            self._queries.opened(payload["id"], user)
        update = {"update_id": self._feed.take_update_id(), kind: payload}
        self._feed.route(update)
        return update

    def _next_callback_id(self) -> str:
        return self._queries.next_id()

    def _delivery_status(self) -> str:
        return self._feed.status()
