"""When an unsettled payment is checked again, and when it is handed to the operator.

Checks are counted from `paid_at`: the k-th check (0-based) is due at paid_at plus the sum of
the first k+1 STATUS_POLL_INTERVALS; once those are used up, every hour. A check that would
fall after STATUS_FOLLOW_HOURS is not scheduled: the transaction is flagged instead (it stays
PENDING, money untouched, and the operator settles it with the provider).

The schedule is a function of time, not of how many checks were made: a user tapping
"refresh" twenty times, or a follower that was asleep, must not use up the 24 hours early.

Payments made at the same moment are not all checked at the same moment: with the payment's
ref as `key`, each check comes up to SPREAD of its gap early, by a fraction fixed by the ref
(the same in every process and after a restart). 10,000 payments left pending in one minute
have their first checks spread over a second, their hourly ones over twelve minutes; the
biller sees them a few at a time (BILLER_MAX_CONCURRENCY, bot/billers/limit.py).
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

HOURLY = 3600
SPREAD = 0.2  # a check comes up to a fifth of its gap early, by ref (never late, never before the last)

log = logging.getLogger(__name__)


def next_check_at(
    paid_at: datetime, checks_done: int, intervals: list[int], follow_hours: int
) -> datetime | None:
    """When check number `checks_done` (0-based) is due, or None when the window is over."""
    if checks_done < len(intervals):
        offset = sum(intervals[: checks_done + 1])
    else:
        offset = sum(intervals) + HOURLY * (checks_done - len(intervals) + 1)
    if offset > follow_hours * HOURLY:
        return None
    return paid_at + timedelta(seconds=offset)


def spread(key: str) -> float:
    """A fraction in [0, 1) fixed by `key` (CRC-32: the same in every process, every run)."""
    return zlib.crc32(key.encode()) / 2**32


def next_check_after(
    paid_at: datetime, now: datetime, intervals: list[int], follow_hours: int, key: str = ""
) -> datetime | None:
    """The first scheduled check strictly after `now`, or None once the window is over.

    With a `key` (the payment's ref) that check is brought forward by a fraction (below SPREAD,
    fixed by the key) of its gap since the check before it, or of the time left until it when
    that is shorter: still after `now` and the check before, never after its own time."""
    early = SPREAD * spread(key) if key else 0.0
    k, before = 0, paid_at
    while (due := next_check_at(paid_at, k, intervals, follow_hours)) is not None:
        if due > now:
            return due - min(due - before, due - now) * early
        k, before = k + 1, due
    return None


class StatusFollower:
    """The background task: runs `check_due` whenever something may be due."""

    def __init__(
        self,
        check_due: Callable[[], Awaitable[int]],
        next_due: Callable[[], datetime | None],
        now: Callable[[], datetime],
        *,
        max_sleep: float = 30.0,
        min_sleep: float = 0.2,
    ) -> None:
        self._check_due = check_due
        self._next_due = next_due
        self._now = now
        self._max_sleep = max_sleep
        self._min_sleep = min_sleep
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="loket-status-follower")

    def wake(self) -> None:
        """A new payment went unsettled: recompute the sleep."""
        self._wake.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    def _sleep_for(self) -> float:
        due = self._next_due()
        if due is None:
            return self._max_sleep
        seconds = (due - self._now()).total_seconds()
        return max(self._min_sleep, min(self._max_sleep, seconds))

    async def _run(self) -> None:
        while True:
            try:
                await self._check_due()
                delay = self._sleep_for()
            except Exception:
                log.exception("status follow-up round failed; retrying")
                delay = self._max_sleep
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass
