"""Write transactions on one connection, and group commit: many writes, one wait for the disk.

With `synchronous=FULL` (storage/db.py) every COMMIT waits for the disk (an fsync, about 5 ms
on the machine the benchmarks ran on), and the bot commits on its event loop, where that wait
holds up every chat. So writes that come due in the same turn of the loop (a hundred users
tapping Pay at once) are committed together: `await writes.together(write, *args)` queues
`write`, and on the loop's next turn the queue runs as one BEGIN IMMEDIATE … COMMIT, each
write inside its own SAVEPOINT. A write that raises is rolled back alone and its caller gets
the exception; the others are committed. (A write queued with `atomic=False`, whose
statements each stand alone, gets no SAVEPOINT: SQLite undoes a failing statement itself.)
A caller resumes only after the COMMIT, so what it wrote is on disk before it goes on: a
payment's debit is committed before its pay request leaves, as before, only no longer alone.
A write whose caller was cancelled before its turn is not run.

`transaction()` is BEGIN IMMEDIATE … COMMIT, or a SAVEPOINT inside a transaction already open
on the connection (a write run by `together`); `after_commit(fn)` runs `fn` after the
outermost COMMIT (the ledger's log lines: never for a change that was rolled back).

One `Writes` per connection (`writes_for`): the ledger and the chat persistence share the
bot's connection, and so its transactions and its group commits. Everything runs on the event
loop's thread; a transaction never spans an `await`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from storage.db import WRITE_PATIENCE, is_busy

T = TypeVar("T")
log = logging.getLogger(__name__)

_writes: weakref.WeakValueDictionary[int, Writes] = weakref.WeakValueDictionary()


def writes_for(conn: sqlite3.Connection) -> Writes:
    """The connection's `Writes`, made on first use. (A `Writes` holds its connection, so the
    connection's id cannot be reused while the entry lives.)"""
    writes = _writes.get(id(conn))
    if writes is None or writes.conn is not conn:
        writes = Writes(conn)
        _writes[id(conn)] = writes
    return writes


class Writes:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._depth = 0  # savepoints open inside our own BEGIN IMMEDIATE
        self._after: list[Callable[[], None]] = []
        self._queue: list[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any], bool]] = []
        self.commits = 0  # COMMITs made here (a figure for benchmarks)
        self.grouped = 0  # writes committed by `together`
        self.turn = 0  # group commits begun: writes of one group can tell they share a transaction

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; inside an open transaction, a SAVEPOINT. Any exception (even
        a BaseException) rolls back what the block wrote, and only that."""
        if self.conn.in_transaction:
            yield from self._savepoint()
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            self._depth = 0
            self._after.clear()
            if self.conn.in_transaction:  # an error may have ended it already
                self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.commits += 1
        after, self._after = self._after, []
        for callback in after:
            callback()

    def _savepoint(self) -> Iterator[None]:
        name = f"loket_{self._depth}"
        mark = len(self._after)
        outer = self._depth == 0  # someone else's transaction (not ours): run callbacks at release
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            del self._after[mark:]
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            raise
        self._depth -= 1
        self.conn.execute(f"RELEASE {name}")
        if outer:
            after, self._after = self._after[mark:], self._after[:mark]
            for callback in after:
                callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """`callback()` once the outermost transaction is committed (now, outside one); never
        when what it belongs to is rolled back."""
        if self._depth > 0:  # inside a transaction or savepoint of ours
            self._after.append(callback)
        else:  # none, or someone else's (bot/moneyin's store): as before, at once
            callback()

    # -- group commit ---------------------------------------------------------------------------
    async def together(self, write: Callable[..., T], *args: Any, atomic: bool = True) -> T:
        """`write(*args)` in a transaction committed with the other writes queued in this turn of
        the event loop; returns its result (or raises its exception) after the COMMIT. A busy
        database (another program's lock) raises its OperationalError for every queued write:
        nothing was written.

        `atomic=False`: the write's statements need not stand or fall together (each is whole
        on its own); queued alone, they run without BEGIN/COMMIT, each committing itself, as
        they would have without group commit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((write, args, future, atomic))
        if len(self._queue) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self.turn += 1
        queue, self._queue = self._queue, []
        queue = [item for item in queue if not item[2].cancelled()]
        if not queue:
            return
        if len(queue) == 1 and not queue[0][3] and not self.conn.in_transaction:
            write, args, future, _atomic = queue[0]  # one statement at a time, as without group commit
            try:
                future.set_result(write(*args))
            except BaseException as error:
                future.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            return
        alone = len(queue) == 1  # its own transaction is enough: no savepoint
        outcomes: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            with self.transaction():
                for write, args, future, atomic in queue:
                    if alone:
                        outcomes.append((future, True, write(*args)))
                        continue
                    if not atomic:  # statements that stand alone: SQLite undoes a failing one, no savepoint
                        try:
                            outcomes.append((future, True, write(*args)))
                        except Exception as error:
                            if not self.conn.in_transaction:  # the error ended the transaction: all undone
                                raise
                            outcomes.append((future, False, error))
                        continue
                    try:
                        with self.transaction():  # a SAVEPOINT: a failing write is undone alone
                            value = write(*args)
                    except Exception as error:
                        outcomes.append((future, False, error))
                    else:
                        outcomes.append((future, True, value))
        except BaseException as error:  # BEGIN or COMMIT refused, or the lone write raised: nothing written
            for _write, _args, future, _atomic in queue:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        self.grouped += len(queue)
        for future, ok, value in outcomes:
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


async def together_when_free(
    writes: Writes, write: Callable[..., T], *args: Any, patience: float = WRITE_PATIENCE, pause: float = 0.1
) -> T:
    """`writes.together(write, *args)`, queued again while the database is busy (another
    program's lock), for up to `patience` seconds: `storage.db.when_free` for group commits,
    for a write that must not be lost (a biller's answer to a payment already sent)."""
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            return await writes.together(write, *args)
        except sqlite3.OperationalError as error:
            if not is_busy(error) or asyncio.get_running_loop().time() >= deadline:
                raise
            log.warning("the database is busy (another program holds a lock): trying again")
        await asyncio.sleep(pause)
