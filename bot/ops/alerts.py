"""Watching the outside world: the biller and Telegram. Each kind of trouble is an `Incident`:
one log line (with its cause) when it starts and one when it ends, never one per retry, and the
operators are told in Telegram once per incident and again when it clears.

`WatchedBiller` wraps the biller the payment core calls and classifies every answer:
- our credentials or signature refused: IAK rc 100 (signature) or 102 (IP not whitelisted),
  Ayoconnect HTTP 401/403 or codes 401/403. Told at once: no payment can go through.
- no answer at all (timeout, connection refused, HTTP 5xx, nothing readable): logged at once,
  told when it has lasted BILLER_SILENT_MINUTES.
- the deposit a biller answer reports below DEPOSIT_ALERT_BELOW (0: not watched).
Any readable answer ends "no answer"; any answer that is not a credential refusal ends that one.
The wrapper changes nothing of what the core sees: it returns and raises exactly what the
biller did.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bot.billers.base import (
    Bill,
    BillerError,
    BillerWrapper,
    InvalidCustomerNumber,
    Outcome,
    PaymentResult,
    Product,
    UnknownProduct,
)
from bot.billers.limit import BillerBusy

log = logging.getLogger("loket.watch")

Tell = Callable[[str, dict[str, Any]], Coroutine[Any, Any, None]]  # (texts key, values) to every operator

CREDENTIAL_CODES = {"iak": {"100", "102"}, "sandbox": {"100", "102"}, "ayoconnect": {"401", "403"}}
_HTTP_REFUSED = ("HTTP 401", "HTTP 403")
_NO_ANSWER_PREFIXES = ("inquiry timed out", "inquiry failed:", "HTTP 5", "status failed:")


class Incident:
    """Trouble of one kind: `fail()` while it lasts, `ok()` when things work."""

    def __init__(self, name: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.clock = clock
        self.since: float | None = None  # when it started (clock)
        self.cause = ""
        self.told = False  # the operators were told of this incident

    @property
    def active(self) -> bool:
        return self.since is not None

    def fail(self, cause: str) -> bool:
        """Record a failure; True when this starts the incident (logged once, with its cause)."""
        if self.since is not None:
            return False
        self.since, self.cause, self.told = self.clock(), cause, False
        log.warning("%s: started: %s", self.name, cause)
        return True

    def lasted(self) -> float:
        return 0.0 if self.since is None else self.clock() - self.since

    def ok(self) -> bool:
        """Things work; True when this ends an incident (logged once, with how long it lasted)."""
        if self.since is None:
            return False
        log.warning("%s: over after %d s (was: %s)", self.name, round(self.lasted()), self.cause)
        self.since, self.cause = None, ""
        return True


class BillerWatch:
    """The incidents of one biller and the operators' alerts about them."""

    def __init__(
        self,
        provider: str,
        tell: Tell,
        *,
        silent_minutes: int,
        deposit_below: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.tell = tell
        self.silent_seconds = silent_minutes * 60
        self.deposit_below = deposit_below
        self.credentials = Incident(f"biller {provider} refuses our credentials", clock=clock)
        self.silence = Incident(f"biller {provider} not answering", clock=clock)
        self.deposit_low = Incident(f"biller {provider} deposit low", clock=clock)
        self.last_answer: float | None = None
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    # -- what an answer means ----------------------------------------------------------------
    def _refused(self, code: str, message: str) -> bool:
        return code in CREDENTIAL_CODES.get(self.provider, set()) or message.startswith(_HTTP_REFUSED)

    def answered(self, code: str, message: str) -> None:
        self.last_answer = self._clock()
        if self.silence.active:
            told = self.silence.told
            self.silence.ok()
            if told:
                self._say("alert_silent_over", {"provider": self.provider})
        if self._refused(code, message):
            if self.credentials.fail(f"rc {code or '-'}: {message}"[:200]):
                self.credentials.told = True
                self._say("alert_credentials", {"provider": self.provider, "code": code or message[:20]})
        elif self.credentials.active:
            self.credentials.ok()
            self._say("alert_credentials_over", {"provider": self.provider})

    def unanswered(self, cause: str) -> None:
        self.silence.fail(cause)
        self.tick()

    def tick(self) -> None:
        """A silence told once it has lasted BILLER_SILENT_MINUTES: on the next unanswered call,
        or by the clock (bot/telegram/ops_jobs.py asks every TICK_SECONDS) when nobody calls."""
        if self.silence.active and not self.silence.told and self.silence.lasted() >= self.silent_seconds:
            self.silence.told = True
            minutes = max(1, round(self.silence.lasted() / 60))
            cause = self.silence.cause[:200]
            self._say("alert_silent", {"provider": self.provider, "minutes": minutes, "cause": cause})

    def deposit(self, amount: int | None) -> None:
        if amount is None or self.deposit_below <= 0:
            return
        if amount < self.deposit_below:
            if self.deposit_low.fail(f"deposit {amount} below {self.deposit_below}"):
                self._say("alert_deposit_low", {"amount": amount, "below": self.deposit_below})
        elif self.deposit_low.ok():
            self._say("alert_deposit_over", {"amount": amount})

    def result(self, result: PaymentResult) -> PaymentResult:
        no_answer = result.outcome is Outcome.PENDING and not result.provider_code and not result.raw
        if no_answer and not result.message.startswith(_HTTP_REFUSED):
            self.unanswered(result.message or "no answer")
        else:
            self.answered(result.provider_code, result.message)
            self.deposit(result.deposit_balance)
        return result

    def error(self, error: BillerError) -> None:
        message = str(getattr(error, "message", "") or error)
        if error.provider_code or error.raw or not message.startswith(_NO_ANSWER_PREFIXES):
            self.answered(error.provider_code, message)
        else:
            self.unanswered(message)

    # -- telling ------------------------------------------------------------------------------
    def _say(self, key: str, values: dict[str, Any]) -> None:
        """Tell the operators beside the payment, never holding it up."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): logged above already
            return
        task = loop.create_task(self.tell(key, values))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the alerts being sent (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class WatchedBiller(BillerWrapper):
    """The biller, answering exactly as before, with every answer shown to a `BillerWatch` and
    counted in the application's metrics (bot/ops/metrics.py): latency per call, errors by code,
    inquiries by product and outcome, pay answers that left a payment PENDING."""

    def __init__(self, inner: Any, watch: BillerWatch, metrics: Any = None) -> None:
        super().__init__(inner)
        self.watch = watch
        self.metrics = metrics

    # -- metrics (nothing here changes an answer) -------------------------------------------
    def _took(self, call: str, started: float) -> None:
        if self.metrics is not None:
            self.metrics.biller_seconds.labels(call).observe(time.perf_counter() - started)

    def _error(self, code: str) -> None:
        if self.metrics is not None:
            self.metrics.biller_errors.labels(code or "none").inc()

    def _result(self, result: PaymentResult) -> None:
        if result.outcome is Outcome.SUCCESS:
            return
        no_answer = result.outcome is Outcome.PENDING and not result.provider_code and not result.raw
        if no_answer:
            self._error(NO_ANSWER)
        elif result.outcome is Outcome.FAILED:
            self._error(result.provider_code or result.reason.value)

    def _pending(self, bill: Bill) -> None:
        if self.metrics is not None:
            self.metrics.payments.labels(bill.product_code, Outcome.PENDING.value).inc()

    # -- the calls ----------------------------------------------------------------------------
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        started = time.perf_counter()
        try:
            bill: Bill = await self.inner.inquire(product, customer_number, ref_id, months=months)
        except (InvalidCustomerNumber, UnknownProduct, BillerBusy):  # refused here, nothing was asked
            raise
        except BillerError as error:
            self._took("inquiry", started)
            self._error(error_code(error))
            if self.metrics is not None:
                self.metrics.inquiries.labels(product.code, error.reason.value).inc()
            self.watch.error(error)
            raise
        self._took("inquiry", started)
        if self.metrics is not None:
            self.metrics.inquiries.labels(product.code, "bill").inc()
        self.watch.answered("", "")
        return bill

    async def pay(self, bill: Bill) -> PaymentResult:
        started = time.perf_counter()
        try:
            result: PaymentResult = await self.inner.pay(bill)
        except Exception:  # the core keeps it PENDING: the request may have left
            self._took("pay", started)
            self._error("exception")
            self._pending(bill)
            raise
        self._took("pay", started)
        self._result(result)
        if result.outcome is Outcome.PENDING:
            self._pending(bill)
        return self.watch.result(result)

    async def check_status(self, bill: Bill) -> PaymentResult:
        started = time.perf_counter()
        try:
            result: PaymentResult = await self.inner.check_status(bill)
        except Exception:
            self._took("status", started)
            self._error("exception")
            raise
        self._took("status", started)
        self._result(result)
        return self.watch.result(result)

    async def deposit(self) -> int | None:
        started = time.perf_counter()
        try:
            amount: int | None = await self.inner.deposit()
        except Exception:
            self._took("deposit", started)
            self._error("exception")
            raise
        self._took("deposit", started)
        self.watch.deposit(amount)
        return amount

    async def aclose(self) -> None:
        await self.inner.aclose()


NO_ANSWER = "no_answer"


def error_code(error: BillerError) -> str:
    """A biller error's code for the metrics: the provider's, or no_answer, or its reason."""
    if error.provider_code:
        return error.provider_code
    message = str(getattr(error, "message", "") or error)
    if not error.raw and message.startswith(_NO_ANSWER_PREFIXES):
        return NO_ANSWER
    return error.reason.value
