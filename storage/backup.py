"""Backups of the SQLite ledger that are safe while the bot runs, and restoring one.

Copying `loket.sqlite3` with `cp` while the bot runs gives an old or empty database: in WAL mode
the newest pages live in `loket.sqlite3-wal`. `backup()` uses SQLite's online backup API, which
copies one consistent snapshot through SQLite itself (WAL included) while the bot goes on
writing, writes it as one self-contained file (journal mode DELETE, no -wal beside it), then
opens the copy and checks it: `PRAGMA integrity_check` and the row count of every table equal
to the source's at the same snapshot.

`restore()` puts a backup in place of the database. It refuses while the bot holds the database
(the running bot holds an exclusive `flock` on `<database>.lock`; we try it without blocking
and hold it ourselves while restoring, so a bot cannot start half way), and first keeps the
replaced database as `<database>.replaced-<UTC time>` (also a consistent single-file copy).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from storage.db import lock_path  # `<database>.lock`, which the running bot holds (lock_database)

PRIVATE_FILE = 0o600


class BackupError(Exception):
    """A backup or restore could not be made or did not verify; the message says why."""


class DatabaseInUse(BackupError):
    """The running bot holds the database (its lock file is locked)."""


@dataclass
class BackupReport:
    path: Path
    bytes: int
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        total = sum(self.counts.values())
        tx = self.counts.get("transactions", 0)
        entries = self.counts.get("wallet_entries", 0)
        return (
            f"{self.path}: {self.bytes} bytes, integrity ok, {total} rows in {len(self.counts)} tables "
            f"({tx} transactions, {entries} wallet entries)"
        )


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table; the names come from sqlite_master, not from anyone's input."""
    sql = 'SELECT count(*) FROM "{}"'
    return {name: int(conn.execute(sql.format(name)).fetchone()[0]) for name in _tables(conn)}


def _open_source(db_path: Path) -> sqlite3.Connection:
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no such database (DATABASE_PATH)")
    conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def verify(path: Path, expected: dict[str, int] | None = None) -> dict[str, int]:
    """Open `path` read-only, check its integrity and (when given) its row counts."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path}: cannot be opened ({error})") from None
    try:
        try:
            result = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
            counts = row_counts(conn)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path}: not a usable SQLite database ({error})") from None
    finally:
        conn.close()
    if result != ["ok"]:
        raise BackupError(f"{path}: integrity check failed: {'; '.join(result[:3])}")
    if "schema_migrations" not in counts:
        raise BackupError(f"{path}: not a Loket database (no schema_migrations table)")
    if expected is not None and counts != expected:
        differ = sorted(k for k in set(counts) | set(expected) if counts.get(k) != expected.get(k))
        raise BackupError(f"{path}: row counts differ from the database's in {', '.join(differ)}")
    return counts


def _copy(source: sqlite3.Connection, dest: Path) -> dict[str, int]:
    """One consistent snapshot of `source` into `dest` (a new file); the snapshot's row counts."""
    dest.unlink(missing_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(fd)
    target = sqlite3.connect(str(dest), isolation_level=None)
    try:
        # A read transaction pins the snapshot: the counts and the copied pages are the same state.
        source.execute("BEGIN")
        try:
            counts = row_counts(source)
            source.backup(target)
        finally:
            source.execute("COMMIT")
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    finally:
        target.close()
    return counts


def backup(db_path: Path, dest: Path) -> BackupReport:
    """Copy the live database at `db_path` to `dest` and verify the copy."""
    db_path, dest = Path(db_path).absolute(), Path(dest).absolute()
    if dest == db_path:
        raise BackupError(f"{dest}: the backup cannot be the database itself")
    if dest.is_dir():
        raise BackupError(f"{dest}: is a folder; name the backup file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    source = _open_source(db_path)
    try:
        counts = _copy(source, part)
        verify(part, counts)
    except sqlite3.Error as error:
        part.unlink(missing_ok=True)
        raise BackupError(f"{db_path}: backup failed ({error})") from None
    except BackupError:
        part.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(part, dest)
    return BackupReport(dest, dest.stat().st_size, counts)


@contextlib.contextmanager
def holding_lock(db_path: Path) -> Iterator[None]:
    """Hold `<database>.lock` like the running bot does, or raise DatabaseInUse."""
    lock = lock_path(db_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"{db_path} is in use: the bot is running (it holds {lock}). Stop it first "
                "(systemctl stop loket / docker compose stop), then restore."
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def restore(
    backup_file: Path, db_path: Path, now: datetime | None = None
) -> tuple[BackupReport, Path | None]:
    """Replace the database at `db_path` with `backup_file` (verified first). Returns the report
    of the restored database and where the replaced one was kept (None if there was none)."""
    backup_file, db_path = Path(backup_file).absolute(), Path(db_path).absolute()
    if backup_file == db_path:
        raise BackupError(f"{backup_file}: that is the database itself")
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such backup file")
    counts = verify(backup_file)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    with holding_lock(db_path):
        kept: Path | None = None
        if db_path.exists():
            kept = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
            source = _open_source(db_path)
            try:
                _copy(source, kept)
            except sqlite3.Error as error:
                kept.unlink(missing_ok=True)
                raise BackupError(f"{db_path}: could not keep the current database ({error})") from None
            finally:
                source.close()
        db_path.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        target = sqlite3.connect(str(db_path), isolation_level=None, timeout=30)
        try:
            # Through SQLite, not a file copy: the target's -wal and -shm stay coherent.
            src.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            target.close()
            src.close()
        os.chmod(db_path, PRIVATE_FILE)
        restored = verify(db_path, counts)
    return BackupReport(db_path, db_path.stat().st_size, restored), kept


DAILY_PREFIX = "loket-"
DAILY_SUFFIX = ".sqlite3"


def daily_name(day: str) -> str:
    """`loket-2026-12-01.sqlite3` for the day (WIB) the backup was taken."""
    return f"{DAILY_PREFIX}{day}{DAILY_SUFFIX}"


def daily_backups(backup_dir: Path) -> list[Path]:
    """The daily backups in `backup_dir`, oldest first (their names sort by day)."""
    if not backup_dir.is_dir():
        return []
    found = [
        p for p in backup_dir.iterdir()
        if p.is_file() and p.name.startswith(DAILY_PREFIX) and p.name.endswith(DAILY_SUFFIX)
    ]  # fmt: skip
    return sorted(found, key=lambda p: p.name)


def daily_backup(db_path: Path, backup_dir: Path, keep: int, day: str) -> tuple[BackupReport, list[Path]]:
    """Back up to `backup_dir/loket-<day>.sqlite3` (verified), then delete all but the newest
    `keep` daily backups. Returns the report and the files pruned. Nothing is pruned when the
    backup failed: the old ones are all there is."""
    backup_dir = Path(backup_dir).absolute()
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    report = backup(db_path, backup_dir / daily_name(day))
    existing = daily_backups(backup_dir)
    pruned = existing[: max(0, len(existing) - keep)]
    for old in pruned:
        old.unlink(missing_ok=True)
    return report, pruned
