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
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter, BaseRateLimiter
from telegram.request import HTTPXRequest

CHAT_BURST = 3  # messages a chat may get at once
CHAT_PERIOD = 3.0  # seconds over which CHAT_BURST refills: one a second on average
_MAX_CHATS = 10_000  # limiters kept; the oldest idle ones are dropped past this
CONNECTIONS = 32  # Bot API calls on the wire at once: Telegram takes ~30 messages a second


class BoundedRequest(HTTPXRequest):
    """PTB's HTTPX request with at most `limit` calls on the wire at once (see the module)."""

    def __init__(self, limit: int = CONNECTIONS, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=limit, **kwargs)
        self._slots = asyncio.Semaphore(limit)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._slots:
            return await super().do_request(*args, **kwargs)


class LoketRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self, max_retries: int = 3, chat_burst: int = CHAT_BURST, chat_period: float = CHAT_PERIOD
    ) -> None:
        self._inner = AIORateLimiter(max_retries=max_retries)
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
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        # Answers to callback queries and chat actions are not messages; only messages count.
        if chat_id is not None and endpoint not in {"answerCallbackQuery", "sendChatAction"}:
            try:
                key: int | str = int(chat_id)
            except (TypeError, ValueError):
                key = str(chat_id)
            if isinstance(key, int) and key > 0:  # private chats; groups are AIORateLimiter's
                async with self._chat_limiter(key):
                    pass
        return await self._inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
