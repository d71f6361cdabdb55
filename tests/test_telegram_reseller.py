"""The reseller's one-line commands and the operator's commands, through the real Application."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.payments.models import TxState
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness

PLN_OK = "530000000000"
PLN_PENDING = "530000001039"
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
async def bot(tmp_path: Path):
    async with Harness(tmp_path) as harness:
        yield harness
        assert harness.errors == []


async def test_cek_answers_the_bill_with_pay_button(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"cek.plnpostpaid.{PLN_OK}")
    msg = chat.last()
    tx = bot.service.history(CUSTOMER)[0]
    lines = msg["text"].split("\n")
    assert lines[0].startswith(f"Ref={tx.ref_id} PLNPOSTPAID {PLN_OK}")
    total = f"Rp {tx.amount:,}".replace(",", ".")
    after = f"Rp {1_000_000 - tx.amount:,}".replace(",", ".")
    assert lines[1] == f"Saldo Rp 1.000.000 - {total} = {after}"
    assert chat.buttons(msg) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
    await chat.clicks(msg, f"pay:{tx.ref_id}")
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS


@pytest.mark.parametrize(
    "line", [f"BAYAR.PLNPOSTPAID.{PLN_OK}", f"/pay PLNPOSTPAID {PLN_OK}", f"bayar#plnpostpaid#{PLN_OK}"]
)
async def test_bayar_and_pay_give_the_bill_with_confirm(bot: Harness, line: str) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(line)
    tx = bot.service.history(CUSTOMER)[0]
    assert "Tekan <b>Bayar</b>" in chat.last()["text"]
    assert chat.buttons(chat.last())[0] == f"pay:{tx.ref_id}"
    assert tx.state is TxState.INQUIRED  # nothing paid before the confirm button


async def test_product_with_a_dot_and_unknown_product(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("CEK.PDAMKOTA.SURABAYA.10200000")
    assert bot.service.history(CUSTOMER)[0].product_code == "PDAMKOTA.SURABAYA"
    await chat.says("CEK.NOPE.123456")
    assert "Produk NOPE tidak dikenal" in chat.last()["text"]


async def test_wrong_command_gets_the_grammar_help(bot: Harness) -> None:
    chat = bot.chat()
    for line in ("halo", "CEK.PLNPOSTPAID", "STATUS"):
        await chat.says(line)
        assert "Format tidak dikenal" in chat.last()["text"]
    await chat.says("/pay PLNPOSTPAID")
    assert "Format tidak dikenal" in chat.last()["text"]


async def test_status_of_ref_is_fetched_fresh_and_others_refs_look_unknown(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
    bill = chat.last()
    ref = bot.service.history(CUSTOMER)[0].ref_id
    await chat.clicks(bill, f"pay:{ref}")
    assert "jangan diulang" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert bot.service.get(ref, CUSTOMER).state is TxState.PENDING
    for _ in range(5):
        await chat.says(f"STATUS.{ref}")
        if "SUKSES" in chat.last()["text"]:
            break
    assert chat.last()["text"].startswith(f"{ref} PLNPOSTPAID {PLN_PENDING}")
    assert "SUKSES" in chat.last()["text"]
    assert bot.biller.simulator.payments() == {ref: 1}
    # the bill message was edited into the receipt by the core's observer
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]

    other = bot.chat(OTHER)
    await other.says(f"/status {ref}")
    stranger = other.last()["text"]
    await other.says("STATUS.LK000000000000ZZZZZZ")
    unknown = other.last()["text"]
    assert stranger == f"Transaksi {ref} tidak ditemukan."
    assert unknown == "Transaksi LK000000000000ZZZZZZ tidak ditemukan."


async def test_status_of_customer_number_and_balance(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.says(f"STATUS.{PLN_OK}")
    lines = chat.last()["text"].split("\n")
    assert len(lines) == 2 and all("BELUM DIBAYAR" in line for line in lines)
    await chat.says("STATUS.111111111")
    assert chat.last()["text"] == "Tidak ada transaksi untuk nomor 111111111."
    other = bot.chat(OTHER)
    await other.says(f"STATUS.{PLN_OK}")
    assert "Tidak ada transaksi" in other.last()["text"]
    await chat.says("SAL")
    assert chat.last()["text"] == "Saldo Rp 1.000.000"


async def test_admin_topup_adjust_and_notice(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    customer = bot.chat(CUSTOMER)
    await customer.says("/start")
    await admin.says(f"/topup {CUSTOMER} 150.000 cash at counter")
    assert admin.last()["text"] == f"Topped up Rp 150.000 for {CUSTOMER}. Balance now Rp 150.000."
    assert customer.last()["text"] == "Saldo Anda bertambah Rp 150.000. Saldo sekarang Rp 150.000."
    await admin.says(f"/adjust {CUSTOMER} -50.000 correction")
    assert bot.service.balance(CUSTOMER) == 100_000
    await admin.says(f"/adjust {CUSTOMER} -500.000 too much")
    assert admin.last()["text"] == "Invalid amount: a balance cannot go below zero (balance now Rp 100.000)."
    for bad, why in (
        ("/topup 1001 50rb", "write whole rupiah"),
        ("/topup 1001 1,5", "write whole rupiah"),
        ("/topup 1001 0", "must be more than zero"),
    ):
        await admin.says(bad)
        assert admin.last()["text"].startswith(f"Invalid amount: {why}"), bad
    bot.service.set_language(ADMIN, "id")  # the same refusal, in the admin's language
    await admin.says("/topup 1001 50rb")
    assert admin.last()["text"].startswith("Jumlah tidak sah: tulis angka rupiah")
    bot.service.set_language(ADMIN, "en")
    await admin.says("/topup abc 5000")
    assert admin.last()["text"] == "The Telegram id must be a number."
    await admin.says("/topup 1001")
    assert admin.last()["text"].startswith("Usage: /topup")
    await admin.says(f"/adjust {CUSTOMER} 5000 no sign")
    assert admin.last()["text"].startswith("Invalid amount")
    await admin.says(f"/adjust {CUSTOMER} +5000")
    assert admin.last()["text"].startswith("Usage: /adjust")
    assert bot.service.balance(CUSTOMER) == 100_000


async def test_admin_deposit_stats_pending(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    admin = bot.chat(ADMIN, "en", "Op")
    chat = bot.chat()
    await admin.says("/pending")
    assert admin.last()["text"] == "No pending transactions."
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
    ref = bot.service.history(CUSTOMER)[0].ref_id
    await chat.clicks(chat.last(), f"pay:{ref}")
    await admin.says("/pending")
    assert (
        ref in admin.last()["text"]
        and "PROCESSING" in admin.last()["text"]
        and " age " in admin.last()["text"]
    )
    await admin.says("/stats")
    assert "Transactions: 1" in admin.last()["text"] and "Pending: 1" in admin.last()["text"]
    await admin.says("/deposit")
    assert admin.last()["text"].startswith(("Deposit at the biller: Rp ", "The biller has not reported"))


async def test_a_report_day_out_of_range_is_explained_not_crashed(bot: Harness) -> None:
    next_year = datetime.now(JAKARTA).year + 1
    chat = bot.chat()
    english = bot.chat(OTHER, "en", "Sri")
    for line in ("LAP.31/12/9999", "LAP.01/01/0001", "LAP.31/12/1999", f"LAP.01/01/{next_year + 1}"):
        await chat.says(line)
        assert bot.errors == []
        assert chat.last()["text"] == f"Tanggal laporan harus antara 01/01/2000 dan 31/12/{next_year}."
        await english.says(line)
        assert bot.errors == []
        assert english.last()["text"] == f"The report's day must be between 01/01/2000 and 31/12/{next_year}."
    for day in ("01/01/2000", f"31/12/{next_year}"):  # the range's own ends are days like any other
        await chat.says(f"LAP.{day}")
        assert chat.last()["text"] == f"Tidak ada transaksi pada {day}."
