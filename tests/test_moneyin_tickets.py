"""Deposit tickets: a unique amount to transfer, an operator's accept (credited once) or reject."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.moneyin.errors import (
    AmountOutOfRange,
    TicketClosed,
    TicketNotFound,
    TicketsFull,
    TicketsUnavailable,
    TooManyTickets,
)
from bot.moneyin.models import TicketState
from bot.moneyin.tickets import MAX_OPEN_PER_USER
from tests.core_fakes import ADMIN, OTHER, USER, snapshot
from tests.moneyin_fakes import World

BANK = "BCA 1234567890 a.n. Toko Loket"


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "db.sqlite3", DEPOSIT_BANK_INFO=BANK, PAYMENT_GATEWAY="none")
    w.seen_tickets = []

    async def observer(ticket):
        w.seen_tickets.append((ticket.ticket_id, ticket.state))

    w.tickets.add_observer(observer)
    yield w
    w.close()


async def test_a_ticket_asks_for_a_unique_amount_to_the_bank_account_for_24_hours(world):
    ticket = await world.tickets.open(USER, 100_000, notify={"chat_id": 9})
    assert ticket.state is TicketState.OPEN and ticket.bank_info == BANK
    assert 1 <= ticket.unique_code <= 999 and ticket.transfer_amount == 100_000 + ticket.unique_code
    assert ticket.expires_at == world.clock.now + timedelta(hours=24)
    assert ticket.notify == {"chat_id": 9}
    assert world.seen_tickets == [(ticket.ticket_id, TicketState.OPEN)]
    assert world.service.balance(USER) == 0  # nothing credited by asking


async def test_codes_and_amounts_are_unique_among_open_tickets(world):
    users = range(1000, 1000 + 200)
    tickets = [await world.tickets.open(user, 50_000 + (user % 7)) for user in users]
    assert len({t.unique_code for t in tickets}) == 200
    assert len({t.transfer_amount for t in tickets}) == 200
    with pytest.raises(sqlite3.IntegrityError):  # the database says so too
        world.money.store.insert_ticket(
            5, 50_000, tickets[0].unique_code, BANK, world.clock.now, world.clock.now, {}
        )


async def test_an_amount_already_open_with_another_code_is_avoided(world):
    """50 000 + 7 and 50 006 + 1 would both be 50 007 on the statement: never both open."""
    offered = []

    def choose(free):
        offered.append(list(free))
        return 7 if 7 in free else min(free)

    world.tickets._choose = choose
    first = await world.tickets.open(USER, 50_000)
    second = await world.tickets.open(OTHER, 50_006)
    assert 1 not in offered[1] and 7 not in offered[1]  # neither 50 007 again nor code 7 again
    assert (first.transfer_amount, second.transfer_amount) == (50_007, 50_008)
    assert len(offered) == 2  # chosen right the first time, not saved by the database's retry


async def test_when_every_code_is_taken_the_customer_is_told_to_wait(world):
    world.tickets._choose = min
    for user in range(2000, 2999):
        await world.tickets.open(user, 10_000 * (1 + user % 3))
    with pytest.raises(TicketsFull):
        await world.tickets.open(USER, 10_000)
    world.clock.advance(24 * 3600)  # they expire: the codes are free again
    assert (await world.tickets.open(USER, 10_000)).state is TicketState.OPEN


async def test_limits(world, tmp_path):
    for amount in (9_999, 100_000_001, 15_000.5, True, "50000", -1):
        with pytest.raises(AmountOutOfRange):
            await world.tickets.open(USER, amount)
    for _ in range(MAX_OPEN_PER_USER):
        await world.tickets.open(USER, 20_000)
    with pytest.raises(TooManyTickets):
        await world.tickets.open(USER, 20_000)
    bare = World(tmp_path / "bare.sqlite3", PAYMENT_GATEWAY="none")
    with pytest.raises(TicketsUnavailable):
        await bare.tickets.open(USER, 20_000)
    bare.close()


async def test_an_operator_accepts_once_by_the_confirmed_amount_recording_who(world):
    ticket = await world.tickets.open(USER, 100_000)
    accepted = await world.tickets.accept(ADMIN, ticket.ticket_id)
    assert accepted.state is TicketState.ACCEPTED and accepted.decided_by == ADMIN
    assert accepted.credited_amount == ticket.transfer_amount  # what the statement shows, code included
    assert world.service.balance(USER) == ticket.transfer_amount
    [credit] = world.credits(USER)
    assert (credit["actor_id"], credit["credit_key"]) == (ADMIN, f"ticket:{ticket.ticket_id}")
    before = snapshot(world.db)
    with pytest.raises(TicketClosed):
        await world.tickets.accept(ADMIN, ticket.ticket_id)
    with pytest.raises(TicketClosed):
        await world.tickets.reject(ADMIN, ticket.ticket_id)
    assert snapshot(world.db) == before
    assert world.seen_tickets[-1] == (ticket.ticket_id, TicketState.ACCEPTED)

    other = await world.tickets.open(OTHER, 200_000)
    less = await world.tickets.accept(ADMIN, other.ticket_id, amount=150_000)  # only 150 000 came
    assert less.credited_amount == 150_000 and world.service.balance(OTHER) == 150_000


async def test_a_second_credit_of_one_ticket_is_refused_by_the_database(world):
    ticket = await world.tickets.open(USER, 100_000)
    await world.tickets.accept(ADMIN, ticket.ticket_id)
    with pytest.raises(sqlite3.IntegrityError):
        world.money.store.add_credit(USER, 100_000, ticket.credit_key, world.clock.now)
    assert world.service.balance(USER) == ticket.transfer_amount


async def test_reject_and_who_may_decide(world):
    ticket = await world.tickets.open(USER, 100_000)
    before = snapshot(world.db)
    for stranger in (USER, OTHER):
        with pytest.raises(PermissionError):
            await world.tickets.accept(stranger, ticket.ticket_id)
        with pytest.raises(PermissionError):
            world.tickets.open_tickets(stranger)
    with pytest.raises(TicketNotFound):
        await world.tickets.accept(ADMIN, 999)
    for amount in (0, -5, 1.5, True):
        with pytest.raises(AmountOutOfRange):
            await world.tickets.accept(ADMIN, ticket.ticket_id, amount=amount)
    assert snapshot(world.db) == before
    rejected = await world.tickets.reject(ADMIN, ticket.ticket_id, "  no such transfer  ")
    assert (rejected.state, rejected.decided_by, rejected.note) == (
        TicketState.REJECTED,
        ADMIN,
        "no such transfer",
    )
    assert world.service.balance(USER) == 0
    with pytest.raises(TicketNotFound):
        world.tickets.get(ticket.ticket_id, OTHER)
    assert world.tickets.get(ticket.ticket_id, ADMIN).ticket_id == ticket.ticket_id


async def test_open_tickets_listed_and_expired_ones_can_still_be_accepted(world):
    a = await world.tickets.open(USER, 100_000)
    world.clock.advance(3600)
    b = await world.tickets.open(OTHER, 50_000)
    assert [t.ticket_id for t in world.tickets.open_tickets(ADMIN)] == [a.ticket_id, b.ticket_id]
    assert world.tickets.find_by_transfer(ADMIN, b.transfer_amount).ticket_id == b.ticket_id
    world.clock.advance(23 * 3600)
    assert [t.ticket_id for t in world.tickets.open_tickets(ADMIN)] == [b.ticket_id]
    assert world.tickets.get(a.ticket_id, USER).state is TicketState.EXPIRED
    late = await world.tickets.accept(ADMIN, a.ticket_id)  # the transfer came after all
    assert late.state is TicketState.ACCEPTED and world.service.balance(USER) == a.transfer_amount
    assert [e["to_state"] for e in world.money.store.ticket_events(a.ticket_id)] == [
        "OPEN",
        "EXPIRED",
        "ACCEPTED",
    ]


async def test_a_decided_ticket_never_changes_in_the_database(world):
    ticket = await world.tickets.open(USER, 100_000)
    await world.tickets.accept(ADMIN, ticket.ticket_id)
    for sql in (
        "UPDATE deposit_tickets SET credited_amount = 999999",
        "UPDATE deposit_tickets SET state = 'REJECTED'",
        "UPDATE deposit_tickets SET decided_by = 5",
        "UPDATE deposit_tickets SET amount = 1",
        "DELETE FROM deposit_tickets",
        "UPDATE ticket_events SET amount = 1",
        "DELETE FROM ticket_events",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            world.db.execute(sql)
