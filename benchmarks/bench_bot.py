"""The whole bot, measured as users feel it: message in, answer out, over real HTTP.

The real BotRunner long-polls the Bot API emulator on 127.0.0.1 and pays through the in-process
sandbox biller, with a temp database. N users at once each check a bill of their own (`CEK…`,
a number of the sandbox's load range) and pay it; the figures are the time from the user's
message (or tap) to the bot's bill (or receipt), payments a minute, the Bot API calls per
payment by method, SQLite statements per update (sqlite3's trace callback on the bot's
connection; a statement is traced again for each trigger it fires), the commits among them
(each a wait for the disk: synchronous=FULL) and CPU per update. The same users then talk to
a bare python-telegram-bot echo bot on the same emulator (each sends a line and taps a button,
as many updates as a payment): its CPU per update is the baseline, and the ratio is printed.

While Loket runs, the emulator holds it to Telegram's flood limits (flood.py: ~30 messages a
second, 429 past that) and prints how many calls went free, how many paid and how many 429s
came back. With `--paid` Loket may send up to 10,000 messages a day in Telegram's paid lane
(TELEGRAM_PAID_MESSAGES_PER_DAY, bot/telegram/paid_lane.py); without it, none.

    python benchmarks/bench_bot.py [users] [--paid]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.billers.sandbox_numbers import LOAD_PRODUCT, load_number
from bot.config import Settings
from bot.playground.botapi import DEMO_TOKEN, BotApiEmulator
from bot.playground.botapi.flood import FloodControl
from bot.telegram.app import BotRunner

FIRST_USER = 50_000
CHAT_BOUND = ("sendMessage", "editMessageText", "sendChatAction")
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, seconds: list[float], wall: float) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<8} {len(ms)} users: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"max {max(ms):.0f} ms; all done in {wall:.2f} s ({len(ms) / wall:.1f} per second, "
        f"{len(ms) / wall * 60:.0f} a minute)"
    )


async def loket(emulator: BotApiEmulator, tmp: str, ids: list[int], paid: bool) -> float:
    """The payment run; returns CPU seconds per update."""
    settings = Settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=SecretStr(DEMO_TOKEN),
        TELEGRAM_BASE_URL=emulator.base_url,
        DATABASE_PATH=Path(tmp) / "bench.sqlite3",
        ADMIN_IDS=str(FIRST_USER - 1),
        LOG_LEVEL="WARNING",
        HTTP_PORT=0,  # Loket's HTTP server (/healthz, /metrics) on a free port
        **({"TELEGRAM_PAID_MESSAGES_PER_DAY": 10_000} if paid else {}),  # type: ignore[arg-type]
    )
    runner = BotRunner(settings)
    await runner.start()
    try:
        for user_id in ids:
            runner.service.ensure_user(user_id)
            runner.service.top_up(FIRST_USER - 1, user_id, 1_000_000, "bench")
        statements = commits = 0
        assert runner._db is not None
        conn = runner._db.conn
        last = ""

        def count(sql: str) -> None:
            # A commit makes SQLite wait for the disk (synchronous=FULL): a COMMIT, or a write
            # outside a transaction. A statement whose triggers fire is traced once per trigger.
            nonlocal statements, commits, last
            statements += 1
            first = sql.lstrip()[:7].upper()
            if first == "COMMIT" or (first.startswith(WRITES) and not conn.in_transaction and sql != last):
                commits += 1
            last = sql

        conn.set_trace_callback(count)
        flood = emulator.flood = FloodControl()  # Telegram's pace, from here on
        first_call = len(emulator.calls)
        cpu = time.process_time()

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
        report("bill", [c[0] for c in checks], time.perf_counter() - wall)
        wall = time.perf_counter()
        paid = await asyncio.gather(*(pay(u, c[1], c[2]) for u, c in zip(ids, checks, strict=True)))
        report("receipt", paid, time.perf_counter() - wall)
        await asyncio.sleep(0.5)  # late calls (an unchanged edit) are counted too
        used = time.process_time() - cpu
        runner._db.conn.set_trace_callback(None)
        updates = 2 * len(ids)
        calls = Counter(c.method for c in emulator.calls[first_call:] if c.method != "getUpdates")
        by_method = ", ".join(f"{m} {n / len(ids):.2f}" for m, n in sorted(calls.items()))
        bound = sum(calls[m] for m in CHAT_BOUND) / len(ids)
        print(f"Bot API calls per payment: {by_method}; chat-bound {bound:.2f}")
        emulator.flood = None
        stars = f"{flood.paid_sent // 10}.{flood.paid_sent % 10}"
        print(
            f"Telegram's lanes: free {flood.free_sent} calls, paid {flood.paid_sent} messages "
            f"({stars} Stars); 429 Too Many Requests: {flood.too_many}"
        )
        print(
            f"SQLite statements per update: {statements / updates:.1f}; commits (waits for the disk) "
            f"per update: {commits / updates:.2f}"
        )
        return used / updates
    finally:
        await runner.stop()


async def echo(emulator: BotApiEmulator, ids: list[int]) -> float:
    """A bare PTB echo bot, the same users and as many updates; returns CPU seconds per update."""

    async def said(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        button = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
        await update.effective_message.reply_text(update.effective_message.text, reply_markup=button)

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("tapped")

    app: Any = (
        ApplicationBuilder().token(DEMO_TOKEN).base_url(emulator.base_url).concurrent_updates(256).build()
    )
    app.add_handler(MessageHandler(filters.TEXT, said))
    app.add_handler(CallbackQueryHandler(tapped))
    await app.initialize()
    await app.updater.start_polling()
    await app.start()
    try:
        cpu = time.process_time()

        async def one(user_id: int) -> None:
            since = emulator.seq
            await emulator.user_sends(user_id, "echo")
            msg = await emulator.wait_for_text(user_id, "echo", timeout=60, since=since)
            since = emulator.seq
            await emulator.user_taps(user_id, msg.message_id, "ok")
            await emulator.wait_for_text(user_id, "tapped", timeout=60, since=since)

        await asyncio.gather(*(one(u) for u in ids))
        await asyncio.sleep(0.5)
        return (time.process_time() - cpu) / (2 * len(ids))
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def main(users: int, paid: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        emulator = BotApiEmulator(DEMO_TOKEN, webchat=False)
        await emulator.start()
        try:
            ids = [FIRST_USER + i for i in range(users)]
            ours = await loket(emulator, tmp, ids, paid)
            base = await echo(emulator, ids)
            print(
                f"CPU per update: Loket {ours * 1000:.2f} ms, bare PTB echo bot {base * 1000:.2f} ms "
                f"(same emulator, same users): {ours / base:.1f}x"
            )
        finally:
            await emulator.stop()


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(main(int(numbers[0]) if numbers else 50, "--paid" in sys.argv[1:]))
