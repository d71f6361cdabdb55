"""A big, realistic ledger for the scale benchmarks (bench_scale.py, bench_followup.py).

`build_ledger` fills a migrated Loket database with users, transactions in a realistic mix of
states (most paid, some failed and refunded, inquiries never paid, a few still pending), their
wallet entries, events, status checks and notices, and PTB persistence rows (chat data for every
user, a draft and an open guided conversation for some). Not a test: a fixture for figures.

It loads in bulk: the append-only triggers of wallet_entries and transaction_events are dropped
for the load and created again from their own SQL afterwards (the rows obey them by
construction: balance_after is the running sum, never negative, one debit and one refund per
transaction). `check_ledger` proves it afterwards with the rules' own sums.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.db import open_database

FIRST_USER = 100_000
PRODUCTS = (
    ("TELKOMPSTN", "Telkom Telepon / IndiHome", "021799"),
    ("PLNPOSTPAID", "PLN Pascabayar", "5300"),
    ("BPJS", "BPJS Kesehatan", "88888"),
    ("PDAMKOTA.BDG", "PDAM Kota Bandung", "1200"),
    ("HPTSEL", "Telkomsel Halo", "0811"),
)
BULK_TABLES = ("wallet_entries", "transaction_events")


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _bill(ref_id: str, code: str, number: str, name: str, total: int, at: datetime) -> str:
    admin = 2_500
    return json.dumps(
        {
            "provider": "sandbox", "ref_id": ref_id, "product_code": code, "customer_number": number,
            "customer_name": name, "periods": ["202611"],
            "lines": [{"period": "NOV 2026", "amount": total - admin, "admin": admin, "penalty": 0}],
            "nominal": total - admin, "admin": admin, "total": total, "cost": total - 1_500,
            "provider_ref": f"TR{ref_id[-8:]}", "details": {"Tarif/Daya": "R1/1300VA"},
            "inquired_at": _ts(at), "raw": {"response_code": "00", "tr_name": name},
        }
    )  # fmt: skip


def build_ledger(
    path: Path,
    *,
    users: int = 10_000,
    transactions: int = 100_000,
    conversations: int = 1_000,
    pending: int = 200,
    now: datetime | None = None,
    pending_due: datetime | None = None,
    paying_share: float = 0.1,
    days: float = 90,
    seed: int = 14,
) -> dict[str, int]:
    """Fill a new database at `path`; returns the row counts per table.

    The transactions are spread over the last `days`; the newest ones hold the `pending` open
    payments (`paying_share` of them PAYING, as a crash leaves them), next checked at
    `pending_due` (by default somewhere in the next hour)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    db = open_database(path)
    conn: sqlite3.Connection = db.conn
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (?, ?)", BULK_TABLES
    ).fetchall()
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN IMMEDIATE")
    for name, _sql in triggers:
        conn.execute(f"DROP TRIGGER {name}")

    ids = [FIRST_USER + i for i in range(users)]
    roles = ["reseller" if i % 20 == 0 else "customer" for i in range(users)]
    conn.executemany(
        "INSERT INTO users (user_id, name, language, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(u, f"User {u}", "en" if u % 7 == 0 else "id", r, _ts(now - timedelta(days=120)),
          _ts(now - timedelta(days=1))) for u, r in zip(ids, roles, strict=True)],
    )  # fmt: skip
    balance = {u: 0 for u in ids}
    entries: list[tuple[Any, ...]] = []

    def entry(user: int, kind: str, amount: int, ref: str | None, at: datetime, reason: str) -> None:
        entries.append((user, kind, amount, ref, 1 if kind == "topup" else None, reason, _ts(at)))

    for u in ids:  # every wallet starts with a top-up big enough for its share of payments
        entry(u, "topup", 900_000_000, None, now - timedelta(days=100), "opening")

    # resellers pay many more bills than customers (a fifth of the users make most payments)
    weights = [25 if r == "reseller" else 1 for r in roles]
    owners = rng.choices(ids, weights=weights, k=transactions)
    txs: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    checks: list[tuple[Any, ...]] = []
    notices: list[tuple[Any, ...]] = []
    counts: dict[str, int] = {}
    open_left = pending
    for i, user in enumerate(owners):
        created = now - timedelta(seconds=(transactions - i) * (days * 86400 / transactions))
        code, pname, prefix = PRODUCTS[i % len(PRODUCTS)]
        number = f"{prefix}{rng.randrange(10 ** (12 - len(prefix))):0{12 - len(prefix)}d}"
        ref = f"LK{created.strftime('%y%m%d%H%M%S')}{i:06d}"
        total = rng.randrange(50, 900) * 1_000 + 2_500
        markup = 1_500 if roles[user - FIRST_USER] == "customer" else 500
        roll = rng.random()
        if i >= transactions - pending * 3 and open_left > 0:
            state = "PENDING" if open_left > pending * paying_share else "PAYING"
            open_left -= 1
        elif roll < 0.82:
            state = "SUCCESS"
        elif roll < 0.88:
            state = "FAILED"
        elif roll < 0.95:
            state = "EXPIRED"
        else:
            state = "CANCELLED"
        counts[state] = counts.get(state, 0) + 1
        paid = state in ("SUCCESS", "FAILED", "PENDING", "PAYING")
        paid_at = created + timedelta(seconds=20) if paid else None
        settled = created + timedelta(seconds=22) if state != "PENDING" and state != "PAYING" else None
        if state == "PENDING":
            due = pending_due or now + timedelta(seconds=rng.randrange(5, 3600))
        else:
            due = None
        name = f"PELANGGAN {i % 997}"
        txs.append((
            ref, user, "sandbox", code, pname, number, name, _bill(ref, code, number, name, total, created),
            total, markup, total + markup, total - 1_500, f"TR{ref[-8:]}", f"TX{i}" if paid else "",
            state, {"FAILED": "payment_failed", "EXPIRED": "inquiry_expired"}.get(state),
            "00" if state == "SUCCESS" else "", "", f"NOREF{i}" if state == "SUCCESS" else "",
            _ts(created), _ts(settled or paid_at or created), _ts(paid_at) if paid_at else None,
            _ts(settled) if settled else None, _ts(due) if due else None, 1 if state == "PENDING" else 0,
            0, json.dumps({"chat_id": user, "message_id": 1000 + i}),
        ))  # fmt: skip
        events.append((ref, None, "INQUIRED", "inquiry", None, "", name, "{}", _ts(created)))
        if state in ("EXPIRED", "CANCELLED"):
            cause = "expire" if state == "EXPIRED" else "cancel"
            events.append(
                (ref, "INQUIRED", state, cause, None, "", "", "{}", _ts(created + timedelta(minutes=16)))
            )
            continue
        if state == "INQUIRED":
            continue
        assert paid_at is not None
        events.append((ref, "INQUIRED", "PAYING", "pay", None, "", "", "{}", _ts(paid_at)))
        entry(user, "debit", -(total + markup), ref, paid_at, f"payment {ref}")
        if state == "PENDING":
            events.append(
                (ref, "PAYING", "PENDING", "pay_answer", "in_process", "39", "", "{}", _ts(paid_at))
            )
            checks.append((ref, "PENDING", "status", "PENDING", "in_process", "39", "", "{}", _ts(paid_at)))
        elif state in ("SUCCESS", "FAILED"):
            assert settled is not None
            reason = "ok" if state == "SUCCESS" else "payment_failed"
            code_ = "00" if state == "SUCCESS" else "37"
            events.append((ref, "PAYING", state, "pay_answer", reason, code_, "", "{}", _ts(settled)))
            if state == "FAILED":
                entry(user, "refund", total + markup, ref, settled, f"refund {ref}")
            notices.append((ref, state, 1, "", _ts(settled)))
    conn.executemany(
        "INSERT INTO transactions (ref_id, user_id, provider, product_code, product_name, customer_number,"
        " customer_name, bill, bill_total, markup, amount, cost, provider_ref, provider_txn_id, state,"
        " reason, provider_code, message, biller_ref, created_at, updated_at, paid_at, settled_at,"
        " next_check_at, checks, flagged, notify) VALUES (" + ", ".join("?" * 27) + ")",
        txs,
    )
    conn.executemany(
        "INSERT INTO wallet_entries (user_id, kind, amount, ref_id, actor_id, reason, created_at,"
        " balance_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        running(sorted(entries, key=lambda e: e[6]), balance),  # in time order, as they happened
    )
    conn.executemany(
        "INSERT INTO transaction_events (ref_id, from_state, to_state, cause, reason, provider_code, message,"
        " raw, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )
    conn.executemany(
        "INSERT INTO status_checks (ref_id, state, cause, outcome, reason, provider_code, message, raw,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        checks,
    )
    conn.executemany(
        "INSERT INTO notices (ref_id, state, delivered, error, created_at) VALUES (?, ?, ?, ?, ?)", notices
    )
    # PTB persistence: every chat the bot answered keeps its last message id; some users are
    # half-way through the guided payment (a draft and the conversation's step)
    conn.executemany(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('chat', ?, ?)",
        [(str(u), json.dumps({"last_message_id": 5000 + u % 1000})) for u in ids],
    )
    talking = rng.sample(ids, min(conversations, len(ids)))
    conn.executemany(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)",
        [(str(u), json.dumps({"pay_draft": {"category": "pln", "product": "PLNPOSTPAID"}})) for u in talking],
    )
    conn.executemany(
        "INSERT INTO ptb_conversations (name, key, state) VALUES ('pay', ?, ?)",
        [(json.dumps([u, u]), json.dumps(2)) for u in talking],
    )
    for _name, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    found = {
        table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in ("users", "transactions", "wallet_entries", "transaction_events", "status_checks",
                      "notices", "ptb_data", "ptb_conversations")
    }  # fmt: skip
    check_ledger(conn)
    conn.close()
    return found | {f"state {state}": n for state, n in sorted(counts.items())}


def running(entries: list[tuple[Any, ...]], balance: dict[int, int]) -> list[tuple[Any, ...]]:
    """Each entry with the balance after it, in the order given (wallets start at zero)."""
    rows = []
    for entry in entries:
        balance[entry[0]] += entry[2]
        assert balance[entry[0]] >= 0, "the opening top-up is too small for this user's payments"
        rows.append((*entry, balance[entry[0]]))
    return rows


def check_ledger(conn: sqlite3.Connection) -> None:
    """The loaded rows obey the rules the dropped triggers keep (raises AssertionError)."""
    bad = conn.execute(
        "SELECT count(*) FROM (SELECT user_id, max(entry_id) AS last, sum(amount) AS total"
        " FROM wallet_entries GROUP BY user_id) s JOIN wallet_entries w ON w.entry_id = s.last"
        " WHERE w.balance_after != s.total OR s.total < 0"
    ).fetchone()[0]
    assert bad == 0, f"{bad} wallets whose last balance_after is not their sum"
    twice = conn.execute(
        "SELECT count(*) FROM (SELECT ref_id, kind FROM wallet_entries WHERE kind IN ('debit', 'refund')"
        " GROUP BY ref_id, kind HAVING count(*) > 1)"
    ).fetchone()[0]
    assert twice == 0, "a transaction debited or refunded twice"


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        counts = build_ledger(
            Path(folder) / "scale.sqlite3", users=int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
        )
        print(f"built in {time.perf_counter() - started:.1f} s: {counts}")
