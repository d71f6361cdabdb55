"""`python -m bot backup|restore` and the backup before a migration (storage/backup.py), run as
the operator runs them: real processes on a real database, the bot's payments going on."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.db import migrate, open_database, schema_version
from storage.migrations import LATEST_VERSION
from tests.e2e_harness import ROOT, base_env

PAYER = Path(__file__).with_name("ops_payer_child.py")


def _env(db: Path) -> dict[str, str]:
    return base_env(
        DATABASE_PATH=str(db), ADMIN_IDS="1", BILLER="sandbox",
        INQUIRY_LIMIT_PER_MINUTE="0", INQUIRY_LIMIT_PER_HOUR="0",
    )  # fmt: skip


def _bot(db: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=_env(db), cwd=cwd or ROOT,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_backup_while_payments_run_holds_every_committed_payment(tmp_path: Path) -> None:
    db, copy = tmp_path / "loket.sqlite3", tmp_path / "backups" / "loket-copy.sqlite3"
    payer = subprocess.Popen(
        [sys.executable, str(PAYER), "1000000"], env=_env(db), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert payer.stdout is not None
        assert payer.stdout.readline().startswith("topped")
        committed = [payer.stdout.readline().strip() for _ in range(40)]
        assert all(committed), payer.stderr.read() if payer.poll() is not None else committed
        done = _bot(db, "backup", str(copy))
        assert payer.poll() is None, "the payments must still be running during the backup"
        assert payer.stdout.readline().strip()  # and go on after it
    finally:
        payer.kill()
        payer.wait()
    assert done.returncode == 0, done.stderr
    assert "integrity ok" in done.stdout and str(copy) in done.stdout
    assert not copy.with_name(copy.name + "-wal").exists()  # one self-contained file
    assert _rows(copy, "PRAGMA journal_mode") == [("delete",)]
    states = dict(_rows(copy, "SELECT ref_id, state FROM transactions"))  # type: ignore[arg-type]
    assert all(states.get(ref) == "SUCCESS" for ref in committed), "a committed payment is missing"
    # the copy is one moment of the ledger: every payment in it has its debit, and the balance is
    # the sum of the entries (a torn copy would break either)
    debits = _rows(copy, "SELECT count(*) FROM wallet_entries WHERE kind = 'debit'")[0][0]
    paying = _rows(
        copy, "SELECT count(*) FROM transactions WHERE state NOT IN ('INQUIRED', 'CANCELLED', 'EXPIRED')"
    )
    assert debits == paying[0][0]
    total, last = _rows(
        copy,
        "SELECT (SELECT sum(amount) FROM wallet_entries WHERE user_id = 42), "
        "(SELECT balance_after FROM wallet_entries WHERE user_id = 42 ORDER BY entry_id DESC LIMIT 1)",
    )[0]
    assert total == last
    assert _rows(copy, "PRAGMA integrity_check") == [("ok",)]


def test_restore_refuses_while_the_bot_holds_the_database_and_keeps_the_replaced_file(tmp_path: Path) -> None:
    db, copy = tmp_path / "loket.sqlite3", tmp_path / "b.sqlite3"
    ledger = open_database(db)
    ledger.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, 'x', 'x')")
    assert _bot(db, "backup", str(copy)).returncode == 0
    ledger.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (8, 'x', 'x')")
    ledger.conn.close()
    # a process holding the database as the running bot does (storage.db.lock_database)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from storage.db import lock_database; lock = lock_database(sys.argv[1]);"
         "print('held', flush=True); time.sleep(60)",
         str(db)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_env(db),
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = _bot(db, "restore", str(copy))
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 1
    assert "is in use: the bot is running" in refused.stderr and "Stop it first" in refused.stderr
    assert _rows(db, "SELECT user_id FROM users ORDER BY 1") == [(7,), (8,)]  # untouched
    assert not list(tmp_path.glob("loket.sqlite3.replaced-*"))

    done = _bot(db, "restore", str(copy))
    assert done.returncode == 0, done.stderr
    assert _rows(db, "SELECT user_id FROM users ORDER BY 1") == [(7,)]
    (kept,) = tmp_path.glob("loket.sqlite3.replaced-*")
    assert str(kept) in done.stdout
    assert _rows(kept, "SELECT user_id FROM users ORDER BY 1") == [(7,), (8,)]
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert oct(db.stat().st_mode & 0o777) == "0o600" and oct(kept.stat().st_mode & 0o777) == "0o600"


def test_backup_and_restore_refuse_what_they_cannot_use_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "loket.sqlite3"
    missing = _bot(db, "backup", str(tmp_path / "b.sqlite3"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"backup failed: {db}: no such database (DATABASE_PATH)"
    open_database(db).conn.close()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    bad = _bot(db, "restore", str(junk))
    assert bad.returncode == 1 and "not a usable SQLite database" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("loket.sqlite3.replaced-*"))
    assert _bot(db, "restore", str(tmp_path / "nope.sqlite3")).stderr.strip().endswith("no such backup file")
    folder = _bot(db, "backup", str(tmp_path))
    assert folder.returncode == 1 and "is a folder" in folder.stderr


def test_an_older_database_is_backed_up_before_a_migration_changes_it(tmp_path: Path) -> None:
    db = tmp_path / "loket.sqlite3"
    old = open_database(tmp_path / "fresh.sqlite3")  # a new ledger: nothing to back up
    old.conn.close()
    assert [p.name for p in tmp_path.iterdir() if ".before-" in p.name] == []

    conn = sqlite3.connect(db, isolation_level=None)
    import sqlite_utils

    older = sqlite_utils.Database(conn)
    migrate(older, target=LATEST_VERSION - 1)
    older.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (5, 'x', 'x')")
    conn.close()

    upgraded = open_database(db)
    assert schema_version(upgraded) == LATEST_VERSION
    upgraded.conn.close()
    (kept,) = tmp_path.glob(f"loket.sqlite3.before-v{LATEST_VERSION}-*")
    assert _rows(kept, "SELECT max(version) FROM schema_migrations") == [(LATEST_VERSION - 1,)]
    assert _rows(kept, "SELECT user_id FROM users") == [(5,)]
    open_database(db).conn.close()  # up to date: no second backup
    assert len(list(tmp_path.glob("loket.sqlite3.before-*"))) == 1


def test_python_m_bot_version_names_the_installed_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = _bot(tmp_path / "loket.sqlite3", "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"loket {version('loket')}"
    assert not (tmp_path / "loket.sqlite3").exists()  # nothing opened, nothing created
