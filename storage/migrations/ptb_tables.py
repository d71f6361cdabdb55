"""v6: the python-telegram-bot persistence's tables and the handled updates, defined here only.

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
