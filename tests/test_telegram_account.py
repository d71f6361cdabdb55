"""The user's own corner, through the real Application (bot/telegram/flows/account.py):
/start and the menu, /lang, /help, history, receipts, the wallet."""

from __future__ import annotations

from bot.payments.models import TxState
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, PLN_OK, PLN_PENDING, Harness, walk_to_bill


async def test_start_greets_in_indonesian_and_english(bot: Harness) -> None:
    budi = bot.chat(CUSTOMER, "id", "Budi")
    await budi.says("/start")
    assert "Selamat datang" in budi.last()["text"]
    assert budi.buttons(budi.last()) == ["m:pay", "m:status", "m:history", "m:wallet", "m:help"]
    ann = bot.chat(OTHER, "en-GB", "Ann")
    await ann.says("/start")
    assert "Welcome" in ann.last()["text"]
    assert bot.api.sent()[-1].params["parse_mode"] == "HTML"


async def test_lang_switch_is_remembered(bot: Harness) -> None:
    budi = bot.chat()
    await budi.says("/lang")
    await budi.clicks(budi.last(), "lang:en")
    assert bot.service.get_user(CUSTOMER).language == "en"
    await budi.says("/help")
    assert "pays postpaid bills" in budi.last()["text"]


async def test_a_user_topped_up_before_their_first_message_gets_telegrams_language(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 50000 kas")  # makes the user row, default language
    ann = bot.chat(CUSTOMER, "en-US", "Ann")
    await ann.says("/start")
    assert "Welcome" in ann.last()["text"]
    assert bot.service.get_user(CUSTOMER).name == "Ann"
    await ann.says("/lang")  # and a later choice still wins over Telegram's
    await ann.clicks(ann.last(), "lang:id")
    await ann.says("/help")
    assert "membayar tagihan" in ann.last()["text"]


async def test_help_shows_operators_their_commands_and_no_one_else(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/help")
    assert "/topup" in admin.last()["text"] and "/role" in admin.last()["text"]
    customer = bot.chat()
    await customer.says("/help")
    assert "/topup" not in customer.last()["text"] and "/bayar" in customer.last()["text"]


async def test_menu_status_lists_latest_and_asks_open_payments_afresh(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    await chat.says("/start")
    menu = chat.last()
    await chat.clicks(menu, "m:status")
    assert "Belum ada transaksi" in chat.last()["text"] and "STATUS." in chat.last()["text"]
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_PENDING}")
    pending = bot.service.history(CUSTOMER)[0]
    await chat.clicks(chat.last(), f"pay:{pending.ref_id}")
    assert bot.service.get(pending.ref_id, CUSTOMER).state is TxState.PENDING
    checks_before = bot.biller.simulator.state.status_requests[pending.ref_id]
    await chat.clicks(menu, "m:status")
    text = chat.last()["text"]
    assert pending.ref_id in text and "STATUS." in text
    assert bot.biller.simulator.state.status_requests[pending.ref_id] == checks_before + 1
    assert f"rcpt:{pending.ref_id}" in chat.buttons(chat.last())


async def test_history_pages_and_receipt_button(bot: Harness) -> None:
    bot.fund(CUSTOMER, 50_000_000)
    chat = bot.chat()
    for i in range(7):
        await chat.says(f"CEK.PLNPOSTPAID.53000000000{i % 1}")
    await chat.says("/history")
    page1 = chat.last()
    assert "hist:5" in chat.buttons(page1) and "(1–5 dari 7)" in page1["text"]
    await chat.clicks(page1, "hist:5")
    page2 = bot.api.message(CUSTOMER, page1["message_id"])
    assert "(6–7 dari 7)" in page2["text"] and "hist:0" in chat.buttons(page2)
    rcpt = next(b for b in chat.buttons(page2) if b.startswith("rcpt:"))
    await chat.clicks(page2, rcpt)
    assert rcpt.split(":")[1] in chat.last()["text"] and "belum dibayar" in chat.last()["text"]


async def test_history_past_the_end_shows_the_last_page_not_no_transactions(bot: Harness) -> None:
    chat = bot.chat()
    for _ in range(6):
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.says("/history")
    page = chat.last()
    await chat.clicks(page, "hist:50")
    text = chat.api.message(CUSTOMER, page["message_id"])["text"]
    assert "Belum ada transaksi" not in text
    assert "(6–6 dari 6)" in text


async def test_forged_huge_history_offset_is_answered_not_crashed(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.says("/history")
    page = chat.last()
    await chat.clicks(page, "hist:" + "9" * 40)  # an OverflowError in SQLite before
    assert "(1–1 dari 1)" in chat.api.message(CUSTOMER, page["message_id"])["text"]
    assert len(chat.answers()) == 1


async def test_receipt_command_and_someone_elses_ref(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    bill = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", PLN_OK)
    ref = bot.service.history(CUSTOMER)[0].ref_id
    await chat.clicks(bill, f"pay:{ref}")
    await chat.says(f"/receipt {ref}")
    assert "STRUK" in chat.last()["text"]
    other = bot.chat(OTHER)
    await other.says(f"/receipt {ref}")
    stranger = other.last()["text"]
    await other.says("/receipt LK000000000000ZZZZZZ")
    unknown = other.last()["text"]
    assert stranger.replace(ref, "X") == unknown.replace("LK000000000000ZZZZZZ", "X")
    await other.clicks(bill | {"chat": {"id": OTHER, "type": "private"}}, f"pay:{ref}")
    assert other.answers()[-1]["text"] == "Tombol ini tidak berlaku lagi."


async def test_saldo_shows_balance_and_entries(bot: Harness) -> None:
    bot.fund(CUSTOMER, 250_000)
    chat = bot.chat()
    await chat.says("/saldo")
    assert "Rp 250.000" in chat.last()["text"] and "isi saldo" in chat.last()["text"]
    await chat.clicks(chat.last(), "m:wallet")
    assert "Rp 250.000" in chat.last()["text"]
