"""SIGKILL in the middle of money in, in a real process, and recovery in another, against the
sandbox biller and the gateway sandbox each on their own port (their memory outlives the kill).

(a) killed right after the intent's commit, before the charge request left: the gateway never
    heard of the order; recovery waits out the grace, then FAILED. Nothing is charged, ever.
(b) killed after the notification's credit was committed, before the bill's payment: recovery
    pays the bill once; a second recovery finds nothing to do. One credit, one bill payment.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "moneyin_crash_child.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
        "NO_PROXY": "127.0.0.1,localhost",
        "ADMIN_IDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def _serve(command: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", command, "--port", str(port)],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    health = "/_sandbox/health"
    for _ in range(200):
        try:
            if httpx.get(f"{url}{health}", timeout=1, trust_env=False).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{command} did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr:
        process.stderr.close()


@pytest.fixture(scope="module")
def sandboxes():
    biller, biller_url = _serve("sandbox")
    gateway, gateway_url = _serve("gateway-sandbox")
    try:
        yield biller_url, gateway_url
    finally:
        _stop(gateway)
        _stop(biller)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )


def _child_env(tmp_path: Path, sandboxes: tuple[str, str]) -> dict[str, str]:
    biller_url, gateway_url = sandboxes
    port = _free_port()
    return _env(
        DATABASE_PATH=str(tmp_path / "loket.sqlite3"),
        BILLER="sandbox",
        SANDBOX_URL=biller_url,
        PAYMENT_GATEWAY="sandbox",
        GATEWAY_SANDBOX_URL=gateway_url,
        HTTP_PORT=str(port),
        PUBLIC_URL=f"http://127.0.0.1:{port}",
    )


def _gateway(url: str, path: str):
    return httpx.get(f"{url}{path}", timeout=5, trust_env=False).json()


def test_killed_between_the_intent_commit_and_the_charge(tmp_path, sandboxes):
    env = _child_env(tmp_path, sandboxes)
    died = _run(["charge"], env)
    assert died.returncode == -9, died.stderr  # SIGKILL, not a clean exit
    order_id = json.loads(died.stdout.splitlines()[0])["order_id"]
    assert order_id not in _gateway(sandboxes[1], "/_sandbox/charges")  # the request never left

    early = json.loads(_run(["recover", "600"], env).stdout)  # within the grace: it may still come
    assert early["intents"] == [{"order_id": order_id, "state": "CREATED", "bill_step": None}]
    late = json.loads(_run(["recover", "0"], env).stdout)  # past it: the charge never reached the gateway
    assert late["intents"] == [{"order_id": order_id, "state": "FAILED", "bill_step": None}]
    assert late["balance"] == 0 and late["credits"] == []
    assert order_id not in _gateway(sandboxes[1], "/_sandbox/charges")  # recovery never charges


def test_killed_between_the_notification_and_the_bill_payment(tmp_path, sandboxes):
    biller_url, gateway_url = sandboxes
    env = _child_env(tmp_path, sandboxes)
    died = _run(["bill"], env)
    assert died.returncode == -9, died.stdout + died.stderr
    started = json.loads(died.stdout.splitlines()[0])
    order_id, ref_id, amount = started["order_id"], started["ref_id"], started["amount"]
    order = _gateway(gateway_url, f"/_sandbox/orders/{order_id}")
    assert order["status"] == "settlement"
    assert ref_id not in _gateway(biller_url, "/_sandbox/payments")  # the bill was not paid yet

    recovered = json.loads(_run(["recover"], env).stdout)
    assert recovered["intents"] == [{"order_id": order_id, "state": "PAID", "bill_step": "paid"}]
    assert recovered["bills"] == {ref_id: "SUCCESS"}
    assert recovered["credits"] == [amount] and recovered["balance"] == 0
    assert _gateway(biller_url, "/_sandbox/payments")[ref_id] == 1

    again = json.loads(_run(["recover"], env).stdout)
    assert again["intents"] == recovered["intents"] and again["credits"] == [amount]
    assert _gateway(biller_url, "/_sandbox/payments")[ref_id] == 1  # the job was finished once
