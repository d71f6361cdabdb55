"""Test doubles for the payment core: a scriptable Biller, a settable clock, DB snapshots.

The fake biller keeps the provider's truth per ref_id ("none", "paid", "failed", "pending")
so a status call answers what really happened to the money, and counts pay requests so a test
can prove nothing was paid twice.
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
PAY_MODES = ("success", "failed", "pending", "raise", "crash_before", "crash_after")


class SimulatedCrash(BaseException):
    """The process 'dies' here: not an Exception, so nothing in the core may swallow it."""


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 1, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeBiller:
    name = "fake"

    def __init__(self, *, bill_total: int = 100_000, cost: int | None = 98_500, delay: float = 0.0) -> None:
        self.bill_total = bill_total
        self.cost = cost
        self.delay = delay
        self.pay_mode = "success"
        self.charged: int | None = None  # the total a success answer names (None: not told)
        self.truth: dict[str, str] = {}
        self.pay_requests: Counter[str] = Counter()
        self.status_requests: Counter[str] = Counter()
        self.inquiries = 0
        self._lock = threading.Lock()

    def products(self) -> list[Product]:
        return [PRODUCT]

    def product(self, code: str) -> Product:
        if code.upper() != PRODUCT.code:
            raise UnknownProduct(code)
        return PRODUCT

    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        self.inquiries += 1
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
            self.truth[bill.ref_id] = {"success": "paid", "failed": "failed", "pending": "pending"}.get(
                mode, "paid"
            )
        if mode == "raise":
            raise RuntimeError("connection reset after the request was sent")
        if mode == "crash_after":
            raise SimulatedCrash("died after the pay request reached the biller")
        return self._result(bill, self.truth[bill.ref_id], status=False)

    async def check_status(self, bill: Bill) -> PaymentResult:
        self.status_requests[bill.ref_id] += 1
        return self._result(bill, self.truth.get(bill.ref_id, "none"), status=True)

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
