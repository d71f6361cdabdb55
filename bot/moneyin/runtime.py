"""Money in beside the bot: the gateway and MoneyIn.

BotRunner (bot/telegram/app.py) calls `start()` once the payment core exists, hands `qris` to
Loket's HTTP server (bot/web/runtime.py, which it owns and starts before Telegram is spoken to)
for the gateway's notifications and tells `served()` where that server listens, calls
`recover()` beside the chat with the core's own recovery, and `stop()` on the way out (after the
HTTP server stopped). With PAYMENT_GATEWAY=none there is no gateway and no notification route;
deposit tickets still work.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlite_utils

from bot.config import Settings
from bot.gateways import make_gateway
from bot.gateways.base import Gateway
from bot.gateways.midtrans import NOTIFY_PATH
from bot.moneyin.service import MoneyIn
from bot.web.server import LoketHTTP

log = logging.getLogger(__name__)


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
        return self.money

    @property
    def qris(self) -> Any:
        """What the gateway's notifications reach (QrisPayments), None without a gateway."""
        return self.money.qris if self.money is not None and self.gateway is not None else None

    def served(self, http: LoketHTTP) -> None:
        """Loket's HTTP server listens (with the notification route when there is a gateway)."""
        if self.gateway is None:
            return
        self.http = http
        simulator = getattr(self.gateway, "simulator", None)
        if simulator is not None and not simulator.notify_url:  # the in-process sandbox notifies us here
            simulator.notify_url = f"{http.url}{NOTIFY_PATH}"

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
        """The poller stops and the bills being paid finish (BotRunner stopped the HTTP server
        first: no new notifications)."""
        self.http = None
        if self.money is not None:
            await self.money.stop()
        if self._own_gateway and self.gateway is not None:
            await self.gateway.aclose()
            self._own_gateway = False
