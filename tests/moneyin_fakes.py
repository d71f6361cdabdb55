"""Test set-up for money in: the real payment core (fake biller), the real Midtrans client
talking to the in-process gateway sandbox, and the sandbox's notifications handed to
`QrisPayments.on_notification` (what Loket's HTTP endpoint calls), all on one settable clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.gateways.midtrans import MidtransClient
from bot.gateways.sandbox import SANDBOX_GATEWAY_URL, SANDBOX_SERVER_KEY, MidtransSandbox
from bot.moneyin import MoneyIn
from bot.moneyin.models import IntentNews, MoneyAlarm
from tests.core_fakes import Clock, FakeBiller, make_service

NOTIFY_URL = "https://loket.example.id/payments/midtrans/notify"


class Counter:
    def __init__(self) -> None:
        self.news: list[IntentNews] = []
        self.alarms: list[MoneyAlarm] = []
        self.answers: list[tuple[str, int]] = []  # (status word, HTTP status) of each delivery
        self.crashed: list[str] = []  # notifications the handler raised on (a 500)

    async def on_news(self, news: IntentNews) -> None:
        self.news.append(news)

    async def on_alarm(self, alarm: MoneyAlarm) -> None:
        self.alarms.append(alarm)

    def said(self) -> list[str]:
        return [n.news.value for n in self.news]


class World:
    """One Loket (core + money in) and one gateway sandbox, wired together."""

    def __init__(
        self, path: Path, clock: Clock | None = None, biller: FakeBiller | None = None, **settings: Any
    ):
        self.path = path
        self.clock = clock or Clock()
        self.biller = biller or FakeBiller()
        self.settings = {"PAYMENT_GATEWAY": "sandbox", "PUBLIC_URL": "https://loket.example.id", **settings}
        self.sandbox = MidtransSandbox(clock=self.clock, sender=self._deliver)
        self.seen = Counter()
        self.connect()

    def connect(self) -> None:
        """(Re)start Loket over the same database file and the same sandbox: a restart."""
        self.service = make_service(self.path, self.biller, self.clock, **self.settings)
        self.client = MidtransClient(
            server_key=SANDBOX_SERVER_KEY,
            base_url=SANDBOX_GATEWAY_URL,
            public_url=self.settings.get("PUBLIC_URL", ""),
            transport=self.sandbox.transport(),
            name="sandbox",
        )
        self.money = MoneyIn(
            self.service.ledger.db, self.service, self.client, self.service.settings, clock=self.clock
        )
        self.qris = self.money.qris
        self.tickets = self.money.tickets
        self.qris.add_observer(self.seen.on_news)
        self.qris.add_alarm(self.seen.on_alarm)
        self.delivering = True

    def close(self) -> None:
        self.service.ledger.db.conn.close()

    async def _deliver(self, url: str, payload: dict[str, Any]) -> int:
        if not self.delivering:
            raise ConnectionError("Loket is down")
        try:
            answer = await self.qris.on_notification(payload)
        except Exception as error:  # Loket's endpoint would answer 500: never expected
            self.seen.crashed.append(repr(error))
            raise
        self.seen.answers.append((payload.get("transaction_status", ""), answer.status))
        return answer.status

    @property
    def db(self):
        return self.service.ledger.db

    def credits(self, user_id: int) -> list[dict[str, Any]]:
        return self.money.store.credits(user_id)
