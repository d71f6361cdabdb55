"""Money in beside the bot: the gateway, MoneyIn, and Loket's own HTTP server.

BotRunner (bot/telegram/app.py) calls `start()` once the payment core exists (before Telegram
is spoken to: a taken HTTP_PORT stops the start with one line), `recover()` beside the chat
with the core's own recovery, and `stop()` on the way out. With PAYMENT_GATEWAY=none there is
no gateway and no HTTP server; deposit tickets still work.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.config import Settings
from bot.gateways import make_gateway
from bot.gateways.base import Gateway
from bot.gateways.midtrans import NOTIFY_PATH
from bot.moneyin.service import MoneyIn

if TYPE_CHECKING:
    from bot.web.server import LoketHTTP

log = logging.getLogger(__name__)


class MoneyInStartError(Exception):
    """Money in cannot start (its HTTP port is taken). The message is one line for the operator."""


class MoneyInRuntime:
    def __init__(
        self, settings: Settings, payments: Any, db: sqlite_utils.Database, *, gateway: Gateway | None = None
    ) -> None:
        self.settings = settings
        self.payments = payments
        self.db = db
        self.gateway = gateway
        self._own_gateway = False
        self.money: MoneyIn | None = None
        self.http: LoketHTTP | None = None

    async def start(self) -> MoneyIn:
        if self.gateway is None:
            self.gateway = make_gateway(self.settings)
            self._own_gateway = self.gateway is not None
        self.money = MoneyIn(self.db, self.payments, self.gateway, self.settings)
        if self.gateway is None:
            return self.money
        # imported only with a gateway: aiohttp takes a quarter of a second of every start-up
        from bot.web.server import LoketHTTP, add_gateway_routes

        http = LoketHTTP(self.settings.http_listen, self.settings.http_port)
        add_gateway_routes(http, self.money.qris)
        try:
            await http.start()
        except OSError as error:
            await self.stop()
            where = f"{self.settings.http_listen}:{self.settings.http_port}"
            why = error.strerror or type(error).__name__
            raise MoneyInStartError(
                f"Cannot listen on {where} (HTTP_LISTEN, HTTP_PORT) for gateway notifications: {why}"
            ) from None
        self.http = http
        simulator = getattr(self.gateway, "simulator", None)
        if simulator is not None and not simulator.notify_url:  # the in-process sandbox notifies us here
            simulator.notify_url = f"{http.url}{NOTIFY_PATH}"
        return self.money

    async def recover(self) -> None:
        """Beside the chat: what happened while Loket was down is looked at, then polled."""
        if self.money is None:
            return
        try:
            await self.money.recover()
        except Exception:  # the poller looks again on its schedule
            log.exception("money-in recovery failed; the poller will retry")
        self.money.start()

    async def stop(self) -> None:
        """No new notifications first, then the poller stops and the bills being paid finish."""
        if self.http is not None:
            await self.http.stop()
            self.http = None
        if self.money is not None:
            await self.money.stop()
        if self._own_gateway and self.gateway is not None:
            await self.gateway.aclose()
            self._own_gateway = False
