"""Opening Loket's SQLite database: WAL, foreign keys, a busy timeout and versioned migrations.

The database is the money's source of truth, so an existing file is only ever upgraded, never
dropped: `schema_migrations` records each applied version and `migrate()` applies the missing
ones in order, each in its own transaction. Append-only rules are enforced by triggers in the
database itself, so no code path (or hand-typed SQL) can rewrite a wallet entry, an event or a
settled transaction. That includes `REPLACE`, which deletes the old row without firing DELETE
triggers on a connection without `recursive_triggers` (a plain sqlite3 shell): v3 refuses it
at INSERT.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000

_V1 = """
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,             -- the Telegram user id
    name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'id',
    role TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'reseller', 'admin')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE transactions (
    ref_id TEXT PRIMARY KEY CHECK (ref_id GLOB '[A-Za-z0-9]*' AND ref_id NOT GLOB '*[^A-Za-z0-9]*'
                                   AND length(ref_id) BETWEEN 1 AND 20),
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    provider TEXT NOT NULL,
    product_code TEXT NOT NULL,
    product_name TEXT NOT NULL DEFAULT '',
    customer_number TEXT NOT NULL,
    customer_name TEXT NOT NULL DEFAULT '',
    bill TEXT NOT NULL,                      -- the bill as inquired (JSON)
    bill_total INTEGER NOT NULL CHECK (bill_total >= 0),
    markup INTEGER NOT NULL CHECK (markup >= 0),
    amount INTEGER NOT NULL CHECK (amount = bill_total + markup),
    cost INTEGER,
    provider_ref TEXT NOT NULL DEFAULT '',   -- IAK tr_id / Ayoconnect inquiryId
    provider_txn_id TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('INQUIRED', 'CANCELLED', 'EXPIRED', 'PAYING', 'PENDING',
                                         'SUCCESS', 'FAILED')),
    reason TEXT,
    provider_code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    biller_ref TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    paid_at TEXT,
    settled_at TEXT,
    next_check_at TEXT,
    checks INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    notify TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX transactions_user ON transactions(user_id, created_at);
CREATE INDEX transactions_customer ON transactions(customer_number);
CREATE INDEX transactions_open ON transactions(state, next_check_at);

CREATE TABLE wallet_entries (
    entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    kind TEXT NOT NULL CHECK (kind IN ('topup', 'debit', 'refund', 'adjustment')),
    amount INTEGER NOT NULL CHECK (
        amount != 0
        AND (kind NOT IN ('topup', 'refund') OR amount > 0)
        AND (kind != 'debit' OR amount < 0)
    ),
    ref_id TEXT REFERENCES transactions(ref_id),
    actor_id INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    CHECK (kind NOT IN ('debit', 'refund') OR ref_id IS NOT NULL)
);
CREATE INDEX wallet_entries_user ON wallet_entries(user_id, entry_id);
-- a transaction has at most one debit and at most one refund
CREATE UNIQUE INDEX wallet_entries_once ON wallet_entries(ref_id, kind)
    WHERE kind IN ('debit', 'refund');

CREATE TABLE transaction_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref_id TEXT NOT NULL REFERENCES transactions(ref_id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    cause TEXT NOT NULL,
    reason TEXT,
    provider_code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX transaction_events_ref ON transaction_events(ref_id, event_id);

CREATE TRIGGER wallet_entries_no_update BEFORE UPDATE ON wallet_entries
BEGIN SELECT RAISE(ABORT, 'wallet_entries are append-only'); END;
CREATE TRIGGER wallet_entries_no_delete BEFORE DELETE ON wallet_entries
BEGIN SELECT RAISE(ABORT, 'wallet_entries are append-only'); END;
CREATE TRIGGER wallet_entries_not_negative BEFORE INSERT ON wallet_entries
WHEN (SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE user_id = NEW.user_id) + NEW.amount < 0
  OR NEW.balance_after !=
     (SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE user_id = NEW.user_id) + NEW.amount
BEGIN SELECT RAISE(ABORT, 'a wallet balance can never go negative'); END;

CREATE TRIGGER transaction_events_no_update BEFORE UPDATE ON transaction_events
BEGIN SELECT RAISE(ABORT, 'transaction_events are append-only'); END;
CREATE TRIGGER transaction_events_no_delete BEFORE DELETE ON transaction_events
BEGIN SELECT RAISE(ABORT, 'transaction_events are append-only'); END;

CREATE TRIGGER transactions_final_state BEFORE UPDATE OF state ON transactions
WHEN OLD.state IN ('SUCCESS', 'FAILED', 'CANCELLED', 'EXPIRED') AND NEW.state != OLD.state
BEGIN SELECT RAISE(ABORT, 'a final state never changes'); END;
CREATE TRIGGER transactions_amount_fixed BEFORE UPDATE OF amount, bill_total, markup, user_id
ON transactions
WHEN NEW.amount != OLD.amount OR NEW.bill_total != OLD.bill_total OR NEW.markup != OLD.markup
  OR NEW.user_id != OLD.user_id
BEGIN SELECT RAISE(ABORT, 'the confirmed amount never changes'); END;
CREATE TRIGGER transactions_no_delete BEFORE DELETE ON transactions
BEGIN SELECT RAISE(ABORT, 'transactions are never deleted'); END;
"""

_V2 = """
-- status answers that did not move a transaction (still pending, no record yet): append-only
CREATE TABLE status_checks (
    check_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref_id TEXT NOT NULL REFERENCES transactions(ref_id),
    state TEXT NOT NULL,
    cause TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    provider_code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX status_checks_ref ON status_checks(ref_id, check_id);
CREATE TRIGGER status_checks_no_update BEFORE UPDATE ON status_checks
BEGIN SELECT RAISE(ABORT, 'status_checks are append-only'); END;
CREATE TRIGGER status_checks_no_delete BEFORE DELETE ON status_checks
BEGIN SELECT RAISE(ABORT, 'status_checks are append-only'); END;

-- python-telegram-bot persistence (storage/persistence.py)
CREATE TABLE IF NOT EXISTS ptb_data (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'chat', 'bot')),
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS ptb_conversations (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT,
    PRIMARY KEY (name, key)
);
"""

_V3 = """
-- REPLACE (INSERT OR REPLACE, REPLACE INTO) deletes the conflicting row first; without
-- PRAGMA recursive_triggers (the sqlite3 shell's default) no DELETE trigger sees that, so an
-- append-only row could be rewritten. Refuse the INSERT itself when the row already exists.
CREATE TRIGGER wallet_entries_no_replace BEFORE INSERT ON wallet_entries
WHEN EXISTS (SELECT 1 FROM wallet_entries WHERE entry_id = NEW.entry_id)
  OR (NEW.kind IN ('debit', 'refund')
      AND EXISTS (SELECT 1 FROM wallet_entries WHERE ref_id = NEW.ref_id AND kind = NEW.kind))
BEGIN SELECT RAISE(ABORT, 'wallet_entries are append-only: one debit and one refund per transaction'); END;
CREATE TRIGGER transaction_events_no_replace BEFORE INSERT ON transaction_events
WHEN EXISTS (SELECT 1 FROM transaction_events WHERE event_id = NEW.event_id)
BEGIN SELECT RAISE(ABORT, 'transaction_events are append-only'); END;
CREATE TRIGGER status_checks_no_replace BEFORE INSERT ON status_checks
WHEN EXISTS (SELECT 1 FROM status_checks WHERE check_id = NEW.check_id)
BEGIN SELECT RAISE(ABORT, 'status_checks are append-only'); END;
CREATE TRIGGER transactions_no_replace BEFORE INSERT ON transactions
WHEN EXISTS (SELECT 1 FROM transactions WHERE ref_id = NEW.ref_id)
BEGIN SELECT RAISE(ABORT, 'transactions are never replaced'); END;

-- the state machine in the database too: bot/payments/models.py TRANSITIONS as FROM>TO
-- (tests/test_storage.py checks they agree; final states are refused by transactions_final_state)
CREATE TRIGGER transactions_legal_move BEFORE UPDATE OF state ON transactions
WHEN NEW.state != OLD.state AND OLD.state NOT IN ('SUCCESS', 'FAILED', 'CANCELLED', 'EXPIRED')
  AND (OLD.state || '>' || NEW.state) NOT IN (
      'INQUIRED>CANCELLED', 'INQUIRED>EXPIRED', 'INQUIRED>PAYING',
      'PAYING>SUCCESS', 'PAYING>FAILED', 'PAYING>PENDING', 'PENDING>SUCCESS', 'PENDING>FAILED')
BEGIN SELECT RAISE(ABORT, 'illegal state transition'); END;

-- what a receipt shows months later: the bill never changes, nor a settled outcome
CREATE TRIGGER transactions_receipt_fixed BEFORE UPDATE ON transactions
WHEN NEW.ref_id IS NOT OLD.ref_id OR NEW.bill IS NOT OLD.bill
  OR NEW.customer_number IS NOT OLD.customer_number OR NEW.product_code IS NOT OLD.product_code
  OR NEW.provider IS NOT OLD.provider OR NEW.cost IS NOT OLD.cost OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.state IN ('SUCCESS', 'FAILED', 'CANCELLED', 'EXPIRED') AND (
      NEW.biller_ref IS NOT OLD.biller_ref OR NEW.provider_txn_id IS NOT OLD.provider_txn_id
      OR NEW.reason IS NOT OLD.reason OR NEW.paid_at IS NOT OLD.paid_at
      OR NEW.settled_at IS NOT OLD.settled_at OR NEW.customer_name IS NOT OLD.customer_name
      OR NEW.product_name IS NOT OLD.product_name))
BEGIN SELECT RAISE(ABORT, 'a transaction''s bill and settled receipt never change'); END;
"""


def _script(sql: str) -> Callable[[sqlite_utils.Database], None]:
    def apply(db: sqlite_utils.Database) -> None:
        # split on ";\n" boundaries that end a statement; triggers hold inner ";" before END
        statement = ""
        for line in sql.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                if statement.strip():
                    db.execute(statement)
                statement = ""

    return apply


_V4 = """
-- The deposit balance each biller answer carried (IAK reports it in pay and status answers and
-- has no balance call): /deposit shows the last one, also after a restart. Append-only.
CREATE TABLE deposit_reports (
    report_id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer'),
    ref_id TEXT REFERENCES transactions(ref_id),
    created_at TEXT NOT NULL
);
CREATE TRIGGER deposit_reports_no_update BEFORE UPDATE ON deposit_reports
BEGIN SELECT RAISE(ABORT, 'deposit_reports are append-only'); END;
CREATE TRIGGER deposit_reports_no_delete BEFORE DELETE ON deposit_reports
BEGIN SELECT RAISE(ABORT, 'deposit_reports are append-only'); END;
"""


_V5 = """
-- Whether the owner was told of a settled payment. The news goes out after the commit, so a crash
-- or a Telegram outage in between must not swallow it: an outcome without a delivered notice is
-- told again (bot/payments/service.py, retell). Append-only: one row per attempt.
CREATE TABLE notices (
    notice_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref_id TEXT NOT NULL REFERENCES transactions(ref_id),
    state TEXT NOT NULL,
    delivered INTEGER NOT NULL CHECK (delivered IN (0, 1)),
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX notices_ref ON notices(ref_id, notice_id);
CREATE TRIGGER notices_no_update BEFORE UPDATE ON notices
BEGIN SELECT RAISE(ABORT, 'notices are append-only'); END;
CREATE TRIGGER notices_no_delete BEFORE DELETE ON notices
BEGIN SELECT RAISE(ABORT, 'notices are append-only'); END;
-- payments settled before this version were told then (or never will be): not told again
INSERT INTO notices (ref_id, state, delivered, error, created_at)
SELECT ref_id, state, 1, 'settled before v5', coalesce(settled_at, updated_at)
FROM transactions WHERE state IN ('SUCCESS', 'FAILED');
"""


# (version, name, apply). Append new versions; never edit a released one.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "users, transactions, wallet entries, events, append-only triggers", _script(_V1)),
    (2, "status checks, PTB persistence tables", _script(_V2)),
    (3, "refuse REPLACE on append-only tables; state machine and receipt triggers", _script(_V3)),
    (4, "deposit balances reported by the biller", _script(_V4)),
    (5, "notices: the owner told of a settled payment", _script(_V5)),
]
LATEST_VERSION = MIGRATIONS[-1][0]


def connect(path: str | Path) -> sqlite_utils.Database:
    """A connection in autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA synchronous=FULL")  # money: a committed debit survives a power cut
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    if not db["schema_migrations"].exists():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database, target: int = LATEST_VERSION) -> int:
    """Apply the missing migrations up to `target`, each atomically. Returns the new version."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    for version, name, apply in MIGRATIONS:
        if version > target:
            break
        db.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(db) >= version:  # another process got there first
                db.execute("ROLLBACK")
                continue
            apply(db)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC).isoformat()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return schema_version(db)


def backup_before_migration(db: sqlite_utils.Database, path: str | Path) -> Path | None:
    """An existing database whose schema is about to change is first copied, verified, beside
    it: `<database>.before-v<new>-<UTC time>` (bot/ops/backup.py). None when nothing changes."""
    version = schema_version(db)
    if version == 0 or version >= LATEST_VERSION:
        return None
    from bot.ops.backup import backup  # stdlib only; imported here to keep storage's imports light

    path = Path(path).absolute()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = path.with_name(f"{path.name}.before-v{LATEST_VERSION}-{stamp}")
    backup(path, dest)
    logging.getLogger(__name__).warning(
        "database schema v%d is upgraded to v%d; a backup was taken first: %s", version, LATEST_VERSION, dest
    )
    return dest


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating the file and its folder on first run) and migrate Loket's database; an
    existing one is backed up before a migration changes its schema."""
    db = connect(path)
    backup_before_migration(db, path)
    migrate(db)
    return db
