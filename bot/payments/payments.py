"""Inquiries and payments: the bill asked for, then paid at most once.

The order of things in `pay`: the payment's record, its PAYING state and the wallet debit are
committed in one SQLite transaction *before* the pay request leaves the process; only the caller
whose conditional UPDATE moved it INQUIRED -> PAYING sends it; everything later (a second tap, a
timeout, a restart) settles it with the status call and the same reference (settlement.py).

Each write is committed with the other writes of the same turn of the event loop
(`ledger.together`, storage/commits.py): a hundred customers paying at once wait for the disk
a few times, not a hundred. A caller goes on only after the COMMIT, so a pay request still
leaves only once its debit is on disk. Where the news of a payment goes (`notify`, the bill's
message) is stored in the debit's transaction: a crash right after the pay request still lets
the restart tell the customer there.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from bot.billers.base import MAX_MONTHS, InquiryError, Reason
from bot.billers.limit import background
from bot.payments.base import log
from bot.payments.errors import (
    BillBeingPaid,
    InquiryExpired,
    InsufficientBalance,
    InvalidMonths,
    NotPayable,
    TransactionNotFound,
)
from bot.payments.models import OPEN_PAYMENT_STATES, EntryKind, Transaction, TxState
from bot.payments.resolve import Resolution
from bot.payments.resolve import resolve as resolve_payment
from bot.payments.settlement import Settlement
from bot.payments.states import transition

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
REF_ID_MAX = 20
RETELL_EVERY = 30  # seconds between two looks for untold outcomes (each reads the last week's)


def new_ref_id(now: datetime) -> str:
    """Our reference: "LK" + UTC yymmddHHMMSS + 6 random base32 characters (20, alphanumeric).

    IAK wants ref_id alphanumeric without spaces; Ayoconnect's refNumber likewise. The time
    prefix makes references sortable and readable on a receipt; 30 random bits per second make
    a clash practically impossible (and `inquire` checks the ledger anyway).
    """
    stamp = now.astimezone(UTC).strftime("%y%m%d%H%M%S")
    return "LK" + stamp + "".join(secrets.choice(_BASE32) for _ in range(6))


class Payments(Settlement):
    """Inquire, cancel, pay; follow-up and recovery go through the status call only."""

    def set_notify(self, ref_id: str, notify: dict[str, Any]) -> None:
        if not self.ledger.set_notify(ref_id, dict(notify)):
            raise TransactionNotFound(ref_id)

    async def set_notify_together(self, ref_id: str, notify: dict[str, Any]) -> None:
        """`set_notify`, committed with the other writes of this turn of the event loop."""
        await self.ledger.together(self.set_notify, ref_id, notify)

    async def inquire(
        self,
        user_id: int,
        product_code: str,
        customer_number: str,
        notify: dict[str, Any] | None = None,
        months: int = 1,
    ) -> Transaction:
        """Ask the biller for the bill and store it as INQUIRED, priced bill total + the markup the
        operator's price rules give this user and product (bot/payments/prices.py; MARKUP by default).

        `months`: how many months to pay, for a product paid by the month (BPJS), 1 by default.
        """
        product = self.biller.product(product_code)  # UnknownProduct
        markup = self.prices.quote(product.code, user_id)  # ProductOff; fixed on the bill from here on
        number = product.number_rule.check(customer_number)  # InvalidCustomerNumber
        if months != 1 and not (product.needs_month and 1 <= months <= MAX_MONTHS):
            raise InvalidMonths(months, MAX_MONTHS if product.needs_month else 1)
        if not self.is_admin(user_id):  # InquiryLimited: nothing stored, no biller call
            self._inquiry_limit.admit(user_id, self._now())
        ref_id = new_ref_id(self._now())
        while self.ledger.exists(ref_id):
            ref_id = new_ref_id(self._now())
        # created_at is when the bill was asked for: a payment of it that settles after this moment
        # may not be in the biller's answer, so it makes this inquiry stale (see pay)
        asked = self._now()
        bill = await self.biller.inquire(product, number, ref_id, months=months)
        if bill.total <= 0:
            raise InquiryError("the biller returned a bill with nothing to pay", reason=Reason.BAD_RESPONSE)
        bill = bill.model_copy(update={"ref_id": ref_id})
        now = self._now()
        tx = Transaction(
            ref_id=ref_id,
            user_id=user_id,
            provider=bill.provider or self.biller.name,
            product_code=product.code,
            product_name=product.name,
            customer_number=number,
            customer_name=bill.customer_name,
            bill=bill,
            bill_total=bill.total,
            markup=markup,
            amount=bill.total + markup,
            cost=bill.cost if bill.cost is not None else bill.total,
            state=TxState.INQUIRED,
            created_at=asked,
            updated_at=now,
            notify=dict(notify or {}),
        )
        await self.ledger.together(self._store_inquiry, tx)
        return tx

    def _store_inquiry(self, tx: Transaction) -> None:
        """The bill as INQUIRED, inside the caller's transaction."""
        self.ledger.ensure_user_row(tx.user_id, self._role_for(tx.user_id, None), tx.updated_at)
        self.ledger.insert_transaction(tx)
        self.ledger.append_event(
            tx.ref_id, None, TxState.INQUIRED, "inquiry", tx.updated_at, message=tx.customer_name
        )

    def cancel(self, ref_id: str, user_id: int) -> Transaction:
        now = self._now()
        with self.ledger.transaction():
            tx = self._visible(ref_id, user_id, admin_sees_all=False)
            if tx.state is not TxState.INQUIRED:
                raise NotPayable(tx)
            return transition(self.ledger, tx, TxState.CANCELLED, cause="cancel", now=now)

    async def pay(self, ref_id: str, user_id: int, notify: dict[str, Any] | None = None) -> Transaction:
        """Debit and pay, at most once. See the module docstring for the order of things.

        `notify`: where the news of this payment goes (as `set_notify`), stored in the debit's
        transaction; None keeps what the bill was given."""
        committed = False

        def begin() -> tuple[Transaction, Transaction | None]:
            begun, expired = self._begin_payment(ref_id, user_id, self._now(), notify)

            def mark() -> None:  # in flight from the COMMIT on: no status answer of "no record" is believed
                nonlocal committed
                committed = True
                self._in_flight.add(ref_id)

            if expired is None:
                self.ledger.writes.after_commit(mark)
            return begun, expired

        try:
            tx, expired = await self.ledger.together(begin)
            if expired is not None:
                raise InquiryExpired(expired)
            self._follower.wake()
            # Committed: from here on the money is spoken for and only the status call settles it.
            try:
                result = await self.biller.pay(tx.bill)
            except Exception as error:  # the request may have left: unclear, never failed
                log.warning("pay %s raised %s: kept pending", ref_id, type(error).__name__)
                result = self._unclear(tx, f"{type(error).__name__} during payment")
        finally:
            if committed:
                self._in_flight.discard(ref_id)
        return await self._record(ref_id, result, "pay_answer")

    def _begin_payment(
        self, ref_id: str, user_id: int, now: datetime, notify: dict[str, Any] | None
    ) -> tuple[Transaction, Transaction | None]:
        """Inside the caller's transaction: the checks, then INQUIRED -> PAYING and the debit (and
        `notify`), or EXPIRED. Returns (the transaction, the expired one or None); refusals raise."""
        tx = self._visible(ref_id, user_id, admin_sees_all=False)
        if tx.state is not TxState.INQUIRED:
            raise NotPayable(tx)
        # the bill this inquiry showed was paid by a payment that settled after it was asked
        # for (whenever that payment started): stale, the biller's answer may predate it
        paid_since = self.ledger.succeeded_after(
            tx.product_code, tx.customer_number, tx.created_at, tx.ref_id
        )
        if (now - tx.created_at).total_seconds() > self.settings.inquiry_ttl_seconds:
            expired = transition(
                self.ledger, tx, TxState.EXPIRED, cause="expire", now=now, reason=Reason.INQUIRY_EXPIRED
            )
            return expired, expired
        if paid_since is not None:
            expired = transition(
                self.ledger,
                tx,
                TxState.EXPIRED,
                cause="expire",
                now=now,
                reason=Reason.ALREADY_PAID,
                message=f"paid by {paid_since.ref_id}",
            )
            return expired, expired
        other = self.ledger.open_payment_of_bill(tx.product_code, tx.customer_number, tx.ref_id)
        if other is not None:
            raise BillBeingPaid(tx, other)
        balance = self.ledger.balance(tx.user_id)
        if balance < tx.amount:
            raise InsufficientBalance(balance, tx.amount)
        if notify is not None:
            self.ledger.set_notify(ref_id, dict(notify))
        tx = transition(
            self.ledger,
            tx,
            TxState.PAYING,
            cause="pay",
            now=now,
            paid_at=now,
            next_check_at=self._next_check(now, now, ref_id),
        )
        self.ledger.add_entry(
            tx.user_id, EntryKind.DEBIT, -tx.amount, now, ref_id=ref_id, reason=f"payment {ref_id}"
        )
        return tx, None

    async def refresh(self, ref_id: str, user_id: int) -> Transaction:
        tx = self._visible(ref_id, user_id)
        if tx.state in OPEN_PAYMENT_STATES:
            tx = await self._check(tx, "refresh")
        return tx

    async def resolve(self, admin_id: int, ref_id: str, verdict: str, note: str) -> Resolution:
        """An operator closes a stuck payment; the biller is asked first (bot/payments/resolve.py)."""
        return await resolve_payment(self, admin_id, ref_id, verdict, note)

    def _batch(self) -> int:
        """Status checks made at once in the background: the biller slots the chat does not keep."""
        return max(1, self.settings.biller_max_concurrency - 1)

    async def _check_all(self, txs: list[Transaction], cause: str) -> list[Transaction]:
        """Status checks of a batch side by side (the biller's slots cap them); the first error
        is raised once the others are recorded, as one round's error was before."""
        answers = await asyncio.gather(*(self._check(tx, cause) for tx in txs), return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return [answer for answer in answers if isinstance(answer, Transaction)]

    async def follow_up_once(self) -> int:
        """Check every due, unflagged open payment once, and tell owners what they missed.
        Returns how many payments were checked.

        A batch at a time (BILLER_MAX_CONCURRENCY - 1 of them, read from the ledger per batch:
        10,000 due are never all in memory), yielding to the event loop between batches so that
        the chat's updates are served while the follow-up runs; as background calls, they leave
        one biller slot to the chat (bot/billers/limit.py)."""
        now = self._now()
        checked: set[str] = set()
        with background():
            while True:
                due = [tx for tx in self.ledger.due(now, limit=self._batch()) if tx.ref_id not in checked]
                if not due:
                    break
                await self._check_all(due, "status")
                checked.update(tx.ref_id for tx in due)
                await asyncio.sleep(0)  # the chat's turn
        retold = self._retold_at
        if retold is None or (now - retold).total_seconds() >= RETELL_EVERY:
            self._retold_at = now
            await self.retell()
        return len(checked)

    async def recover(self) -> list[Transaction]:
        """At start-up: every PAYING/PENDING payment goes through the status call, never pay; a
        batch at a time beside the chat, as the follow-up does."""
        found: list[Transaction] = []
        refs = self.ledger.open_refs()  # refs only: the transactions are read a batch at a time
        with background():
            for start in range(0, len(refs), self._batch()):
                batch = [self.ledger.get_transaction(ref) for ref in refs[start : start + self._batch()]]
                still_open = [tx for tx in batch if tx is not None and tx.state in OPEN_PAYMENT_STATES]
                found += await self._check_all(still_open, "recovery")
                await asyncio.sleep(0)  # the chat's turn
        return found

    def start(self) -> None:
        self._follower.start()

    async def stop(self) -> None:
        await self._follower.stop()
