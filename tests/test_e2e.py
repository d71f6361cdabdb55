"""End to end over real HTTP: `python -m bot` as a subprocess, the Bot API emulator, and the
sandbox biller served on a port. Tests play users; every server and process is stopped here.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.billers import make_biller
from bot.config import Settings
from bot.playground.botapi import BotApiEmulator
from bot.playground.simulator import SimulatedUser
from bot.telegram.render import rupiah
from tests.e2e_harness import (
    TOKEN,
    Process,
    bot_env,
    sandbox_payments,
    start_bot,
    start_sandbox,
)

pytestmark = pytest.mark.e2e

OPERATOR = 9000
CUSTOMER = 20001
OTHER = 30003
START_WALLET = 2_000_000


@dataclass
class Stack:
    tmp: Path
    emulator: BotApiEmulator
    sandbox: Process
    sandbox_url: str
    env: dict[str, str]
    bot: Process

    async def restart_bot(self) -> None:
        self.bot = await start_bot(self.tmp, self.env)

    def user(self, user_id: int = CUSTOMER, name: str = "Siti", timeout: float = 15.0) -> SimulatedUser:
        return SimulatedUser(self.emulator, user_id, name, timeout=timeout)

    def balance(self, user_id: int = CUSTOMER) -> int:
        with sqlite3.connect(self.tmp / "loket.sqlite3") as db:
            return int(db.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM wallet_entries WHERE user_id = ?", (user_id,)
            ).fetchone()[0])

    def debits(self, ref: str) -> list[int]:
        with sqlite3.connect(self.tmp / "loket.sqlite3") as db:
            rows = db.execute(
                "SELECT amount FROM wallet_entries WHERE ref_id = ? AND kind = 'debit'", (ref,)
            ).fetchall()
        return [int(r[0]) for r in rows]

    async def top_up(self, user_id: int = CUSTOMER, amount: int = START_WALLET) -> None:
        operator = self.user(OPERATOR, "Operator")
        await operator.says(f"/topup {user_id} {amount} e2e")
        await operator.waits_for("Isi saldo")


@pytest.fixture
async def stack(tmp_path):
    sandbox, url = await start_sandbox(tmp_path, SANDBOX_PENDING_CHECKS="2")
    emulator = BotApiEmulator(TOKEN, webchat=False)
    await emulator.start()
    env = bot_env(
        tmp_path, emulator.base_url, url,
        ADMIN_IDS=str(OPERATOR), STATUS_POLL_INTERVALS="1,1,1,1,1,1,1,1", PTB_TIMEDELTA="1",
        TOPUP_CONFIRM_ABOVE=str(START_WALLET),  # top_up() is one line (the tap: test_ops_topup_confirm)
    )
    bot = await start_bot(tmp_path, env)
    stack = Stack(tmp_path, emulator, sandbox, url, env, bot)
    try:
        yield stack
    finally:
        code = await stack.bot.stop()
        await emulator.stop()
        await sandbox.stop()
        log = stack.bot.output
        assert code == 0, log[-4000:]  # SIGTERM is a clean shutdown
        assert "Traceback" not in log, log[-4000:]
        assert TOKEN.split(":")[1] not in log


async def sandbox_bill_total(number: str, code: str = "TELKOMPSTN") -> tuple[int, list[str]]:
    """The bill the sandbox gives for a number, asked independently of the bot."""
    # The in-process sandbox, whatever BILLER / SANDBOX_URL the developer's shell has set.
    biller = make_biller(Settings(_env_file=None, BILLER="sandbox", SANDBOX_URL=""))
    try:
        bill = await biller.inquire(biller.product(code), number, "LKE2EPROBE1")
    finally:
        await biller.aclose()
    return bill.total, [line.period for line in bill.lines]


def ref_in(text: str) -> str:
    match = re.search(r"\b(LK[0-9A-Z]{10,18})\b", text)
    assert match, text
    return match.group(1)


async def guided_inquiry(user: SimulatedUser, number: str) -> str:
    """/start, Pay a bill, Telkom, TELKOMPSTN, the number: returns the bill's text."""
    await user.says("/start")
    await user.waits_for("Loket")
    await user.taps("m:pay")
    await user.waits_for("Pilih jenis tagihan")
    await user.taps("cat:telkom")
    await user.waits_for("Pilih produk")
    await user.taps("prod:TELKOMPSTN")
    await user.waits_for("nomor pelanggan")
    await user.says(number)
    return (await user.waits_for("Total")).plain


async def test_guided_flow_one_and_three_bills(stack):
    await stack.top_up()
    user = stack.user()
    expected_balance = START_WALLET
    for number, months in (("6391601201", 1), ("6391601202", 3)):
        total, periods = await sandbox_bill_total(number)
        assert len(periods) == months
        bill_text = await guided_inquiry(user, number)
        assert f"Total: {rupiah(total)}" in bill_text
        for period in periods:
            assert period in bill_text
        assert rupiah(expected_balance - total) in bill_text  # balance after payment
        ref = ref_in(bill_text)
        bill_message = user.last_message()
        await user.taps(f"pay:{ref}")
        receipt = await user.waits_for("STRUK PEMBAYARAN")
        assert receipt.message_id == bill_message.message_id  # the same message, edited
        assert ref in receipt.plain and number in receipt.plain
        assert rupiah(total) in receipt.plain
        expected_balance -= total
        assert stack.debits(ref) == [-total]
        assert stack.balance() == expected_balance
        assert (await sandbox_payments(stack.sandbox_url))[ref] == 1


async def reseller_check(user: SimulatedUser, number: str) -> str:
    await user.says(f"CEK.TELKOMPSTN.{number}")
    return ref_in((await user.waits_for("Ref=")).plain)


async def test_each_failure_number_has_its_own_answer(stack):
    await stack.top_up()
    user = stack.user()

    await user.says("CEK.TELKOMPSTN.6391601204")
    assert "sudah terbayar" in (await user.waits_for("terbayar")).plain
    await user.says("CEK.TELKOMPSTN.6391601205")
    assert "Nomor pelanggan salah" in (await user.waits_for("Nomor pelanggan")).plain
    await user.says("CEK.TELKOMPSTN.6391601203")
    timeout_answer = await user.waits_for("Coba lagi nanti")
    assert "Ref=" not in timeout_answer.plain

    # payment failed: the wallet is refunded and the amount shown
    before = stack.balance()
    ref = await reseller_check(user, "6391601206")
    await user.taps(f"pay:{ref}")
    failed = await user.waits_for("gagal")
    amount = stack.debits(ref)[0]
    assert "Saldo dikembalikan" in failed.plain and rupiah(-amount) in failed.plain
    assert stack.balance() == before

    # biller error at payment: failed, refunded, explained as a biller problem
    ref = await reseller_check(user, "6391601208")
    await user.taps(f"pay:{ref}")
    error = await user.waits_for("gagal")
    assert "biller" in error.plain.lower() and stack.balance() == before

    # pending: told so, then the same message is edited when the status call settles it
    ref = await reseller_check(user, "6391601207")
    bill_message = user.last_message()
    await user.taps(f"pay:{ref}")
    await user.waits_for("jangan diulang")
    settled = await user.waits_for("STRUK PEMBAYARAN", timeout=30)
    assert ref in settled.plain
    assert settled.message_id == bill_message.message_id
    assert (await sandbox_payments(stack.sandbox_url))[ref] == 1
    assert stack.balance() == before + stack.debits(ref)[0]


async def test_double_tap_pays_once(stack):
    await stack.top_up()
    user = stack.user()
    ref = await reseller_check(user, "6391601202")
    message = user.last_message()
    first, second = await asyncio.gather(
        stack.emulator.user_taps(CUSTOMER, message.message_id, f"pay:{ref}"),
        stack.emulator.user_taps(CUSTOMER, message.message_id, f"pay:{ref}"),
    )
    await user.waits_for("STRUK PEMBAYARAN")
    for query_id in (first, second):  # both taps answered, neither left spinning
        await stack.emulator.wait_for_call(
            "answerCallbackQuery", predicate=lambda c, q=query_id: c.params.get("callback_query_id") == q,
            timeout=10,
        )
    assert (await sandbox_payments(stack.sandbox_url))[ref] == 1
    assert len(stack.debits(ref)) == 1


async def test_killed_bot_continues_conversation_and_settles_pending_payment(stack):
    await stack.top_up()
    user = stack.user()

    # 1. killed in the middle of a conversation: the next message continues it
    await user.says("/start")
    await user.waits_for("Loket")
    await user.taps("m:pay")
    await user.waits_for("Pilih jenis tagihan")
    await user.taps("cat:telkom")
    await user.waits_for("Pilih produk")
    await user.taps("prod:TELKOMPSTN")
    await user.waits_for("nomor pelanggan")
    await asyncio.sleep(1.5)  # the conversation state is written promptly, not at shutdown
    await stack.bot.kill()
    await stack.restart_bot()
    await user.says("6391601201")
    bill = await user.waits_for("Total", timeout=30)
    assert "6391601201" in bill.plain

    # 2. killed after a pay request that is still pending at the biller
    ref = await reseller_check(user, "6391601207")
    await user.taps(f"pay:{ref}")
    await user.waits_for("jangan diulang")
    await stack.bot.kill()
    await asyncio.sleep(0.5)
    await stack.restart_bot()
    settled = await user.waits_for("STRUK PEMBAYARAN", timeout=40)
    assert ref in settled.plain
    assert (await sandbox_payments(stack.sandbox_url))[ref] == 1
    assert len(stack.debits(ref)) == 1


async def test_reseller_commands_and_someone_elses_reference(stack):
    await stack.top_up()
    user = stack.user()
    ref = await reseller_check(user, "6391601201")
    assert "Saldo" in user.last_message().plain

    await user.says("BAYAR.TELKOMPSTN.6391601202")
    bill = await user.waits_for("Ref=")
    pay_ref = ref_in(bill.plain)
    await user.taps(f"pay:{pay_ref}")
    await user.waits_for("STRUK PEMBAYARAN")

    await user.says(f"STATUS.{pay_ref}")
    status = await user.waits_for(pay_ref)
    assert "SUKSES" in status.plain

    await user.says("SAL")
    assert rupiah(stack.balance()) in (await user.waits_for("Saldo")).plain

    # another user asking for that reference gets the answer for an unknown one
    other = stack.user(OTHER, "Budi")
    await other.says(f"STATUS.{pay_ref}")
    theirs = await other.waits_for(pay_ref)
    await other.says("STATUS.LK000000000000ZZZZZZ")
    unknown = await other.waits_for("LK000000000000ZZZZZZ")
    assert theirs.plain.replace(pay_ref, "<ref>") == unknown.plain.replace("LK000000000000ZZZZZZ", "<ref>")
    assert "SUKSES" not in theirs.plain and ref not in theirs.plain


async def test_429_from_telegram_delays_but_delivers(stack):
    user = stack.user()
    await user.says("/start")
    await user.waits_for("Loket")
    stack.emulator.fail_next("sendMessage", times=1, retry_after=1)  # whole seconds, as Telegram
    calls_before = len(stack.emulator.calls_of("sendMessage"))
    await user.says("SAL")
    answer = await user.waits_for("Saldo")
    assert "Rp 0" in answer.plain
    attempts = stack.emulator.calls_of("sendMessage")[calls_before:]
    assert len(attempts) >= 2 and attempts[0].ok is False and attempts[1].ok is True
    assert attempts[1].at - attempts[0].at >= 0.95  # retried only after retry_after
    assert len([m for m in user.bot_messages() if "Saldo" in m.plain]) == 1  # delivered once
