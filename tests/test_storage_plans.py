"""Every query on a hot path finds its rows through an index, never by reading a whole table.

The SQL is captured from the real ledger and money-in store methods (sqlite3's trace callback)
and explained with EXPLAIN QUERY PLAN on the migrated schema, so a changed query or a lost
index fails here instead of slowing every payment once the ledger is big. On a ledger of
100,000 transactions (benchmarks/bench_scale.py) a SCAN here costs 30-200 ms per call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.moneyin.store import MoneyInStore
from bot.payments.ledger import Ledger
from storage.db import open_database

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(open_database(tmp_path / "plans.sqlite3"))


def plans(ledger: Ledger, call: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """(sql, plan lines) of every statement `call` runs."""
    seen: list[str] = []
    ledger.db.conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        ledger.db.conn.set_trace_callback(None)
    queries = [
        sql for sql in seen if sql.lstrip().upper().startswith("SELECT")
    ]  # not sqlite-utils' SAVEPOINTs
    assert queries, "the call ran no query"
    return [(sql, [row[3] for row in ledger.db.conn.execute("EXPLAIN QUERY PLAN " + sql)]) for sql in queries]


def hot_paths(ledger: Ledger) -> dict[str, Callable[[], Any]]:
    store = MoneyInStore(ledger.db)
    day = NOW - timedelta(days=1)
    return {
        "history": lambda: ledger.history(42, 10),
        "history count": lambda: ledger.count_history(42),
        "LAP (one user's day)": lambda: ledger.paid_between(day, NOW, 42),
        "/stats, daily report (everyone's day)": lambda: ledger.paid_between(day, NOW),
        "MUTASI": lambda: ledger.statement(42, 10),
        "balance": lambda: ledger.balance(42),
        "STATUS by number": lambda: ledger.by_customer("0218000001", 42),
        "STATUS by number (operator)": lambda: ledger.by_customer("0218000001", None),
        "pay: bill being paid": lambda: ledger.open_payment_of_bill("TELKOMPSTN", "0218000001", "LKX"),
        "pay: stale bill": lambda: ledger.succeeded_after("TELKOMPSTN", "0218000001", day, "LKX"),
        "follow-up: due": lambda: ledger.due(NOW),
        "follow-up: next due": lambda: ledger.next_due_at(),
        "recovery: open payments": lambda: ledger.open_refs(),
        "follow-up: untold outcomes": lambda: ledger.untold(NOW - timedelta(days=7)),
        "entries of a payment": lambda: ledger.entries_for("LKX"),
        "provider acknowledged": lambda: ledger.provider_acknowledged("LKX"),
        "events": lambda: ledger.events("LKX"),
        "QRIS follow-up: due intents": lambda: store.due_intents(NOW, "sandbox"),
        "QRIS: open intents": lambda: store.open_intents("sandbox"),
        "QRIS: bills to pay": lambda: store.bills_to_pay("sandbox"),
    }


def test_no_hot_path_query_reads_a_whole_table(ledger: Ledger) -> None:
    scans = []
    for name, call in hot_paths(ledger).items():
        for sql, lines in plans(ledger, call):
            scans += [
                f"{name}: {line}  <- {sql}"
                for line in lines
                if line.startswith("SCAN ") and line != "SCAN CONSTANT ROW"
            ]
    assert not scans, "\n".join(scans)


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("pay: stale bill", "transactions_bill"),
        ("pay: bill being paid", "transactions_bill"),
        ("STATUS by number", "transactions_customer_user"),
        ("follow-up: untold outcomes", "transactions_settled"),
        ("/stats, daily report (everyone's day)", "transactions_paid"),
        ("entries of a payment", "wallet_entries_ref"),
    ],
)
def test_the_hot_path_uses_its_index(ledger: Ledger, name: str, index: str) -> None:
    """Not just any index: the one made for it (another one may read every SUCCESS row)."""
    ((_sql, lines), *_) = plans(ledger, hot_paths(ledger)[name])
    assert any(f"INDEX {index} " in line for line in lines), lines


def test_the_one_debit_one_refund_trigger_finds_entries_by_index(ledger: Ledger) -> None:
    """wallet_entries_no_replace (v3) runs this lookup on every debit and refund (every payment):
    the partial unique index cannot serve `kind = NEW.kind`, wallet_entries_ref can."""
    trigger = ledger.db.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'wallet_entries_no_replace'"
    ).fetchone()[0]
    assert "WHERE ref_id = NEW.ref_id AND kind = NEW.kind" in trigger  # the lookup explained below
    lines = [
        row[3]
        for row in ledger.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT 1 FROM wallet_entries WHERE ref_id = ? AND kind = ?", ["LKX", "debit"]
        )
    ]
    assert any("INDEX wallet_entries_ref " in line for line in lines), lines
