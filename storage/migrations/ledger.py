"""v1: the ledger itself. Users, transactions, wallet entries and transaction events, with the
append-only, final-state and fixed-amount triggers.

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
