"""Loket's own HTTP server on HTTP_LISTEN:HTTP_PORT, served by tornado.

Beside the bot, in polling and webhook mode alike (the webhook has its own server, PTB's);
bot/web/runtime.py owns and starts it. Endpoints are added before `start()`: `add_gateway_routes`
adds `POST /payments/midtrans/notify`, runtime.py's `add_watch_routes` `/healthz` and `/metrics`.
Keep it on 127.0.0.1 behind an HTTPS reverse proxy: the gateway must reach it on 443.

Why tornado: python-telegram-bot loads it at every start anyway (its webhook server), while
aiohttp would add a fifth of a second before the first getUpdates (its client makes two TLS
contexts on import). aiohttp stays where it serves more: the sandboxes and the Bot API emulator.
An endpoint is a coroutine from the request's body to a `Reply`, so no framework type leaks out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.gateways.midtrans import NOTIFY_PATH

log = logging.getLogger(__name__)

BODY_LIMIT = 64 * 1024  # a notification is a few hundred bytes
# what tornado itself reads before it refuses a body: above BODY_LIMIT, so that a body between the
# two is answered 413 by us; beyond it the connection is closed
READ_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, text: str) -> Reply:
        return cls(status, text.encode())


Endpoint = Callable[[bytes], Awaitable[Reply]]  # the request's body -> the answer


class _Route(RequestHandler):
    """One path; its endpoints by method. Anything else is 405, as aiohttp answered before."""

    def initialize(self, endpoints: dict[str, Endpoint]) -> None:
        self.endpoints = endpoints

    async def _answer(self) -> None:
        endpoint = self.endpoints.get(self.request.method or "")
        if endpoint is None:
            self.set_status(405)
            self.set_header("Allow", ", ".join(sorted(self.endpoints)))
            return
        if len(self.request.body) > BODY_LIMIT:
            reply = Reply.text(413, "too large")
        else:
            reply = await endpoint(self.request.body)
        self.set_status(reply.status)
        self.set_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.set_header(name, value)
        self.write(reply.body)

    async def get(self) -> None:
        await self._answer()

    async def post(self) -> None:
        await self._answer()

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:  # one line, never a request's body
        log.error("HTTP %s %s failed: %s", self.request.method, self.request.path, typ.__name__)


class LoketHTTP:
    def __init__(self, host: str = "127.0.0.1", port: int = 8081) -> None:
        self.host = host
        self.port = port
        self._routes: dict[str, dict[str, Endpoint]] = {}
        self._server: HTTPServer | None = None

    def add_route(self, method: str, path: str, endpoint: Endpoint) -> None:
        if self._server is not None:
            raise RuntimeError("routes are added before start()")
        self._routes.setdefault(path, {})[method.upper()] = endpoint

    async def start(self) -> int:
        """Listen; returns the port (HTTP_PORT=0 picks a free one). OSError when it is taken."""
        handlers = [(path, _Route, {"endpoints": endpoints}) for path, endpoints in self._routes.items()]
        app = Application(handlers, log_function=lambda handler: None)  # no access log
        sockets = bind_sockets(self.port, self.host)
        server = HTTPServer(app, max_body_size=READ_LIMIT, xheaders=False)
        server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        self._server = server
        log.info("Loket's HTTP endpoints on %s", self.url)
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            server.stop()
            await server.close_all_connections()


def add_gateway_routes(http: LoketHTTP, qris: Any) -> None:
    """POST /payments/midtrans/notify -> QrisPayments.on_notification (bot/moneyin/qris.py)."""

    async def notify(body: bytes) -> Reply:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Reply.text(400, "not JSON")
        answer = await qris.on_notification(payload)
        return Reply.text(answer.status, answer.text)

    http.add_route("POST", NOTIFY_PATH, notify)
