"""Building and running Loket's Telegram application.

`build_application` wires the rooms' handlers (bot/telegram/flows/), the core's notices, the
per-chat update processor, the rate limiter and the SQLite persistence into a PTB Application;
`BotRunner` owns the lifecycle (database, biller, payment core, recovery of pending payments,
polling or webhook); `run_bot` is what `python -m bot` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeDefault
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ApplicationBuilder, BasePersistence, BaseRateLimiter, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.moneyin import MoneyIn
from bot.moneyin.runtime import MoneyInRuntime
from bot.ops.health import Vitals, WatchedRequest
from bot.ops.startup import summary as startup_summary
from bot.payments import Biller, CatalogueSync, PaymentService
from bot.telegram import ops_jobs
from bot.telegram.catalogue import Catalogue
from bot.telegram.context import Loket, LoketApplication, LoketContext
from bot.telegram.errors import on_error
from bot.telegram.flows import (
    account,
    bill,
    catalogue_admin,
    exports,
    fallback,
    guided,
    maintenance,
    operator,
    operator_tools,
    qris,
    reseller,
    tickets,
    topup,
)
from bot.telegram.moneyin_notices import make_intent_observer, make_money_alarm, make_ticket_observer
from bot.telegram.notices import make_alarm, make_observer
from bot.telegram.paid_lane import PaidLane
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.ratelimit import BoundedRequest, LoketRateLimiter
from bot.telegram.texts import DEFAULT_LANG, TEXTS
from bot.tls import tls_context
from bot.web.runtime import LoketWeb, WebStartError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from storage.db import InstanceLock

log = logging.getLogger(__name__)

PAID_LANE_KEY = "paid_lane"  # bot_data: the paid lane's count today, kept across restarts
COMMANDS = ("start", "bayar", "history", "saldo", "help", "lang")


def build_application(
    settings: Settings,
    service: PaymentService,
    *,
    biller: Biller | None = None,
    persistence: BasePersistence[Any, Any, Any] | None = None,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    money: MoneyIn | None = None,
) -> LoketApplication:
    """A ready-to-initialize Application over the payment core `service`.

    `request` replaces the HTTP layer (tests); `biller` defaults to the core's own; `money`
    (QRIS and deposit tickets, bot/moneyin) lets customers top up and pay by QRIS.
    """
    biller = biller or service.biller
    processor = PerChatUpdateProcessor()
    sync = CatalogueSync(biller, service.ledger.db, settings.ayoconnect_product_codes)
    loket = Loket(service, settings, Catalogue(biller.products, service.prices.switched_off), sync, money)
    vitals = Vitals(settings)  # metrics and health: /metrics, /healthz
    if rate_limiter is None:  # Telegram's free pace, and its paid lane when the operator buys one
        rate_limiter = LoketRateLimiter(paid=PaidLane(settings.telegram_paid_messages_per_day))
    builder = (
        ApplicationBuilder()
        .application_class(LoketApplication, {"loket": loket, "vitals": vitals})
        .context_types(ContextTypes(context=LoketContext))
        .token(settings.token)
        .base_url(settings.telegram_base_url)
        .concurrent_updates(processor)
        .rate_limiter(rate_limiter)
    )
    # Every Bot API answer is seen (when Telegram last answered, its 429s and errors).
    if request is not None:
        watched = WatchedRequest(request, vitals.telegram)
        builder = builder.request(watched).get_updates_request(watched)
    else:  # the bot's calls: a burst waits its turn off the connection pool (ratelimit.py); 1 for getUpdates
        tls = {"verify": tls_context()}  # one CA bundle read for both clients (bot/tls.py)
        builder = builder.request(
            WatchedRequest(BoundedRequest(httpx_kwargs=tls), vitals.telegram)
        ).get_updates_request(
            WatchedRequest(HTTPXRequest(connection_pool_size=1, httpx_kwargs=tls), vitals.telegram)
        )
    if persistence is not None:
        builder = builder.persistence(persistence)
    application = builder.build()
    assert isinstance(application, LoketApplication)
    processor.application = application
    processor.on_handled = vitals.metrics.update_handled  # counters only, no database work
    register(application, settings.admin_ids)
    if isinstance(rate_limiter, LoketRateLimiter):
        watch_paid_lane(application, rate_limiter.paid, vitals)
    ops_jobs.schedule(application)
    ops_jobs.watch_biller(application)  # the biller's refusals, silences, low deposit: to operators
    service.add_observer(
        make_observer(application, settings.admin_ids, settings.status_follow_hours, service=service)
    )
    service.add_observer(vitals.metrics.on_payment)  # settled payments, counted once
    service.add_alarm(make_alarm(application, service, settings.admin_ids))
    if money is not None:
        money.qris.add_observer(make_intent_observer(application, service))
        money.qris.add_alarm(make_money_alarm(application, service, settings.admin_ids))
        money.tickets.add_observer(make_ticket_observer(application, service, settings.admin_ids))
    return application


def watch_paid_lane(application: LoketApplication, lane: PaidLane, vitals: Vitals) -> None:
    """Paid messages are counted (/metrics, the day's report); operators hear when the day's
    budget is gone or Telegram refuses to be paid (at most twice a day, after the customer's
    message has gone)."""
    vitals.paid = lane
    lane.on_paid.append(lambda: vitals.metrics.telegram_paid.inc())

    def save(state: dict[str, object]) -> None:
        application.bot_data[PAID_LANE_KEY] = state

    lane.remember(lambda: application.bot_data.get(PAID_LANE_KEY), save)  # bot_data is persisted

    async def notice(key: str, values: dict[str, object]) -> None:
        await ops_jobs.tell(application, key, **values)

    lane.add_notice(notice)


def register(application: LoketApplication, admin_ids: list[int]) -> None:
    """Every room's handlers, in one group: the first that takes an update handles it, so the
    guided conversation comes first and `fallback` (what no room took) last."""
    application.add_handlers(guided.handlers())
    application.add_handlers(operator_tools.handlers(admin_ids))  # an operator's /saldo <id> first
    application.add_handlers(account.handlers())
    application.add_handlers(bill.handlers())
    application.add_handlers(qris.handlers())
    application.add_handlers(topup.handlers())
    application.add_handlers(tickets.handlers(admin_ids))
    application.add_handlers(operator.handlers(admin_ids))
    application.add_handlers(catalogue_admin.handlers(admin_ids))
    application.add_handlers(exports.handlers(admin_ids))
    application.add_handlers(ops_jobs.handlers(admin_ids))
    application.add_handlers(maintenance.handlers(admin_ids))
    application.add_handlers(reseller.handlers())
    application.add_handlers(fallback.handlers())
    application.add_error_handler(on_error)


async def set_commands(application: LoketApplication) -> None:
    """The command menu in Indonesian (default) and English."""
    for lang in TEXTS:
        commands = [BotCommand(name, TEXTS[lang][f"cmd_{name}"]) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=None if lang == DEFAULT_LANG else lang
        )


class BotRunner:
    """Start and stop the whole bot: database, biller, payment core, Telegram."""

    def __init__(
        self,
        settings: Settings,
        *,
        service: PaymentService | None = None,
        biller: Biller | None = None,
        request: BaseRequest | None = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.biller = biller
        self.request = request
        self.application: LoketApplication | None = None
        self._db: Database | None = None
        self._lock: InstanceLock | None = None
        self._own_biller = False
        self._recovery: asyncio.Task[None] | None = None
        self._menu: asyncio.Task[None] | None = None
        self.money_in: Any = None  # bot/moneyin/runtime.py: QRIS, deposit tickets
        self.web: LoketWeb | None = None  # Loket's own HTTP server: /healthz, /metrics, notifications

    async def start(self) -> None:
        from storage.db import lock_database, open_database
        from storage.persistence import SQLitePersistence

        created = not Path(self.settings.database_path).exists()  # for the start-up summary
        # One bot per database (DatabaseInUse otherwise): the pay-at-most-once guard for a
        # payment whose answer is still on its way lives in this process's memory.
        self._lock = lock_database(self.settings.database_path)
        self._db = open_database(
            self.settings.database_path, busy_timeout_ms=self.settings.database_busy_timeout_ms
        )
        if self.service is None:
            from bot.payments import PaymentService, make_biller
            from bot.payments.ledger import Ledger

            if self.biller is None:
                self.biller = make_biller(self.settings)
                self._own_biller = True
            self.service = PaymentService(Ledger(self._db), self.biller, self.settings)
        self.money_in = MoneyInRuntime(self.settings, self.service, self._db)
        await self.money_in.start()
        app = build_application(
            self.settings,
            self.service,
            biller=self.biller,
            persistence=SQLitePersistence(self._db),
            request=self.request,
            money=self.money_in.money,
        )
        self.application = app
        # Loket's HTTP server, in every mode, before Telegram: WebStartError when HTTP_PORT is taken
        self.web = LoketWeb(self.settings.http_listen, self.settings.http_port)
        http = await self.web.start(app.vitals.health, app.vitals.metrics.render, qris=self.money_in.qris)
        self.money_in.served(http)
        try:
            await app.initialize()
        except InvalidToken:
            # PTB's message quotes the token; ours never does.
            raise InvalidToken("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN)") from None
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
            await app.updater.start_polling(
                drop_pending_updates=False,
                error_callback=lambda error: ops_jobs.telegram_failed(app, error),  # one line per outage
            )
        await app.start()
        log.info(startup_summary(self.settings, created=created))
        # The command menu is set beside the chat: the first getUpdates does not wait for two
        # setMyCommands round trips, and a Telegram that refuses them does not stop the bot.
        self._menu = asyncio.create_task(self._set_menu(app), name="loket-menu")
        # Pending payments are resumed beside the chat, not before it: with the biller slow or
        # down, each status call may take BILLER_TIMEOUT, and customers must not wait for that.
        self._recovery = asyncio.create_task(self._recover(), name="loket-recovery")

    async def _set_menu(self, app: LoketApplication) -> None:
        try:
            await set_commands(app)
        except TelegramError as error:  # the menu is a convenience: the commands work without it
            log.warning("the command menu could not be set (setMyCommands): %s", error)

    async def _recover(self) -> None:
        assert self.service is not None
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
        if self._menu is not None:
            self._menu.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._menu
            self._menu = None
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
            self._recovery = None
        if self.web is not None:  # no new notifications
            await self.web.stop()
            self.web = None
        if self.money_in is not None:  # bills being paid finish while Telegram is up
            await self.money_in.stop()
        app = self.application
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        if self.service is not None:
            await self.service.stop()
        if self._own_biller and self.biller is not None:
            await self.biller.aclose()
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.conn.close()
            self._db = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM. Without a token, say how to try Loket without one."""
    if not settings.token:
        print(
            "TELEGRAM_BOT_TOKEN is not set (put it in .env or the environment; see .env.example). "
            "To try Loket without a token: python -m bot demo",
            file=sys.stderr,
        )
        return 2

    from storage.db import DatabaseUnusable

    async def main() -> int:
        runner = BotRunner(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await runner.start()
        except DatabaseUnusable as error:  # one line naming the file, not a traceback
            print(f"DATABASE_PATH: {error}", file=sys.stderr)
            await runner.stop()
            return 2
        except InvalidToken as error:
            print(str(error), file=sys.stderr)
            await runner.stop()
            return 2
        except WebStartError as error:
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
