"""Operators' prices and products in the chat, through the real Application
(bot/telegram/flows/catalogue_admin.py): /price, /products on|off, and what each user is shown
and debited."""

from __future__ import annotations

from bot.payments.models import EntryKind, TxState
from tests.core_fakes import wallet_sums
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, PLN_OK, Harness, walk_to_bill

RESELLER = OTHER
OTHER_PLN = "531234567890"  # the sandbox: any well-formed number has one bill


def rp(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


async def test_reseller_and_customer_see_their_own_price_and_pay_it(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says(f"/role {RESELLER} reseller")
    await admin.says("/price * reseller 0")
    assert admin.last()["text"] == (
        "Markup of all products for reseller: Rp 0 (was default). Bills already shown do not change."
    )
    await admin.says("/price PLNPOSTPAID customer 3.000")
    await admin.says("/price")
    table = admin.last()["text"]
    assert "Default (MARKUP): Rp 1.500" in table
    assert "PLNPOSTPAID · customer: Rp 3.000" in table and "all products · reseller: Rp 0" in table
    for user in (CUSTOMER, RESELLER):
        bot.fund(user, 1_000_000)
    customer, reseller = bot.chat(CUSTOMER), bot.chat(RESELLER)
    await customer.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await reseller.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    seen_by_customer = bot.service.history(CUSTOMER)[0]
    seen_by_reseller = bot.service.history(RESELLER)[0]
    bill = seen_by_customer.bill_total
    assert seen_by_reseller.bill_total == bill  # the same bill …
    assert (seen_by_customer.amount, seen_by_reseller.amount) == (bill + 3000, bill)  # … two prices
    assert rp(bill + 3000) in customer.last()["text"] and rp(bill) in reseller.last()["text"]
    await reseller.clicks(reseller.last(), f"pay:{seen_by_reseller.ref_id}")
    assert bot.service.get(seen_by_reseller.ref_id, RESELLER).state is TxState.SUCCESS
    assert wallet_sums(bot.db, RESELLER)[EntryKind.DEBIT] == -bill
    # the customer pays a bill of their own at their own price, through the guided flow
    msg = await walk_to_bill(bot, customer, "pln", "PLNPOSTPAID", OTHER_PLN)
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.customer_number == OTHER_PLN and tx.markup == 3000
    assert rp(tx.amount) in msg["text"]
    await customer.clicks(msg, f"pay:{tx.ref_id}")
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
    assert wallet_sums(bot.db, CUSTOMER)[EntryKind.DEBIT] == -tx.amount
    assert bot.service.balance(CUSTOMER) == 1_000_000 - tx.bill_total - 3000


async def test_a_price_change_between_bill_and_pay_does_not_change_the_debit(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat(CUSTOMER)
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_OK}")
    shown = bot.service.history(CUSTOMER)[0]
    assert shown.markup == 1500 and rp(shown.amount) in chat.last()["text"]
    await admin.says("/price * customer 25.000")
    await admin.says(f"/price PLNPOSTPAID {CUSTOMER} 9.000")
    assert "(was default)" in admin.last()["text"]
    await chat.clicks(chat.last(), f"pay:{shown.ref_id}")
    assert bot.service.get(shown.ref_id, CUSTOMER).state is TxState.SUCCESS
    assert bot.service.balance(CUSTOMER) == 1_000_000 - shown.amount
    await chat.says(f"CEK.PLNPOSTPAID.{OTHER_PLN}")
    assert bot.service.history(CUSTOMER)[0].markup == 9000  # a new bill: the user's own rule


async def test_price_refusals_are_explained(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    for line, start in (
        ("/price * admin 500", "Untuk siapa?"),
        ("/price * 12ab 500", "Untuk siapa?"),
        ("/price * reseller 5rb", "Markup harus rupiah bulat"),
        ("/price * reseller -500", "Markup harus rupiah bulat"),
        ("/price NOPE reseller 500", "Produk NOPE tidak ada di katalog"),
        ("/price * reseller", "Pakai: /price"),
    ):
        await admin.says(line)
        assert admin.last()["text"].startswith(start), line
    assert bot.service.prices.changes() == []
    chat = bot.chat(CUSTOMER)
    await chat.says("/frobnicate")
    unknown = chat.last()["text"]
    for line in ("/price * customer 0", "/price", "/products", "/products off PLNPOSTPAID"):
        await chat.says(line)
        assert chat.last()["text"] == unknown, line
    assert bot.service.prices.changes() == [] and bot.service.prices.switched_off() == set()


async def test_products_off_hides_and_refuses_but_a_shown_bill_is_paid(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat(CUSTOMER)
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    shown = bot.service.history(CUSTOMER)[0]
    bill_message = chat.last()
    await admin.says("/products off plnpostpaid")
    assert admin.last()["text"].startswith("PLNPOSTPAID switched off")
    await admin.says("/products off PLNPOSTPAID")
    assert admin.last()["text"] == "PLNPOSTPAID is already ⛔."
    await admin.says("/products")
    assert "⛔ <code>PLNPOSTPAID</code> PLN Pascabayar: Rp 1.500 / Rp 1.500" in admin.last()["text"]
    await chat.says(f"CEK.PLNPOSTPAID.{OTHER_PLN}")
    assert chat.last()["text"].startswith("Produk PLNPOSTPAID sedang tidak dijual")
    assert len(bot.service.history(CUSTOMER)) == 1
    await chat.says("/start")
    await chat.clicks(chat.last(), "m:pay")
    assert "cat:pln" not in chat.buttons(chat.last())  # its only product is off
    await chat.clicks(bill_message, f"pay:{shown.ref_id}")
    assert bot.service.get(shown.ref_id, CUSTOMER).state is TxState.SUCCESS
    await admin.says("/products on PLNPOSTPAID")
    await chat.says(f"CEK.PLNPOSTPAID.{OTHER_PLN}")
    assert bot.service.history(CUSTOMER)[0].customer_number == OTHER_PLN
