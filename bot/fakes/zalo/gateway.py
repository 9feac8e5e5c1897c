"""The HTTP front of the fake: routing, the ``access_token`` check, the fault gate, the log.

Every API and ZNS call passes :meth:`Gateway.gate` in this order: outage, injected rule, token
(-216 on the OA API, -124 on ZNS), the per-app rate limit (-32), then the handler. Error answers
are HTTP 200 with a negative ``error``, as Zalo's are; only outages and injected gateway
failures use other statuses or drop the connection.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .codes import EMPTY_API, INVALID_PARAMS, message_for
from .events import dumps
from .faults import FaultInjector
from .media import MediaStore
from .messaging import Messenger
from .models import ZaloError
from .tokens import OAuthError, TokenStore
from .user import ZaloUser

__all__ = ["Gateway"]

_LOG = logging.getLogger("bot.fakes.zalo.server")
_MAX_BODY = 64 * 1024 * 1024
Handler = Callable[[web.Request, dict[str, Any]], Awaitable[dict[str, Any]]]


class Gateway:
    """Routes the three Zalo hosts' paths to the parts and keeps the request log."""

    def __init__(
        self,
        users: dict[str, ZaloUser],
        tokens: TokenStore,
        faults: FaultInjector,
        media: MediaStore,
        messenger: Messenger,
        request_log_size: int,
    ) -> None:
        self.users = users
        self.tokens = tokens
        self.faults = faults
        self.media = media
        self.messenger = messenger
        self.requests: deque[tuple[str, Any]] = deque(maxlen=request_log_size)
        self.call_counts: Counter[str] = Counter()
        self.errors: deque[tuple[str, int, str]] = deque(maxlen=1000)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_BODY)
        api = self._api
        routes = [
            ("POST", "/openapi/v3.0/oa/message/cs", api(self._send_cs)),
            ("POST", "/openapi/v3.0/oa/message/template", api(self._send_template)),
            ("POST", "/openapi/v2.0/oa/upload/image", api(self._upload_image, form=True)),
            ("POST", "/openapi/v2.0/oa/upload/file", api(self._upload_file, form=True)),
            ("GET", "/openapi/v3.0/oa/user/detail", api(self._user_detail)),
            ("GET", "/openapi/v2.0/oa/getprofile", api(self._user_detail)),
            ("POST", "/zns/message/template", api(self._send_zns, zns=True)),
            ("POST", "/oauth/v4/oa/access_token", self._handle_oauth),
            ("GET", "/media/{key}", self._handle_media),
            ("*", "/openapi/{tail:.*}", self._handle_unknown),
            ("*", "/zns/{tail:.*}", self._handle_unknown),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        return app

    def _api(self, handler: Handler, *, zns: bool = False, form: bool = False) -> Any:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self.gate(request, handler, zns=zns, form=form)

        return endpoint

    async def _read_body(self, request: web.Request, form: bool) -> dict[str, Any]:
        if form:
            post = await request.post()
            return {key: value for key, value in post.items()}
        if request.method == "GET" or not request.can_read_body:
            return {}
        text = await request.text()
        try:
            body = json.loads(text)
        except ValueError:
            raise ZaloError(INVALID_PARAMS, "Body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ZaloError(INVALID_PARAMS, "Body must be a JSON object")
        return body

    async def gate(
        self, request: web.Request, handler: Handler, *, zns: bool, form: bool
    ) -> web.StreamResponse:
        path = request.path
        self.call_counts[path] += 1
        body: dict[str, Any] = {}
        problem: ZaloError | None = None
        try:
            body = await self._read_body(request, form)
        except ZaloError as err:
            problem = err
        self.requests.append((path, _log_view(body)))
        if self.faults.outage:
            return self._outage_response(request)
        target = _target(body)
        rule = self.faults.match(path, target)
        try:
            if rule is not None and not rule.deliver:
                if rule.drop:
                    return _drop(request)
                raise rule.to_error()
            self.tokens.check_access(request.headers.get("access_token"), zns=zns)
            self.faults.throttle()
            if problem is not None:
                raise problem
            data = await handler(request, body)
            if rule is not None:
                if rule.drop:
                    return _drop(request)
                raise rule.to_error()
        except ZaloError as err:
            self._record_error(path, target, err.code, err.message)
            return web.json_response(err.payload(), status=err.http_status, dumps=_json)
        except Exception as exc:
            _LOG.exception("fake Zalo server failed on %s", path)
            self._record_error(path, target, -1, f"fake server bug: {exc!r}")
            return web.json_response({"error": -1, "message": "Internal error"}, status=500)
        return web.json_response({"error": 0, "message": "Success", "data": data}, dumps=_json)

    def _outage_response(self, request: web.Request) -> web.StreamResponse:
        if self.faults.outage_drop:
            return _drop(request)
        status = self.faults.outage_status
        return web.Response(status=status, text=f"<html><body>{status}</body></html>")

    def _record_error(self, path: str, target: str | None, code: int, message: str) -> None:
        self.errors.append((path, code, message))
        user = self.users.get(target) if target is not None else None
        if user is not None:
            user.api_errors.append(f"{path}: {code} {message}")
        _LOG.debug("%s -> %s %s", path, code, message)

    async def _handle_oauth(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.call_counts[path] += 1
        form = {key: str(value) for key, value in request.query.items()}
        form.update({key: str(value) for key, value in (await request.post()).items()})
        self.requests.append((path, dict(form)))
        if self.faults.outage:
            return self._outage_response(request)
        rule = self.faults.match(path, None, oauth=True)
        if rule is not None:
            if rule.drop:
                return _drop(request)
            err = rule.to_error()
            return web.json_response(err.payload(), status=err.http_status)
        try:
            pair = self.tokens.exchange(request.headers.get("secret_key"), form)
        except OAuthError as err:
            self._record_error(path, None, err.code, err.description)
            return web.json_response(err.payload())
        return web.json_response(pair)

    async def _handle_media(self, request: web.Request) -> web.StreamResponse:
        item = self.media.items.get(request.match_info["key"])
        if item is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=item.data, content_type=item.mime_type)

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        self.call_counts[request.path] += 1
        return web.json_response(
            {"error": EMPTY_API, "message": message_for(EMPTY_API)}, status=404
        )

    # ----- the API methods ----------------------------------------------------------------

    async def _send_cs(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        return self.messenger.send_cs(body)

    async def _send_template(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        return self.messenger.send_template(body)

    async def _send_zns(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        return self.messenger.send_zns(body)

    async def _user_detail(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        return self.messenger.user_detail(request.query.get("data"))

    async def _upload_image(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        name, data = _file_field(body)
        return {"attachment_id": self.media.upload_image(name, data)}

    async def _upload_file(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        name, data = _file_field(body)
        return {"token": self.media.upload_file(name, data)}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer, like a crashed or unreachable gateway."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=502)


def _target(body: dict[str, Any]) -> str | None:
    recipient = body.get("recipient")
    if isinstance(recipient, dict) and recipient.get("user_id") is not None:
        return str(recipient["user_id"])
    if body.get("user_id") is not None:
        return str(body["user_id"])
    phone = body.get("phone")
    return str(phone) if phone is not None else None


def _file_field(body: dict[str, Any]) -> tuple[str, bytes]:
    field = body.get("file")
    if not isinstance(field, web.FileField):
        raise ZaloError(INVALID_PARAMS, "multipart field 'file' is required")
    return field.filename or "upload", field.file.read()


def _log_view(body: dict[str, Any]) -> Any:
    view: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, web.FileField):
            view[key] = f"<file {value.filename!r}>"
        else:
            view[key] = value
    return json.loads(dumps(view)) if view else {}
