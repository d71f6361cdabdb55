"""QRIS through a payment gateway: payment intents, from the charge to the credit.

The rules it exists to keep (issue 10, "Money rules for money in"):
- the intent, with its never-reused order_id, is committed before the charge request leaves
  the process;
- nothing is credited on a notification alone: a notification with a good signature only
  makes Loket ask the gateway's status call, and only that answer moves money, after its
  amount and currency are checked against the intent;
- a paid intent credits the wallet exactly once: the PAID move and the wallet entry with the
  intent's key are one database transaction, and the database refuses a second entry with that
  key, whatever the number, order or timing of notifications, status checks and restarts;
- a paid bill intent then pays its bill from the wallet at once through PaymentService.pay
  (which pays a bill at most once); if that bill can no longer be paid, the money stays in the
  wallet and the owner is told. A restart in between finishes the job once (`recover`);
- a payment that arrives after Loket closed the intent (expired, cancelled, failed) is
  credited to the wallet, never lost, and the owner is told; the bill is not paid from it;
- a settled payment the gateway later reverses (refund, deny) is offset by one entry with the
  reversal key, never below zero: what the wallet no longer holds is recorded as the
  intent's shortfall and the operators are alarmed;
- an intent still pending is checked with the status call on a schedule (the gateway may never
  notify), and "I have paid" only triggers such a check. Past its expiry Loket cancels it at
  the gateway, so it can no longer be paid, and calls it expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings
from bot.gateways.base import BadNotification, BadSignature, Gateway, GatewayOutcome
from bot.moneyin.bills import BillPayer
from bot.moneyin.charge import Charges
from bot.moneyin.errors import IntentNotFound, QrisUnavailable
from bot.moneyin.models import (
    OPEN_INTENT_STATES,
    IntentEvent,
    IntentNews,
    IntentState,
    MoneyAlarm,
    PaymentIntent,
)
from bot.moneyin.settle import NOT_FOUND_GRACE, POLL_EVERY, Effects, Settlement
from bot.moneyin.store import MoneyInStore

log = logging.getLogger(__name__)

IntentObserver = Callable[[IntentNews], Awaitable[None]]
AlarmCallback = Callable[[MoneyAlarm], Awaitable[None]]

CHECK_GAP = 3  # seconds: "I have paid" taps closer together than this ask the gateway once
POLL_TICK = 5  # seconds between two looks for due intents


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NotifyAnswer:
    """What Loket's HTTP endpoint answers a notification, and why (for the log and the tests)."""

    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.text = text

    def __repr__(self) -> str:
        return f"NotifyAnswer({self.status}, {self.text!r})"


class QrisPayments:
    """Payment intents over a Gateway, crediting wallets the payment core reads: the one object
    the chat, Loket's endpoint and the runtime use. Making and charging an intent is
    `charge.py`'s, applying the gateway's answers `settle.py`'s, the bill step `bills.py`'s."""

    def __init__(
        self,
        payments: Any,  # bot.payments.service.PaymentService (its public methods only)
        gateway: Gateway | None,
        settings: Settings,
        store: MoneyInStore,
        *,
        clock: Callable[[], datetime] = _utcnow,
        poll_every: int = POLL_EVERY,
        poll_tick: float = POLL_TICK,
        not_found_grace: float = NOT_FOUND_GRACE,
    ) -> None:
        self.payments = payments
        self.gateway = gateway
        self.settings = settings
        self.store = store
        self._now = clock
        self.poll_tick = poll_tick
        self.check_gap = CHECK_GAP  # "I have paid" taps closer together ask the gateway once
        self._settle = Settlement(
            store, settings, clock, poll_every=poll_every, not_found_grace=not_found_grace
        )
        self._charges = Charges(payments, store, settings, self._settle, clock)
        self._bills = BillPayer(payments, store, clock)
        self._observers: list[IntentObserver] = []
        self._alarms: list[AlarmCallback] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_check: dict[str, datetime] = {}
        self._poller: asyncio.Task[None] | None = None

    # -- observers -----------------------------------------------------------------------------
    def add_observer(self, callback: IntentObserver) -> None:
        """Told what happened to an intent (IntentNews), after the commit."""
        self._observers.append(callback)

    def add_alarm(self, callback: AlarmCallback) -> None:
        """Told what only an operator can put right: reversals, amount mismatches, stuck intents."""
        self._alarms.append(callback)

    async def _after(self, effects: Effects) -> None:
        for news in effects.news:
            for observer in list(self._observers):
                try:
                    await observer(news)
                except Exception:
                    log.exception("intent observer failed for %s", news.intent.order_id)
        for alarm in effects.alarms:
            log.error("money in: %s on %s: %s", alarm.kind.value, alarm.intent.order_id, alarm.detail)
            for callback in list(self._alarms):
                try:
                    await callback(alarm)
                except Exception:
                    log.exception("money-in alarm callback failed for %s", alarm.intent.order_id)
        for order_id in effects.bills:
            self._spawn(self._pay_bill(order_id))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the bill payments started in the background (tests, shutdown). A waiter that
        is cancelled (a stopping start-up recovery) never cancels them: a bill's pay request,
        once sent, is left to finish and record its answer."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    # -- reading -------------------------------------------------------------------------------
    def _require_gateway(self) -> Gateway:
        if self.gateway is None:
            raise QrisUnavailable("PAYMENT_GATEWAY=none")
        return self.gateway

    @property
    def available(self) -> bool:
        return self.gateway is not None

    def _visible(self, order_id: str, user_id: int) -> PaymentIntent:
        intent = self.store.get_intent(order_id)
        if intent is None or intent.user_id != user_id:
            raise IntentNotFound(order_id)
        return intent

    def get(self, order_id: str, user_id: int) -> PaymentIntent:
        return self._visible(order_id, user_id)

    def intents(self, user_id: int, limit: int = 10) -> list[PaymentIntent]:
        return self.store.intents_of(user_id, limit)

    def events(self, order_id: str, user_id: int) -> list[IntentEvent]:
        self._visible(order_id, user_id)
        return self.store.intent_events(order_id)

    def set_notify(self, order_id: str, notify: dict[str, Any]) -> None:
        if not self.store.set_intent_notify(order_id, dict(notify)):
            raise IntentNotFound(order_id)

    def fee(self) -> int:
        return self.settings.qris_fee

    def price_of_bill(self, bill_amount: int) -> int:
        """What paying a bill of `bill_amount` by QRIS costs the customer (shown before paying)."""
        return bill_amount + self.settings.qris_fee

    # -- creating and charging ---------------------------------------------------------------------
    async def pay_bill(
        self, user_id: int, ref_id: str, notify: dict[str, Any] | None = None
    ) -> PaymentIntent:
        """A QR for an inquired bill: its confirmed amount (from the database) + QRIS_FEE.

        A second tap while the first QR is still payable shows the same QR. Raises
        QrisUnavailable, TransactionNotFound, NotPayable (not an open inquiry), InquiryExpired
        (too old to pay: nothing is changed), AmountOutOfRange (over the QRIS limit), ChargeFailed.
        """
        return await self._charges.pay_bill(self._require_gateway(), user_id, ref_id, notify)

    async def top_up(self, user_id: int, amount: int, notify: dict[str, Any] | None = None) -> PaymentIntent:
        """A QR that credits `amount` to the wallet (the customer pays amount + QRIS_FEE)."""
        return await self._charges.top_up(self._require_gateway(), user_id, amount, notify)

    # -- status calls, notifications, checks, cancels ---------------------------------------------
    async def _ask_and_apply(self, intent: PaymentIntent, cause: str) -> PaymentIntent:
        """One status call, applied (settle.py), then the owner and the operators told."""
        gateway = self._require_gateway()
        effects = Effects()
        result = await self._settle.ask(gateway, intent, cause, effects)
        await self._after(effects)
        return result

    async def on_notification(self, payload: object) -> NotifyAnswer:
        """A gateway notification: verified, then confirmed by the status call, then applied.

        401 and nothing changes for a bad signature; 404 for an order Loket never made; 200 for
        every verified notification, duplicates and stale ones included (nothing changes then);
        503 when the status call cannot be made now (the gateway retries, the poller too).
        """
        if self.gateway is None:
            return NotifyAnswer(404, "no payment gateway")
        try:
            note = self.gateway.verify(payload)  # type: ignore[arg-type]
        except BadSignature as bad:
            log.warning("gateway notification refused: %s", bad)
            return NotifyAnswer(401, "bad signature")
        except BadNotification as bad:
            log.warning("gateway notification unreadable: %s", bad)
            return NotifyAnswer(400, "not a notification")
        intent = self.store.get_intent(note.order_id)
        if intent is None or intent.gateway != self.gateway.name:  # never another gateway's order
            log.warning("gateway notification for unknown order %r", note.order_id[:60])
            return NotifyAnswer(404, "unknown order")
        with self.store.transaction():
            self.store.record_message(
                note.order_id, "notification", "notification", note.status, note.raw, self._now()
            )
        effects = Effects()
        status = await self.gateway.status(note.order_id)
        if status.outcome is GatewayOutcome.UNKNOWN:
            self._settle.apply(note.order_id, status, kind="status", cause="notification", effects=effects)
            await self._after(effects)
            return NotifyAnswer(503, "status unavailable, try again")
        before = intent.state
        after = self._settle.apply(
            note.order_id, status, kind="status", cause="notification", effects=effects
        )
        await self._after(effects)
        return NotifyAnswer(200, "ok" if after.state is not before else "ok, nothing changed")

    async def check(self, order_id: str, user_id: int) -> PaymentIntent:
        """ "Sudah bayar? Cek": one status call (never a credit by itself), applied like any answer."""
        gateway = self._require_gateway()
        intent = self._visible(order_id, user_id)
        if intent.state in {IntentState.PAID, IntentState.REVERSED} or intent.gateway != gateway.name:
            return intent
        now = self._now()
        last = self._last_check.get(order_id)
        if last is not None and (now - last).total_seconds() < self.check_gap:
            return intent
        if len(self._last_check) > 1000:
            self._last_check = {
                k: v for k, v in self._last_check.items() if (now - v).total_seconds() < self.check_gap
            }
        self._last_check[order_id] = now
        return await self._ask_and_apply(intent, "check")

    async def cancel(self, order_id: str, user_id: int) -> PaymentIntent:
        """ "Batal": cancelled at the gateway first; a payment that beat the cancel is credited."""
        gateway = self._require_gateway()
        intent = self._visible(order_id, user_id)
        if intent.state not in OPEN_INTENT_STATES or intent.gateway != gateway.name:
            return intent
        effects = Effects()
        result = await self._settle.close(gateway, order_id, "cancel", effects)
        await self._after(effects)
        return result

    # -- the bill step -------------------------------------------------------------------------
    async def _pay_bill(self, order_id: str) -> None:
        """Pay a paid bill intent's bill from the credited wallet, once (bills.py)."""
        news = await self._bills.pay(order_id)
        if news is not None:
            effects = Effects()
            effects.news.append(news)
            await self._after(effects)

    # -- polling and recovery ------------------------------------------------------------------
    async def poll_once(self) -> int:
        """Check every due open intent once; retry bill steps left over. Returns how many checked."""
        if self.gateway is None:
            return 0
        due = self.store.due_intents(self._now(), self.gateway.name)
        for intent in due:
            try:
                await self._ask_and_apply(intent, "poll")
            except Exception:
                log.exception("status check of %s failed", intent.order_id)
        for intent in self.store.bills_to_pay(self.gateway.name):
            if intent.order_id not in self._bills.running:
                self._spawn(self._pay_bill(intent.order_id))
        return len(due)

    async def recover(self) -> list[PaymentIntent]:
        """At start-up: open intents are checked once (a notification may have come while Loket
        was down); bills paid by QRIS but not yet paid from the wallet are paid, once."""
        found: list[PaymentIntent] = []
        if self.gateway is None:  # the bills of paid intents wait for their gateway to be back
            return found
        for intent in self.store.open_intents(self.gateway.name):
            try:
                found.append(await self._ask_and_apply(intent, "recovery"))
            except Exception:
                log.exception("recovery check of %s failed", intent.order_id)
        paying = self.store.bills_to_pay(self.gateway.name)
        for intent in paying:
            if intent.order_id not in self._bills.running:
                self._spawn(self._pay_bill(intent.order_id))
        await self.drain()
        return found + [self.store.get_intent(intent.order_id) or intent for intent in paying]

    def start(self) -> None:
        if self._poller is None and self.gateway is not None:
            self._poller = asyncio.create_task(self._poll_loop(), name="loket-qris-poller")

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_tick)
            try:
                await self.poll_once()
            except Exception:
                log.exception("QRIS status round failed")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.drain()
