"""Random lives of the payment core (hypothesis RuleBasedStateMachine).

Inquiries, top-ups, adjustments, pays (by the owner, another user or an operator) ending in
every kind of answer or none (a timeout, a crash before or after the request left, a request
still on its way that lands within the grace), double taps, the provider settling, status
answers ("in process", "no record" — honest or the provider's glitch after "in process" —,
success, failed, a failed status request), status checks, follow-up rounds, clock jumps,
crashes (mid-pay, mid-status check, between steps) and restarts with or without recover().
After every step the money rules must hold.

The run is derandomized (the same examples every time, in CI and locally: ~15 s of CPU); the scripted
lives at the end replay the cases a random run could miss, through the same machine and
invariants. `LOKET_HYPOTHESIS=explore` runs a longer random search instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from itertools import pairwise
from pathlib import Path

import pytest
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
from storage.db import open_database
from tests.core_fakes import (
    ADMIN,
    OTHER,
    PAY_MODES,
    STATUS_ANSWERS,
    USER,
    Clock,
    FakeBiller,
    SimulatedCrash,
    make_service,
)

USERS = (USER, OTHER)
DEBITED = {TxState.PAYING, TxState.PENDING, TxState.SUCCESS, TxState.FAILED}
OPEN = {TxState.PAYING, TxState.PENDING}
NUMBERS = ("0211234567", "0217654321")  # two bills, so the same bill is often paid twice over
GRACE = 300
TTL = 900
PICK = st.integers(0, 3)
# how a pay ends, answered ones more often (a crash is a rarer event than an answer)
MODES = st.sampled_from((*PAY_MODES, "success", "success", "pending", "pending", "failed"))
PROVIDER_MOVES = ("settles_paid", "settles_failed", "lands", "crash", *STATUS_ANSWERS)
ANSWERED = tuple(mode for mode in PAY_MODES if not mode.startswith("crash"))


_TEMPLATE: list[Path] = []


def _fresh_database(path: Path) -> None:
    """A new, migrated database at `path`: a copy of one made once (migrating costs ~0.1 s)."""
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="loket-hyp-template-")) / "db.sqlite3"
        open_database(template).conn.close()  # the last connection's close folds the WAL back in
        _TEMPLATE.append(template)
    shutil.copyfile(_TEMPLATE[0], path)


class PaymentLife(RuleBasedStateMachine):
    refs = Bundle("refs")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="loket-hyp-"))
        self.path = self.dir / "db.sqlite3"
        _fresh_database(self.path)
        self.clock = Clock(tick=True)  # every reading later than the last, as a real clock's
        self.biller = FakeBiller()
        self.loop = asyncio.new_event_loop()
        self.service = self._new_service()
        self.topups = dict.fromkeys(USERS, 0)
        self.adjustments = dict.fromkeys(USERS, 0)
        self.finals: dict[str, TxState] = {}
        self.crashes = 0

    def _new_service(self):
        return make_service(
            self.path, self.biller, self.clock, NO_RECORD_GRACE_SECONDS=GRACE, INQUIRY_TTL_SECONDS=TTL
        )

    def _died(self) -> None:
        """The process died: its service (and connection) are gone; a new process starts."""
        self.crashes += 1
        self.service.ledger.db.conn.close()
        self.service = self._new_service()

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def owner(self, ref: str) -> int:
        return self.service.ledger.get_transaction(ref).user_id

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

    # every life starts with the same bill shown to both users (and may show more later)
    @initialize(target=refs, total=st.sampled_from([50_000, 120_000]))
    def first_look(self, total):
        return self.inquire(USER, total, NUMBERS[0])

    @initialize(target=refs, total=st.sampled_from([50_000, 120_000]))
    def second_look(self, total):
        return self.inquire(OTHER, total, NUMBERS[0])

    @rule(user=st.sampled_from(USERS), amount=st.integers(-200_000, 300_000).filter(bool))
    def wallet(self, user, amount):
        """An operator tops a wallet up (positive) or adjusts it down (never below zero)."""
        if amount > 0:
            self.service.top_up(ADMIN, user, amount, "hypothesis")
            self.topups[user] += amount
            return
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

    def _pay(self, ref, payer, before):
        try:
            self.run(self.service.pay(ref, payer))
        except TransactionNotFound:
            assert payer != self.owner(ref)
        except NotPayable:
            assert before is not TxState.INQUIRED
        except (InsufficientBalance, InquiryExpired):
            assert before is TxState.INQUIRED
        except BillBeingPaid as refused:
            assert before is TxState.INQUIRED
            assert refused.other.customer_number == refused.transaction.customer_number
            assert self.service.ledger.get_transaction(refused.other.ref_id).state in OPEN
        except SimulatedCrash:
            self._died()
        else:  # only the owner pays their bill, and only an inquiry is paid
            assert (payer, before) == (self.owner(ref), TxState.INQUIRED)

    def _inquiry(self, pick):
        """One of the bills shown and not yet paid, cancelled or expired (newest first)."""
        found = [
            row["ref_id"]
            for row in self.service.ledger.db.query(
                "SELECT ref_id FROM transactions WHERE state = 'INQUIRED' ORDER BY rowid DESC"
            )
        ]
        return found[pick % len(found)] if found else None

    @rule(pick=PICK, mode=MODES)
    def pay_a_bill(self, pick, mode):
        """The owner taps Pay on a bill shown to them."""
        if (ref := self._inquiry(pick)) is not None:
            self.pay(ref, mode)

    def pay(self, ref, mode, payer="owner"):
        owner = self.owner(ref)
        payer = {"owner": owner, "other": next(u for u in USERS if u != owner), "operator": ADMIN}[payer]
        self.biller.pay_mode = mode
        self._pay(ref, payer, self.service.ledger.get_transaction(ref).state)

    @rule(ref=refs, mode=MODES, payer=st.sampled_from(("owner", "owner", "other", "operator")))
    def tap_pay(self, ref, mode, payer):
        """A tap on Pay on any bill shown before (paid, paying, cancelled or expired ones too),
        by its owner, or by another user or an operator (refused)."""
        self.pay(ref, mode, payer)

    @rule(pick=PICK, mode=st.sampled_from(ANSWERED))
    def double_tap(self, pick, mode):
        """Two taps on Pay at once: one payment at most reaches the biller."""
        if (ref := self._inquiry(pick)) is None:
            return
        owner = self.owner(ref)
        self.biller.pay_mode = mode

        async def both():
            return await asyncio.gather(
                *(self.service.pay(ref, owner) for _ in range(2)), return_exceptions=True
            )

        results = self.run(both())
        refusals = (NotPayable, BillBeingPaid, InsufficientBalance, InquiryExpired)
        assert all(isinstance(r, refusals) for r in results if isinstance(r, BaseException)), results
        paid = [r for r in results if not isinstance(r, BaseException)]
        assert len(paid) <= 1
        if paid:  # the other tap found it already paying
            assert any(isinstance(r, NotPayable) for r in results)

    # The provider's side of a payment: these rules pick one of the open payments (the only
    # ones the provider still has a say on), so a random run reaches them often.
    def _open_payment(self, pick):
        found = self.service.ledger.open_payments()
        return found[pick % len(found)].ref_id if found else None

    @rule(pick=PICK, what=st.sampled_from(PROVIDER_MOVES), ask_now=st.booleans())
    def provider(self, pick, what, ask_now):
        """The provider's side of an open payment: it settles it, a request on its way lands,
        its next status answer is one of STATUS_ANSWERS, or the process dies mid status call."""
        if what == "lands":  # whatever the core made of it meanwhile
            in_transit = sorted(self.biller.in_transit)
            if in_transit:
                self.land(in_transit[pick % len(in_transit)])
            return
        if (ref := self._open_payment(pick)) is None:
            return
        if what in ("settles_paid", "settles_failed"):
            self.biller.settle(ref, paid=what == "settles_paid")
        elif what == "crash":
            self.crash_checking(ref)
        else:
            self.answer(ref, what, ask_now)

    def answer(self, ref, answer, ask_now):
        """The provider's next status answer for `ref` (if it can give it now); asked at once or
        by whatever status call comes next (a follow-up round, a refresh, recovery)."""
        if self.biller.answer_next(ref, answer) and ask_now:
            self.refresh(ref)

    def land(self, ref):
        """A pay request that was on its way reaches the provider, within the grace (after it
        the core may take "no record" as final: that is the rule's premise)."""
        tx = self.service.ledger.get_transaction(ref)
        if tx.paid_at is not None and (self.clock.now - tx.paid_at).total_seconds() < GRACE:
            self.biller.land(ref)

    def crash_checking(self, ref):
        """The process dies while a status request is out: nothing of it is recorded."""
        if self.service.ledger.get_transaction(ref).state not in OPEN:
            return
        self.biller.crash_on_status.add(ref)
        try:
            self.refresh(ref)
        except SimulatedCrash:
            self._died()
        self.biller.crash_on_status.discard(ref)

    @rule(ref=refs)
    def refresh(self, ref):
        self.run(self.service.refresh(ref, self.owner(ref)))

    @rule(ref=refs)
    def cancel(self, ref):
        try:
            self.service.cancel(ref, self.owner(ref))
        except NotPayable:
            pass

    @rule()
    def follow_up(self):
        self.run(self.service.follow_up_once())

    @rule(seconds=st.sampled_from([1, 5, 5, 20, 60, 301, 301, 1000, 3600]))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    @rule(recover=st.booleans())
    def restart(self, recover):
        """A new process over the same file: recover() at start-up, or (a crash between steps)
        nothing until the follow-up rounds find the open payments."""
        self.service.ledger.db.conn.close()
        self.service = self._new_service()
        if recover:
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
        # a bill is paid twice only when the second was asked for after the first had settled
        paid = [tx for tx in txs.values() if tx.state is TxState.SUCCESS]
        for a in paid:
            for b in paid:
                if a.customer_number == b.customer_number and a.ref_id < b.ref_id:
                    assert a.created_at > b.settled_at or b.created_at > a.settled_at, (a.ref_id, b.ref_id)
        # a bill is paid only within the inquiry's lifetime
        for tx in txs.values():
            if tx.paid_at is not None:
                assert (tx.paid_at - tx.created_at).total_seconds() <= TTL, tx.ref_id
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
            # every state change is an event, in order, ending in the state the row has
            moves = [(e.from_state, e.to_state) for e in ledger.events(ref)]
            assert moves[0] == (None, TxState.INQUIRED)
            assert all(prev[1] == nxt[0] for prev, nxt in pairwise(moves))
            assert moves[-1][1] is tx.state, (ref, moves, tx.state)
            # money the provider took or may still take is never refunded; SUCCESS means it has it
            if tx.state is TxState.FAILED:
                assert self.biller.truth.get(ref) not in ("paid", "pending"), ref
            if tx.state is TxState.SUCCESS:
                assert self.biller.truth.get(ref) == "paid"
        # every debit and refund belongs to exactly one known transaction
        orphans = db.execute(
            "SELECT count(*) FROM wallet_entries WHERE kind IN ('debit', 'refund')"
            " AND ref_id NOT IN (SELECT ref_id FROM transactions)"
        ).fetchone()[0]
        assert orphans == 0


_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
PROFILES = {
    # the same examples on every run, so a guard the machine catches is caught every time
    "ci": settings(max_examples=100, stateful_step_count=40, derandomize=True, database=None, **_COMMON),
    "explore": settings(max_examples=2000, stateful_step_count=50, **_COMMON),
}
PaymentLife.TestCase.settings = PROFILES[os.environ.get("LOKET_HYPOTHESIS", "ci")]
TestPaymentLife = PaymentLife.TestCase


# -- scripted lives: the cases the random run must never miss, through the same machine ----------------
def _live(steps) -> None:
    machine = PaymentLife()
    try:
        machine.open_the_counter()
        machine.money_rules_hold()
        refs: list[str] = []
        for name, *args in steps:
            args = [refs[a] if isinstance(a, Ref) else a for a in args]
            made = getattr(machine, name)(*args)
            if name == "inquire":
                refs.append(made)
            machine.money_rules_hold()
    finally:
        machine.teardown()


class Ref(int):
    """The n-th inquiry of a scripted life."""


A, B = Ref(0), Ref(1)
SCRIPTED = {
    "stale after a pending payment succeeded": [
        ("inquire", USER, 120_000, NUMBERS[0]),
        ("pay", A, "pending"),
        ("inquire", OTHER, 120_000, NUMBERS[0]),
        ("answer", A, "success", True),
        ("pay", B, "success"),
    ],
    "stale after a lost answer turned out paid": [
        ("inquire", USER, 50_000, NUMBERS[1]),
        ("pay", A, "raise"),
        ("inquire", USER, 50_000, NUMBERS[1]),
        ("time_passes", 5),
        ("follow_up",),
        ("pay", B, "success"),
    ],
    "in process, then the provider's no record, past the grace": [
        ("inquire", USER, 120_000, NUMBERS[0]),
        ("pay", A, "raise_pending"),
        ("answer", A, "in_process", True),
        ("time_passes", 301),
        ("answer", A, "no_record", True),
        ("answer", A, "success", True),
    ],
    "in process told after a restart, then no record": [
        ("inquire", OTHER, 250_000, NUMBERS[1]),
        ("pay", A, "crash_after_pending"),
        ("restart", False),
        ("time_passes", 5),
        ("follow_up",),
        ("time_passes", 301),
        ("answer", A, "no_record", False),
        ("restart", True),
        ("follow_up",),
    ],
    "never sent: failed and refunded once, after the grace": [
        ("inquire", USER, 50_000, NUMBERS[0]),
        ("pay", A, "crash_before"),
        ("restart", True),
        ("time_passes", 60),
        ("refresh", A),
        ("time_passes", 301),
        ("crash_checking", A),
        ("restart", True),
        ("refresh", A),
        ("restart", True),
    ],
    "a request on its way lands after a no record within the grace": [
        ("inquire", USER, 120_000, NUMBERS[1]),
        ("pay", A, "raise_late"),
        ("time_passes", 60),
        ("answer", A, "no_record", True),
        ("land", A),
        ("answer", A, "in_process", True),
        ("time_passes", 301),
        ("answer", A, "no_record", True),
        ("answer", A, "success", True),
    ],
    "a failed status request says nothing of the payment": [
        ("inquire", OTHER, 50_000, NUMBERS[0]),
        ("pay", A, "raise_pending"),
        ("time_passes", 301),
        ("answer", A, "error", True),
        ("time_passes", 5),
        ("answer", A, "error", False),
        ("follow_up",),
        ("answer", A, "success", True),
    ],
    "only the owner pays, never another user or an operator, and only in time": [
        ("inquire", USER, 50_000, NUMBERS[0]),
        ("pay", A, "success", "operator"),
        ("pay", A, "success", "other"),
        ("pay", A, "success"),
        ("time_passes", 1),
        ("inquire", USER, 50_000, NUMBERS[0]),
        ("time_passes", TTL + 1),
        ("pay", B, "success"),
    ],
    "one bill with the biller once at a time": [
        ("inquire", USER, 120_000, NUMBERS[0]),
        ("inquire", OTHER, 120_000, NUMBERS[0]),
        ("pay", A, "pending"),
        ("pay", B, "success"),
        ("answer", A, "failed", True),
        ("pay", B, "success"),
        ("double_tap", B, "success"),
    ],
}


@pytest.mark.parametrize("steps", list(SCRIPTED.values()), ids=list(SCRIPTED))
def test_scripted_life(steps):
    _live(steps)
