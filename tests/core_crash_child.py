"""A Loket process that dies by SIGKILL mid-payment, or one that recovers after it.

Run by tests/test_payments_crash.py with sys.executable:
    core_crash_child.py pay before   # killed right after the PAYING commit, before the pay request
    core_crash_child.py pay after    # killed right after the sandbox got the pay request
    core_crash_child.py recover      # a fresh process: recover() and print what it found
Settings (DATABASE_PATH, SANDBOX_URL, ADMIN_IDS, NO_RECORD_GRACE_SECONDS) come from the environment.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.billers import make_biller
from bot.billers.base import Bill, PaymentResult
from bot.config import load_settings
from bot.payments.ledger import Ledger
from bot.payments.service import PaymentService
from storage.db import open_database

ADMIN, USER = 1, 42
NUMBER = "6391600000"  # sandbox: one bill, paid successfully


class KillingBiller:
    """The real biller, except that pay() ends the process with SIGKILL (no cleanup at all)."""

    def __init__(self, inner, when: str) -> None:
        self.inner = inner
        self.when = when

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def pay(self, bill: Bill) -> PaymentResult:
        if self.when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = await self.inner.pay(bill)
        os.kill(os.getpid(), signal.SIGKILL)
        return result


async def main(argv: list[str]) -> int:
    settings = load_settings()
    biller = make_biller(settings)
    if argv[0] == "pay":
        biller = KillingBiller(biller, argv[1])
    service = PaymentService(Ledger(open_database(settings.database_path)), biller, settings)
    if argv[0] == "pay":
        service.top_up(ADMIN, USER, 1_000_000, "crash test")
        tx = await service.inquire(USER, "TELKOMPSTN", NUMBER)
        print(json.dumps({"ref_id": tx.ref_id, "amount": tx.amount}), flush=True)
        await service.pay(tx.ref_id, USER)
        return 3  # never reached: the process is killed inside pay()
    found = await service.recover()
    report = [
        {"ref_id": tx.ref_id, "state": tx.state.value, "reason": tx.reason and tx.reason.value}
        for tx in found
    ]
    print(json.dumps({"recovered": report, "balance": service.balance(USER)}), flush=True)
    await biller.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
