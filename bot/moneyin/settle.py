"""What a gateway's answer does to a payment intent: its state moves, the credit (once), the
reversal, the amount check, and Loket's own expiry. Each answer is recorded and applied in one
database transaction; what the chat and the operators are to hear is collected in `Effects` and
told by QrisPayments after the commit (bot/moneyin/qris.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.gateways.base import Gateway, GatewayOutcome, GatewayStatus
from bot.moneyin.errors import IntentNotFound
from bot.moneyin.models import (
    CLOSED_INTENT_STATES,
    INTENT_TRANSITIONS,
    OPEN_INTENT_STATES,
    AlarmKind,
    BillStep,
    IntentNews,
    IntentState,
    MoneyAlarm,
    News,
    PaymentIntent,
    Purpose,
)
from bot.moneyin.store import MoneyInStore
from bot.payments.errors import PaymentError

POLL_EVERY = 30  # seconds between status checks of a pending intent until its expiry
EXPIRY_GRACE = 120  # Midtrans notifies an expiry up to 90 s late: Loket closes it itself after this
FOLLOW_AFTER_EXPIRY = timedelta(hours=24)  # hourly checks after that, then flagged for the operators
NOT_FOUND_GRACE = 300  # an unclear charge the gateway never heard of is failed after this


class IntentMoved(PaymentError):
    """The intent was not in the state it was read in (a concurrent writer got there first)."""


class Effects:
    """What to do after a commit: tell owners, alarm operators, pay bills."""

    def __init__(self) -> None:
        self.news: list[IntentNews] = []
        self.alarms: list[MoneyAlarm] = []
        self.bills: list[str] = []


class Settlement:
    """Gateway answers applied to intents over the money-in store (no I/O but the gateway's)."""

    def __init__(
        self,
        store: MoneyInStore,
        settings: Settings,
        clock: Callable[[], datetime],
        *,
        poll_every: int = POLL_EVERY,
        not_found_grace: float = NOT_FOUND_GRACE,
    ) -> None:
        self.store = store
        self.settings = settings
        self._now = clock
        self.poll_every = poll_every
        self.not_found_grace = not_found_grace

    # -- state moves -------------------------------------------------------------------------------
    def move(
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

    def next_check(self, intent: PaymentIntent, now: datetime) -> datetime | None:
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

    def past_expiry(self, intent: PaymentIntent, now: datetime) -> bool:
        expires = intent.expires_at or intent.created_at + timedelta(
            minutes=self.settings.qris_expiry_minutes
        )
        return now >= expires + timedelta(seconds=EXPIRY_GRACE)

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

    def apply(
        self, order_id: str, status: GatewayStatus, *, kind: str, cause: str, effects: Effects
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
        effects: Effects,
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
                moved = self.move(intent, target, cause=cause, now=now, reason=reason, raw=status.raw)
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
                return self.move(
                    intent, IntentState.FAILED, cause=cause, now=now, reason=reason, raw=status.raw
                )
            return intent
        if outcome is GatewayOutcome.NOT_FOUND and state is IntentState.CREATED:
            if (now - intent.created_at).total_seconds() >= self.not_found_grace:
                return self.move(
                    intent, IntentState.FAILED, cause=cause, now=now, reason="not_charged",
                    message="the gateway never received the charge",
                )  # fmt: skip
        # pending, unknown, not found yet: look again later. That includes an intent Loket expired
        # itself while the gateway would not cancel it: it could still be paid there.
        if state in OPEN_INTENT_STATES or (state is IntentState.EXPIRED and intent.next_check_at is not None):
            target_state = state
            fields: dict[str, Any] = {"checks": intent.checks + 1, "updated_at": now}
            if outcome is GatewayOutcome.PENDING and state is IntentState.CREATED:
                moved = self.move(
                    intent, IntentState.PENDING, cause=cause, now=now, reason="pending",
                    gateway_ref=status.gateway_ref or intent.gateway_ref,
                )  # fmt: skip
                intent, target_state = moved, IntentState.PENDING
            due = self.next_check(intent, now)
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
        effects: Effects,
        *,
        late: bool,
    ) -> PaymentIntent:
        """PAID and the wallet credited, in the caller's transaction: once, by the database's key."""
        bill = intent.purpose is Purpose.BILL
        step = None
        if bill:
            step = BillStep.KEPT if late else BillStep.TODO
        moved = self.move(
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
        self, intent: PaymentIntent, status: GatewayStatus, cause: str, now: datetime, effects: Effects
    ) -> PaymentIntent:
        """PAID -> REVERSED with one offsetting entry; never below zero: the rest is a shortfall."""
        wanted = intent.credit_amount
        if status.status.startswith("partial") and status.refund_amount is not None:
            wanted = max(0, min(status.refund_amount, intent.credit_amount))
        taken = min(self.store.balance(intent.user_id), wanted)
        shortfall = wanted - taken
        moved = self.move(
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

    # -- asking the gateway ----------------------------------------------------------------------
    async def ask(
        self, gateway: Gateway, intent: PaymentIntent, cause: str, effects: Effects
    ) -> PaymentIntent:
        """One status call, applied. Past its expiry (and still pending) Loket expires the intent
        itself, then cancels it at the gateway so it can no longer be paid: a payment the
        gateway confirms after that is a late one (credited to the wallet, the owner told)."""
        status = await gateway.status(intent.order_id)
        result = self.apply(intent.order_id, status, kind="status", cause=cause, effects=effects)
        looked_at = OPEN_INTENT_STATES | {IntentState.EXPIRED}
        if status.outcome is GatewayOutcome.PENDING and result.state in looked_at:
            if result.state is IntentState.PENDING and self.past_expiry(result, self._now()):
                result = self._expire_locally(result, effects)
                await self.close(gateway, result.order_id, "close", effects)
            elif result.state is IntentState.EXPIRED:
                if result.next_check_at is not None or result.flagged:  # the gateway still would not
                    await self.close(gateway, result.order_id, "close", effects)
            elif result.state is IntentState.CREATED or not (result.qr_string or result.qr_url):
                # its QR was never shown (the charge's answer was lost): nobody is to pay it
                await self.close(gateway, result.order_id, "close", effects)
            result = self.store.get_intent(intent.order_id) or result
        return result

    async def close(self, gateway: Gateway, order_id: str, cause: str, effects: Effects) -> PaymentIntent:
        """Cancel at the gateway; if it will not (paid meanwhile?), its status call decides: a
        payment that beat the cancel is credited."""
        answer = await gateway.cancel(order_id)
        if answer.outcome in {GatewayOutcome.CANCELLED, GatewayOutcome.EXPIRED}:
            return self.apply(order_id, answer, kind="cancel", cause=cause, effects=effects)
        self.apply(order_id, answer, kind="cancel", cause=cause, effects=Effects())
        status = await gateway.status(order_id)
        return self.apply(order_id, status, kind="status", cause=cause, effects=effects)

    def _expire_locally(self, intent: PaymentIntent, effects: Effects) -> PaymentIntent:
        now = self._now()
        with self.store.transaction():
            current = self.store.get_intent(intent.order_id)
            if current is None or current.state is not IntentState.PENDING:
                return current or intent
            moved = self.move(
                current, IntentState.EXPIRED, cause="local_expiry", now=now, reason="expired_locally",
                message="still pending past its expiry: closed by Loket",
            )  # fmt: skip
            # looked at until the gateway confirms it closed (the cancel below, or later ones)
            due = self.next_check(moved, now)
            self.store.update_intent(moved.order_id, IntentState.EXPIRED, next_check_at=due)
            moved = self.store.get_intent(moved.order_id) or moved
        effects.news.append(IntentNews(intent=moved, news=News.EXPIRED))
        return moved
