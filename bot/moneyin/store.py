"""Money in's records: intents, their events, the gateway's raw answers, tickets, and credits.

Plain SQL over the same sqlite-utils database (and connection) as the payment core's ledger,
and no business rules. Writes that must be atomic run inside `with store.transaction():`
(BEGIN IMMEDIATE); never `await` inside one. Times are UTC ISO strings of fixed width, like
the ledger's, so they sort as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.moneyin.models import (
    BillStep,
    DepositTicket,
    IntentEvent,
    IntentState,
    PaymentIntent,
    TicketState,
)
from storage.times import parse_ts, ts

_INTENT_TIMES = ("expires_at", "paid_at", "next_check_at", "created_at", "updated_at")
_TICKET_TIMES = ("expires_at", "decided_at", "created_at", "updated_at")


def _intent(row: dict[str, Any]) -> PaymentIntent:
    data = dict(row)
    for key in _INTENT_TIMES:
        data[key] = parse_ts(data[key])
    data["notify"] = json.loads(data["notify"] or "{}")
    data["late"] = bool(data["late"])
    data["flagged"] = bool(data["flagged"])
    return PaymentIntent.model_validate(data)


def _ticket(row: dict[str, Any]) -> DepositTicket:
    data = dict(row)
    for key in _TICKET_TIMES:
        data[key] = parse_ts(data[key])
    data["notify"] = json.loads(data["notify"] or "{}")
    return DepositTicket.model_validate(data)


def _sql_value(key: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return ts(value)
    if key == "notify":
        return json.dumps(value)
    if hasattr(value, "value"):  # enums
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


class MoneyInStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; any exception (even a BaseException) rolls back."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _one(self, sql: str, params: list[Any]) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    # -- wallet credits ------------------------------------------------------------------------
    def balance(self, user_id: int) -> int:
        row = self.db.execute(
            "SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE user_id = ?", [user_id]
        ).fetchone()
        return int(row[0])

    def has_credit(self, key: str) -> bool:
        return self._one("SELECT 1 AS x FROM wallet_entries WHERE credit_key = ?", [key]) is not None

    def add_credit(
        self,
        user_id: int,
        amount: int,
        key: str,
        now: datetime,
        *,
        kind: str = "topup",
        actor_id: int | None = None,
        reason: str = "",
    ) -> int:
        """Append the wallet entry of `key` (signed `amount`). The database refuses a second
        entry with the same key and a negative balance (sqlite3.IntegrityError). Returns its id."""
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise TypeError("a credit is a non-zero whole number of rupiah")
        balance_after = self.balance(user_id) + amount
        cursor = self.db.execute(
            "INSERT INTO wallet_entries (user_id, kind, amount, ref_id, actor_id, reason, created_at,"
            " balance_after, credit_key) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            [user_id, kind, amount, actor_id, reason, ts(now), balance_after, key],
        )
        return int(cursor.lastrowid or 0)

    def credits(self, user_id: int | None = None) -> list[dict[str, Any]]:
        where, params = ("credit_key IS NOT NULL", [])
        if user_id is not None:
            where, params = where + " AND user_id = ?", [user_id]
        return list(
            self.db.query(f"SELECT * FROM wallet_entries WHERE {where} ORDER BY entry_id", params)  # noqa: S608
        )

    # -- intents -------------------------------------------------------------------------------
    def intent_exists(self, order_id: str) -> bool:
        return self._one("SELECT 1 AS x FROM payment_intents WHERE order_id = ?", [order_id]) is not None

    def insert_intent(self, intent: PaymentIntent) -> None:
        self.db.execute(
            "INSERT INTO payment_intents (order_id, user_id, purpose, bill_ref, gateway, channel,"
            " gross_amount, fee, credit_amount, state, reason, expires_at, next_check_at, notify,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                intent.order_id, intent.user_id, intent.purpose.value, intent.bill_ref, intent.gateway,
                intent.channel, intent.gross_amount, intent.fee, intent.credit_amount, intent.state.value,
                intent.reason, ts(intent.expires_at), ts(intent.next_check_at), json.dumps(intent.notify),
                ts(intent.created_at), ts(intent.updated_at),
            ],
        )  # fmt: skip

    def get_intent(self, order_id: str) -> PaymentIntent | None:
        row = self._one("SELECT * FROM payment_intents WHERE order_id = ?", [order_id])
        return _intent(row) if row else None

    def update_intent(self, order_id: str, expected_state: IntentState, **fields: Any) -> bool:
        """Set `fields` only while the intent is still in `expected_state`. False if it was not."""
        return self._update_if("payment_intents", "order_id", order_id, expected_state.value, fields)

    def _update_if(self, table: str, key: str, value: object, state: str, fields: dict[str, Any]) -> bool:
        """Set `fields` on the row whose `key` is `value`, only while its state is `state`: the
        conditional UPDATE a concurrent writer cannot slip past. False if it was not."""
        values = {name: _sql_value(name, field) for name, field in fields.items()}
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        cursor = self.db.execute(
            f"UPDATE {table} SET {assignments} WHERE {key} = :_key AND state = :_state",  # noqa: S608
            {**values, "_key": value, "_state": state},
        )
        return cursor.rowcount == 1

    def claim_bill_step(self, order_id: str, step: BillStep, note: str, now: datetime) -> bool:
        """todo -> paid|kept, once: False when another run got there first."""
        cursor = self.db.execute(
            "UPDATE payment_intents SET bill_step = ?, bill_note = ?, updated_at = ?"
            " WHERE order_id = ? AND bill_step = 'todo'",
            [step.value, note, ts(now), order_id],
        )
        return cursor.rowcount == 1

    def set_intent_notify(self, order_id: str, notify: dict[str, Any]) -> bool:
        cursor = self.db.execute(
            "UPDATE payment_intents SET notify = ? WHERE order_id = ?", [json.dumps(notify), order_id]
        )
        return cursor.rowcount == 1

    def _intents(
        self, where: str, params: list[Any], order: str = "created_at, order_id", limit: int = 10_000
    ) -> list[PaymentIntent]:
        rows = self.db.query(
            f"SELECT * FROM payment_intents WHERE {where} ORDER BY {order} LIMIT ?",  # noqa: S608
            [*params, limit],
        )
        return [_intent(row) for row in rows]

    def shown_intent(
        self, user_id: int, purpose: str, bill_ref: str | None, credit_amount: int
    ) -> PaymentIntent | None:
        """The newest PENDING intent with a QR for the same thing (a second tap shows it again)."""
        found = self._intents(
            "user_id = ? AND purpose = ? AND bill_ref IS ? AND credit_amount = ? AND state = 'PENDING'"
            " AND (qr_string != '' OR qr_url != '')",
            [user_id, purpose, bill_ref, credit_amount],
            "created_at DESC",
            1,
        )
        return found[0] if found else None

    def intents_of(self, user_id: int, limit: int = 10) -> list[PaymentIntent]:
        return self._intents("user_id = ?", [user_id], "created_at DESC, order_id DESC", limit)

    def due_intents(self, now: datetime, gateway: str) -> list[PaymentIntent]:
        """`gateway`'s intents to look at now (a sandbox's intents are never asked of production)."""
        return self._intents(
            "gateway = ? AND state IN ('CREATED', 'PENDING', 'EXPIRED') AND flagged = 0"
            " AND next_check_at IS NOT NULL AND next_check_at <= ?",
            [gateway, ts(now)],
            "next_check_at, order_id",
        )

    def open_intents(self, gateway: str) -> list[PaymentIntent]:
        return self._intents("gateway = ? AND state IN ('CREATED', 'PENDING')", [gateway])

    def bills_to_pay(self, gateway: str) -> list[PaymentIntent]:
        """`gateway`'s paid bill intents whose bill was not handed to the payment core yet."""
        return self._intents(
            "gateway = ? AND state IN ('PAID', 'REVERSED') AND bill_step = 'todo'",
            [gateway],
            "paid_at, order_id",
        )

    def all_intents(self) -> list[PaymentIntent]:
        return self._intents("1 = 1", [])

    def append_intent_event(
        self,
        order_id: str,
        from_state: IntentState | None,
        to_state: IntentState,
        cause: str,
        now: datetime,
        *,
        reason: str = "",
        message: str = "",
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO intent_events (order_id, from_state, to_state, cause, reason, message, raw,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                order_id, from_state.value if from_state else None, to_state.value, cause, reason,
                message[:500], json.dumps(raw or {}, default=str), ts(now),
            ],
        )  # fmt: skip

    def intent_events(self, order_id: str) -> list[IntentEvent]:
        rows = self.db.query("SELECT * FROM intent_events WHERE order_id = ? ORDER BY event_id", [order_id])
        events = []
        for row in rows:
            data = dict(row)
            data["raw"] = json.loads(data["raw"] or "{}")
            data["created_at"] = parse_ts(data["created_at"])
            events.append(IntentEvent.model_validate(data))
        return events

    def record_message(
        self, order_id: str, kind: str, cause: str, outcome: str, raw: dict[str, Any], now: datetime
    ) -> None:
        self.db.execute(
            "INSERT INTO gateway_messages (order_id, kind, cause, outcome, raw, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [order_id, kind, cause, outcome, json.dumps(raw, default=str), ts(now)],
        )

    def messages(self, order_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM gateway_messages WHERE order_id = ? ORDER BY message_id", [order_id])
        )

    # -- tickets -------------------------------------------------------------------------------
    def insert_ticket(
        self,
        user_id: int,
        amount: int,
        code: int,
        bank_info: str,
        expires_at: datetime,
        now: datetime,
        notify: dict[str, Any],
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO deposit_tickets (user_id, amount, unique_code, transfer_amount, bank_info, state,"
            " expires_at, notify, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'OPEN', ?, ?, ?, ?)",
            [
                user_id,
                amount,
                code,
                amount + code,
                bank_info,
                ts(expires_at),
                json.dumps(notify),
                ts(now),
                ts(now),
            ],
        )
        return int(cursor.lastrowid or 0)

    def get_ticket(self, ticket_id: int) -> DepositTicket | None:
        row = self._one("SELECT * FROM deposit_tickets WHERE ticket_id = ?", [ticket_id])
        return _ticket(row) if row else None

    def update_ticket(self, ticket_id: int, expected_state: TicketState, **fields: Any) -> bool:
        """Set `fields` only while the ticket is still in `expected_state`. False if it was not."""
        return self._update_if("deposit_tickets", "ticket_id", ticket_id, expected_state.value, fields)

    def tickets(
        self, where: str, params: list[Any], limit: int = 10_000, order: str = "ticket_id"
    ) -> list[DepositTicket]:
        rows = self.db.query(
            f"SELECT * FROM deposit_tickets WHERE {where} ORDER BY {order} LIMIT ?",  # noqa: S608
            [*params, limit],
        )
        return [_ticket(row) for row in rows]

    def open_codes(self) -> tuple[set[int], set[int]]:
        """(unique codes, transfer amounts) of the open tickets."""
        rows = self.db.execute(
            "SELECT unique_code, transfer_amount FROM deposit_tickets WHERE state = 'OPEN'"
        ).fetchall()
        return {int(r[0]) for r in rows}, {int(r[1]) for r in rows}

    def append_ticket_event(
        self,
        ticket_id: int,
        from_state: TicketState | None,
        to_state: TicketState,
        now: datetime,
        *,
        actor_id: int | None = None,
        amount: int | None = None,
        note: str = "",
    ) -> None:
        self.db.execute(
            "INSERT INTO ticket_events (ticket_id, from_state, to_state, actor_id, amount, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ticket_id,
                from_state.value if from_state else None,
                to_state.value,
                actor_id,
                amount,
                note,
                ts(now),
            ],
        )

    def ticket_events(self, ticket_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY event_id", [ticket_id])
        )
