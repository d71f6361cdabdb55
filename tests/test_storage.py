"""storage.db and bot.payments.ledger: migrations, pragmas and the append-only rules in the database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.payments.ledger import Ledger
from bot.payments.models import TRANSITIONS, EntryKind, TxState
from storage.db import connect, migrate, open_database, schema_version
from storage.migrations import LATEST_VERSION

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def _user(db, user_id=42):
    db.execute(
        "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)",
        [user_id, NOW.isoformat(), NOW.isoformat()],
    )


def _tx(db, ref_id="LK1", state="INQUIRED", user_id=42):
    db.execute(
        "INSERT INTO transactions (ref_id, user_id, provider, product_code, customer_number, bill,"
        " bill_total, markup, amount, state, created_at, updated_at)"
        " VALUES (?, ?, 'fake', 'TELKOMPSTN', '0211', '{}', 1000, 100, 1100, ?, ?, ?)",
        [ref_id, user_id, state, NOW.isoformat(), NOW.isoformat()],
    )


@pytest.fixture
def db(tmp_path):
    return open_database(tmp_path / "db.sqlite3")


def test_open_database_creates_folder_and_file_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "deep" / "er" / "loket.sqlite3"
    db = open_database(path)
    assert path.exists()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert schema_version(db) == LATEST_VERSION
    expected = {
        "users", "transactions", "wallet_entries", "transaction_events", "status_checks",
        "ptb_data", "ptb_conversations", "schema_migrations",
    }  # fmt: skip
    assert expected <= set(db.table_names())


def test_ptb_tables_have_the_contract_columns_and_keys(db):
    assert [c.name for c in db["ptb_data"].columns] == ["kind", "key", "data"]
    assert db["ptb_data"].pks == ["kind", "key"]
    assert [c.name for c in db["ptb_conversations"].columns] == ["name", "key", "state"]
    assert db["ptb_conversations"].pks == ["name", "key"]


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "db.sqlite3"
    open_database(path)
    db = open_database(path)
    versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, LATEST_VERSION + 1))


def test_a_v1_database_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = connect(path)
    assert migrate(old, target=1) == 1
    assert "ptb_data" not in old.table_names()
    _user(old)
    _tx(old)
    old.execute(
        "INSERT INTO wallet_entries (user_id, kind, amount, created_at, balance_after)"
        " VALUES (42, 'topup', 5000, ?, 5000)",
        [NOW.isoformat()],
    )
    old.conn.close()

    db = open_database(path)
    assert schema_version(db) == LATEST_VERSION
    assert {"ptb_data", "ptb_conversations", "status_checks"} <= set(db.table_names())
    ledger = Ledger(db)
    assert ledger.balance(42) == 5000
    assert db.execute("SELECT ref_id FROM transactions").fetchall() == [("LK1",)]


def test_wallet_entries_are_append_only(db):
    _user(db)
    entry = Ledger(db).add_entry(42, EntryKind.TOPUP, 5000, NOW)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE wallet_entries SET amount = 9000 WHERE entry_id = ?", [entry.entry_id])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM wallet_entries")
    assert Ledger(db).balance(42) == 5000


def test_deposit_reports_are_append_only_whole_rupiah(db):
    ledger = Ledger(db)
    assert ledger.last_deposit("iak") is None
    ledger.record_deposit("iak", 997_161_249, None, NOW)
    assert ledger.last_deposit("iak") == (997_161_249, NOW) and ledger.last_deposit("ayoconnect") is None
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE deposit_reports SET amount = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM deposit_reports")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO deposit_reports (provider, amount, created_at) VALUES ('iak', 1.5, 'x')")


def test_transaction_events_are_append_only(db):
    _user(db)
    _tx(db)
    db.execute(
        "INSERT INTO transaction_events (ref_id, to_state, cause, created_at)"
        " VALUES ('LK1', 'INQUIRED', 'x', ?)",
        [NOW.isoformat()],
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE transaction_events SET cause = 'y'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM transaction_events")


@pytest.mark.parametrize("final", ["SUCCESS", "FAILED", "CANCELLED", "EXPIRED"])
def test_a_final_state_never_changes_in_the_database(db, final):
    _user(db)
    _tx(db, state=final)
    with pytest.raises(sqlite3.IntegrityError, match="final state"):
        db.execute("UPDATE transactions SET state = 'PENDING' WHERE ref_id = 'LK1'")
    db.execute("UPDATE transactions SET notify = '{\"chat_id\": 1}' WHERE ref_id = 'LK1'")  # other columns ok
    assert db.execute("SELECT state FROM transactions").fetchone()[0] == final


def test_the_confirmed_amount_never_changes_and_transactions_are_never_deleted(db):
    _user(db)
    _tx(db)
    with pytest.raises(sqlite3.IntegrityError, match="amount"):
        db.execute("UPDATE transactions SET amount = 1, bill_total = 1, markup = 0")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        db.execute("DELETE FROM transactions")


def test_a_balance_can_never_go_negative(db):
    _user(db)
    _tx(db)
    ledger = Ledger(db)
    ledger.add_entry(42, EntryKind.TOPUP, 1000, NOW)
    with pytest.raises(sqlite3.IntegrityError, match="negative"):
        ledger.add_entry(42, EntryKind.DEBIT, -1100, NOW, ref_id="LK1")
    with pytest.raises(sqlite3.IntegrityError, match="negative"):
        db.execute(
            "INSERT INTO wallet_entries (user_id, kind, amount, ref_id, created_at, balance_after)"
            " VALUES (42, 'debit', -1100, 'LK1', ?, 0)",
            [NOW.isoformat()],
        )
    assert ledger.balance(42) == 1000


def test_a_transaction_has_at_most_one_debit_and_one_refund(db):
    _user(db)
    _tx(db)
    ledger = Ledger(db)
    ledger.add_entry(42, EntryKind.TOPUP, 5000, NOW)
    ledger.add_entry(42, EntryKind.DEBIT, -1100, NOW, ref_id="LK1")
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE|one debit"):
        ledger.add_entry(42, EntryKind.DEBIT, -1100, NOW, ref_id="LK1")
    ledger.add_entry(42, EntryKind.REFUND, 1100, NOW, ref_id="LK1")
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE|one refund"):
        ledger.add_entry(42, EntryKind.REFUND, 1100, NOW, ref_id="LK1")
    assert ledger.balance(42) == 5000


@pytest.mark.parametrize("kind, amount", [("topup", -5), ("refund", -5), ("debit", 5), ("adjustment", 0)])
def test_entry_signs_are_checked(db, kind, amount):
    _user(db)
    _tx(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO wallet_entries (user_id, kind, amount, ref_id, created_at, balance_after)"
            " VALUES (42, ?, ?, 'LK1', ?, 100)",
            [kind, amount, NOW.isoformat()],
        )


@pytest.mark.parametrize("ref_id", ["LK-1", "LK 1", "", "A" * 21, "LKé1"])
def test_ref_ids_are_alphanumeric_and_short(db, ref_id):
    _user(db)
    with pytest.raises(sqlite3.IntegrityError):
        _tx(db, ref_id=ref_id)


def test_a_transaction_needs_a_known_user(db):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        _tx(db, user_id=999)


def test_ledger_transaction_rolls_back_on_error(db):
    _user(db)
    ledger = Ledger(db)
    with pytest.raises(RuntimeError), ledger.transaction():
        ledger.add_entry(42, EntryKind.TOPUP, 5000, NOW)
        raise RuntimeError("boom")
    assert ledger.balance(42) == 0
    with ledger.transaction():
        ledger.add_entry(42, EntryKind.TOPUP, 7000, NOW)
    assert ledger.balance(42) == 7000


def test_naive_datetimes_are_refused(db):
    _user(db)
    with pytest.raises(ValueError, match="naive"):
        Ledger(db).add_entry(42, EntryKind.TOPUP, 5, datetime(2026, 1, 1))


def _plain(path):
    """A connection like the sqlite3 shell's: no recursive_triggers, no foreign keys."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    return conn


def test_replace_cannot_rewrite_append_only_rows_even_from_a_plain_connection(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = open_database(path)
    _user(db)
    _tx(db, state="SUCCESS")
    ledger = Ledger(db)
    ledger.add_entry(42, EntryKind.TOPUP, 5000, NOW)
    db.execute(
        "INSERT INTO transaction_events (ref_id, to_state, cause, created_at)"
        " VALUES ('LK1', 'SUCCESS', 'x', ?)",
        [NOW.isoformat()],
    )
    db.execute(
        "INSERT INTO status_checks (ref_id, state, cause, outcome, created_at)"
        " VALUES ('LK1', 'SUCCESS', 'status', 'SUCCESS', ?)",
        [NOW.isoformat()],
    )
    from tests.core_fakes import snapshot

    before = snapshot(db)
    conn = _plain(path)
    forged = [
        "INSERT OR REPLACE INTO wallet_entries (entry_id, user_id, kind, amount, created_at, balance_after)"
        " VALUES (1, 42, 'topup', 900000, 'x', 905000)",
        "REPLACE INTO transaction_events (event_id, ref_id, to_state, cause, created_at)"
        " VALUES (1, 'LK1', 'FAILED', 'forged', 'x')",
        "REPLACE INTO status_checks (check_id, ref_id, state, cause, outcome, created_at)"
        " VALUES (1, 'LK1', 'FAILED', 'forged', 'FAILED', 'x')",
        "REPLACE INTO transactions (ref_id, user_id, provider, product_code, customer_number, bill,"
        " bill_total, markup, amount, state, created_at, updated_at)"
        " VALUES ('LK1', 42, 'f', 'X', '1', '{}', 1, 0, 1, 'PENDING', 'x', 'x')",
    ]
    for sql in forged:
        with pytest.raises(sqlite3.IntegrityError, match=r"append-only|never replaced"):
            conn.execute(sql)
    conn.close()
    assert snapshot(db) == before


def test_a_second_refund_cannot_replace_the_first(db):
    _user(db)
    _tx(db)
    ledger = Ledger(db)
    ledger.add_entry(42, EntryKind.TOPUP, 5000, NOW)
    ledger.add_entry(42, EntryKind.DEBIT, -1100, NOW, ref_id="LK1")
    ledger.add_entry(42, EntryKind.REFUND, 1100, NOW, ref_id="LK1")
    with pytest.raises(sqlite3.IntegrityError, match="one debit and one refund"):
        db.execute(
            "INSERT OR REPLACE INTO wallet_entries (user_id, kind, amount, ref_id, created_at, balance_after)"
            " VALUES (42, 'refund', 1100, 'LK1', ?, 6100)",
            [NOW.isoformat()],
        )
    assert [e.kind for e in ledger.entries_for("LK1")] == [EntryKind.DEBIT, EntryKind.REFUND]


@pytest.mark.parametrize("from_state", list(TxState))
def test_the_database_knows_the_same_state_machine(tmp_path, from_state):
    """Raw SQL, bypassing bot/payments/states.py, can make exactly the moves in TRANSITIONS."""
    path = tmp_path / "db.sqlite3"
    db = open_database(path)
    _user(db)
    for to_state in TxState:
        if to_state is from_state:
            continue
        ref = f"LK{from_state.value[:3]}{to_state.value[:3]}"
        _tx(db, ref_id=ref, state=from_state.value)
        conn = _plain(path)
        try:
            conn.execute("UPDATE transactions SET state = ? WHERE ref_id = ?", [to_state.value, ref])
            moved = True
        except sqlite3.IntegrityError:
            moved = False
        conn.close()
        assert moved == (to_state in TRANSITIONS[from_state]), (from_state, to_state)


def test_a_settled_receipt_never_changes_but_notify_may(db):
    _user(db)
    _tx(db, state="SUCCESS")
    for column, value in [("biller_ref", "FORGED"), ("bill", '{"x": 1}'), ("customer_number", "999"),
                          ("paid_at", "x"), ("reason", "ok"), ("cost", 1)]:  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError, match="never change"):
            db.execute(f"UPDATE transactions SET {column} = ? WHERE ref_id = 'LK1'", [value])
    db.execute("UPDATE transactions SET notify = '{}', flagged = 1 WHERE ref_id = 'LK1'")
    _tx(db, ref_id="LK2", state="PENDING")
    db.execute("UPDATE transactions SET biller_ref = 'B', checks = 3 WHERE ref_id = 'LK2'")  # open: fine
    with pytest.raises(sqlite3.IntegrityError, match="never change"):
        db.execute("UPDATE transactions SET bill = '{}x' WHERE ref_id = 'LK2'")


def test_a_v2_database_is_upgraded_to_refuse_replace(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = connect(path)
    assert migrate(old, target=2) == 2
    _user(old)
    old.execute(
        "INSERT INTO wallet_entries (user_id, kind, amount, created_at, balance_after)"
        " VALUES (42, 'topup', 5000, ?, 5000)",
        [NOW.isoformat()],
    )
    old.conn.close()
    conn = _plain(path)
    conn.execute(  # before v3: the forgery went through
        "REPLACE INTO wallet_entries (entry_id, user_id, kind, amount, created_at, balance_after)"
        " VALUES (1, 42, 'topup', 6000, 'x', 11000)"
    )
    conn.close()
    db = open_database(path)
    assert schema_version(db) == LATEST_VERSION >= 3
    assert Ledger(db).balance(42) == 6000  # data kept
    conn = _plain(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(
            "REPLACE INTO wallet_entries (entry_id, user_id, kind, amount, created_at, balance_after)"
            " VALUES (1, 42, 'topup', 7000, 'x', 13000)"
        )
    conn.close()


def test_v5_counts_payments_settled_before_it_as_told_and_notices_are_append_only(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = connect(path)
    assert migrate(old, target=4) == 4
    _user(old)
    for ref, state in (("LK1", "SUCCESS"), ("LK2", "FAILED"), ("LK3", "PENDING"), ("LK4", "CANCELLED")):
        _tx(old, ref, state)
    old.conn.close()
    db = open_database(path)
    told = db.execute("SELECT ref_id, state, delivered FROM notices ORDER BY ref_id").fetchall()
    assert told == [("LK1", "SUCCESS", 1), ("LK2", "FAILED", 1)]  # nobody hears of old payments again
    assert Ledger(db).untold(NOW - timedelta(days=7)) == []
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE notices SET delivered = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM notices")
