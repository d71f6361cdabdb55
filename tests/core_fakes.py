"""Test doubles for the payment core: a scriptable Biller, a settable clock, DB snapshots.

The fake biller keeps the provider's truth per ref_id ("none", "paid", "failed", "pending")
so a status call answers what really happened to the money, and counts pay requests so a test
can prove nothing was paid twice. A pay request can end in an answer, an exception or a crash
with the provider holding the payment paid, failed or "in process" (PAY_MODES); a status answer
can be scripted once (`answer_next`), e.g. the provider's "no record" glitch after it had said
"in process".
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.billers.base import (
    Bill,
    BillLine,
    InquiryError,
    NumberRule,
    Outcome,
    PaymentResult,
    Product,
    Reason,
    UnknownProduct,
)
from bot.config import Settings
from bot.payments.ledger import Ledger
from bot.payments.service import PaymentService
from storage.db import open_database

ADMIN = 1
USER = 42
OTHER = 77
PRODUCT = Product(code="TELKOMPSTN", name="Telkom", category="telkom", number_rule=NumberRule(min_length=6))
NO_BILL_NUMBER = "999999"  # the fake's inquiry refuses this number
# how a pay request ends: "<answer>" or "<what happened>_<what the provider holds>"
PAY_MODES = (
    "success", "failed", "pending",  # the provider answered: paid, failed, in process (39)
    "raise", "raise_pending", "raise_failed",  # the answer was lost (a timeout, a 5xx)
    "raise_late",  # ... and the request itself is still on its way: it lands later (`land`)
    "crash_before",  # the process died before the request left: the provider has no record
    "crash_after", "crash_after_pending",  # ... after the provider got it
)  # fmt: skip
_HOLDS = {"success": "paid", "failed": "failed", "pending": "pending", "late": "none"}
# "error": the status request itself failed (a timeout, a 5xx): it says nothing of the payment
STATUS_ANSWERS = ("in_process", "no_record", "success", "failed", "error")


class SimulatedCrash(BaseException):
    """The process 'dies' here: not an Exception, so nothing in the core may swallow it."""


class Clock:
    """A settable clock. With `tick`, every reading is a microsecond later than the one before,
    as a real clock's readings are (no two events of a run at the same instant)."""

    def __init__(self, start: datetime | None = None, *, tick: bool = False) -> None:
        self.now = start or datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
        self.tick = tick

    def __call__(self) -> datetime:
        if self.tick:
            self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeBiller:
    name = "fake"

    def __init__(self, *, bill_total: int = 100_000, cost: int | None = 98_500, delay: float = 0.0) -> None:
        self.bill_total = bill_total
        self.cost = cost
        self.delay = delay  # before the pay request reaches the provider
        self.answer_delay = 0.0  # after: the provider has it, its answer is slow to come back
        self.inquiry_delay = 0.0
        self.pay_mode = "success"
        self.charged: int | None = None  # the total a success answer names (None: not told)
        self.truth: dict[str, str] = {}
        self.pay_requests: Counter[str] = Counter()
        self.status_requests: Counter[str] = Counter()
        self.inquiries = 0
        self.acknowledged: set[str] = set()  # refs the provider answered "in process" (39) for
        self.scripted: dict[str, str] = {}  # ref -> the truth the next status answer tells, once
        self.crash_on_status: set[str] = set()  # refs whose next status call dies before any answer
        self.in_transit: set[str] = set()  # pay requests sent that have not reached the provider
        self._lock = threading.Lock()

    def products(self) -> list[Product]:
        return [PRODUCT]

    def product(self, code: str) -> Product:
        if code.upper() != PRODUCT.code:
            raise UnknownProduct(code)
        return PRODUCT

    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        self.inquiries += 1
        if self.inquiry_delay:
            await asyncio.sleep(self.inquiry_delay)
        if customer_number == NO_BILL_NUMBER:
            raise InquiryError("no bill", reason=Reason.ALREADY_PAID, provider_code="01")
        self.truth[ref_id] = "none"
        admin = 2_500
        return Bill(
            provider=self.name,
            ref_id=ref_id,
            product_code=product.code,
            customer_number=customer_number,
            customer_name="SITI RAHAYU",
            periods=["202602"],
            lines=[BillLine(period="FEB 2026", amount=self.bill_total - admin, admin=admin)],
            nominal=self.bill_total - admin,
            admin=admin,
            total=self.bill_total,
            cost=self.cost,
            provider_ref=f"T{self.inquiries}",
        )

    def _result(self, bill: Bill, truth: str, *, status: bool) -> PaymentResult:
        outcome, reason, code = {
            "paid": (Outcome.SUCCESS, Reason.OK, "00"),
            "failed": (Outcome.FAILED, Reason.PAYMENT_FAILED, "37"),
            "pending": (Outcome.PENDING, Reason.IN_PROCESS, "39"),
            "none": (Outcome.PENDING, Reason.NO_PAYMENT_RECORD, "42"),
        }[truth]
        if truth == "pending":
            self.acknowledged.add(bill.ref_id)
        return PaymentResult(
            outcome=outcome,
            reason=reason,
            provider=self.name,
            ref_id=bill.ref_id,
            provider_code=code,
            message=f"{'status' if status else 'pay'} {truth}",
            biller_ref="NOREF" + bill.ref_id[-4:] if truth == "paid" else "",
            provider_txn_id=bill.provider_ref,
            amount=self.charged if truth == "paid" else None,
        )

    async def pay(self, bill: Bill) -> PaymentResult:
        mode = self.pay_mode
        if mode == "crash_before":
            raise SimulatedCrash("died before sending the pay request")
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.pay_requests[bill.ref_id] += 1
            self.truth[bill.ref_id] = _HOLDS.get(mode.rsplit("_", 1)[-1], "paid")
            if mode == "raise_late":
                self.in_transit.add(bill.ref_id)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        if mode.startswith("raise"):
            raise RuntimeError("connection reset after the request was sent")
        if mode.startswith("crash_after"):
            raise SimulatedCrash("died after the pay request reached the biller")
        return self._result(bill, self.truth[bill.ref_id], status=False)

    async def check_status(self, bill: Bill) -> PaymentResult:
        if bill.ref_id in self.crash_on_status:
            self.crash_on_status.discard(bill.ref_id)
            raise SimulatedCrash("died while the status request was out")
        self.status_requests[bill.ref_id] += 1
        truth = self.scripted.pop(bill.ref_id, None) or self.truth.get(bill.ref_id, "none")
        if truth == "error":
            raise RuntimeError("the status request timed out")
        return self._result(bill, truth, status=True)

    def land(self, ref_id: str) -> bool:
        """A pay request that was on its way reaches the provider, which starts processing it."""
        if ref_id not in self.in_transit:
            return False
        self.in_transit.discard(ref_id)
        self.truth[ref_id] = "pending"
        return True

    def answer_next(self, ref_id: str, answer: str) -> bool:
        """The next status answer for `ref_id` is `answer` (STATUS_ANSWERS), as a provider could
        give it: "success"/"failed" settle an in-process payment first; "in_process" is told of a
        payment the provider holds unsettled; "no_record" of one it never got, or, as a glitch,
        of one it already said it was processing; "error" any time. False (nothing scripted)
        when the provider could not give that answer now."""
        truth = self.truth.get(ref_id, "none")
        if answer == "error":
            self.scripted[ref_id] = "error"
            return True
        if answer in ("success", "failed"):
            self.settle(ref_id, paid=answer == "success")
            return self.truth.get(ref_id) == ("paid" if answer == "success" else "failed")
        if answer == "in_process":
            if truth != "pending":
                return False
            self.scripted[ref_id] = "pending"
            return True
        if truth == "none" or ref_id in self.acknowledged:
            self.scripted[ref_id] = "none"
            return True
        return False

    def settle(self, ref_id: str, paid: bool) -> None:
        """The provider finishes a pending payment."""
        if self.truth.get(ref_id) == "pending":
            self.truth[ref_id] = "paid" if paid else "failed"

    async def deposit(self) -> int | None:
        return 5_000_000

    async def aclose(self) -> None:
        return None


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ADMIN_IDS": str(ADMIN),
        "MARKUP": 1500,
        "STATUS_POLL_INTERVALS": "5,15,30",
        "STATUS_FOLLOW_HOURS": 2,
        "INQUIRY_TTL_SECONDS": 900,
        "NO_RECORD_GRACE_SECONDS": 300,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_service(path: Path, biller: Any, clock: Clock | None = None, **overrides: Any) -> PaymentService:
    return PaymentService(Ledger(open_database(path)), biller, settings(**overrides), clock=clock or Clock())


def snapshot(db: sqlite_utils.Database) -> dict[str, list[tuple]]:
    """Every row of every table, for 'nothing changed' assertions."""
    return {
        name: [tuple(row) for row in db.execute(f"SELECT * FROM [{name}] ORDER BY rowid").fetchall()]
        for name in db.table_names()
        if not name.startswith("sqlite_")
    }


def wallet_sums(db: sqlite_utils.Database, user_id: int) -> dict[str, int]:
    rows = db.execute(
        "SELECT kind, coalesce(sum(amount), 0) FROM wallet_entries WHERE user_id = ? GROUP BY kind", [user_id]
    ).fetchall()
    return {kind: int(total) for kind, total in rows}
