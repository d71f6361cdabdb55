"""`python -m bot demo`: the whole of Loket on one machine, with no token and no account.

One process serves the Bot API emulator and the web chat page, runs the real bot (the same
`BotRunner` as production) pointed at the emulator, with the built-in sandbox biller and a
demo database, and tops up the demo user's wallet so a bill can be paid at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import BillerName, GatewayName, Settings
from bot.playground.botapi import DEMO_TOKEN, BotApiEmulator
from storage.db import DatabaseUnusable

DEMO_USER_ID = 20001  # the web chat's default user
DEMO_DATABASE = Path("./data/demo.sqlite3")

TRY_THESE = """\
Try these in the chat (sandbox test numbers):
  TELKOMPSTN 6391601201  one bill            6391601202  three bills
             6391601203  inquiry timeout     6391601204  already paid
             6391601205  wrong number        6391601206  payment fails (wallet refunded)
             6391601207  pending, settles    6391601208  biller error
  TVTLKMV    127246500101 one bill           PLNPOSTPAID 530000000002 several bills
  BPJS       8801234560000 the bot asks how many months
  Reseller:  CEK.TELKOMPSTN.6391601201   BAYAR.TELKOMPSTN.6391601202   CEK.BPJS.8801234560000.3
             SAL   MUTASI   LAP         Operator (you, in the demo): /pending /stats /deposit
  Money in:  a bill's QRIS button, /isi 50000, TIKET.100000, then /tiket as the operator; the web
             chat's "pay this QR" button pays a QR with the gateway sandbox (play money only)"""

DEMO_BANK_INFO = "Bank Contoh 000-000-0000 a.n. Loket Demo (rekening contoh, jangan ditransfer)"
_ORDER = re.compile(r"LQ[0-9A-Z]{20}")


# A pending sandbox payment settles on its third status check: with the production schedule
# (5 s, 15 s, 30 s, …) a person trying 6391601207 would wait almost a minute for the receipt.
DEMO_POLL_INTERVALS = [2, 3, 5, 10, 30, 60, 300]


def demo_settings(settings: Settings, base_url: str, database: Path) -> Settings:
    """The operator's settings with the demo's token, Bot API, database and sandbox."""
    admins = sorted({*settings.admin_ids, DEMO_USER_ID})
    # A .env copied from .env.example sets the default schedule: that is no choice of the operator's.
    default = Settings.model_fields["status_poll_intervals"].get_default(call_default_factory=True)
    explicit = settings.status_poll_intervals != default
    return settings.model_copy(
        update={
            "status_poll_intervals": settings.status_poll_intervals if explicit else DEMO_POLL_INTERVALS,
            "telegram_bot_token": SecretStr(DEMO_TOKEN),
            "telegram_base_url": base_url,
            "database_path": database,
            "biller": BillerName.SANDBOX,
            "admin_ids": admins,
            "webhook_url": "",
            # QRIS through the in-process gateway sandbox (play money), notified on a free port
            "payment_gateway": GatewayName.SANDBOX,
            "gateway_sandbox_url": "",
            "public_url": "",
            "http_port": 0,
            "deposit_bank_info": settings.deposit_bank_info or DEMO_BANK_INFO,
        }
    )


def sandbox_payer(runner: Any) -> Any:
    """The web chat's "pay this QR" (sandbox only): the gateway sandbox pays the QR in the photo's
    caption, as a customer's wallet app would, and notifies the bot like Midtrans."""
    from bot.gateways.midtrans import rupiah
    from bot.gateways.sandbox_orders import SandboxRefused

    simulator = runner.money_in.gateway.simulator

    async def pay(message: Any) -> str:
        found = _ORDER.search(message.plain)
        if found is None:
            return "Tidak ada QR Loket di pesan ini."
        try:
            paid = await simulator.pay(found.group(0))
        except (SandboxRefused, KeyError) as refused:
            return f"Sandbox menolak: {refused}"
        amount = rupiah(paid.get("gross_amount")) or 0  # "50500.00", parsed exactly
        return f"Dibayar di sandbox: Rp {amount:,}".replace(",", ".")

    return pay


async def start_demo(
    settings: Settings, *, port: int | None = None, database: Path = DEMO_DATABASE
) -> tuple[BotApiEmulator, object]:
    """Start the emulator and the bot; top the demo wallet up to DEMO_WALLET."""
    from bot.telegram.app import BotRunner

    emulator = BotApiEmulator(DEMO_TOKEN, port=settings.demo_port if port is None else port)
    await emulator.start()
    runner = BotRunner(demo_settings(settings, emulator.base_url, database))
    try:
        await runner.start()
        service = runner.service
        service.ensure_user(DEMO_USER_ID, "Demo")
        missing = settings.demo_wallet - service.balance(DEMO_USER_ID)
        if missing > 0:
            service.top_up(DEMO_USER_ID, DEMO_USER_ID, missing, "demo wallet")
        emulator.sandbox_pay = sandbox_payer(runner)
    except BaseException:
        with contextlib.suppress(Exception):
            await runner.stop()
        await emulator.stop()
        raise
    return emulator, runner


async def _serve(settings: Settings, port: int | None) -> None:
    emulator, runner = await start_demo(settings, port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"Loket demo: open {emulator.url} in a browser (you are user {DEMO_USER_ID}).", flush=True)
    print(f"Wallet: Rp {runner.service.balance(DEMO_USER_ID):,}".replace(",", "."), flush=True)
    print(TRY_THESE, flush=True)
    print("Ctrl-C stops the demo.", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.stop()
        await emulator.stop()


def run_demo(settings: Settings, port: int | None = None) -> int:
    try:
        asyncio.run(_serve(settings, port))
    except DatabaseUnusable as error:  # e.g. a demo already running in this folder
        print(f"The demo could not start: {error}")
        return 2
    except OSError as error:
        print(f"The demo could not start: {error.strerror or error}. Try --port with another port.")
        return 1
    return 0
