"""Loket's own HTTP server: one aiohttp application on HTTP_LISTEN:HTTP_PORT.

Beside the bot, in polling and webhook mode alike (the webhook has its own server, PTB's).
Endpoints are added before `start()` by whoever owns them: `add_gateway_routes` adds
`POST /payments/midtrans/notify`; a health or metrics endpoint is one more `add_route`.
Keep it on 127.0.0.1 behind an HTTPS reverse proxy: the gateway must reach it on 443.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.gateways.midtrans import NOTIFY_PATH
from bot.web.site import LocalSite

log = logging.getLogger(__name__)

BODY_LIMIT = 64 * 1024  # a notification is a few hundred bytes
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoketHTTP:
    def __init__(self, host: str = "127.0.0.1", port: int = 8081) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=BODY_LIMIT)
        self._site: LocalSite | None = None

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        if self._site is not None:
            raise RuntimeError("routes are added before start()")
        self.app.router.add_route(method, path, handler)

    async def start(self) -> int:
        """Listen; returns the port (HTTP_PORT=0 picks a free one). OSError when it is taken."""
        site = LocalSite(self.app, self.host, self.port)
        self.port = await site.start()
        self._site = site
        log.info("Loket's HTTP endpoints on %s", self.url)
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None


def add_gateway_routes(http: LoketHTTP, qris: Any) -> None:
    """POST /payments/midtrans/notify -> QrisPayments.on_notification (bot/moneyin/qris.py)."""

    async def notify(request: web.Request) -> web.Response:
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        answer = await qris.on_notification(payload)
        return web.Response(status=answer.status, text=answer.text)

    http.add_route("POST", NOTIFY_PATH, notify)
