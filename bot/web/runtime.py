"""Loket's own HTTP server, always: `GET /healthz` and `GET /metrics`, and the payment gateway's
notifications when one is configured (bot/web/server.py's `add_gateway_routes`).

BotRunner (bot/telegram/app.py) starts it once the Application is built and before Telegram is
spoken to, in polling and webhook mode alike, and stops it first on the way out (no new
notifications while the rest stops). A taken HTTP_PORT stops the start with one line
(`WebStartError`, exit code 2). HTTP_PORT=0 takes a free port (tests, the demo).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from bot.web.server import LoketHTTP, Reply, add_gateway_routes

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
METRICS_TYPE = "text/plain; version=0.0.4"

Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]  # (healthy, JSON answer)
Render = Callable[[], bytes]  # the Prometheus text, made in a worker thread


class WebStartError(Exception):
    """Loket's HTTP server cannot listen. The message is one line for the operator."""


def add_watch_routes(http: LoketHTTP, health: Health, metrics: Render) -> None:
    """GET /healthz (200 or 503 with JSON) and GET /metrics (Prometheus text)."""

    async def healthz(body: bytes) -> Reply:
        healthy, answer = await health()
        return Reply(
            200 if healthy else 503,
            json.dumps(answer, separators=(",", ":")).encode(),
            "application/json; charset=utf-8",
            {"Cache-Control": "no-store"},
        )

    async def scrape(body: bytes) -> Reply:
        text = await asyncio.to_thread(metrics)  # reads the ledger: never on the event loop
        return Reply(200, text, METRICS_TYPE + "; charset=utf-8")

    http.add_route("GET", HEALTH_PATH, healthz)
    http.add_route("GET", METRICS_PATH, scrape)


class LoketWeb:
    """The one owner of Loket's HTTP server."""

    def __init__(self, host: str, port: int) -> None:
        self.http = LoketHTTP(host, port)
        self.gateway = False

    async def start(self, health: Health, metrics: Render, *, qris: Any = None) -> LoketHTTP:
        """Add the routes and listen; WebStartError (one line) when the port cannot be had."""
        add_watch_routes(self.http, health, metrics)
        if qris is not None:
            add_gateway_routes(self.http, qris)
            self.gateway = True
        where = f"{self.http.host}:{self.http.port}"
        try:
            await self.http.start()
        except OSError as error:
            why = os.strerror(error.errno) if error.errno else (error.strerror or type(error).__name__)
            what = "/healthz, /metrics" + (" and gateway notifications" if self.gateway else "")
            line = f"Cannot listen on {where} (HTTP_LISTEN, HTTP_PORT) for {what}: {why}"
            raise WebStartError(line) from None
        return self.http

    @property
    def url(self) -> str:
        return self.http.url

    async def stop(self) -> None:
        await self.http.stop()
