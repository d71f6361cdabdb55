"""The customer's guided payment, driven through the real PTB Application."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.payments.models import TxState
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness

PLN_OK = "530000000000"


@pytest.fixture
async def bot(tmp_path: Path):
    async with Harness(tmp_path) as harness:
        yield harness
        assert harness.errors == []


async def walk_to_bill(bot: Harness, chat, category: str, product: str, number: str) -> dict:
    await chat.says("/start")
    menu = chat.last()
    assert "m:pay" in chat.buttons(menu)
    await chat.clicks(menu, "m:pay")
    msg = chat.last()
    assert msg["message_id"] == menu["message_id"]  # edited in place
    assert f"cat:{category}" in chat.buttons(msg)
    await chat.clicks(msg, f"cat:{category}")
    msg = chat.last()
    assert f"prod:{product}" in chat.buttons(msg) and "back" in chat.buttons(msg)
    await chat.clicks(msg, f"prod:{product}")
    await chat.says(number)
    return chat.last()


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
    assert bot.api.sent("sendChatAction", CUSTOMER)[-1].params["action"] == "typing"
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
    assert "sedang diproses" in edits[0].params["text"]
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


async def test_back_and_cancel_in_the_flow(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "back")
    assert "cat:pln" in chat.buttons(chat.last())
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.clicks(chat.last(), "back")
    assert "prod:PLNPOSTPAID" in chat.buttons(chat.last())
    await chat.clicks(chat.last(), "cancelflow")
    assert "Dibatalkan" in chat.last()["text"]
    await chat.says(PLN_OK)  # no longer in the number step: read as a one-line command
    assert "Format tidak dikenal" in chat.last()["text"]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("530000000001", "sudah terbayar"),
        ("530000000103", "Coba lagi nanti"),
    ],
)
async def test_inquiry_refusals_have_their_own_text(bot: Harness, number: str, expected: str) -> None:
    chat = bot.chat()
    msg = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", number)
    assert expected in msg["text"]
    assert bot.service.history(CUSTOMER) == []


async def test_wrong_number_asks_again(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    msg = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", "530000000014")
    assert "Nomor pelanggan salah" in msg["text"]
    await chat.says("12ab")  # breaks the product's rule: the hint again, still the number step
    assert "ID pelanggan PLN 12 digit" in chat.last()["text"]
    await chat.says(PLN_OK)
    assert chat.buttons(chat.last())[0].startswith("pay:")


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
    from bot.playground.tghtml import parse_html
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


async def test_unknown_command_and_admin_commands_hidden(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/frobnicate")
    unknown = chat.last()["text"]
    for command in ("/topup 1001 50000", "/adjust 1001 +5 x", "/deposit", "/stats", "/pending"):
        await chat.says(command)
        assert chat.last()["text"] == unknown
    assert bot.service.balance(CUSTOMER) == 0
    assert ADMIN not in (CUSTOMER, OTHER)


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


def stored_user_data(bot: Harness, user_id: int) -> dict:
    rows = bot.db.execute(
        "SELECT data FROM ptb_data WHERE kind = 'user' AND key = ?", [str(user_id)]
    ).fetchall()
    return json.loads(rows[0][0]) if rows else {}


@pytest.mark.parametrize("how", ["/cancel", "cancelflow", "/start"])
async def test_leaving_the_flow_at_the_months_step_leaves_nothing_of_the_payment_behind(
    bot: Harness, how: str
) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:bpjs")
    await chat.clicks(chat.last(), "prod:BPJS")
    await chat.says("8801234560000")
    assert chat.buttons(chat.last())[0] == "mon:1"  # the months step: product, category and number kept
    if how.startswith("/"):
        await chat.says(how)
    else:
        await chat.clicks(chat.last(), how)
    assert bot.app.user_data[CUSTOMER] == {}
    assert stored_user_data(bot, CUSTOMER) == {}
    assert list(bot.db.query("SELECT * FROM ptb_conversations")) == []


async def test_a_payment_half_way_when_the_previous_version_stopped_goes_on(tmp_path: Path) -> None:
    """The version before the payment draft kept the picks in three user_data keys."""
    harness = Harness(tmp_path)
    old = {"pay_category": "pln", "pay_product": "PLNPOSTPAID"}
    harness.db.execute(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(CUSTOMER), json.dumps(old)]
    )
    key = json.dumps([CUSTOMER, CUSTOMER])
    harness.db.execute("INSERT INTO ptb_conversations (name, key, state) VALUES ('pay', ?, '2')", [key])
    async with harness as bot:
        chat = bot.chat()
        await chat.says(PLN_OK)  # the number step, where the old version left the user
        tx = bot.service.history(CUSTOMER)[0]
        assert tx.product_code == "PLNPOSTPAID"
        assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
        assert stored_user_data(bot, CUSTOMER) == {}
        assert bot.errors == []


async def test_an_old_months_step_with_its_number_goes_on_too(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    old = {"pay_category": "bpjs", "pay_product": "BPJS", "pay_number": "8801234560000"}
    harness.db.execute(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(CUSTOMER), json.dumps(old)]
    )
    key = json.dumps([CUSTOMER, CUSTOMER])
    harness.db.execute("INSERT INTO ptb_conversations (name, key, state) VALUES ('pay', ?, '3')", [key])
    async with harness as bot:
        chat = bot.chat()
        await chat.says("/help")  # the conversation stays at the months step
        await chat.clicks(chat.last(), "mon:2")  # as if on the months buttons the old version sent
        tx = bot.service.history(CUSTOMER)[0]
        assert (tx.product_code, tx.customer_number, len(tx.bill.periods)) == ("BPJS", "8801234560000", 2)
        assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
        assert stored_user_data(bot, CUSTOMER) == {}
        assert bot.errors == []
