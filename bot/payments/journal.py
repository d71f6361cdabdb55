"""The ledger's audit trail: every state change as an event, every status answer that moved
nothing, every attempt to tell an owner, and the deposits the biller reported.

All of it is appended, never changed: the triggers of storage/migrations/ refuse an UPDATE.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.billers.base import PaymentResult
from bot.payments.ledger_sql import LedgerBase, _event, _tx
from bot.payments.models import Transaction, TransactionEvent, TxState
from storage.times import parse_ts, ts


class Journal(LedgerBase):
    """Events, status checks, notices and deposit reports: appended, read back."""

    # -- events and status checks -----------------------------------------------------------------
    def append_event(
        self,
        ref_id: str,
        from_state: TxState | None,
        to_state: TxState,
        cause: str,
        now: datetime,
        result: PaymentResult | None = None,
        *,
        reason: str | None = None,
        message: str = "",
    ) -> None:
        if result is not None:
            reason = reason or result.reason.value
            message = message or result.message
        self.conn.execute(
            "INSERT INTO transaction_events (ref_id, from_state, to_state, cause, reason, provider_code,"
            " message, raw, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ref_id,
                from_state.value if from_state else None,
                to_state.value,
                cause,
                reason,
                result.provider_code if result else "",
                message,
                json.dumps(result.raw if result else {}, default=str),
                ts(now),
            ],
        )
        self._say(
            "payment ref=%s %s -> %s cause=%s reason=%s code=%s",
            ref_id, from_state.value if from_state else "-", to_state.value, cause, reason or "-",
            (result.provider_code if result else "") or "-",
        )  # fmt: skip

    def events(self, ref_id: str) -> list[TransactionEvent]:
        rows = self._rows("SELECT * FROM transaction_events WHERE ref_id = ? ORDER BY event_id", [ref_id])
        return [_event(row) for row in rows]

    def append_status_check(
        self, ref_id: str, state: TxState, cause: str, result: PaymentResult, now: datetime
    ) -> None:
        self.conn.execute(
            "INSERT INTO status_checks (ref_id, state, cause, outcome, reason, provider_code, message,"
            " raw, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ref_id, state.value, cause, result.outcome.value, result.reason.value,
                result.provider_code, result.message, json.dumps(result.raw, default=str), ts(now),
            ],
        )  # fmt: skip

    def record_notice(self, ref_id: str, state: TxState, delivered: bool, error: str, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO notices (ref_id, state, delivered, error, created_at) VALUES (?, ?, ?, ?, ?)",
            [ref_id, TxState(state).value, int(delivered), error, ts(now)],
        )

    def untold(self, since: datetime) -> list[tuple[Transaction, int, datetime | None]]:
        """Payments settled since `since` whose owner was not told yet: (tx, attempts, last try)."""
        rows = self._rows(
            "SELECT t.*, (SELECT count(*) FROM notices n WHERE n.ref_id = t.ref_id) AS attempts,"
            " (SELECT max(created_at) FROM notices n WHERE n.ref_id = t.ref_id) AS last_attempt"
            " FROM transactions t WHERE t.state IN ('SUCCESS', 'FAILED') AND t.settled_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.ref_id = t.ref_id AND n.delivered = 1)"
            " ORDER BY t.settled_at",
            [ts(since)],
        )
        found = []
        for row in rows:
            attempts, last = int(row.pop("attempts")), parse_ts(row.pop("last_attempt"))
            found.append((_tx(row), attempts, last))
        return found

    def record_deposit(self, provider: str, amount: int, ref_id: str | None, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO deposit_reports (provider, amount, ref_id, created_at) VALUES (?, ?, ?, ?)",
            [provider, int(amount), ref_id, ts(now)],
        )

    def last_deposit(self, provider: str) -> tuple[int, datetime] | None:
        row = self.conn.execute(
            "SELECT amount, created_at FROM deposit_reports WHERE provider = ?"
            " ORDER BY report_id DESC LIMIT 1",
            [provider],
        ).fetchone()
        if row is None:
            return None
        at = parse_ts(row[1])
        assert at is not None
        return int(row[0]), at

    def provider_acknowledged(self, ref_id: str) -> bool:
        """Did a pending answer (pay or status) say the provider is processing this payment?

        Only "in process" (IAK 39, Ayoconnect 102/108/2xx) says so; "unknown" (our timeout, a
        5xx) and an error about the status request itself do not.
        """
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM transaction_events WHERE ref_id = :r AND to_state = 'PENDING'"
            " AND reason = 'in_process')"
            " OR EXISTS (SELECT 1 FROM status_checks WHERE ref_id = :r AND outcome = 'PENDING'"
            " AND reason = 'in_process')",
            {"r": ref_id},
        ).fetchone()
        return bool(row[0])

    def status_checks(self, ref_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM status_checks WHERE ref_id = ? ORDER BY check_id", [ref_id])
