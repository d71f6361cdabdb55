"""Updates of one chat in order, different chats side by side, and one chat never stalls the rest.

A payment conversation must see a chat's messages in the order they were sent, but one
customer's slow inquiry must never hold up another customer. After each update the
application's persistence is written, so a restart resumes the conversation where it was.
An update delivered a second time (webhook retry, polling restart) is dropped before any
handler sees it, when the persistence can tell (`is_first_delivery`, committed with the other
writes of the same turn of the event loop, or `first_delivery`).

Fairness: an update waiting for its chat's turn holds none of PTB's concurrency slots (the
chat's lock is taken first, the slot only when the update runs), so a chat's backlog can never
fill them. A chat's backlog is bounded (`backlog`, updates waiting behind the one running):
past it, a message is dropped unread, before any database work, and the chat is told once, in
its language, to slow down (`chat_flood`) until its backlog has drained. A tap on a bill's Pay
button is never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor

from bot.telegram import callbacks
from bot.telegram.texts import norm_lang, t

log = logging.getLogger(__name__)

CHAT_BACKLOG = 20  # updates of one chat waiting behind the one being handled


def _close(coroutine: Awaitable[Any]) -> None:
    if asyncio.iscoroutine(coroutine):
        coroutine.close()  # never awaited, on purpose


def is_pay_tap(update: object) -> bool:
    """A tap on a bill's Pay button: accepted, it is never dropped."""
    query = update.callback_query if isinstance(update, Update) else None
    return query is not None and bool(query.data) and callbacks.PAY.match(query.data or "") is not None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256, backlog: int = CHAT_BACKLOG) -> None:
        super().__init__(max_concurrent_updates)
        self.backlog = backlog
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # updates of the chat in hand: running and waiting
        self._warned: set[int] = set()  # chats told to slow down, until their backlog drains
        self.dropped = 0  # updates dropped unread since start (a figure for benchmarks)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        # metrics (bot/ops/metrics.py): told (update, time.perf_counter() at its arrival) once handled
        self.on_handled: Callable[[object, float], None] | None = None

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return None

    async def _seen_before(self, update: object) -> bool:
        persistence = self.application.persistence if self.application is not None else None
        if not isinstance(update, Update):
            return False
        together = getattr(persistence, "is_first_delivery", None)  # committed with the turn's writes
        if together is not None:
            return not await together(update.update_id)
        first_delivery = getattr(persistence, "first_delivery", None)
        return first_delivery is not None and not first_delivery(update.update_id)

    # PTB marks process_update final; overriding it is what keeps a waiting update from holding a
    # concurrency slot (tests/test_telegram_fairness.py fails when the base class's is used).
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        """PTB's entry point. Unlike the base class, the concurrency slot is taken only once
        the update's chat is free (`do_process_update`)."""
        await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        arrived = time.perf_counter()
        key = self._key(update)
        waiting = self._users.get(key, 0) - 1 if key is not None else -1  # behind the one running
        if waiting >= self.backlog and not is_pay_tap(update):
            # Dropped before the database is asked anything: a flood costs no writes.
            _close(coroutine)
            self.dropped += 1
            update_id = getattr(update, "update_id", "?")
            log.info("chat %s has %d updates waiting: update %s dropped", key, waiting, update_id)
            assert key is not None
            self._warn(key, update)
            return
        lock = None
        if key is not None:  # in hand from now on: counted in the chat's backlog while its id is stored
            lock = self._locks.setdefault(key, asyncio.Lock())
            self._users[key] = self._users.get(key, 0) + 1
        try:
            try:
                seen = await self._seen_before(update)
            except BaseException:  # the database could not tell (busy): PTB's error handler answers
                _close(coroutine)
                raise
            if seen:
                log.info("update %s delivered again: ignored", getattr(update, "update_id", "?"))
                _close(coroutine)
                return
            if lock is None:
                async with self._semaphore:
                    await coroutine
            else:
                async with lock, self._semaphore:
                    await coroutine
        finally:
            if key is not None:
                self._users[key] -= 1
                if self._users[key] == 0:
                    del self._users[key]
                    del self._locks[key]
                    self._warned.discard(key)
        if self.on_handled is not None:
            self.on_handled(update, arrived)
        if self.application is not None and self.application.persistence is not None:
            await self.application.update_persistence()

    def _warn(self, chat_id: int, update: object) -> None:
        """'Slow down', once until the chat's backlog has drained; sent beside the backlog."""
        if chat_id in self._warned or self.application is None:
            return
        self._warned.add(chat_id)
        self.application.create_task(self._send_warning(chat_id, update), update=update)

    async def _send_warning(self, chat_id: int, update: object) -> None:
        assert self.application is not None
        lang = self._lang(update)
        with contextlib.suppress(TelegramError):
            await self.application.bot.send_message(chat_id, t(lang, "chat_flood"))

    def _lang(self, update: object) -> str:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            return norm_lang(None)
        loket = getattr(self.application, "loket", None)
        known = None
        if loket is not None:
            with contextlib.suppress(Exception):  # a busy database: Telegram's language will do
                known = loket.service.get_user(user.id)
        return known.language if known is not None else norm_lang(user.language_code)

    async def initialize(self) -> None:
        """Nothing to open: locks are made on demand."""

    async def shutdown(self) -> None:
        self._locks.clear()
        self._users.clear()
        self._warned.clear()
