"""Random lives of money in (hypothesis RuleBasedStateMachine).

Bills inquired and paid by QRIS or from the wallet, QRIS top-ups, deposit tickets; the gateway
sandbox pays (on time, late, twice), expires, refunds, denies, reports a tampered amount, and
notifies once, twice, never or out of order; forged notifications; "I have paid" checks,
cancels, poll rounds, clock jumps, Loket down while notified, crashes between the credit and
the bill's payment, restarts. After every step the money rules must hold:
credited at most once per intent (and only for a payment the gateway settled at the right
amount), wallet = the sum of its entries and never negative, no bill paid twice.

Derandomized (the same examples every run) so CI is stable; LOKET_HYPOTHESIS_RANDOM=1 explores.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from bot.gateways.midtrans import signature
from bot.gateways.sandbox_orders import SandboxRefused
from bot.moneyin.errors import MoneyInError
from bot.moneyin.models import BillStep, IntentState, TicketState
from bot.payments.errors import PaymentError
from bot.payments.models import TxState
from tests.core_fakes import ADMIN, OTHER, USER, snapshot
from tests.moneyin_fakes import World

USERS = (USER, OTHER)
NUMBERS = ("0211234567", "0217654321")
DEBITED = {TxState.PAYING, TxState.PENDING, TxState.SUCCESS, TxState.FAILED}
SETTLED_AT_GATEWAY = {"settlement", "refund", "partial_refund", "deny"}


class MoneyInLife(RuleBasedStateMachine):
    bills = Bundle("bills")
    orders = Bundle("orders")
    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="loket-moneyin-hyp-"))
        self.loop = asyncio.new_event_loop()
        self.world = World(self.dir / "db.sqlite3", QRIS_FEE=500, DEPOSIT_BANK_INFO="BCA 123 a.n. Loket")
        self.tampered: set[str] = set()  # orders whose amount was wrong before any credit
        self.seen_states: dict[str, IntentState] = {}
        self.crashes = 0

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.world.close()
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _restart(self) -> None:
        self.world.close()
        self.world.connect()
        self.run(self.world.money.recover())

    # -- rules ----------------------------------------------------------------------------------
    @initialize()
    def open_the_counter(self):
        self.world.service.top_up(ADMIN, OTHER, 300_000, "opening")
        self.world.service.top_up(ADMIN, USER, 120_000, "opening")

    @rule(target=bills, user=st.sampled_from(USERS), number=st.sampled_from(NUMBERS))
    def inquire(self, user, number):
        tx = self.run(self.world.service.inquire(user, "TELKOMPSTN", number))
        return tx.ref_id

    @rule(target=orders, ref=bills)
    def qris_for_bill(self, ref):
        owner = self.world.service.ledger.get_transaction(ref).user_id
        try:
            intent = self.run(self.world.qris.pay_bill(owner, ref))
        except (PaymentError, MoneyInError):
            return multiple()
        return intent.order_id

    @rule(target=orders, user=st.sampled_from(USERS), number=st.sampled_from(NUMBERS))
    def qris_for_a_new_bill(self, user, number):
        tx = self.run(self.world.service.inquire(user, "TELKOMPSTN", number))
        try:
            return self.run(self.world.qris.pay_bill(user, tx.ref_id)).order_id
        except (PaymentError, MoneyInError):
            return multiple()

    @rule(target=orders, user=st.sampled_from(USERS), amount=st.sampled_from([10_000, 50_000, 101_500]))
    def qris_top_up(self, user, amount):
        return self.run(self.world.qris.top_up(user, amount)).order_id

    @rule(ref=bills, mode=st.sampled_from(["success", "failed", "pending"]))
    def pay_from_wallet(self, ref, mode):
        owner = self.world.service.ledger.get_transaction(ref).user_id
        self.world.biller.pay_mode = mode
        try:
            self.run(self.world.service.pay(ref, owner))
        except PaymentError:
            pass

    @rule(mode=st.sampled_from(["success", "failed", "pending"]))
    def biller_mood(self, mode):
        self.world.biller.pay_mode = mode

    @rule(ref=bills, paid=st.booleans())
    def biller_settles(self, ref, paid):
        self.world.biller.settle(ref, paid)

    @rule(order=orders, late=st.booleans(), notify=st.sampled_from(["once", "twice", "none", "reversed"]))
    def customer_pays(self, order, late, notify):
        try:
            self.run(self.world.sandbox.pay(order, late=late, notify=notify))
        except SandboxRefused:
            pass

    @rule(order=orders, crash=st.booleans())
    def customer_pays_and_loket_dies_before_the_bill(self, order, crash):
        """The credit is committed, then the process dies before the bill step (or not)."""
        if crash:
            self.world.qris._spawn = lambda coro: coro.close()
        try:
            self.run(self.world.sandbox.pay(order))
        except SandboxRefused:
            pass
        if crash:
            self.crashes += 1
            self._restart()

    @rule(order=orders, notify=st.sampled_from(["once", "none"]))
    def customer_pays_after_the_expiry(self, order, notify):
        try:
            self.run(self.world.sandbox.expire(order))
        except SandboxRefused:
            pass
        try:
            self.run(self.world.sandbox.pay(order, late=True, notify=notify))
        except SandboxRefused:
            pass

    @rule(order=orders)
    def gateway_expires(self, order):
        try:
            self.run(self.world.sandbox.expire(order))
        except SandboxRefused:
            pass

    @rule(order=orders, partial=st.booleans())
    def gateway_refunds(self, order, partial):
        try:
            self.run(self.world.sandbox.refund(order, 5_000 if partial else None))
        except SandboxRefused:
            pass

    @rule(order=orders)
    def gateway_denies(self, order):
        try:
            self.run(self.world.sandbox.deny(order))
        except SandboxRefused:
            pass

    @rule(order=orders, status=st.sampled_from([None, "pending", "settlement", "expire", "refund"]),
          times=st.integers(1, 3))  # fmt: skip
    def notification_again(self, order, status, times):
        try:
            self.run(self.world.sandbox.notify(order, status=status, times=times))
        except SandboxRefused:
            pass

    @rule(order=orders)
    def gateway_reports_another_amount(self, order):
        intent = self.world.money.store.get_intent(order)
        if not self.world.money.store.has_credit(intent.credit_key):
            self.tampered.add(order)
        self.world.sandbox.report_amount(order, "1000.00")

    @rule(order=orders, key=st.sampled_from(["SB-Mid-server-guess", ""]))
    def forged_notification(self, order, key):
        intent = self.world.money.store.get_intent(order)
        gross = f"{intent.gross_amount}.00"
        note = {"order_id": order, "status_code": "200", "gross_amount": gross}
        note["signature_key"] = signature(order, "200", gross, key)
        before = snapshot(self.world.db)
        assert self.run(self.world.qris.on_notification(note)).status == 401
        assert snapshot(self.world.db) == before

    @rule(order=orders)
    def i_have_paid(self, order):
        owner = self.world.money.store.get_intent(order).user_id
        self.run(self.world.qris.check(order, owner))

    @rule(order=orders)
    def cancel(self, order):
        owner = self.world.money.store.get_intent(order).user_id
        self.run(self.world.qris.cancel(order, owner))

    @rule()
    def poll(self):
        self.run(self.world.qris.poll_once())
        self.run(self.world.service.follow_up_once())
        self.run(self.world.qris.drain())

    @rule(seconds=st.sampled_from([5, 30, 200, 901, 3600, 6 * 3600]))
    def time_passes(self, seconds):
        self.world.clock.advance(seconds)

    @rule(down=st.booleans())
    def loket_reachable(self, down):
        self.world.delivering = not down

    @rule()
    def restart(self):
        self._restart()

    @rule(target=tickets, user=st.sampled_from(USERS), amount=st.sampled_from([10_000, 250_000]))
    def ticket(self, user, amount):
        try:
            return self.run(self.world.tickets.open(user, amount)).ticket_id
        except MoneyInError:
            return multiple()

    @rule(ticket=tickets, accept=st.booleans(), amount=st.sampled_from([None, 12_345]))
    def operator_decides(self, ticket, accept, amount):
        try:
            if accept:
                self.run(self.world.tickets.accept(ADMIN, ticket, amount))
            else:
                self.run(self.world.tickets.reject(ADMIN, ticket))
        except MoneyInError:
            pass

    # -- invariants ---------------------------------------------------------------------------------
    @invariant()
    def money_rules_hold(self):
        self.run(self.world.qris.drain())
        assert self.world.seen.crashed == []  # every notification got an answer, never a 500
        store, db = self.world.money.store, self.world.db
        intents = {i.order_id: i for i in store.all_intents()}
        entries = list(db.query("SELECT * FROM wallet_entries ORDER BY entry_id"))
        by_key: dict[str, list[dict]] = {}
        for entry in entries:
            if entry["credit_key"]:
                by_key.setdefault(entry["credit_key"], []).append(entry)
        assert all(len(found) == 1 for found in by_key.values())  # the database's own rule, re-checked

        for order, intent in intents.items():
            credits = by_key.get(intent.credit_key, [])
            reversals = by_key.get(intent.reversal_key, [])
            # credited at most once, and exactly when the intent says it was paid
            assert len(credits) == (1 if intent.state in {IntentState.PAID, IntentState.REVERSED} else 0), (
                order
            )
            if credits:
                assert (
                    credits[0]["amount"] == intent.credit_amount and credits[0]["user_id"] == intent.user_id
                )
                gateway = self.world.sandbox.orders[order]
                assert gateway.status in SETTLED_AT_GATEWAY, (order, gateway.status)  # real money came in
                assert order not in self.tampered  # never on a wrong amount
            assert intent.gross_amount == intent.credit_amount + intent.fee
            # a reversal takes back at most what was credited, never below zero
            if intent.state is IntentState.REVERSED:
                taken = -reversals[0]["amount"] if reversals else 0
                assert taken == intent.reversed_amount and taken + intent.shortfall <= intent.credit_amount
            else:
                assert reversals == []
            # PAID only moves to REVERSED; REVERSED never moves
            before = self.seen_states.get(order)
            if before is IntentState.PAID:
                assert intent.state in {IntentState.PAID, IntentState.REVERSED}
            if before is IntentState.REVERSED:
                assert intent.state is IntentState.REVERSED
            self.seen_states[order] = intent.state
            # a bill is paid from a QRIS payment only when it was paid on time
            if intent.late:
                assert intent.bill_step in {None, BillStep.KEPT}

        # wallet = the sum of its entries, never negative, and explained entry by entry
        txs = {r["ref_id"]: self.world.service.ledger.get_transaction(r["ref_id"])
               for r in db.query("SELECT ref_id FROM transactions")}  # fmt: skip
        tickets = store.tickets("1 = 1", [])
        for user in USERS:
            running = 0
            for entry in (e for e in entries if e["user_id"] == user):
                running += entry["amount"]
                assert entry["balance_after"] == running >= 0
            assert self.world.service.balance(user) == running
            mine = [i for i in intents.values() if i.user_id == user]
            expected = (
                (300_000 if user == OTHER else 120_000)
                + sum(i.credit_amount for i in mine if i.state in {IntentState.PAID, IntentState.REVERSED})
                - sum(i.reversed_amount or 0 for i in mine if i.state is IntentState.REVERSED)
                + sum(
                    t.credited_amount or 0
                    for t in tickets
                    if t.user_id == user and t.state is TicketState.ACCEPTED
                )
                - sum(tx.amount for tx in txs.values() if tx.user_id == user and tx.state in DEBITED)
                + sum(tx.amount for tx in txs.values() if tx.user_id == user and tx.state is TxState.FAILED)
            )
            assert running == expected, (user, running, expected)

        # no bill paid twice at the biller, and one bill never with the biller twice at once
        assert all(count == 1 for count in self.world.biller.pay_requests.values())
        for number in NUMBERS:
            open_ = [
                tx
                for tx in txs.values()
                if tx.customer_number == number and tx.state in {TxState.PAYING, TxState.PENDING}
            ]
            assert len(open_) <= 1


MoneyInLife.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    derandomize=not os.environ.get("LOKET_HYPOTHESIS_RANDOM"),
    database=None if not os.environ.get("LOKET_HYPOTHESIS_RANDOM") else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestMoneyInLife = MoneyInLife.TestCase
