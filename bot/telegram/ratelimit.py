"""Outgoing calls kept inside Telegram's flood limits, with a retry after a 429.

PTB's AIORateLimiter covers the overall limit (30/s) and groups (20/min) and retries after
RetryAfter; it leaves private chats alone, so each chat also gets its own limiter: about one
message a second, with a short burst allowed (Telegram tolerates bursts, then answers 429).

`BoundedRequest`: at most CONNECTIONS calls on the wire at once. PTB's default pool of 256
connections lets a burst (a hundred taps answered at once: `answerCallbackQuery` is not rate
limited) open a hundred connections, and httpcore looks through every connection for every
waiting call, again at every call's start and end: with a hundred of each, seconds of CPU on
the event loop, and calls that time out after 5 s (the bench_bot.py 100 run did). A call
waiting for its turn here holds no connection and runs into no timeout.

`PaidLane` (paid_lane.py): with TELEGRAM_PAID_MESSAGES_PER_DAY set, a new message that would
queue over a second in the free lane goes with `allow_paid_broadcast`, which AIORateLimiter
sends on its own 1000-a-second limiter; this limiter counts the free lane's queue for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, Forbidden
from telegram.ext import AIORateLimiter, BaseRateLimiter
from telegram.request import HTTPXRequest, RequestData

from bot.telegram.paid_lane import PaidLane

CHAT_BURST = 3  # messages a chat may get at once
CHAT_PERIOD = 3.0  # seconds over which CHAT_BURST refills: one a second on average
_MAX_CHATS = 10_000  # limiters kept; the oldest idle ones are dropped past this
CONNECTIONS = 32  # calls to a chat on the wire at once: Telegram takes ~30 messages a second
OTHER_CONNECTIONS = 16  # the rest (answerCallbackQuery, getMe…), which no limiter paces


class BoundedRequest(HTTPXRequest):
    """PTB's HTTPX request with at most `limit` calls to a chat on the wire at once, and at most
    `others` of the calls that name no chat (see the module).

    Two queues, so that a burst of `answerCallbackQuery` (a hundred taps answered at once) never
    holds back a message the rate limiter has already let go: held, such messages would leave
    together later, faster than Telegram's pace, and come back 429 (which stops every call for
    a second)."""

    def __init__(self, limit: int = CONNECTIONS, others: int = OTHER_CONNECTIONS, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=limit + others, **kwargs)
        self._to_chats = asyncio.Semaphore(limit)
        self._others = asyncio.Semaphore(others)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        to_chat = request_data is not None and "chat_id" in request_data.parameters
        async with self._to_chats if to_chat else self._others:
            return await super().do_request(url, method, request_data, *args, **kwargs)


Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class LoketRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        max_retries: int = 3,
        chat_burst: int = CHAT_BURST,
        chat_period: float = CHAT_PERIOD,
        paid: PaidLane | None = None,
    ) -> None:
        self._inner = AIORateLimiter(max_retries=max_retries)
        self.paid = paid or PaidLane(0)
        self._chat_burst = chat_burst
        self._chat_period = chat_period
        self._chats: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()
        self._chats.clear()

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) >= _MAX_CHATS:
                self._chats.pop(next(iter(self._chats)))
            limiter = AsyncLimiter(self._chat_burst, self._chat_period)
            self._chats[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if chat_id is None:  # not a message to anyone (answerCallbackQuery, getMe…): no lane
            return await self._inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        try:
            key: int | str = int(chat_id)
        except (TypeError, ValueError):
            key = str(chat_id)
        private = isinstance(key, int) and key > 0  # private chats; groups are AIORateLimiter's
        # Answers to callback queries and chat actions are not messages; only messages count.
        if private and endpoint != "sendChatAction":
            async with self._chat_limiter(key):
                pass
        if self.paid.choose(endpoint, private):
            return await self._paid(callback, args, kwargs, endpoint, data, rate_limit_args)
        if not private:  # a group's call waits for its group's 20 a minute first: not the queue
            return await self._inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await self._free(callback, args, kwargs, endpoint, data, rate_limit_args)

    async def _free(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:  # fmt: skip
        """Through the free lane, counted in its queue until the call's turn comes (private chats
        only: a group's call may wait minutes for its group's own pace, no sign of a rush)."""
        waiting = True
        self.paid.queued += 1

        async def turn(*a: Any, **kw: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            nonlocal waiting
            if waiting:
                waiting = False
                self.paid.queued -= 1
            return await callback(*a, **kw)

        try:
            return await self._inner.process_request(turn, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            if waiting:  # cancelled or failed before its turn
                self.paid.queued -= 1

    async def _paid(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:  # fmt: skip
        """With allow_paid_broadcast (`data` is the dict the call is sent from); refused: free."""
        data["allow_paid_broadcast"] = True
        try:
            result = await self._inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        except (BadRequest, Forbidden) as refusal:
            data.pop("allow_paid_broadcast", None)
            self.paid.uncharged()  # refused: not sent, not charged
            result = await self._free(callback, args, kwargs, endpoint, data, rate_limit_args)
            await self.paid.refused(refusal.message)  # the free one went: it was the paying
            return result
        await self.paid.sent()
        return result
