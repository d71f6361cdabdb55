"""A Loket process paying bills without pause through the real core and the sandbox biller, for
tests/test_ops_backup.py: it prints each payment's ref once pay() has returned (its record,
debit and outcome committed), and a line `topped <entry_id>` after the top-up.

    ops_payer_child.py <count>     # DATABASE_PATH and ADMIN_IDS come from the environment
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.billers import make_biller
from bot.config import load_settings
from bot.payments.ledger import Ledger
from bot.payments.service import PaymentService
from storage.db import open_database

ADMIN, USER = 1, 42


async def main(count: int) -> int:
    settings = load_settings()
    biller = make_biller(settings)
    service = PaymentService(Ledger(open_database(settings.database_path)), biller, settings)
    entry = service.top_up(ADMIN, USER, 500_000_000, "backup test")
    print(f"topped {entry.entry_id}", flush=True)
    for i in range(count):
        number = f"5412{i:08d}"  # any well-formed PLN number: one bill, paid successfully
        tx = await service.inquire(USER, "PLNPOSTPAID", number)
        await service.pay(tx.ref_id, USER)
        print(tx.ref_id, flush=True)
    await biller.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]))))
