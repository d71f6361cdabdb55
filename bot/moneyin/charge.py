"""A payment intent made and charged: the QR a customer pays.

The intent, with its never-reused order_id, is committed before the charge request leaves the
process; whatever happens to that request, the order id is spent and the intent's status call
settles it (bot/moneyin/settle.py). A second tap while the first QR is still payable shows the
same QR.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.gateways.base import ChargeRefused, ChargeUnclear, Gateway
from bot.moneyin.errors import AmountOutOfRange, ChargeFailed
from bot.moneyin.models import QRIS_MAX, TOPUP_MIN, IntentState, PaymentIntent, Purpose
from bot.moneyin.settle import Settlement
from bot.moneyin.store import MoneyInStore
from bot.payments.errors import InquiryExpired, NotPayable, TransactionNotFound
from bot.payments.models import TxState

log = logging.getLogger(__name__)

FIRST_CHECK_CREATED = 60  # a charge left unclear is looked up this long after it was made
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def new_order_id(now: datetime) -> str:
    """ "LQ" + UTC yymmddHHMMSS + 8 random base32 characters: 22, within Midtrans's charset."""
    stamp = now.astimezone(UTC).strftime("%y%m%d%H%M%S")
    return "LQ" + stamp + "".join(secrets.choice(_BASE32) for _ in range(8))


class Charges:
    """Intents for bills and top-ups, each committed, then charged at the gateway it is given."""

    def __init__(
        self,
        payments: Any,  # bot.payments.service.PaymentService (its public methods only)
        store: MoneyInStore,
        settings: Settings,
        settle: Settlement,
        clock: Callable[[], datetime],
    ) -> None:
        self.payments = payments
        self.store = store
        self.settings = settings
        self._settle = settle
        self._now = clock
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self._lock_users: dict[tuple[int, str], int] = {}

    async def pay_bill(
        self, gateway: Gateway, user_id: int, ref_id: str, notify: dict[str, Any] | None = None
    ) -> PaymentIntent:
        """A QR for an inquired bill: its confirmed amount (from the database) + QRIS_FEE.

        A second tap while the first QR is still payable shows the same QR. Raises
        QrisUnavailable, TransactionNotFound, NotPayable (not an open inquiry), InquiryExpired
        (too old to pay: nothing is changed), AmountOutOfRange (over the QRIS limit), ChargeFailed.
        """
        tx = self.payments.get(ref_id, user_id)
        if tx.user_id != user_id:  # an operator sees every bill but pays only their own
            raise TransactionNotFound(ref_id)
        if tx.state is not TxState.INQUIRED:
            raise NotPayable(tx)
        if (self._now() - tx.created_at).total_seconds() > self.settings.inquiry_ttl_seconds:
            raise InquiryExpired(tx)
        return await self._intent_for(gateway, user_id, Purpose.BILL, ref_id, tx.amount, notify)

    async def top_up(
        self, gateway: Gateway, user_id: int, amount: int, notify: dict[str, Any] | None = None
    ) -> PaymentIntent:
        """A QR that credits `amount` to the wallet (the customer pays amount + QRIS_FEE)."""
        most = QRIS_MAX - self.settings.qris_fee
        if not isinstance(amount, int) or isinstance(amount, bool) or not TOPUP_MIN <= amount <= most:
            raise AmountOutOfRange(amount, TOPUP_MIN, most)
        self.payments.ensure_user(user_id)
        return await self._intent_for(gateway, user_id, Purpose.TOPUP, None, amount, notify)

    async def _intent_for(
        self,
        gateway: Gateway,
        user_id: int,
        purpose: Purpose,
        bill_ref: str | None,
        credit: int,
        notify: dict[str, Any] | None,
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
                    and shown.gateway == gateway.name
                    and shown.expires_at
                    and shown.expires_at > self._now() + timedelta(minutes=1)
                ):
                    return shown
                return await self._create_and_charge(
                    gateway, user_id, purpose, bill_ref, credit, notify or {}
                )
        finally:
            self._lock_users[key] -= 1
            if not self._lock_users[key]:
                del self._lock_users[key], self._locks[key]

    async def _create_and_charge(
        self,
        gateway: Gateway,
        user_id: int,
        purpose: Purpose,
        bill_ref: str | None,
        credit: int,
        notify: dict[str, Any],
    ) -> PaymentIntent:
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
                    intent = self._settle.move(
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
                intent = self._settle.move(
                    current, IntentState.PENDING, cause="charge", now=now,
                    next_check_at=self._settle.next_check(pending, now), **fields,
                )  # fmt: skip
            elif current.state is IntentState.PENDING:  # a status check got there first
                self.store.update_intent(order_id, IntentState.PENDING, **fields)
                intent = self.store.get_intent(order_id) or current
            else:  # closed or paid meanwhile: this QR is not to be shown
                intent = current
        if intent.state is not IntentState.PENDING:
            raise ChargeFailed(intent, unclear=True)
        return intent
