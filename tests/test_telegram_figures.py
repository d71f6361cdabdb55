"""What a reseller reads of a day, through the real Application: LAP shows what they paid
(the bill + their markup = the amount debited) per line and in total."""

from __future__ import annotations

from pathlib import Path

from bot.payments import EntryKind, TxState
from bot.telegram import reports
from bot.telegram.render import rupiah
from bot.telegram.texts import MAX_MESSAGE
from tests.core_fakes import PRODUCT, FakeBiller, wallet_sums
from tests.tg_setup import ADMIN, CUSTOMER, PLN_OK, PLN_PENDING, Harness

PLN_FAILS = "530000001037"  # sandbox: the payment fails, the wallet is refunded
PDAM_NUMBER = "10200000"


async def pay_line(bot: Harness, chat, line: str) -> str:  # type: ignore[no-untyped-def]
    await chat.says(line)
    ref = bot.service.history(chat.user_id)[0].ref_id
    await chat.clicks(chat.last(), f"pay:{ref}")
    return ref


async def test_lap_shows_what_the_reseller_paid_per_line_and_in_total(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says(f"/role {CUSTOMER} reseller")
    await admin.says("/price * reseller 500")
    await admin.says("/price PLNPOSTPAID reseller 250")  # the product's own rule wins
    bot.fund(CUSTOMER, 2_000_000)
    chat = bot.chat()
    refs = [
        await pay_line(bot, chat, f"BAYAR.PLNPOSTPAID.{PLN_OK}"),
        await pay_line(bot, chat, f"BAYAR.PDAMKOTA.BANDUNG.{PDAM_NUMBER}"),
        await pay_line(bot, chat, f"BAYAR.PLNPOSTPAID.{PLN_FAILS}"),
        await pay_line(bot, chat, f"BAYAR.PLNPOSTPAID.{PLN_PENDING}"),
    ]
    txs = {ref: bot.service.get(ref, CUSTOMER) for ref in refs}
    assert [txs[r].markup for r in refs] == [250, 500, 250, 250]
    ok, pdam, failed, pending = (txs[r] for r in refs)
    assert (ok.state, pdam.state, failed.state) == (TxState.SUCCESS, TxState.SUCCESS, TxState.FAILED)
    assert pending.state in (TxState.PAYING, TxState.PENDING)

    await chat.says("LAP")
    text = chat.last()["text"]
    bills = ok.bill_total + pdam.bill_total
    assert (
        f"Anda bayar (sukses): tagihan {rupiah(bills)} + biaya layanan Rp 750 = "
        f"<b>{rupiah(bills + 750)}</b>" in text
    )
    assert f"Masih diproses: {rupiah(pending.amount)} terpotong (1 transaksi" in text
    for tx in (ok, pdam, failed, pending):  # each line: bill + markup = what was debited
        line = next(line for line in text.split("\n") if tx.ref_id in line)
        assert f": {rupiah(tx.bill_total)} + {rupiah(tx.markup)} = {rupiah(tx.amount)} " in line
    # the total is what the ledger debited and did not refund, for the settled payments
    sums = wallet_sums(bot.db, CUSTOMER)
    assert -(sums[EntryKind.DEBIT] + sums[EntryKind.REFUND]) == bills + 750 + pending.amount

    english = bot.chat(CUSTOMER, "en", "Budi")
    await english.says("/lang")
    await english.clicks(english.last(), "lang:en")
    await english.says("LAP")
    assert "You paid (succeeded): bills " in english.last()["text"]
    assert "service fee Rp 750" in english.last()["text"]


async def test_a_full_day_of_lap_fits_one_message_and_keeps_the_latest(tmp_path: Path) -> None:
    no_limits = {"INQUIRY_LIMIT_PER_MINUTE": "0", "INQUIRY_LIMIT_PER_HOUR": "0"}
    async with Harness(tmp_path, biller=FakeBiller(), **no_limits) as bot:
        bot.fund(CUSTOMER, 50_000_000)
        chat = bot.chat()
        for i in range(60):
            number = f"0{i:02d}" + "9" * 17  # a long customer number on every line
            await pay_line(bot, chat, f"BAYAR.{PRODUCT.code}.{number}")
        latest = bot.service.history(CUSTOMER)[0]
        await chat.says("LAP")
        text = chat.last()["text"]
        assert len(text) <= MAX_MESSAGE and not text.endswith("…")
        assert latest.ref_id in text.split("\n")[-1]  # the newest payment, not cut off
        assert f"(… {60 - reports.REPORT_SHOWN} transaksi sebelumnya" in text
        assert f"biaya layanan {rupiah(60 * 1500)} = <b>{rupiah(60 * 101_500)}</b>" in text
        assert bot.errors == []
