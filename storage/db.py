"""Opening Loket's SQLite database: WAL, foreign keys, a busy timeout and versioned migrations.

The database is the money's source of truth, so an existing file is only ever upgraded, never
dropped: `schema_migrations` records each applied version and `migrate()` applies the missing
ones in order, each in its own transaction. Append-only rules are enforced by triggers in the
database itself, so no code path (or hand-typed SQL) can rewrite a wallet entry, an event or a
settled transaction. That includes `REPLACE`, which deletes the old row without firing DELETE
triggers on a connection without `recursive_triggers` (a plain sqlite3 shell): v3 refuses it
at INSERT.

The ledger is nobody else's business on a shared machine: the folder is created 0700 and the
file 0600 (SQLite gives its -wal and -shm files the database file's mode), and an existing file
that other local users can read is named in a warning at start-up.

One bot per database: `lock_database` holds an exclusive lock on a file beside it for the
life of the process (the guard against a second pay of the same payment is per process).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

log = logging.getLogger(__name__)

# Scripts and tests wait long for a lock; the bot uses DATABASE_BUSY_TIMEOUT_MS (a few hundred
# ms: it waits on the event loop) and `when_free` for the writes that must not be lost.
BUSY_TIMEOUT_MS = 30_000
WRITE_PATIENCE = 30.0
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
T = TypeVar("T")
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SIDE_FILES = ("-wal", "-shm")
_warned: set[Path] = set()

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


_V6 = """
-- The python-telegram-bot persistence's tables (storage/persistence.py), defined here only.
-- Until v6 the persistence also created them itself, with other constraints, and a database
-- whose tables it made before v2 kept those: each is rebuilt once to this one definition, rows
-- kept. A NULL conversation state is no conversation (the persistence deletes the row then).
CREATE TABLE ptb_data_v6 (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'chat', 'bot')),
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
INSERT INTO ptb_data_v6 (kind, key, data)
SELECT kind, key, data FROM ptb_data WHERE kind IN ('user', 'chat', 'bot');
DROP TABLE ptb_data;
ALTER TABLE ptb_data_v6 RENAME TO ptb_data;

CREATE TABLE ptb_conversations_v6 (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
INSERT INTO ptb_conversations_v6 (name, key, state)
SELECT name, key, state FROM ptb_conversations WHERE state IS NOT NULL;
DROP TABLE ptb_conversations;
ALTER TABLE ptb_conversations_v6 RENAME TO ptb_conversations;

-- The updates handled, so that one Telegram delivers again is ignored (first_delivery); the
-- persistence made it before v6. Ids older than two days are pruned: they cannot come again.
CREATE TABLE telegram_updates_v6 (
    update_id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS telegram_updates (update_id INTEGER PRIMARY KEY, received_at TEXT NOT NULL);
INSERT INTO telegram_updates_v6 (update_id, received_at) SELECT update_id, received_at FROM telegram_updates;
DROP TABLE telegram_updates;
ALTER TABLE telegram_updates_v6 RENAME TO telegram_updates;
CREATE INDEX telegram_updates_received ON telegram_updates(received_at);
"""


def _prices_and_catalogue(db: sqlite_utils.Database) -> None:
    """The operator's prices, products switched on/off and the providers' cached product lists
    (bot/payments/prices.py, bot/billers/catalogue_sync.py). Self-contained: it only creates."""
    _script(_PRICES_AND_CATALOGUE)(db)


_PRICES_AND_CATALOGUE = """
-- Every change of a price rule, append-only: the rule in force for (product, subject) is the
-- newest row; `new` NULL removes the rule. product '*' = every product; subject 'role:customer',
-- 'role:reseller' or 'user:<telegram id>'. Markups are whole rupiah, never negative.
CREATE TABLE price_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    product TEXT NOT NULL,
    subject TEXT NOT NULL,
    old INTEGER CHECK (old IS NULL OR (typeof(old) = 'integer' AND old >= 0)),
    new INTEGER CHECK (new IS NULL OR (typeof(new) = 'integer' AND new >= 0)),
    actor_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX price_events_rule ON price_events(product, subject, event_id);
CREATE TRIGGER price_events_no_update BEFORE UPDATE ON price_events
BEGIN SELECT RAISE(ABORT, 'price_events are append-only'); END;
CREATE TRIGGER price_events_no_delete BEFORE DELETE ON price_events
BEGIN SELECT RAISE(ABORT, 'price_events are append-only'); END;
CREATE TRIGGER price_events_no_replace BEFORE INSERT ON price_events
WHEN EXISTS (SELECT 1 FROM price_events WHERE event_id = NEW.event_id)
BEGIN SELECT RAISE(ABORT, 'price_events are append-only'); END;

-- Products an operator switched off or on again, append-only: the newest row per code holds.
CREATE TABLE product_switches (
    switch_id INTEGER PRIMARY KEY AUTOINCREMENT,
    product TEXT NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    actor_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX product_switches_code ON product_switches(product, switch_id);
CREATE TRIGGER product_switches_no_update BEFORE UPDATE ON product_switches
BEGIN SELECT RAISE(ABORT, 'product_switches are append-only'); END;
CREATE TRIGGER product_switches_no_delete BEFORE DELETE ON product_switches
BEGIN SELECT RAISE(ABORT, 'product_switches are append-only'); END;

-- A provider's product list as read, with where it came from: sandbox and production codes
-- never mix (the base URL is part of the key). The newest row per (provider, base_url) is used.
CREATE TABLE catalogue_lists (
    list_id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    base_url TEXT NOT NULL,
    items TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX catalogue_lists_source ON catalogue_lists(provider, base_url, list_id);
"""


def _money_in(db: sqlite_utils.Database) -> None:
    """Money in (bot/moneyin, bot/gateways): payment intents, their events and the gateway's raw
    answers, deposit tickets, and the key that makes every credit happen once.

    Self-contained on purpose (one function, nothing else refers to its version number), so it
    can be renumbered if another migration lands first.
    """
    _script(_MONEY_IN)(db)


_MONEY_IN = """
-- One wallet credit per money-in key (a paid intent, an accepted ticket, a reversal), enforced
-- by the database like the one-debit-one-refund index of v1, REPLACE refused like v3.
ALTER TABLE wallet_entries ADD COLUMN credit_key TEXT;
CREATE UNIQUE INDEX wallet_entries_credit_once ON wallet_entries(credit_key) WHERE credit_key IS NOT NULL;
CREATE TRIGGER wallet_entries_credit_no_replace BEFORE INSERT ON wallet_entries
WHEN NEW.credit_key IS NOT NULL AND EXISTS (SELECT 1 FROM wallet_entries WHERE credit_key = NEW.credit_key)
BEGIN SELECT RAISE(ABORT, 'wallet_entries are append-only: one credit per money-in key'); END;

-- A payment intent: money a customer is asked to pay through a gateway (QRIS), for a bill or a
-- top-up. order_id is ours, sent to the gateway, never reused. gross_amount is what the gateway
-- charges, credit_amount what the wallet gets (gross minus the operator's QRIS fee).
CREATE TABLE payment_intents (
    order_id TEXT PRIMARY KEY CHECK (length(order_id) BETWEEN 1 AND 50
                                     AND order_id NOT GLOB '*[^A-Za-z0-9._~-]*'),
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    purpose TEXT NOT NULL CHECK (purpose IN ('bill', 'topup')),
    bill_ref TEXT REFERENCES transactions(ref_id),
    gateway TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT 'qris',
    gross_amount INTEGER NOT NULL CHECK (typeof(gross_amount) = 'integer' AND gross_amount > 0),
    fee INTEGER NOT NULL CHECK (typeof(fee) = 'integer' AND fee >= 0),
    credit_amount INTEGER NOT NULL CHECK (typeof(credit_amount) = 'integer' AND credit_amount > 0
                                          AND gross_amount = credit_amount + fee),
    state TEXT NOT NULL CHECK (state IN ('CREATED', 'PENDING', 'PAID', 'EXPIRED', 'CANCELLED', 'FAILED',
                                         'REVERSED')),
    reason TEXT NOT NULL DEFAULT '',
    gateway_ref TEXT NOT NULL DEFAULT '',
    qr_string TEXT NOT NULL DEFAULT '',
    qr_url TEXT NOT NULL DEFAULT '',
    expires_at TEXT,
    paid_at TEXT,
    late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    bill_step TEXT CHECK (bill_step IN ('todo', 'paid', 'kept')),
    bill_note TEXT NOT NULL DEFAULT '',
    reversed_amount INTEGER CHECK (reversed_amount IS NULL OR reversed_amount >= 0),
    shortfall INTEGER CHECK (shortfall IS NULL OR shortfall >= 0),
    next_check_at TEXT,
    checks INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    notify TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((purpose = 'bill') = (bill_ref IS NOT NULL))
);
CREATE INDEX payment_intents_user ON payment_intents(user_id, created_at);
CREATE INDEX payment_intents_open ON payment_intents(state, next_check_at);
CREATE INDEX payment_intents_bill ON payment_intents(bill_ref);

CREATE TRIGGER payment_intents_no_delete BEFORE DELETE ON payment_intents
BEGIN SELECT RAISE(ABORT, 'payment intents are never deleted'); END;
CREATE TRIGGER payment_intents_no_replace BEFORE INSERT ON payment_intents
WHEN EXISTS (SELECT 1 FROM payment_intents WHERE order_id = NEW.order_id)
BEGIN SELECT RAISE(ABORT, 'an order_id is never reused'); END;
CREATE TRIGGER payment_intents_fixed BEFORE UPDATE ON payment_intents
WHEN NEW.order_id IS NOT OLD.order_id OR NEW.user_id IS NOT OLD.user_id OR NEW.purpose IS NOT OLD.purpose
  OR NEW.bill_ref IS NOT OLD.bill_ref OR NEW.gateway IS NOT OLD.gateway
  OR NEW.gross_amount IS NOT OLD.gross_amount OR NEW.fee IS NOT OLD.fee
  OR NEW.credit_amount IS NOT OLD.credit_amount OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.state IN ('PAID', 'REVERSED') AND (NEW.paid_at IS NOT OLD.paid_at OR NEW.late IS NOT OLD.late))
  OR (OLD.bill_step IN ('paid', 'kept') AND NEW.bill_step IS NOT OLD.bill_step)
  OR (OLD.state = 'REVERSED' AND (NEW.reversed_amount IS NOT OLD.reversed_amount
                                  OR NEW.shortfall IS NOT OLD.shortfall))
BEGIN SELECT RAISE(ABORT, 'an intent''s amount, owner and settled facts never change'); END;
-- bot/moneyin/models.py INTENT_TRANSITIONS as FROM>TO (tests/test_moneyin_storage.py checks they agree).
-- EXPIRED, CANCELLED and FAILED are closed, not final: a payment the gateway confirms later is
-- real money and lands in the wallet. PAID only moves to REVERSED; REVERSED never moves.
CREATE TRIGGER payment_intents_legal_move BEFORE UPDATE OF state ON payment_intents
WHEN NEW.state != OLD.state AND (OLD.state || '>' || NEW.state) NOT IN (
    'CREATED>PENDING', 'CREATED>PAID', 'CREATED>EXPIRED', 'CREATED>CANCELLED', 'CREATED>FAILED',
    'PENDING>PAID', 'PENDING>EXPIRED', 'PENDING>CANCELLED', 'PENDING>FAILED',
    'EXPIRED>PAID', 'CANCELLED>PAID', 'FAILED>PAID', 'PAID>REVERSED')
BEGIN SELECT RAISE(ABORT, 'illegal intent state transition'); END;

CREATE TABLE intent_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES payment_intents(order_id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    cause TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX intent_events_order ON intent_events(order_id, event_id);

-- every verified notification and every gateway answer (charge, status, cancel), raw, for audit
CREATE TABLE gateway_messages (
    message_id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES payment_intents(order_id),
    kind TEXT NOT NULL CHECK (kind IN ('charge', 'status', 'cancel', 'notification')),
    cause TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX gateway_messages_order ON gateway_messages(order_id, message_id);

-- A deposit ticket: the customer transfers amount + unique_code to DEPOSIT_BANK_INFO, an operator
-- matches it on the bank statement and accepts it (credited once) or rejects it.
CREATE TABLE deposit_tickets (
    ticket_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    unique_code INTEGER NOT NULL CHECK (unique_code BETWEEN 1 AND 999),
    transfer_amount INTEGER NOT NULL CHECK (transfer_amount = amount + unique_code),
    bank_info TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('OPEN', 'ACCEPTED', 'REJECTED', 'EXPIRED')),
    expires_at TEXT NOT NULL,
    decided_by INTEGER,
    decided_at TEXT,
    credited_amount INTEGER CHECK (credited_amount IS NULL
                                   OR (typeof(credited_amount) = 'integer' AND credited_amount > 0)),
    note TEXT NOT NULL DEFAULT '',
    notify TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((state = 'ACCEPTED') = (credited_amount IS NOT NULL))
);
CREATE UNIQUE INDEX deposit_tickets_open_code ON deposit_tickets(unique_code) WHERE state = 'OPEN';
CREATE UNIQUE INDEX deposit_tickets_open_amount ON deposit_tickets(transfer_amount) WHERE state = 'OPEN';
CREATE INDEX deposit_tickets_user ON deposit_tickets(user_id, ticket_id);
CREATE TRIGGER deposit_tickets_no_delete BEFORE DELETE ON deposit_tickets
BEGIN SELECT RAISE(ABORT, 'deposit tickets are never deleted'); END;
CREATE TRIGGER deposit_tickets_no_replace BEFORE INSERT ON deposit_tickets
WHEN EXISTS (SELECT 1 FROM deposit_tickets WHERE ticket_id = NEW.ticket_id)
BEGIN SELECT RAISE(ABORT, 'deposit tickets are never replaced'); END;
CREATE TRIGGER deposit_tickets_fixed BEFORE UPDATE ON deposit_tickets
WHEN NEW.ticket_id IS NOT OLD.ticket_id OR NEW.user_id IS NOT OLD.user_id OR NEW.amount IS NOT OLD.amount
  OR NEW.unique_code IS NOT OLD.unique_code OR NEW.transfer_amount IS NOT OLD.transfer_amount
  OR NEW.bank_info IS NOT OLD.bank_info OR NEW.created_at IS NOT OLD.created_at
  OR NEW.expires_at IS NOT OLD.expires_at
  OR (OLD.state IN ('ACCEPTED', 'REJECTED') AND (NEW.state IS NOT OLD.state
      OR NEW.decided_by IS NOT OLD.decided_by OR NEW.decided_at IS NOT OLD.decided_at
      OR NEW.credited_amount IS NOT OLD.credited_amount OR NEW.note IS NOT OLD.note))
  OR (NEW.state != OLD.state AND (OLD.state || '>' || NEW.state) NOT IN (
      'OPEN>ACCEPTED', 'OPEN>REJECTED', 'OPEN>EXPIRED', 'EXPIRED>ACCEPTED', 'EXPIRED>REJECTED'))
BEGIN SELECT RAISE(ABORT, 'a ticket''s amount and decision never change'); END;

CREATE TABLE ticket_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES deposit_tickets(ticket_id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_id INTEGER,
    amount INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, event_id);

-- the logs are append-only (REPLACE refused too, as in v3)
CREATE TRIGGER intent_events_no_update BEFORE UPDATE ON intent_events
BEGIN SELECT RAISE(ABORT, 'intent_events are append-only'); END;
CREATE TRIGGER intent_events_no_delete BEFORE DELETE ON intent_events
BEGIN SELECT RAISE(ABORT, 'intent_events are append-only'); END;
CREATE TRIGGER intent_events_no_replace BEFORE INSERT ON intent_events
WHEN EXISTS (SELECT 1 FROM intent_events WHERE event_id = NEW.event_id)
BEGIN SELECT RAISE(ABORT, 'intent_events are append-only'); END;
CREATE TRIGGER gateway_messages_no_update BEFORE UPDATE ON gateway_messages
BEGIN SELECT RAISE(ABORT, 'gateway_messages are append-only'); END;
CREATE TRIGGER gateway_messages_no_delete BEFORE DELETE ON gateway_messages
BEGIN SELECT RAISE(ABORT, 'gateway_messages are append-only'); END;
CREATE TRIGGER gateway_messages_no_replace BEFORE INSERT ON gateway_messages
WHEN EXISTS (SELECT 1 FROM gateway_messages WHERE message_id = NEW.message_id)
BEGIN SELECT RAISE(ABORT, 'gateway_messages are append-only'); END;
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events are append-only'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events are append-only'); END;
CREATE TRIGGER ticket_events_no_replace BEFORE INSERT ON ticket_events
WHEN EXISTS (SELECT 1 FROM ticket_events WHERE event_id = NEW.event_id)
BEGIN SELECT RAISE(ABORT, 'ticket_events are append-only'); END;
"""


def _hot_path_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the queries every payment, status round and report runs, measured on a
    ledger of 100,000 transactions (benchmarks/bench_scale.py). Without them each of these read
    a whole table: the one-debit-one-refund trigger (v3) on every debit and refund, the stale
    check in `pay` (every SUCCESS row), the retelling of untold outcomes in every follow-up round
    (every settled row) and the day's figures of everyone (/stats, the daily report).

    Self-contained on purpose (nothing refers to its version number), so it can be renumbered
    if another migration lands first. tests/test_storage_plans.py asserts each plan uses them.
    """
    _script(_HOT_PATH_INDEXES)(db)


_HOT_PATH_INDEXES = """
-- wallet_entries_no_replace (v3) and entries_for() look entries up by ref_id: the partial
-- unique index of v1 cannot serve them (its WHERE is not implied by `kind = NEW.kind`)
CREATE INDEX wallet_entries_ref ON wallet_entries(ref_id, kind);
-- one bill (product + customer number) being paid or paid since it was shown: pay()'s guards;
-- it starts with customer_number, so it replaces v1's index on that column alone
CREATE INDEX transactions_bill ON transactions(customer_number, product_code, state, settled_at);
DROP INDEX transactions_customer;
-- STATUS.<customer number> of one user, newest first
CREATE INDEX transactions_customer_user ON transactions(customer_number, user_id, created_at);
-- outcomes settled in the last days whose owner was not told yet (every follow-up round)
CREATE INDEX transactions_settled ON transactions(state, settled_at);
-- a day's payments of everyone: /stats, the daily report, exports
CREATE INDEX transactions_paid ON transactions(paid_at);
"""


# (version, name, apply). Append new versions; never edit a released one.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "users, transactions, wallet entries, events, append-only triggers", _script(_V1)),
    (2, "status checks, PTB persistence tables", _script(_V2)),
    (3, "refuse REPLACE on append-only tables; state machine and receipt triggers", _script(_V3)),
    (4, "deposit balances reported by the biller", _script(_V4)),
    (5, "notices: the owner told of a settled payment", _script(_V5)),
    (6, "PTB persistence tables and handled updates, defined by migrations only", _script(_V6)),
    (7, "prices, product switches, cached provider product lists", _prices_and_catalogue),
    (8, "money in: payment intents, gateway messages, deposit tickets, one credit per key", _money_in),
    (9, "indexes for the hot paths at scale (trigger, pay guards, retell, day figures)", _hot_path_indexes),
]
LATEST_VERSION = MIGRATIONS[-1][0]


def _private_file(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists (SQLite would make it 0644)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def _warn_if_readable(path: Path) -> None:
    """One warning per database if group or other users may read its files."""
    key = path.resolve()
    if key in _warned:
        return
    loose = []
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            loose.append(f"{file} ({mode:04o})")
    if loose:
        _warned.add(key)
        log.warning(
            "the database can be read by other local users: %s; make it private with chmod 600",
            ", ".join(loose),
        )


class DatabaseUnusable(Exception):
    """The database cannot be used; the message is one line naming the file."""


class DatabaseInUse(DatabaseUnusable):
    """Another process holds the database's lock file."""

    def __init__(self, path: Path, lock: Path, pid: int | None) -> None:
        self.path, self.lock, self.pid = path, lock, pid
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"{path} is in use by another Loket ({holder} holds {lock}); stop it first")


def lock_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".lock")


class InstanceLock:
    """An exclusive flock on `<database>.lock`, held until `release()` or the process ends.

    The kernel lets go of it when the process dies, even by SIGKILL, so a crashed bot never
    leaves a stale lock behind; the file itself stays (deleting it would race a new start).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = lock_path(self.path)
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        _make_folder(self.path)
        try:
            fd = os.open(self.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
        except OSError as error:
            raise DatabaseUnusable(
                f"{self.path}: its lock file {self.lock} cannot be created ({error.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise DatabaseInUse(self.path, self.lock, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock

    @property
    def held(self) -> bool:
        return self._fd is not None


def _holder(fd: int) -> int | None:
    """The PID the holder wrote into the lock file (it may not have written it yet)."""
    for _ in range(20):
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        if text.isdigit():
            return int(text)
        time.sleep(0.01)
    return None


def lock_database(path: str | Path) -> InstanceLock:
    """Hold `<path>.lock` for this process, or raise DatabaseInUse naming who holds it."""
    return InstanceLock(path).acquire()


def _make_folder(path: Path) -> None:
    """The database's folder, 0700 when it is created here; a folder as the path is refused."""
    if path.is_dir():
        raise DatabaseUnusable(f"{path} is a folder, not a database file")
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, mode=PRIVATE_FOLDER)
        except OSError as error:
            raise DatabaseUnusable(f"{path}: its folder cannot be created ({error.strerror})") from None


def prepare_path(path: str | Path) -> Path:
    """The folder (0700) and an empty file (0600) when they do not exist yet."""
    path = Path(path)
    _make_folder(path)
    try:
        _private_file(path)
    except OSError as error:
        raise DatabaseUnusable(f"{path} cannot be created ({error.strerror})") from None
    return path


# What SQLite's primary result codes mean to the person starting the bot.
_WHY = {
    3: "cannot be opened: permission denied",  # SQLITE_PERM
    5: "is locked by another program (a backup, an sqlite3 shell?): try again when it is done",  # BUSY
    8: "cannot be written: the file or its folder is read-only for this user",  # SQLITE_READONLY
    10: "could not be read or written (I/O error)",  # SQLITE_IOERR
    11: "is damaged (database disk image is malformed): restore it from a backup",  # SQLITE_CORRUPT
    13: "cannot grow: the disk is full",  # SQLITE_FULL
    14: "cannot be opened: check that its folder is writable by this user",  # SQLITE_CANTOPEN
    26: "is not a SQLite database (a damaged file, or another kind of file)",  # SQLITE_NOTADB
}


def describe(path: Path, error: sqlite3.Error) -> str:
    """One line naming the file and what is wrong with it."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return f"{path} {_WHY.get(code, f'cannot be used ({error})')}"


def connect(path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """A connection in autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE).

    `busy_timeout_ms`: how long a statement waits for a lock another connection holds. The bot
    calls SQLite on its event loop, where that wait holds up every chat: it asks for a short one.
    """
    path = prepare_path(path)
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    set_busy_timeout(db, busy_timeout_ms)
    db.execute("PRAGMA synchronous=FULL")  # money: a committed debit survives a power cut
    return db


def set_busy_timeout(db: sqlite_utils.Database, busy_timeout_ms: int) -> None:
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; trying later may work."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return isinstance(error, sqlite3.OperationalError) and code in (SQLITE_BUSY, SQLITE_LOCKED)


async def when_free(
    write: Callable[..., T], *args: Any, patience: float = WRITE_PATIENCE, pause: float = 0.1
) -> T:
    """`write(*args)`, tried again while the database is busy, for up to `patience` seconds.

    For a write that must not be lost (a biller's answer to a payment already sent): between
    tries the event loop serves the other chats. `write` must leave nothing behind when it fails
    busy (a statement, or one BEGIN IMMEDIATE transaction). After `patience` the busy error is
    raised.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            return write(*args)
        except sqlite3.OperationalError as error:
            if not is_busy(error) or time.monotonic() >= deadline:
                raise
            log.warning("the database is busy (another program holds a lock): trying again")
        await asyncio.sleep(pause)


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
    it: `<database>.before-v<new>-<UTC time>` (storage/backup.py). None when nothing changes."""
    version = schema_version(db)
    if version == 0 or version >= LATEST_VERSION:
        return None
    from storage.backup import backup  # imported here: storage.backup imports this module

    path = Path(path).absolute()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = path.with_name(f"{path.name}.before-v{LATEST_VERSION}-{stamp}")
    backup(path, dest)
    logging.getLogger(__name__).warning(
        "database schema v%d is upgraded to v%d; a backup was taken first: %s", version, LATEST_VERSION, dest
    )
    return dest


def _check_writable(db: sqlite_utils.Database) -> None:
    """SQLite opens a file it may not write read-only without a word, and migrations already
    applied write nothing: try one write, rolled back, so a read-only file is found at start-up
    and not at the first payment."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'write check', '')")
    finally:
        db.execute("ROLLBACK")


def open_database(path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """Open (creating the file and its folder on first run) and migrate Loket's database.

    Migrations wait up to BUSY_TIMEOUT_MS for a lock; the connection returned waits
    `busy_timeout_ms`. A file that cannot be used (a folder, not a database, damaged,
    read-only…) raises DatabaseUnusable with one line naming it; the file is left as it was. An
    existing database is backed up before a migration changes its schema."""
    from storage.backup import BackupError  # imported here: storage.backup imports this module

    path = Path(path)
    db = None
    try:
        db = connect(path, max(busy_timeout_ms, BUSY_TIMEOUT_MS))
        backup_before_migration(db, path)  # an existing database is copied before its schema changes
        migrate(db)
        _check_writable(db)
        set_busy_timeout(db, busy_timeout_ms)
    except sqlite3.Error as error:
        if db is not None:
            db.conn.close()
        raise DatabaseUnusable(describe(path, error)) from None
    except BackupError as error:  # not upgraded without its backup
        if db is not None:
            db.conn.close()
        why = f"{path}: not upgraded, the backup before the upgrade failed: {error}"
        raise DatabaseUnusable(why) from None
    _warn_if_readable(path)
    return db
