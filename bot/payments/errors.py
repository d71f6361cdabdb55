"""Typed errors of the payment core. Each is something the chat can explain to a person.

When a core call raises one of these, nothing in the database has changed.
"""

from __future__ import annotations

from bot.payments.models import Transaction, TxState


class PaymentError(Exception):
    """Base class of the core's errors."""


class TransactionNotFound(PaymentError):
    """No such reference for this user. Someone else's reference raises this too, on purpose."""

    def __init__(self, ref_id: str) -> None:
        super().__init__(f"transaction {ref_id!r} not found")
        self.ref_id = ref_id


class InsufficientBalance(PaymentError):
    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"wallet balance {balance} is less than {needed}")
        self.balance = balance
        self.needed = needed

    @property
    def shortfall(self) -> int:
        return self.needed - self.balance


class InquiryExpired(PaymentError):
    """The bill was inquired too long ago to pay: a new inquiry is needed."""

    def __init__(self, transaction: Transaction) -> None:
        super().__init__(f"inquiry {transaction.ref_id} expired")
        self.transaction = transaction


class NotPayable(PaymentError):
    """The transaction is past the point of paying: already paying, paid, failed or cancelled.

    A second tap on the pay button ends here, with the transaction as it is now.
    """

    def __init__(self, transaction: Transaction) -> None:
        super().__init__(f"transaction {transaction.ref_id} is {transaction.state}")
        self.transaction = transaction

    @property
    def state(self) -> TxState:
        return self.transaction.state


class BillBeingPaid(PaymentError):
    """Another payment of the same bill (product and customer number) is still with the biller.

    Paying again now could pay the bill twice: the biller may not know yet that the first one
    went through. Wait for it to settle (the chat says "jangan diulang").
    """

    def __init__(self, transaction: Transaction, other: Transaction) -> None:
        super().__init__(f"{transaction.ref_id}: the same bill is being paid by {other.ref_id}")
        self.transaction = transaction
        self.other = other


class InvalidMonths(PaymentError):
    """A month count for a product that takes none, or outside 1..MAX_MONTHS; nothing was sent."""

    def __init__(self, months: int, most: int) -> None:
        super().__init__(f"{months} months: 1 to {most}, and only for products paid by the month")
        self.months = months
        self.most = most


class IllegalTransition(PaymentError):
    def __init__(self, ref_id: str, from_state: TxState, to_state: TxState) -> None:
        super().__init__(f"{ref_id}: {from_state} -> {to_state} is not allowed")
        self.ref_id = ref_id
        self.from_state = from_state
        self.to_state = to_state


class InvalidAmount(PaymentError):
    """A wallet amount that is not a positive whole number, or would make a balance negative."""
