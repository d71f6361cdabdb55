"""Each guard of the money rules proven on its own (issue 13, items 15, 17, 18 and the single-test guards).

A guard caught by one test only goes unnoticed when that test changes; here each gets its own
angle: the "in process" status answer that makes a later "no record" unbelievable, the balance
check at the exact boundary, and the database's two refusals of a second debit or refund,
each with the other one removed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.billers.base import Reason
from bot.payments.errors import IllegalTransition, InquiryExpired, InsufficientBalance
from bot.payments.ledger import Ledger
from bot.payments.models import EntryKind, Role, TxState
from bot.payments.states import transition
from storage.db import open_database
from tests.core_fakes import ADMIN, USER, Clock, FakeBiller, SimulatedCrash, make_service, snapshot

NUMBER = "02112345678"
GRACE = 300
NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def biller():
    return FakeBiller()


@pytest.fixture
def service(tmp_path, biller, clock):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock, NO_RECORD_GRACE_SECONDS=GRACE)
    svc.top_up(ADMIN, USER, 500_000, "cash")
    return svc


# -- item 15: "in process" in a status answer ---------------------------------------------------------
async def test_a_timed_out_pay_then_in_process_then_no_record_stays_pending_without_refund(
    service, biller, clock
):
    biller.pay_mode = "raise_pending"  # the answer was lost; the provider is processing it
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    after = await service.pay(tx.ref_id, USER)
    assert (after.state, after.reason) == (TxState.PENDING, Reason.UNKNOWN)  # our timeout: not an ack
    clock.advance(5)
    assert biller.answer_next(tx.ref_id, "in_process")
    checked = await service.refresh(tx.ref_id, USER)
    assert (checked.state, checked.reason) == (TxState.PENDING, Reason.UNKNOWN)  # no new event
    assert [c["reason"] for c in service.ledger.status_checks(tx.ref_id)] == ["in_process"]
    clock.advance(GRACE + 60)
    assert biller.answer_next(tx.ref_id, "no_record")  # the provider's glitch, past the grace
    glitch = await service.refresh(tx.ref_id, USER)
    assert glitch.state is TxState.PENDING
    assert service.balance(USER) == 500_000 - tx.amount
    assert [e.kind for e in service.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]
    biller.settle(tx.ref_id, paid=True)  # it was paid all along
    assert (await service.refresh(tx.ref_id, USER)).state is TxState.SUCCESS
    assert biller.pay_requests == {tx.ref_id: 1}


async def test_in_process_told_by_a_follow_up_round_after_a_crash_protects_the_payment_too(
    tmp_path, biller, clock
):
    """Through recovery and the background rounds: a crash right after the request left; the
    provider first has no record of it (the request is late), then says it is processing it,
    then glitches. Only the status_checks row says "in process"; the events say "no record"."""
    path = tmp_path / "db.sqlite3"
    first = make_service(path, biller, clock, NO_RECORD_GRACE_SECONDS=GRACE)
    first.top_up(ADMIN, USER, 500_000)
    biller.pay_mode = "crash_after_pending"
    tx = await first.inquire(USER, "TELKOMPSTN", NUMBER)
    with pytest.raises(BaseException, match="died after"):
        await first.pay(tx.ref_id, USER)
    second = make_service(path, biller, clock, NO_RECORD_GRACE_SECONDS=GRACE)
    biller.scripted[tx.ref_id] = "none"  # not registered yet at the provider
    [recovered] = await second.recover()
    assert (recovered.state, recovered.reason) == (TxState.PENDING, Reason.NO_PAYMENT_RECORD)
    clock.advance(5)
    assert await second.follow_up_once() == 1  # the provider: "in process"
    assert [c["reason"] for c in second.ledger.status_checks(tx.ref_id)] == ["in_process"]
    clock.advance(GRACE)
    assert biller.answer_next(tx.ref_id, "no_record")
    await second.refresh(tx.ref_id, USER)
    assert second.get(tx.ref_id, USER).state is TxState.PENDING
    assert second.balance(USER) == 500_000 - tx.amount
    assert [e.kind for e in second.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]


async def test_no_record_without_any_in_process_still_fails_after_the_grace(service, biller, clock):
    """The other side of the same rule: our own timeout is not an acknowledgement."""
    biller.pay_mode = "raise_pending"
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(tx.ref_id, USER)
    biller.truth[tx.ref_id] = "none"  # it never reached the provider after all
    clock.advance(GRACE - 1)
    assert (await service.refresh(tx.ref_id, USER)).state is TxState.PENDING  # inside the grace
    clock.advance(1)
    failed = await service.refresh(tx.ref_id, USER)  # exactly the grace: no longer waited for
    assert (failed.state, failed.reason) == (TxState.FAILED, Reason.NO_PAYMENT_RECORD)
    assert service.balance(USER) == 500_000


# -- item 17: the balance check at its exact boundary ------------------------------------------------------
@pytest.mark.parametrize(
    "balance, shortfall",
    [(100_000, 1_500), (100_001, 1_499), (101_499, 1)],  # bill total 100 000, markup 1 500
)
async def test_a_balance_short_of_the_amount_with_markup_is_refused_naming_the_shortfall(
    tmp_path, biller, clock, balance, shortfall
):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, balance)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    assert (tx.bill_total, tx.amount) == (100_000, 101_500)
    before = snapshot(svc.ledger.db)
    with pytest.raises(InsufficientBalance) as refused:  # the core's error, not the trigger's
        await svc.pay(tx.ref_id, USER)
    assert (refused.value.balance, refused.value.needed, refused.value.shortfall) == (
        balance,
        101_500,
        shortfall,
    )
    assert snapshot(svc.ledger.db) == before and biller.pay_requests == {}


async def test_a_balance_of_exactly_the_amount_pays_and_leaves_zero(tmp_path, biller, clock):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, 101_500)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    assert (await svc.pay(tx.ref_id, USER)).state is TxState.SUCCESS
    assert svc.balance(USER) == 0


# -- item 18: the unique index and the trigger, each on its own ---------------------------------------------
@pytest.mark.parametrize(
    "dropped, refusal",
    [
        ("TRIGGER wallet_entries_no_replace", r"UNIQUE constraint failed: wallet_entries\.ref_id"),
        ("INDEX wallet_entries_once", r"one debit and one refund per transaction"),
    ],
)
async def test_each_database_guard_alone_refuses_a_second_debit_and_refund(service, dropped, refusal):
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    db = service.ledger.db
    db.execute(f"DROP {dropped}")  # the other guard is all that is left
    ledger, now = service.ledger, service._now()
    ledger.add_entry(USER, EntryKind.DEBIT, -tx.amount, now, ref_id=tx.ref_id)
    ledger.add_entry(USER, EntryKind.REFUND, tx.amount, now, ref_id=tx.ref_id)
    before = snapshot(db)
    for kind, amount in ((EntryKind.DEBIT, -tx.amount), (EntryKind.REFUND, tx.amount)):
        with pytest.raises(sqlite3.IntegrityError, match=refusal), ledger.transaction():
            ledger.add_entry(USER, kind, amount, now, ref_id=tx.ref_id)
    assert snapshot(db) == before
    assert service.balance(USER) == 500_000


# -- second angles for guards one test alone used to catch -------------------------------------------------
async def test_a_follow_up_round_during_a_slow_pay_request_past_the_grace_does_not_fail_it(tmp_path, clock):
    """The in-flight guard, from the background rounds: the request is slow to reach the provider,
    the rounds ask meanwhile and hear "no record" past the grace."""
    biller = FakeBiller(delay=0.1)
    svc = make_service(tmp_path / "db.sqlite3", biller, clock, NO_RECORD_GRACE_SECONDS=GRACE)
    svc.top_up(ADMIN, USER, 500_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(svc.pay(tx.ref_id, USER))
    await asyncio.sleep(0.02)
    clock.advance(GRACE + 5)
    assert await svc.follow_up_once() == 1
    assert svc.get(tx.ref_id, USER).state is TxState.PENDING
    assert (await paying).state is TxState.SUCCESS
    assert [e.kind for e in svc.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]


async def test_a_pay_answer_of_no_record_is_never_final_even_past_the_grace(tmp_path, clock):
    """IAK answers rc 02/06 to a pay request too; that answer is about the request we just sent."""

    class NoRecordAnswer(FakeBiller):
        async def pay(self, bill):
            await super().pay(bill)  # the provider has it, in process
            clock.advance(GRACE + 60)  # a very slow answer
            return self._result(bill, "none", status=False)

    biller = NoRecordAnswer()
    biller.pay_mode = "pending"
    svc = make_service(tmp_path / "db.sqlite3", biller, clock, NO_RECORD_GRACE_SECONDS=GRACE)
    svc.top_up(ADMIN, USER, 500_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    after = await svc.pay(tx.ref_id, USER)
    assert (after.state, after.reason) == (TxState.PENDING, Reason.NO_PAYMENT_RECORD)
    assert svc.balance(USER) == 500_000 - tx.amount


@pytest.mark.parametrize("late", ["success", "failed"])
async def test_a_slow_pay_answer_after_a_status_call_settled_the_payment_changes_nothing(
    tmp_path, clock, late
):
    """The provider had the payment at once; its answer was slow and a refresh settled it first.
    A late answer that agrees is kept for audit; one that contradicts raises the alarm."""
    biller = FakeBiller()
    biller.answer_delay = 0.1
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, 500_000)
    alarms = []

    async def alarm(tx, result):
        alarms.append((tx.state, result.outcome.value))

    svc.add_alarm(alarm)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(svc.pay(tx.ref_id, USER))
    await asyncio.sleep(0.02)
    assert (await svc.refresh(tx.ref_id, USER)).state is TxState.SUCCESS
    biller.truth[tx.ref_id] = "paid" if late == "success" else "failed"
    final = await paying  # no IllegalTransition out of pay()
    assert final.state is TxState.SUCCESS
    assert [e.to_state for e in svc.ledger.events(tx.ref_id)][-1] is TxState.SUCCESS
    assert svc.ledger.status_checks(tx.ref_id)[-1]["outcome"] == late.upper()
    assert [e.kind for e in svc.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]
    assert alarms == ([] if late == "success" else [(TxState.SUCCESS, "FAILED")])


async def test_a_status_request_that_fails_keeps_the_payment_pending_without_refund(service, biller, clock):
    biller.pay_mode = "raise_pending"
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(tx.ref_id, USER)
    clock.advance(GRACE + 5)
    for _ in range(2):
        assert biller.answer_next(tx.ref_id, "error")
        checked = await service.refresh(tx.ref_id, USER)
        assert (checked.state, checked.reason) == (TxState.PENDING, Reason.UNKNOWN)
    assert [c["message"] for c in service.ledger.status_checks(tx.ref_id)] == [
        "RuntimeError during status check"
    ] * 2
    assert service.balance(USER) == 500_000 - tx.amount
    biller.settle(tx.ref_id, paid=True)
    assert (await service.refresh(tx.ref_id, USER)).state is TxState.SUCCESS


def test_a_second_connection_cannot_open_a_ledger_transaction_while_one_is_open(tmp_path):
    """BEGIN IMMEDIATE takes the write lock at the start, so a check and its write are never
    interleaved with another process's (a deferred BEGIN would let both read first)."""
    path = tmp_path / "db.sqlite3"
    one, two = Ledger(open_database(path)), Ledger(open_database(path))
    two.db.execute("PRAGMA busy_timeout=50")
    with one.transaction():
        with pytest.raises(sqlite3.OperationalError, match="locked"), two.transaction():
            two.balance(USER)  # a read alone would be allowed under a deferred BEGIN
    with two.transaction():  # free again once the first committed
        two.ensure_user_row(USER, Role.CUSTOMER, NOW)


def test_a_crash_inside_a_ledger_transaction_rolls_it_back_and_the_connection_goes_on(tmp_path):
    ledger = Ledger(open_database(tmp_path / "db.sqlite3"))
    ledger.ensure_user_row(USER, Role.CUSTOMER, NOW)
    with pytest.raises(SimulatedCrash), ledger.transaction():
        ledger.add_entry(USER, EntryKind.TOPUP, 5_000, NOW)
        raise SimulatedCrash("KeyboardInterrupt, or any BaseException")
    assert ledger.balance(USER) == 0
    with ledger.transaction():  # not left inside the first one
        ledger.add_entry(USER, EntryKind.TOPUP, 7_000, NOW)
    assert ledger.balance(USER) == 7_000


def test_a_stale_read_cannot_move_a_payment_another_process_moved_meanwhile(tmp_path):
    """The conditional UPDATE in states.transition: PAYING read, PENDING written by another
    connection; the move PAYING -> SUCCESS (legal from either) must not happen."""
    path = tmp_path / "db.sqlite3"
    svc = make_service(path, FakeBiller())
    svc.top_up(ADMIN, USER, 500_000)
    tx = asyncio.run(svc.inquire(USER, "TELKOMPSTN", NUMBER))
    with svc.ledger.transaction():
        paying = transition(svc.ledger, tx, TxState.PAYING, cause="pay", now=NOW, paid_at=NOW)
    other = Ledger(open_database(path))
    with other.transaction():
        transition(other, paying, TxState.PENDING, cause="status", now=NOW)
    with pytest.raises(IllegalTransition) as raised, svc.ledger.transaction():
        transition(svc.ledger, paying, TxState.SUCCESS, cause="pay_answer", now=NOW)
    assert raised.value.from_state is TxState.PENDING
    assert svc.ledger.get_transaction(tx.ref_id).state is TxState.PENDING
    assert [e.to_state for e in svc.ledger.events(tx.ref_id)] == [
        TxState.INQUIRED, TxState.PAYING, TxState.PENDING
    ]  # fmt: skip


async def test_an_inquiry_counts_from_when_it_was_asked_for(tmp_path, clock):
    class SlowInquiry(FakeBiller):
        async def inquire(self, product, customer_number, ref_id, months=1):
            clock.advance(3)  # the biller takes 3 s to answer
            return await super().inquire(product, customer_number, ref_id, months)

    svc = make_service(tmp_path / "db.sqlite3", SlowInquiry(), clock, INQUIRY_TTL_SECONDS=900)
    svc.top_up(ADMIN, USER, 500_000)
    asked = clock()
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    assert tx.created_at == asked and tx.updated_at == asked + timedelta(seconds=3)


@pytest.mark.parametrize("age, payable", [(900, True), (900.001, False)])
async def test_an_inquiry_is_payable_up_to_exactly_its_lifetime(tmp_path, clock, age, payable):
    svc = make_service(tmp_path / "db.sqlite3", FakeBiller(), clock, INQUIRY_TTL_SECONDS=900)
    svc.top_up(ADMIN, USER, 500_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    clock.advance(age)
    if payable:
        assert (await svc.pay(tx.ref_id, USER)).state is TxState.SUCCESS
    else:
        with pytest.raises(InquiryExpired):
            await svc.pay(tx.ref_id, USER)
