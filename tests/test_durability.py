"""Start-up and durability: a private database, one bot per database, clear start-up errors."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from storage.db import open_database


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the usual umask, under which SQLite alone makes 0644 files
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_private(tmp_path, umask_022):
    path = tmp_path / "data" / "loket.sqlite3"
    db = open_database(path)
    db.execute("INSERT INTO ptb_data (kind, key, data) VALUES ('bot', '', '{}')")  # -wal and -shm exist
    assert mode(path.parent) == 0o700
    for file in (path, path.with_name("loket.sqlite3-wal"), path.with_name("loket.sqlite3-shm")):
        assert file.exists() and mode(file) == 0o600, file
    db.conn.close()


def test_an_existing_database_others_can_read_is_named_once(tmp_path, umask_022, caplog):
    path = tmp_path / "loket.sqlite3"
    open_database(path).conn.close()
    path.chmod(0o644)
    caplog.set_level(logging.WARNING, logger="storage.db")
    open_database(path).conn.close()
    open_database(path).conn.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "storage.db"]
    assert len(warnings) == 1, warnings
    assert str(path) in warnings[0] and "0644" in warnings[0] and "chmod 600" in warnings[0]
    assert mode(path) == 0o644  # named, not changed behind the operator's back


def test_a_private_database_gets_no_warning(tmp_path, umask_022, caplog):
    path = tmp_path / "loket.sqlite3"
    caplog.set_level(logging.WARNING, logger="storage.db")
    open_database(path).conn.close()
    open_database(path).conn.close()
    assert [r for r in caplog.records if r.name == "storage.db"] == []
