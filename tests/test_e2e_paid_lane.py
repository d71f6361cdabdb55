"""Telegram's paid lane end to end: `python -m bot` as a subprocess, the sandbox biller on a
port, the Bot API emulator holding the bot to Telegram's flood limits. A rush of customers is
answered partly paid; the bot is killed (SIGKILL) and restarted; a second rush pays only what
is left of the day's budget, because the count survived the crash. Every server and process is
stopped here.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bot.billers.sandbox_numbers import LOAD_PRODUCT, load_number
from bot.playground.botapi import BotApiEmulator
from bot.playground.botapi.flood import FloodControl
from tests.e2e_harness import TOKEN, bot_env, start_bot, start_sandbox

pytestmark = pytest.mark.e2e

OPERATOR = 9000
FIRST = 60_000
BUDGET = 30
RUSH = 100


async def rush(emulator: BotApiEmulator, first: int) -> None:
    """`RUSH` customers check a bill of their own at the same instant; each gets it, once."""

    async def one(i: int) -> None:
        user_id = first + i
        since = emulator.seq
        await emulator.user_sends(user_id, f"CEK.{LOAD_PRODUCT}.{load_number(user_id - FIRST)}")
        await emulator.wait_for_text(user_id, "Ref=", timeout=60, since=since)

    await asyncio.gather(*(one(i) for i in range(RUSH)))
    for i in range(RUSH):
        bills = [m for m in emulator.bot_messages(first + i) if "Ref=" in (m.text or "")]
        assert len(bills) == 1


def stored_count(database: Path) -> int:
    """The paid lane's count for the day as the bot's data holds it on disk (0 if none)."""
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT data FROM ptb_data WHERE kind = 'bot' AND key = ''").fetchone()
    lane = json.loads(row[0]).get("paid_lane") if row else None
    return int(lane["sent"]) if lane else 0


async def settled_count(database: Path, expected: int) -> int:
    """The stored count once it reads `expected` (the bot saves it after each update), or as it
    stands after 10 s."""
    for _ in range(200):
        if stored_count(database) == expected:
            break
        await asyncio.sleep(0.05)
    return stored_count(database)


async def test_the_days_budget_survives_a_crash_in_a_rush(tmp_path: Path) -> None:
    sandbox, url = await start_sandbox(tmp_path)
    emulator = BotApiEmulator(TOKEN, webchat=False)
    await emulator.start()
    # slack 15: the bot and this test share the machine with the rest of the suite
    flood = emulator.flood = FloodControl(slack=15)
    env = bot_env(
        tmp_path, emulator.base_url, url, ADMIN_IDS=str(OPERATOR),
        TELEGRAM_PAID_MESSAGES_PER_DAY=str(BUDGET),
    )  # fmt: skip
    database = tmp_path / "loket.sqlite3"
    bot = await start_bot(tmp_path, env)
    try:
        await emulator.user_sends(OPERATOR, "/start")  # the operator's chat is open
        await emulator.wait_for_text(OPERATOR, "Loket", timeout=30)

        await rush(emulator, FIRST)
        first = flood.paid_sent
        assert first > 0  # part of the rush went paid
        assert await settled_count(database, first) == first
        await bot.kill()  # SIGKILL: no shutdown, no flush

        bot = await start_bot(tmp_path, env)
        await rush(emulator, FIRST + RUSH)
        second = flood.paid_sent - first
        # the restarted bot went on from the stored count: it did not start a fresh budget
        assert await settled_count(database, first + second) == first + second
        assert first + second <= BUDGET
        told = [m.text or "" for m in emulator.bot_messages(OPERATOR)]
        spent = sum("Jatah 30 pesan Telegram berbayar" in text for text in told)
        assert spent == (1 if first + second == BUDGET else 0)
        assert flood.too_many <= 5  # paced (0 on a quiet machine); an unpaced rush gets ~50
        paid = [c for c in emulator.calls if c.params.get("allow_paid_broadcast") is True]
        assert {c.method for c in paid} == {"sendMessage"} and len(paid) == first + second
        assert all(int(c.params["chat_id"]) >= FIRST for c in paid)  # customers' bills only
    finally:
        code = await bot.stop()
        await emulator.stop()
        await sandbox.stop()
    log = bot.output  # both runs: the log file is appended to
    assert code == 0, log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    assert TOKEN.split(":")[1] not in log
