"""QRIS payment intents against the real payment core and the real Midtrans client on the
in-process gateway sandbox: the money rules for money in, one by one."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.gateways.base import GatewayOutcome, GatewayStatus
from bot.gateways.midtrans import signature
from bot.gateways.sandbox import SANDBOX_SERVER_KEY
from bot.moneyin.charge import new_order_id
from bot.moneyin.errors import AmountOutOfRange, ChargeFailed, IntentNotFound, QrisUnavailable
from bot.moneyin.models import AlarmKind, BillStep, IntentState, Purpose
from bot.moneyin.settle import EXPIRY_GRACE
from bot.payments.errors import InquiryExpired, NotPayable, TransactionNotFound
from bot.payments.models import TxState
from tests.core_fakes import ADMIN, OTHER, USER, snapshot
from tests.moneyin_fakes import World

NUMBER = "02112345678"
BILL = 101_500  # the fake biller's 100 000 + MARKUP 1500


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "db.sqlite3")
    yield w
    w.close()


async def inquire(world, user=USER, number=NUMBER):
    return await world.service.inquire(user, "TELKOMPSTN", number)


def intent_states(world, order_id):
    return [(e.from_state, e.to_state, e.cause) for e in world.money.store.intent_events(order_id)]


# -- paying a bill by QRIS ------------------------------------------------------------------------
async def test_an_empty_wallet_pays_a_bill_by_qris_credited_once_and_the_bill_paid_once(world):
    tx = await inquire(world)
    assert world.service.balance(USER) == 0
    intent = await world.qris.pay_bill(USER, tx.ref_id, notify={"chat_id": 5})
    assert (intent.state, intent.purpose, intent.bill_ref) == (IntentState.PENDING, Purpose.BILL, tx.ref_id)
    assert (intent.gross_amount, intent.fee, intent.credit_amount) == (BILL, 0, BILL)
    assert intent.qr_string and intent.expires_at == world.clock.now + timedelta(minutes=15)
    assert intent.notify == {"chat_id": 5}

    await world.sandbox.pay(intent.order_id)
    await world.qris.drain()
    paid = world.qris.get(intent.order_id, USER)
    assert (paid.state, paid.bill_step, paid.late) == (IntentState.PAID, BillStep.PAID, False)
    assert world.service.get(tx.ref_id, USER).state is TxState.SUCCESS
    assert world.biller.pay_requests == {tx.ref_id: 1}
    assert world.service.balance(USER) == 0  # credited BILL, then debited BILL
    assert [c["amount"] for c in world.credits(USER)] == [BILL]
    assert world.seen.said() == ["received"]
    assert world.seen.answers == [("settlement", 200)]
    assert intent_states(world, intent.order_id) == [
        (None, IntentState.CREATED, "create"),
        (IntentState.CREATED, IntentState.PENDING, "charge"),
        (IntentState.PENDING, IntentState.PAID, "notification"),
        (IntentState.PAID, IntentState.PAID, "bill"),
    ]


async def test_the_qris_fee_is_paid_on_top_and_stays_with_the_operator(tmp_path):
    world = World(tmp_path / "db.sqlite3", QRIS_FEE=700)
    tx = await inquire(world)
    assert world.qris.price_of_bill(tx.amount) == BILL + 700
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    assert (intent.gross_amount, intent.fee, intent.credit_amount) == (BILL + 700, 700, BILL)
    assert world.sandbox.orders[intent.order_id].gross_amount == BILL + 700
    await world.sandbox.pay(intent.order_id)
    await world.qris.drain()
    assert world.service.get(tx.ref_id, USER).state is TxState.SUCCESS and world.service.balance(USER) == 0
    world.close()


async def test_a_second_tap_shows_the_same_qr_and_another_users_bill_is_not_found(world):
    tx = await inquire(world)
    first = await world.qris.pay_bill(USER, tx.ref_id)
    again = await world.qris.pay_bill(USER, tx.ref_id)
    assert again.order_id == first.order_id and len(world.sandbox.orders) == 1
    with pytest.raises(TransactionNotFound):
        await world.qris.pay_bill(OTHER, tx.ref_id)
    with pytest.raises(TransactionNotFound):
        await world.qris.pay_bill(ADMIN, tx.ref_id)  # an operator sees every bill, pays only theirs
    with pytest.raises(IntentNotFound):
        world.qris.get(first.order_id, OTHER)
    with pytest.raises(IntentNotFound):
        await world.qris.check(first.order_id, OTHER)


async def test_an_old_or_settled_inquiry_gets_no_qr(world):
    tx = await inquire(world)
    world.clock.advance(901)
    before = snapshot(world.db)
    with pytest.raises(InquiryExpired):
        await world.qris.pay_bill(USER, tx.ref_id)
    assert snapshot(world.db) == before and world.sandbox.orders == {}
    tx2 = await inquire(world)
    world.service.cancel(tx2.ref_id, USER)
    with pytest.raises(NotPayable):
        await world.qris.pay_bill(USER, tx2.ref_id)


async def test_the_intent_is_committed_before_the_charge_leaves(world):
    seen_in_db = []
    real_charge = world.client.charge

    async def charge(order_id, gross_amount, expiry_minutes):
        row = world.money.store.get_intent(order_id)  # what another connection would read
        seen_in_db.append((row.state, row.gross_amount) if row else None)
        return await real_charge(order_id, gross_amount, expiry_minutes)

    world.client.charge = charge
    tx = await inquire(world)
    await world.qris.pay_bill(USER, tx.ref_id)
    assert seen_in_db == [(IntentState.CREATED, BILL)]
    assert not world.db.conn.in_transaction


async def test_a_refused_charge_fails_the_intent_and_an_unclear_one_is_settled_by_status(world):
    world.sandbox.orders.clear()
    tx = await inquire(world)

    async def refused(order_id, gross_amount, expiry_minutes):
        from bot.gateways.base import ChargeRefused

        raise ChargeRefused("charge refused (402): Payment channel is not activated.", code="402")

    world.client.charge = refused
    with pytest.raises(ChargeFailed) as failed:
        await world.qris.pay_bill(USER, tx.ref_id)
    assert not failed.value.unclear
    assert world.qris.get(failed.value.intent.order_id, USER).state is IntentState.FAILED

    async def unclear(order_id, gross_amount, expiry_minutes):
        from bot.gateways.base import ChargeUnclear

        raise ChargeUnclear("ReadTimeout during the charge")

    world.client.charge = unclear
    with pytest.raises(ChargeFailed) as hanging:
        await world.qris.pay_bill(USER, tx.ref_id)
    order_id = hanging.value.intent.order_id
    assert hanging.value.unclear and world.qris.get(order_id, USER).state is IntentState.CREATED
    world.clock.advance(61)
    await world.qris.poll_once()  # the gateway never heard of it: wait out the grace
    assert world.qris.get(order_id, USER).state is IntentState.CREATED
    world.clock.advance(300)
    await world.qris.poll_once()
    assert world.qris.get(order_id, USER).state is IntentState.FAILED
    assert world.service.balance(USER) == 0 and world.credits(USER) == []


async def test_an_unclear_charge_that_did_reach_the_gateway_is_cancelled_there(world):
    tx = await inquire(world)
    real_charge = world.client.charge

    async def lost_answer(order_id, gross_amount, expiry_minutes):
        await real_charge(order_id, gross_amount, expiry_minutes)
        from bot.gateways.base import ChargeUnclear

        raise ChargeUnclear("ReadTimeout during the charge")

    world.client.charge = lost_answer
    with pytest.raises(ChargeFailed) as hanging:
        await world.qris.pay_bill(USER, tx.ref_id)
    order_id = hanging.value.intent.order_id
    world.clock.advance(61)
    await world.qris.poll_once()
    assert world.qris.get(order_id, USER).state is IntentState.CANCELLED  # its QR was never shown
    assert world.sandbox.orders[order_id].status == "cancel"


# -- notifications -----------------------------------------------------------------------------------
async def test_duplicate_and_out_of_order_notifications_credit_once(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    await world.sandbox.pay(intent.order_id, notify="reversed")  # settlement, then the stale pending
    await world.sandbox.notify(intent.order_id, times=3)
    await world.sandbox.notify(intent.order_id, status="pending")
    await world.qris.drain()
    assert [a for a in world.seen.answers] == [("settlement", 200)] + [("pending", 200)] + [
        ("settlement", 200)
    ] * 3 + [("pending", 200)]
    assert [c["amount"] for c in world.credits(USER)] == [BILL]
    assert world.biller.pay_requests == {tx.ref_id: 1}
    assert world.qris.get(intent.order_id, USER).state is IntentState.PAID
    assert world.seen.said() == ["received"]


async def test_a_forged_notification_changes_nothing(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    before = snapshot(world.db)
    forged = {
        "order_id": intent.order_id,
        "status_code": "200",
        "gross_amount": f"{BILL}.00",
        "transaction_status": "settlement",
        "fraud_status": "accept",
        "currency": "IDR",
        "signature_key": signature(intent.order_id, "200", f"{BILL}.00", "SB-Mid-server-guessed"),
    }
    assert (await world.qris.on_notification(forged)).status == 401
    assert (await world.qris.on_notification({**forged, "signature_key": "00"})).status == 401
    assert (await world.qris.on_notification({"order_id": intent.order_id})).status == 400
    assert (await world.qris.on_notification("settlement")).status == 400
    assert snapshot(world.db) == before
    assert world.sandbox.status_requests[intent.order_id] == 0  # not even asked


async def test_a_rightly_signed_notification_alone_is_not_believed(world):
    """Signed with the key (say a leaked one) but the gateway says pending: nothing credited."""
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    note = {
        "order_id": intent.order_id,
        "status_code": "200",
        "gross_amount": f"{BILL}.00",
        "transaction_status": "settlement",
        "signature_key": signature(intent.order_id, "200", f"{BILL}.00", SANDBOX_SERVER_KEY),
    }
    assert (await world.qris.on_notification(note)).status == 200
    assert world.qris.get(intent.order_id, USER).state is IntentState.PENDING
    assert world.credits(USER) == [] and world.sandbox.status_requests[intent.order_id] == 1


async def test_an_unknown_order_is_404(world):
    note = {"order_id": "LQ-nobody", "status_code": "200", "gross_amount": "1000.00"}
    note["signature_key"] = signature("LQ-nobody", "200", "1000.00", SANDBOX_SERVER_KEY)
    before = snapshot(world.db)
    assert (await world.qris.on_notification(note)).status == 404
    assert snapshot(world.db) == before


async def test_the_status_call_down_answers_503_and_the_poll_credits_later(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    real_status = world.client.status

    async def down(order_id):
        return GatewayStatus(order_id=order_id, outcome=GatewayOutcome.UNKNOWN, message="ConnectError")

    world.client.status = down
    await world.sandbox.pay(intent.order_id)
    assert world.seen.answers == [("settlement", 503)] and world.credits(USER) == []
    world.client.status = real_status
    world.clock.advance(30)
    assert await world.qris.poll_once() == 1
    await world.qris.drain()
    assert world.qris.get(intent.order_id, USER).state is IntentState.PAID
    assert world.service.get(tx.ref_id, USER).state is TxState.SUCCESS


async def test_another_amount_or_currency_is_never_credited_and_alarms(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    world.sandbox.report_amount(intent.order_id, "1500.00")
    await world.sandbox.pay(intent.order_id)
    await world.sandbox.notify(intent.order_id)
    flagged = world.qris.get(intent.order_id, USER)
    assert flagged.state is IntentState.PENDING and flagged.flagged
    assert world.credits(USER) == [] and world.biller.pay_requests == {}
    assert [a.kind for a in world.seen.alarms] == [AlarmKind.MISMATCH]  # once, not per notification
    assert "1500" in world.seen.alarms[0].detail

    tx2 = await inquire(world, number="0217654321")
    other = await world.qris.pay_bill(USER, tx2.ref_id)
    real_status = world.client.status

    async def dollars(order_id):
        answer = await real_status(order_id)
        return answer.model_copy(update={"currency": "USD"})

    world.client.status = dollars
    await world.sandbox.pay(other.order_id)
    assert world.qris.get(other.order_id, USER).state is IntentState.PENDING and world.credits(USER) == []


# -- polling, checking, cancelling, expiry -------------------------------------------------------------
async def test_without_any_notification_the_poll_credits_and_i_have_paid_only_checks(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    checked = await world.qris.check(intent.order_id, USER)  # not paid yet: a status call, nothing else
    assert checked.state is IntentState.PENDING and world.credits(USER) == []
    await world.sandbox.pay(intent.order_id, notify="none")
    assert world.qris.get(intent.order_id, USER).state is IntentState.PENDING
    assert await world.qris.poll_once() == 0  # not due yet
    world.clock.advance(30)
    assert await world.qris.poll_once() == 1
    await world.qris.drain()
    assert world.qris.get(intent.order_id, USER).state is IntentState.PAID
    assert world.service.get(tx.ref_id, USER).state is TxState.SUCCESS


async def test_i_have_paid_triggers_a_status_check_that_credits(world):
    intent = await world.qris.top_up(USER, 50_000)
    await world.sandbox.pay(intent.order_id, notify="none")
    paid = await world.qris.check(intent.order_id, USER)
    assert paid.state is IntentState.PAID and world.service.balance(USER) == 50_000
    assert (await world.qris.check(intent.order_id, USER)).state is IntentState.PAID
    assert world.sandbox.status_requests[intent.order_id] == 1  # a paid one is not asked again
    assert world.seen.said() == ["credited"]


async def test_cancel_at_the_gateway_and_a_payment_that_beat_the_cancel(world):
    intent = await world.qris.top_up(USER, 20_000)
    cancelled = await world.qris.cancel(intent.order_id, USER)
    assert (
        cancelled.state is IntentState.CANCELLED and world.sandbox.orders[intent.order_id].status == "cancel"
    )
    raced = await world.qris.top_up(USER, 30_000)
    await world.sandbox.pay(raced.order_id, notify="none")
    assert (await world.qris.cancel(raced.order_id, USER)).state is IntentState.PAID
    assert world.service.balance(USER) == 30_000


async def test_past_its_expiry_loket_closes_it_and_a_late_payment_still_lands_in_the_wallet(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    world.clock.advance(15 * 60 + EXPIRY_GRACE)
    world.sandbox.orders[intent.order_id].expires_at += timedelta(hours=1)  # the gateway lags
    for _ in range(6):
        await world.qris.poll_once()
        world.clock.advance(30)
    expired = world.qris.get(intent.order_id, USER)
    assert expired.state is IntentState.EXPIRED and expired.reason == "expired_locally"
    assert world.sandbox.orders[intent.order_id].status == "cancel"  # closed at the gateway too
    assert world.seen.said() == ["expired"]

    await world.sandbox.pay(intent.order_id, late=True)  # the issuer let it through after all
    await world.qris.drain()
    late = world.qris.get(intent.order_id, USER)
    assert (late.state, late.late, late.bill_step) == (IntentState.PAID, True, BillStep.KEPT)
    assert world.service.balance(USER) == BILL  # in the wallet, never lost
    assert world.biller.pay_requests == {}  # the bill is not paid from a late payment
    assert world.seen.said() == ["expired", "late"]


async def test_the_gateways_own_expiry_then_a_late_payment(world):
    intent = await world.qris.top_up(USER, 25_000)
    await world.sandbox.expire(intent.order_id)
    assert world.qris.get(intent.order_id, USER).state is IntentState.EXPIRED
    await world.sandbox.pay(intent.order_id, late=True, notify="twice")
    assert world.service.balance(USER) == 25_000 and len(world.credits(USER)) == 1
    assert world.seen.said() == ["expired", "late"]


async def test_a_pending_intent_a_day_past_expiry_is_flagged_once(world):
    intent = await world.qris.top_up(USER, 25_000)
    world.sandbox.orders[intent.order_id].expires_at += timedelta(days=10)

    async def cannot(order_id):
        return GatewayStatus(order_id=order_id, outcome=GatewayOutcome.UNKNOWN, status_code="412")

    world.client.cancel = cannot
    for _ in range(40):
        world.clock.advance(3600)
        await world.qris.poll_once()
    stuck = world.qris.get(intent.order_id, USER)
    assert stuck.state is IntentState.EXPIRED and stuck.flagged and stuck.next_check_at is None
    assert [a.kind for a in world.seen.alarms] == [AlarmKind.STUCK]
    assert world.seen.said() == ["expired"]
    await world.sandbox.pay(intent.order_id)  # a notification still works on a flagged one
    late = world.qris.get(intent.order_id, USER)
    assert (late.state, late.late) == (IntentState.PAID, True) and world.service.balance(USER) == 25_000


async def test_expired_by_loket_while_the_gateway_would_not_cancel_it_is_still_looked_at(world):
    intent = await world.qris.top_up(USER, 25_000)
    world.sandbox.orders[intent.order_id].expires_at += timedelta(days=10)
    real_cancel = world.client.cancel

    async def cannot(order_id):
        return GatewayStatus(order_id=order_id, outcome=GatewayOutcome.UNKNOWN, status_code="500")

    world.client.cancel = cannot
    world.clock.advance(15 * 60 + EXPIRY_GRACE)
    await world.qris.poll_once()
    expired = world.qris.get(intent.order_id, USER)
    assert expired.state is IntentState.EXPIRED and expired.next_check_at is not None
    await world.sandbox.pay(intent.order_id, notify="none")  # paid at the gateway, nobody told
    world.clock.advance(3600)
    await world.qris.poll_once()
    late = world.qris.get(intent.order_id, USER)
    assert (late.state, late.late, late.next_check_at) == (IntentState.PAID, True, None)
    assert world.service.balance(USER) == 25_000
    world.client.cancel = real_cancel
    other = await world.qris.top_up(USER, 30_000)
    world.clock.advance(15 * 60 + EXPIRY_GRACE)
    await world.qris.poll_once()
    closed = world.qris.get(other.order_id, USER)  # the gateway took the cancel: no more looks
    assert (closed.state, closed.next_check_at) == (IntentState.EXPIRED, None)


# -- when the bill can no longer be paid -------------------------------------------------------------
async def test_a_bill_paid_meanwhile_keeps_the_money_in_the_wallet_and_says_so(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    world.service.top_up(ADMIN, OTHER, 500_000)
    world.clock.advance(5)
    other = await inquire(world, user=OTHER)
    await world.service.pay(other.ref_id, OTHER)  # the same bill, paid by someone else
    world.clock.advance(5)
    await world.sandbox.pay(intent.order_id)
    await world.qris.drain()
    kept = world.qris.get(intent.order_id, USER)
    assert (kept.state, kept.bill_step, kept.bill_note) == (IntentState.PAID, BillStep.KEPT, "already_paid")
    assert world.service.balance(USER) == BILL
    assert world.biller.pay_requests == {other.ref_id: 1}
    assert world.seen.said() == ["received", "bill_kept"]
    assert world.seen.news[-1].detail == "already_paid"


async def test_an_inquiry_too_old_by_the_time_the_qr_is_paid_keeps_the_money(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    world.clock.advance(14 * 60)  # still within the QR's 15 minutes, past the 900 s inquiry
    world.clock.advance(61)
    world.sandbox.orders[intent.order_id].expires_at += timedelta(minutes=5)
    await world.sandbox.pay(intent.order_id)
    await world.qris.drain()
    kept = world.qris.get(intent.order_id, USER)
    assert (kept.bill_step, kept.bill_note) == (BillStep.KEPT, "inquiry_expired")
    assert world.service.balance(USER) == BILL and world.biller.pay_requests == {}


async def test_a_biller_failure_refunds_to_the_wallet_through_the_core(world):
    world.biller.pay_mode = "failed"
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    await world.sandbox.pay(intent.order_id)
    await world.qris.drain()
    assert world.service.get(tx.ref_id, USER).state is TxState.FAILED
    assert world.service.balance(USER) == BILL  # credited, debited, refunded by the core
    assert world.qris.get(intent.order_id, USER).bill_step is BillStep.PAID


# -- reversals -------------------------------------------------------------------------------------
async def test_a_refund_after_settlement_is_offset_once_and_alarms(world):
    intent = await world.qris.top_up(USER, 80_000)
    await world.sandbox.pay(intent.order_id)
    await world.sandbox.refund(intent.order_id)
    await world.sandbox.notify(intent.order_id, times=2)
    reversed_ = world.qris.get(intent.order_id, USER)
    assert (reversed_.state, reversed_.reversed_amount, reversed_.shortfall) == (
        IntentState.REVERSED,
        80_000,
        0,
    )
    assert world.service.balance(USER) == 0
    assert sorted(c["amount"] for c in world.credits(USER)) == [-80_000, 80_000]
    assert [a.kind for a in world.seen.alarms] == [AlarmKind.REVERSAL]


async def test_a_reversal_of_money_already_spent_never_makes_the_wallet_negative(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    world.service.top_up(ADMIN, USER, 1_000)
    await world.sandbox.pay(intent.order_id)
    await world.qris.drain()  # the bill was paid from the credit: 1 000 left
    await world.sandbox.deny(intent.order_id)
    reversed_ = world.qris.get(intent.order_id, USER)
    assert (reversed_.state, reversed_.reversed_amount, reversed_.shortfall) == (
        IntentState.REVERSED,
        1_000,
        BILL - 1_000,
    )
    assert world.service.balance(USER) == 0
    assert (
        "could not be" in world.seen.alarms[-1].detail and str(BILL - 1_000) in world.seen.alarms[-1].detail
    )


async def test_a_partial_refund_takes_back_only_its_amount(world):
    intent = await world.qris.top_up(USER, 80_000)
    await world.sandbox.pay(intent.order_id)
    await world.sandbox.refund(intent.order_id, 30_000)
    assert world.service.balance(USER) == 50_000
    assert world.qris.get(intent.order_id, USER).reversed_amount == 30_000


# -- top-ups, limits, order ids, secrets ---------------------------------------------------------------
async def test_top_up_limits_and_no_gateway(world, tmp_path):
    for amount in (9_999, 10_000_001, 15_000.0, True, "20000"):
        with pytest.raises(AmountOutOfRange):
            await world.qris.top_up(USER, amount)
    assert world.sandbox.orders == {}
    none = World(tmp_path / "none.sqlite3", PAYMENT_GATEWAY="none")
    none.money.qris.gateway = None
    with pytest.raises(QrisUnavailable):
        await none.qris.top_up(USER, 50_000)
    none.close()


def test_order_ids_are_unique_and_midtrans_shaped(world):
    ids = {new_order_id(world.clock.now) for _ in range(3000)}
    assert len(ids) == 3000
    assert all(len(i) == 22 and i.isalnum() and i.startswith("LQ") for i in ids)


async def test_an_order_id_is_never_reused(world):
    intent = await world.qris.top_up(USER, 50_000)
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="never reused"):
        world.money.store.insert_intent(intent)


async def test_the_server_key_never_reaches_the_database_or_the_logs(world, caplog):
    caplog.set_level(logging.DEBUG)
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    await world.sandbox.pay(intent.order_id, notify="twice")
    await world.qris.on_notification({"order_id": intent.order_id, "status_code": "200",
                                      "gross_amount": "1.00", "signature_key": "bad"})  # fmt: skip
    await world.qris.drain()
    world.db.conn.commit()
    dump = "\n".join(world.db.conn.iterdump())
    assert SANDBOX_SERVER_KEY not in dump and SANDBOX_SERVER_KEY not in caplog.text
    assert world.money.store.messages(intent.order_id)  # the raw answers are kept for audit


# -- restarts ----------------------------------------------------------------------------------------
async def test_a_restart_between_the_credit_and_the_bill_payment_finishes_it_once(world):
    tx = await inquire(world)
    intent = await world.qris.pay_bill(USER, tx.ref_id)
    world.qris._spawn = lambda coro: coro.close()  # the process dies before the bill step runs
    await world.sandbox.pay(intent.order_id)
    assert world.qris.get(intent.order_id, USER).bill_step is BillStep.TODO
    assert world.service.balance(USER) == BILL and world.biller.pay_requests == {}
    world.close()
    world.connect()
    await world.money.recover()
    await world.money.recover()  # a second start finds nothing to do
    done = world.qris.get(intent.order_id, USER)
    assert done.bill_step is BillStep.PAID and world.biller.pay_requests == {tx.ref_id: 1}
    assert world.service.get(tx.ref_id, USER).state is TxState.SUCCESS
    assert [c["amount"] for c in world.credits(USER)] == [BILL]


async def test_a_payment_made_while_loket_was_down_is_found_at_start(world):
    intent = await world.qris.top_up(USER, 40_000)
    world.delivering = False
    await world.sandbox.pay(intent.order_id)  # the notification could not be delivered
    world.close()
    world.connect()
    await world.money.recover()
    assert world.qris.get(intent.order_id, USER).state is IntentState.PAID
    assert world.service.balance(USER) == 40_000


async def test_another_gateways_intents_are_never_asked_paid_or_notified(world):
    """A database that ran with the sandbox, then with Midtrans: play orders stay play orders."""
    intent = await world.qris.top_up(USER, 50_000)
    tx = await inquire(world)
    bill = await world.qris.pay_bill(USER, tx.ref_id)
    world.qris._spawn = lambda coro: coro.close()
    await world.sandbox.pay(bill.order_id)  # credited, its bill not paid yet
    world.client.name = "midtrans"  # the same process now speaks to another gateway
    before = snapshot(world.db)
    world.clock.advance(3600)
    await world.qris.poll_once()
    await world.qris.recover()
    assert (await world.qris.check(intent.order_id, USER)).state is IntentState.PENDING
    assert (await world.qris.cancel(intent.order_id, USER)).state is IntentState.PENDING
    note = {"order_id": intent.order_id, "status_code": "200", "gross_amount": "50000.00"}
    note["signature_key"] = signature(intent.order_id, "200", "50000.00", SANDBOX_SERVER_KEY)
    assert (await world.qris.on_notification(note)).status == 404
    assert snapshot(world.db) == before
    assert world.sandbox.status_requests[intent.order_id] == 0 and world.biller.pay_requests == {}
