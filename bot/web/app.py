"""The ASGI application: each channel's webhook endpoints, ``/healthz`` and the file links.

Built by the runtime from what is running; Starlette only routes, the channels and the runtime
do the work (a webhook answers as soon as its event is stored).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.base import ChannelState, Endpoint

__all__ = ["Health", "build_web_app"]


@dataclass(frozen=True, slots=True)
class Health:
    database: bool
    channels: Sequence[ChannelState]

    @property
    def ok(self) -> bool:
        return self.database and all(state.ok for state in self.channels)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "database": "ok" if self.database else "unreachable",
            "channels": {
                state.name: {"ok": state.ok, "state": state.detail, **state.extra}
                for state in self.channels
            },
        }


def _endpoint_route(endpoint: Endpoint) -> Route:
    async def receive(request: Request) -> Response:
        answer = await endpoint.handle(await request.body(), request.headers)
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

    return Route(endpoint.path, receive, methods=["POST"])


def build_web_app(
    endpoints: Sequence[Endpoint],
    health: Callable[[], Awaitable[Health]],
    extra_routes: Sequence[Route] = (),
) -> Starlette:
    async def healthz(request: Request) -> Response:
        found = await health()
        return JSONResponse(found.as_json(), status_code=200 if found.ok else 503)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    routes += [_endpoint_route(endpoint) for endpoint in endpoints]
    routes += list(extra_routes)
    return Starlette(routes=routes)
