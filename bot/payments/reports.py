"""Reading: one transaction, a user's history, the pending list, day figures, the deposit.

A user sees only their own transactions (`_visible`); operators see every one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.jakarta import JAKARTA
from bot.payments.base import ServiceBase
from bot.payments.figures import ProductMargin, margins
from bot.payments.models import OPEN_PAYMENT_STATES, Deposit, Stats, Transaction, TransactionEvent, TxState


class Reports(ServiceBase):
    """Transactions read back, and the figures of a day."""

    def get(self, ref_id: str, user_id: int) -> Transaction:
        return self._visible(ref_id, user_id)

    def events(self, ref_id: str, user_id: int) -> list[TransactionEvent]:
        self._visible(ref_id, user_id)
        return self.ledger.events(ref_id)

    def history(self, user_id: int, limit: int = 10, offset: int = 0) -> list[Transaction]:
        return self.ledger.history(user_id, limit, offset)

    def count_history(self, user_id: int) -> int:
        return self.ledger.count_history(user_id)

    def find_by_customer(self, user_id: int, customer_number: str, limit: int = 10) -> list[Transaction]:
        owner = None if self.is_admin(user_id) else user_id
        return self.ledger.by_customer(customer_number.strip(), owner, limit)

    def pending(self) -> list[Transaction]:
        return self.ledger.open_payments()

    async def deposit(self) -> Deposit | None:
        """The biller's balance call when it has one, else the last balance an answer carried."""
        amount = await self.biller.deposit()
        if amount is not None:
            return Deposit(amount=amount)
        last = self.ledger.last_deposit(self.biller.name)
        return Deposit(amount=last[0], as_of=last[1]) if last is not None else None

    def stats(self, day: date | None = None) -> Stats:
        """Payments started on `day` (Asia/Jakarta; today by default) and how they ended."""
        return self._day(day, None)[0]

    def margins(self, day: date | None = None) -> list[ProductMargin]:
        """The operator's margin per product of the payments started on `day` that succeeded
        (bot/payments/figures.py: what the users paid minus the biller's cost, else the bill)."""
        return margins(self._day(day, None)[1])

    def report(self, user_id: int, day: date | None = None) -> tuple[Stats, list[Transaction]]:
        """One user's payments started on `day` (Asia/Jakarta; today by default): the reseller's
        daily report, with the figures and the transactions, oldest first."""
        return self._day(day, user_id)

    def _day(self, day: date | None, user_id: int | None) -> tuple[Stats, list[Transaction]]:
        day = day or self._now().astimezone(JAKARTA).date()
        start = datetime.combine(day, time(), JAKARTA)
        txs = self.ledger.paid_between(start, start + timedelta(days=1), user_id)
        done = [tx for tx in txs if tx.state is TxState.SUCCESS]
        return Stats(
            day=day.isoformat(),
            count=len(txs),
            success=len(done),
            volume=sum(tx.amount for tx in done),
            profit=sum(tx.profit for tx in done),
            pending=sum(1 for tx in txs if tx.state in OPEN_PAYMENT_STATES),
            failed=sum(1 for tx in txs if tx.state is TxState.FAILED),
        ), txs
