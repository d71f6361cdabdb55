"""Processes and servers for the end-to-end tests, each started and stopped by the test.

The bot runs as `python -m bot`, configured only through its environment, against the Bot API
emulator (served from the test's own event loop) and the sandbox biller served on a port in
its own process, so that killing the bot leaves the biller's memory of payments intact.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "777001:E2E-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    """A clean environment: nothing of the developer's .env or shell leaks into the bot."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "LANG": "C.UTF-8",
        "NO_PROXY": "127.0.0.1,localhost",
        "HTTP_PORT": "0",  # Loket's HTTP server always runs: a free port, never a collision on 8081
    }
    env.update(extra)
    return env


class Process:
    """A child process whose output is kept, for a readable failure."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.args = args
        self.env = env
        self.cwd = cwd
        self.log_path = log
        self.proc: asyncio.subprocess.Process | None = None
        self._log = None

    async def start(self) -> Process:
        self._log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, cwd=self.cwd, env=self.env, stdout=self._log, stderr=asyncio.subprocess.STDOUT
        )
        return self

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no persistence flush, exactly like a crash."""
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()
        self._close_log()

    async def stop(self, timeout: float = 15.0) -> int | None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._close_log()
        return self.proc.returncode if self.proc else None

    def _close_log(self) -> None:
        if self._log:
            self._log.close()
            self._log = None


async def start_sandbox(tmp: Path, **settings: str) -> tuple[Process, str]:
    port = free_port()
    env = base_env(**settings)
    proc = await Process(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)], env, tmp, tmp / "sandbox.log"
    ).start()
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(200):
            try:
                if (await client.get(f"{url}/_sandbox/health")).status_code == 200:
                    return proc, url
            except httpx.TransportError:
                pass
            if proc.proc and proc.proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
    await proc.stop()
    raise RuntimeError(f"the sandbox did not start:\n{proc.output}")


async def sandbox_payments(url: str) -> dict[str, int]:
    """Pay requests the sandbox received, per ref_id."""
    async with httpx.AsyncClient(trust_env=False) as client:
        return dict((await client.get(f"{url}/_sandbox/payments")).json())


def bot_env(tmp: Path, emulator_base_url: str, sandbox_url: str, **extra: str) -> dict[str, str]:
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": emulator_base_url,
        "DATABASE_PATH": str(tmp / "loket.sqlite3"),
        "BILLER": "sandbox",
        "SANDBOX_URL": sandbox_url,
        "STATUS_POLL_INTERVALS": "1,1,1,1,1,1,1,1",
        "LOG_LEVEL": "INFO",
    }
    settings.update(extra)
    return base_env(**settings)


async def start_bot(tmp: Path, env: dict[str, str]) -> Process:
    return await Process([sys.executable, "-m", "bot"], env, tmp, tmp / "bot.log").start()
