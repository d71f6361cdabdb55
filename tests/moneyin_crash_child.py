"""A Loket process that dies by SIGKILL in the middle of money in, or one that recovers after it.

Run by tests/test_moneyin_crash.py with sys.executable:
    moneyin_crash_child.py charge    # killed right after the intent's commit, before the charge request
    moneyin_crash_child.py bill      # a bill paid by QRIS: killed after the credit's commit, before
                                     # the bill's payment (the notification came over HTTP)
    moneyin_crash_child.py recover [grace]  # a fresh process: money in's recover(), then a report
Settings (DATABASE_PATH, SANDBOX_URL, GATEWAY_SANDBOX_URL, HTTP_PORT, PUBLIC_URL, ...) come from
the environment, as `python -m bot` reads them.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bot.billers import make_biller
from bot.config import load_settings
from bot.gateways import make_gateway
from bot.moneyin import MoneyIn
from bot.payments.ledger import Ledger
from bot.payments.service import PaymentService
from bot.web.server import LoketHTTP, add_gateway_routes
from storage.db import open_database

USER = 42
NUMBER = "6391600000"  # sandbox biller: one bill, paid successfully


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class KillingGateway:
    """The real gateway client, except that charge() ends the process before the request leaves."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def charge(self, order_id: str, gross_amount: int, expiry_minutes: int):
        print(json.dumps({"order_id": order_id, "gross_amount": gross_amount}), flush=True)
        die()


class KillingPayments:
    """The real payment core, except that pay() ends the process before anything happens."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def pay(self, ref_id: str, user_id: int):
        die()


async def main(argv: list[str]) -> int:
    settings = load_settings()
    db = open_database(settings.database_path)
    biller = make_biller(settings)
    service = PaymentService(Ledger(db), biller, settings)
    gateway = make_gateway(settings)
    assert gateway is not None
    if argv[0] == "charge":
        money = MoneyIn(db, service, KillingGateway(gateway), settings)
        await money.qris.top_up(USER, 50_000)
        return 3  # never reached
    if argv[0] == "bill":
        money = MoneyIn(db, KillingPayments(service), gateway, settings)
        http = LoketHTTP(settings.http_listen, settings.http_port)
        add_gateway_routes(http, money.qris)
        await http.start()
        tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
        intent = await money.qris.pay_bill(USER, tx.ref_id)
        print(json.dumps({"order_id": intent.order_id, "ref_id": tx.ref_id, "amount": tx.amount}), flush=True)
        async with httpx.AsyncClient(trust_env=False, timeout=30) as client:  # the customer scans and pays
            await client.post(f"{settings.gateway_sandbox_url}/_sandbox/orders/{intent.order_id}/pay")
        await asyncio.sleep(30)  # the notification's bill step kills the process before this ends
        return 3
    grace = float(argv[1]) if len(argv) > 1 else 300.0  # how long "the gateway never heard of it" waits
    money = MoneyIn(db, service, gateway, settings, not_found_grace=grace)
    await money.recover()
    report = {
        "intents": [
            {"order_id": i.order_id, "state": i.state.value, "bill_step": i.bill_step and i.bill_step.value}
            for i in money.store.all_intents()
        ],
        "balance": service.balance(USER),
        "credits": [e["amount"] for e in money.store.credits(USER)],
        "bills": {tx.ref_id: tx.state.value for tx in service.history(USER)},
    }
    print(json.dumps(report), flush=True)
    await biller.aclose()
    await gateway.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
