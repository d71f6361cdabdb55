"""PTB persistence on Loket's own SQLite database (tables ptb_data and ptb_conversations).

Only chat state lives here: which step of the guided payment a user is at and what they
picked. Money never does; bills and transactions are the payment core's. Every write goes
straight to the database (the bot calls `update_persistence` after each update), so a
restart continues a half-finished conversation.

It also remembers which updates were handled (`first_delivery`): Telegram delivers an update
again after a webhook answer that was not 2xx, and after a polling restart whose offset was
not yet confirmed, and a re-delivered "/topup" must not top a wallet up twice.
"""

from __future__ import annotations

import json
import sqlite3
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ptb_data (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, "
    "PRIMARY KEY (kind, key))",
    "CREATE TABLE IF NOT EXISTS ptb_conversations (name TEXT NOT NULL, key TEXT NOT NULL, "
    "state TEXT NOT NULL, PRIMARY KEY (name, key))",
    "CREATE TABLE IF NOT EXISTS telegram_updates (update_id INTEGER PRIMARY KEY, received_at TEXT NOT NULL)",
)
# Telegram keeps an undelivered update for 24 hours; ids older than this cannot come again.
UPDATE_MEMORY = timedelta(days=2)
_PRUNE_EVERY = 500  # first deliveries between two prunes


def _connection(db: Any) -> sqlite3.Connection:
    """Accept a path, a sqlite3 connection or a sqlite_utils.Database (its .conn)."""
    if isinstance(db, sqlite3.Connection):
        return db
    if isinstance(db, str | Path):
        conn = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError("SQLitePersistence needs a path, a sqlite3.Connection or a sqlite_utils.Database")


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, db: Any, update_interval: float = 60) -> None:
        super().__init__(store_data=PersistenceInput(callback_data=False), update_interval=update_interval)
        self.conn = _connection(db)
        self._deliveries = 0
        for statement in _SCHEMA:
            self.conn.execute(statement)
        self._commit()

    def _commit(self) -> None:
        # An autocommit connection (the project's) has written already; never commit a
        # transaction someone else may have open on a shared connection.
        if self.conn.isolation_level is not None and self.conn.in_transaction:
            self.conn.commit()

    def first_delivery(self, update_id: int) -> bool:
        """True the first time this update id is seen; False for a re-delivered update."""
        now = datetime.now(UTC)
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO telegram_updates (update_id, received_at) VALUES (?, ?)",
            (update_id, now.isoformat()),
        )
        self._commit()
        if cursor.rowcount != 1:
            return False
        self._deliveries += 1
        if self._deliveries % _PRUNE_EVERY == 0:
            self.conn.execute(
                "DELETE FROM telegram_updates WHERE received_at < ?", ((now - UPDATE_MEMORY).isoformat(),)
            )
            self._commit()
        return True

    def _load(self, kind: str) -> dict[str, Any]:
        rows = self.conn.execute("SELECT key, data FROM ptb_data WHERE kind = ?", (kind,)).fetchall()
        return {key: json.loads(data) for key, data in rows}

    def _save(self, kind: str, key: str, data: Any) -> None:
        self.conn.execute(
            "INSERT INTO ptb_data (kind, key, data) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
            (kind, key, json.dumps(data)),
        )
        self._commit()

    def _drop(self, kind: str, key: str) -> None:
        self.conn.execute("DELETE FROM ptb_data WHERE kind = ? AND key = ?", (kind, key))
        self._commit()

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {int(key): value for key, value in self._load("user").items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {int(key): value for key, value in self._load("chat").items()}

    async def get_bot_data(self) -> dict[Any, Any]:
        return self._load("bot").get("", {})

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = self.conn.execute(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        ).fetchall()
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded = json.dumps(list(key))
        if new_state is None:
            self.conn.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, encoded))
        else:
            self.conn.execute(
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, encoded, json.dumps(new_state)),
            )
        self._commit()

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        self._save("user", str(user_id), deepcopy(data))

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        self._save("chat", str(chat_id), deepcopy(data))

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        self._save("bot", "", deepcopy(data))

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used: our buttons carry a verb and a ref."""

    async def drop_chat_data(self, chat_id: int) -> None:
        self._drop("chat", str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        self._drop("user", str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """In-memory data is authoritative while the bot runs."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """In-memory data is authoritative while the bot runs."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """In-memory data is authoritative while the bot runs."""

    async def flush(self) -> None:
        self._commit()
