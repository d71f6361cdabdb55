"""v7: the operator's prices, products switched on/off and the providers' cached product lists
(bot/payments/prices.py, bot/billers/catalogue_sync.py). Self-contained: it only creates.

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
