"""The payment core's domain types: transactions, their states, wallet entries.

Telegram-free on purpose: the core can be driven from a test, a benchmark or another front
end. Amounts are integer rupiah.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.billers.base import Bill, Reason
from bot.billers.money import MAX_RUPIAH as MAX_RUPIAH  # one wallet operation moves at most this


class TxState(StrEnum):
    INQUIRED = "INQUIRED"  # a bill was found and shown; nothing paid yet
    CANCELLED = "CANCELLED"  # the user said no
    EXPIRED = "EXPIRED"  # the inquiry is too old to pay: a new inquiry is needed
    PAYING = "PAYING"  # committed and debited; the pay request may be on its way
    PENDING = "PENDING"  # the biller's answer was unclear or "in process": follow by status
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"  # the wallet was refunded


FINAL_STATES = frozenset({TxState.SUCCESS, TxState.FAILED, TxState.CANCELLED, TxState.EXPIRED})
OPEN_PAYMENT_STATES = frozenset({TxState.PAYING, TxState.PENDING})

# The only moves a transaction can make. Anything else raises IllegalTransition.
TRANSITIONS: dict[TxState, frozenset[TxState]] = {
    TxState.INQUIRED: frozenset({TxState.CANCELLED, TxState.EXPIRED, TxState.PAYING}),
    TxState.PAYING: frozenset({TxState.SUCCESS, TxState.FAILED, TxState.PENDING}),
    TxState.PENDING: frozenset({TxState.SUCCESS, TxState.FAILED}),
    TxState.CANCELLED: frozenset(),
    TxState.EXPIRED: frozenset(),
    TxState.SUCCESS: frozenset(),
    TxState.FAILED: frozenset(),
}


class Role(StrEnum):
    CUSTOMER = "customer"
    RESELLER = "reseller"
    ADMIN = "admin"


class User(BaseModel):
    user_id: int  # the Telegram user id
    name: str = ""
    language: str = "id"
    role: Role = Role.CUSTOMER


class EntryKind(StrEnum):
    TOPUP = "topup"
    DEBIT = "debit"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class WalletEntry(BaseModel):
    entry_id: int
    user_id: int
    kind: EntryKind
    amount: int  # signed: top-ups and refunds positive, debits negative
    ref_id: str | None = None  # the transaction a debit or refund belongs to
    actor_id: int | None = None  # who did it (an admin for top-ups and adjustments)
    reason: str = ""
    created_at: datetime
    balance_after: int


class Transaction(BaseModel):
    ref_id: str  # ours, unique, alphanumeric: sent to the biller at inquiry and payment
    user_id: int
    provider: str
    product_code: str
    product_name: str
    customer_number: str
    customer_name: str
    bill: Bill
    bill_total: int  # what the biller asks for the bill
    markup: int  # the operator's markup per transaction
    amount: int  # what the user pays: bill_total + markup (the confirmed amount)
    cost: int | None = None  # what the biller takes from the operator's deposit, when told
    state: TxState
    reason: Reason | None = None
    provider_code: str = ""
    message: str = ""
    biller_ref: str = ""  # the biller's reference / token, for the receipt
    provider_txn_id: str = ""
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None  # when PAYING was committed
    settled_at: datetime | None = None  # when a final state was reached
    next_check_at: datetime | None = None  # when the status follower looks again
    checks: int = 0  # status calls made so far
    flagged: bool = False  # still pending after the follow-up window: the operator must look
    notify: dict[str, Any] = Field(default_factory=dict)  # where the front end wants news

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_open(self) -> bool:
        """Sent to the biller, or maybe sent, and not settled yet (PAYING or PENDING)."""
        return self.state in OPEN_PAYMENT_STATES

    @property
    def profit(self) -> int:
        """What the operator earns on this transaction: the user's price minus the biller's cost."""
        return self.amount - (self.cost if self.cost is not None else self.bill_total)


class TransactionEvent(BaseModel):
    event_id: int
    ref_id: str
    from_state: TxState | None
    to_state: TxState
    cause: str  # inquiry | pay | pay_answer | status | recovery | cancel | expire | ...
    reason: Reason | None = None
    provider_code: str = ""
    message: str = ""
    raw: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class Deposit(BaseModel):
    """The operator's deposit at the biller: asked just now, or the last figure a biller answer carried."""

    amount: int
    as_of: datetime | None = None  # None: the biller's balance call answered just now


class Stats(BaseModel):
    day: str
    count: int
    success: int
    volume: int  # rupiah paid successfully
    profit: int
    pending: int
    failed: int
