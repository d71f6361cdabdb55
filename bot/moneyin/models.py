"""Money in: payment intents (QRIS through a gateway) and deposit tickets (bank transfer).

Telegram-free, like the payment core. Amounts are integer rupiah; times are aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

QRIS_MAX = 10_000_000  # what one QRIS payment may be (Midtrans's acquirer limit)
TOPUP_MIN = 10_000  # the least a top-up (QRIS or ticket) may be
TICKET_MAX = 100_000_000  # the most a deposit ticket may ask for


class IntentState(StrEnum):
    CREATED = "CREATED"  # committed; the charge request may be on its way
    PENDING = "PENDING"  # the gateway made the QR; waiting for the customer
    PAID = "PAID"  # confirmed by the status call, amount checked, the wallet credited once
    EXPIRED = "EXPIRED"  # not paid in time (closed: a payment confirmed later still lands)
    CANCELLED = "CANCELLED"  # the customer or Loket cancelled it at the gateway (closed)
    FAILED = "FAILED"  # the gateway refused or denied it (closed)
    REVERSED = "REVERSED"  # paid, then refunded or denied by the gateway: the credit offset


class Purpose(StrEnum):
    BILL = "bill"  # pays one inquired bill (bill_ref) from the wallet as soon as it is credited
    TOPUP = "topup"


class BillStep(StrEnum):
    """For a paid bill intent: did the bill get paid from the credited wallet?"""

    TODO = "todo"  # credited; the bill's payment has not been handed to the payment core yet
    PAID = "paid"  # handed over: PaymentService.pay took it (the receipt follows from the core)
    KEPT = "kept"  # the bill could no longer be paid: the money stays in the wallet


OPEN_INTENT_STATES = frozenset({IntentState.CREATED, IntentState.PENDING})
CLOSED_INTENT_STATES = frozenset({IntentState.EXPIRED, IntentState.CANCELLED, IntentState.FAILED})
CREDITED_STATES = frozenset({IntentState.PAID, IntentState.REVERSED})

# The only moves an intent can make (storage/migrations/money_in.py's trigger holds the same list).
INTENT_TRANSITIONS: dict[IntentState, frozenset[IntentState]] = {
    IntentState.CREATED: frozenset(
        {
            IntentState.PENDING,
            IntentState.PAID,
            IntentState.EXPIRED,
            IntentState.CANCELLED,
            IntentState.FAILED,
        }
    ),
    IntentState.PENDING: frozenset(
        {IntentState.PAID, IntentState.EXPIRED, IntentState.CANCELLED, IntentState.FAILED}
    ),
    IntentState.EXPIRED: frozenset({IntentState.PAID}),
    IntentState.CANCELLED: frozenset({IntentState.PAID}),
    IntentState.FAILED: frozenset({IntentState.PAID}),
    IntentState.PAID: frozenset({IntentState.REVERSED}),
    IntentState.REVERSED: frozenset(),
}


class PaymentIntent(BaseModel):
    order_id: str  # ours, sent to the gateway; never reused
    user_id: int
    purpose: Purpose
    bill_ref: str | None = None  # the transaction (ref_id) a bill intent pays
    gateway: str
    channel: str = "qris"
    gross_amount: int  # what the customer pays the gateway
    fee: int  # the operator's QRIS fee inside gross_amount
    credit_amount: int  # what the wallet is credited: gross_amount - fee
    state: IntentState
    reason: str = ""
    gateway_ref: str = ""
    qr_string: str = ""
    qr_url: str = ""
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    late: bool = False  # paid after Loket had closed it: credited, the bill not paid from it
    bill_step: BillStep | None = None
    bill_note: str = ""
    reversed_amount: int | None = None  # what the reversal took back from the wallet
    shortfall: int | None = None  # what the reversal could not take back (spent already)
    next_check_at: datetime | None = None
    checks: int = 0
    flagged: bool = False
    notify: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_INTENT_STATES

    @property
    def credit_key(self) -> str:
        return f"qris:{self.order_id}"

    @property
    def reversal_key(self) -> str:
        return f"qris-reversal:{self.order_id}"


class IntentEvent(BaseModel):
    event_id: int
    order_id: str
    from_state: IntentState | None
    to_state: IntentState
    cause: str  # create | charge | notification | poll | check | cancel | recovery | bill | ...
    reason: str = ""
    message: str = ""
    raw: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class News(StrEnum):
    """What the owner of an intent is told (the chat turns these into words)."""

    RECEIVED = "received"  # a bill intent was paid: credited, the bill is being paid now
    CREDITED = "credited"  # a top-up was paid: the wallet is credited
    BILL_KEPT = "bill_kept"  # the bill could not be paid: the money stays in the wallet
    LATE = "late"  # paid after it was closed: credited to the wallet, the bill not paid from it
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REVERSED = "reversed"  # the gateway took the payment back: the credit is offset


class IntentNews(BaseModel):
    intent: PaymentIntent
    news: News
    detail: str = ""  # why, for BILL_KEPT (inquiry_expired, already_paid, ...)


class AlarmKind(StrEnum):
    REVERSAL = "reversal"  # a settled payment refunded or denied: offset, maybe a shortfall
    MISMATCH = "mismatch"  # the gateway says paid, but another amount or currency: nothing credited
    STUCK = "stuck"  # still pending a day after its expiry


class MoneyAlarm(BaseModel):
    """Something only an operator can put right."""

    kind: AlarmKind
    intent: PaymentIntent
    detail: str = ""


class TicketState(StrEnum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"  # an operator saw the transfer: credited once, by the confirmed amount
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"  # 24 h without a decision (an operator may still accept a late transfer)


class DepositTicket(BaseModel):
    ticket_id: int
    user_id: int
    amount: int  # what the customer asked for
    unique_code: int  # 1..999, unique among open tickets
    transfer_amount: int  # amount + unique_code: what to transfer, unique among open tickets
    bank_info: str  # DEPOSIT_BANK_INFO when the ticket was made
    state: TicketState
    expires_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None
    credited_amount: int | None = None
    note: str = ""
    notify: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    @property
    def credit_key(self) -> str:
        return f"ticket:{self.ticket_id}"
