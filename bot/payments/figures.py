"""Figures of a day's transactions, Telegram-free: what a user paid (the bill and the markup
that applied to them, which add up to the amount debited), and the operator's margin per
product (what the users paid minus what the biller took: its cost when it told it, else the
bill total). Integer rupiah, from the transactions as the ledger holds them.

Whether the biller told its cost is read from the bill it answered (`tx.bill.cost`): the
transaction's own `cost` is filled with the bill total when it did not.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from bot.payments.models import OPEN_PAYMENT_STATES, Transaction, TxState


class Paid(BaseModel):
    """What a user paid for some transactions: bill + markup = amount, each summed."""

    count: int = 0
    bill: int = 0  # what the biller asked for the bills
    markup: int = 0  # the markup that applied to the user
    amount: int = 0  # what was debited: bill + markup


def paid(txs: Iterable[Transaction], states: frozenset[TxState] = frozenset({TxState.SUCCESS})) -> Paid:
    """The sums of the transactions in `states` (the payments that succeeded, by default; a failed
    one was refunded, an open one may still be)."""
    chosen = [tx for tx in txs if tx.state in states]
    return Paid(
        count=len(chosen),
        bill=sum(tx.bill_total for tx in chosen),
        markup=sum(tx.markup for tx in chosen),
        amount=sum(tx.amount for tx in chosen),
    )


def held(txs: Iterable[Transaction]) -> Paid:
    """The payments still waiting for the biller: debited, refunded if they fail."""
    return paid(txs, OPEN_PAYMENT_STATES)


class ProductMargin(BaseModel):
    """The operator's margin on one product's successful payments."""

    product_code: str
    product_name: str
    count: int  # payments that succeeded
    paid: int  # what the users paid
    taken: int  # what the biller took: its cost where it told it, else the bill total
    by_cost: int  # of `count`, the payments whose biller cost was told (the rest count the bill)

    @property
    def margin(self) -> int:
        return self.paid - self.taken

    @property
    def basis(self) -> str:
        """Where `taken` comes from: "cost" (the biller said, every time), "bill" (never) or "mixed"."""
        if self.by_cost == self.count:
            return "cost"
        return "bill" if self.by_cost == 0 else "mixed"


def margins(txs: Iterable[Transaction]) -> list[ProductMargin]:
    """Margin per product of the payments that succeeded, the largest margin first (then by code)."""
    by_code: dict[str, ProductMargin] = {}
    for tx in txs:
        if tx.state is not TxState.SUCCESS:
            continue
        told = tx.bill.cost is not None
        taken = tx.bill.cost if tx.bill.cost is not None else tx.bill_total
        row = by_code.get(tx.product_code)
        if row is None:
            by_code[tx.product_code] = ProductMargin(
                product_code=tx.product_code,
                product_name=tx.product_name,
                count=1,
                paid=tx.amount,
                taken=taken,
                by_cost=int(told),
            )
        else:
            row.count += 1
            row.paid += tx.amount
            row.taken += taken
            row.by_cost += int(told)
    return sorted(by_code.values(), key=lambda m: (-m.margin, m.product_code))
