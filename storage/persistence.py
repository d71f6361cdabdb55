"""PTB persistence on Loket's own SQLite database (tables ptb_data, ptb_conversations and
telegram_updates, made by the migrations in storage/migrations/).

Only chat state lives here: which step of the guided payment a user is at and what they
picked. Money never does; bills and transactions are the payment core's. Every write goes
straight to the database (the bot calls `update_persistence` after each update), so a
restart continues a half-finished conversation.

It also remembers which updates were handled (`first_delivery`): Telegram delivers an update
again after a webhook answer that was not 2xx, and after a polling restart whose offset was
not yet confirmed, and a re-delivered "/topup" must not top a wallet up twice.

A row is written only when its value changed: PTB hands over a user's, a chat's and the bot's
data after every update that touched them, and most updates change none of it (an unchanged
write would cost a statement and a synchronous commit each). The writes, and the handled
update ids (`is_first_delivery`), are committed with the other writes of the same turn of the
event loop (storage/commits.py): a hundred updates at once wait for the disk once, not a
hundred times.

A chat's data is read when it is first needed, not at start: before the chat's first update
(python-telegram-bot's `refresh_chat_data` hook) or before news is sent to it (the payment
notices call the same hook). Reading every chat's row at start cost ~60 ms per 10,000 chats
ever answered and grew with them (docs/scaling.md); it is the newest message's id per chat.

A write the database refuses because another program holds a lock (a backup, an sqlite3 shell)
is kept, newest value per row, and written with the next write, the next persistence round or
at shutdown: a lock never loses a conversation's state. `first_delivery` cannot tell then, so
it raises the busy error and the update is not handled (the user is asked to try again).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.commits import writes_for
from storage.db import WRITE_PATIENCE, is_busy, open_database

log = logging.getLogger(__name__)

# After the database said busy, kept writes are tried again this often, in the background.
RETRY_PAUSE = 0.5
# Telegram keeps an undelivered update for 24 hours; ids older than this cannot come again.
UPDATE_MEMORY = timedelta(days=2)
_PRUNE_EVERY = 500  # first deliveries between two prunes


def _connection(db: Any) -> sqlite3.Connection:
    """Accept a path (opened and migrated), a sqlite3 connection to a migrated database or a
    sqlite_utils.Database (its .conn). The tables are the migrations'
    (storage/migrations/ptb_tables.py, v6)."""
    if isinstance(db, sqlite3.Connection):
        return db
    if isinstance(db, str | Path):
        return open_database(db).conn
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError("SQLitePersistence needs a path, a sqlite3.Connection or a sqlite_utils.Database")


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, db: Any, update_interval: float = 60) -> None:
        super().__init__(store_data=PersistenceInput(callback_data=False), update_interval=update_interval)
        self.conn = _connection(db)
        self.writes = writes_for(self.conn)  # group commit, shared with the ledger
        self._deliveries = 0
        # writes the database refused while busy: (table, key...) -> (sql, parameters), newest wins
        self._pending: dict[tuple[str, ...], tuple[str, tuple[Any, ...]]] = {}
        self._stored: dict[tuple[str, ...], str] = {}  # row -> its JSON as last read or written
        self._busy_until = 0.0  # no write is tried before then: each try may wait the busy timeout
        self._retry: asyncio.Task[None] | None = None
        self._ran: tuple[int, dict[tuple[str, ...], Any]] = (-1, {})  # group commit turn, rows run in it
        self._chats_read: set[int] = set()  # chats whose stored data this process has read

    def _commit(self) -> None:
        # An autocommit connection (the project's) has written already; never commit a
        # transaction someone else may have open on a shared connection.
        if self.conn.isolation_level is not None and self.conn.in_transaction:
            self.conn.commit()

    def first_delivery(self, update_id: int) -> bool:
        """True the first time this update id is seen; False for a re-delivered update."""
        first = self._record_delivery(update_id)
        self._commit()
        return first

    async def is_first_delivery(self, update_id: int) -> bool:
        """`first_delivery`, committed with the other writes of this turn of the event loop (the
        processor's way): the id is on disk before the update is handled."""
        if self.conn.isolation_level is not None:  # not an autocommit connection: no group commit
            return self.first_delivery(update_id)
        return await self.writes.together(self._record_delivery, update_id, atomic=False)

    def _record_delivery(self, update_id: int) -> bool:
        now = datetime.now(UTC)
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO telegram_updates (update_id, received_at) VALUES (?, ?)",
            (update_id, now.isoformat()),
        )
        if cursor.rowcount != 1:
            return False
        self._deliveries += 1
        if self._deliveries % _PRUNE_EVERY == 0:
            self.conn.execute(
                "DELETE FROM telegram_updates WHERE received_at < ?", ((now - UPDATE_MEMORY).isoformat(),)
            )
        return True

    def _load(self, kind: str) -> dict[str, Any]:
        rows = self.conn.execute("SELECT key, data FROM ptb_data WHERE kind = ?", (kind,)).fetchall()
        for key, data in rows:
            self._stored[("data", kind, key)] = data
        return {key: json.loads(data) for key, data in rows}

    def _unchanged(self, row: tuple[str, ...], encoded: str) -> bool:
        """True when the row already holds `encoded`; else it is remembered as what is written."""
        if self._stored.get(row) == encoded and row not in self._pending:
            return True
        self._stored[row] = encoded
        return False

    async def _write(self, row: tuple[str, ...], sql: str, parameters: tuple[Any, ...]) -> None:
        """Write one row's newest value now (with the other writes of this turn of the event
        loop), with any kept back; keep it if the database is busy."""
        self._pending.pop(row, None)
        self._pending[row] = (sql, parameters)
        if time.monotonic() >= self._busy_until:
            await self._write_pending_together()

    async def _write_pending_together(self) -> bool:
        """`_write_pending` committed with the other writes of this turn of the event loop."""
        if not self._pending:
            return True
        if self.conn.isolation_level is not None:  # not an autocommit connection: no group commit
            return self._write_pending()
        try:
            written, error = await self.writes.together(self._execute_pending, True, atomic=False)
        except sqlite3.OperationalError as refused:  # the group's BEGIN or COMMIT: nothing written
            if not is_busy(refused):
                raise
            return self._kept()
        return self._written(written, error)

    def _write_pending(self) -> bool:
        """Write what is kept back, oldest first. False (and kept) while the database is busy."""
        written, error = self._execute_pending()
        self._commit()
        return self._written(written, error)

    def _execute_pending(
        self, grouped: bool = False
    ) -> tuple[list[tuple[tuple[str, ...], Any]], sqlite3.Error | None]:
        """Run the kept writes, oldest first, up to the first error: (what ran, the error). In a
        group commit, a row another of our writes in the same group already ran is not run again."""
        turn, ran = self._ran
        if not grouped or turn != self.writes.turn:
            ran = {}
            self._ran = (self.writes.turn, ran)
        written: list[tuple[tuple[str, ...], Any]] = []
        for row, value in list(self._pending.items()):
            if ran.get(row) is not value:
                try:
                    self.conn.execute(*value)
                except sqlite3.Error as error:
                    return written, error
                if grouped:
                    ran[row] = value
            written.append((row, value))
        return written, None

    def _written(self, written: list[tuple[tuple[str, ...], Any]], error: sqlite3.Error | None) -> bool:
        for row, value in written:
            if self._pending.get(row) is value:  # not replaced by a newer value meanwhile
                del self._pending[row]
        if error is None:
            return True  # a row changed meanwhile is on its way, with its own write
        if not is_busy(error):
            row = next(iter(self._pending))
            del self._pending[row]
            self._stored.pop(row, None)  # not written: the next write tries again
            raise error
        return self._kept()

    def _kept(self) -> bool:
        log.warning("database busy: %d chat state write(s) kept for later", len(self._pending))
        self._busy_until = time.monotonic() + RETRY_PAUSE
        self._retry_later()
        return False

    def _retry_later(self) -> None:
        if self._retry is not None and not self._retry.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop: the next write or flush() tries again
            return
        self._retry = loop.create_task(self._retry_until_written(), name="loket-persistence-retry")

    async def _retry_until_written(self) -> None:
        while self._pending:
            await asyncio.sleep(RETRY_PAUSE)
            try:
                self._write_pending()
            except sqlite3.Error:
                log.exception("a kept chat state write failed")

    @property
    def pending_writes(self) -> int:
        return len(self._pending)

    async def _save(self, kind: str, key: str, data: Any) -> None:
        encoded = json.dumps(data)
        if self._unchanged(("data", kind, key), encoded):
            return
        await self._write(
            ("data", kind, key),
            "INSERT INTO ptb_data (kind, key, data) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
            (kind, key, encoded),
        )

    async def _drop(self, kind: str, key: str) -> None:
        self._stored.pop(("data", kind, key), None)
        await self._write(("data", kind, key), "DELETE FROM ptb_data WHERE kind = ? AND key = ?", (kind, key))

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {int(key): value for key, value in self._load("user").items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Nothing at start: each chat's data is read when first needed (`refresh_chat_data`)."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        data: dict[Any, Any] = self._load("bot").get("", {})
        return data

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = self.conn.execute(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        ).fetchall()
        for key, state in rows:
            self._stored[("conversation", name, key)] = state
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded = json.dumps(list(key))
        row = ("conversation", name, encoded)
        if new_state is None:
            self._stored.pop(row, None)
            sql = "DELETE FROM ptb_conversations WHERE name = ? AND key = ?"
            await self._write(row, sql, (name, encoded))
        else:
            state = json.dumps(new_state)
            if self._unchanged(row, state):
                return
            await self._write(
                row,
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, encoded, state),
            )

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._save("user", str(user_id), data)  # encoded at once: a snapshot

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        if chat_id not in self._chats_read:  # set before it was read: what was stored is kept too
            await self.refresh_chat_data(chat_id, data)
        await self._save("chat", str(chat_id), data)  # encoded at once: a snapshot

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        await self._save("bot", "", data)  # encoded at once: a snapshot

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used: our buttons carry a verb and a ref."""

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("chat", str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("user", str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """In-memory data is authoritative while the bot runs."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """The chat's stored data, read once per process, under what this process set already
        (in-memory data is authoritative while the bot runs)."""
        if chat_id in self._chats_read:
            return
        self._chats_read.add(chat_id)
        key = str(chat_id)
        sql = "SELECT data FROM ptb_data WHERE kind = 'chat' AND key = ?"
        row = self.conn.execute(sql, (key,)).fetchone()
        if row is None:
            return
        self._stored.setdefault(("data", "chat", key), row[0])
        for name, value in json.loads(row[0]).items():
            chat_data.setdefault(name, value)

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """In-memory data is authoritative while the bot runs."""

    async def flush(self, patience: float = WRITE_PATIENCE) -> None:
        """At shutdown: what a busy database kept back is written, waiting up to `patience`."""
        deadline = time.monotonic() + patience
        while not self._write_pending():
            if time.monotonic() >= deadline:
                log.error("database busy: %d chat state write(s) lost at shutdown", len(self._pending))
                break
            await asyncio.sleep(0.1)
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
            self._retry = None
        self._commit()
