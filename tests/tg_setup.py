"""Builds a real Loket Application over a temp database, the sandbox biller and FakeBotAPI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.billers import make_biller
from bot.config import Settings
from bot.payments.ledger import Ledger
from bot.payments.service import PaymentService
from bot.telegram.app import build_application
from bot.telegram.ratelimit import LoketRateLimiter
from storage.db import open_database
from storage.persistence import SQLitePersistence
from tests.tg_double import TOKEN, Chat, FakeBotAPI

ADMIN = 900
CUSTOMER = 1001
OTHER = 1002
PLN_OK = "530000000000"  # sandbox: one bill
PLN_PENDING = "530000001039"  # sandbox: the payment stays pending for a few status checks


def make_settings(tmp: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": "http://telegram.invalid/bot",
        "DATABASE_PATH": str(tmp / "loket.sqlite3"),
        "ADMIN_IDS": str(ADMIN),
        "MARKUP": "1500",
        "HTTP_PORT": "0",  # Loket's HTTP server always runs: a free port, never a collision on 8081
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Harness:
    """One bot: settings, database, payment core, Application, fake Bot API, recorded errors."""

    def __init__(
        self,
        tmp: Path,
        *,
        biller: Any = None,
        clock: Callable[[], datetime] | None = None,
        rate_limiter: Any = None,
        money: bool = False,
        **extra: Any,
    ) -> None:
        self.settings = make_settings(tmp, **extra)
        self.db = open_database(self.settings.database_path)
        self.own_biller = biller is None
        self.biller = biller or make_biller(self.settings)
        kwargs = {"clock": clock} if clock else {}
        self.service = PaymentService(Ledger(self.db), self.biller, self.settings, **kwargs)
        self.api = FakeBotAPI()
        self.errors: list[BaseException] = []
        self.money: Any = None  # money in (bot/moneyin) over the settings' gateway, when asked for
        if money:
            from bot.gateways import make_gateway
            from bot.moneyin import MoneyIn

            self.money = MoneyIn(self.db, self.service, make_gateway(self.settings), self.settings, **kwargs)
        self.app = build_application(
            self.settings,
            self.service,
            persistence=SQLitePersistence(self.db),
            request=self.api,
            rate_limiter=rate_limiter or LoketRateLimiter(chat_burst=1000, chat_period=1.0),
            money=self.money,
        )

        async def record(update: object, context: Any) -> None:
            self.errors.append(context.error)

        self.app.add_error_handler(record)

    async def __aenter__(self) -> Harness:
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        await self.service.stop()
        if self.own_biller:
            await self.biller.aclose()

    def chat(self, user_id: int = CUSTOMER, language: str = "id", first_name: str = "Budi") -> Chat:
        return Chat(self.app, self.api, user_id, language, first_name)

    def fund(self, user_id: int, amount: int) -> None:
        self.service.ensure_user(user_id)
        self.service.top_up(ADMIN, user_id, amount, "test")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def walk_to_bill(bot: Harness, chat: Chat, category: str, product: str, number: str) -> dict[str, Any]:
    """/start, then the guided flow's taps to the bill of `number`; the bill's message."""
    await chat.says("/start")
    menu = chat.last()
    assert "m:pay" in chat.buttons(menu)
    await chat.clicks(menu, "m:pay")
    msg = chat.last()
    assert msg["message_id"] == menu["message_id"]  # edited in place
    assert f"cat:{category}" in chat.buttons(msg)
    await chat.clicks(msg, f"cat:{category}")
    msg = chat.last()
    assert f"prod:{product}" in chat.buttons(msg) and "back" in chat.buttons(msg)
    await chat.clicks(msg, f"prod:{product}")
    await chat.says(number)
    return chat.last()
