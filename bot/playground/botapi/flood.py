"""Telegram's flood limits, as the emulator holds a bot to them when a test or benchmark asks.

Telegram publishes no exact algorithm, only the pace: about 30 messages a second across chats.
The model is a token bucket of that size refilled at that rate, the pace python-telegram-bot's
AIORateLimiter sends at, plus `slack` (5 calls) for the jitter between the bot's limiter and the
wire: a call the limiter let go reaches the socket when the event loop next gets to it, so a few
that left the limiter apart may arrive together (more so when the emulator shares the bot's
event loop, as in benchmarks/bench_bot.py). Anything faster is answered 429 with `retry_after`,
as Telegram does. Five is tight enough to catch a real bunching: before calls to chats had a
wire queue of their own, a hundred tap answers held messages back and released them together,
and bench_bot.py 100 got 8 to 13 429s at this slack; after, none. A call counts when it
names a chat (`chat_id`), as AIORateLimiter counts it.

A message sent with `allow_paid_broadcast` goes in the paid lane instead: up to 1000 a second
(`FloodLimit.PAID_MESSAGES_PER_SECOND`) and only for a new message; each one takes one from
`paid_allowance` when that is set (the bot's Stars balance: 0.1 Star a message), and with none
left it is refused with 400, as a bot without Stars would be.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from telegram.constants import FloodLimit

PAYABLE = frozenset({"sendmessage", "sendphoto", "senddocument", "sendvideo", "sendaudio",
                     "sendanimation", "sendvoice", "sendmediagroup", "sendsticker", "copymessage",
                     "forwardmessage", "sendpoll", "senddice", "sendlocation", "sendcontact",
                     "sendvenue", "sendinvoice", "sendpaidmedia", "sendvideonote"})  # fmt: skip
NO_STARS = "Bad Request: not enough Telegram Stars to send paid messages (emulator)"


class Bucket:
    """`size` calls at once, refilled at `rate` a second."""

    def __init__(self, rate: float, size: float, clock: Callable[[], float]) -> None:
        self.rate, self.size, self.clock = rate, size, clock
        self.level = size
        self.at = clock()

    def take(self) -> float:
        """0 when a call may go now (it is taken), else the seconds until one may."""
        now = self.clock()
        self.level = min(self.size, self.level + (now - self.at) * self.rate)
        self.at = now
        if self.level >= 1:
            self.level -= 1
            return 0.0
        return (1 - self.level) / self.rate


class FloodControl:
    """What the emulator answers a call that names a chat: None (it goes), or an error."""

    def __init__(
        self,
        rate: float = FloodLimit.MESSAGES_PER_SECOND,
        slack: int = 5,
        paid_allowance: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = Bucket(rate, rate + slack, clock)
        paid = FloodLimit.PAID_MESSAGES_PER_SECOND
        self.paid = Bucket(paid, paid + slack, clock)
        self.paid_allowance = paid_allowance
        self.free_sent = 0
        self.paid_sent = 0
        self.too_many = 0  # 429s answered

    def check(self, method: str, params: dict[str, Any]) -> tuple[int, str, dict[str, Any] | None] | None:
        """None when the call may go, else (status, description, extra) to answer with."""
        if params.get("chat_id") is None:
            return None
        if params.get("allow_paid_broadcast") is True:
            if method.lower() not in PAYABLE:
                return 400, f"Bad Request: {method} can't be sent as a paid broadcast", None
            if self.paid_allowance is not None and self.paid_allowance <= 0:
                return 400, NO_STARS, None
            wait = self.paid.take()
            if wait:
                return self._too_many(wait)
            if self.paid_allowance is not None:
                self.paid_allowance -= 1
            self.paid_sent += 1
            return None
        wait = self.free.take()
        if wait:
            return self._too_many(wait)
        self.free_sent += 1
        return None

    def _too_many(self, wait: float) -> tuple[int, str, dict[str, Any]]:
        self.too_many += 1
        seconds = max(1, math.ceil(wait))  # Telegram's retry_after is whole seconds
        return 429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
