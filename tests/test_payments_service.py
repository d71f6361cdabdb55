"""PaymentService against docs/core-contract.md: payments, money rules, bad input, follow-up."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, timedelta

import pytest

from bot.billers import make_biller
from bot.billers.base import InquiryError, InvalidCustomerNumber, Reason, UnknownProduct
from bot.payments.errors import (
    InquiryExpired,
    InsufficientBalance,
    InvalidAmount,
    NotPayable,
    TransactionNotFound,
)
from bot.payments.ledger import Ledger
from bot.payments.models import Deposit, EntryKind, Role, TxState
from bot.payments.service import PaymentService, _utcnow, new_ref_id
from storage.db import open_database
from tests.core_fakes import (
    ADMIN,
    NO_BILL_NUMBER,
    OTHER,
    USER,
    Clock,
    FakeBiller,
    SimulatedCrash,
    make_service,
    settings,
    snapshot,
    wallet_sums,
)

NUMBER = "02112345678"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def biller():
    return FakeBiller()


@pytest.fixture
def service(tmp_path, biller, clock):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, 500_000, "cash at the counter")
    return svc


def events(service, tx):
    return [(e.from_state, e.to_state, e.cause) for e in service.events(tx.ref_id, tx.user_id)]


# -- references and inquiry -------------------------------------------------------------------------
def test_ref_ids_are_unique_alphanumeric_and_at_most_20(clock):
    refs = {new_ref_id(clock()) for _ in range(2000)}
    assert len(refs) == 2000
    assert all(ref.isalnum() and ref.isascii() and len(ref) <= 20 and ref.startswith("LK") for ref in refs)


async def test_inquiry_stores_the_bill_priced_with_markup(service, biller):
    tx = await service.inquire(USER, "telkompstn", " 0211-2345 678 ", notify={"chat_id": 5})
    assert tx.state is TxState.INQUIRED
    assert (tx.bill_total, tx.markup, tx.amount, tx.cost) == (100_000, 1500, 101_500, 98_500)
    assert tx.customer_number == NUMBER and tx.bill.ref_id == tx.ref_id
    assert service.get(tx.ref_id, USER) == tx
    assert tx.notify == {"chat_id": 5}
    assert biller.truth == {tx.ref_id: "none"}  # the ref was sent to the biller at inquiry
    assert events(service, tx) == [(None, TxState.INQUIRED, "inquiry")]


@pytest.mark.parametrize(
    "code, number, error",
    [("NOPE", NUMBER, UnknownProduct), ("TELKOMPSTN", "12ab", InvalidCustomerNumber),
     ("TELKOMPSTN", NO_BILL_NUMBER, InquiryError)],
)  # fmt: skip
async def test_bad_inquiries_are_typed_and_store_nothing(service, biller, code, number, error):
    before = snapshot(service.ledger.db)
    with pytest.raises(error):
        await service.inquire(USER, code, number)
    assert snapshot(service.ledger.db) == before
    assert biller.inquiries == (1 if error is InquiryError else 0)


# -- paying -----------------------------------------------------------------------------------------
async def test_successful_payment_debits_the_confirmed_amount_once(service, biller):
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    paid = await service.pay(tx.ref_id, USER)
    assert paid.state is TxState.SUCCESS and paid.biller_ref.startswith("NOREF")
    assert service.balance(USER) == 500_000 - 101_500
    assert biller.pay_requests == {tx.ref_id: 1}
    assert events(service, tx) == [
        (None, TxState.INQUIRED, "inquiry"),
        (TxState.INQUIRED, TxState.PAYING, "pay"),
        (TxState.PAYING, TxState.SUCCESS, "pay_answer"),
    ]
    assert paid.profit == 101_500 - 98_500
    with pytest.raises(NotPayable) as again:
        await service.pay(tx.ref_id, USER)
    assert again.value.state is TxState.SUCCESS
    assert biller.pay_requests == {tx.ref_id: 1}


async def test_failed_payment_is_refunded_exactly_once(service, biller):
    biller.pay_mode = "failed"
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    failed = await service.pay(tx.ref_id, USER)
    assert failed.state is TxState.FAILED and failed.reason is Reason.PAYMENT_FAILED
    assert service.balance(USER) == 500_000
    assert [e.kind for e in service.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT, EntryKind.REFUND]
    assert (await service.refresh(tx.ref_id, USER)).state is TxState.FAILED  # no second refund
    assert await service.recover() == []
    assert wallet_sums(service.ledger.db, USER) == {"topup": 500_000, "debit": -101_500, "refund": 101_500}


async def test_pending_payment_is_followed_by_status_and_never_paid_again(service, biller, clock):
    biller.pay_mode = "pending"
    seen = []

    async def observer(tx):
        seen.append((tx.ref_id, tx.state))

    service.add_observer(observer)
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    pending = await service.pay(tx.ref_id, USER)
    assert pending.state is TxState.PENDING and service.balance(USER) == 500_000 - 101_500
    assert await service.follow_up_once() == 0  # not due yet
    clock.advance(5)
    assert await service.follow_up_once() == 1
    still = service.get(tx.ref_id, USER)
    assert (still.state, still.checks) == (TxState.PENDING, 1)
    assert len(service.ledger.status_checks(tx.ref_id)) == 1  # recorded, not an event
    biller.settle(tx.ref_id, paid=True)
    clock.advance(15)
    assert await service.follow_up_once() == 1
    done = service.get(tx.ref_id, USER)
    assert done.state is TxState.SUCCESS and seen == [(tx.ref_id, TxState.SUCCESS)]
    assert biller.pay_requests == {tx.ref_id: 1}
    assert events(service, tx)[-2:] == [
        (TxState.PAYING, TxState.PENDING, "pay_answer"),
        (TxState.PENDING, TxState.SUCCESS, "status"),
    ]


async def test_pending_payment_that_fails_later_is_refunded(service, biller, clock):
    biller.pay_mode = "pending"
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(tx.ref_id, USER)
    biller.settle(tx.ref_id, paid=False)
    assert (await service.refresh(tx.ref_id, USER)).state is TxState.FAILED
    assert service.balance(USER) == 500_000


async def test_an_unexpected_error_after_commit_stays_pending_without_refund(service, biller):
    biller.pay_mode = "raise"
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    after = await service.pay(tx.ref_id, USER)
    assert after.state is TxState.PENDING and after.reason is Reason.UNKNOWN
    assert service.balance(USER) == 500_000 - 101_500
    assert (await service.refresh(tx.ref_id, USER)).state is TxState.SUCCESS  # the biller had paid
    assert biller.pay_requests == {tx.ref_id: 1}


async def test_a_crash_leaves_paying_and_recovery_settles_by_status(tmp_path, biller, clock):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, 500_000)
    biller.pay_mode = "crash_after"
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    with pytest.raises(BaseException, match="died after"):
        await svc.pay(tx.ref_id, USER)
    assert svc.get(tx.ref_id, USER).state is TxState.PAYING
    restarted = make_service(tmp_path / "db.sqlite3", biller, clock)
    assert [t.state for t in await restarted.recover()] == [TxState.SUCCESS]
    assert biller.pay_requests == {tx.ref_id: 1}
    assert restarted.balance(USER) == 500_000 - 101_500


async def test_no_payment_record_waits_for_the_grace_then_fails_with_refund(tmp_path, biller, clock):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock, NO_RECORD_GRACE_SECONDS=300)
    svc.top_up(ADMIN, USER, 500_000)
    biller.pay_mode = "crash_before"
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    with pytest.raises(BaseException, match="died before"):
        await svc.pay(tx.ref_id, USER)
    restarted = make_service(tmp_path / "db.sqlite3", biller, clock, NO_RECORD_GRACE_SECONDS=300)
    clock.advance(60)
    [waiting] = await restarted.recover()
    assert waiting.state is TxState.PENDING and waiting.reason is Reason.NO_PAYMENT_RECORD
    assert restarted.balance(USER) == 500_000 - 101_500
    clock.advance(240)
    [failed] = await restarted.recover()
    assert failed.state is TxState.FAILED and failed.reason is Reason.NO_PAYMENT_RECORD
    assert restarted.balance(USER) == 500_000
    assert biller.pay_requests == {}  # never sent, never re-sent


async def test_follow_up_flags_a_stuck_payment_once_and_tells_observers(service, biller, clock):
    biller.pay_mode = "pending"
    told = []

    async def observer(tx):
        told.append((tx.state, tx.flagged))

    async def broken_observer(tx):
        raise RuntimeError("the chat is gone")

    service.add_observer(broken_observer)
    service.add_observer(observer)
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(tx.ref_id, USER)
    for _ in range(20):
        clock.advance(3600)
        await service.follow_up_once()
    stuck = service.get(tx.ref_id, USER)
    assert stuck.state is TxState.PENDING and stuck.flagged and stuck.next_check_at is None
    assert told == [(TxState.PENDING, True)]
    # checked at 1 h (due since 5 s) and 2 h (due since 50 s + 1 h): the schedule is by time, so
    # a late round does not replay the missed checks; the next one, 50 s + 2 h, is past the window
    assert stuck.checks == 2
    assert service.pending() == [stuck]
    biller.settle(tx.ref_id, paid=True)
    assert (await service.refresh(tx.ref_id, ADMIN)).state is TxState.SUCCESS  # admins see all
    assert told[-1] == (TxState.SUCCESS, True)


async def test_background_follower_settles_a_pending_payment(tmp_path, biller):
    svc = make_service(tmp_path / "db.sqlite3", biller, STATUS_POLL_INTERVALS="1")
    svc.top_up(ADMIN, USER, 500_000)
    biller.pay_mode = "pending"
    settled = asyncio.Event()

    async def observer(tx):
        settled.set()

    svc.add_observer(observer)
    svc._follower._min_sleep = 0.05
    # a real clock: the follower sleeps until the first check is due
    svc._now = svc._follower._now = _utcnow
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    svc.start()
    try:
        await svc.pay(tx.ref_id, USER)
        biller.settle(tx.ref_id, paid=True)
        await asyncio.wait_for(settled.wait(), timeout=10)
    finally:
        await svc.stop()
    assert svc.get(tx.ref_id, USER).state is TxState.SUCCESS


# -- bad input leaves the database unchanged --------------------------------------------------------------
async def test_unknown_and_someone_elses_transaction_raise_the_same_error(service):
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    before = snapshot(service.ledger.db)
    for ref_id, user in [("LKNOPE", USER), (tx.ref_id, OTHER), (tx.ref_id, ADMIN)]:
        with pytest.raises(TransactionNotFound) as raised:
            await service.pay(ref_id, user)
        assert str(raised.value) == f"transaction {ref_id!r} not found"
    with pytest.raises(TransactionNotFound):
        service.get(tx.ref_id, OTHER)
    with pytest.raises(TransactionNotFound):
        service.cancel(tx.ref_id, OTHER)
    with pytest.raises(TransactionNotFound):
        service.events(tx.ref_id, OTHER)
    with pytest.raises(TransactionNotFound):
        service.set_notify("LKNOPE", {"chat_id": 1})
    assert snapshot(service.ledger.db) == before


async def test_insufficient_balance_changes_nothing(service, biller):
    service.adjust(ADMIN, USER, -450_000, "correction")
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    before = snapshot(service.ledger.db)
    with pytest.raises(InsufficientBalance) as raised:
        await service.pay(tx.ref_id, USER)
    assert (raised.value.balance, raised.value.needed, raised.value.shortfall) == (50_000, 101_500, 51_500)
    assert snapshot(service.ledger.db) == before
    assert biller.pay_requests == {}


async def test_an_expired_inquiry_becomes_expired_and_is_not_paid(service, biller, clock):
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    clock.advance(901)
    before = service.balance(USER)
    with pytest.raises(InquiryExpired) as raised:
        await service.pay(tx.ref_id, USER)
    assert raised.value.transaction.state is TxState.EXPIRED
    assert service.get(tx.ref_id, USER).state is TxState.EXPIRED
    assert service.balance(USER) == before and biller.pay_requests == {}
    snap = snapshot(service.ledger.db)
    with pytest.raises(NotPayable):
        await service.pay(tx.ref_id, USER)
    assert snapshot(service.ledger.db) == snap


async def test_cancel_then_pay_is_not_payable(service, biller):
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    assert service.cancel(tx.ref_id, USER).state is TxState.CANCELLED
    before = snapshot(service.ledger.db)
    with pytest.raises(NotPayable):
        await service.pay(tx.ref_id, USER)
    with pytest.raises(NotPayable):
        service.cancel(tx.ref_id, USER)
    assert snapshot(service.ledger.db) == before


# -- wallets and users ----------------------------------------------------------------------------------
def test_operators_mark_resellers_and_only_admin_ids_are_admins(service):
    assert service.set_role(ADMIN, OTHER, Role.RESELLER).role is Role.RESELLER  # a new user too
    assert service.get_user(OTHER).role is Role.RESELLER
    assert service.ensure_user(OTHER, "Toko Sinar").role is Role.RESELLER  # kept on the next visit
    before = snapshot(service.ledger.db)
    for call in (
        lambda: service.set_role(USER, OTHER, Role.CUSTOMER),  # not an operator
        lambda: service.set_role(ADMIN, OTHER, Role.ADMIN),  # admins are ADMIN_IDS only
        lambda: service.set_role(ADMIN, ADMIN, Role.CUSTOMER),
    ):
        with pytest.raises(PermissionError):
            call()
    assert snapshot(service.ledger.db) == before
    assert service.set_role(ADMIN, OTHER, Role.CUSTOMER).role is Role.CUSTOMER


def test_top_up_and_adjust_rules(service):
    before = snapshot(service.ledger.db)
    bad = [
        (PermissionError, lambda: service.top_up(USER, USER, 1000)),
        (PermissionError, lambda: service.adjust(OTHER, USER, 1000, "x")),
        (InvalidAmount, lambda: service.top_up(ADMIN, USER, 0)),
        (InvalidAmount, lambda: service.top_up(ADMIN, USER, -5)),
        (InvalidAmount, lambda: service.top_up(ADMIN, USER, 10.5)),
        (InvalidAmount, lambda: service.top_up(ADMIN, USER, True)),
        (InvalidAmount, lambda: service.adjust(ADMIN, USER, 0, "x")),
        (InvalidAmount, lambda: service.adjust(ADMIN, USER, -500_001, "too much")),
        (InvalidAmount, lambda: service.top_up(ADMIN, USER, 10**12 + 1)),  # past MAX_RUPIAH
        (InvalidAmount, lambda: service.top_up(ADMIN, USER, 2**70)),  # past SQLite's integers
        (InvalidAmount, lambda: service.adjust(ADMIN, USER, 2**70, "typo")),
    ]
    for error, call in bad:
        with pytest.raises(error):
            call()
    assert snapshot(service.ledger.db) == before
    entry = service.adjust(ADMIN, USER, -500_000, "to zero")
    assert (entry.kind, entry.balance_after, entry.actor_id) == (EntryKind.ADJUSTMENT, 0, ADMIN)
    service.top_up(ADMIN, OTHER, 2000, "new user")
    assert service.balance(OTHER) == 2000
    assert [e.kind for e in service.statement(USER)] == [EntryKind.ADJUSTMENT, EntryKind.TOPUP]


def test_users_roles_and_language(service):
    user = service.ensure_user(USER, "Siti")
    assert (user.name, user.language, user.role) == ("Siti", "id", Role.CUSTOMER)
    assert service.set_language(USER, "en").language == "en"
    assert service.ensure_user(USER).name == "Siti"  # nothing given: kept
    assert service.ensure_user(ADMIN, "Boss").role is Role.ADMIN
    assert service.is_admin(ADMIN) and not service.is_admin(USER)
    assert service.get_user(999) is None


async def test_history_search_stats_and_deposit(service, biller, clock):
    paid = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(paid.ref_id, USER)
    clock.advance(1)
    biller.pay_mode = "failed"
    failed = await service.inquire(USER, "TELKOMPSTN", "02199999")
    await service.pay(failed.ref_id, USER)
    clock.advance(1)
    open_ = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    assert [t.ref_id for t in service.history(USER)] == [open_.ref_id, failed.ref_id, paid.ref_id]
    assert [t.ref_id for t in service.history(USER, limit=1, offset=1)] == [failed.ref_id]
    assert service.count_history(USER) == 3 and service.count_history(OTHER) == 0
    assert [t.ref_id for t in service.find_by_customer(USER, NUMBER)] == [open_.ref_id, paid.ref_id]
    assert service.find_by_customer(OTHER, NUMBER) == []
    assert len(service.find_by_customer(ADMIN, NUMBER)) == 2
    stats = service.stats()
    assert stats.day == "2026-03-01"  # 03:00 UTC is 10:00 in Jakarta
    assert (stats.count, stats.success, stats.failed, stats.pending) == (2, 1, 1, 0)
    assert (stats.volume, stats.profit) == (101_500, 3000)
    assert service.stats(date(2026, 2, 28)).count == 0
    assert await service.deposit() == Deposit(amount=5_000_000)  # the balance call, asked now
    service.set_notify(open_.ref_id, {"chat_id": 9, "message_id": 3, "lang": "en"})
    assert service.get(open_.ref_id, USER).notify == {"chat_id": 9, "message_id": 3, "lang": "en"}


async def test_deposit_without_a_balance_call_is_the_last_reported_even_after_a_restart(tmp_path):
    """IAK postpaid has no balance call; its pay and status answers carry the deposit."""
    s = settings()
    biller = make_biller(s)  # the sandbox speaks IAK: deposit() is only what answers told it
    path = tmp_path / "db.sqlite3"
    svc = PaymentService(Ledger(open_database(path)), biller, s)
    assert await svc.deposit() is None
    svc.top_up(ADMIN, USER, 1_000_000)
    tx = await svc.pay((await svc.inquire(USER, "TELKOMPSTN", "6391600000")).ref_id, USER)
    told = tx and await biller.deposit()
    assert told is not None
    await biller.aclose()

    fresh = make_biller(s)  # a restart: the client remembers nothing
    assert await fresh.deposit() is None
    again = PaymentService(Ledger(open_database(path)), fresh, s)
    report = await again.deposit()
    assert report is not None and report.amount == told and report.as_of is not None
    rows = list(again.ledger.db.query("SELECT provider, amount, ref_id FROM deposit_reports"))
    assert rows == [{"provider": fresh.name, "amount": told, "ref_id": tx.ref_id}]
    await fresh.aclose()


async def test_a_bill_still_with_the_biller_is_not_paid_again_by_anyone(service, biller, clock):
    from bot.payments.errors import BillBeingPaid

    service.top_up(ADMIN, OTHER, 500_000)
    biller.pay_mode = "pending"
    first = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert first.state is TxState.PENDING
    mine = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    theirs = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)  # a reseller paying the same bill
    other_number = await service.inquire(USER, "TELKOMPSTN", "02187654321")
    before = snapshot(service.ledger.db)
    for tx, user in ((mine, USER), (theirs, OTHER)):
        with pytest.raises(BillBeingPaid) as refused:
            await service.pay(tx.ref_id, user)
        assert refused.value.other.ref_id == first.ref_id
    assert snapshot(service.ledger.db) == before  # nothing debited, nothing moved
    assert biller.pay_requests == {first.ref_id: 1}
    assert (await service.pay(other_number.ref_id, USER)).state is TxState.PENDING  # another bill: fine
    biller.settle(first.ref_id, paid=False)
    clock.advance(60)
    assert (await service.refresh(first.ref_id, USER)).state is TxState.FAILED
    assert (await service.pay(mine.ref_id, USER)).state is TxState.PENDING  # settled: may pay again


async def test_an_inquiry_older_than_a_payment_of_its_bill_is_stale(service, biller, clock):
    from bot.billers.base import Reason

    older = await service.inquire(USER, "TELKOMPSTN", NUMBER)  # e.g. a bill left open in the chat
    clock.advance(5)
    paid = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert paid.state is TxState.SUCCESS
    balance = service.balance(USER)
    with pytest.raises(InquiryExpired) as stale:
        await service.pay(older.ref_id, USER)
    assert stale.value.transaction.state is TxState.EXPIRED
    assert stale.value.transaction.reason is Reason.ALREADY_PAID
    assert service.balance(USER) == balance and biller.pay_requests == {paid.ref_id: 1}
    clock.advance(5)
    newer = await service.inquire(USER, "TELKOMPSTN", NUMBER)  # asked after the payment: the biller knows
    assert (await service.pay(newer.ref_id, USER)).state is TxState.SUCCESS


async def test_a_success_naming_another_total_raises_the_alarm_once(service, biller):
    alarms = []

    async def alarm(tx, result):
        alarms.append((tx.state, result.amount))

    service.add_alarm(alarm)
    biller.charged = 100_000  # the bill's total: nothing to reconcile
    fine = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert fine.state is TxState.SUCCESS and alarms == []
    biller.charged = 102_500
    odd = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert odd.state is TxState.SUCCESS and odd.bill_total == 100_000
    assert alarms == [(TxState.SUCCESS, 102_500)]
    assert service.balance(USER) == 500_000 - fine.amount - odd.amount  # what each user confirmed


# -- concurrency ----------------------------------------------------------------------------------------
async def test_fifty_simultaneous_pays_reach_the_sandbox_once(tmp_path):
    s = settings(SANDBOX_LATENCY=0.01)
    biller = make_biller(s)
    svc = PaymentService(Ledger(open_database(tmp_path / "db.sqlite3")), biller, s)
    svc.top_up(ADMIN, USER, 10_000_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", "6391600000")
    results = await asyncio.gather(*(svc.pay(tx.ref_id, USER) for _ in range(50)), return_exceptions=True)
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, NotPayable)]
    assert len(done) == 1 and len(refused) == 49 and done[0].state is TxState.SUCCESS
    assert biller.simulator.payments() == {tx.ref_id: 1}
    assert [e.kind for e in svc.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]
    assert svc.balance(USER) == 10_000_000 - tx.amount
    await biller.aclose()


def test_fifty_threads_with_their_own_connections_pay_once(tmp_path):
    biller = FakeBiller(delay=0.01)
    path = tmp_path / "db.sqlite3"
    first = make_service(path, biller)
    first.top_up(ADMIN, USER, 10_000_000)
    tx = asyncio.run(first.inquire(USER, "TELKOMPSTN", NUMBER))
    outcomes: list[object] = []
    start = threading.Barrier(50)

    def worker():
        svc = make_service(path, biller)  # its own sqlite connection
        start.wait()
        try:
            outcomes.append(asyncio.run(svc.pay(tx.ref_id, USER)).state)
        except NotPayable as error:
            outcomes.append(error)

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(TxState.SUCCESS) == 1
    assert sum(isinstance(o, NotPayable) for o in outcomes) == 49
    assert biller.pay_requests == {tx.ref_id: 1}
    assert [e.kind for e in first.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]


async def test_a_settled_transaction_holds_everything_a_receipt_shows(tmp_path, biller, clock):
    path = tmp_path / "db.sqlite3"
    svc = make_service(path, biller, clock)
    svc.top_up(ADMIN, USER, 500_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    clock.advance(3)
    await svc.pay(tx.ref_id, USER)
    receipt = make_service(path, biller, clock).get(tx.ref_id, USER)  # read back by a new process
    assert receipt.state is TxState.SUCCESS
    assert (receipt.product_name, receipt.customer_number, receipt.customer_name) == (
        "Telkom",
        NUMBER,
        "SITI RAHAYU",
    )
    assert [(line.period, line.total) for line in receipt.bill.lines] == [("FEB 2026", 100_000)]
    assert (receipt.bill_total, receipt.markup, receipt.amount) == (100_000, 1500, 101_500)
    assert receipt.biller_ref == "NOREF" + tx.ref_id[-4:] and receipt.provider_txn_id == "T1"
    assert receipt.paid_at == receipt.settled_at == clock()
    assert receipt.created_at < receipt.paid_at


# -- races and the no-record rule ------------------------------------------------------------------
async def test_refresh_taps_do_not_use_up_the_follow_up_window(service, biller, clock):
    biller.pay_mode = "pending"
    told = []

    async def observer(tx):
        told.append(tx.flagged)

    service.add_observer(observer)
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(tx.ref_id, USER)
    for _ in range(45):  # an impatient user within the first minute
        clock.advance(1)
        await service.refresh(tx.ref_id, USER)
    after = service.get(tx.ref_id, USER)
    assert (after.state, after.checks, after.flagged) == (TxState.PENDING, 45, False)
    assert told == []
    # the schedule, by time: the check due 50 s after paying, brought forward by its spread (by
    # ref, never before now) so that payments made at once are not checked at once
    assert after.next_check_at is not None
    assert timedelta(seconds=45) < after.next_check_at - after.paid_at <= timedelta(seconds=50)
    clock.advance(5)
    assert await service.follow_up_once() == 1  # still followed in the background


async def test_no_record_while_our_pay_request_is_in_flight_does_not_fail_it(tmp_path, clock):
    biller = FakeBiller(delay=0.05)  # the request is slow to reach the provider
    svc = make_service(tmp_path / "db.sqlite3", biller, clock, NO_RECORD_GRACE_SECONDS=0)
    svc.top_up(ADMIN, USER, 500_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(svc.pay(tx.ref_id, USER))
    await asyncio.sleep(0.01)
    clock.advance(10)
    checked = await svc.refresh(tx.ref_id, USER)  # the provider has no record yet
    assert (checked.state, checked.reason) == (TxState.PENDING, Reason.NO_PAYMENT_RECORD)
    assert svc.balance(USER) == 500_000 - tx.amount
    paid = await paying
    assert paid.state is TxState.SUCCESS
    assert [e.kind for e in svc.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]
    assert svc.balance(USER) == 500_000 - tx.amount and biller.pay_requests == {tx.ref_id: 1}


async def test_no_record_after_the_provider_said_in_process_is_not_believed(service, biller, clock):
    biller.pay_mode = "pending"  # the provider answered 39: it has the payment
    tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    await service.pay(tx.ref_id, USER)
    biller.truth[tx.ref_id] = "none"  # then its status call glitches: "not received" / 188
    clock.advance(3600)
    still = await service.refresh(tx.ref_id, USER)
    assert still.state is TxState.PENDING
    assert service.balance(USER) == 500_000 - tx.amount
    assert [e.kind for e in service.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT]
    clock.advance(3 * 3600)
    await service.follow_up_once()
    assert service.get(tx.ref_id, USER).state is TxState.PENDING  # left to the operator
    assert biller.pay_requests == {tx.ref_id: 1}


async def test_a_late_answer_contradicting_a_final_state_changes_nothing_and_is_logged(
    tmp_path, clock, caplog
):
    biller = FakeBiller(delay=0.05)
    path = tmp_path / "db.sqlite3"
    bot = make_service(path, biller, clock, NO_RECORD_GRACE_SECONDS=0)
    other = make_service(path, biller, clock, NO_RECORD_GRACE_SECONDS=0)  # another process
    alarms: list[tuple[str, str, str]] = []

    async def alarm(tx, result):
        alarms.append((tx.ref_id, tx.state.value, result.outcome.value))

    bot.add_alarm(alarm)
    bot.top_up(ADMIN, USER, 500_000)
    tx = await bot.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(bot.pay(tx.ref_id, USER))
    await asyncio.sleep(0.01)
    clock.advance(10)
    assert (await other.refresh(tx.ref_id, USER)).state is TxState.FAILED  # knew of no request
    before = wallet_sums(bot.ledger.db, USER)
    with caplog.at_level("ERROR", logger="bot.payments.service"):
        late = await paying
    assert late.state is TxState.FAILED  # final never changes
    assert wallet_sums(bot.ledger.db, USER) == before
    assert any("reconcile" in r.getMessage() and tx.ref_id in r.getMessage() for r in caplog.records)
    assert bot.ledger.status_checks(tx.ref_id)[-1]["outcome"] == "SUCCESS"  # kept for audit
    assert alarms == [(tx.ref_id, "FAILED", "SUCCESS")]  # the operator is told, once


# -- the owner is told, even after a crash or an outage -----------------------------------------------
async def test_an_outcome_the_owner_did_not_hear_of_is_told_again_until_it_gets_through(service, clock):
    from bot.payments.service import RETELL_FIRST

    heard: list[str] = []
    failing = [True]

    async def chat(tx):
        if failing[0]:
            raise ConnectionError("Telegram is down")
        heard.append(tx.ref_id)

    service.add_observer(chat)
    tx = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert tx.state is TxState.SUCCESS and heard == []
    assert await service.retell() == 0  # not before a minute has passed
    clock.advance(RETELL_FIRST)
    assert await service.retell() == 1 and heard == []  # still down: tried, failed
    clock.advance(RETELL_FIRST)
    assert await service.retell() == 0  # the second retry waits twice as long
    failing[0] = False
    clock.advance(RETELL_FIRST)
    await service.follow_up_once()  # the background rounds retell
    assert heard == [tx.ref_id]
    clock.advance(10 * RETELL_FIRST)
    assert await service.retell() == 0 and heard == [tx.ref_id]  # told once is enough
    rows = service.ledger.db.execute("SELECT delivered, error FROM notices ORDER BY notice_id").fetchall()
    assert rows == [(0, "ConnectionError"), (0, "ConnectionError"), (1, "")]


async def test_a_crash_between_settling_and_telling_is_told_by_the_next_process(tmp_path, clock):
    from bot.payments.service import RETELL_FIRST

    biller = FakeBiller()
    path = tmp_path / "db.sqlite3"
    first = make_service(path, biller, clock)
    first.top_up(ADMIN, USER, 500_000)

    async def dies(tx):
        raise SimulatedCrash("killed right after the commit")

    first.add_observer(dies)
    tx = await first.inquire(USER, "TELKOMPSTN", NUMBER)
    with pytest.raises(SimulatedCrash):
        await first.pay(tx.ref_id, USER)
    first.ledger.db.conn.close()

    heard: list[tuple[str, TxState]] = []

    async def chat(settled):
        heard.append((settled.ref_id, settled.state))

    second = make_service(path, biller, clock)
    second.add_observer(chat)
    clock.advance(RETELL_FIRST)
    assert await second.recover() == []  # nothing open: it settled before the crash
    await second.follow_up_once()
    assert heard == [(tx.ref_id, TxState.SUCCESS)]
    assert biller.pay_requests == {tx.ref_id: 1}


async def test_bpjs_is_inquired_for_the_months_asked_and_nothing_else_takes_months(tmp_path):
    from bot.payments.errors import InvalidMonths

    s = settings()
    biller = make_biller(s)  # the sandbox: a BPJS bill has one period per month asked
    svc = PaymentService(Ledger(open_database(tmp_path / "db.sqlite3")), biller, s)
    one = await svc.inquire(USER, "BPJS", "8801234560000")
    three = await svc.inquire(USER, "BPJS", "8801234560000", months=3)
    assert len(one.bill.periods) == 1 and len(three.bill.periods) == 3
    assert three.bill_total > one.bill_total
    before = snapshot(svc.ledger.db)
    for code, number, months in (("BPJS", "8801234560000", 0), ("BPJS", "8801234560000", 13),
                                 ("TELKOMPSTN", "6391601201", 2)):  # fmt: skip
        with pytest.raises(InvalidMonths):
            await svc.inquire(USER, code, number, months=months)
    assert snapshot(svc.ledger.db) == before
    await biller.aclose()
