"""The day's report to operators at 23:59 WIB on the real Application's JobQueue
(bot/ops/report.py, bot/telegram/ops_jobs.py): payments by state, turnover, margin, wallets, and
the biller deposit's movement against the day's costs, the difference shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.payments.models import TxState
from bot.telegram.render import rupiah
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness

PLN_FAILS = "530000001037"


def _figure(text: str, label: str) -> str:
    match = re.search(label + r": (?:<b>)?([^<\n]+)", text)
    assert match, (label, text)
    return match.group(1)


async def test_the_daily_report_reconciles_the_deposit_against_the_days_costs(bot: Harness) -> None:
    (job,) = [j for j in bot.app.job_queue.jobs() if j.name == "loket-daily-report"]
    assert job.job.trigger.fields[5].expressions[0].first == 23  # hour
    assert job.job.trigger.fields[6].expressions[0].first == 59  # minute
    assert str(job.job.trigger.timezone) == "Asia/Jakarta"
    provider = bot.service.biller.name
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
    bot.service.ledger.record_deposit(provider, 50_000_000, None, yesterday)  # the deposit before today
    bot.fund(CUSTOMER, 3_000_000)
    bot.fund(OTHER, 1_000_000)
    txs = []
    for user, number in ((CUSTOMER, "541200000041"), (CUSTOMER, PLN_FAILS), (OTHER, "541200000042")):
        tx = await bot.service.inquire(user, "PLNPOSTPAID", number)
        txs.append(await bot.service.pay(tx.ref_id, user))
    done = [tx for tx in txs if tx.state is TxState.SUCCESS]
    assert len(done) == 2
    end = bot.service.ledger.last_deposit(provider)
    assert end is not None and end[0] != 50_000_000  # the sandbox reported its deposit after paying
    costs = sum(tx.cost if tx.cost is not None else tx.bill_total for tx in done)

    await job.run(bot.app)
    text = bot.api.sent("sendMessage", ADMIN)[-1].params["text"]
    assert text.startswith("<b>Laporan harian ")
    assert _figure(text, "Pembayaran") == "FAILED 1, SUCCESS 2"
    assert _figure(text, "Omzet") == rupiah(sum(tx.amount for tx in done))
    assert _figure(text, "Laba") == rupiah(sum(tx.profit for tx in done))
    wallets = bot.service.balance(CUSTOMER) + bot.service.balance(OTHER)
    topped = " (isi/koreksi hari ini Rp 4.000.000)"
    assert _figure(text, "Saldo semua pengguna").startswith(rupiah(wallets) + topped)
    assert _figure(text, "Awal") == "Rp 50.000.000" and _figure(text, "Akhir") == rupiah(end[0])
    assert _figure(text, "Terpakai") == rupiah(50_000_000 - end[0])
    assert _figure(text, "Biaya transaksi sukses") == rupiah(costs)
    difference = (50_000_000 - end[0]) - costs
    assert _figure(text, "Selisih") == rupiah(difference)
    assert (" ⚠ cocokkan dengan laporan biller" in text) is (difference != 0)
    assert bot.errors == []


async def test_a_day_without_deposit_figures_says_unknown(bot: Harness) -> None:
    (job,) = [j for j in bot.app.job_queue.jobs() if j.name == "loket-daily-report"]
    bot.service.set_language(bot.service.ensure_user(ADMIN).user_id, "en")
    await job.run(bot.app)
    text = bot.api.sent("sendMessage", ADMIN)[-1].params["text"]
    assert "Payments: –\nTurnover: Rp 0\n" in text
    assert "Start: unknown\nEnd: unknown\nUsed: unknown\n" in text and "Difference: <b>unknown</b>" in text
