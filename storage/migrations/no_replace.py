"""v3: REPLACE refused on the append-only tables, the state machine and the receipt in triggers.

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
