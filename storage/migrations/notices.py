"""v5: whether the owner was told of a settled payment (append-only, one row per attempt).

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
