"""v9: indexes for the queries every payment, status round and report runs.

Measured on a ledger of 100,000 transactions (benchmarks/bench_scale.py): without them each of
these read a whole table: the one-debit-one-refund trigger (v3) on every debit and refund, the
stale check in `pay` (every SUCCESS row), the retelling of untold outcomes in every follow-up
round (every settled row) and the day's figures of everyone (/stats, the daily report).
tests/test_storage_plans.py asserts each plan uses them.

A released migration is never edited: storage/migrations/__init__.py applies it once, in order.
"""

SQL = """
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
