"""The money-in migration: intents, gateway messages, tickets, and one credit per key, in the database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.moneyin.models import INTENT_TRANSITIONS, IntentState
from bot.payments.ledger import Ledger
from storage.db import connect, migrate, open_database
from storage.migrations import MIGRATIONS
from tests.core_fakes import snapshot

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC).isoformat()
MONEY_IN = next(version for version, _, apply in MIGRATIONS if apply.__name__ == "money_in")


def _plain(path):
    """A connection like the sqlite3 shell's: no recursive_triggers, no foreign keys."""
    return sqlite3.connect(path, isolation_level=None)


def _user(db, user_id=42):
    db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)", [user_id, NOW, NOW])


def _intent(db, order_id="LQ1", state="PENDING", **extra):
    values = {"order_id": order_id, "user_id": 42, "purpose": "topup", "gateway": "sandbox",
              "gross_amount": 50_700, "fee": 700, "credit_amount": 50_000, "state": state,
              "created_at": NOW, "updated_at": NOW, **extra}  # fmt: skip
    names = ", ".join(values)
    db.execute(
        f"INSERT INTO payment_intents ({names}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )


def _credit(db, key, amount=5000, balance_after=5000):
    db.execute(
        "INSERT INTO wallet_entries (user_id, kind, amount, created_at, balance_after, credit_key)"
        " VALUES (42, 'topup', ?, ?, ?, ?)",
        [amount, NOW, balance_after, key],
    )


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = open_database(path)
    _user(db)
    db.conn.close()
    return path


def test_an_older_database_is_upgraded_and_keeps_its_wallets(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = connect(path)
    migrate(old, target=MONEY_IN - 1)
    _user(old)
    Ledger(old).db.execute(
        "INSERT INTO wallet_entries (user_id, kind, amount, created_at, balance_after)"
        " VALUES (42, 'topup', 7000, ?, 7000)",
        [NOW],
    )
    old.conn.close()
    db = open_database(path)
    assert {
        "payment_intents",
        "intent_events",
        "gateway_messages",
        "deposit_tickets",
        "ticket_events",
    } <= set(db.table_names())
    assert Ledger(db).balance(42) == 7000
    assert [e.amount for e in Ledger(db).statement(42)] == [
        7000
    ]  # the new column does not disturb the ledger


SECOND_CREDIT = (  # each one balanced right, so only the one-credit-per-key rule can refuse it
    "INSERT INTO wallet_entries (user_id, kind, amount, created_at, balance_after, credit_key)"
    " VALUES (42, 'topup', 5000, 'x', 10000, 'qris:LQ1')",
    "INSERT OR REPLACE INTO wallet_entries (user_id, kind, amount, created_at, balance_after, credit_key)"
    " VALUES (42, 'topup', 9000, 'x', 14000, 'qris:LQ1')",
    "REPLACE INTO wallet_entries (user_id, kind, amount, created_at, balance_after, credit_key)"
    " VALUES (42, 'topup', 1, 'x', 5001, 'qris:LQ1')",
)


@pytest.mark.parametrize("only", ["both", "wallet_entries_credit_once", "wallet_entries_credit_no_replace"])
def test_one_credit_per_key_even_by_replace_from_a_plain_connection(path, only):
    """The unique index and the trigger each refuse a second credit alone (the other dropped
    here); REPLACE, which deletes the row it conflicts with, only the trigger can refuse."""
    db = open_database(path)
    _credit(db, "qris:LQ1")
    if only == "wallet_entries_credit_once":
        db.execute("DROP TRIGGER wallet_entries_credit_no_replace")
    elif only == "wallet_entries_credit_no_replace":
        db.execute("DROP INDEX wallet_entries_credit_once")
    before = snapshot(db)
    conn = _plain(path)
    for sql in SECOND_CREDIT if only != "wallet_entries_credit_once" else SECOND_CREDIT[:1]:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE wallet_entries SET credit_key = 'qris:LQ2'")
    conn.close()
    assert snapshot(db) == before
    _credit(db, None, 100, 5100)  # entries without a key (top-ups, debits) are as before
    _credit(db, None, 100, 5200)


@pytest.mark.parametrize("from_state", list(IntentState))
def test_the_database_knows_the_same_intent_state_machine(path, from_state):
    db = open_database(path)
    for to_state in IntentState:
        if to_state is from_state:
            continue
        order = f"LQ{from_state.value[:3]}{to_state.value[:3]}"
        _intent(db, order, from_state.value)
        conn = _plain(path)
        try:
            conn.execute("UPDATE payment_intents SET state = ? WHERE order_id = ?", [to_state.value, order])
            moved = True
        except sqlite3.IntegrityError:
            moved = False
        conn.close()
        assert moved == (to_state in INTENT_TRANSITIONS[from_state]), (from_state, to_state)


def test_an_intents_amount_owner_and_settled_facts_never_change(path):
    db = open_database(path)
    _intent(db, "LQ1", "PAID", paid_at=NOW, bill_step="paid")
    _intent(db, "LQ2", "PENDING")
    for sql in (
        "UPDATE payment_intents SET gross_amount = 1",
        "UPDATE payment_intents SET credit_amount = 99999999",
        "UPDATE payment_intents SET user_id = 7",
        "UPDATE payment_intents SET order_id = 'LQ9' WHERE order_id = 'LQ2'",
        "UPDATE payment_intents SET paid_at = NULL WHERE order_id = 'LQ1'",
        "UPDATE payment_intents SET late = 1 WHERE order_id = 'LQ1'",
        "UPDATE payment_intents SET bill_step = 'todo' WHERE order_id = 'LQ1'",
        "DELETE FROM payment_intents",
        "INSERT OR REPLACE INTO payment_intents (order_id, user_id, purpose, gateway, gross_amount, fee,"
        " credit_amount, state, created_at, updated_at)"
        " VALUES ('LQ2', 42, 'topup', 'x', 1, 0, 1, 'PAID', 'x', 'x')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(sql)
    db.execute(
        "UPDATE payment_intents SET checks = 3, next_check_at = 'x' WHERE order_id = 'LQ2'"
    )  # open: fine


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"gross_amount": 50_000}, "gross = credit + fee"),
        ({"fee": -1, "gross_amount": 49_999}, "fee >= 0"),
        ({"gross_amount": 50_700.5}, "integer"),
        ({"order_id": "LQ 1"}, "Midtrans's order_id charset"),
        ({"order_id": "L" * 51}, "at most 50"),
        ({"purpose": "bill"}, "a bill intent names its bill"),
        ({"bill_ref": "LK1"}, "a top-up names none"),
        ({"state": "SETTLED"}, "a known state"),
    ],
)
def test_intent_rows_that_make_no_sense_are_refused(path, values, why):
    db = open_database(path)
    with pytest.raises(sqlite3.IntegrityError):
        _intent(db, **values)


def test_order_ids_take_midtrans_symbols(path):
    db = open_database(path)
    _intent(db, "LQ-2026_03.01~x")


def test_the_logs_are_append_only(path):
    db = open_database(path)
    _intent(db)
    db.execute(
        "INSERT INTO intent_events (order_id, to_state, cause, created_at) VALUES ('LQ1', 'PENDING', 'x', ?)",
        [NOW],
    )
    db.execute("INSERT INTO gateway_messages (order_id, kind, created_at) VALUES ('LQ1', 'status', ?)", [NOW])
    conn = _plain(path)
    for sql in (
        "UPDATE intent_events SET cause = 'forged'",
        "DELETE FROM intent_events",
        "REPLACE INTO intent_events (event_id, order_id, to_state, cause, created_at)"
        " VALUES (1, 'LQ1', 'PAID', 'f', 'x')",
        "UPDATE gateway_messages SET raw = '{}'",
        "DELETE FROM gateway_messages",
        "REPLACE INTO gateway_messages (message_id, order_id, kind, created_at)"
        " VALUES (1, 'LQ1', 'charge', 'x')",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()
