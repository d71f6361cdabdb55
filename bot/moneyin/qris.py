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
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.gateways.base import (
    BadNotification,
    BadSignature,
    ChargeRefused,
    ChargeUnclear,
    Gateway,
    GatewayOutcome,
    GatewayStatus,
)
from bot.moneyin.errors import AmountOutOfRange, ChargeFailed, IntentNotFound, QrisUnavailable
from bot.moneyin.models import (
    CLOSED_INTENT_STATES,
    INTENT_TRANSITIONS,
    OPEN_INTENT_STATES,
    QRIS_MAX,
    TOPUP_MIN,
    AlarmKind,
    BillStep,
    IntentEvent,
    IntentNews,
    IntentState,
    MoneyAlarm,
    News,
    PaymentIntent,
    Purpose,
)
from bot.moneyin.store import MoneyInStore
from bot.payments.errors import (
    BillBeingPaid,
    InquiryExpired,
    InsufficientBalance,
    NotPayable,
    PaymentError,
    TransactionNotFound,
)
from bot.payments.models import TxState

log = logging.getLogger(__name__)

IntentObserver = Callable[[IntentNews], Awaitable[None]]
AlarmCallback = Callable[[MoneyAlarm], Awaitable[None]]

POLL_EVERY = 30  # seconds between status checks of a pending intent until its expiry
FIRST_CHECK_CREATED = 60  # a charge left unclear is looked up this long after it was made
EXPIRY_GRACE = 120  # Midtrans notifies an expiry up to 90 s late: Loket closes it itself after this
FOLLOW_AFTER_EXPIRY = timedelta(hours=24)  # hourly checks after that, then flagged for the operators
NOT_FOUND_GRACE = 300  # an unclear charge the gateway never heard of is failed after this
CHECK_GAP = 3  # seconds: "I have paid" taps closer together than this ask the gateway once
POLL_TICK = 5  # seconds between two looks for due intents
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def new_order_id(now: datetime) -> str:
    """ "LQ" + UTC yymmddHHMMSS + 8 random base32 characters: 22, within Midtrans's charset."""
    stamp = now.astimezone(UTC).strftime("%y%m%d%H%M%S")
    return "LQ" + stamp + "".join(secrets.choice(_BASE32) for _ in range(8))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IntentMoved(PaymentError):
    """The intent was not in the state it was read in (a concurrent writer got there first)."""


class NotifyAnswer:
    """What Loket's HTTP endpoint answers a notification, and why (for the log and the tests)."""

    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.text = text

    def __repr__(self) -> str:
        return f"NotifyAnswer({self.status}, {self.text!r})"


class _Effects:
    """What to do after a commit: tell owners, alarm operators, pay bills."""

    def __init__(self) -> None:
        self.news: list[IntentNews] = []
        self.alarms: list[MoneyAlarm] = []
        self.bills: list[str] = []


class QrisPayments:
    """Payment intents over a Gateway, crediting wallets the payment core reads."""

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
        self.poll_every = poll_every
        self.poll_tick = poll_tick
        self.not_found_grace = not_found_grace
        self.check_gap = CHECK_GAP  # "I have paid" taps closer together ask the gateway once
        self._observers: list[IntentObserver] = []
        self._alarms: list[AlarmCallback] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._bill_running: set[str] = set()
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self._lock_users: dict[tuple[int, str], int] = {}
        self._last_check: dict[str, datetime] = {}
        self._poller: asyncio.Task[None] | None = None

    # -- observers -----------------------------------------------------------------------------
    def add_observer(self, callback: IntentObserver) -> None:
        """Told what happened to an intent (IntentNews), after the commit."""
        self._observers.append(callback)

    def add_alarm(self, callback: AlarmCallback) -> None:
        """Told what only an operator can put right: reversals, amount mismatches, stuck intents."""
        self._alarms.append(callback)

    async def _after(self, effects: _Effects) -> None:
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

    # -- state moves -------------------------------------------------------------------------------
    def _move(
        self,
        intent: PaymentIntent,
        to_state: IntentState,
        *,
        cause: str,
        now: datetime,
        reason: str = "",
        message: str = "",
        raw: dict[str, Any] | None = None,
        **fields: Any,
    ) -> PaymentIntent:
        """Move `intent` to `to_state` with `fields`, append the event. Inside a transaction."""
        if to_state not in INTENT_TRANSITIONS[intent.state]:
            raise IntentMoved(f"{intent.order_id}: {intent.state} -> {to_state} is not allowed")
        fields.update(state=to_state, updated_at=now)
        if reason:
            fields["reason"] = reason
        if to_state not in OPEN_INTENT_STATES:
            fields["next_check_at"] = None
        if not self.store.update_intent(intent.order_id, intent.state, **fields):
            raise IntentMoved(f"{intent.order_id} is no longer {intent.state}")
        self.store.append_intent_event(
            intent.order_id, intent.state, to_state, cause, now, reason=reason, message=message, raw=raw
        )
        moved = self.store.get_intent(intent.order_id)
        assert moved is not None
        return moved

    def _next_check(self, intent: PaymentIntent, now: datetime) -> datetime | None:
        """When an open intent is looked at next; None: a day past its expiry, flag it."""
        if intent.state is IntentState.CREATED:
            return now + timedelta(seconds=self.poll_every)
        expires = intent.expires_at or intent.created_at + timedelta(
            minutes=self.settings.qris_expiry_minutes
        )
        close_at = expires + timedelta(seconds=EXPIRY_GRACE)
        if now < close_at:
            return min(now + timedelta(seconds=self.poll_every), close_at)
        if now < expires + FOLLOW_AFTER_EXPIRY:
            return now + timedelta(hours=1)
        return None

    def _past_expiry(self, intent: PaymentIntent, now: datetime) -> bool:
        expires = intent.expires_at or intent.created_at + timedelta(
            minutes=self.settings.qris_expiry_minutes
        )
        return now >= expires + timedelta(seconds=EXPIRY_GRACE)

    # -- creating and charging ---------------------------------------------------------------------
    async def pay_bill(
        self, user_id: int, ref_id: str, notify: dict[str, Any] | None = None
    ) -> PaymentIntent:
        """A QR for an inquired bill: its confirmed amount (from the database) + QRIS_FEE.

        A second tap while the first QR is still payable shows the same QR. Raises
        QrisUnavailable, TransactionNotFound, NotPayable (not an open inquiry), InquiryExpired
        (too old to pay: nothing is changed), AmountOutOfRange (over the QRIS limit), ChargeFailed.
        """
        self._require_gateway()
        tx = self.payments.get(ref_id, user_id)
        if tx.user_id != user_id:  # an operator sees every bill but pays only their own
            raise TransactionNotFound(ref_id)
        if tx.state is not TxState.INQUIRED:
            raise NotPayable(tx)
        if (self._now() - tx.created_at).total_seconds() > self.settings.inquiry_ttl_seconds:
            raise InquiryExpired(tx)
        return await self._intent_for(user_id, Purpose.BILL, ref_id, tx.amount, notify)

    async def top_up(self, user_id: int, amount: int, notify: dict[str, Any] | None = None) -> PaymentIntent:
        """A QR that credits `amount` to the wallet (the customer pays amount + QRIS_FEE)."""
        self._require_gateway()
        most = QRIS_MAX - self.settings.qris_fee
        if not isinstance(amount, int) or isinstance(amount, bool) or not TOPUP_MIN <= amount <= most:
            raise AmountOutOfRange(amount, TOPUP_MIN, most)
        self.payments.ensure_user(user_id)
        return await self._intent_for(user_id, Purpose.TOPUP, None, amount, notify)

    async def _intent_for(
        self, user_id: int, purpose: Purpose, bill_ref: str | None, credit: int, notify: dict[str, Any] | None
    ) -> PaymentIntent:
        if credit + self.settings.qris_fee > QRIS_MAX:
            raise AmountOutOfRange(credit, TOPUP_MIN, QRIS_MAX - self.settings.qris_fee)
        key = (user_id, bill_ref or f"topup:{credit}")
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._lock_users[key] = self._lock_users.get(key, 0) + 1
        try:
            async with lock:  # a double tap waits for the first charge, then gets its QR
                shown = self.store.shown_intent(user_id, purpose.value, bill_ref, credit)
                if (
                    shown is not None
                    and shown.gateway == self._require_gateway().name
                    and shown.expires_at
                    and shown.expires_at > self._now() + timedelta(minutes=1)
                ):
                    return shown
                return await self._create_and_charge(user_id, purpose, bill_ref, credit, notify or {})
        finally:
            self._lock_users[key] -= 1
            if not self._lock_users[key]:
                del self._lock_users[key], self._locks[key]

    async def _create_and_charge(
        self, user_id: int, purpose: Purpose, bill_ref: str | None, credit: int, notify: dict[str, Any]
    ) -> PaymentIntent:
        gateway = self._require_gateway()
        fee = self.settings.qris_fee
        now = self._now()
        order_id = new_order_id(now)
        while self.store.intent_exists(order_id):
            order_id = new_order_id(now)
        intent = PaymentIntent(
            order_id=order_id,
            user_id=user_id,
            purpose=purpose,
            bill_ref=bill_ref,
            gateway=gateway.name,
            gross_amount=credit + fee,
            fee=fee,
            credit_amount=credit,
            state=IntentState.CREATED,
            next_check_at=now + timedelta(seconds=FIRST_CHECK_CREATED),
            notify=notify,
            created_at=now,
            updated_at=now,
        )
        with self.store.transaction():
            self.store.insert_intent(intent)
            self.store.append_intent_event(order_id, None, IntentState.CREATED, "create", now)
        # Committed: from here on the order id is spent, whatever happens to the request.
        try:
            charge = await gateway.charge(order_id, intent.gross_amount, self.settings.qris_expiry_minutes)
        except ChargeRefused as refused:
            now = self._now()
            with self.store.transaction():
                self.store.record_message(order_id, "charge", "create", "REFUSED", refused.raw, now)
                current = self.store.get_intent(order_id)
                if current is not None and current.state is IntentState.CREATED:
                    intent = self._move(
                        current, IntentState.FAILED, cause="charge", now=now, reason="charge_refused",
                        message=str(refused),
                    )  # fmt: skip
            raise ChargeFailed(intent, unclear=False) from None
        except ChargeUnclear as unclear:
            log.warning("charge %s unclear: %s; its status call will tell", order_id, unclear)
            with self.store.transaction():
                self.store.record_message(order_id, "charge", "create", "UNKNOWN", unclear.raw, self._now())
            raise ChargeFailed(intent, unclear=True) from None
        except Exception as error:  # the request may have left: the status call will tell
            log.warning("charge %s raised %s; its status call will tell", order_id, type(error).__name__)
            raise ChargeFailed(intent, unclear=True) from None
        now = self._now()
        expires = charge.expires_at or now + timedelta(minutes=self.settings.qris_expiry_minutes)
        with self.store.transaction():
            self.store.record_message(order_id, "charge", "create", "PENDING", charge.raw, now)
            current = self.store.get_intent(order_id)
            assert current is not None
            fields: dict[str, Any] = {
                "gateway_ref": charge.gateway_ref,
                "qr_string": charge.qr_string,
                "qr_url": charge.qr_url,
                "expires_at": expires,
            }
            if current.state is IntentState.CREATED:
                pending = current.model_copy(update={"state": IntentState.PENDING, "expires_at": expires})
                intent = self._move(
                    current, IntentState.PENDING, cause="charge", now=now,
                    next_check_at=self._next_check(pending, now), **fields,
                )  # fmt: skip
            elif current.state is IntentState.PENDING:  # a status check got there first
                self.store.update_intent(order_id, IntentState.PENDING, **fields)
                intent = self.store.get_intent(order_id) or current
            else:  # closed or paid meanwhile: this QR is not to be shown
                intent = current
        if intent.state is not IntentState.PENDING:
            raise ChargeFailed(intent, unclear=True)
        return intent

    # -- status answers ------------------------------------------------------------------------
    @staticmethod
    def _amount_problem(intent: PaymentIntent, status: GatewayStatus) -> str:
        if status.gross_amount is None:
            return "the gateway named no whole-rupiah amount"
        if status.gross_amount != intent.gross_amount:
            return f"the gateway says {status.gross_amount} was paid, the intent asked {intent.gross_amount}"
        if status.currency.strip().upper() != "IDR":
            return f"the gateway says the currency is {status.currency!r}, not IDR"
        return ""

    def _apply(
        self, order_id: str, status: GatewayStatus, *, kind: str, cause: str, effects: _Effects
    ) -> PaymentIntent:
        """Record a gateway answer and move the intent as it says. One database transaction."""
        now = self._now()
        with self.store.transaction():
            intent = self.store.get_intent(order_id)
            if intent is None:
                raise IntentNotFound(order_id)
            self.store.record_message(order_id, kind, cause, status.outcome.value, status.raw, now)
            return self._decide(intent, status, cause, now, effects, reversible=kind == "status")

    def _decide(
        self,
        intent: PaymentIntent,
        status: GatewayStatus,
        cause: str,
        now: datetime,
        effects: _Effects,
        *,
        reversible: bool,
    ) -> PaymentIntent:
        """The move a gateway answer calls for. A reversal only on a status call's word
        (`reversible`), never on the answer to Loket's own cancel."""
        outcome, state = status.outcome, intent.state
        reason = status.status or outcome.value.lower()
        if outcome is GatewayOutcome.PAID:
            problem = self._amount_problem(intent, status)
            if problem:
                if state in OPEN_INTENT_STATES | CLOSED_INTENT_STATES and not intent.flagged:
                    self.store.update_intent(intent.order_id, state, flagged=True, updated_at=now)
                    self.store.append_intent_event(
                        intent.order_id, state, state, "mismatch", now, reason="amount_mismatch",
                        message=problem, raw=status.raw,
                    )  # fmt: skip
                    flagged = self.store.get_intent(intent.order_id) or intent
                    effects.alarms.append(MoneyAlarm(kind=AlarmKind.MISMATCH, intent=flagged, detail=problem))
                return self.store.get_intent(intent.order_id) or intent
            if state in OPEN_INTENT_STATES:
                return self._credit(intent, status, cause, now, effects, late=False)
            if state in CLOSED_INTENT_STATES:
                return self._credit(intent, status, cause, now, effects, late=True)
            return intent  # PAID or REVERSED already: a duplicate, nothing changes
        if outcome in {GatewayOutcome.EXPIRED, GatewayOutcome.CANCELLED, GatewayOutcome.FAILED}:
            target = {
                GatewayOutcome.EXPIRED: IntentState.EXPIRED,
                GatewayOutcome.CANCELLED: IntentState.CANCELLED,
                GatewayOutcome.FAILED: IntentState.FAILED,
            }[outcome]
            if state in OPEN_INTENT_STATES:
                moved = self._move(intent, target, cause=cause, now=now, reason=reason, raw=status.raw)
                if state is IntentState.PENDING:  # the owner saw a QR: tell them it is closed
                    news = {IntentState.EXPIRED: News.EXPIRED, IntentState.CANCELLED: News.CANCELLED}
                    effects.news.append(IntentNews(intent=moved, news=news.get(target, News.FAILED)))
                return moved
            if state is IntentState.PAID and outcome is not GatewayOutcome.EXPIRED and reversible:
                return self._reverse(intent, status, cause, now, effects)  # deny/cancel after settlement
            if intent.next_check_at is not None and state in CLOSED_INTENT_STATES:
                # expired by Loket, and now the gateway confirms it is closed: no more looks
                self.store.update_intent(intent.order_id, state, next_check_at=None, updated_at=now)
                return self.store.get_intent(intent.order_id) or intent
            return intent  # stale (an expiry after the settlement) or closed already
        if outcome is GatewayOutcome.REFUNDED:
            if state is IntentState.PAID and reversible:
                return self._reverse(intent, status, cause, now, effects)
            if state in OPEN_INTENT_STATES:  # paid and refunded before we ever saw it: nothing came in
                return self._move(
                    intent, IntentState.FAILED, cause=cause, now=now, reason=reason, raw=status.raw
                )
            return intent
        if outcome is GatewayOutcome.NOT_FOUND and state is IntentState.CREATED:
            if (now - intent.created_at).total_seconds() >= self.not_found_grace:
                return self._move(
                    intent, IntentState.FAILED, cause=cause, now=now, reason="not_charged",
                    message="the gateway never received the charge",
                )  # fmt: skip
        # pending, unknown, not found yet: look again later. That includes an intent Loket expired
        # itself while the gateway would not cancel it: it could still be paid there.
        if state in OPEN_INTENT_STATES or (state is IntentState.EXPIRED and intent.next_check_at is not None):
            target_state = state
            fields: dict[str, Any] = {"checks": intent.checks + 1, "updated_at": now}
            if outcome is GatewayOutcome.PENDING and state is IntentState.CREATED:
                moved = self._move(
                    intent, IntentState.PENDING, cause=cause, now=now, reason="pending",
                    gateway_ref=status.gateway_ref or intent.gateway_ref,
                )  # fmt: skip
                intent, target_state = moved, IntentState.PENDING
            due = self._next_check(intent, now)
            fields["next_check_at"] = due
            if due is None and not intent.flagged:
                fields["flagged"] = True
            self.store.update_intent(intent.order_id, target_state, **fields)
            updated = self.store.get_intent(intent.order_id) or intent
            if due is None and not intent.flagged:
                effects.alarms.append(
                    MoneyAlarm(
                        kind=AlarmKind.STUCK, intent=updated, detail="still pending a day after its expiry"
                    )
                )
            return updated
        return intent

    def _credit(
        self,
        intent: PaymentIntent,
        status: GatewayStatus,
        cause: str,
        now: datetime,
        effects: _Effects,
        *,
        late: bool,
    ) -> PaymentIntent:
        """PAID and the wallet credited, in the caller's transaction: once, by the database's key."""
        bill = intent.purpose is Purpose.BILL
        step = None
        if bill:
            step = BillStep.KEPT if late else BillStep.TODO
        moved = self._move(
            intent,
            IntentState.PAID,
            cause=cause,
            now=now,
            reason="late" if late else "paid",
            message=f"{status.status} {status.gross_amount} {status.currency}",
            raw=status.raw,
            paid_at=now,
            late=late,
            bill_step=step,
            bill_note="late" if (bill and late) else "",
            gateway_ref=status.gateway_ref or intent.gateway_ref,
            flagged=False,
        )
        what = "bill " + (intent.bill_ref or "") if bill else "top-up"
        self.store.add_credit(
            intent.user_id,
            intent.credit_amount,
            intent.credit_key,
            now,
            reason=f"QRIS {intent.order_id} ({what})",
        )
        if late:
            effects.news.append(IntentNews(intent=moved, news=News.LATE))
        elif bill:
            effects.news.append(IntentNews(intent=moved, news=News.RECEIVED))
            effects.bills.append(intent.order_id)
        else:
            effects.news.append(IntentNews(intent=moved, news=News.CREDITED))
        return moved

    def _reverse(
        self, intent: PaymentIntent, status: GatewayStatus, cause: str, now: datetime, effects: _Effects
    ) -> PaymentIntent:
        """PAID -> REVERSED with one offsetting entry; never below zero: the rest is a shortfall."""
        wanted = intent.credit_amount
        if status.status.startswith("partial") and status.refund_amount is not None:
            wanted = max(0, min(status.refund_amount, intent.credit_amount))
        taken = min(self.store.balance(intent.user_id), wanted)
        shortfall = wanted - taken
        moved = self._move(
            intent,
            IntentState.REVERSED,
            cause=cause,
            now=now,
            reason=status.status or "reversed",
            message=f"took back {taken} of {wanted}, shortfall {shortfall}",
            raw=status.raw,
            reversed_amount=taken,
            shortfall=shortfall,
        )
        if taken > 0:
            self.store.add_credit(
                intent.user_id, -taken, intent.reversal_key, now, kind="adjustment",
                reason=f"QRIS {intent.order_id} reversed by the gateway ({status.status})",
            )  # fmt: skip
        detail = f"{status.status}: {taken} taken back from the wallet"
        if shortfall:
            detail += f", {shortfall} could not be (spent already): recover it by hand"
        effects.alarms.append(MoneyAlarm(kind=AlarmKind.REVERSAL, intent=moved, detail=detail))
        effects.news.append(IntentNews(intent=moved, news=News.REVERSED, detail=str(taken)))
        return moved

    async def _ask_and_apply(self, intent: PaymentIntent, cause: str) -> PaymentIntent:
        """One status call, applied. Past its expiry (and still pending) Loket expires the intent
        itself, then cancels it at the gateway so it can no longer be paid: a payment the
        gateway confirms after that is a late one (credited to the wallet, the owner told)."""
        gateway = self._require_gateway()
        effects = _Effects()
        status = await gateway.status(intent.order_id)
        result = self._apply(intent.order_id, status, kind="status", cause=cause, effects=effects)
        looked_at = OPEN_INTENT_STATES | {IntentState.EXPIRED}
        if status.outcome is GatewayOutcome.PENDING and result.state in looked_at:
            if result.state is IntentState.PENDING and self._past_expiry(result, self._now()):
                result = self._expire_locally(result, effects)
                await self._close_at_gateway(result, effects)
            elif result.state is IntentState.EXPIRED:
                if result.next_check_at is not None or result.flagged:  # the gateway still would not
                    await self._close_at_gateway(result, effects)
            elif result.state is IntentState.CREATED or not (result.qr_string or result.qr_url):
                # its QR was never shown (the charge's answer was lost): nobody is to pay it
                await self._close_at_gateway(result, effects)
            result = self.store.get_intent(intent.order_id) or result
        await self._after(effects)
        return result

    def _expire_locally(self, intent: PaymentIntent, effects: _Effects) -> PaymentIntent:
        now = self._now()
        with self.store.transaction():
            current = self.store.get_intent(intent.order_id)
            if current is None or current.state is not IntentState.PENDING:
                return current or intent
            moved = self._move(
                current, IntentState.EXPIRED, cause="local_expiry", now=now, reason="expired_locally",
                message="still pending past its expiry: closed by Loket",
            )  # fmt: skip
            # looked at until the gateway confirms it closed (the cancel below, or later ones)
            due = self._next_check(moved, now)
            self.store.update_intent(moved.order_id, IntentState.EXPIRED, next_check_at=due)
            moved = self.store.get_intent(moved.order_id) or moved
        effects.news.append(IntentNews(intent=moved, news=News.EXPIRED))
        return moved

    async def _close_at_gateway(self, intent: PaymentIntent, effects: _Effects) -> None:
        """Cancel at the gateway; if it will not (paid meanwhile?), its status call decides."""
        gateway = self._require_gateway()
        answer = await gateway.cancel(intent.order_id)
        if answer.outcome in {GatewayOutcome.CANCELLED, GatewayOutcome.EXPIRED}:
            self._apply(intent.order_id, answer, kind="cancel", cause="close", effects=effects)
            return
        self._apply(intent.order_id, answer, kind="cancel", cause="close", effects=_Effects())
        status = await gateway.status(intent.order_id)
        self._apply(intent.order_id, status, kind="status", cause="close", effects=effects)

    # -- notifications, checks, cancels ------------------------------------------------------------
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
        effects = _Effects()
        status = await self.gateway.status(note.order_id)
        if status.outcome is GatewayOutcome.UNKNOWN:
            self._apply(note.order_id, status, kind="status", cause="notification", effects=effects)
            await self._after(effects)
            return NotifyAnswer(503, "status unavailable, try again")
        before = intent.state
        after = self._apply(note.order_id, status, kind="status", cause="notification", effects=effects)
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
        effects = _Effects()
        answer = await gateway.cancel(order_id)
        if answer.outcome in {GatewayOutcome.CANCELLED, GatewayOutcome.EXPIRED}:
            result = self._apply(order_id, answer, kind="cancel", cause="cancel", effects=effects)
        else:
            self._apply(order_id, answer, kind="cancel", cause="cancel", effects=_Effects())
            status = await gateway.status(order_id)
            result = self._apply(order_id, status, kind="status", cause="cancel", effects=effects)
        await self._after(effects)
        return result

    # -- the bill step -------------------------------------------------------------------------
    async def _pay_bill(self, order_id: str) -> None:
        """Pay a paid bill intent's bill from the credited wallet, once (PaymentService.pay is
        at-most-once itself: after a crash it answers NotPayable for a bill already on its way)."""
        if order_id in self._bill_running:
            return
        self._bill_running.add(order_id)
        try:
            intent = self.store.get_intent(order_id)
            if intent is None or intent.bill_step is not BillStep.TODO or intent.bill_ref is None:
                return
            step, note = BillStep.PAID, ""
            if intent.state is IntentState.REVERSED:
                step, note = BillStep.KEPT, "reversed"
            else:
                try:
                    tx = await self.payments.pay(intent.bill_ref, intent.user_id)
                    note = tx.state.value
                except NotPayable as refused:
                    started = {TxState.PAYING, TxState.PENDING, TxState.SUCCESS, TxState.FAILED}
                    if refused.state in started:
                        note = f"already {refused.state.value}"
                    else:
                        step, note = BillStep.KEPT, refused.state.value.lower()
                except InquiryExpired as expired:
                    reason = expired.transaction.reason
                    step, note = BillStep.KEPT, reason.value if reason else "inquiry_expired"
                except BillBeingPaid:
                    step, note = BillStep.KEPT, "bill_being_paid"
                except InsufficientBalance:
                    step, note = BillStep.KEPT, "insufficient_balance"
                except TransactionNotFound:
                    step, note = BillStep.KEPT, "not_found"
                except PaymentError as error:
                    step, note = BillStep.KEPT, type(error).__name__
                except Exception:  # a bug or the database: stays todo, tried again by the poller
                    log.exception("paying the bill of %s failed; it will be tried again", order_id)
                    return
            now = self._now()
            with self.store.transaction():
                claimed = self.store.claim_bill_step(order_id, step, note, now)
                if claimed:
                    current = self.store.get_intent(order_id)
                    assert current is not None
                    self.store.append_intent_event(
                        order_id, current.state, current.state, "bill", now, reason=step.value, message=note
                    )
            if claimed and step is BillStep.KEPT:
                kept = self.store.get_intent(order_id)
                assert kept is not None
                effects = _Effects()
                effects.news.append(IntentNews(intent=kept, news=News.BILL_KEPT, detail=note))
                await self._after(effects)
        finally:
            self._bill_running.discard(order_id)

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
            if intent.order_id not in self._bill_running:
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
            if intent.order_id not in self._bill_running:
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
