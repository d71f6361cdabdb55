"""Start-up and durability: a private database, one bot per database, clear start-up errors."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.playground.emulator import BotApiEmulator
from storage.db import open_database
from tests.e2e_harness import TOKEN, Process, base_env


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


# -- one bot per database ----------------------------------------------------------------------


async def _polling(tg: BotApiEmulator, bot: Process, getme_before: int, timeout: float = 30) -> None:
    """Wait until the bot process is up: it asked getMe and then polled."""
    for _ in range(int(timeout / 0.05)):
        if len(tg.calls_of("getMe")) > getme_before and tg.calls_of("getUpdates"):
            return
        assert bot.proc is not None and bot.proc.returncode is None, bot.output[-3000:]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot did not start polling:\n{bot.output[-3000:]}")


@pytest.mark.e2e
async def test_a_second_bot_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        env = base_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=tg.base_url,
            DATABASE_PATH=str(tmp_path / "data" / "loket.sqlite3"),
            BILLER="sandbox",
        )
        first = await Process([sys.executable, "-m", "bot"], env, tmp_path, tmp_path / "first.log").start()
        try:
            await _polling(tg, first, 0)
            assert first.proc is not None
            getme = len(tg.calls_of("getMe"))
            second = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                out, err = await asyncio.wait_for(second.communicate(), 30)
            except TimeoutError:
                second.kill()
                await second.wait()
                raise AssertionError("a second bot on the same database kept running") from None
            said = err.decode()
            assert second.returncode == 2, said
            assert out == b"" and said.count("\n") == 1 and "Traceback" not in said, said
            lock = tmp_path / "data" / "loket.sqlite3.lock"
            assert said.startswith("DATABASE_PATH: ") and str(lock) in said, said
            assert f"process {first.proc.pid} holds" in said, said
            assert len(tg.calls_of("getMe")) == getme  # it never spoke to Telegram
            assert stat.S_IMODE(lock.stat().st_mode) == 0o600
            assert first.proc.returncode is None  # the first one is untouched
        finally:
            await first.kill()  # SIGKILL: the kernel lets go of the lock, nothing stale is left

        third = await Process([sys.executable, "-m", "bot"], env, tmp_path, tmp_path / "third.log").start()
        try:
            await _polling(tg, third, len(tg.calls_of("getMe")))
        finally:
            assert await third.stop() == 0, third.output[-3000:]


# -- start-up errors: one line naming the setting or file, exit code 2 ------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on: the bot must stop before Telegram
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drop_file_override() -> None:
    """In the child: root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH honours a file's mode."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_cli(cwd: Path, *, read_only_user: bool = False, **settings: str) -> subprocess.CompletedProcess[str]:
    env = base_env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=f"http://127.0.0.1:{_closed_port()}/bot", **settings
    )
    preexec = _drop_file_override if read_only_user and os.geteuid() == 0 else None
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
        preexec_fn=preexec,
    )  # fmt: skip


def _loket_database(path: Path, fill: int = 0) -> None:
    db = open_database(path)
    if fill:
        db.execute("BEGIN")
        for i in range(fill):
            db.execute("INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(i), "x" * 200])
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)


def _folder(path: Path) -> None:
    path.mkdir()


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"name,amount\nbudi,50000\n" * 100)


def _truncated(path: Path) -> None:
    _loket_database(path, fill=5000)
    os.truncate(path, path.stat().st_size // 2)


def _read_only(path: Path) -> None:
    _loket_database(path)
    path.chmod(0o400)


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_folder, "is a folder, not a database file"),
        (_not_a_database, "is not a SQLite database (a damaged file, or another kind of file)"),
        (_truncated, "is damaged (database disk image is malformed): restore it from a backup"),
        (_read_only, "cannot be written: the file or its folder is read-only for this user"),
    ],
)
def test_an_unusable_database_path_is_one_line_naming_it(tmp_path: Path, make, why) -> None:
    path = tmp_path / "loket.sqlite3"
    make(path)
    before = path.read_bytes() if path.is_file() else None
    read_only = make is _read_only
    if read_only:
        probe = subprocess.run(
            [sys.executable, "-c", f"open({str(path)!r}, 'r+b')"],
            capture_output=True,
            preexec_fn=_drop_file_override if os.geteuid() == 0 else None,
        )
        if probe.returncode == 0:
            pytest.skip("this machine lets the test's user write a 0400 file")
    proc = run_cli(tmp_path, read_only_user=read_only, DATABASE_PATH=str(path))
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stdout == "" and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stderr == f"DATABASE_PATH: {path} {why}\n"
    if before is not None:
        assert path.read_bytes() == before  # looked at, never changed


def test_a_webhook_secret_telegram_would_refuse_is_named_at_start(tmp_path: Path) -> None:
    for secret in ("my secret!", "x" * 257, "rahasia/2026"):
        proc = run_cli(
            tmp_path,
            DATABASE_PATH=str(tmp_path / "loket.sqlite3"),
            WEBHOOK_URL="https://loket.example/telegram",
            WEBHOOK_SECRET=secret,
        )
        assert proc.returncode == 2, proc.stderr[-3000:]
        assert proc.stderr == (
            "Configuration error: WEBHOOK_SECRET: Telegram allows only A-Z, a-z, 0-9, _ and - in it,"
            " 1 to 256 characters\n"
        )
        assert secret not in proc.stdout + proc.stderr
    assert not (tmp_path / "loket.sqlite3").exists()  # stopped before anything was opened
