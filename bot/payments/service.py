"""PaymentService: the payment core the Telegram layer calls (docs/core-contract.md).

The rules it exists to keep:
- the payment's record, its PAYING state and the wallet debit are committed in one SQLite
  transaction *before* the pay request leaves the process, so a crash can never lose a payment;
- a transaction reaches the biller's pay call at most once: only the caller whose conditional
  UPDATE moved it INQUIRED -> PAYING sends it; everything later (a second tap, a timeout, a
  restart) settles it with the status call and the same reference;
- a FAILED payment is refunded exactly once, in the same DB transaction as the state change
  (and the database's unique index on (ref_id, kind) refuses a second refund anyway);
- every core error leaves the database as it was (the one documented exception: paying an
  expired inquiry records EXPIRED before raising InquiryExpired).

Status answers that move a transaction are events (transaction_events); answers that do not
("still pending", "no record yet") are appended to `status_checks`, so the event log stays a
log of transitions and the audit trail of every status call is still complete.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from bot.billers.base import MAX_MONTHS, Biller, InquiryError, Outcome, PaymentResult, Reason
from bot.config import Settings
from bot.payments.errors import (
    BillBeingPaid,
    InquiryExpired,
    InsufficientBalance,
    InvalidAmount,
    InvalidMonths,
    NotPayable,
    TransactionNotFound,
)
from bot.payments.figures import ProductMargin, margins
from bot.payments.follow_up import StatusFollower, next_check_after
from bot.payments.ledger import Ledger
from bot.payments.limits import InquiryLimiter
from bot.payments.models import (
    MAX_RUPIAH,
    OPEN_PAYMENT_STATES,
    Deposit,
    EntryKind,
    Role,
    Stats,
    Transaction,
    TransactionEvent,
    TxState,
    User,
    WalletEntry,
)
from bot.payments.prices import PriceBook
from bot.payments.resolve import Resolution
from bot.payments.resolve import resolve as resolve_payment
from bot.payments.states import transition
from storage.db import when_free

log = logging.getLogger(__name__)

Observer = Callable[[Transaction], Awaitable[None]]
Alarm = Callable[[Transaction, PaymentResult], Awaitable[None]]
JAKARTA = timezone(timedelta(hours=7), "WIB")  # Indonesia has no daylight saving time
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
REF_ID_MAX = 20
STATUS_CAUSES = frozenset({"status", "refresh", "recovery", "resolve"})  # "resolve": /resolve asks first
# An outcome the owner has not heard of is told again: first after a minute (the news normally
# goes out right after the commit), then twice as late each time up to hourly, for a week.
RETELL_FIRST = 60
RETELL_LONGEST = 3600
RETELL_MAX_ATTEMPTS = 40
RETELL_WINDOW = timedelta(days=7)


def new_ref_id(now: datetime) -> str:
    """Our reference: "LK" + UTC yymmddHHMMSS + 6 random base32 characters (20, alphanumeric).

    IAK wants ref_id alphanumeric without spaces; Ayoconnect's refNumber likewise. The time
    prefix makes references sortable and readable on a receipt; 30 random bits per second make
    a clash practically impossible (and `inquire` checks the ledger anyway).
    """
    stamp = now.astimezone(UTC).strftime("%y%m%d%H%M%S")
    return "LK" + stamp + "".join(secrets.choice(_BASE32) for _ in range(6))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PaymentService:
    """Inquiries, payments, wallets and status follow-up over a Ledger and a Biller."""

    def __init__(
        self,
        ledger: Ledger,
        biller: Biller,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.ledger = ledger
        self.biller = biller
        self.settings = settings
        self._now = clock
        self._observers: list[Observer] = []
        self._alarms: list[Alarm] = []
        # pay requests of this process still waiting for their answer (see _no_record_is_final)
        self._in_flight: set[str] = set()
        self.prices = PriceBook(ledger.db, settings.markup, settings.admin_ids, clock=clock)  # prices.py
        self._follower = StatusFollower(self.follow_up_once, ledger.next_due_at, clock)
        # bills one user may look up (bot/payments/limits.py); operators are not limited
        self._inquiry_limit = InquiryLimiter(
            settings.inquiry_limit_per_minute, settings.inquiry_limit_per_hour
        )

    # -- users --------------------------------------------------------------------------------
    def is_admin(self, user_id: int) -> bool:
        """Admins are named by Telegram user id in ADMIN_IDS, nowhere else."""
        return user_id in self.settings.admin_ids

    def _role_for(self, user_id: int, stored: Role | None) -> Role:
        if self.is_admin(user_id):
            return Role.ADMIN
        if stored is None or stored is Role.ADMIN:  # removed from ADMIN_IDS: no longer admin
            return Role.CUSTOMER
        return stored

    def ensure_user(self, user_id: int, name: str = "", language: str | None = None) -> User:
        existing = self.ledger.get_user(user_id)
        user = User(
            user_id=user_id,
            name=name or (existing.name if existing else ""),
            language=language or (existing.language if existing else "id"),
            role=self._role_for(user_id, existing.role if existing else None),
        )
        if user != existing:
            self.ledger.save_user(user, self._now())
        return user

    def get_user(self, user_id: int) -> User | None:
        return self.ledger.get_user(user_id)

    def set_language(self, user_id: int, lang: str) -> User:
        return self.ensure_user(user_id, language=lang)

    def set_role(self, admin_id: int, user_id: int, role: Role) -> User:
        """An operator marks a user reseller or customer. Admins are ADMIN_IDS only, never set here."""
        self._require_admin(admin_id)
        if role is Role.ADMIN or self.is_admin(user_id):
            raise PermissionError("admins are named by ADMIN_IDS")
        now = self._now()
        with self.ledger.transaction():
            self.ledger.ensure_user_row(user_id, Role.CUSTOMER, now)
            user = self.ledger.get_user(user_id)
            assert user is not None
            return self.ledger.save_user(user.model_copy(update={"role": role}), now)

    # -- observers -----------------------------------------------------------------------------
    def add_observer(self, callback: Observer) -> None:
        self._observers.append(callback)

    def add_alarm(self, callback: Alarm) -> None:
        """Told when a provider contradicts a settled payment: only a person can put that right."""
        self._alarms.append(callback)

    async def _raise_alarm(self, tx: Transaction, result: PaymentResult) -> None:
        for callback in list(self._alarms):
            try:
                await callback(tx, result)
            except Exception:
                log.exception("alarm callback failed for %s", tx.ref_id)

    async def _notify(self, tx: Transaction) -> None:
        """Tell the observers; for a settled payment, record whether the news got through."""
        error = ""
        for callback in list(self._observers):
            try:
                await callback(tx)
            except Exception as failure:
                log.exception("observer failed for %s", tx.ref_id)
                error = type(failure).__name__
        if tx.is_final:
            await when_free(self.ledger.record_notice, tx.ref_id, tx.state, not error, error, self._now())

    def _retell_due(self, attempts: int, last: datetime | None, settled: datetime, now: datetime) -> bool:
        """An untold outcome is tried again after RETELL_FIRST seconds, then ever more slowly."""
        if attempts >= RETELL_MAX_ATTEMPTS:
            return False
        wait = min(RETELL_FIRST * 2 ** max(attempts - 1, 0), RETELL_LONGEST)
        return bool((now - (last or settled)).total_seconds() >= wait)

    async def retell(self) -> int:
        """Tell owners the outcomes they have not heard of: a crash right after the settlement, or
        Telegram down when it happened. Returns how many were tried."""
        now = self._now()
        tried = 0
        for tx, attempts, last in self.ledger.untold(now - RETELL_WINDOW):
            assert tx.settled_at is not None
            if self._retell_due(attempts, last, tx.settled_at, now):
                tried += 1
                await self._notify(tx)
        return tried

    # -- reading -------------------------------------------------------------------------------
    def _visible(self, ref_id: str, user_id: int, *, admin_sees_all: bool = True) -> Transaction:
        tx = self.ledger.get_transaction(ref_id)
        if tx is None or (tx.user_id != user_id and not (admin_sees_all and self.is_admin(user_id))):
            raise TransactionNotFound(ref_id)
        return tx

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

    def set_notify(self, ref_id: str, notify: dict[str, Any]) -> None:
        if not self.ledger.set_notify(ref_id, dict(notify)):
            raise TransactionNotFound(ref_id)

    def pending(self) -> list[Transaction]:
        return self.ledger.open_payments()

    # -- inquiry -------------------------------------------------------------------------------
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
        with self.ledger.transaction():
            self.ledger.ensure_user_row(user_id, self._role_for(user_id, None), now)
            self.ledger.insert_transaction(tx)
            self.ledger.append_event(
                ref_id, None, TxState.INQUIRED, "inquiry", now, message=bill.customer_name
            )
        return tx

    def cancel(self, ref_id: str, user_id: int) -> Transaction:
        now = self._now()
        with self.ledger.transaction():
            tx = self._visible(ref_id, user_id, admin_sees_all=False)
            if tx.state is not TxState.INQUIRED:
                raise NotPayable(tx)
            return transition(self.ledger, tx, TxState.CANCELLED, cause="cancel", now=now)

    # -- payment -------------------------------------------------------------------------------
    def _next_check(self, paid_at: datetime, now: datetime) -> datetime | None:
        return next_check_after(
            paid_at, now, self.settings.status_poll_intervals, self.settings.status_follow_hours
        )

    async def pay(self, ref_id: str, user_id: int) -> Transaction:
        """Debit and pay, at most once. See the module docstring for the order of things."""
        now = self._now()
        expired: Transaction | None = None
        with self.ledger.transaction():
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
            elif paid_since is not None:
                expired = transition(
                    self.ledger,
                    tx,
                    TxState.EXPIRED,
                    cause="expire",
                    now=now,
                    reason=Reason.ALREADY_PAID,
                    message=f"paid by {paid_since.ref_id}",
                )
            else:
                other = self.ledger.open_payment_of_bill(tx.product_code, tx.customer_number, tx.ref_id)
                if other is not None:
                    raise BillBeingPaid(tx, other)
                balance = self.ledger.balance(tx.user_id)
                if balance < tx.amount:
                    raise InsufficientBalance(balance, tx.amount)
                tx = transition(
                    self.ledger,
                    tx,
                    TxState.PAYING,
                    cause="pay",
                    now=now,
                    paid_at=now,
                    next_check_at=self._next_check(now, now),
                )
                self.ledger.add_entry(
                    tx.user_id, EntryKind.DEBIT, -tx.amount, now, ref_id=ref_id, reason=f"payment {ref_id}"
                )
        if expired is not None:
            raise InquiryExpired(expired)
        self._follower.wake()
        # Committed: from here on the money is spoken for and only the status call settles it.
        self._in_flight.add(ref_id)
        try:
            result = await self.biller.pay(tx.bill)
        except Exception as error:  # the request may have left: unclear, never failed
            log.warning("pay %s raised %s: kept pending", ref_id, type(error).__name__)
            result = self._unclear(tx, f"{type(error).__name__} during payment")
        finally:
            self._in_flight.discard(ref_id)
        return await self._record(ref_id, result, "pay_answer")

    def _unclear(self, tx: Transaction, message: str) -> PaymentResult:
        return PaymentResult(
            outcome=Outcome.PENDING,
            reason=Reason.UNKNOWN,
            provider=tx.provider,
            ref_id=tx.ref_id,
            message=message,
        )

    def _no_record_is_final(self, tx: Transaction, now: datetime) -> bool:
        """The "provider has no payment record" rule.

        IAK check-status answers `status 0` / rc 42, "payment request not yet received" (IAK
        reference §4), and Ayoconnect's status answers 188 "transaction is not available"
        (ayoconnect.md §9: "If 188 persists well past the payment attempt (e.g. several polls
        over ≥ 5 min), the payment most likely never registered"). Right after a payment the
        request may still be on its way, so such an answer means *wait*. Once
        NO_RECORD_GRACE_SECONDS have passed since paid_at, the request never reached the
        provider: the payment is FAILED and refunded. It is never sent a second time.

        Two cases where "no record" is not believed, because we know better and a refund could
        pay the bill out of the operator's pocket:
        - this process's pay request is still waiting for its answer (a slow biller, a status
          check racing it): the request may land after the status call; the pay answer decides;
        - the provider already said it had the payment ("in process": IAK 39, Ayoconnect
          102/108/2xx), in the pay answer or an earlier status answer: a later "no record" is the
          provider's glitch. It stays PENDING and is flagged for the operator after the window.
        """
        if tx.paid_at is None or tx.ref_id in self._in_flight:
            return False
        if (now - tx.paid_at).total_seconds() < self.settings.no_record_grace_seconds:
            return False
        return not self.ledger.provider_acknowledged(tx.ref_id)

    async def _record(self, ref_id: str, result: PaymentResult, cause: str) -> Transaction:
        """Store a pay or status answer; notify observers after the commit when it matters."""
        # A lock another program holds (a backup, an sqlite3 shell) must not lose the answer to a
        # payment already sent: tried again without holding up the other chats.
        tx, tell = await when_free(self._apply_answer, ref_id, result, cause)
        if tell:
            await self._notify(tx)
        if self.needs_reconciling(tx, result):
            await self._raise_alarm(tx, result)
        return tx

    @classmethod
    def needs_reconciling(cls, tx: Transaction, result: PaymentResult) -> bool:
        """An answer only a person can square with our books: it contradicts the settled state,
        or a success names another total than the bill the user confirmed (we paid that bill's
        total; a biller that took more or less must be checked)."""
        if cls._contradicts(tx.state, result.outcome):
            return True
        return (
            tx.state is TxState.SUCCESS
            and result.outcome is Outcome.SUCCESS
            and result.amount is not None
            and result.amount != tx.bill_total
        )

    def _apply_answer(self, ref_id: str, result: PaymentResult, cause: str) -> tuple[Transaction, bool]:
        now = self._now()
        with self.ledger.transaction():
            tx = self.ledger.get_transaction(ref_id)
            if tx is None:
                raise TransactionNotFound(ref_id)
            if result.deposit_balance is not None:
                self.ledger.record_deposit(self.biller.name, result.deposit_balance, ref_id, now)
            if tx.state not in OPEN_PAYMENT_STATES:  # settled meanwhile: keep the answer for audit
                self.ledger.append_status_check(ref_id, tx.state, cause, result, now)
                if self._contradicts(tx.state, result.outcome):
                    # a final state never changes, so the money has to be put right by a person
                    log.error(
                        "%s is %s but the provider now answers %s (%s): reconcile by hand",
                        ref_id, tx.state.value, result.outcome.value, result.provider_code,
                    )  # fmt: skip
                return tx, False
            outcome = result.outcome
            is_status = cause in STATUS_CAUSES
            if (
                outcome is Outcome.PENDING
                and result.reason is Reason.NO_PAYMENT_RECORD
                and is_status
                and self._no_record_is_final(tx, now)
            ):
                outcome = Outcome.FAILED
            checks = tx.checks + (1 if is_status else 0)
            if outcome is Outcome.SUCCESS:
                tx = transition(
                    self.ledger,
                    tx,
                    TxState.SUCCESS,
                    cause=cause,
                    now=now,
                    result=result,
                    checks=checks,
                    biller_ref=result.biller_ref or tx.biller_ref,
                    provider_txn_id=result.provider_txn_id or tx.provider_txn_id,
                )
                return tx, True
            if outcome is Outcome.FAILED:
                tx = transition(
                    self.ledger,
                    tx,
                    TxState.FAILED,
                    cause=cause,
                    now=now,
                    result=result,
                    checks=checks,
                    provider_txn_id=result.provider_txn_id or tx.provider_txn_id,
                )
                self.ledger.add_entry(
                    tx.user_id, EntryKind.REFUND, tx.amount, now, ref_id=ref_id, reason=f"refund {ref_id}"
                )
                return tx, True
            assert tx.paid_at is not None
            due = self._next_check(tx.paid_at, now)
            newly_flagged = due is None and not tx.flagged
            fields: dict[str, Any] = {
                "checks": checks,
                "next_check_at": due,
                "flagged": tx.flagged or due is None,
            }
            if tx.state is TxState.PAYING:
                tx = transition(
                    self.ledger, tx, TxState.PENDING, cause=cause, now=now, result=result, **fields
                )
            else:
                self.ledger.update_transaction(ref_id, TxState.PENDING, updated_at=now, **fields)
                self.ledger.append_status_check(ref_id, tx.state, cause, result, now)
                tx = self.ledger.get_transaction(ref_id) or tx
            return tx, newly_flagged

    @staticmethod
    def _contradicts(state: TxState, outcome: Outcome) -> bool:
        """A late answer that says the opposite of a settled payment (refunded but paid, ...)."""
        return (state is TxState.FAILED and outcome is Outcome.SUCCESS) or (
            state is TxState.SUCCESS and outcome is Outcome.FAILED
        )

    async def _check(self, tx: Transaction, cause: str) -> Transaction:
        """One status call for an open payment (never a pay call), recorded."""
        try:
            result = await self.biller.check_status(tx.bill)
        except Exception as error:
            log.warning("status %s raised %s: still pending", tx.ref_id, type(error).__name__)
            result = self._unclear(tx, f"{type(error).__name__} during status check")
        return await self._record(tx.ref_id, result, cause)

    async def refresh(self, ref_id: str, user_id: int) -> Transaction:
        tx = self._visible(ref_id, user_id)
        if tx.state in OPEN_PAYMENT_STATES:
            tx = await self._check(tx, "refresh")
        return tx

    async def resolve(self, admin_id: int, ref_id: str, verdict: str, note: str) -> Resolution:
        """An operator closes a stuck payment; the biller is asked first (bot/payments/resolve.py)."""
        return await resolve_payment(self, admin_id, ref_id, verdict, note)

    # -- follow-up and recovery ----------------------------------------------------------------
    async def follow_up_once(self) -> int:
        """Check every due, unflagged open payment once, and tell owners what they missed.
        Returns how many payments were checked."""
        due = self.ledger.due(self._now())
        for tx in due:
            await self._check(tx, "status")
        await self.retell()
        return len(due)

    async def recover(self) -> list[Transaction]:
        """At start-up: every PAYING/PENDING payment goes through the status call, never pay."""
        return [await self._check(tx, "recovery") for tx in self.ledger.open_payments()]

    def start(self) -> None:
        self._follower.start()

    async def stop(self) -> None:
        await self._follower.stop()

    # -- wallets -------------------------------------------------------------------------------
    def balance(self, user_id: int) -> int:
        return self.ledger.balance(user_id)

    def statement(self, user_id: int, limit: int = 10) -> list[WalletEntry]:
        return self.ledger.statement(user_id, limit)

    def _require_admin(self, admin_id: int) -> None:
        if not self.is_admin(admin_id):
            raise PermissionError(f"user {admin_id} is not an admin")

    @staticmethod
    def _whole(amount: object) -> int:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InvalidAmount("an amount is a whole number of rupiah")
        if abs(amount) > MAX_RUPIAH:
            raise InvalidAmount(f"an amount is at most {MAX_RUPIAH} rupiah")
        return amount

    def top_up(self, admin_id: int, user_id: int, amount: int, reason: str = "") -> WalletEntry:
        self._require_admin(admin_id)
        if self._whole(amount) <= 0:
            raise InvalidAmount("a top-up must be more than zero")
        now = self._now()
        with self.ledger.transaction():
            self.ledger.ensure_user_row(user_id, self._role_for(user_id, None), now)
            return self.ledger.add_entry(
                user_id, EntryKind.TOPUP, amount, now, actor_id=admin_id, reason=reason
            )

    def adjust(self, admin_id: int, user_id: int, amount: int, reason: str) -> WalletEntry:
        self._require_admin(admin_id)
        if self._whole(amount) == 0:
            raise InvalidAmount("an adjustment cannot be zero")
        now = self._now()
        with self.ledger.transaction():
            balance = self.ledger.balance(user_id)
            if balance + amount < 0:
                raise InvalidAmount(f"the adjustment would make the balance negative ({balance + amount})")
            self.ledger.ensure_user_row(user_id, self._role_for(user_id, None), now)
            return self.ledger.add_entry(
                user_id, EntryKind.ADJUSTMENT, amount, now, actor_id=admin_id, reason=reason
            )

    # -- operator ------------------------------------------------------------------------------
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
