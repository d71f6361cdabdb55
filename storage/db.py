"""Opening Loket's SQLite database: WAL, foreign keys, a busy timeout and versioned migrations.

The database is the money's source of truth, so an existing file is only ever upgraded, never
dropped: `schema_migrations` records each applied version and `migrate()` applies the missing
ones in order, each in its own transaction (their SQL is in storage/migrations/, one module
each). Append-only rules are enforced by triggers in the database itself, so no code path (or
hand-typed SQL) can rewrite a wallet entry, an event or a settled transaction. That includes
`REPLACE`, which deletes the old row without firing DELETE triggers on a connection without
`recursive_triggers` (a plain sqlite3 shell): v3 refuses it at INSERT.

The ledger is nobody else's business on a shared machine: the folder is created 0700 and the
file 0600 (SQLite gives its -wal and -shm files the database file's mode), and an existing file
that other local users can read is named in a warning at start-up.

One bot per database: `lock_database` holds an exclusive lock on a file beside it for the
life of the process (the guard against a second pay of the same payment is per process).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from storage.migrations import LATEST_VERSION, MIGRATIONS

log = logging.getLogger(__name__)

# Scripts and tests wait long for a lock; the bot uses DATABASE_BUSY_TIMEOUT_MS (a few hundred
# ms: it waits on the event loop) and `when_free` for the writes that must not be lost.
BUSY_TIMEOUT_MS = 30_000
WRITE_PATIENCE = 30.0
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
T = TypeVar("T")
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SIDE_FILES = ("-wal", "-shm")
_warned: set[Path] = set()


def _private_file(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists (SQLite would make it 0644)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def _warn_if_readable(path: Path) -> None:
    """One warning per database if group or other users may read its files."""
    key = path.resolve()
    if key in _warned:
        return
    loose = []
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            loose.append(f"{file} ({mode:04o})")
    if loose:
        _warned.add(key)
        log.warning(
            "the database can be read by other local users: %s; make it private with chmod 600",
            ", ".join(loose),
        )


class DatabaseUnusable(Exception):
    """The database cannot be used; the message is one line naming the file."""


class DatabaseInUse(DatabaseUnusable):
    """Another process holds the database's lock file."""

    def __init__(self, path: Path, lock: Path, pid: int | None) -> None:
        self.path, self.lock, self.pid = path, lock, pid
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"{path} is in use by another Loket ({holder} holds {lock}); stop it first")


def lock_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".lock")


class InstanceLock:
    """An exclusive flock on `<database>.lock`, held until `release()` or the process ends.

    The kernel lets go of it when the process dies, even by SIGKILL, so a crashed bot never
    leaves a stale lock behind; the file itself stays (deleting it would race a new start).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = lock_path(self.path)
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        _make_folder(self.path)
        try:
            fd = os.open(self.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
        except OSError as error:
            raise DatabaseUnusable(
                f"{self.path}: its lock file {self.lock} cannot be created ({error.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise DatabaseInUse(self.path, self.lock, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock

    @property
    def held(self) -> bool:
        return self._fd is not None


def _holder(fd: int) -> int | None:
    """The PID the holder wrote into the lock file (it may not have written it yet)."""
    for _ in range(20):
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        if text.isdigit():
            return int(text)
        time.sleep(0.01)
    return None


def lock_database(path: str | Path) -> InstanceLock:
    """Hold `<path>.lock` for this process, or raise DatabaseInUse naming who holds it."""
    return InstanceLock(path).acquire()


def _make_folder(path: Path) -> None:
    """The database's folder, 0700 when it is created here; a folder as the path is refused."""
    if path.is_dir():
        raise DatabaseUnusable(f"{path} is a folder, not a database file")
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, mode=PRIVATE_FOLDER)
        except OSError as error:
            raise DatabaseUnusable(f"{path}: its folder cannot be created ({error.strerror})") from None


def prepare_path(path: str | Path) -> Path:
    """The folder (0700) and an empty file (0600) when they do not exist yet."""
    path = Path(path)
    _make_folder(path)
    try:
        _private_file(path)
    except OSError as error:
        raise DatabaseUnusable(f"{path} cannot be created ({error.strerror})") from None
    return path


# What SQLite's primary result codes mean to the person starting the bot.
_WHY = {
    3: "cannot be opened: permission denied",  # SQLITE_PERM
    5: "is locked by another program (a backup, an sqlite3 shell?): try again when it is done",  # BUSY
    8: "cannot be written: the file or its folder is read-only for this user",  # SQLITE_READONLY
    10: "could not be read or written (I/O error)",  # SQLITE_IOERR
    11: "is damaged (database disk image is malformed): restore it from a backup",  # SQLITE_CORRUPT
    13: "cannot grow: the disk is full",  # SQLITE_FULL
    14: "cannot be opened: check that its folder is writable by this user",  # SQLITE_CANTOPEN
    26: "is not a SQLite database (a damaged file, or another kind of file)",  # SQLITE_NOTADB
}


def describe(path: Path, error: sqlite3.Error) -> str:
    """One line naming the file and what is wrong with it."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return f"{path} {_WHY.get(code, f'cannot be used ({error})')}"


def connect(path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """A connection in autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE).

    `busy_timeout_ms`: how long a statement waits for a lock another connection holds. The bot
    calls SQLite on its event loop, where that wait holds up every chat: it asks for a short one.
    """
    path = prepare_path(path)
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    set_busy_timeout(db, busy_timeout_ms)
    db.execute("PRAGMA synchronous=FULL")  # money: a committed debit survives a power cut
    return db


def set_busy_timeout(db: sqlite_utils.Database, busy_timeout_ms: int) -> None:
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; trying later may work."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return isinstance(error, sqlite3.OperationalError) and code in (SQLITE_BUSY, SQLITE_LOCKED)


async def when_free(
    write: Callable[..., T], *args: Any, patience: float = WRITE_PATIENCE, pause: float = 0.1
) -> T:
    """`write(*args)`, tried again while the database is busy, for up to `patience` seconds.

    For a write that must not be lost (a biller's answer to a payment already sent): between
    tries the event loop serves the other chats. `write` must leave nothing behind when it fails
    busy (a statement, or one BEGIN IMMEDIATE transaction). After `patience` the busy error is
    raised.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            return write(*args)
        except sqlite3.OperationalError as error:
            if not is_busy(error) or time.monotonic() >= deadline:
                raise
            log.warning("the database is busy (another program holds a lock): trying again")
        await asyncio.sleep(pause)


def schema_version(db: sqlite_utils.Database) -> int:
    if not db["schema_migrations"].exists():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database, target: int = LATEST_VERSION) -> int:
    """Apply the missing migrations up to `target`, each atomically. Returns the new version."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    for version, name, apply in MIGRATIONS:
        if version > target:
            break
        db.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(db) >= version:  # another process got there first
                db.execute("ROLLBACK")
                continue
            apply(db)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC).isoformat()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return schema_version(db)


def backup_before_migration(db: sqlite_utils.Database, path: str | Path) -> Path | None:
    """An existing database whose schema is about to change is first copied, verified, beside
    it: `<database>.before-v<new>-<UTC time>` (storage/backup.py). None when nothing changes."""
    version = schema_version(db)
    if version == 0 or version >= LATEST_VERSION:
        return None
    from storage.backup import backup  # imported here: storage.backup imports this module

    path = Path(path).absolute()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = path.with_name(f"{path.name}.before-v{LATEST_VERSION}-{stamp}")
    backup(path, dest)
    logging.getLogger(__name__).warning(
        "database schema v%d is upgraded to v%d; a backup was taken first: %s", version, LATEST_VERSION, dest
    )
    return dest


def _check_writable(db: sqlite_utils.Database) -> None:
    """SQLite opens a file it may not write read-only without a word, and migrations already
    applied write nothing: try one write, rolled back, so a read-only file is found at start-up
    and not at the first payment."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'write check', '')")
    finally:
        db.execute("ROLLBACK")


def open_database(path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """Open (creating the file and its folder on first run) and migrate Loket's database.

    Migrations wait up to BUSY_TIMEOUT_MS for a lock; the connection returned waits
    `busy_timeout_ms`. A file that cannot be used (a folder, not a database, damaged,
    read-only…) raises DatabaseUnusable with one line naming it; the file is left as it was. An
    existing database is backed up before a migration changes its schema."""
    from storage.backup import BackupError  # imported here: storage.backup imports this module

    path = Path(path)
    db = None
    try:
        db = connect(path, max(busy_timeout_ms, BUSY_TIMEOUT_MS))
        backup_before_migration(db, path)  # an existing database is copied before its schema changes
        migrate(db)
        _check_writable(db)
        set_busy_timeout(db, busy_timeout_ms)
    except sqlite3.Error as error:
        if db is not None:
            db.conn.close()
        raise DatabaseUnusable(describe(path, error)) from None
    except BackupError as error:  # not upgraded without its backup
        if db is not None:
            db.conn.close()
        why = f"{path}: not upgraded, the backup before the upgrade failed: {error}"
        raise DatabaseUnusable(why) from None
    _warn_if_readable(path)
    return db
