"""The reseller's one-line commands, through the real Application (bot/telegram/flows/reseller.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.jakarta import JAKARTA
from bot.payments.models import TxState
from tests.tg_setup import CUSTOMER, OTHER, PLN_OK, PLN_PENDING, Harness
from tests.tg_setup import OTHER as OTHER_USER


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


async def test_grammar_takes_star_and_semicolon(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says(f"cek*plnpostpaid*{PLN_OK}")
    await chat.says(f"CEK;PLNPOSTPAID;{PLN_OK}")
    txs = bot.service.history(CUSTOMER)
    assert [tx.customer_number for tx in txs] == [PLN_OK, PLN_OK]


async def test_reseller_numbers_with_spaces_or_dashes(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("CEK PLNPOSTPAID 5300 0000 0000")
    await chat.says("CEK.PLNPOSTPAID.5300-0000-0000")
    await chat.says("cek pdamkota surabaya 1020 2001")
    txs = bot.service.history(CUSTOMER)
    assert [(tx.product_code, tx.customer_number) for tx in txs] == [
        ("PDAMKOTA.SURABAYA", "10202001"),
        ("PLNPOSTPAID", PLN_OK),
        ("PLNPOSTPAID", PLN_OK),
    ]


async def test_a_pin_after_the_number_is_never_glued_into_another_number(bot: Harness) -> None:
    chat = bot.chat()
    for line in (
        f"BAYAR.PLNPOSTPAID.{PLN_OK}.1234",  # the PIN habit of other reseller servers
        f"CEK PLNPOSTPAID {PLN_OK} 1234",
        f"CEK.PLNPOSTPAID.{PLN_OK}-1234",
    ):
        await chat.says(line)
        assert "5300000000001234" not in chat.last()["text"]
    assert bot.service.history(CUSTOMER) == []  # no inquiry of a number nobody typed


async def test_reseller_bpjs_months_last_and_months_only_for_monthly_products(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("CEK.BPJS.8801234560000.6")
    tx = bot.service.history(CUSTOMER)[0]
    assert (tx.product_code, tx.customer_number, len(tx.bill.periods)) == ("BPJS", "8801234560000", 6)
    await chat.says("CEK.BPJS.8801234560000.13")
    assert chat.last()["text"] == "Jumlah bulan hanya untuk produk bulanan (BPJS), 1 sampai 12."
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}.3")  # not monthly: never read as months
    assert len(bot.service.history(CUSTOMER)) == 1


async def test_reseller_bill_with_too_little_balance_says_the_shortfall(bot: Harness) -> None:
    bot.fund(CUSTOMER, 10_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    tx = bot.service.history(CUSTOMER)[0]
    text = chat.last()["text"]
    short = f"Rp {tx.amount - 10_000:,}".replace(",", ".")
    assert f"Saldo Anda Rp 10.000, kurang {short}." in text
    assert "-Rp" not in text and "= " not in text


async def test_wrong_command_gets_the_grammar_help(bot: Harness) -> None:
    chat = bot.chat()
    for line in ("halo", "CEK.PLNPOSTPAID", "STATUS"):
        await chat.says(line)
        assert "Format tidak dikenal" in chat.last()["text"]
    await chat.says("/pay PLNPOSTPAID")
    assert "Format tidak dikenal" in chat.last()["text"]


async def test_a_wrong_line_in_a_private_chat_still_gets_the_grammar_help(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("halo")
    assert chat.last()["text"].startswith("Format tidak dikenal")
    await chat.says("/foo")
    assert chat.last()["text"].startswith("Perintah tidak dikenal")


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
