"""v4: the deposit balance each biller answer carried (append-only).

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
