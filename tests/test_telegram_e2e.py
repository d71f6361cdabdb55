"""The whole bot over real HTTP: BotRunner long-polling the playground's Bot API emulator,
which applies Telegram's HTML rules, so every message the bot sends must be valid HTML."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.playground.botapi import BotApiEmulator
from bot.telegram.app import BotRunner
from tests.tg_double import TOKEN
from tests.tg_setup import ADMIN, CUSTOMER, make_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
async def test_polling_bot_against_the_emulator(tmp_path: Path) -> None:
    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        settings = make_settings(tmp_path, TELEGRAM_BASE_URL=tg.base_url)
        runner = BotRunner(settings)
        errors: list[BaseException] = []
        await runner.start()
        try:
            assert runner.application is not None

            async def record(update: object, context: Any) -> None:
                errors.append(context.error)

            runner.application.add_error_handler(record)
            await tg.user_sends(CUSTOMER, "/start", first_name="<b>&", language_code="id")
            await tg.wait_for_text(CUSTOMER, "Selamat datang")
            await tg.user_sends(ADMIN, "/topup 1001 1.000.000 setoran", first_name="Op", language_code="en")
            await tg.wait_for_text(ADMIN, "Topped up Rp 1.000.000")
            await tg.user_sends(CUSTOMER, "/bayar")
            menu = await tg.wait_for(CUSTOMER, lambda m: "cat:pln" in m.ever_callback_data)
            await tg.user_taps(CUSTOMER, menu.message_id, "cat:pln")
            await tg.wait_for(CUSTOMER, lambda m: "prod:PLNPOSTPAID" in m.ever_callback_data)
            await tg.user_taps(CUSTOMER, menu.message_id, "prod:PLNPOSTPAID")
            await tg.wait_for_text(CUSTOMER, "ID pelanggan PLN")
            await tg.user_sends(CUSTOMER, "530000000000")
            bill = await tg.wait_for(
                CUSTOMER, lambda m: any(d.startswith("pay:") for d in m.ever_callback_data)
            )
            pay = next(d for d in bill.ever_callback_data if d.startswith("pay:"))
            await tg.user_taps(CUSTOMER, bill.message_id, pay)
            receipt = await tg.wait_for_text(CUSTOMER, "STRUK PEMBAYARAN")
            assert receipt.message_id == bill.message_id
            for command, expected in [
                ("/history", "Riwayat transaksi"),
                ("/saldo", "Saldo Anda"),
                ("/help", "Format singkat"),
                (f"/receipt {pay[4:]}", "STRUK"),
                ("STATUS.530000000000", "SUKSES"),
            ]:
                sent = await tg.user_sends(CUSTOMER, command)
                await tg.wait_for_text(CUSTOMER, expected, since=sent.seq)
            for command, expected in [
                ("/stats", "Statistics"),
                ("/pending", "No pending"),
                ("/deposit", "Deposit"),
            ]:
                sent = await tg.user_sends(ADMIN, command)
                await tg.wait_for_text(ADMIN, expected, since=sent.seq)
            assert tg.commands  # setMyCommands reached the emulator
            assert errors == []
        finally:
            await runner.stop()


@pytest.mark.e2e
async def test_python_m_bot_runs_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "WEBHOOK_", "BILLER"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=tg.base_url,
            DATABASE_PATH=str(tmp_path / "loket.sqlite3"),
            BILLER="sandbox",
            LOG_LEVEL="DEBUG",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env | {"PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await tg.wait_for_call("setMyCommands", timeout=20)
            sent = await tg.user_sends(CUSTOMER, "/start", language_code="en")
            await tg.wait_for_text(CUSTOMER, "Welcome", since=sent.seq, timeout=10)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, output.decode()[-2000:]
        text = output.decode()
        assert "getUpdates" not in text or "/bot***" in text
        assert TOKEN not in text and TOKEN.split(":")[1] not in text


class _StatusWaits:
    """The sandbox, but every status call waits until the test lets it through."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.release = asyncio.Event()
        self.asked = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def check_status(self, bill: Any) -> Any:
        self.asked += 1
        await self.release.wait()
        return await self.inner.check_status(bill)


@pytest.mark.e2e
async def test_a_slow_biller_at_start_up_does_not_hold_the_chat(tmp_path: Path) -> None:
    from bot.billers import make_biller
    from bot.payments.ledger import Ledger
    from bot.payments.models import TxState
    from bot.payments.service import PaymentService
    from storage.db import open_database

    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        settings = make_settings(tmp_path, TELEGRAM_BASE_URL=tg.base_url, SANDBOX_PENDING_CHECKS="0")
        sandbox = make_biller(settings)
        db = open_database(settings.database_path)
        before = PaymentService(Ledger(db), sandbox, settings)
        before.ensure_user(CUSTOMER)
        before.top_up(ADMIN, CUSTOMER, 1_000_000, "test")
        tx = await before.inquire(CUSTOMER, "PLNPOSTPAID", "530000001039")
        assert (await before.pay(tx.ref_id, CUSTOMER)).state is TxState.PENDING
        db.conn.close()

        slow = _StatusWaits(sandbox)
        runner = BotRunner(settings, biller=slow)  # type: ignore[arg-type]
        try:
            await asyncio.wait_for(runner.start(), 10)  # not held by the waiting status call
            sent = await tg.user_sends(CUSTOMER, "/start", language_code="id")
            await tg.wait_for_text(CUSTOMER, "Selamat datang", since=sent.seq, timeout=10)
            assert slow.asked == 1  # recovery is under way meanwhile
            slow.release.set()
            for _ in range(100):
                if runner.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS:
                    break
                await asyncio.sleep(0.05)
            assert runner.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
            assert sandbox.simulator.payments() == {tx.ref_id: 1}
        finally:
            await runner.stop()
            await sandbox.aclose()
