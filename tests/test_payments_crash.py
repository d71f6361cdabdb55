"""SIGKILL mid-payment in a real process, recovery in another, against the sandbox over HTTP.

(a) killed right after the PAYING commit, before the pay request left: the sandbox has no
    payment record, so recovery waits out NO_RECORD_GRACE_SECONDS, then FAILED + refund;
(b) killed right after the sandbox received the pay request: recovery finds SUCCESS.
Either way the sandbox receives zero second payments.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "core_crash_child.py"
GRACE = 6  # generous: the early recovery must start within it even on a loaded machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BILLER", "SANDBOX_", "DATABASE_"))}
    env.update(BILLER="sandbox", ADMIN_IDS="1", LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT), **extra)
    return env


@pytest.fixture(scope="module")
def sandbox_url():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the sandbox did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _payments(url: str) -> dict[str, int]:
    return httpx.get(f"{url}/_sandbox/payments", timeout=5).json()


def _row(db_path: Path, ref_id: str) -> tuple[str, int, list[str]]:
    with sqlite3.connect(db_path) as conn:
        state = conn.execute("SELECT state FROM transactions WHERE ref_id = ?", [ref_id]).fetchone()[0]
        balance = conn.execute("SELECT sum(amount) FROM wallet_entries WHERE user_id = 42").fetchone()[0]
        kinds = [
            k
            for (k,) in conn.execute("SELECT kind FROM wallet_entries WHERE ref_id = ? ORDER BY 1", [ref_id])
        ]
    return state, balance, kinds


def _crash(tmp_path: Path, sandbox_url: str, when: str) -> tuple[dict[str, str], Path, dict]:
    db_path = tmp_path / "loket.sqlite3"
    env = _env(DATABASE_PATH=str(db_path), SANDBOX_URL=sandbox_url, NO_RECORD_GRACE_SECONDS=str(GRACE))
    died = _run(["pay", when], env)
    assert died.returncode == -9, died.stderr  # SIGKILL, not a clean exit
    started = json.loads(died.stdout.splitlines()[0])
    state, balance, kinds = _row(db_path, started["ref_id"])
    assert (state, balance, kinds) == ("PAYING", 1_000_000 - started["amount"], ["debit"])
    return env, db_path, started


def test_killed_before_the_pay_request_fails_with_refund_after_the_grace(tmp_path, sandbox_url):
    env, db_path, started = _crash(tmp_path, sandbox_url, "before")
    ref_id = started["ref_id"]
    assert ref_id not in _payments(sandbox_url)

    early = _run(["recover"], env)
    assert early.returncode == 0, early.stderr
    report = json.loads(early.stdout)
    assert report["recovered"] == [{"ref_id": ref_id, "state": "PENDING", "reason": "no_payment_record"}]
    assert report["balance"] == 1_000_000 - started["amount"]

    time.sleep(GRACE + 0.2)
    late = _run(["recover"], env)
    assert late.returncode == 0, late.stderr
    report = json.loads(late.stdout)
    assert report["recovered"] == [{"ref_id": ref_id, "state": "FAILED", "reason": "no_payment_record"}]
    assert report["balance"] == 1_000_000
    assert _row(db_path, ref_id) == ("FAILED", 1_000_000, ["debit", "refund"])
    assert ref_id not in _payments(sandbox_url)  # never paid, never re-paid

    again = _run(["recover"], env)
    assert json.loads(again.stdout) == {"recovered": [], "balance": 1_000_000}


def test_killed_after_the_pay_request_recovers_success_without_paying_again(tmp_path, sandbox_url):
    env, db_path, started = _crash(tmp_path, sandbox_url, "after")
    ref_id = started["ref_id"]
    assert _payments(sandbox_url)[ref_id] == 1

    recovered = _run(["recover"], env)
    assert recovered.returncode == 0, recovered.stderr
    report = json.loads(recovered.stdout)
    assert report["recovered"] == [{"ref_id": ref_id, "state": "SUCCESS", "reason": "ok"}]
    assert report["balance"] == 1_000_000 - started["amount"]
    assert _row(db_path, ref_id) == ("SUCCESS", 1_000_000 - started["amount"], ["debit"])
    assert _payments(sandbox_url)[ref_id] == 1  # zero second payments
