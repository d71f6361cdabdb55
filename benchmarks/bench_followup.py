"""10,000 pending payments followed by the real bot: biller calls per second, the most calls at
once, and how long /start takes to be answered meanwhile. Over real HTTP to the Bot API emulator.

A ledger with `pending` PENDING payments all due at the same moment (the worst case: a biller
back after an outage, a restart) is built (benchmarks/scale_ledger.py); the real BotRunner starts
on it, with a fake biller in process that takes `latency` seconds per call and answers every
status check "in process" (so each payment stays pending and is checked again later). It counts
the calls it serves and how many run at once. While the recovery and the follow-up work through
the payments, users send /start one after another; the same is measured on a ledger without
pending payments for comparison.

    python benchmarks/bench_followup.py [pending] [seconds] [latency]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_ledger import build_ledger

from bot.billers import make_biller
from bot.billers.base import Bill, BillerWrapper, Outcome, PaymentResult, Product, Reason
from bot.config import Settings
from bot.playground.botapi import DEMO_TOKEN, BotApiEmulator
from bot.telegram.app import BotRunner

FIRST_CHATTER = 900_000


class CountingBiller(BillerWrapper):
    """The sandbox's products and bills; status checks answered "in process" after `latency`."""

    def __init__(self, settings: Settings, latency: float) -> None:
        super().__init__(make_biller(settings))
        self.latency = latency
        self.calls: list[float] = []  # when each call was served (monotonic)
        self.now = 0
        self.most = 0

    async def _call(self) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.now -= 1
            self.calls.append(time.monotonic())

    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        await self._call()
        bill: Bill = await self.inner.inquire(product, customer_number, ref_id, months=months)
        return bill

    async def pay(self, bill: Bill) -> PaymentResult:
        await self._call()
        result: PaymentResult = await self.inner.pay(bill)
        return result

    async def check_status(self, bill: Bill) -> PaymentResult:
        await self._call()
        return PaymentResult(
            outcome=Outcome.PENDING, reason=Reason.IN_PROCESS, provider=self.name, ref_id=bill.ref_id,
            provider_code="39", message="in process",
        )  # fmt: skip

    async def deposit(self) -> int | None:
        return None

    async def aclose(self) -> None:
        await self.inner.aclose()


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(path: Path, seconds: float, latency: float, label: str) -> dict[str, float]:
    emulator = BotApiEmulator(DEMO_TOKEN, webchat=False)
    await emulator.start()
    settings = Settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=SecretStr(DEMO_TOKEN),
        TELEGRAM_BASE_URL=emulator.base_url,
        DATABASE_PATH=path,
        LOG_LEVEL="WARNING",
    )  # type: ignore[call-arg]
    biller = CountingBiller(settings, latency)
    runner = BotRunner(settings, biller=biller)
    started = time.monotonic()
    await runner.start()
    latencies: list[float] = []
    try:
        user = FIRST_CHATTER
        while time.monotonic() - started < seconds:
            user += 1
            since = emulator.seq
            t0 = time.perf_counter()
            await emulator.user_sends(user, "/start")
            await emulator.wait_for_text(user, "Loket", timeout=60, since=since)
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.2)
        window = time.monotonic() - started
        assert runner.service is not None
        left = runner.service.ledger.db.execute(
            "SELECT count(*) FROM transactions WHERE state = 'PENDING' AND next_check_at <= ?",
            [datetime.now(UTC).isoformat(timespec="microseconds")],
        ).fetchone()[0]
    finally:
        await runner.stop()
        await emulator.stop()
    ms = [s * 1000 for s in latencies]
    status_calls = len(biller.calls)
    print(
        f"{label}: {status_calls} biller calls in {window:.1f} s = {status_calls / window:.1f} per second, "
        f"at most {biller.most} at once; /start answered p50 {statistics.median(ms):.0f} ms, "
        f"p95 {pct(ms, 0.95):.0f} ms, max {max(ms):.0f} ms ({len(ms)} users one after another); "
        f"still due at the end: {left}"
    )
    return {"calls_per_second": status_calls / window, "most": biller.most}


async def main(pending: int, seconds: float, latency: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        quiet, busy = Path(tmp) / "quiet.sqlite3", Path(tmp) / "busy.sqlite3"
        build_ledger(quiet, users=2_000, transactions=pending, pending=0, conversations=0)
        due = datetime.now(UTC) - timedelta(seconds=1)  # all due at the same moment: the worst case
        counts = build_ledger(
            busy, users=2_000, transactions=pending * 3, pending=pending, conversations=0,
            pending_due=due, paying_share=0.0, days=1 / 24,
        )  # fmt: skip
        print(
            f"{counts['state PENDING']} pending payments all due now, BILLER_MAX_CONCURRENCY "
            f"{getattr(Settings(_env_file=None), 'biller_max_concurrency', 'none')},"  # type: ignore[call-arg]
            f" biller latency {latency * 1000:.0f} ms"
        )
        await run(quiet, seconds, latency, "without follow-up")
        await run(busy, seconds, latency, f"while following {counts['state PENDING']}")


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(
        main(
            int(args[0]) if args else 10_000,
            float(args[1]) if len(args) > 1 else 30.0,
            float(args[2]) if len(args) > 2 else 0.05,
        )
    )
