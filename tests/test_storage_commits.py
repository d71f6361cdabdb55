"""Group commit (storage/commits.py): the writes of one turn of the event loop share one COMMIT,
and so one wait for the disk; each is still all or nothing, and its caller goes on only once it
is committed. Through the real Application: many customers paying at once (issue 14)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.billers.sandbox_numbers import LOAD_PRODUCT, load_number
from bot.payments import TxState
from storage.commits import writes_for
from storage.db import open_database
from tests.tg_setup import ADMIN, Harness

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def count_durable_commits(conn: sqlite3.Connection) -> list[int]:
    """Counts what makes SQLite wait for the disk: COMMITs, and writes outside a transaction
    (each commits itself). A statement whose triggers fire is traced once per trigger: a write
    is counted once."""
    counter = [0]
    last: list[str] = [""]

    def trace(sql: str) -> None:
        words = sql.lstrip().split(None, 1)
        first = words[0].upper() if words else ""
        if first == "COMMIT" or (first in WRITES and not conn.in_transaction and sql != last[0]):
            counter[0] += 1
        last[0] = sql

    conn.set_trace_callback(trace)
    return counter


def _table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY, note TEXT)")


def _insert(conn: sqlite3.Connection, x: int) -> int:
    conn.execute("INSERT INTO t (x, note) VALUES (?, 'first')", (x,))
    conn.execute("UPDATE t SET note = 'second' WHERE x = ?", (x,))
    return x


def _committed(path: Path) -> list[tuple[int, str]]:
    other = sqlite3.connect(path)  # another connection sees only what is committed
    try:
        return other.execute("SELECT x, note FROM t ORDER BY x").fetchall()
    finally:
        other.close()


async def test_writes_of_one_turn_share_one_commit_and_resume_after_it(tmp_path: Path) -> None:
    path = tmp_path / "loket.sqlite3"
    db = open_database(path)
    _table(db.conn)
    writes = writes_for(db.conn)
    commits = count_durable_commits(db.conn)
    seen: dict[int, list[tuple[int, str]]] = {}

    async def one(x: int) -> None:
        assert await writes.together(_insert, db.conn, x) == x
        seen[x] = _committed(path)  # on disk before the caller goes on

    await asyncio.gather(*(one(x) for x in range(10)))
    assert commits[0] == 1
    assert all((x, "second") in seen[x] for x in range(10))
    assert _committed(path) == [(x, "second") for x in range(10)]


async def test_a_failing_write_is_undone_alone_and_its_caller_gets_the_error(tmp_path: Path) -> None:
    path = tmp_path / "loket.sqlite3"
    db = open_database(path)
    _table(db.conn)
    writes = writes_for(db.conn)

    def fails(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (x, note) VALUES (100, 'half')")
        conn.execute("INSERT INTO t (x, note) VALUES (1, 'clash')")  # x = 1 is taken by then

    results = await asyncio.gather(
        writes.together(_insert, db.conn, 1),
        writes.together(fails, db.conn),
        writes.together(_insert, db.conn, 2),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 2
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert _committed(path) == [(1, "second"), (2, "second")]  # nothing of the failed write, not its half


async def test_a_write_of_statements_that_stand_alone_keeps_what_ran_before_its_failing_one(
    tmp_path: Path,
) -> None:
    """`atomic=False` (handled update ids, chat state): no SAVEPOINT; SQLite undoes the failing
    statement itself, and the group goes on."""
    path = tmp_path / "loket.sqlite3"
    db = open_database(path)
    _table(db.conn)
    writes = writes_for(db.conn)

    def rows(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (x, note) VALUES (10, 'stands alone')")
        conn.execute("INSERT INTO t (x, note) VALUES (1, 'clash')")  # x = 1 is taken by then

    results = await asyncio.gather(
        writes.together(_insert, db.conn, 1),
        writes.together(rows, db.conn, atomic=False),
        writes.together(_insert, db.conn, 2),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 2
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert _committed(path) == [(1, "second"), (2, "second"), (10, "stands alone")]


async def test_a_busy_database_writes_nothing_and_tells_every_caller(tmp_path: Path) -> None:
    path = tmp_path / "loket.sqlite3"
    db = open_database(path, busy_timeout_ms=50)
    _table(db.conn)
    writes = writes_for(db.conn)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock (a backup, a shell)
    try:
        results = await asyncio.gather(
            writes.together(_insert, db.conn, 1), writes.together(_insert, db.conn, 2), return_exceptions=True
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert all(isinstance(r, sqlite3.OperationalError) and "locked" in str(r) for r in results)
    assert _committed(path) == []
    assert not db.conn.in_transaction
    assert await writes.together(_insert, db.conn, 3) == 3  # and the next turn writes again
    assert _committed(path) == [(3, "second")]


async def test_a_write_whose_caller_was_cancelled_before_its_turn_is_not_run(tmp_path: Path) -> None:
    path = tmp_path / "loket.sqlite3"
    db = open_database(path)
    _table(db.conn)
    writes = writes_for(db.conn)
    cancelled = asyncio.ensure_future(writes.together(_insert, db.conn, 1))
    kept = asyncio.ensure_future(writes.together(_insert, db.conn, 2))
    await asyncio.sleep(0)  # both queued
    cancelled.cancel()
    assert await kept == 2
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert _committed(path) == [(2, "second")]


async def test_many_customers_paying_at_once_wait_for_the_disk_a_few_times_not_per_update(
    tmp_path: Path,
) -> None:
    """Forty customers check a bill each and pay it, all at once, through PTB's own update
    fetcher and our processor: each update used to commit on its own several times (its id,
    the inquiry, the bill's message, the debit, the answer, the notice, the chat state), each
    commit an fsync on the event loop. The money is as it was: each bill paid once, each
    wallet debited once, each receipt on its bill."""
    users = [5000 + i for i in range(40)]
    async with Harness(tmp_path) as bot:
        for user in users:
            bot.service.ensure_user(user, "Budi")
            bot.service.top_up(ADMIN, user, 1_000_000, "test")
        chats = {user: bot.chat(user) for user in users}
        commits = count_durable_commits(bot.db.conn)
        await bot.app.start()
        try:
            for i, user in enumerate(users):
                line = f"CEK.{LOAD_PRODUCT}.{load_number(i)}"
                await bot.app.update_queue.put(chats[user].message_update(line))
            await asyncio.wait_for(bot.app.update_queue.join(), 60)
            await asyncio.sleep(0.2)
            asked = commits[0]
            bills = {user: chats[user].last() for user in users}
            for user in users:
                pay = next(b for b in chats[user].buttons(bills[user]) if b.startswith("pay:"))
                await bot.app.update_queue.put(chats[user].click_update(bills[user], pay))
            await asyncio.wait_for(bot.app.update_queue.join(), 60)
            await asyncio.sleep(0.5)
        finally:
            await bot.app.stop()
        bot.db.conn.set_trace_callback(None)
        paid = commits[0] - asked
        assert bot.errors == []
        for user in users:
            [tx] = bot.service.history(user)
            assert TxState(tx.state) is TxState.SUCCESS
            assert [e.amount for e in bot.service.statement(user)] == [-tx.amount, 1_000_000]
            assert "STRUK" in bot.api.message(user, bills[user]["message_id"])["text"]
        # measured: 201 and 200 when each update committed on its own; 23 and 33 together
        assert asked <= len(users), f"{asked} commits for {len(users)} inquiries"
        assert paid <= len(users), f"{paid} commits for {len(users)} payments"


async def test_the_ledger_logs_a_write_of_a_group_only_once_committed_and_never_one_undone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import UTC, datetime

    from bot.payments.ledger import Ledger
    from bot.payments.models import EntryKind, Role

    ledger = Ledger(open_database(tmp_path / "loket.sqlite3"))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    logged_at_commit: list[bool] = []

    def top_up(user_id: int) -> None:
        ledger.ensure_user_row(user_id, Role.CUSTOMER, now)
        ledger.add_entry(user_id, EntryKind.TOPUP, 5_000, now, reason="test")
        logged_at_commit.append(any("wallet user=" in r.getMessage() for r in caplog.records))

    def undone(user_id: int) -> None:
        top_up(user_id)
        raise RuntimeError("changed my mind")

    caplog.set_level("INFO", logger="loket.ledger")
    results = await asyncio.gather(
        ledger.together(top_up, 1), ledger.together(undone, 2), return_exceptions=True
    )
    assert results[0] is None and isinstance(results[1], RuntimeError)
    assert logged_at_commit == [False, False]  # nothing said before the COMMIT
    lines = [r.getMessage() for r in caplog.records if "wallet user=" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("wallet user=1 topup +5000")
    assert ledger.balance(1) == 5_000 and ledger.balance(2) == 0
