"""The ledger: every read and write of users, transactions, wallet entries and events.

Three modules, one `Ledger`: this one (users, wallets, transactions), journal.py (the appended
audit trail: events, status checks, notices, deposits) and ledger_sql.py (the connection, its
transactions and group commits, rows into models). Plain SQL, and no business rules: the
payment core decides, the ledger records. Writes that must be atomic run inside
`with ledger.transaction():` (BEGIN IMMEDIATE, so two processes never interleave a check and
its write; a SAVEPOINT inside an open one), or `await ledger.together(write, *args)`:
committed with the other writes of the same turn of the event loop, one wait for the disk for
all of them (storage/commits.py). Never `await` inside a transaction: the connection is shared
with the PTB persistence on the same event loop. Times are stored as UTC ISO strings with a
fixed width, so they sort and compare as text.

Statements go straight to the sqlite3 connection: sqlite-utils' `query` wraps each one in a
SAVEPOINT and parses it first, which the hot path (every update) cannot afford.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.payments.journal import Journal
from bot.payments.ledger_sql import OPEN_SQL, _entry, _tx
from bot.payments.models import EntryKind, Role, Transaction, TxState, User, WalletEntry
from storage.times import parse_ts, ts

__all__ = ["OPEN_SQL", "Ledger"]


class Ledger(Journal):
    """Loket's records: users, wallets and transactions here; the audit trail in journal.py, the
    connection and its transactions in ledger_sql.py."""

    # -- users --------------------------------------------------------------------------------
    def get_user(self, user_id: int) -> User | None:
        row = self._one("SELECT user_id, name, language, role FROM users WHERE user_id = ?", [user_id])
        return User.model_validate(row) if row else None

    def save_user(self, user: User, now: datetime) -> User:
        self.conn.execute(
            "INSERT INTO users (user_id, name, language, role, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "name = excluded.name, language = excluded.language, role = excluded.role, "
            "updated_at = excluded.updated_at",
            [user.user_id, user.name, user.language, user.role.value, ts(now), ts(now)],
        )
        return user

    def ensure_user_row(self, user_id: int, role: Role, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO users (user_id, role, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(user_id) DO NOTHING",
            [user_id, role.value, ts(now), ts(now)],
        )

    # -- wallet -------------------------------------------------------------------------------
    def balance(self, user_id: int) -> int:
        row = self.conn.execute(
            "SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE user_id = ?", [user_id]
        ).fetchone()
        return int(row[0])

    def add_entry(
        self,
        user_id: int,
        kind: EntryKind,
        amount: int,
        now: datetime,
        *,
        ref_id: str | None = None,
        actor_id: int | None = None,
        reason: str = "",
    ) -> WalletEntry:
        """Append one wallet entry. The database refuses a negative balance or a second
        debit/refund of the same transaction (sqlite3.IntegrityError)."""
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise TypeError("wallet amounts are whole rupiah (int)")
        balance_after = self.balance(user_id) + amount
        cursor = self.conn.execute(
            "INSERT INTO wallet_entries (user_id, kind, amount, ref_id, actor_id, reason, created_at,"
            " balance_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [user_id, kind.value, amount, ref_id, actor_id, reason, ts(now), balance_after],
        )
        self._say(
            "wallet user=%s %s %+d balance=%d ref=%s by=%s",
            user_id, kind.value, amount, balance_after, ref_id or "-", "-" if actor_id is None else actor_id,
        )  # fmt: skip
        return WalletEntry(
            entry_id=int(cursor.lastrowid or 0),
            user_id=user_id,
            kind=kind,
            amount=amount,
            ref_id=ref_id,
            actor_id=actor_id,
            reason=reason,
            created_at=now,
            balance_after=balance_after,
        )

    def statement(self, user_id: int, limit: int = 10, offset: int = 0) -> list[WalletEntry]:
        rows = self._rows(
            "SELECT * FROM wallet_entries WHERE user_id = ? ORDER BY entry_id DESC LIMIT ? OFFSET ?",
            [user_id, limit, offset],
        )
        return [_entry(row) for row in rows]

    def entries_for(self, ref_id: str) -> list[WalletEntry]:
        rows = self._rows("SELECT * FROM wallet_entries WHERE ref_id = ? ORDER BY entry_id", [ref_id])
        return [_entry(row) for row in rows]

    # -- transactions (the payment kind) -----------------------------------------------------------
    def exists(self, ref_id: str) -> bool:
        return self._one("SELECT 1 AS x FROM transactions WHERE ref_id = ?", [ref_id]) is not None

    def insert_transaction(self, tx: Transaction) -> None:
        self.conn.execute(
            "INSERT INTO transactions (ref_id, user_id, provider, product_code, product_name,"
            " customer_number, customer_name, bill, bill_total, markup, amount, cost, provider_ref,"
            " provider_txn_id, state, reason, provider_code, message, biller_ref, created_at,"
            " updated_at, paid_at, settled_at, next_check_at, checks, flagged, notify)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tx.ref_id, tx.user_id, tx.provider, tx.product_code, tx.product_name,
                tx.customer_number, tx.customer_name, tx.bill.model_dump_json(), tx.bill_total,
                tx.markup, tx.amount, tx.cost, tx.bill.provider_ref, tx.provider_txn_id,
                tx.state.value, tx.reason.value if tx.reason else None, tx.provider_code,
                tx.message, tx.biller_ref, ts(tx.created_at), ts(tx.updated_at), ts(tx.paid_at),
                ts(tx.settled_at), ts(tx.next_check_at), tx.checks, int(tx.flagged),
                json.dumps(tx.notify),
            ],
        )  # fmt: skip

    def get_transaction(self, ref_id: str) -> Transaction | None:
        row = self._one("SELECT * FROM transactions WHERE ref_id = ?", [ref_id])
        return _tx(row) if row else None

    def update_transaction(self, ref_id: str, expected_state: TxState, **fields: Any) -> bool:
        """Set `fields` only while the row is still in `expected_state`. False if it was not."""
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if isinstance(value, datetime):
                value = ts(value)
            elif key == "notify":
                value = json.dumps(value)
            elif hasattr(value, "value"):  # enums
                value = value.value
            elif isinstance(value, bool):
                value = int(value)
            values[key] = value
        assignments = ", ".join(f"{key} = :{key}" for key in values)
        cursor = self.conn.execute(
            f"UPDATE transactions SET {assignments} WHERE ref_id = :_ref AND state = :_state",  # noqa: S608
            {**values, "_ref": ref_id, "_state": expected_state.value},
        )
        return cursor.rowcount == 1

    def set_notify(self, ref_id: str, notify: dict[str, Any]) -> bool:
        cursor = self.conn.execute(
            "UPDATE transactions SET notify = ? WHERE ref_id = ?", [json.dumps(notify), ref_id]
        )
        return cursor.rowcount == 1

    def _transactions(
        self, where: str, params: list[Any], order: str, limit: int, offset: int = 0
    ) -> list[Transaction]:
        rows = self._rows(
            f"SELECT * FROM transactions WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
            [*params, limit, offset],
        )
        return [_tx(row) for row in rows]

    def history(self, user_id: int, limit: int = 10, offset: int = 0) -> list[Transaction]:
        return self._transactions("user_id = ?", [user_id], "created_at DESC, rowid DESC", limit, offset)

    def count_history(self, user_id: int) -> int:
        row = self.conn.execute("SELECT count(*) FROM transactions WHERE user_id = ?", [user_id]).fetchone()
        return int(row[0])

    def by_customer(self, customer_number: str, user_id: int | None, limit: int = 10) -> list[Transaction]:
        if user_id is None:
            return self._transactions("customer_number = ?", [customer_number], "created_at DESC", limit)
        return self._transactions(
            "customer_number = ? AND user_id = ?", [customer_number, user_id], "created_at DESC", limit
        )

    def open_payment_of_bill(
        self, product_code: str, customer_number: str, other_than: str
    ) -> Transaction | None:
        """A PAYING/PENDING payment of the same product and customer number, by anyone."""
        found = self._transactions(
            f"product_code = ? AND customer_number = ? AND ref_id != ? AND state IN {OPEN_SQL}",
            [product_code, customer_number, other_than],
            "paid_at",
            1,
        )
        return found[0] if found else None

    def succeeded_after(
        self, product_code: str, customer_number: str, asked: datetime, other_than: str
    ) -> Transaction | None:
        """A successful payment of the same product and customer number that settled after
        `asked`, whenever it started (before `asked` too: it was open then)."""
        found = self._transactions(
            "product_code = ? AND customer_number = ? AND ref_id != ? AND state = 'SUCCESS'"
            " AND settled_at > ?",
            [product_code, customer_number, other_than, ts(asked)],
            "settled_at",
            1,
        )
        return found[0] if found else None

    def open_payments(self) -> list[Transaction]:
        """PAYING/PENDING transactions, oldest payment first."""
        return self._transactions(f"state IN {OPEN_SQL}", [], "paid_at, rowid", 1_000_000)

    def open_refs(self) -> list[str]:
        """The refs of PAYING/PENDING transactions, oldest payment first (only the refs: the
        recovery reads 10,000 of them a batch at a time)."""
        rows = self.db.execute(
            f"SELECT ref_id FROM transactions WHERE state IN {OPEN_SQL} ORDER BY paid_at, rowid"  # noqa: S608
        ).fetchall()
        return [str(row[0]) for row in rows]

    def due(self, now: datetime, limit: int = 1_000_000) -> list[Transaction]:
        """Open payments whose next status check is due and that are not flagged, the longest
        due first (at most `limit`: the follow-up reads a batch at a time)."""
        return self._transactions(
            f"state IN {OPEN_SQL} AND flagged = 0 AND next_check_at IS NOT NULL AND next_check_at <= ?",
            [ts(now)],
            "next_check_at, rowid",
            limit,
        )

    def next_due_at(self) -> datetime | None:
        row = self.conn.execute(
            f"SELECT min(next_check_at) FROM transactions WHERE state IN {OPEN_SQL} AND flagged = 0"  # noqa: S608
        ).fetchone()
        return parse_ts(row[0])

    def paid_between(self, start: datetime, end: datetime, user_id: int | None = None) -> list[Transaction]:
        """Payments started in [start, end), everyone's or one user's, oldest first."""
        where = "paid_at IS NOT NULL AND paid_at >= ? AND paid_at < ?"
        params: list[Any] = [ts(start), ts(end)]
        if user_id is not None:
            where, params = where + " AND user_id = ?", [*params, user_id]
        return self._transactions(where, params, "paid_at", 1_000_000)
