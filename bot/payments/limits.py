"""How many bills one user may look up: a sliding window per minute and per hour.

Every inquiry shows a customer's name and bill, so an unlimited one lets anyone enumerate
customers (and costs a biller call each). INQUIRY_LIMIT_PER_MINUTE (30) and
INQUIRY_LIMIT_PER_HOUR (300) are generous for a working reseller; 0 turns a window off.
Operators (ADMIN_IDS) are not limited: the caller does not ask for them.

Where the window lives: in memory, in this process. Loket runs as one process that owns its
database, and:
- it counts what matters: every inquiry that reaches the biller, also those the biller refuses
  (no bill, wrong number). Those store no row in the ledger, yet they tell a prober whether a
  number exists and cost a biller call, so a window counted from the ledger's rows would miss
  exactly the enumeration it is meant to stop;
- it is cheap per update: a few deque operations, no SQL;
- what it loses on a restart is at most an hour of counts, and no user can cause a restart.
A refused inquiry is not counted (the user is told when to try again, and is let in then), and
neither is a number refused before any call (a typo costs nothing and shows nothing).
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from bot.payments.errors import PaymentError

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
SWEEP_EVERY = 1024  # admissions between sweeps of users idle for an hour (keeps memory bounded)


class InquiryLimited(PaymentError):
    """Too many inquiries: `retry_after` whole seconds until the next one is let in. Nothing was
    stored and the biller was not called."""

    def __init__(self, retry_after: int, window: str) -> None:
        super().__init__(f"too many inquiries this {window}: try again in {retry_after} s")
        self.retry_after = retry_after
        self.window = window  # "minute" or "hour"


class InquiryLimiter:
    """Sliding windows of admitted inquiries per user. `admit` is synchronous: no two callers on
    the event loop can both take the last place."""

    def __init__(self, per_minute: int, per_hour: int) -> None:
        self.per_minute = per_minute
        self.per_hour = per_hour
        # per user: the times of the inquiries let in within the last minute, and the last hour
        self._minute: dict[int, deque[datetime]] = {}
        self._hour: dict[int, deque[datetime]] = {}
        self._admitted = 0

    @staticmethod
    def _wait(times: deque[datetime], limit: int, span: timedelta, now: datetime) -> int:
        """Seconds until `times` holds fewer than `limit` entries of the last `span`; 0 if it does."""
        while times and times[0] <= now - span:
            times.popleft()
        if not limit or len(times) < limit:
            return 0
        free_at = times[len(times) - limit] + span  # when the oldest entry that counts drops out
        return max(1, min(math.ceil((free_at - now).total_seconds()), int(span.total_seconds())))

    def admit(self, user_id: int, now: datetime) -> None:
        """Count one inquiry for `user_id` at `now`, or raise InquiryLimited (nothing counted)."""
        if not self.per_minute and not self.per_hour:
            return
        minute = self._minute.setdefault(user_id, deque())
        hour = self._hour.setdefault(user_id, deque())
        by_minute = self._wait(minute, self.per_minute, MINUTE, now)
        by_hour = self._wait(hour, self.per_hour, HOUR, now)
        if by_minute or by_hour:
            window = "hour" if by_hour >= by_minute else "minute"
            raise InquiryLimited(max(by_minute, by_hour), window)
        if self.per_minute:
            minute.append(now)
        if self.per_hour:
            hour.append(now)
        self._admitted += 1
        if self._admitted % SWEEP_EVERY == 0:
            self._sweep(now)

    def _sweep(self, now: datetime) -> None:
        """Forget users with nothing left in either window."""
        for user_id in list(self._hour.keys() | self._minute.keys()):
            minute, hour = self._minute.get(user_id), self._hour.get(user_id)
            if (not minute or minute[-1] <= now - MINUTE) and (not hour or hour[-1] <= now - HOUR):
                self._minute.pop(user_id, None)
                self._hour.pop(user_id, None)

    def users(self) -> int:
        """How many users the limiter holds counts for (for tests and curiosity)."""
        return len(self._hour.keys() | self._minute.keys())
