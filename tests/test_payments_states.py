"""The state machine: every legal move works and is an event, every illegal one is refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from bot.billers.base import Bill
from bot.payments.errors import IllegalTransition
from bot.payments.follow_up import next_check_after, next_check_at
from bot.payments.ledger import Ledger
from bot.payments.models import TRANSITIONS, EntryKind, Role, Transaction, TxState
from bot.payments.states import transition
from storage.db import open_database

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
ILLEGAL = [(a, b) for a, b in product(TxState, TxState) if b not in TRANSITIONS[a]]


def _ledger_with(tmp_path, state: TxState) -> tuple[Ledger, Transaction]:
    ledger = Ledger(open_database(tmp_path / "db.sqlite3"))
    ledger.ensure_user_row(42, Role.CUSTOMER, NOW)
    bill = Bill(
        provider="fake", ref_id="LK1", product_code="X", customer_number="0211", customer_name="A",
        nominal=900, admin=100, total=1000, provider_ref="T1",
    )  # fmt: skip
    tx = Transaction(
        ref_id="LK1", user_id=42, provider="fake", product_code="X", product_name="X",
        customer_number="0211", customer_name="A", bill=bill, bill_total=1000, markup=100,
        amount=1100, state=state, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    ledger.insert_transaction(tx)
    return ledger, tx


def test_the_table_covers_every_state():
    assert set(TRANSITIONS) == set(TxState)
    assert len(LEGAL) + len(ILLEGAL) == len(TxState) ** 2


@pytest.mark.parametrize("from_state, to_state", LEGAL)
def test_legal_transition_moves_and_appends_one_event(tmp_path, from_state, to_state):
    ledger, tx = _ledger_with(tmp_path, from_state)
    with ledger.transaction():
        moved = transition(ledger, tx, to_state, cause="test", now=NOW + timedelta(seconds=1))
    assert moved.state is to_state
    assert ledger.get_transaction("LK1").state is to_state
    events = ledger.events("LK1")
    assert [(e.from_state, e.to_state, e.cause) for e in events] == [(from_state, to_state, "test")]
    assert (moved.settled_at is not None) == moved.is_final


@pytest.mark.parametrize("from_state, to_state", ILLEGAL)
def test_illegal_transition_raises_and_changes_nothing(tmp_path, from_state, to_state):
    ledger, tx = _ledger_with(tmp_path, from_state)
    with pytest.raises(IllegalTransition) as raised, ledger.transaction():
        transition(ledger, tx, to_state, cause="test", now=NOW)
    assert (raised.value.from_state, raised.value.to_state) == (from_state, to_state)
    assert ledger.get_transaction("LK1").state is from_state
    assert ledger.events("LK1") == []


def test_a_stale_read_cannot_overwrite_a_concurrent_move(tmp_path):
    ledger, tx = _ledger_with(tmp_path, TxState.INQUIRED)
    with ledger.transaction():
        transition(ledger, tx, TxState.PAYING, cause="pay", now=NOW)
    with pytest.raises(IllegalTransition) as raised, ledger.transaction():
        transition(ledger, tx, TxState.CANCELLED, cause="cancel", now=NOW)  # tx still says INQUIRED
    assert raised.value.from_state is TxState.PAYING
    assert ledger.get_transaction("LK1").state is TxState.PAYING
    assert len(ledger.events("LK1")) == 1


def test_refund_once(tmp_path):
    ledger, tx = _ledger_with(tmp_path, TxState.INQUIRED)
    ledger.add_entry(42, EntryKind.TOPUP, 5000, NOW)
    with ledger.transaction():
        tx = transition(ledger, tx, TxState.PAYING, cause="pay", now=NOW)
        ledger.add_entry(42, EntryKind.DEBIT, -1100, NOW, ref_id="LK1")
    with ledger.transaction():
        tx = transition(ledger, tx, TxState.FAILED, cause="pay_answer", now=NOW)
        ledger.add_entry(42, EntryKind.REFUND, 1100, NOW, ref_id="LK1")
    with pytest.raises(sqlite3.IntegrityError), ledger.transaction():
        ledger.add_entry(42, EntryKind.REFUND, 1100, NOW, ref_id="LK1")
    assert ledger.balance(42) == 5000
    assert [e.kind for e in ledger.entries_for("LK1")] == [EntryKind.DEBIT, EntryKind.REFUND]


def test_follow_up_schedule_is_cumulative_then_hourly_then_over():
    paid = NOW
    offsets = []
    for checks in range(10):
        due = next_check_at(paid, checks, [5, 15, 30], follow_hours=3)
        offsets.append(None if due is None else int((due - paid).total_seconds()))
    assert offsets[:3] == [5, 20, 50]
    assert offsets[3:5] == [50 + 3600, 50 + 7200]
    assert offsets[5] is None  # 50 + 3 h > 3 h: flag instead
    assert all(o is None for o in offsets[5:])


def test_the_next_check_depends_on_the_time_not_on_how_many_checks_were_made():
    def after(seconds):
        due = next_check_after(NOW, NOW + timedelta(seconds=seconds), [5, 15, 30], follow_hours=3)
        return None if due is None else int((due - NOW).total_seconds())

    assert [after(s) for s in (0, 4, 5, 19, 20, 49)] == [5, 5, 20, 20, 50, 50]
    assert after(50) == after(3000) == 50 + 3600  # a late follower does not replay missed checks
    assert after(50 + 7200) is None  # 50 s + 3 h is past the 3 h window: flag
