"""v2: status answers that moved nothing (append-only), and the python-telegram-bot persistence's
first tables (rebuilt by v6).

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
