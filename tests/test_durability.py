"""Start-up and durability: a private database, one bot per database, clear start-up errors."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
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
