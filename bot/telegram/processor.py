"""Updates of one chat in order, different chats side by side.

A payment conversation must see a chat's messages in the order they were sent, but one
customer's slow inquiry must never hold up another customer. After each update the
application's persistence is written, so a restart resumes the conversation where it was.
An update delivered a second time (webhook retry, polling restart) is dropped before any
handler sees it, when the persistence can tell (`first_delivery`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

log = logging.getLogger(__name__)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return None

    def _seen_before(self, update: object) -> bool:
        persistence = self.application.persistence if self.application is not None else None
        first_delivery = getattr(persistence, "first_delivery", None)
        if not isinstance(update, Update) or first_delivery is None:
            return False
        return not first_delivery(update.update_id)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            seen = self._seen_before(update)
        except BaseException:  # the database could not tell (busy): not handled, PTB's error handler answers
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            raise
        if seen:
            log.info("update %s delivered again: ignored", getattr(update, "update_id", "?"))
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # never awaited, on purpose
            return
        key = self._key(update)
        if key is None:
            await coroutine
        else:
            lock = self._locks.setdefault(key, asyncio.Lock())
            self._users[key] = self._users.get(key, 0) + 1
            try:
                async with lock:
                    await coroutine
            finally:
                self._users[key] -= 1
                if self._users[key] == 0:
                    del self._users[key]
                    del self._locks[key]
        if self.application is not None and self.application.persistence is not None:
            await self.application.update_persistence()

    async def initialize(self) -> None:
        """Nothing to open: locks are made on demand."""

    async def shutdown(self) -> None:
        self._locks.clear()
        self._users.clear()
