"""How fast the payment core runs: inquiries + payments per second, and pay() latency.

Against the in-process sandbox biller (the real IAK client over httpx.MockTransport) and a
temporary SQLite database with the production pragmas (WAL, synchronous=FULL). Not a test:
it prints figures. Run: `python benchmarks/bench_core.py [count]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.billers import make_biller
from bot.config import Settings
from bot.payments.ledger import Ledger
from bot.payments.service import PaymentService
from storage.db import open_database

ADMIN, USER = 1, 42


async def run(count: int) -> None:
    # one user makes every inquiry: the inquiry limit is kept on (its cost is measured) but high
    settings = Settings(
        _env_file=None, ADMIN_IDS="1", MARKUP=2500,
        INQUIRY_LIMIT_PER_MINUTE=1_000_000, INQUIRY_LIMIT_PER_HOUR=1_000_000,
    )  # type: ignore[call-arg]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        biller = make_biller(settings)
        service = PaymentService(Ledger(open_database(Path(folder) / "bench.sqlite3")), biller, settings)
        service.top_up(ADMIN, USER, 10_000_000_000, "benchmark")
        pay_ms: list[float] = []
        inquiry_ms: list[float] = []
        started = time.perf_counter()
        for i in range(count):
            t0 = time.perf_counter()
            tx = await service.inquire(USER, "PLNPOSTPAID", f"5{i:011d}")
            t1 = time.perf_counter()
            paid = await service.pay(tx.ref_id, USER)
            t2 = time.perf_counter()
            assert paid.state.value == "SUCCESS", paid.state
            inquiry_ms.append((t1 - t0) * 1000)
            pay_ms.append((t2 - t1) * 1000)
        elapsed = time.perf_counter() - started

        concurrent = 50
        txs = [await service.inquire(USER, "PLNPOSTPAID", f"6{i:011d}") for i in range(concurrent)]
        t0 = time.perf_counter()
        await asyncio.gather(*(service.pay(tx.ref_id, USER) for tx in txs))
        gathered = time.perf_counter() - t0
        await biller.aclose()

    def pct(values: list[float], p: float) -> float:
        return statistics.quantiles(values, n=100)[int(p) - 1]

    print(f"sequential: {count} inquiries + payments in {elapsed:.2f} s = {count / elapsed:.1f} per second")
    print(f"inquire(): p50 {pct(inquiry_ms, 50):.2f} ms, p95 {pct(inquiry_ms, 95):.2f} ms")
    print(f"pay():     p50 {pct(pay_ms, 50):.2f} ms, p95 {pct(pay_ms, 95):.2f} ms")
    print(
        f"{concurrent} different payments gathered at once: {gathered:.2f} s"
        f" = {concurrent / gathered:.1f} per second"
    )


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
