"""One chat floods, another says /start: how long does the other wait? Over real HTTP.

The real BotRunner long-polls the Bot API emulator on 127.0.0.1 with Loket's own rate limiter
(about one message a second per chat, as Telegram allows). One user sends `lines` messages at
once, then another user sends /start; the figure is the time from that /start to its answer,
and what the flooding chat got back.

    python benchmarks/bench_fairness.py [lines] [patience seconds]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from bot.config import Settings
from bot.playground.botapi import DEMO_TOKEN, BotApiEmulator, EmulatorTimeout
from bot.telegram.app import BotRunner

FLOODER, OTHER = 60_001, 60_002


async def main(lines: int, patience: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        emulator = BotApiEmulator(DEMO_TOKEN, webchat=False)
        await emulator.start()
        settings = Settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=SecretStr(DEMO_TOKEN),
            TELEGRAM_BASE_URL=emulator.base_url,
            DATABASE_PATH=Path(tmp) / "bench.sqlite3",
            LOG_LEVEL="WARNING",
        )
        runner = BotRunner(settings)
        await runner.start()
        try:
            await emulator.user_sends(FLOODER, "/start", language_code="en")
            await emulator.wait_for_text(FLOODER, "Loket", timeout=30)
            flood_started = time.perf_counter()
            for i in range(lines):
                await emulator.user_sends(FLOODER, f"halo {i}", language_code="en")
            await asyncio.sleep(1.0)  # the flood has been fetched and is in hand
            since = emulator.seq
            started = time.perf_counter()
            await emulator.user_sends(OTHER, "/start")
            try:
                await emulator.wait_for_text(OTHER, "Loket", timeout=patience, since=since)
                waited = f"{(time.perf_counter() - started) * 1000:.0f} ms"
            except EmulatorTimeout:
                waited = f"no answer within {patience:.0f} s"
            got = emulator.bot_messages(FLOODER)
            warned = sum("Too many messages" in (m.text or "") for m in got)
            print(
                f"flood of {lines} lines: other user's /start answered in {waited}; "
                f"the flooding chat got {len(got) - 1} answers and {warned} 'slow down' in "
                f"{time.perf_counter() - flood_started:.1f} s"
            )
        finally:
            await runner.stop()
            await emulator.stop()


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(int(args[0]) if args else 500, float(args[1]) if len(args) > 1 else 30.0))
