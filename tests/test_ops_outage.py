"""Telegram unreachable for a while, with the real `python -m bot` process (bot/telegram/ops_jobs.py):
one log line when the outage starts (with its cause) and one when it ends, no traceback per retry,
and the bot answers again afterwards."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.playground.botapi import BotApiEmulator
from tests.e2e_harness import TOKEN, base_env

CUSTOMER = 1001


async def _until(proc: asyncio.subprocess.Process, seen: list[str], needle: str, timeout: float) -> None:
    assert proc.stdout is not None

    async def read() -> None:
        while not any(needle in line for line in seen):
            line = await proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "".join(seen)
            seen.append(line.decode(errors="replace"))

    await asyncio.wait_for(read(), timeout)


@pytest.mark.e2e
async def test_a_telegram_outage_is_two_log_lines_not_a_traceback_per_retry(tmp_path: Path) -> None:
    tg = await BotApiEmulator(TOKEN, webchat=False).start()
    env = base_env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=tg.base_url, BILLER="sandbox",
        DATABASE_PATH=str(tmp_path / "loket.sqlite3"), LOG_LEVEL="INFO",
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    seen: list[str] = []
    try:
        await _until(proc, seen, "started:", 30)
        port = tg.port
        await tg.stop()  # Telegram goes away: the long poll breaks, every retry is refused
        await _until(proc, seen, "Telegram Bot API unreachable: started", 30)
        await asyncio.sleep(6)  # several retries meanwhile
        during = len(seen)
        tg.requested_port = port
        await tg.start()  # back
        await _until(proc, seen, "Telegram Bot API unreachable: over after", 30)
        sent = await tg.user_sends(CUSTOMER, "/start", language_code="en")
        await tg.wait_for_text(CUSTOMER, "Welcome", since=sent.seq, timeout=20)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), 30)
        await tg.stop()
    output = "".join(seen) + rest.decode(errors="replace")
    assert proc.returncode == 0, output[-3000:]
    outage = [line for line in output.splitlines() if "unreachable" in line]
    assert len(outage) == 2, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    started = outage[0].split("unreachable: started: ")[1]
    assert started.startswith(("NetworkError", "TimedOut")) and TOKEN not in output
    assert during - seen.index(next(s for s in seen if "unreachable: started" in s)) <= 3, seen[-10:]
