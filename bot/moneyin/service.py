"""MoneyIn: the QRIS intents and the deposit tickets over one database, and their lifecycle."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.config import Settings
from bot.gateways.base import Gateway
from bot.moneyin.qris import QrisPayments
from bot.moneyin.store import MoneyInStore
from bot.moneyin.tickets import DepositTickets

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MoneyIn:
    """`qris`: payment intents over the gateway (None: PAYMENT_GATEWAY=none, no QRIS);
    `tickets`: deposit tickets (need DEPOSIT_BANK_INFO)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        payments: Any,
        gateway: Gateway | None,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
        **qris_options: Any,
    ) -> None:
        self.store = MoneyInStore(db)
        self.gateway = gateway
        self.qris = QrisPayments(payments, gateway, settings, self.store, clock=clock, **qris_options)
        self.tickets = DepositTickets(payments, settings, self.store, clock=clock)

    async def recover(self) -> None:
        """At start-up, beside the chat: open intents checked, unpaid bills of paid intents paid."""
        recovered = await self.qris.recover()
        if recovered:
            log.info("money in: looked again at %d intent(s) after restart", len(recovered))
        self.tickets.sweep()

    def start(self) -> None:
        self.qris.start()

    async def stop(self) -> None:
        await self.qris.stop()
