"""Money in end to end over real HTTP: `python -m bot` as a subprocess, the Bot API emulator, the
sandbox biller and the Midtrans-speaking gateway sandbox each on their own port. The gateway
sandbox notifies the bot's own HTTP endpoint (PUBLIC_URL) like Midtrans; tests play the
customer's wallet app through its controls. Every server and process is stopped here.

Issue 10's "Done when": an empty wallet pays a bill by QRIS and gets the receipt; the
notification twice and out of order credits once; a forged one changes nothing; a late payment
after expiry lands in the wallet; a QRIS top-up and an accepted deposit ticket credit once; a
restart between the payment and the bill's payment finishes the job once.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.gateways.midtrans import NOTIFY_PATH, signature
from bot.playground.botapi import BotApiEmulator
from bot.playground.simulator import SimulatedUser
from tests.e2e_harness import (
    TOKEN,
    Process,
    base_env,
    bot_env,
    free_port,
    sandbox_payments,
    start_bot,
    start_sandbox,
)

pytestmark = pytest.mark.e2e

OPERATOR = 9000
CUSTOMER = 20001
BANK = "BCA 1234567890 a.n. Toko Loket"
FEE = 500
ORDER = re.compile(r"LQ[0-9A-Z]{20}")
REF = re.compile(r"\b(LK[0-9A-Z]{10,18})\b")


async def start_gateway_sandbox(tmp: Path) -> tuple[Process, str]:
    port = free_port()
    proc = await Process(
        [sys.executable, "-m", "bot", "gateway-sandbox", "--port", str(port)],
        base_env(),
        tmp,
        tmp / "gateway.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(200):
            try:
                if (await client.get(f"{url}/_sandbox/health")).status_code == 200:
                    return proc, url
            except httpx.TransportError:
                pass
            if proc.proc and proc.proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
    await proc.stop()
    raise RuntimeError(f"the gateway sandbox did not start:\n{proc.output}")


@dataclass
class Stack:
    tmp: Path
    emulator: BotApiEmulator
    biller: Process
    biller_url: str
    gateway: Process
    gateway_url: str
    notify_url: str
    env: dict[str, str]
    bot: Process

    def user(self, user_id: int = CUSTOMER, name: str = "Siti") -> SimulatedUser:
        return SimulatedUser(self.emulator, user_id, name, timeout=20.0)

    async def control(self, path: str, **body: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
            answer = await client.post(f"{self.gateway_url}/_sandbox/{path}", json=body)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def order(self, order_id: str) -> dict[str, Any]:
        async with httpx.AsyncClient(trust_env=False) as client:
            return dict((await client.get(f"{self.gateway_url}/_sandbox/orders/{order_id}")).json())

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.tmp / "loket.sqlite3") as db:
            return db.execute(sql, args).fetchall()

    def balance(self, user_id: int = CUSTOMER) -> int:
        return int(
            self.rows("SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE user_id = ?", user_id)[0][0]
        )

    def credits(self, key: str) -> list[int]:
        return [int(r[0]) for r in self.rows("SELECT amount FROM wallet_entries WHERE credit_key = ?", key)]

    def money_rows(self) -> list[tuple[Any, ...]]:
        """The wallets and what the intents say of the money (not where their news goes)."""
        intents = self.rows("SELECT order_id, state, reason, paid_at, late, bill_step FROM payment_intents")
        return self.rows("SELECT * FROM wallet_entries") + intents + self.rows("SELECT * FROM intent_events")


@pytest.fixture
async def stack(tmp_path):
    biller, biller_url = await start_sandbox(tmp_path)
    gateway, gateway_url = await start_gateway_sandbox(tmp_path)
    emulator = BotApiEmulator(TOKEN, webchat=False)
    await emulator.start()
    http_port = free_port()
    env = bot_env(
        tmp_path, emulator.base_url, biller_url,
        ADMIN_IDS=str(OPERATOR), PTB_TIMEDELTA="1", PAYMENT_GATEWAY="sandbox",
        GATEWAY_SANDBOX_URL=gateway_url, HTTP_PORT=str(http_port), PUBLIC_URL=f"http://127.0.0.1:{http_port}",
        QRIS_FEE=str(FEE), DEPOSIT_BANK_INFO=BANK,
    )  # fmt: skip
    bot = await start_bot(tmp_path, env)
    stack = Stack(tmp_path, emulator, biller, biller_url, gateway, gateway_url,
                  f"http://127.0.0.1:{http_port}{NOTIFY_PATH}", env, bot)  # fmt: skip
    try:
        yield stack
    finally:
        code = await stack.bot.stop()
        await emulator.stop()
        await gateway.stop()
        await biller.stop()
        log = stack.bot.output
        assert code in (0, -9), log[-4000:]
        assert "Traceback" not in log, log[-4000:]
        assert TOKEN.split(":")[1] not in log


async def qr_for_bill(stack: Stack, user: SimulatedUser, number: str) -> tuple[str, str, int]:
    """A bill by a reseller line, paid by its QRIS button: (bill ref, order id, QR message id)."""
    await user.says(f"CEK.TELKOMPSTN.{number}")
    bill = await user.waits_for("Ref=")
    ref = REF.search(bill.plain).group(1)
    qris = next(label for label in bill.button_labels() if "QRIS" in label)
    await user.taps(qris)
    qr = await user.waits_for("Bayar tagihan dengan QRIS")
    assert qr.photo is not None and "WIB" in qr.plain and "Sudah bayar? Cek" in qr.button_labels()
    return ref, ORDER.search(qr.plain).group(0), qr.message_id


async def test_an_empty_wallet_pays_a_bill_by_qris_and_duplicates_credit_once(stack: Stack) -> None:
    user = stack.user()
    ref, order, qr_message = await qr_for_bill(stack, user, "6391601201")
    assert stack.balance() == 0
    # paid: settlement then the stale pending (out of order), then settlement twice more
    await stack.control(f"orders/{order}/pay", notify="reversed")
    await stack.control(f"orders/{order}/notify", times=2)
    receipt = await user.waits_for("STRUK PEMBAYARAN")
    assert ref in receipt.plain
    deliveries = (await stack.order(order))["deliveries"]
    assert [(d["status"], d["http_status"]) for d in deliveries] == [
        ("settlement", 200), ("pending", 200), ("settlement", 200), ("settlement", 200)
    ]  # fmt: skip
    assert stack.credits(f"qris:{order}") and len(stack.credits(f"qris:{order}")) == 1
    assert (await sandbox_payments(stack.biller_url))[ref] == 1
    assert stack.balance() == 0  # credited the bill, paid the bill
    qr = stack.emulator.message(CUSTOMER, qr_message)
    assert "diterima" in qr.plain and not qr.button_labels()


async def test_a_forged_notification_changes_nothing(stack: Stack) -> None:
    user = stack.user()
    _, order, _ = await qr_for_bill(stack, user, "6391601201")
    before = stack.money_rows()
    gross = (await stack.order(order))["gross_amount"]
    forged = {"order_id": order, "status_code": "200", "gross_amount": f"{gross}.00",
              "transaction_status": "settlement", "currency": "IDR",
              "signature_key": signature(order, "200", f"{gross}.00", "SB-Mid-server-guessed")}  # fmt: skip
    async with httpx.AsyncClient(trust_env=False) as client:
        assert (await client.post(stack.notify_url, json=forged)).status_code == 401
        unknown = {**forged, "order_id": "LQ-never-made"}
        assert (await client.post(stack.notify_url, json=unknown)).status_code == 401
    assert stack.money_rows() == before and stack.balance() == 0
    assert "SB-Mid-server-guessed" not in stack.bot.output


async def test_a_late_payment_after_expiry_lands_in_the_wallet(stack: Stack) -> None:
    user = stack.user()
    await user.says("/isi 50000")
    await user.waits_for("Pilih cara bayar")
    await user.taps("isiq:50000")
    qr = await user.waits_for("Isi saldo dengan QRIS")
    order = ORDER.search(qr.plain).group(0)
    await stack.control(f"orders/{order}/expire")
    await user.waits_for("kedaluwarsa")
    await stack.control(f"orders/{order}/pay", late=True)
    await user.waits_for("setelah QR ditutup")
    assert stack.balance() == 50_000 and stack.credits(f"qris:{order}") == [50_000]


async def test_a_qris_top_up_and_an_accepted_ticket_credit_once(stack: Stack) -> None:
    user, operator = stack.user(), stack.user(OPERATOR, "Operator")
    await operator.says("/start")  # the operator has opened the chat
    await operator.waits_for("Loket")
    await user.says("/start")
    await user.waits_for("Loket")
    await user.taps("m:topup")
    await user.waits_for("Pilih jumlah")
    await user.taps("isi:100000")
    await user.waits_for("Pilih cara bayar")
    await user.taps("isiq:100000")
    qr = await user.waits_for("Isi saldo dengan QRIS")
    order = ORDER.search(qr.plain).group(0)
    await stack.control("pay-qr", qr_string=(await stack.order(order))["qr_string"], notify="twice")
    await user.waits_for("Saldo diisi")
    assert stack.balance() == 100_000 and stack.credits(f"qris:{order}") == [100_000]

    await user.says("TIKET.50000")
    opened = await user.waits_for("Tiket deposit")
    assert BANK in opened.plain
    ticket = await operator.waits_for("Tiket deposit")
    transfer = int(stack.rows("SELECT transfer_amount FROM deposit_tickets")[0][0])
    accept = next(label for label in ticket.button_labels() if label.startswith("✅"))
    await operator.taps(accept)
    await user.waits_for("diterima")
    await operator.taps_data(ticket.message_id, next(b["callback_data"] for r in ticket.buttons() for b in r))
    await operator.waits_for("sudah diterima")
    assert stack.balance() == 100_000 + transfer
    assert len(stack.rows("SELECT 1 FROM wallet_entries WHERE credit_key LIKE 'ticket:%'")) == 1


async def test_a_restart_between_the_payment_and_the_bill_payment_finishes_it_once(stack: Stack) -> None:
    user = stack.user()
    ref, order, _ = await qr_for_bill(stack, user, "6391601202")
    await stack.bot.kill()  # SIGKILL: Loket is down when the customer pays
    await stack.control(f"orders/{order}/pay")
    deliveries = (await stack.order(order))["deliveries"]
    assert "error" in deliveries[-1]  # the notification could not be delivered
    assert ref not in await sandbox_payments(stack.biller_url)
    stack.bot = await start_bot(stack.tmp, stack.env)  # recovery: the status call, the credit, the bill
    receipt = await user.waits_for("STRUK PEMBAYARAN", timeout=30)
    assert ref in receipt.plain
    await stack.control(f"orders/{order}/notify", times=2)  # the gateway's retries arrive after
    assert [d.get("http_status") for d in (await stack.order(order))["deliveries"]][-2:] == [200, 200]
    assert (await sandbox_payments(stack.biller_url))[ref] == 1
    assert len(stack.credits(f"qris:{order}")) == 1 and stack.balance() == 0
