"""The whole bot, measured as users feel it: message in, answer out, over real HTTP.

The real BotRunner long-polls the Bot API emulator on 127.0.0.1 and pays through the in-process
sandbox biller, with a temp database. N users at once each check a bill of their own (`CEK…`,
a number of the sandbox's load range) and pay it;
the figures are the time from the user's message (or tap) to the bot's bill (or receipt).

    python benchmarks/bench_bot.py [users]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from bot.billers.sandbox_numbers import LOAD_PRODUCT, load_number
from bot.config import Settings
from bot.playground.emulator import DEMO_TOKEN, BotApiEmulator
from bot.telegram.app import BotRunner

FIRST_USER = 50_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, seconds: list[float], wall: float) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<8} {len(ms)} users: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"max {max(ms):.0f} ms; all done in {wall:.2f} s ({len(ms) / wall:.1f} per second)"
    )


async def main(users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        emulator = BotApiEmulator(DEMO_TOKEN, webchat=False)
        await emulator.start()
        settings = Settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=SecretStr(DEMO_TOKEN),
            TELEGRAM_BASE_URL=emulator.base_url,
            DATABASE_PATH=Path(tmp) / "bench.sqlite3",
            ADMIN_IDS=str(FIRST_USER - 1),
            LOG_LEVEL="WARNING",
        )
        runner = BotRunner(settings)
        await runner.start()
        try:
            ids = [FIRST_USER + i for i in range(users)]
            for user_id in ids:
                runner.service.ensure_user(user_id)
                runner.service.top_up(FIRST_USER - 1, user_id, 1_000_000, "bench")

            async def check(user_id: int) -> tuple[float, int, str]:
                started = time.perf_counter()
                since = emulator.seq
                await emulator.user_sends(user_id, f"CEK.{LOAD_PRODUCT}.{load_number(user_id - FIRST_USER)}")
                bill = await emulator.wait_for_text(user_id, "Ref=", timeout=60, since=since)
                data = bill.buttons()[0][0]["callback_data"]
                return time.perf_counter() - started, bill.message_id, data

            async def pay(user_id: int, message_id: int, data: str) -> float:
                started = time.perf_counter()
                since = emulator.seq
                await emulator.user_taps(user_id, message_id, data)
                await emulator.wait_for_text(user_id, "STRUK", timeout=60, since=since)
                return time.perf_counter() - started

            wall = time.perf_counter()
            checks = await asyncio.gather(*(check(u) for u in ids))
            report("inquiry", [c[0] for c in checks], time.perf_counter() - wall)
            wall = time.perf_counter()
            paid = await asyncio.gather(*(pay(u, c[1], c[2]) for u, c in zip(ids, checks, strict=True)))
            report("payment", paid, time.perf_counter() - wall)
        finally:
            await runner.stop()
            await emulator.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
