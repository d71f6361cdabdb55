"""`/maintenance on|off [text]` and `/broadcast <text>` through the real Application
(bot/telegram/flows/maintenance.py): new inquiries and payments are refused with the text while
statuses, receipts and history keep working; a broadcast reaches everyone who has not blocked
the bot, its progress edited in place, with a final count."""

from __future__ import annotations

import asyncio

from bot.payments.models import TxState
from bot.telegram.flows import maintenance
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, PLN_OK, Harness, walk_to_bill


async def test_maintenance_refuses_new_bills_and_payments_and_keeps_the_rest(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat(CUSTOMER, "id")
    paid = await bot.service.inquire(CUSTOMER, "PLNPOSTPAID", "541200000031")
    await bot.service.pay(paid.ref_id, CUSTOMER)
    held = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)  # shown before maintenance
    pay_data = next(b for b in chat.buttons(held) if b.startswith("pay:"))
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/maintenance on Server dipindah, kembali pukul 14.00 WIB")
    assert admin.last()["text"].startswith("Maintenance ON: new bills and payments are refused. Users see:")
    closed = "🛠 Loket sedang perbaikan: Server dipindah, kembali pukul 14.00 WIB"
    assert admin.last()["text"].endswith("under maintenance: Server dipindah, kembali pukul 14.00 WIB")
    balance = bot.service.balance(CUSTOMER)

    await chat.clicks(held, pay_data)  # the held bill is not paid
    assert chat.answers()[-1]["text"] == closed and chat.answers()[-1]["show_alert"] is True
    assert bot.service.get(held_ref := pay_data.split(":")[1], CUSTOMER).state is TxState.INQUIRED
    assert bot.service.balance(CUSTOMER) == balance
    assert await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", "541200000032") == chat.last()
    assert chat.last()["text"] == closed  # no new bill
    await chat.says("CEK.PLNPOSTPAID.541200000033")
    assert chat.last()["text"] == closed
    assert bot.service.history(CUSTOMER, 10)[0].ref_id == held_ref  # no inquiry was stored

    await chat.says(f"/status {paid.ref_id}")  # what is already there keeps working
    assert paid.ref_id in chat.last()["text"] and "perbaikan" not in chat.last()["text"]
    await chat.says(f"/receipt {paid.ref_id}")
    assert paid.ref_id in chat.last()["text"] and "perbaikan" not in chat.last()["text"]
    await chat.says("/saldo")
    assert chat.last()["text"].startswith("👛 Saldo Anda")

    await admin.says("/maintenance")
    assert admin.last()["text"].startswith("Maintenance is on.\nUsage: /maintenance on")
    await admin.says("/maintenance off now")
    assert admin.last()["text"].startswith("Usage: /maintenance")
    await admin.says("/maintenance off")
    assert admin.last()["text"] == "Maintenance over: bills and payments are open again."
    await chat.clicks(held, pay_data)
    assert bot.service.get(held_ref, CUSTOMER).state is TxState.SUCCESS
    await admin.says("/maintenance on")  # without a text: the default one, in each user's language
    await chat.says("CEK.PLNPOSTPAID.541200000034")
    assert chat.last()["text"].startswith("🛠 Loket sedang perbaikan: pembayaran baru ditunda sebentar.")
    await admin.says("/maintenance on " + "x" * 121)
    assert admin.last()["text"] == "The maintenance text is at most 120 characters."


async def test_broadcast_reaches_everyone_who_has_not_blocked_the_bot(bot: Harness, monkeypatch) -> None:
    monkeypatch.setattr(maintenance, "PROGRESS_EVERY", 1)
    blocked = 1003
    for user in (CUSTOMER, OTHER, blocked):
        bot.service.ensure_user(user, "u")
    bot.api.blocked.add(blocked)
    admin = bot.chat(ADMIN, "en", "Op")
    text = "Promo <b>gratis</b> & diskon 10% besok\nbaris kedua"
    await admin.says(f"/broadcast {text}")
    await asyncio.gather(*maintenance.TASKS)
    progress = bot.api.sent("sendMessage", ADMIN)[-1]
    assert progress.params["text"] == "📣 Sending the broadcast… 0/3"
    edits = [c.params["text"] for c in bot.api.sent("editMessageText", ADMIN)]
    assert edits[:2] == ["📣 Sending the broadcast… 1/3", "📣 Sending the broadcast… 2/3"]
    final = admin.last()
    assert final["text"] == "📣 Broadcast done: sent to 2 of 3, blocked the bot 1, failed 0."
    assert len(bot.api.sent("sendMessage", ADMIN)) == 1  # one message, edited in place
    for user in (CUSTOMER, OTHER):
        (got,) = bot.api.sent("sendMessage", user)
        assert got.params["text"] == text and "parse_mode" not in got.params  # verbatim, no markup
    await admin.says("/broadcast")
    assert admin.last()["text"] == "Usage: /broadcast &lt;text for every user&gt;"
    customer = bot.chat(CUSTOMER)
    await customer.says("/frobnicate")
    unknown = customer.last()["text"]
    await customer.says("/broadcast hi all")
    assert customer.last()["text"] == unknown
    assert len(bot.api.sent("sendMessage", OTHER)) == 1
