"""What real chats send besides clean new text: edits, photos, a mid-flow change of mind,
a tap on someone else's bill, the menu's status button."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.payments.models import EntryKind, TxState
from tests.tg_setup import ADMIN, CUSTOMER, Harness
from tests.tg_setup import OTHER as OTHER_USER

PLN_OK = "530000000000"
PLN_PENDING = "530000001039"


@pytest.fixture
async def bot(tmp_path: Path):
    async with Harness(tmp_path) as harness:
        yield harness
        assert harness.errors == []


async def test_an_edited_topup_does_not_top_up_again(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 50000 kas")
    assert bot.service.balance(CUSTOMER) == 50_000
    await admin.deliver(admin.message_update(f"/topup {CUSTOMER} 500000 kas", edits=1))
    assert bot.service.balance(CUSTOMER) == 50_000
    topups = [e for e in bot.service.statement(CUSTOMER, 50) if e.kind is EntryKind.TOPUP]
    assert len(topups) == 1
    assert "diedit tidak diproses" in admin.last()["text"]


async def test_an_edited_number_mid_flow_is_not_inquired(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.deliver(chat.message_update(PLN_OK, edits=77))
    assert bot.service.history(CUSTOMER) == []
    assert "diedit" in chat.last()["text"]
    await chat.says(PLN_OK)  # the flow is still waiting for the number
    assert bot.service.history(CUSTOMER)[0].state is TxState.INQUIRED


async def test_a_photo_gets_told_what_the_bot_reads(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER, "en", "Ann")
    msg = {
        "message_id": 5,
        "date": int(time.time()),
        "chat": {"id": CUSTOMER, "type": "private", "first_name": "Ann"},
        "from": chat.user,
        "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
    }
    await chat.deliver(chat._update(message=msg))
    assert "only reads text" in chat.last()["text"]


async def test_a_reseller_line_typed_mid_flow_is_run_as_such(bot: Harness) -> None:
    bot.fund(CUSTOMER, 70_000)
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("sal")
    assert chat.last()["text"] == "Saldo Rp 70.000"
    await chat.says(PLN_OK)  # the flow ended: a bare number is now the grammar's business
    assert "Format tidak dikenal" in chat.last()["text"]
    assert bot.service.history(CUSTOMER) == []


async def test_grammar_takes_star_and_semicolon(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says(f"cek*plnpostpaid*{PLN_OK}")
    await chat.says(f"CEK;PLNPOSTPAID;{PLN_OK}")
    txs = bot.service.history(CUSTOMER)
    assert [tx.customer_number for tx in txs] == [PLN_OK, PLN_OK]


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


async def test_a_redelivered_update_is_acted_on_once(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    topup = admin.message_update(f"/topup {CUSTOMER} 50000 kas")
    await admin.deliver(topup)
    await admin.deliver(topup)  # the same update_id again: a webhook retry, a polling restart
    assert bot.service.balance(CUSTOMER) == 50_000
    assert len(bot.api.sent("sendMessage", ADMIN)) == 1
    chat = bot.chat()
    line = chat.message_update(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.deliver(line)
    await chat.deliver(line)
    assert len(bot.service.history(CUSTOMER)) == 1


async def test_handled_updates_are_remembered_across_a_restart(tmp_path: Path) -> None:
    async with Harness(tmp_path) as first:
        admin = first.chat(ADMIN, "id", "Op")
        topup = admin.message_update(f"/topup {CUSTOMER} 50000 kas")
        await admin.deliver(topup)
    async with Harness(tmp_path) as second:
        again = second.chat(ADMIN, "id", "Op")
        await again.deliver(topup)
        assert second.service.balance(CUSTOMER) == 50_000
        await again.says(f"/topup {CUSTOMER} 1000 kas")  # a new update still works
        assert second.service.balance(CUSTOMER) == 51_000


async def test_pending_list_fits_one_message(tmp_path: Path) -> None:
    from tests.core_fakes import FakeBiller

    biller = FakeBiller()
    biller.pay_mode = "pending"  # every payment stays with the biller, whatever the number
    async with Harness(tmp_path, biller=biller) as bot:
        bot.fund(CUSTOMER, 50_000_000)
        chat = bot.chat()
        refs = []
        for i in range(30):
            await chat.says(f"CEK.TELKOMPSTN.021555{i:04d}")
            ref = bot.service.history(CUSTOMER)[0].ref_id
            await chat.clicks(chat.last(), f"pay:{ref}")
            refs.append(ref)
        assert len(bot.service.pending()) == 30
        await _check_pending_list(bot, refs)


async def _check_pending_list(bot: Harness, refs: list[str]) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/pending")
    text = admin.last()["text"]
    assert len(text) <= 4096
    assert text.startswith("<b>30 transactions waiting")
    assert refs[0] in text and refs[24] in text and refs[25] not in text  # oldest first
    assert "… and 5 more." in text


async def test_reseller_bill_with_too_little_balance_says_the_shortfall(bot: Harness) -> None:
    bot.fund(CUSTOMER, 10_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    tx = bot.service.history(CUSTOMER)[0]
    text = chat.last()["text"]
    short = f"Rp {tx.amount - 10_000:,}".replace(",", ".")
    assert f"Saldo Anda Rp 10.000, kurang {short}." in text
    assert "-Rp" not in text and "= " not in text


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


async def test_deposit_after_a_restart_is_the_last_reported_with_its_time(tmp_path: Path) -> None:
    async with Harness(tmp_path) as first:
        first.fund(CUSTOMER, 1_000_000)
        chat = first.chat()
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
        tx = first.service.history(CUSTOMER)[0]
        await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
        told = await first.biller.deposit()
        assert told is not None
    async with Harness(tmp_path) as second:  # a new sandbox client: it knows no balance
        admin = second.chat(ADMIN, "id", "Op")
        await admin.says("/deposit")
        text = admin.last()["text"]
        amount = f"Rp {told:,}".replace(",", ".")
        assert text.startswith(f"Deposit di biller: {amount}\n(dilaporkan biller ") and "WIB" in text


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
        f"pay:{second.ref_id}", f"cancel:{second.ref_id}"
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


async def test_a_topup_with_a_typo_of_many_zeros_is_explained(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 50000000000000000000000 kas")
    assert admin.last()["text"] == "Jumlah tidak sah: paling banyak Rp 1.000.000.000.000 sekali transaksi."
    assert bot.service.balance(CUSTOMER) == 0


async def test_operator_marks_a_reseller_with_role(bot: Harness) -> None:
    from bot.payments.models import Role

    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/role {CUSTOMER} reseller")
    assert admin.last()["text"] == f"Pengguna {CUSTOMER} sekarang reseller."
    assert bot.service.get_user(CUSTOMER).role is Role.RESELLER
    await admin.says(f"/role {CUSTOMER} pelanggan")
    assert bot.service.get_user(CUSTOMER).role is Role.CUSTOMER
    for bad, said in (
        (f"/role {CUSTOMER} admin", "Pakai: /role"),
        (f"/role {ADMIN} reseller", "ADMIN_IDS"),
        ("/role abc reseller", "ID Telegram harus angka"),
    ):
        await admin.says(bad)
        assert said in admin.last()["text"]
    customer = bot.chat()
    await customer.says(f"/role {CUSTOMER} reseller")  # not an operator: an unknown command
    assert customer.last()["text"] == "Perintah tidak dikenal. Ketik /help."
    assert bot.service.get_user(CUSTOMER).role is Role.CUSTOMER


async def test_help_shows_operators_their_commands_and_no_one_else(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/help")
    assert "/topup" in admin.last()["text"] and "/role" in admin.last()["text"]
    customer = bot.chat()
    await customer.says("/help")
    assert "/topup" not in customer.last()["text"] and "/bayar" in customer.last()["text"]


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("12", "terlalu pendek (2 angka, paling sedikit 11)."),
        ("5" * 30, "terlalu panjang (30 angka, paling banyak"),
        ("53000000000A", "hanya boleh angka."),
    ],
)
async def test_a_wrong_number_says_which_rule_it_broke(bot: Harness, typed: str, why: str) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says(typed)
    text = chat.last()["text"]
    assert text.startswith("Nomor pelanggan tidak sesuai: ") and why in text and "ID pelanggan PLN" in text
    await chat.says(PLN_OK)  # still asked for the number
    assert bot.service.history(CUSTOMER)[0].customer_number == PLN_OK


async def test_a_receipt_missed_while_telegram_was_down_arrives_later(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

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


async def test_bpjs_asks_how_many_months_then_shows_that_bill(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:bpjs")
    await chat.clicks(chat.last(), "prod:BPJS")
    await chat.says("12")  # a wrong number is refused before the months are asked
    assert chat.last()["text"].startswith("Nomor pelanggan tidak sesuai")
    await chat.says("8801234560000")
    ask = chat.last()
    assert "berapa bulan" in ask["text"]
    assert chat.buttons(ask) == ["mon:1", "mon:2", "mon:3", "mon:6", "mon:12", "back", "cancelflow"]
    assert bot.service.history(CUSTOMER) == []  # nothing asked of the biller yet
    await chat.clicks(ask, "mon:3")
    tx = bot.service.history(CUSTOMER)[0]
    assert len(tx.bill.periods) == 3
    assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
    assert "3 bulan" in bot.api.message(CUSTOMER, ask["message_id"])["text"]  # the choice, no buttons left
    await chat.clicks(ask, "mon:6")  # an old months button after the bill: answered, nothing asked
    assert len(bot.service.history(CUSTOMER)) == 1


async def test_reseller_bpjs_months_last_and_months_only_for_monthly_products(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("CEK.BPJS.8801234560000.6")
    tx = bot.service.history(CUSTOMER)[0]
    assert (tx.product_code, tx.customer_number, len(tx.bill.periods)) == ("BPJS", "8801234560000", 6)
    await chat.says("CEK.BPJS.8801234560000.13")
    assert chat.last()["text"] == "Jumlah bulan hanya untuk produk bulanan (BPJS), 1 sampai 12."
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}.3")  # not monthly: never read as months
    assert len(bot.service.history(CUSTOMER)) == 1


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


async def test_lap_reports_the_days_own_payments_and_mutasi_the_wallet(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    bot.fund(OTHER_USER, 5_000_000)
    chat = bot.chat()
    await chat.says("LAP")
    assert chat.last()["text"].startswith("Tidak ada transaksi pada ")
    refs = []
    for number in (PLN_OK, "530000001037"):  # one paid, one failed (refunded)
        await chat.says(f"BAYAR.PLNPOSTPAID.{number}")
        refs.append(bot.service.history(CUSTOMER)[0].ref_id)
        await chat.clicks(chat.last(), f"pay:{refs[-1]}")
    other = bot.chat(OTHER_USER, "id", "Sri")
    await other.says("BAYAR.TELKOMPSTN.6391601201")
    other_ref = bot.service.history(OTHER_USER)[0].ref_id
    await other.clicks(other.last(), f"pay:{other_ref}")
    await chat.says("lap")
    text = chat.last()["text"]
    assert ": 2 transaksi, sukses 1 (" in text and "gagal 1" in text
    assert all(ref in text for ref in refs) and other_ref not in text  # only one's own
    await chat.says("LAP.01/01/2020")
    assert chat.last()["text"] == "Tidak ada transaksi pada 01/01/2020."
    await chat.says("MUTASI")
    assert chat.last()["text"].startswith("👛 Saldo Anda") and "refund" in chat.last()["text"]
