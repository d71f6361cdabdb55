"""A bill shown before another payment of it settled is never paid a second time (issue 13, item 1).

The rule (docs/core-contract.md): an inquiry is stale, and is expired with reason ALREADY_PAID,
when another payment of the same product and customer number ended SUCCESS after the inquiry
was sent to the biller, whenever that payment started. A payment still open blocks it
(BillBeingPaid); one that ended FAILED leaves it payable.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.billers.base import Reason
from bot.payments.errors import BillBeingPaid, InquiryExpired
from bot.payments.models import TxState
from tests.core_fakes import ADMIN, OTHER, USER, Clock, FakeBiller, make_service, snapshot

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
    svc.top_up(ADMIN, USER, 500_000, "cash")
    svc.top_up(ADMIN, OTHER, 500_000, "cash")
    return svc


async def _refused_as_paid(service, biller, stale, user, paid_by):
    balance = service.balance(user)
    with pytest.raises(InquiryExpired) as raised:
        await service.pay(stale.ref_id, user)
    expired = raised.value.transaction
    assert (expired.state, expired.reason) == (TxState.EXPIRED, Reason.ALREADY_PAID)
    assert expired.message == f"paid by {paid_by.ref_id}"
    assert service.get(stale.ref_id, user).state is TxState.EXPIRED
    assert service.balance(user) == balance
    assert biller.pay_requests == {paid_by.ref_id: 1}  # one pay request for the bill, ever
    assert stale.ref_id not in biller.truth or biller.truth[stale.ref_id] == "none"


async def test_a_bill_shown_while_another_payment_was_pending_is_not_paid_after_it_succeeded(
    service, biller, clock
):
    biller.pay_mode = "pending"
    first = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert first.state is TxState.PENDING
    clock.advance(2)
    shown = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)  # B checks the same bill
    clock.advance(2)
    biller.settle(first.ref_id, paid=True)
    assert (await service.refresh(first.ref_id, USER)).state is TxState.SUCCESS
    clock.advance(2)
    biller.pay_mode = "success"
    await _refused_as_paid(service, biller, shown, OTHER, first)


async def test_a_bill_shown_while_another_pay_request_was_in_flight_is_not_paid_after_it(tmp_path, clock):
    biller = FakeBiller(delay=0.05)  # A's pay request is slow to come back
    service = make_service(tmp_path / "db.sqlite3", biller, clock)
    service.top_up(ADMIN, USER, 500_000)
    service.top_up(ADMIN, OTHER, 500_000)
    first = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(service.pay(first.ref_id, USER))
    await asyncio.sleep(0.01)
    assert service.get(first.ref_id, USER).state is TxState.PAYING
    clock.advance(1)
    shown = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)  # while A is still PAYING
    clock.advance(1)
    assert (await paying).state is TxState.SUCCESS
    clock.advance(1)
    await _refused_as_paid(service, biller, shown, OTHER, first)


async def test_a_payment_that_succeeds_while_the_inquiry_is_on_its_way_makes_it_stale(tmp_path, clock):
    """The biller answered B's inquiry before it had A's payment, and A's success was recorded
    before B's answer came back: the inquiry counts from when it was sent."""
    biller = FakeBiller(delay=0.05)
    service = make_service(tmp_path / "db.sqlite3", biller, clock)
    service.top_up(ADMIN, USER, 500_000)
    service.top_up(ADMIN, OTHER, 500_000)
    first = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    paying = asyncio.create_task(service.pay(first.ref_id, USER))
    await asyncio.sleep(0.01)
    clock.advance(1)
    biller.inquiry_delay = 0.2
    asking = asyncio.create_task(service.inquire(OTHER, "TELKOMPSTN", NUMBER))
    await asyncio.sleep(0.01)  # B's inquiry has left
    clock.advance(1)
    assert (await paying).state is TxState.SUCCESS  # A settles while B's answer is on its way
    clock.advance(1)
    shown = await asking
    biller.inquiry_delay = 0.0
    clock.advance(1)
    await _refused_as_paid(service, biller, shown, OTHER, first)


async def test_the_owner_s_own_older_inquiry_is_stale_too_and_a_failed_payment_blocks_nothing(
    service, biller, clock
):
    biller.pay_mode = "pending"
    first = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    clock.advance(1)
    mine = await service.inquire(USER, "TELKOMPSTN", NUMBER)
    theirs = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)
    before = snapshot(service.ledger.db)
    with pytest.raises(BillBeingPaid):  # still open: neither pays now
        await service.pay(mine.ref_id, USER)
    assert snapshot(service.ledger.db) == before
    biller.settle(first.ref_id, paid=True)
    clock.advance(1)
    await service.refresh(first.ref_id, USER)
    await _refused_as_paid(service, biller, mine, USER, first)
    await _refused_as_paid(service, biller, theirs, OTHER, first)

    # a payment that fails after an inquiry leaves that inquiry payable
    clock.advance(1)
    second = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    clock.advance(1)
    shown = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)
    biller.settle(second.ref_id, paid=False)
    clock.advance(1)
    assert (await service.refresh(second.ref_id, USER)).state is TxState.FAILED
    biller.pay_mode = "success"
    assert (await service.pay(shown.ref_id, OTHER)).state is TxState.SUCCESS


async def test_an_inquiry_sent_after_the_other_payment_settled_is_payable(service, biller, clock):
    first = await service.pay((await service.inquire(USER, "TELKOMPSTN", NUMBER)).ref_id, USER)
    assert first.state is TxState.SUCCESS
    clock.advance(1)
    later = await service.inquire(OTHER, "TELKOMPSTN", NUMBER)  # the biller knew of the payment
    assert (await service.pay(later.ref_id, OTHER)).state is TxState.SUCCESS
    another_bill = await service.inquire(OTHER, "TELKOMPSTN", "02187654321")
    assert (await service.pay(another_bill.ref_id, OTHER)).state is TxState.SUCCESS
