"""The start-up summary of the real `python -m bot` process (bot/ops/startup.py): version, biller
and host, gateway, polling or webhook, the absolute database path and whether it was just
created, operators; never a secret."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot import __version__
from bot.config import Settings
from bot.ops.startup import summary
from bot.playground.botapi import BotApiEmulator
from tests.e2e_harness import TOKEN, base_env


async def _start_and_stop(tmp: Path, base_url: str) -> str:
    env = base_env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base_url, BILLER="sandbox",
        DATABASE_PATH="data/loket.sqlite3", ADMIN_IDS="900,901", LOG_LEVEL="INFO",
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    seen = b""
    try:
        assert proc.stdout is not None
        while b"started:" not in seen:  # the summary is logged once the bot is up
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, seen.decode()
            seen += line
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), 30)
    output = seen + rest
    assert proc.returncode == 0, output.decode()[-2000:]
    return output.decode()


@pytest.mark.e2e
async def test_the_real_process_names_what_it_runs_against_and_a_new_ledger(tmp_path: Path) -> None:
    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        first = await _start_and_stop(tmp_path, tg.base_url)
        second = await _start_and_stop(tmp_path, tg.base_url)
    db = tmp_path / "data" / "loket.sqlite3"  # relative in the settings, named absolute
    (line,) = [line for line in first.splitlines() if "Loket " + __version__ + " started:" in line]
    assert "biller sandbox (in-process, test numbers only, no real money)" in line
    assert "payment gateway none" in line and "Telegram by long polling" in line
    assert f"database {db} (created a new ledger)" in line and line.endswith("2 operators")
    (again,) = [line for line in second.splitlines() if "started:" in line]
    assert f"database {db};" in again and "created" not in again
    assert TOKEN not in first + second and TOKEN.split(":")[1] not in first + second


def test_the_summary_names_production_hosts_and_webhooks_without_secrets(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, BILLER="iak", IAK_USERNAME="0817", IAK_API_KEY="k-secret-123",
        IAK_BASE_URL="https://mobilepulsa.net", DATABASE_PATH=str(tmp_path / "l.sqlite3"),
        WEBHOOK_URL="https://loket.example.id/tg/Zx81kq", WEBHOOK_SECRET="s3cretTOKEN",
    )  # type: ignore[call-arg]  # fmt: skip
    text = summary(settings, created=False)
    assert "biller iak at https://mobilepulsa.net (production)" in text
    assert "Telegram by webhook https://loket.example.id/… on 127.0.0.1:8443" in text
    assert text.endswith("0 operators (ADMIN_IDS is empty)")
    for secret in ("k-secret-123", "s3cretTOKEN", "Zx81kq"):
        assert secret not in text
