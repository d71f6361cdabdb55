"""Money in (bot/moneyin, bot/gateways): payment intents, their events and the gateway's raw
answers, deposit tickets, and the key that makes every credit happen once.

Self-contained on purpose (one module, nothing else refers to its version number), so it
can be renumbered if another migration lands first.

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
