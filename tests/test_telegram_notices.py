"""What the core tells the chat (bot/telegram/notices.py): a settled payment to its owner, in
the language they read now and even after an outage; alarms and stuck payments to the operators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.billers import make_biller
from bot.payments.models import TxState
from tests.tg_setup import ADMIN, CUSTOMER, PLN_OK, PLN_PENDING, Harness, make_settings


async def test_pending_payment_settles_after_restart_and_edits_the_bill(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    biller = make_biller(settings)  # the same sandbox: it remembers the payment
    async with Harness(tmp_path, biller=biller) as first:
        first.fund(CUSTOMER, 1_000_000)
        chat = first.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = first.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        assert first.service.get(ref, CUSTOMER).state is TxState.PENDING
        assert first.errors == []
    async with Harness(tmp_path, biller=biller) as second:
        second.api.messages[(CUSTOMER, bill["message_id"])] = bill  # the chat still shows the bill
        for _ in range(5):
            await second.service.recover()
            if second.service.get(ref, CUSTOMER).is_final:
                break
        assert second.service.get(ref, CUSTOMER).state is TxState.SUCCESS
        edits = second.api.sent("editMessageText", CUSTOMER)
        assert int(edits[-1].params["message_id"]) == bill["message_id"]
        assert "STRUK" in edits[-1].params["text"] and ref in edits[-1].params["text"]
        assert biller.simulator.payments() == {ref: 1}
        assert second.errors == []
    await biller.aclose()


async def test_settled_payment_sends_a_new_message_when_the_edit_fails(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        bot.api.gone.add(bill["message_id"])  # too old / deleted
        sent_before = len(bot.api.sent("sendMessage", CUSTOMER))
        for _ in range(5):
            await bot.service.refresh(ref, CUSTOMER)
            if bot.service.get(ref, CUSTOMER).is_final:
                break
        new = bot.api.sent("sendMessage", CUSTOMER)[sent_before:]
        assert len(new) == 1 and "STRUK" in new[0].params["text"] and ref in new[0].params["text"]
        assert bot.errors == []


async def test_settled_payment_also_tells_a_chat_that_moved_on(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        await chat.says("/saldo")  # the chat moved on: the bill is no longer the newest message
        sent_before = len(bot.api.sent("sendMessage", CUSTOMER))
        for _ in range(5):
            await bot.service.refresh(ref, CUSTOMER)
            if bot.service.get(ref, CUSTOMER).is_final:
                break
        assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]  # edited in place
        new = bot.api.sent("sendMessage", CUSTOMER)[sent_before:]
        assert len(new) == 1 and ref in new[0].params["text"]  # and told below
        assert bot.errors == []


async def test_after_a_restart_a_chat_that_moved_on_is_told_below_too(tmp_path: Path) -> None:
    """A chat's data is read when first needed (storage/persistence.py): the restarted bot's
    news still knows the chat moved on past the bill, though nobody wrote to it since."""
    settings = make_settings(tmp_path)
    biller = make_biller(settings)  # the same sandbox: it remembers the payment
    async with Harness(tmp_path, biller=biller) as first:
        first.fund(CUSTOMER, 1_000_000)
        chat = first.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = first.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        await chat.says("/saldo")  # the chat moved on: the bill is no longer the newest message
        await first.app.update_persistence()
    async with Harness(tmp_path, biller=biller) as second:
        second.api.messages[(CUSTOMER, bill["message_id"])] = bill  # the chat still shows the bill
        for _ in range(5):
            await second.service.recover()
            if second.service.get(ref, CUSTOMER).is_final:
                break
        assert "STRUK" in second.api.message(CUSTOMER, bill["message_id"])["text"]  # edited in place
        new = second.api.sent("sendMessage", CUSTOMER)
        assert len(new) == 1 and ref in new[0].params["text"]  # and told below
        assert second.errors == []
    await biller.aclose()


async def test_news_of_a_pending_payment_comes_in_the_language_picked_since(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
    bill = chat.last()
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"pay:{tx.ref_id}")
    await chat.says("/lang")
    await chat.clicks(chat.last(), "lang:en")
    for _ in range(5):
        await bot.service.refresh(tx.ref_id, CUSTOMER)
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
    assert "PAYMENT RECEIPT" in bot.api.message(CUSTOMER, bill["message_id"])["text"]


async def test_a_receipt_missed_while_telegram_was_down_arrives_later(tmp_path: Path) -> None:
    from bot.payments.service import RETELL_FIRST

    now = [datetime.now(UTC)]
    async with Harness(tmp_path, clock=lambda: now[0], SANDBOX_PENDING_CHECKS="0") as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        tx = bot.service.history(CUSTOMER)[0]
        await chat.clicks(bill, f"pay:{tx.ref_id}")
        assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.PENDING
        bot.api.down = True
        now[0] += timedelta(seconds=30)
        await bot.service.follow_up_once()  # settles SUCCESS; telling the user fails
        assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
        assert "STRUK" not in bot.api.message(CUSTOMER, bill["message_id"])["text"]
        bot.api.down = False
        now[0] += timedelta(seconds=RETELL_FIRST)
        await bot.service.follow_up_once()
        assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
        now[0] += timedelta(hours=2)
        edits = len(bot.api.sent("editMessageText", CUSTOMER))
        await bot.service.follow_up_once()
        assert len(bot.api.sent("editMessageText", CUSTOMER)) == edits  # told once


async def test_a_user_who_blocked_the_bot_is_not_told_again_and_again(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        tx = bot.service.history(CUSTOMER)[0]
        await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
        bot.api.blocked.add(CUSTOMER)
        for _ in range(5):
            await bot.service.refresh(tx.ref_id, CUSTOMER)
        assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
        rows = bot.db.execute("SELECT delivered FROM notices WHERE ref_id = ?", [tx.ref_id]).fetchall()
        assert rows == [(1,)]  # nothing more can be done: not retried for a week


async def test_payment_pending_past_the_follow_up_window_is_flagged_to_the_operators(tmp_path: Path) -> None:
    from tests.core_fakes import Clock
    from tests.tg_setup import ADMIN

    clock = Clock()
    async with Harness(
        tmp_path,
        clock=clock,
        SANDBOX_PENDING_CHECKS="100000",
        STATUS_POLL_INTERVALS="60",
        STATUS_FOLLOW_HOURS="2",
    ) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(chat.last(), f"pay:{ref}")
        for _ in range(6):  # 60 s, then hourly: the third hour is past the window
            clock.advance(3600)
            await bot.service.follow_up_once()
        tx = bot.service.get(ref, CUSTOMER)
        assert tx.state is TxState.PENDING and tx.flagged
        told = [c.params["text"] for c in bot.api.sent("sendMessage", ADMIN)]
        assert len(told) == 1 and ref in told[0] and "lebih dari 2 jam" in told[0]
        assert f"<code>/resolve {ref}</code> success" in told[0]  # how to close it
        assert bot.errors == []


async def test_operators_are_told_when_the_biller_contradicts_a_settled_payment(bot: Harness) -> None:
    from bot.billers.base import Outcome, PaymentResult, Reason

    bot.fund(CUSTOMER, 1_000_000)
    op = bot.chat(ADMIN, "en", "Op")
    await op.says("/start")  # the operator's language is known from here on
    chat = bot.chat()
    await chat.says("CEK.PLNPOSTPAID.530000001037")
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
    failed = bot.service.get(tx.ref_id, CUSTOMER)
    assert failed.state is TxState.FAILED
    late = PaymentResult(
        outcome=Outcome.SUCCESS, reason=Reason.OK, provider="sandbox", ref_id=tx.ref_id, provider_code="00"
    )
    before = bot.service.balance(CUSTOMER)
    await bot.service._record(tx.ref_id, late, "status")  # a late answer, as the core gets one
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.FAILED
    assert bot.service.balance(CUSTOMER) == before
    text = bot.api.last_text(ADMIN)
    assert text.startswith("🚨 Transaction") and tx.ref_id in text and "FAILED" in text
    assert "answers SUCCESS (code 00)" in text and str(CUSTOMER) in text and "/adjust" in text


async def test_a_success_for_another_total_than_the_bill_is_flagged_to_operators(bot: Harness) -> None:
    from bot.billers.base import Outcome, PaymentResult, Reason

    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
    assert bot.api.sent("sendMessage", ADMIN) == []  # the sandbox charged the bill's total: quiet
    odd = PaymentResult(
        outcome=Outcome.SUCCESS, reason=Reason.OK, provider="sandbox", ref_id=tx.ref_id,
        provider_code="00", amount=tx.bill_total + 2_500,
    )  # fmt: skip
    await bot.service._record(tx.ref_id, odd, "status")
    text = bot.api.last_text(ADMIN)
    assert text.startswith("🚨 Transaksi") and tx.ref_id in text
    bill, charged = (f"Rp {v:,}".replace(",", ".") for v in (tx.bill_total, tx.bill_total + 2_500))
    assert f"total {charged}, bukan {bill}" in text
