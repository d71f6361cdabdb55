"""The transaction state machine: the only way a transaction's state changes.

`transition()` checks the move against `TRANSITIONS`, makes it with a conditional UPDATE
(`… WHERE state = <the state we read>`, so a concurrent writer cannot be overwritten) and
appends the event, all inside the caller's ledger transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.billers.base import PaymentResult
from bot.payments.errors import IllegalTransition
from bot.payments.ledger import Ledger
from bot.payments.models import FINAL_STATES, TRANSITIONS, Transaction, TxState


def can_move(from_state: TxState, to_state: TxState) -> bool:
    return to_state in TRANSITIONS[from_state]


def transition(
    ledger: Ledger,
    tx: Transaction,
    to_state: TxState,
    *,
    cause: str,
    now: datetime,
    result: PaymentResult | None = None,
    **fields: Any,
) -> Transaction:
    """Move `tx` to `to_state`, set `fields` on the row, append the event; return the new row.

    Must run inside `ledger.transaction()`. Raises IllegalTransition when the move is not in
    TRANSITIONS, or when the row is no longer in the state `tx` was read in.
    """
    if not can_move(tx.state, to_state):
        raise IllegalTransition(tx.ref_id, tx.state, to_state)
    fields["state"] = to_state
    fields["updated_at"] = now
    if to_state in FINAL_STATES:
        fields["settled_at"] = now
        fields["next_check_at"] = None
    if result is not None:
        fields.setdefault("reason", result.reason)
        fields.setdefault("provider_code", result.provider_code)
        fields.setdefault("message", result.message)
    if not ledger.update_transaction(tx.ref_id, tx.state, **fields):
        current = ledger.get_transaction(tx.ref_id)
        raise IllegalTransition(tx.ref_id, current.state if current else tx.state, to_state)
    reason = fields.get("reason")
    ledger.append_event(
        tx.ref_id,
        tx.state,
        to_state,
        cause,
        now,
        result,
        reason=str(getattr(reason, "value", reason)) if reason is not None else None,
        message=str(fields.get("message") or ""),
    )
    updated = ledger.get_transaction(tx.ref_id)
    assert updated is not None
    return updated
