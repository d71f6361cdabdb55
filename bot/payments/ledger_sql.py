"""The ledger's plumbing: one connection, its transactions and group commits, rows into models.

Statements go straight to the sqlite3 connection: sqlite-utils' `query` wraps each one in a
SAVEPOINT and parses it first, which the hot path (every update) cannot afford. Times are
stored as UTC ISO strings with a fixed width (storage/times.py), so they sort and compare as text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlite_utils

from bot.billers.base import Bill
from bot.payments.models import OPEN_PAYMENT_STATES, Transaction, TransactionEvent, WalletEntry
from storage.commits import together_when_free, writes_for
from storage.times import parse_ts

T = TypeVar("T")

# the open payment states, spelled once (models.OPEN_PAYMENT_STATES), as SQL
OPEN_SQL = "(" + ", ".join(f"'{state.value}'" for state in sorted(OPEN_PAYMENT_STATES)) + ")"

log = logging.getLogger("loket.ledger")


def _tx(row: dict[str, Any]) -> Transaction:
    data = dict(row)
    data["bill"] = Bill.model_validate_json(data["bill"])
    data["notify"] = json.loads(data["notify"] or "{}")
    data["flagged"] = bool(data["flagged"])
    data.pop("provider_ref", None)
    for key in ("created_at", "updated_at", "paid_at", "settled_at", "next_check_at"):
        data[key] = parse_ts(data[key])
    return Transaction.model_validate(data)


def _event(row: dict[str, Any]) -> TransactionEvent:
    data = dict(row)
    data["raw"] = json.loads(data["raw"] or "{}")
    data["created_at"] = parse_ts(data["created_at"])
    return TransactionEvent.model_validate(data)


def _entry(row: dict[str, Any]) -> WalletEntry:
    data = dict(row)
    data["created_at"] = parse_ts(data["created_at"])
    return WalletEntry.model_validate(data)


class LedgerBase:
    """Loket's records over one `sqlite_utils.Database` from `storage.db.open_database`."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn
        self.writes = writes_for(db.conn)  # shared with everything else on this connection

    # -- transactions (the SQL kind) ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (a SAVEPOINT inside an open transaction); any exception (even
        a BaseException) rolls back. The wallet and payment lines of the log are written after
        the COMMIT, never for a rolled-back change."""
        with self.writes.transaction():
            yield

    async def together(self, write: Callable[..., T], *args: Any) -> T:
        """`write(*args)` in a transaction committed with the other writes of this turn of the
        event loop (storage/commits.py); returns after the COMMIT."""
        return await self.writes.together(write, *args)

    async def together_when_free(self, write: Callable[..., T], *args: Any) -> T:
        """`together`, queued again while another program holds a lock (storage.db.when_free):
        for a write that must not be lost, such as a biller's answer to a payment already sent."""
        return await together_when_free(self.writes, write, *args)

    def _say(self, *line: Any) -> None:
        """One log line per wallet change and payment state change, with its ref (no secrets:
        ids, amounts, states and the provider's code only)."""
        self.writes.after_commit(lambda: log.info(*line))

    def _rows(self, sql: str, params: list[Any] | dict[str, Any]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        keys = [column[0] for column in cursor.description]
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    def _one(self, sql: str, params: list[Any] | dict[str, Any]) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None
