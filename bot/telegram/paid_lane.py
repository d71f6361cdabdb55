"""Telegram's paid lane: a new answer that would queue over a second in the free lane goes paid.

Telegram lets a bot send about 30 messages a second for free, and PTB's AIORateLimiter keeps to
that: a burst of 30, then one every 33 ms. When a hundred customers ask at the same instant the
95th bill leaves (95 - 30) / 30 = 2.2 s later, however fast Loket is. Telegram sells the way
past that limit: a message sent with `allow_paid_broadcast` may go at up to 1000 a second, for
0.1 Telegram Star from the bot's balance (Bot API 7.11, PTB 21.11's AIORateLimiter throttles it
on a limiter of its own). With TELEGRAM_PAID_MESSAGES_PER_DAY above 0 Loket uses it:

- only for a new message (sendMessage, sendPhoto, sendDocument: an edit cannot be paid) to a
  private chat; each chat's own pace (about one a second) still holds;
- only when the free lane's queue is already PAID_AFTER (1 s) long: an answer that leaves
  within a second waits its turn for free, and only the part of a burst Telegram's free pace
  cannot absorb is paid for;
- up to the day's budget (a Jakarta day), after which the free lane takes everything again.
  Operators hear once when it is used up. The day's count is kept with the bot's data
  (`remember`: python-telegram-bot's persistence, in SQLite), so a restart does not start a
  fresh budget; a crash may lose the count of what went since the last save (after the next
  update, or within a minute).

A paid message Telegram refuses (no Stars left, a bot it does not allow to pay) is sent again
at once in the free lane, so the customer is still answered; the lane then stays shut until
tomorrow and the operators are told once. Were the message itself at fault (a blocked bot,
a bad text), the free try fails the same way, that error is raised and the lane stays open.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from telegram.constants import FloodLimit

from bot.jakarta import JAKARTA

log = logging.getLogger(__name__)

PAID_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
PAID_AFTER = 1.0  # seconds of free-lane queue before a new message goes paid
FREE_RATE = FloodLimit.MESSAGES_PER_SECOND  # the free lane's pace, messages a second

Notice = Callable[[str, dict[str, object]], Awaitable[None]]  # (text key, values) to operators


def jakarta_today() -> date:
    return datetime.now(UTC).astimezone(JAKARTA).date()


class PaidLane:
    """Decides, call by call, whether a message goes paid; counts them and tells operators.

    `queued` is the number of calls waiting for their turn in the free lane (kept by
    bot/telegram/ratelimit.py): a queue of `rate` calls is a second's wait.
    """

    def __init__(
        self,
        per_day: int,
        *,
        after: float = PAID_AFTER,
        rate: float = FREE_RATE,
        today: Callable[[], date] = jakarta_today,
    ) -> None:
        self.per_day = per_day
        self.threshold = after * rate  # calls queued in the free lane: `after` seconds of waiting
        self.queued = 0
        self._today = today
        self._day = today()
        self.sent_today = 0  # paid messages sent (or on their way) today
        self.sent_total = 0
        self._shut_on: date | None = None  # Telegram refused a paid message that day
        self._spent_told: date | None = None
        self._notices: list[Notice] = []
        self.on_paid: list[Callable[[], None]] = []  # a paid message went out (metrics)
        self._load: Callable[[], object] | None = None
        self._save: Callable[[dict[str, object]], None] | None = None

    @property
    def enabled(self) -> bool:
        return self.per_day > 0

    def add_notice(self, notice: Notice) -> None:
        self._notices.append(notice)

    def remember(self, load: Callable[[], object], save: Callable[[dict[str, object]], None]) -> None:
        """Where the day's count is kept: `load` is asked once, at the first rush (by then the
        bot's data is read), `save` is given {"day", "sent"} at each paid message."""
        self._load, self._save = load, save

    def _restore(self) -> None:
        load, self._load = self._load, None
        stored = load() if load is not None else None
        if not isinstance(stored, dict):
            return
        sent = stored.get("sent")
        if stored.get("day") == self._day.isoformat() and isinstance(sent, int) and sent > self.sent_today:
            self.sent_today = sent

    def _roll(self) -> date:
        today = self._today()
        if today != self._day:
            self._day, self.sent_today = today, 0
        if self._load is not None:
            self._restore()
        return today

    def is_open(self) -> bool:
        """Whether a paid message may go now: on, not refused today, budget left."""
        if not self.enabled:
            return False
        today = self._roll()
        return self._shut_on != today and self.sent_today < self.per_day

    def count_today(self) -> int:
        """Paid messages sent today (Jakarta), this process's and, after a restart, the stored."""
        self._roll()
        return self.sent_today

    def choose(self, endpoint: str, private: bool) -> bool:
        """Whether this call goes paid; a yes takes one message of today's budget."""
        if endpoint not in PAID_METHODS or not private or self.queued < self.threshold:
            return False
        if not self.is_open():
            return False
        self.sent_today += 1
        return True

    async def sent(self) -> None:
        """Telegram took a paid message: counted; the operators hear when the budget is gone."""
        self.sent_total += 1
        for hook in self.on_paid:
            hook()
        if self._save is not None:
            self._save({"day": self._day.isoformat(), "sent": self.sent_today})
        if self.sent_today >= self.per_day and self._spent_told != self._day:
            self._spent_told = self._day
            log.warning("paid lane: today's %d paid messages are used up", self.per_day)
            await self._tell("paid_lane_spent", {"count": self.per_day})

    def uncharged(self) -> None:
        """A paid message Telegram refused gives its place in today's budget back. (One that
        timed out keeps it: Telegram may have sent it, and the budget is a ceiling on spend.)"""
        self.sent_today = max(0, self.sent_today - 1)

    async def refused(self, description: str) -> None:
        """Telegram refused a paid message that the free lane then delivered: shut until tomorrow."""
        today = self._roll()
        if self._shut_on == today:
            return
        self._shut_on = today
        log.warning("paid lane shut until tomorrow: Telegram refused a paid message: %s", description)
        await self._tell("paid_lane_refused", {"error": description})

    async def _tell(self, key: str, values: dict[str, object]) -> None:
        for notice in self._notices:
            try:
                await notice(key, values)
            except Exception:  # a notice that fails must not fail the customer's message
                log.exception("paid lane: telling the operators failed")
