"""Is Loket well? `GET /healthz` answers from here (bot/web/runtime.py serves it).

`Vitals` is what one Application knows about its own health, beside its metrics:
- the database: writable, in a worker thread: its file (and -wal) writable for this process
  and not on a read-only filesystem, then on a connection of its own `BEGIN IMMEDIATE`
  (waiting at most HEALTH_DB_WAIT seconds for a lock), an UPDATE of no row, ROLLBACK: nothing
  is written;
- Telegram: when the Bot API last answered any call the bot made (`WatchedRequest` sees every
  one, getUpdates included); failing past HEALTH_TELEGRAM_SECONDS. A bot with nothing to say
  (webhook mode, a quiet night) asks getMe now and then (bot/telegram/ops_jobs.py), so quiet is
  never taken for down;
- the biller: when it last answered, and its incidents (bot/ops/alerts.py): failing while it
  refuses our credentials, or has answered nothing for BILLER_SILENT_MINUTES;
- payments pending and flagged (read on a read-only connection of its own; reported, never
  failing).
No setting's value, no folder and no secret is in the answer.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

import bot
from bot.ops.alerts import BillerWatch
from bot.ops.metrics import Metrics, open_payments, reading

HEALTH_DB_WAIT = 1.0  # seconds the writability check waits for another writer's lock
_NOT_ANSWERS = {401, 404, 409}  # the token refused, or another bot polls it: Telegram is not serving us


def _error_kind(code: int) -> str:
    if code >= 500:
        return "server"
    if code in (401, 404):
        return "token"
    return "conflict" if code == 409 else "refused"


class TelegramLink:
    """When the Bot API last answered (any HTTP answer but a refused token counts)."""

    def __init__(self, metrics: Metrics, clock: Callable[[], float] = time.monotonic) -> None:
        self.metrics = metrics
        self.clock = clock
        self.started = clock()
        self.last_answer: float | None = None

    def answered(self, code: int) -> None:
        if code == 429:
            self.metrics.telegram_429.inc()
        elif code >= 300:
            self.metrics.telegram_errors.labels(_error_kind(code)).inc()
        if code < 500 and code not in _NOT_ANSWERS:
            self.last_answer = self.clock()

    def failed(self) -> None:
        self.metrics.telegram_errors.labels("network").inc()

    def age(self) -> float | None:
        """Seconds since the last answer; None before the first."""
        return None if self.last_answer is None else self.clock() - self.last_answer

    def quiet_for(self) -> float:
        """Seconds without an answer (since start when there was none)."""
        return self.clock() - (self.last_answer if self.last_answer is not None else self.started)


class WatchedRequest(BaseRequest):
    """PTB's HTTP layer as it was, with every Bot API answer shown to a `TelegramLink`."""

    def __init__(self, inner: BaseRequest, link: TelegramLink) -> None:
        self.inner = inner
        self.link = link

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            code, payload = await self.inner.do_request(
                url=url, method=method, request_data=request_data, read_timeout=read_timeout,
                write_timeout=write_timeout, connect_timeout=connect_timeout, pool_timeout=pool_timeout,
            )  # fmt: skip
        except Exception:
            self.link.failed()
            raise
        self.link.answered(code)
        return code, payload


def database_writable(path: Path, wait: float = HEALTH_DB_WAIT) -> dict[str, Any]:
    """Can the database be written? Its files' permissions and filesystem (os.access: SQLite
    reuses this process's open descriptors, so a file turned read-only since still opens for
    writing), then a write transaction on a connection of its own; nothing is written."""
    for name in (path, path.with_name(path.name + "-wal")):
        if (name == path or name.exists()) and not os.access(name, os.W_OK):
            why = "read-only file system" if _read_only_fs(name) else "the file is readonly"
            return {"writable": False, "error": f"{why} ({name.name})"}
    uri = f"file:{quote(str(path))}?mode=rw"  # never creates a missing file
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=wait, isolation_level=None)
    except sqlite3.Error as error:
        return {"writable": False, "error": str(error)[:120]}
    try:
        conn.execute("BEGIN IMMEDIATE")  # waits (at most `wait`) for another writer's lock
        conn.execute("UPDATE users SET user_id = user_id WHERE 0")  # a write that writes nothing
        conn.execute("ROLLBACK")
        return {"writable": True}
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):  # another writer holds it: writes work
            return {"writable": True, "busy": True}
        return {"writable": False, "error": str(error)[:120]}
    finally:
        conn.close()


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class Vitals:
    """One Application's metrics and what `/healthz` reads."""

    def __init__(self, settings: Any, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.path = Path(settings.database_path).resolve()
        self.clock = clock
        self.metrics = Metrics(self.path)
        self.telegram = TelegramLink(self.metrics, clock)
        self.biller: BillerWatch | None = None  # set by bot/telegram/ops_jobs.watch_biller
        self.paid: Any = None  # the paid lane (bot/telegram/paid_lane.PaidLane), set by the app

    def _ledger(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """In a worker thread: (the database part, the payments part)."""
        database = database_writable(self.path)
        try:
            with reading(self.path) as db:
                pending, flagged = open_payments(db)
        except sqlite3.Error as error:
            return {**database, "readable": False}, {"error": str(error)[:120]}
        return database, {"pending": pending, "flagged": flagged}

    def _biller(self) -> tuple[dict[str, Any], bool]:
        watch = self.biller
        if watch is None:
            return {"watched": False}, True
        last = None if watch.last_answer is None else round(watch._clock() - watch.last_answer)
        silent = watch.silence.active and watch.silence.lasted() >= watch.silent_seconds
        part = {
            "name": watch.provider,
            "last_answer_seconds": last,
            "credentials_refused": watch.credentials.active,
            "not_answering_seconds": round(watch.silence.lasted()) if watch.silence.active else 0,
            "silent_after_seconds": watch.silent_seconds,
            "deposit_low": watch.deposit_low.active,
        }
        return part, not (watch.credentials.active or silent)

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON answer)."""
        failing: list[str] = []
        database, payments = await asyncio.to_thread(self._ledger)
        if not database["writable"] or database.get("readable") is False:
            failing.append("database")
        limit = self.settings.health_telegram_seconds
        age = self.telegram.age()
        telegram = {
            "last_answer_seconds": None if age is None else round(age),
            "failing_after_seconds": limit,
        }
        if self.telegram.quiet_for() > limit:
            failing.append("telegram")
        biller, biller_ok = self._biller()
        if not biller_ok:
            failing.append("biller")
        answer: dict[str, Any] = {
            "status": "failing" if failing else "ok",
            "failing": failing,
            "database": database,
            "telegram": telegram,
            "biller": biller,
            "payments": payments,
            "version": bot.__version__,
        }
        return not failing, answer
