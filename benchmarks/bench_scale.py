"""Memory and start-up with a big ledger, and the query plan of every hot path.

Builds a ledger of 10,000 users, 100,000 transactions (their wallet entries, events, status
checks, notices) and 1,000 open guided conversations (benchmarks/scale_ledger.py), then:

1. prints EXPLAIN QUERY PLAN and the time of every query on a hot path, taken from the real
   ledger and money-in store methods (history, LAP, MUTASI, STATUS by number, the pay guards,
   the follow-up's due/next-due/untold, the QRIS follow-up), and of the wallet triggers when the
   `sqlite3` shell is there to show them (`.eqp trigger`);
2. starts the real bot, `python -m bot`, as its own process against the Bot API emulator over
   HTTP on 127.0.0.1 (the sandbox biller in process) and prints the time from the process start
   to its first getUpdates, and its RSS after start-up and after serving traffic (users sending
   /start, SAL, MUTASI, LAP, history, STATUS by number and checking a bill).

    python benchmarks/bench_scale.py [transactions] [users] [conversations]

LOKET_PYTHON=/path/to/python runs the bot with another interpreter, e.g. a production install's
(`pip install .` without the dev extras; a development install also has what the tests need,
trio among them, which httpcore imports whenever it is there). On 2 Dec 2026 the two started
alike: 1181-1356 ms against 1065-1492 ms, seven runs each, alternated.
"""

from __future__ import annotations

import asyncio
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_ledger import FIRST_USER, build_ledger

from bot.billers.sandbox_numbers import LOAD_PRODUCT, load_number
from bot.moneyin.store import MoneyInStore
from bot.payments.ledger import Ledger
from bot.playground.botapi import DEMO_TOKEN, BotApiEmulator
from storage.db import connect

ADMIN = 1


def hot_paths(ledger: Ledger, now: datetime) -> dict[str, Callable[[], Any]]:
    store = MoneyInStore(ledger.db)
    row = ledger.db.execute(
        "SELECT user_id, customer_number, product_code FROM transactions WHERE user_id = ? LIMIT 1",
        [FIRST_USER],
    ).fetchone()
    user, number, product = row
    day = now - timedelta(days=1)
    return {
        "history (10 newest)": lambda: ledger.history(user, 10),
        "history count": lambda: ledger.count_history(user),
        "LAP (a reseller's day)": lambda: ledger.paid_between(day, now, user),
        "/stats, daily report (everyone's day)": lambda: ledger.paid_between(day, now),
        "MUTASI": lambda: ledger.statement(user, 10),
        "balance (SAL, every pay)": lambda: ledger.balance(user),
        "STATUS by number": lambda: ledger.by_customer(number, user),
        "STATUS by number (operator)": lambda: ledger.by_customer(number, None),
        "pay: the bill being paid by another": lambda: ledger.open_payment_of_bill(product, number, "LKX"),
        "pay: the bill paid since it was shown": lambda: ledger.succeeded_after(product, number, day, "LKX"),
        "follow-up: due": lambda: ledger.due(now),
        "follow-up: next due": lambda: ledger.next_due_at(),
        "follow-up: untold outcomes (every round)": lambda: ledger.untold(now - timedelta(days=7)),
        "entries of a payment": lambda: ledger.entries_for("LKX"),
        "QRIS follow-up: due intents": lambda: store.due_intents(now, "sandbox"),
        "QRIS: paid bills to pay": lambda: store.bills_to_pay("sandbox"),
    }


def print_plans(path: Path) -> None:
    db = connect(path)
    ledger = Ledger(db)
    now = datetime.now(UTC)
    print("EXPLAIN QUERY PLAN of the hot paths (time of one call, warm):")
    for name, call in hot_paths(ledger, now).items():
        call()  # warm the page cache: the bot's working set is warm too
        seen: list[str] = []
        db.conn.set_trace_callback(seen.append)
        started = time.perf_counter()
        call()
        elapsed = (time.perf_counter() - started) * 1000
        db.conn.set_trace_callback(None)
        print(f"  {name}: {elapsed:.2f} ms")
        for sql in seen:
            if sql.lstrip().upper().startswith("SELECT"):
                for plan in db.conn.execute("EXPLAIN QUERY PLAN " + sql):
                    print(f"      {plan[3]}")
    db.conn.close()
    shell = shutil.which("sqlite3")
    if shell is None:
        print("  (no sqlite3 shell: the triggers' plans are not shown)")
        return
    insert = (
        "INSERT INTO wallet_entries (user_id, kind, amount, ref_id, created_at, balance_after)"
        f" SELECT {FIRST_USER}, 'refund', 1, ref_id, '', 1 FROM transactions LIMIT 1;"
    )
    script = f"BEGIN;\n.eqp trigger\n{insert}\n.eqp off\nROLLBACK;\n"
    out = subprocess.run([shell, str(path)], input=script, capture_output=True, text=True, check=False)
    print("  a refund's INSERT, its triggers (sqlite3 .eqp trigger):")
    for line in out.stdout.splitlines():
        if line.strip() and not line.startswith("QUERY PLAN"):
            print(f"      {line}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def compile_bytecode() -> None:
    """Loket's modules as the container image and a pip install leave them: compiled. A checkout
    whose sources changed since their last bytecode, run with PYTHONDONTWRITEBYTECODE, compiles
    some 75 modules on every start (~0.2 s), which says nothing of an installed Loket."""
    root = Path(__file__).resolve().parent.parent
    for package in ("bot", "storage"):
        compileall.compile_dir(root / package, quiet=1)


async def run_bot(path: Path, folder: Path, users: int) -> None:
    compile_bytecode()
    emulator = BotApiEmulator(DEMO_TOKEN, webchat=False)
    await emulator.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "BILLER"))},
        "TELEGRAM_BOT_TOKEN": DEMO_TOKEN,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "DATABASE_PATH": str(path),
        "BILLER": "sandbox",
        "ADMIN_IDS": str(ADMIN),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    started = time.perf_counter()
    log = (folder / "bot.log").open("w")  # a file, not a pipe nobody reads while the bot runs
    python = os.environ.get("LOKET_PYTHON") or sys.executable  # e.g. a production install's
    proc = subprocess.Popen([python, "-m", "bot"], cwd=folder, env=env, stdout=log, stderr=log)
    try:
        while not emulator.calls_of("getUpdates"):  # the emulator records a call as it arrives
            if proc.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError("the bot did not start")
            await asyncio.sleep(0.002)
        first_poll = time.perf_counter() - started
        await asyncio.sleep(2.0)  # recovery of the pending payments runs beside the chat
        after_start = rss_mb(proc.pid)
        print(f"start-up: process start to first getUpdates {first_poll * 1000:.0f} ms (target < 1500 ms)")
        print(f"RSS after start-up: {after_start:.1f} MB (target < 120 MB)")

        latencies: list[float] = []

        async def say(user: int, text: str, expect: str) -> None:
            since = emulator.seq
            t0 = time.perf_counter()
            await emulator.user_sends(user, text)
            await emulator.wait_for(user, lambda m: m.from_bot and expect in (m.text or ""), 30, since=since)
            latencies.append(time.perf_counter() - t0)

        async def one(i: int) -> None:
            user = FIRST_USER + i * max(1, users // 200)
            await say(user, "/start", "Loket")
            await say(user, "SAL", "Rp")
            await say(user, "MUTASI", "Rp")
            await say(user, "LAP", "")
            await say(user, "/history", "")
            await say(user, "STATUS.021799000001", "")
            await say(user, f"CEK.{LOAD_PRODUCT}.{load_number(i)}", "Ref=")

        t0 = time.perf_counter()
        for batch in range(0, 200, 20):
            await asyncio.gather(*(one(i) for i in range(batch, batch + 20)))
        wall = time.perf_counter() - t0
        latencies.sort()
        p50, p95 = (latencies[int(len(latencies) * share)] * 1000 for share in (0.5, 0.95))
        print(
            f"traffic: {len(latencies)} messages from 200 users in {wall:.1f} s;"
            f" answer p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )
        print(f"RSS after the traffic: {rss_mb(proc.pid):.1f} MB (target < 120 MB)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if proc.returncode not in (0, -15):
            print(f"the bot ended with {proc.returncode}: {(folder / 'bot.log').read_text()[-2000:]}")
        await emulator.stop()


def main(transactions: int, users: int, conversations: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "scale.sqlite3"
        t0 = time.perf_counter()
        counts = build_ledger(path, users=users, transactions=transactions, conversations=conversations)
        size = path.stat().st_size / 1024 / 1024
        print(f"ledger built in {time.perf_counter() - t0:.0f} s, {size:.0f} MB: " + ", ".join(
            f"{k} {v}" for k, v in counts.items()
        ))  # fmt: skip
        print_plans(path)
        asyncio.run(run_bot(path, folder, users))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(
        args[0] if len(args) > 0 else 100_000,
        args[1] if len(args) > 1 else 10_000,
        args[2] if len(args) > 2 else 1_000,
    )
