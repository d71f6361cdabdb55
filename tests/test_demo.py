"""`python -m bot demo` as the README's first command runs it: a subprocess in an empty
directory, no token and no .env, the web chat on the port given with --port, and the real bot
answering in it with the demo wallet already topped up. Stopped with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import httpx
import pytest

from bot.telegram.render import rupiah
from tests.e2e_harness import base_env, free_port

pytestmark = pytest.mark.e2e

DEMO_USER = 20001


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float = 30) -> str:
    seen = ""

    async def scan() -> str:
        nonlocal seen
        while needle not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"the demo ended before printing {needle!r}:\n{seen}")
            seen += line.decode(errors="replace")
        return seen

    try:
        return await asyncio.wait_for(scan(), timeout)
    except TimeoutError:
        raise AssertionError(f"the demo did not print {needle!r} in {timeout}s:\n{seen}") from None


async def bot_says(client: httpx.AsyncClient, text: str, since: int, timeout: float = 20) -> tuple[str, int]:
    """The first bot message changed after `since` that contains `text`, and the new seq."""
    deadline = asyncio.get_running_loop().time() + timeout
    shown: list[str] = []
    while asyncio.get_running_loop().time() < deadline:
        state = (
            await client.get("/chat/api/state", params={"user_id": DEMO_USER, "since": since, "wait": 2})
        ).json()
        for msg in state["messages"]:
            if msg["from"] == "bot":
                shown.append(msg["plain"])
                if text in msg["plain"]:
                    return msg["plain"], state["seq"]
    raise AssertionError(f"the bot never said {text!r}; it said {shown}")


async def demo_process(cwd: Path, *args: str, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", *args,
        cwd=cwd, env=base_env(**env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def stop(proc: asyncio.subprocess.Process, sig: int = signal.SIGINT) -> str:
    if proc.returncode is None:
        proc.send_signal(sig)
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), 20)
    except TimeoutError:
        proc.kill()
        output, _ = await proc.communicate()
    return output.decode(errors="replace")


async def test_one_command_demo_on_a_fresh_directory(tmp_path: Path) -> None:
    port = free_port()
    # Half-finished production settings in the environment must not stop the demo: it always
    # runs the sandbox biller on the emulator.
    proc = await demo_process(tmp_path, "--port", str(port), BILLER="iak", WEBHOOK_URL="https://x.invalid/h")
    try:
        assert proc.stdout is not None
        banner = await read_until(proc.stdout, "Ctrl-C")
        assert f"http://127.0.0.1:{port}" in banner and f"user {DEMO_USER}" in banner
        assert "Wallet: Rp 2.000.000" in banner
        for number in ("6391601201", "6391601202", "6391601204", "6391601205", "6391601206",
                       "6391601207", "6391601208", "CEK.TELKOMPSTN", "BAYAR.TELKOMPSTN", "SAL"):  # fmt: skip
            assert number in banner

        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False
        ) as client:
            page = await client.get("/")
            assert page.status_code == 200 and "6391601201" in page.text

            since = (await client.get("/chat/api/state", params={"user_id": DEMO_USER})).json()["seq"]
            await client.post(
                "/chat/api/send", json={"user_id": DEMO_USER, "text": "/start", "first_name": "Demo"}
            )
            _, since = await bot_says(client, "Selamat datang", since)
            await client.post("/chat/api/send", json={"user_id": DEMO_USER, "text": "SAL"})
            balance, since = await bot_says(client, "Saldo", since)
            assert rupiah(2_000_000) in balance  # topped up: a bill can be paid at once
            await client.post(
                "/chat/api/send", json={"user_id": DEMO_USER, "text": "CEK.TELKOMPSTN.6391601201"}
            )
            bill, _ = await bot_says(client, "Ref=", since)
            assert "6391601201" in bill
    finally:
        output = await stop(proc)
    assert proc.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert (tmp_path / "data" / "demo.sqlite3").exists()  # the demo's own database, in the cwd


async def test_demo_on_a_busy_port_says_so(tmp_path: Path) -> None:
    port = free_port()
    blocker = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)
    try:
        proc = await demo_process(tmp_path, "--port", str(port))
        output = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        blocker.close()
        await blocker.wait_closed()
    text = output[0].decode(errors="replace")
    assert proc.returncode == 1, text[-2000:]
    assert "could not start" in text and "--port" in text
    assert "Traceback" not in text


def test_demo_follows_pending_payments_quickly_unless_told_otherwise(tmp_path: Path) -> None:
    """A pending sandbox payment settles on its third status check: seconds in the demo."""
    from bot.config import Settings
    from bot.playground.demo import DEMO_POLL_INTERVALS, demo_settings

    quick = demo_settings(Settings(_env_file=None), "http://127.0.0.1:1/bot", tmp_path / "d.sqlite3")
    assert quick.status_poll_intervals == DEMO_POLL_INTERVALS and sum(DEMO_POLL_INTERVALS[:3]) <= 15
    assert quick.biller == "sandbox" and quick.webhook_url == "" and DEMO_USER in quick.admin_ids
    chosen = demo_settings(
        Settings(_env_file=None, STATUS_POLL_INTERVALS="7,8"),
        "http://127.0.0.1:1/bot",
        tmp_path / "d.sqlite3",
    )
    assert chosen.status_poll_intervals == [7, 8]  # an explicit setting is kept
    copied = demo_settings(  # a .env copied from .env.example spells out the default: still quick
        Settings(_env_file=None, STATUS_POLL_INTERVALS="5,15,30,60,120,300,600,1800,3600"),
        "http://127.0.0.1:1/bot",
        tmp_path / "d.sqlite3",
    )
    assert copied.status_poll_intervals == DEMO_POLL_INTERVALS


async def test_a_second_demo_in_the_same_folder_says_the_first_has_the_database(tmp_path: Path) -> None:
    first = await demo_process(tmp_path, "--port", str(free_port()))
    try:
        assert first.stdout is not None
        await read_until(first.stdout, "Ctrl-C")
        second = await demo_process(tmp_path, "--port", str(free_port()))
        try:
            output = (await asyncio.wait_for(second.communicate(), 30))[0].decode(errors="replace")
        except TimeoutError:
            await stop(second)
            raise AssertionError("a second demo on the same database kept running") from None
    finally:
        await stop(first)
    assert second.returncode == 2, output[-2000:]
    assert output.startswith("The demo could not start: ") and output.count("\n") == 1, output[-2000:]
    assert "demo.sqlite3 is in use by another Loket" in output and f"process {first.pid}" in output
    assert first.returncode == 0
