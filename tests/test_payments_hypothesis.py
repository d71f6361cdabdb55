"""Random lives of the payment core (hypothesis RuleBasedStateMachine).

Inquiries, top-ups, adjustments, pays with every kind of answer, provider settlements, status
checks, follow-up rounds, clock jumps, crashes mid-pay (a BaseException after the commit, the
service discarded) and restarts (a new service over the same file, recover()). After every step
the money rules must hold.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from bot.payments.errors import (
    BillBeingPaid,
    InquiryExpired,
    InsufficientBalance,
    InvalidAmount,
    NotPayable,
    TransactionNotFound,
)
from bot.payments.models import FINAL_STATES, EntryKind, TxState
from tests.core_fakes import ADMIN, OTHER, PAY_MODES, USER, Clock, FakeBiller, SimulatedCrash, make_service

USERS = (USER, OTHER)
DEBITED = {TxState.PAYING, TxState.PENDING, TxState.SUCCESS, TxState.FAILED}
OPEN = {TxState.PAYING, TxState.PENDING}
NUMBERS = ("0211234567", "0217654321")  # two bills, so the same bill is often paid twice over


class PaymentLife(RuleBasedStateMachine):
    refs = Bundle("refs")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="loket-hyp-"))
        self.path = self.dir / "db.sqlite3"
        self.clock = Clock()
        self.biller = FakeBiller()
        self.loop = asyncio.new_event_loop()
        self.service = self._new_service()
        self.topups = dict.fromkeys(USERS, 0)
        self.adjustments = dict.fromkeys(USERS, 0)
        self.finals: dict[str, TxState] = {}
        self.crashes = 0

    def _new_service(self):
        return make_service(self.path, self.biller, self.clock, NO_RECORD_GRACE_SECONDS=300)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.service.ledger.db.conn.close()
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- rules ------------------------------------------------------------------------------------
    @initialize()
    def open_the_counter(self):
        """Both wallets start with enough for a few bills, so pays reach the biller early."""
        for user in USERS:
            self.service.top_up(ADMIN, user, 600_000, "opening")
            self.topups[user] += 600_000

    @rule(user=st.sampled_from(USERS), amount=st.integers(1, 300_000))
    def top_up(self, user, amount):
        self.service.top_up(ADMIN, user, amount, "hypothesis")
        self.topups[user] += amount

    @rule(user=st.sampled_from(USERS), amount=st.integers(-200_000, 200_000).filter(bool))
    def adjust(self, user, amount):
        balance = self.service.balance(user)
        try:
            self.service.adjust(ADMIN, user, amount, "hypothesis")
        except InvalidAmount:
            assert balance + amount < 0
        else:
            self.adjustments[user] += amount

    @rule(
        target=refs,
        user=st.sampled_from(USERS),
        total=st.sampled_from([50_000, 120_000, 250_000]),
        number=st.sampled_from(NUMBERS),
    )
    def inquire(self, user, total, number):
        self.biller.bill_total = total
        tx = self.run(self.service.inquire(user, "TELKOMPSTN", number))
        return tx.ref_id

    @rule(ref=refs, other_user=st.booleans(), mode=st.sampled_from(PAY_MODES))
    def pay(self, ref, other_user, mode):
        owner = self.service.ledger.get_transaction(ref).user_id
        payer = next(u for u in USERS if u != owner) if other_user else owner
        before = self.service.ledger.get_transaction(ref).state
        self.biller.pay_mode = mode
        try:
            self.run(self.service.pay(ref, payer))
        except TransactionNotFound:
            assert payer != owner
        except NotPayable:
            assert before is not TxState.INQUIRED
        except (InsufficientBalance, InquiryExpired):
            assert before is TxState.INQUIRED
        except BillBeingPaid as refused:
            assert before is TxState.INQUIRED
            assert refused.other.customer_number == refused.transaction.customer_number
            assert self.service.ledger.get_transaction(refused.other.ref_id).state in OPEN
        except SimulatedCrash:
            # the process died: its service (and connection) are gone; a new process starts
            self.crashes += 1
            self.service.ledger.db.conn.close()
            self.service = self._new_service()

    @rule(ref=refs, paid=st.booleans())
    def provider_settles(self, ref, paid):
        self.biller.settle(ref, paid)

    @rule(ref=refs)
    def refresh(self, ref):
        owner = self.service.ledger.get_transaction(ref).user_id
        self.run(self.service.refresh(ref, owner))

    @rule(ref=refs)
    def cancel(self, ref):
        owner = self.service.ledger.get_transaction(ref).user_id
        try:
            self.service.cancel(ref, owner)
        except NotPayable:
            pass

    @rule()
    def follow_up(self):
        self.run(self.service.follow_up_once())

    @rule(seconds=st.sampled_from([1, 5, 20, 60, 301, 1000, 3600]))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    @rule()
    def restart(self):
        self.service.ledger.db.conn.close()
        self.service = self._new_service()
        for tx in self.run(self.service.recover()):
            assert tx.state is not TxState.PAYING

    # -- invariants ---------------------------------------------------------------------------------
    @invariant()
    def money_rules_hold(self):
        ledger = self.service.ledger
        db = ledger.db
        txs = {
            row["ref_id"]: ledger.get_transaction(row["ref_id"])
            for row in db.query("SELECT ref_id FROM transactions")
        }
        for user in USERS:
            mine = [tx for tx in txs.values() if tx.user_id == user]
            debits = sum(tx.amount for tx in mine if tx.state in DEBITED)
            refunds = sum(tx.amount for tx in mine if tx.state is TxState.FAILED)
            balance = ledger.balance(user)
            assert balance == self.topups[user] + self.adjustments[user] - debits + refunds
            assert balance >= 0
        # nothing paid twice at the biller, and one bill is never with the biller twice at once
        assert all(count == 1 for count in self.biller.pay_requests.values())
        for number in NUMBERS:
            assert sum(1 for tx in txs.values() if tx.customer_number == number and tx.state in OPEN) <= 1
        # an inquiry made before its bill was paid is never paid after that (it is stale)
        paid = [tx for tx in txs.values() if tx.state is TxState.SUCCESS and tx.paid_at is not None]
        for a in paid:
            for b in paid:
                if a.customer_number == b.customer_number and a.ref_id != b.ref_id:
                    assert not (a.created_at < b.paid_at < a.paid_at), (a.ref_id, b.ref_id)
        # final states never change
        for ref, state in self.finals.items():
            assert txs[ref].state is state
        for ref, tx in txs.items():
            if tx.state in FINAL_STATES:
                self.finals[ref] = tx.state
            kinds = sorted(e.kind for e in ledger.entries_for(ref))
            expected = []
            if tx.state in DEBITED:
                expected.append(EntryKind.DEBIT)
            if tx.state is TxState.FAILED:
                expected.append(EntryKind.REFUND)
            assert kinds == sorted(expected), (ref, tx.state, kinds)
            # money the provider took is never refunded, and SUCCESS means the provider has it
            if tx.state is TxState.FAILED:
                assert self.biller.truth.get(ref) != "paid"
            if tx.state is TxState.SUCCESS:
                assert self.biller.truth.get(ref) == "paid"
        # every debit and refund belongs to exactly one known transaction
        orphans = db.execute(
            "SELECT count(*) FROM wallet_entries WHERE kind IN ('debit', 'refund')"
            " AND ref_id NOT IN (SELECT ref_id FROM transactions)"
        ).fetchone()[0]
        assert orphans == 0


PaymentLife.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPaymentLife = PaymentLife.TestCase
