"""`/export` and `python -m bot export` (bot/ops/export.py, bot/telegram/flows/exports.py): the
CSV opens with the csv module and adds up to `/stats`."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bot.jakarta import JAKARTA
from bot.payments.models import Role, TxState
from tests.e2e_harness import ROOT, base_env
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness

PLN_FAILS = "530000001037"  # sandbox: the payment is refused (rc 37), the wallet refunded


async def _pay_some(bot: Harness) -> dict[str, TxState]:
    bot.fund(CUSTOMER, 2_000_000)
    bot.fund(OTHER, 2_000_000)
    bot.service.set_role(ADMIN, OTHER, Role.RESELLER)
    states = {}
    for user, number in ((CUSTOMER, "541200000001"), (CUSTOMER, PLN_FAILS), (OTHER, "541200000002")):
        tx = await bot.service.inquire(user, "PLNPOSTPAID", number)
        states[tx.ref_id] = (await bot.service.pay(tx.ref_id, user)).state
    await bot.service.inquire(CUSTOMER, "PLNPOSTPAID", "541200000003")  # looked at, never paid
    return states


def _rupiah(text: str, label: str) -> int:
    match = re.search(label + r": Rp (-?[0-9.]+)", text)
    assert match, text
    return int(match.group(1).replace(".", ""))


async def test_the_payments_csv_opens_with_csv_and_adds_up_to_stats(bot: Harness) -> None:
    states = await _pay_some(bot)
    assert sorted(states.values()) == [TxState.FAILED, TxState.SUCCESS, TxState.SUCCESS]
    today = datetime.now(JAKARTA).strftime("%d/%m/%Y")
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says(f"/stats {today}")
    stats = admin.last()["text"]
    await admin.says(f"/export {today}")
    (call,) = bot.api.sent("sendDocument", ADMIN)
    assert call.params["caption"] == f"Payments {today} (WIB): 3 rows."
    (name,) = call.params["_files"]
    body = call.params["_files"][name].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == [
        "ref", "time_wib", "user_id", "role", "product", "customer_number", "customer_name", "periods",
        "bill", "admin", "markup", "total", "cost", "margin", "state", "biller_ref",
    ]  # fmt: skip
    assert {row["ref"]: row["state"] for row in rows} == {ref: s.value for ref, s in states.items()}
    assert len(rows) == int(re.search(r"Transactions: (\d+)", stats).group(1))  # type: ignore[union-attr]
    done = [row for row in rows if row["state"] == "SUCCESS"]
    assert len(done) == int(re.search(r"Success: (\d+)", stats).group(1))  # type: ignore[union-attr]
    assert sum(int(row["total"]) for row in done) == _rupiah(stats, "Volume")
    assert sum(int(row["margin"]) for row in rows) == _rupiah(stats, "Profit")
    for row in rows:
        assert int(row["bill"]) + int(row["admin"]) + int(row["markup"]) == int(row["total"])
        assert int(row["markup"]) == 1500
    assert {row["role"] for row in rows} == {"customer", "reseller"}
    assert all(row["margin"] == "0" for row in rows if row["state"] != "SUCCESS")


async def test_the_wallet_csv_holds_every_entry_of_the_days(bot: Harness) -> None:
    await _pay_some(bot)
    today = datetime.now(JAKARTA).strftime("%d/%m/%Y")
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/export mutasi {today} - {today}")
    (call,) = bot.api.sent("sendDocument", ADMIN)
    assert call.params["caption"].startswith(f"Mutasi saldo {today} (WIB):")
    rows = list(csv.DictReader(io.StringIO(next(iter(call.params["_files"].values())).decode())))
    for user in (CUSTOMER, OTHER):
        mine = [row for row in rows if int(row["user_id"]) == user]
        assert sum(int(row["amount"]) for row in mine) == bot.service.balance(user)
        assert int(mine[-1]["balance_after"]) == bot.service.balance(user)
    assert {row["kind"] for row in rows} == {"topup", "debit", "refund"}


async def test_export_answers_every_argument_it_cannot_take(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    for said, first in (
        ("/export", "Usage: /export"),
        ("/export 31/02/2026", "Cannot read the date"),
        ("/export yesterday", "Cannot read the date"),
        ("/export 01/12/2026 02/12/2026 03/12/2026", "Cannot read the date"),
        ("/export 02/12/2026-01/12/2026", "The last day is before the first."),
        ("/export 01/01/2024-31/12/2025", "At most 366 days per export."),
        ("/export mutasi", "Usage: /export"),
    ):
        await admin.says(said)
        assert admin.last()["text"].startswith(first), said
    assert bot.api.sent("sendDocument") == []
    customer = bot.chat(CUSTOMER)
    await customer.says("/frobnicate")
    unknown = customer.last()["text"]
    await customer.says("/export 01/12/2026")
    assert customer.last()["text"] == unknown and bot.api.sent("sendDocument") == []


async def test_python_m_bot_export_writes_the_same_file(bot: Harness, tmp_path: Path) -> None:
    await _pay_some(bot)
    today = datetime.now(JAKARTA).strftime("%d/%m/%Y")
    await bot.chat(ADMIN, "en", "Op").says(f"/export {today}")
    sent = next(iter(bot.api.sent("sendDocument")[0].params["_files"].values()))
    out = tmp_path / "out.csv"
    env = base_env(DATABASE_PATH=str(bot.settings.database_path))
    run = [sys.executable, "-m", "bot", "export", "--from", today, "--to", today]
    done = subprocess.run([*run, "--out", str(out)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"3 payments written to {out}"
    assert out.read_bytes() == sent
    bad = subprocess.run(
        [*run[:5], "1/13/2026", "--out", str(out)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.strip() == "export failed: write days as DD/MM/YYYY"


async def test_a_file_telegram_refuses_is_answered_in_words(bot: Harness) -> None:
    bot.api.no_files = True  # as the demo's Bot API emulator, which takes no files
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/export 01/12/2026")
    assert admin.last()["text"] == "Telegram refused the file: Method is not supported"
