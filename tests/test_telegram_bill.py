"""A bill and its Pay / Cancel buttons, through the real Application (bot/telegram/flows/bill.py):
paid at most once, from the database's amount; every refusal explained."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.payments.models import TxState
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, PLN_OK, PLN_PENDING, Harness, walk_to_bill


def queries_expire(bot: Harness) -> None:
    """From now on Telegram answers every answerCallbackQuery with 'query is too old'."""
    real = bot.api.do_request

    async def do_request(url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/answerCallbackQuery"):
            bot.api.calls.append(type(bot.api.calls[0])("answerCallbackQuery", {}))
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: query is too old and response timeout expired "
                "or query ID is invalid",
            }
            return 400, json.dumps(body).encode()
        return await real(url, method, request_data, *args, **kwargs)

    bot.api.do_request = do_request  # type: ignore[method-assign]


async def test_whole_payment_bill_then_receipt(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    await chat.says("/start")
    await chat.clicks(chat.last(), "m:pay")
    await chat.clicks(chat.last(), "cat:pln")
    msg = chat.last()
    await chat.clicks(msg, "prod:PLNPOSTPAID")
    ask = chat.last()
    assert "ID pelanggan PLN 12 digit" in ask["text"]  # the product's hint
    await chat.says(PLN_OK)
    assert bot.api.sent("sendChatAction", CUSTOMER) == []  # answered at once: no "typing…"
    bill = chat.last()
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.state is TxState.INQUIRED
    text = bill["text"]
    assert tx.customer_name in text and "Total" in text
    for line in tx.bill.lines:
        assert line.period in text
    assert "Saldo setelah bayar" in text
    total = f"Rp {tx.amount:,}".replace(",", ".")
    assert total in text
    assert chat.buttons(bill) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
    assert bill["reply_markup"]["inline_keyboard"][0][0]["text"] == f"Bayar {total}"
    await chat.clicks(bill, f"pay:{tx.ref_id}")
    edits = [c for c in bot.api.sent("editMessageText") if int(c.params["message_id"]) == bill["message_id"]]
    assert len(edits) == 1  # paid at once: straight to the receipt, no "processing" first
    receipt = bot.api.message(CUSTOMER, bill["message_id"])["text"]
    done = bot.service.get(tx.ref_id, CUSTOMER)
    assert done.state is TxState.SUCCESS
    assert "STRUK" in receipt and tx.ref_id in receipt and done.biller_ref in receipt and "WIB" in receipt

    def rp(amount: int) -> str:
        return f"Rp {amount:,}".replace(",", ".")

    # the receipt's figures add up: bill + admin + service fee = paid
    assert f"Tagihan: {rp(tx.bill.nominal)}" in receipt and f"Biaya admin: {rp(tx.bill.admin)}" in receipt
    assert f"Biaya layanan: {rp(tx.markup)}" in receipt and f"Dibayar: {rp(tx.amount)}" in receipt
    assert tx.bill.nominal + tx.bill.admin + tx.markup == tx.amount
    assert bot.service.balance(CUSTOMER) == 5_000_000 - tx.amount
    assert len(chat.answers()) == 4  # every callback query answered


async def test_double_tap_pays_once(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
    ref = bot.service.history(CUSTOMER)[0].ref_id
    await asyncio.gather(chat.clicks(bill, f"pay:{ref}"), chat.clicks(bill, f"pay:{ref}"))
    await chat.clicks(bill, f"pay:{ref}")  # and an old button pressed later
    assert bot.biller.simulator.payments() == {ref: 1}  # the biller saw one pay request
    debits = [e for e in bot.service.statement(CUSTOMER, 50) if e.kind == "debit"]
    assert len(debits) == 1
    answers = chat.answers()
    assert any("jangan diulang" in (a.get("text") or "") for a in answers)


async def test_payment_failed_refunds_and_stays_in_history(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", "530000001037")
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"pay:{tx.ref_id}")
    text = bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert "gagal" in text and "dikembalikan" in text and f"Rp {tx.amount:,}".replace(",", ".") in text
    assert bot.service.balance(CUSTOMER) == 5_000_000
    await chat.says("/history")
    assert tx.ref_id in chat.last()["text"] and "GAGAL" in chat.last()["text"]


async def test_biller_down_on_payment(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", "530000001105")
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"pay:{tx.ref_id}")
    assert "gangguan" in bot.api.message(CUSTOMER, bill["message_id"])["text"]


async def test_insufficient_balance_shows_shortfall_and_user_id(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"pay:{tx.ref_id}")
    text = bot.api.message(CUSTOMER, bill["message_id"])["text"]
    shortfall = f"Rp {tx.amount - 1000:,}".replace(",", ".")
    assert "Saldo tidak cukup" in text and shortfall in text and str(CUSTOMER) in text
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.INQUIRED
    assert bot.service.balance(CUSTOMER) == 1000


async def test_cancelled_bill_button_never_pays(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
    ref = bot.service.history(CUSTOMER)[0].ref_id
    await chat.clicks(bill, f"cancel:{ref}")
    assert "dibatalkan" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
    await chat.clicks(bill, f"pay:{ref}")
    assert "dibatalkan" in chat.answers()[-1]["text"]
    assert bot.service.get(ref, CUSTOMER).state is TxState.CANCELLED
    assert bot.service.balance(CUSTOMER) == 5_000_000


async def test_expired_bill_button_never_pays(tmp_path: Path) -> None:
    now = [datetime.now(UTC)]
    async with Harness(tmp_path, clock=lambda: now[0]) as bot:
        bot.fund(CUSTOMER, 5_000_000)
        chat = bot.chat()
        bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
        ref = bot.service.history(CUSTOMER)[0].ref_id
        now[0] = now[0] + timedelta(seconds=bot.settings.inquiry_ttl_seconds + 5)
        await chat.clicks(bill, f"pay:{ref}")
        assert "kedaluwarsa" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
        await chat.clicks(bill, f"pay:{ref}")
        assert "kedaluwarsa" in chat.answers()[-1]["text"]
        assert bot.service.balance(CUSTOMER) == 5_000_000
        assert bot.errors == []


async def test_customer_name_is_escaped(bot: Harness) -> None:
    from bot.playground.botapi.tghtml import parse_html
    from bot.telegram.render import bill_text, receipt_text

    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat(first_name="<b>&")
    await chat.says("/start")
    assert "&lt;b&gt;&amp;" in chat.last()["text"]
    await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
    tx = bot.service.history(CUSTOMER)[0]
    evil = tx.model_copy(update={"customer_name": "<b>&", "product_name": "A<i>", "biller_ref": "x</code>"})
    for text in (bill_text("id", evil, 0), receipt_text("en", evil)):
        shown = parse_html(text).plain  # Telegram's own HTML rules: raises on broken markup
        assert "<b>&" in shown and "A<i>" in shown
    assert "a.n. <b>&lt;b&gt;&amp;</b>" in bill_text("id", evil, 0)
    assert "x&lt;/code&gt;" in receipt_text("en", evil)


async def test_outcome_reaches_the_user_when_the_bill_message_is_gone(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
    ref = bot.service.history(CUSTOMER)[0].ref_id
    bot.api.gone.add(bill["message_id"])  # deleted by the user: edits fail from now on
    bot.api.messages[(CUSTOMER, bill["message_id"])] = bill | {"text": "x"}
    await chat.clicks(bill, f"pay:{ref}")
    assert bot.service.get(ref, CUSTOMER).state is TxState.SUCCESS
    assert "STRUK" in chat.last()["text"] and ref in chat.last()["text"]


async def test_failed_and_pending_messages_say_what_was_being_paid(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    for number in ("530000001037", PLN_PENDING):
        await chat.says(f"CEK.PLNPOSTPAID.{number}")
        bill = chat.last()
        tx = bot.service.history(CUSTOMER)[0]
        await chat.clicks(bill, f"pay:{tx.ref_id}")
        text = bot.api.message(CUSTOMER, bill["message_id"])["text"]
        assert ("gagal" in text) if number != PLN_PENDING else ("sedang diproses" in text)
        assert tx.product_name in text and number in text and tx.customer_name in text


async def test_an_admin_tapping_someone_elses_bill_leaves_it_alone(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    bot.fund(ADMIN, 5_000_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    bill = chat.last()
    tx = bot.service.history(CUSTOMER)[0]
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.clicks(bill, f"pay:{tx.ref_id}")
    assert "milik pengguna lain" in admin.answers()[-1]["text"]
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.INQUIRED
    assert bot.api.message(CUSTOMER, bill["message_id"])["text"] == bill["text"]  # not edited
    assert bot.service.balance(ADMIN) == 5_000_000
    await chat.clicks(bill, f"pay:{tx.ref_id}")  # the owner still can
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS


async def test_paying_a_bill_that_is_still_with_the_biller_is_refused_clearly(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
    first = bot.service.history(CUSTOMER)[0]
    await chat.clicks(chat.last(), f"pay:{first.ref_id}")
    assert bot.service.get(first.ref_id, CUSTOMER).state is TxState.PENDING
    balance = bot.service.balance(CUSTOMER)
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")  # the reseller tries again
    bill = chat.last()
    second = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"pay:{second.ref_id}")
    text = bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert f"sedang dibayar lewat transaksi {first.ref_id}, jangan diulang" in text
    assert chat.buttons(bot.api.message(CUSTOMER, bill["message_id"])) == [
        f"pay:{second.ref_id}",
        f"cancel:{second.ref_id}",
    ]
    assert bot.service.balance(CUSTOMER) == balance
    assert bot.service.get(second.ref_id, CUSTOMER).state is TxState.INQUIRED
    assert bot.biller.simulator.payments() == {first.ref_id: 1}


async def test_an_old_bill_of_a_since_paid_bill_is_not_paid_again(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    old_bill = chat.last()
    old = bot.service.history(CUSTOMER)[0]
    await asyncio.sleep(0.01)  # the second inquiry, and its payment, come later
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_OK}")
    new = bot.service.history(CUSTOMER)[0]
    await chat.clicks(chat.last(), f"pay:{new.ref_id}")
    assert bot.service.get(new.ref_id, CUSTOMER).state is TxState.SUCCESS
    balance = bot.service.balance(CUSTOMER)
    await chat.clicks(old_bill, f"pay:{old.ref_id}")  # the bill still shown further up
    text = bot.api.message(CUSTOMER, old_bill["message_id"])["text"]
    assert "sudah terbayar lewat transaksi lain" in text and old.ref_id in text
    assert bot.service.balance(CUSTOMER) == balance
    assert bot.biller.simulator.payments() == {new.ref_id: 1}
    await chat.clicks(old_bill, f"pay:{old.ref_id}")  # and again: the alert says the same
    assert "sudah terbayar lewat transaksi lain" in chat.answers()[-1]["text"]


async def test_a_second_tap_answered_too_late_is_not_an_error_after_a_receipt(bot: Harness) -> None:
    bot.fund(CUSTOMER, 500_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    bill = chat.last()
    pay = chat.buttons(bill)[0]
    await chat.clicks(bill, pay)
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
    sent = len(bot.api.sent("sendMessage", CUSTOMER))
    queries_expire(bot)
    await chat.clicks(bill, pay)  # the second tap, queued behind the first payment's 20 s
    assert len(bot.api.sent("sendMessage", CUSTOMER)) == sent  # no "something went wrong"
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert bot.service.balance(CUSTOMER) == 500_000 - bot.service.history(CUSTOMER)[0].amount


async def test_a_first_tap_answered_too_late_still_pays_once(bot: Harness) -> None:
    bot.fund(CUSTOMER, 500_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    bill = chat.last()
    queries_expire(bot)
    await chat.clicks(bill, chat.buttons(bill)[0])
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.state is TxState.SUCCESS
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]


async def test_forged_callback_data_is_always_answered_and_never_pays(bot: Harness) -> None:
    bot.fund(CUSTOMER, 500_000)
    bot.fund(OTHER, 500_000)
    other = bot.chat(OTHER)
    await other.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    theirs = bot.service.history(OTHER)[0].ref_id
    chat = bot.chat()
    await chat.says("/start")
    menu = chat.last()
    forged = [
        f"pay:{theirs}",
        f"cancel:{theirs}",
        "pay:",
        "pay:x" * 12,
        "hist:-5",
        "hist:abc",
        "lang:xx",
        "m:nope",
        "cat:../../",
        "prod:PDAMKOTA.SURABAYA",
        "back",
        "cancelflow",
        "zzz",
        f"rcpt:{theirs}",
    ]
    for data in forged:
        await chat.clicks(menu, data)
    assert len(chat.answers()) == len(forged)
    assert bot.service.get(theirs, OTHER).state is TxState.INQUIRED
    assert bot.service.balance(OTHER) == 500_000 and bot.service.balance(CUSTOMER) == 500_000
    await chat.says(f"/receipt {theirs}")
    theirs_text = chat.last()["text"]
    await chat.says("/receipt LK000000000000AAAAAA")
    assert theirs_text.replace(theirs, "X") == chat.last()["text"].replace("LK000000000000AAAAAA", "X")
