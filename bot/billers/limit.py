"""At most BILLER_MAX_CONCURRENCY calls to the biller at once, and one slot kept for the chat.

`LimitedBiller` wraps the biller the payment core calls; every inquiry, payment, status check
and balance call takes a slot first. Calls made in the background (the status follow-up and
the recovery at start-up, marked with `background()`) may hold all slots but one, so 10,000
pending payments are checked a few at a time and a customer's bill is never queued behind
them. The money rules stay where they are:

- a payment reaches `pay` only after its record, PAYING state and debit are committed, and it
  waits for its slot as long as it takes: it is never dropped and never sent twice (while it
  waits, the core counts it as in flight, so a status answer "no record" cannot fail it);
- an inquiry that finds no slot within `inquiry_patience` seconds raises `BillerBusy` (nothing
  was sent, nothing stored): the customer is asked to try again instead of waiting in silence.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from bot.billers.base import Bill, BillerWrapper, InquiryError, PaymentResult, Product, Reason

T = TypeVar("T")
INQUIRY_PATIENCE = 10.0  # seconds an inquiry waits for a slot before the customer is told "busy"

_background: ContextVar[bool] = ContextVar("loket_biller_background", default=False)


@contextmanager
def background() -> Iterator[None]:
    """Biller calls made inside (and in tasks started inside) leave one slot to the chat."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


class BillerBusy(InquiryError):
    """Every slot to the biller stayed taken for the inquiry's patience: nothing was asked."""

    reason = Reason.BUSY

    def __init__(self, waited: float) -> None:
        super().__init__(f"the biller is busy: no free slot within {waited:.0f} s")
        self.waited = waited


class LimitedBiller(BillerWrapper):
    """The biller, answering exactly as before, with at most `limit` calls in flight."""

    def __init__(self, inner: Any, limit: int, *, inquiry_patience: float = INQUIRY_PATIENCE) -> None:
        if limit < 1:
            raise ValueError("a biller needs at least one slot")
        super().__init__(inner)
        self.limit = limit
        self.inquiry_patience = inquiry_patience
        self._slots = asyncio.Semaphore(limit)
        # background calls may take every slot but one (all of them when there is only one)
        self._background = asyncio.Semaphore(max(1, limit - 1))
        self.in_flight = 0
        self.most_in_flight = 0  # the high-water mark, for benchmarks and tests

    async def _acquire(self, patience: float | None) -> None:
        if patience is None:
            await self._slots.acquire()
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=patience)
        except TimeoutError:
            raise BillerBusy(patience) from None

    @asynccontextmanager
    async def _slot(self, patience: float | None) -> AsyncIterator[None]:
        lane = self._background if _background.get() else None
        if lane is not None:
            await lane.acquire()
        try:
            await self._acquire(None if lane is not None else patience)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1
                self._slots.release()
        finally:
            if lane is not None:
                lane.release()

    async def _call(self, call: Callable[[], Awaitable[T]], patience: float | None = None) -> T:
        async with self._slot(patience):
            return await call()

    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        bill: Bill = await self._call(
            lambda: self.inner.inquire(product, customer_number, ref_id, months=months), self.inquiry_patience
        )
        return bill

    async def pay(self, bill: Bill) -> PaymentResult:
        result: PaymentResult = await self._call(lambda: self.inner.pay(bill))  # waits as long as it takes
        return result

    async def check_status(self, bill: Bill) -> PaymentResult:
        result: PaymentResult = await self._call(lambda: self.inner.check_status(bill))
        return result

    async def deposit(self) -> int | None:
        amount: int | None = await self._call(lambda: self.inner.deposit())
        return amount

    async def aclose(self) -> None:
        await self.inner.aclose()
