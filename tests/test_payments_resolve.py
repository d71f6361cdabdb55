"""Operators close stuck payments (PaymentService.resolve, bot/payments/resolve.py), no Telegram."""

from __future__ import annotations

import asyncio

import pytest

from bot.billers.base import Outcome, Reason
from bot.payments.errors import BillBeingPaid, TransactionNotFound
from bot.payments.models import EntryKind, TxState
from bot.payments.resolve import NOTE_MAX, NotResolvable, ResolveNoteMissing
from bot.payments.service import RETELL_FIRST
from tests.core_fakes import (
    ADMIN,
    OTHER,
    USER,
    Clock,
    FakeBiller,
    SimulatedCrash,
    make_service,
    snapshot,
    wallet_sums,
)

NUMBER = "02112345678"
PRICE = 101_500  # the fake bill's 100.000 plus MARKUP 1.500


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def biller():
    return FakeBiller()


@pytest.fixture
def service(tmp_path, biller, clock):
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, 500_000, "cash")
    svc.top_up(ADMIN, OTHER, 500_000, "cash")
    return svc


@pytest.fixture
def told(service):
    seen: list[tuple[str, TxState]] = []

    async def observer(tx):
        seen.append((tx.ref_id, tx.state))

    service.add_observer(observer)
    return seen


async def stuck_payment(service, biller, clock, user=USER):
    """A payment the biller keeps 'in process' past the follow-up window: flagged, still PENDING."""
    biller.pay_mode = "pending"
    tx = await service.pay((await service.inquire(user, "TELKOMPSTN", NUMBER)).ref_id, user)
    for _ in range(4):
        clock.advance(3600)
        await service.follow_up_once()
    stuck = service.get(tx.ref_id, user)
    assert stuck.state is TxState.PENDING and stuck.flagged and stuck.next_check_at is None
    return stuck


def last_event(service, ref):
    return service.ledger.events(ref)[-1]


async def test_success_is_recorded_with_the_operator_and_the_biller_reference(service, biller, clock, told):
    tx = await stuck_payment(service, biller, clock)
    checks = biller.status_requests[tx.ref_id]
    done = await service.resolve(ADMIN, tx.ref_id, "success", "  SN 5566-7788  ")
    assert not done.by_biller and done.status.outcome is Outcome.PENDING
    paid = done.transaction
    assert paid.state is TxState.SUCCESS and paid.biller_ref == "SN 5566-7788"
    assert biller.status_requests[tx.ref_id] == checks + 1  # asked once more, first
    assert biller.pay_requests == {tx.ref_id: 1}  # never paid again
    assert wallet_sums(service.ledger.db, USER) == {"topup": 500_000, "debit": -PRICE}
    event = last_event(service, tx.ref_id)
    assert (event.from_state, event.to_state, event.cause) == (TxState.PENDING, TxState.SUCCESS, "operator")
    assert event.raw == {"operator_id": ADMIN, "verdict": "success", "note": "SN 5566-7788"}
    assert str(ADMIN) in event.message
    assert told[-1] == (tx.ref_id, TxState.SUCCESS)  # the owner's news, through the observers
    assert service.pending() == []


async def test_failed_refunds_exactly_once_and_unblocks_the_bill(service, biller, clock, told):
    tx = await stuck_payment(service, biller, clock)
    theirs = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)  # someone else wants to pay it
    with pytest.raises(BillBeingPaid):
        await service.pay(theirs.ref_id, OTHER)
    done = await service.resolve(ADMIN, tx.ref_id, "failed", "IAK support: never reached the PLN host")
    failed = done.transaction
    assert not done.by_biller and failed.state is TxState.FAILED and failed.reason is Reason.PAYMENT_FAILED
    assert [e.kind for e in service.ledger.entries_for(tx.ref_id)] == [EntryKind.DEBIT, EntryKind.REFUND]
    assert service.balance(USER) == 500_000
    assert last_event(service, tx.ref_id).raw["note"] == "IAK support: never reached the PLN host"
    assert told[-1] == (tx.ref_id, TxState.FAILED)
    rows = service.ledger.db.execute("SELECT ref_id, state, delivered FROM notices").fetchall()
    assert rows == [(tx.ref_id, "FAILED", 1)]
    # the bill is no longer open: the other user's bill can be paid now
    biller.pay_mode = "success"
    clock.advance(1)
    fresh = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)
    assert (await service.pay(fresh.ref_id, OTHER)).state is TxState.SUCCESS
    # and a second /resolve is refused: nothing changes, no biller call, no second refund
    before, checks = snapshot(service.ledger.db), biller.status_requests[tx.ref_id]
    for verdict in ("failed", "success"):
        with pytest.raises(NotResolvable) as again:
            await service.resolve(ADMIN, tx.ref_id, verdict, "again")
        assert again.value.why == "settled" and again.value.transaction.state is TxState.FAILED
    assert snapshot(service.ledger.db) == before and biller.status_requests[tx.ref_id] == checks
    assert wallet_sums(service.ledger.db, USER)["refund"] == PRICE


@pytest.mark.parametrize(
    "truth, said, state, refunded",
    [(True, "failed", TxState.SUCCESS, False), (False, "success", TxState.FAILED, True)],
)
async def test_a_final_biller_answer_wins_over_the_operator(
    service, biller, clock, told, truth, said, state, refunded
):
    tx = await stuck_payment(service, biller, clock)
    biller.settle(tx.ref_id, paid=truth)
    done = await service.resolve(ADMIN, tx.ref_id, said, "operator guess")
    assert done.by_biller and done.transaction.state is state
    assert done.status.outcome.value == state.value and done.status.provider_code in ("00", "37")
    event = last_event(service, tx.ref_id)
    assert event.cause == "resolve" and "operator" not in event.raw  # the biller's answer, not ours
    assert service.balance(USER) == (500_000 if refunded else 500_000 - PRICE)
    assert told[-1] == (tx.ref_id, state)
    assert biller.pay_requests == {tx.ref_id: 1}


async def test_refusals_change_nothing_and_ask_no_biller(service, biller, clock):
    tx = await stuck_payment(service, biller, clock)
    inquired = await service.inquire(USER, "TELKOMPSTN", "02199999999")
    before, checks = snapshot(service.ledger.db), sum(biller.status_requests.values())
    cases = [
        (USER, tx.ref_id, "failed", "mine", PermissionError),  # the owner is no operator
        (OTHER, tx.ref_id, "success", "x", PermissionError),
        (ADMIN, "LK000000000000NOSUCH", "failed", "x", TransactionNotFound),
        (ADMIN, tx.ref_id, "failed", "", ResolveNoteMissing),
        (ADMIN, tx.ref_id, "success", "   ", ResolveNoteMissing),
        (ADMIN, tx.ref_id, "success", "x" * (NOTE_MAX + 1), ResolveNoteMissing),
        (ADMIN, inquired.ref_id, "failed", "not paid yet", NotResolvable),
    ]
    for admin, ref, verdict, note, error in cases:
        with pytest.raises(error):
            await service.resolve(admin, ref, verdict, note)
    with pytest.raises(ResolveNoteMissing) as missing:
        await service.resolve(ADMIN, tx.ref_id, "success", "")
    assert missing.value.verdict.value == "success" and not missing.value.too_long
    assert snapshot(service.ledger.db) == before
    assert sum(biller.status_requests.values()) == checks


async def test_two_operators_at_once_settle_it_once(service, biller, clock):
    tx = await stuck_payment(service, biller, clock)
    answer = biller.check_status

    async def slow(bill):  # both operators are past the first check while the biller answers
        await asyncio.sleep(0.05)
        return await answer(bill)

    biller.check_status = slow
    results = await asyncio.gather(
        service.resolve(ADMIN, tx.ref_id, "failed", "first"),
        service.resolve(ADMIN, tx.ref_id, "success", "second"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, NotResolvable)]
    assert len(refused) == 1 and refused[0].why == "settled"
    assert service.get(tx.ref_id, USER).state is TxState.FAILED
    assert [e.cause for e in service.ledger.events(tx.ref_id)].count("operator") == 1
    assert wallet_sums(service.ledger.db, USER) == {"topup": 500_000, "debit": -PRICE, "refund": PRICE}


async def test_a_pay_request_still_in_flight_is_never_resolved(tmp_path, clock):
    biller = FakeBiller(delay=0.2)
    svc = make_service(tmp_path / "db.sqlite3", biller, clock)
    svc.top_up(ADMIN, USER, 500_000)
    tx = await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(svc.pay(tx.ref_id, USER))
    await asyncio.sleep(0.05)
    assert svc.get(tx.ref_id, USER).state is TxState.PAYING
    before = snapshot(svc.ledger.db)
    with pytest.raises(NotResolvable) as refused:
        await svc.resolve(ADMIN, tx.ref_id, "failed", "looks stuck")
    assert refused.value.why == "in_flight" and snapshot(svc.ledger.db) == before
    assert biller.status_requests == {}
    assert (await paying).state is TxState.SUCCESS  # the pay answer decides, as always


async def test_paying_left_by_a_crash_is_resolved_after_the_status_call(tmp_path, biller, clock):
    path = tmp_path / "db.sqlite3"
    first = make_service(path, biller, clock)
    first.top_up(ADMIN, USER, 500_000)
    biller.pay_mode = "crash_before"  # died before the request left: the biller never heard of it
    tx = await first.inquire(USER, "TELKOMPSTN", NUMBER)
    with pytest.raises(SimulatedCrash):
        await first.pay(tx.ref_id, USER)
    restarted = make_service(path, biller, clock)
    assert restarted.get(tx.ref_id, USER).state is TxState.PAYING
    # "no record" within NO_RECORD_GRACE_SECONDS means wait: not final, so the operator decides
    done = await restarted.resolve(ADMIN, tx.ref_id, "failed", "never sent")
    assert not done.by_biller and done.status.reason is Reason.NO_PAYMENT_RECORD
    assert [(e.from_state, e.to_state, e.cause) for e in restarted.ledger.events(tx.ref_id)][-2:] == [
        (TxState.PAYING, TxState.PENDING, "resolve"),
        (TxState.PENDING, TxState.FAILED, "operator"),
    ]
    assert restarted.balance(USER) == 500_000 and biller.pay_requests == {}


async def test_an_unreachable_biller_leaves_the_decision_to_the_operator(service, biller, clock):
    tx = await stuck_payment(service, biller, clock)

    async def down(bill):
        raise ConnectionError("biller unreachable")

    biller.check_status = down
    note = "confirmed by phone, ref 991"
    done = await service.resolve(ADMIN, tx.ref_id, "success", note)
    assert not done.by_biller and done.status.reason is Reason.UNKNOWN
    assert done.transaction.state is TxState.SUCCESS and done.transaction.biller_ref == note


async def test_news_of_a_resolve_lost_to_an_outage_is_told_again(service, biller, clock):
    tx = await stuck_payment(service, biller, clock)
    heard: list[TxState] = []
    down = [True]

    async def chat(settled):
        if down[0]:
            raise ConnectionError("Telegram is down")
        heard.append(settled.state)

    service.add_observer(chat)
    await service.resolve(ADMIN, tx.ref_id, "failed", "reversed by the biller")
    assert heard == []
    down[0] = False
    clock.advance(RETELL_FIRST)
    assert await service.retell() == 1 and heard == [TxState.FAILED]


async def test_a_later_biller_answer_contradicting_the_operator_raises_the_alarm(tmp_path, clock):
    """Another process still waits for its pay answer (this one cannot know): the operator here
    says failed and refunds; the biller's late "paid" changes nothing and alarms the operators."""
    biller = FakeBiller(delay=0.2)
    path = tmp_path / "db.sqlite3"
    payer = make_service(path, biller, clock)
    operator = make_service(path, biller, clock)
    alarms: list[tuple[str, str]] = []

    async def alarm(tx, result):
        alarms.append((tx.state.value, result.outcome.value))

    payer.add_alarm(alarm)
    payer.top_up(ADMIN, USER, 500_000)
    tx = await payer.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(payer.pay(tx.ref_id, USER))
    await asyncio.sleep(0.05)
    done = await operator.resolve(ADMIN, tx.ref_id, "failed", "looked stuck")
    assert done.transaction.state is TxState.FAILED and operator.balance(USER) == 500_000
    late = await paying
    assert late.state is TxState.FAILED  # final never changes
    assert payer.balance(USER) == 500_000 and wallet_sums(payer.ledger.db, USER)["refund"] == PRICE
    assert alarms == [("FAILED", "SUCCESS")]
    assert payer.ledger.status_checks(tx.ref_id)[-1]["outcome"] == "SUCCESS"  # kept for audit
