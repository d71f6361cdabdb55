"""Many payments at once: BILLER_MAX_CONCURRENCY calls to the biller at most, status checks
spread over time and made a batch at a time, and the money rules unchanged while calls wait.

Through the real core (PaymentService over SQLite) with the scriptable fake biller, which here
also counts how many of its calls run at the same moment.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.billers.limit import BillerBusy
from bot.payments.models import TxState
from tests.core_fakes import ADMIN, Clock, FakeBiller, make_service

USER = 42


class CountingBiller(FakeBiller):
    """The fake biller, taking `latency` seconds per call and counting calls in flight."""

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency
        self.now = 0
        self.most = 0
        self.hold = asyncio.Event()  # with `held`, status calls wait for it: a slot stays taken
        self.held = False

    async def _enter(self) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        if self.latency:
            await asyncio.sleep(self.latency)

    async def inquire(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        await self._enter()
        try:
            return await super().inquire(*args, **kwargs)
        finally:
            self.now -= 1

    async def pay(self, bill):  # type: ignore[no-untyped-def]
        await self._enter()
        try:
            return await super().pay(bill)
        finally:
            self.now -= 1

    async def check_status(self, bill):  # type: ignore[no-untyped-def]
        await self._enter()
        try:
            if self.held:
                await self.hold.wait()
            return await super().check_status(bill)
        finally:
            self.now -= 1


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"0218{start + i:06d}" for i in range(count)]


def service_for(tmp_path: Path, biller: FakeBiller, clock: Clock, **settings: object):  # type: ignore[no-untyped-def]
    """The core over a new database; one user may look up as many bills as a test needs."""
    return make_service(
        tmp_path / "db.sqlite3",
        biller,
        clock,
        INQUIRY_LIMIT_PER_MINUTE=0,
        INQUIRY_LIMIT_PER_HOUR=0,
        **settings,
    )


async def pending_payments(service, biller: FakeBiller, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` payments left pending ("in process"), paid at the same clock reading."""
    biller.pay_mode = "pending"
    service.top_up(ADMIN, USER, 10_000_000_000, "test")
    refs = [(await service.inquire(USER, "TELKOMPSTN", number)).ref_id for number in numbers(count)]
    await asyncio.gather(*(service.pay(ref, USER) for ref in refs))
    return refs


async def test_no_more_than_the_cap_of_calls_reach_the_biller_at_once(tmp_path: Path) -> None:
    biller = CountingBiller(latency=0.02)
    service = service_for(tmp_path, biller, Clock(), BILLER_MAX_CONCURRENCY=3)
    service.top_up(ADMIN, USER, 10_000_000, "test")
    txs = await asyncio.gather(*(service.inquire(USER, "TELKOMPSTN", n) for n in numbers(20)))
    assert biller.most == 3
    biller.most = 0
    paid = await asyncio.gather(*(service.pay(tx.ref_id, USER) for tx in txs))
    assert {tx.state for tx in paid} == {TxState.SUCCESS}
    assert biller.most == 3  # the cap was reached, never passed
    assert sum(biller.pay_requests.values()) == 20 and set(biller.pay_requests.values()) == {1}


async def test_the_follow_up_leaves_one_slot_to_the_chat(tmp_path: Path) -> None:
    biller = CountingBiller(latency=0.02)
    clock = Clock()
    service = service_for(tmp_path, biller, clock, BILLER_MAX_CONCURRENCY=3)
    await pending_payments(service, biller, 12)
    biller.most = 0
    clock.advance(5)
    assert await service.follow_up_once() == 12
    assert biller.most == 2  # side by side, but never the chat's slot
    assert sum(biller.status_requests.values()) == 12


async def test_status_checks_of_payments_made_at_once_are_spread(tmp_path: Path) -> None:
    biller = FakeBiller()
    clock = Clock()
    service = service_for(tmp_path, biller, clock)  # STATUS_POLL_INTERVALS 5,15,30
    refs = await pending_payments(service, biller, 50)
    paid_at = clock()
    txs = [service.ledger.get_transaction(ref) for ref in refs]
    assert {(tx.state, tx.paid_at) for tx in txs if tx is not None} == {(TxState.PENDING, paid_at)}
    due = [tx.next_check_at for tx in txs if tx is not None and tx.next_check_at is not None]
    assert len(due) == 50
    assert all(paid_at + timedelta(seconds=4) <= d <= paid_at + timedelta(seconds=5) for d in due)
    assert len(set(due)) == 50
    assert max(due) - min(due) > timedelta(seconds=0.5)  # a fifth of the 5 s gap, by ref


async def test_the_follow_up_yields_to_the_event_loop_between_batches(tmp_path: Path) -> None:
    biller = FakeBiller()  # answers at once: nothing in a status call gives the event loop away
    clock = Clock()
    service = service_for(tmp_path, biller, clock, BILLER_MAX_CONCURRENCY=3)
    await pending_payments(service, biller, 30)
    clock.advance(5)
    seen: list[int] = []
    follow_up = asyncio.create_task(service.follow_up_once())

    async def chat() -> None:  # another task on the loop: a chat update waiting for its turn
        while not follow_up.done():
            seen.append(sum(biller.status_requests.values()))
            await asyncio.sleep(0)

    await asyncio.gather(follow_up, chat())
    assert follow_up.result() == 30
    # the chat had a turn between batches of two, not once the 30 checks were all done
    assert len([n for n in seen if n < 30]) >= 10, seen


async def test_the_recovery_at_start_up_yields_to_the_event_loop_between_batches(tmp_path: Path) -> None:
    biller = FakeBiller()
    clock = Clock()
    service = service_for(tmp_path, biller, clock, BILLER_MAX_CONCURRENCY=3)
    refs = await pending_payments(service, biller, 30)
    seen: list[int] = []
    recovery = asyncio.create_task(service.recover())

    async def chat() -> None:
        while not recovery.done():
            seen.append(sum(biller.status_requests.values()))
            await asyncio.sleep(0)

    await asyncio.gather(recovery, chat())
    assert [tx.ref_id for tx in recovery.result()] == refs  # each checked once, oldest first
    assert sum(biller.status_requests.values()) == 30 and not biller.pay_requests.keys() - set(refs)
    assert len([n for n in seen if n < 30]) >= 10, seen


async def test_a_payment_waiting_for_a_slot_is_committed_and_paid_once(tmp_path: Path) -> None:
    biller = CountingBiller()
    clock = Clock()
    service = service_for(tmp_path, biller, clock, BILLER_MAX_CONCURRENCY=1, NO_RECORD_GRACE_SECONDS=0)
    service.top_up(ADMIN, USER, 1_000_000, "test")
    first = await service.inquire(USER, "TELKOMPSTN", "0218000001")
    waiting = await service.inquire(USER, "TELKOMPSTN", "0218000002")
    biller.pay_mode = "pending"
    await service.pay(first.ref_id, USER)
    biller.held = True  # a status call takes the only slot and keeps it
    clock.advance(5)
    follow_up = asyncio.create_task(service.refresh(first.ref_id, USER))
    await asyncio.sleep(0.05)
    biller.pay_mode = "success"
    pay = asyncio.create_task(service.pay(waiting.ref_id, USER))
    await asyncio.sleep(0.05)
    assert not pay.done() and biller.pay_requests[waiting.ref_id] == 0  # queued behind the slot
    row = service.ledger.get_transaction(waiting.ref_id)
    assert row is not None and row.state is TxState.PAYING  # committed before it waits
    assert [e.amount for e in service.ledger.entries_for(waiting.ref_id)] == [-waiting.amount]
    # a status answer "no record" while it waits (past the grace) does not fail it: in flight
    assert waiting.ref_id in service._in_flight
    no_record = biller._result(row.bill, "none", status=True)
    assert (await service._record(waiting.ref_id, no_record, "status")).state is TxState.PENDING  # not failed
    assert [e.amount for e in service.ledger.entries_for(waiting.ref_id)] == [-waiting.amount]  # no refund
    biller.held = False
    biller.hold.set()
    await follow_up
    done = await pay
    assert done.state is TxState.SUCCESS and biller.pay_requests[waiting.ref_id] == 1
    assert [e.amount for e in service.ledger.entries_for(waiting.ref_id)] == [-waiting.amount]


async def test_an_inquiry_that_finds_no_slot_in_time_is_refused_busy(tmp_path: Path) -> None:
    biller = CountingBiller()
    clock = Clock()
    service = service_for(tmp_path, biller, clock, BILLER_MAX_CONCURRENCY=1)
    service.biller.inquiry_patience = 0.1
    await pending_payments(service, biller, 1)
    biller.held = True
    clock.advance(5)
    follow_up = asyncio.create_task(service.follow_up_once())  # holds the only slot
    await asyncio.sleep(0.02)
    before = service.ledger.db.execute("SELECT count(*) FROM transactions").fetchone()[0]
    inquiries = biller.inquiries
    with pytest.raises(BillerBusy) as refused:
        await service.inquire(USER, "TELKOMPSTN", "0218999999")
    assert refused.value.reason.value == "busy"
    assert biller.inquiries == inquiries  # nothing was asked
    assert service.ledger.db.execute("SELECT count(*) FROM transactions").fetchone()[0] == before
    biller.hold.set()
    assert await follow_up == 1
    assert (await service.inquire(USER, "TELKOMPSTN", "0218999999")).state is TxState.INQUIRED


async def test_a_round_looks_for_untold_outcomes_at_most_every_30_seconds(tmp_path: Path) -> None:
    """That look reads every outcome of the last week (14 ms on 100,000 transactions): rounds
    come every fraction of a second while many checks are due, the look every 30 s."""
    clock = Clock()
    service = service_for(tmp_path, FakeBiller(), clock)
    looks: list[str] = []
    service.ledger.db.conn.set_trace_callback(
        lambda sql: looks.append(sql) if "FROM notices n" in sql else None
    )
    await service.follow_up_once()
    clock.advance(1)
    await service.follow_up_once()
    clock.advance(28)
    await service.follow_up_once()
    assert len(looks) == 1
    clock.advance(1)
    await service.follow_up_once()
    assert len(looks) == 2
