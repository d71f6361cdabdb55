"""Building and running Loket's Telegram application.

`build_application` wires the handlers, the per-chat update processor, the rate limiter and
the SQLite persistence into a PTB Application; `BotRunner` owns the lifecycle (database,
biller, payment core, recovery of pending payments, polling or webhook); `run_bot` is what
`python -m bot` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeDefault
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, BasePersistence, BaseRateLimiter
from telegram.request import BaseRequest

from bot.billers.base import Biller
from bot.config import Settings
from bot.moneyin.runtime import MoneyInRuntime, MoneyInStartError
from bot.telegram.handlers import LoketHandlers, make_alarm, make_observer, register
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.ratelimit import LoketRateLimiter
from bot.telegram.texts import TEXTS

log = logging.getLogger(__name__)

COMMANDS = ("start", "bayar", "history", "saldo", "help", "lang")


def build_application(
    settings: Settings,
    service: Any,
    *,
    biller: Biller | None = None,
    persistence: BasePersistence[Any, Any, Any] | None = None,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A ready-to-initialize Application over the payment core `service`.

    `request` replaces the HTTP layer (tests); `biller` defaults to the core's own.
    """
    biller = biller or service.biller
    processor = PerChatUpdateProcessor()
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_base_url)
        .concurrent_updates(processor)
        .rate_limiter(rate_limiter or LoketRateLimiter())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if persistence is not None:
        builder = builder.persistence(persistence)
    application = builder.build()
    processor.application = application
    register(application, LoketHandlers(service, settings, biller.products()))
    service.add_observer(
        make_observer(application, settings.admin_ids, settings.status_follow_hours, service=service)
    )
    service.add_alarm(make_alarm(application, service, settings.admin_ids))
    return application


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in Indonesian (default) and English."""
    for lang in ("id", "en"):
        commands = [BotCommand(name, TEXTS[lang][f"cmd_{name}"]) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=None if lang == "id" else lang
        )


class BotRunner:
    """Start and stop the whole bot: database, biller, payment core, Telegram."""

    def __init__(
        self,
        settings: Settings,
        *,
        service: Any = None,
        biller: Biller | None = None,
        request: BaseRequest | None = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.biller = biller
        self.request = request
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._db: Any = None
        self._own_biller = False
        self._recovery: asyncio.Task[None] | None = None
        self.money_in: Any = None  # bot/moneyin/runtime.py: QRIS, deposit tickets, the HTTP server

    async def start(self) -> None:
        from storage.db import open_database
        from storage.persistence import SQLitePersistence

        self._db = open_database(self.settings.database_path)
        if self.service is None:
            from bot.billers import make_biller
            from bot.payments.service import PaymentService
            from storage.ledger import Ledger

            if self.biller is None:
                self.biller = make_biller(self.settings)
                self._own_biller = True
            self.service = PaymentService(Ledger(self._db), self.biller, self.settings)
        self.money_in = MoneyInRuntime(self.settings, self.service, self._db)
        await self.money_in.start()  # MoneyInStartError when HTTP_PORT is taken: before Telegram
        app = build_application(
            self.settings,
            self.service,
            biller=self.biller,
            persistence=SQLitePersistence(self._db),
            request=self.request,
        )
        self.application = app
        try:
            await app.initialize()
        except InvalidToken:
            # PTB's message quotes the token; ours never does.
            raise InvalidToken("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN)") from None
        await set_commands(app)
        assert app.updater is not None
        if self.settings.webhook_url:
            await app.updater.start_webhook(
                listen=self.settings.webhook_listen,
                port=self.settings.webhook_port,
                url_path=urlsplit(self.settings.webhook_url).path.strip("/"),
                webhook_url=self.settings.webhook_url,
                secret_token=self.settings.webhook_secret.get_secret_value(),
                drop_pending_updates=False,
            )
        else:
            await app.updater.start_polling(drop_pending_updates=False)
        await app.start()
        # Pending payments are resumed beside the chat, not before it: with the biller slow or
        # down, each status call may take BILLER_TIMEOUT, and customers must not wait for that.
        self._recovery = asyncio.create_task(self._recover(), name="loket-recovery")

    async def _recover(self) -> None:
        try:
            recovered = await self.service.recover()
        except Exception:  # the follow-up loop checks them again on its schedule
            log.exception("recovery of pending payments failed; the follow-up will retry")
        else:
            if recovered:
                log.info("resumed %d pending payment(s) after restart", len(recovered))
        self.service.start()
        if self.money_in is not None:
            await self.money_in.recover()

    async def stop(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
            self._recovery = None
        app = self.application
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        if self.money_in is not None:
            await self.money_in.stop()
        if self.service is not None:
            await self.service.stop()
        if self._own_biller and self.biller is not None:
            await self.biller.aclose()
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.conn.close()
            self._db = None


def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM. Without a token, say how to try Loket without one."""
    if not settings.token:
        print(
            "TELEGRAM_BOT_TOKEN is not set (put it in .env or the environment; see .env.example). "
            "To try Loket without a token: python -m bot demo",
            file=sys.stderr,
        )
        return 2

    async def main() -> int:
        runner = BotRunner(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await runner.start()
        except InvalidToken as error:
            print(str(error), file=sys.stderr)
            await runner.stop()
            return 2
        except MoneyInStartError as error:
            print(str(error), file=sys.stderr)
            await runner.stop()
            return 2
        except NetworkError as error:  # one line, not a traceback; the token is not in it
            host = urlsplit(settings.telegram_base_url).netloc
            why = str(error).replace(settings.token, "***")
            print(f"Cannot reach the Telegram Bot API at {host} (TELEGRAM_BASE_URL): {why}", file=sys.stderr)
            await runner.stop()
            return 1
        try:
            await stop.wait()
        finally:
            await runner.stop()
        return 0

    return asyncio.run(main())
