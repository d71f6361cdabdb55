"""Watching Loket over its own HTTP server (bot/web/runtime.py), which runs in every mode:
`GET /healthz` (200, or 503 naming what fails: the database, Telegram, the biller) and
`GET /metrics` (Prometheus text, the application's own registry), over real HTTP, from the real
process (with the Dockerfile's own HEALTHCHECK command) and from BotRunner polling the Bot API
emulator."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.playground.botapi import BotApiEmulator
from bot.telegram import ops_jobs
from bot.telegram.app import BotRunner, run_bot
from bot.web.runtime import WebStartError
from tests.e2e_harness import ROOT, TOKEN, base_env, free_port
from tests.tg_double import TOKEN as BOT_TOKEN
from tests.tg_double import FakeBotAPI
from tests.tg_setup import ADMIN, CUSTOMER, PLN_OK, PLN_PENDING, make_settings

pytestmark = pytest.mark.e2e
PLN_BAD_SIGNATURE = "530000000100"  # sandbox: the inquiry is answered rc 100 (invalid signature)


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        return await client.get(url)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, parsed by prometheus_client's own parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def docker_healthcheck(port: int) -> int:
    """The Dockerfile's HEALTHCHECK command, as Docker runs it in the container: its exit code."""
    text = (ROOT / "Dockerfile").read_text()
    command = text.split("HEALTHCHECK", 1)[1].split("CMD", 1)[1].split("\n\n", 1)[0].strip()
    assert command.startswith("python -c ")
    command = shlex.quote(sys.executable) + command.removeprefix("python")
    env = {"HTTP_PORT": str(port), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_PROXY": "127.0.0.1"}
    return subprocess.run(["sh", "-c", command], env=env, capture_output=True, timeout=20).returncode


def _without_dac_override() -> list[str]:
    """root ignores file modes: the bot then runs without CAP_DAC_OVERRIDE (setpriv), so a
    read-only database file is read-only for it too."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be made read-only for root")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


async def test_the_real_process_answers_healthz_and_turns_503_when_the_database_is_read_only(
    tmp_path: Path,
) -> None:
    port = free_port()
    db = tmp_path / "loket.sqlite3"
    env = base_env(
        TELEGRAM_BOT_TOKEN=TOKEN, BILLER="sandbox", DATABASE_PATH=str(db), HTTP_PORT=str(port),
        ADMIN_IDS=str(ADMIN), LOG_LEVEL="INFO",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        env["TELEGRAM_BASE_URL"] = tg.base_url
        proc = await asyncio.create_subprocess_exec(
            *_without_dac_override(), sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await tg.wait_for_call("setMyCommands", timeout=30)
            healthy = await get(f"{url}/healthz")
            assert healthy.status_code == 200, healthy.text
            answer = healthy.json()
            assert answer["status"] == "ok" and answer["failing"] == []
            assert answer["database"] == {"writable": True}
            assert 0 <= answer["telegram"]["last_answer_seconds"] < 30
            assert answer["telegram"]["failing_after_seconds"] == 300
            assert answer["biller"]["credentials_refused"] is False
            assert answer["payments"] == {"pending": 0, "flagged": 0}
            assert answer["version"]
            assert await asyncio.to_thread(docker_healthcheck, port) == 0

            db.chmod(0o444)  # the disk or the file turned read-only under the running bot
            failing = await get(f"{url}/healthz")
            assert failing.status_code == 503, failing.text
            answer = failing.json()
            assert answer["status"] == "failing" and answer["failing"] == ["database"]
            assert answer["database"] == {"writable": False, "error": "the file is readonly (loket.sqlite3)"}
            assert answer["payments"] == {"pending": 0, "flagged": 0}  # reading still works
            assert await asyncio.to_thread(docker_healthcheck, port) == 1  # the container turns unhealthy

            db.chmod(0o644)
            assert (await get(f"{url}/healthz")).status_code == 200
            scrape = await get(f"{url}/metrics")
            assert scrape.status_code == 200
            assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
            assert value(samples(scrape.text), "loket_payments_pending") == 0
            for response in (healthy, failing, scrape):
                assert TOKEN not in response.text and TOKEN.split(":")[1] not in response.text
        finally:
            db.chmod(0o644)
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, output.decode()[-2000:]


async def test_metrics_move_with_real_payments_over_real_http(tmp_path: Path) -> None:
    async with BotApiEmulator(BOT_TOKEN, webchat=False) as tg:
        runner = BotRunner(make_settings(tmp_path, TELEGRAM_BASE_URL=tg.base_url))
        await runner.start()
        try:
            assert runner.web is not None
            url = runner.web.url
            before = samples((await get(f"{url}/metrics")).text)
            assert value(before, "loket_payments_total", product="PLNPOSTPAID", outcome="SUCCESS") == 0
            runner.service.ensure_user(CUSTOMER)
            runner.service.top_up(ADMIN, CUSTOMER, 1_000_000, "test")

            for number, expected in ((PLN_OK, "STRUK"), (PLN_PENDING, "diproses")):
                sent = await tg.user_sends(CUSTOMER, f"BAYAR.PLNPOSTPAID.{number}", language_code="id")
                bill = await tg.wait_for(
                    CUSTOMER, lambda m: any(d.startswith("pay:") for d in m.ever_callback_data),
                    since=sent.seq,
                )
                pay = next(d for d in bill.ever_callback_data if d.startswith("pay:"))
                seen = bill.seq
                await tg.user_taps(CUSTOMER, bill.message_id, pay)
                await tg.wait_for_text(CUSTOMER, expected, since=seen)
            tg.fail_next("sendMessage", retry_after=1)  # Telegram says slow down once
            sent = await tg.user_sends(CUSTOMER, "/saldo")
            await tg.wait_for_text(CUSTOMER, "Saldo", since=sent.seq)

            after = samples((await get(f"{url}/metrics")).text)
            balances = runner.service.balance(CUSTOMER) + runner.service.balance(ADMIN)
        finally:
            await runner.stop()
    for outcome, count in (("SUCCESS", 1), ("PENDING", 1), ("FAILED", 0)):
        assert value(after, "loket_payments_total", product="PLNPOSTPAID", outcome=outcome) == count
    assert value(after, "loket_inquiries_total", product="PLNPOSTPAID", outcome="bill") == 2
    assert value(after, "loket_updates_total", kind="message") == 2
    assert value(after, "loket_updates_total", kind="callback") == 2
    assert value(after, "loket_updates_total", kind="command") == 1
    assert value(after, "loket_answer_seconds_count") == 5
    assert value(after, "loket_biller_seconds_count", call="pay") == 2
    assert value(after, "loket_biller_seconds_count", call="inquiry") == 2
    assert value(after, "loket_telegram_429_total") == 1
    assert value(after, "loket_payments_pending") == 1
    assert 0 < balances < 1_000_000  # two bills debited (one still pending)
    assert value(after, "loket_wallet_balance_total_rupiah") == balances  # whole rupiah, exactly


class Unreachable(FakeBotAPI):
    """The fake Bot API, which can stop answering anything (the network is gone)."""

    gone = False

    async def do_request(self, url, method, request_data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.gone:
            raise httpx.ConnectError("network unreachable")
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_healthz_names_telegram_and_the_biller_while_they_fail_and_recovers(tmp_path: Path) -> None:
    api = Unreachable()
    runner = BotRunner(make_settings(tmp_path), request=api)
    await runner.start()
    try:
        assert runner.web is not None and runner.application is not None
        app, url = runner.application, f"{runner.web.url}/healthz"
        assert (await get(url)).status_code == 200

        from tests.tg_double import Chat

        chat = Chat(app, api, CUSTOMER, "id", "Budi")
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_BAD_SIGNATURE}")  # the biller refuses our signature
        refused = await get(url)
        assert refused.status_code == 503 and refused.json()["failing"] == ["biller"]
        assert refused.json()["biller"]["credentials_refused"] is True
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")  # accepted again
        assert (await get(url)).status_code == 200

        link = app.vitals.telegram
        now = [time.monotonic()]
        link.clock = lambda: now[0]
        api.gone = True  # Telegram unreachable: polling fails, nothing answers
        for _ in range(200):  # the long poll in flight ends, the next one fails
            if ops_jobs.telegram_incident(app).active:
                break
            await asyncio.sleep(0.02)
        link.last_answer = now[0]  # the last answer, from here on none
        now[0] += 299
        assert (await get(url)).status_code == 200  # not yet HEALTH_TELEGRAM_SECONDS
        now[0] += 2
        down = await get(url)
        assert down.status_code == 503 and down.json()["failing"] == ["telegram"]
        assert down.json()["telegram"]["last_answer_seconds"] == 301
        probe = SimpleNamespace(application=app)
        await ops_jobs._probe_telegram(probe)  # the probe asks getMe: no answer
        assert (await get(url)).status_code == 503
        errors = samples(app.vitals.metrics.render().decode())
        assert value(errors, "loket_telegram_errors_total", kind="network") >= 2  # the poll, the probe
        api.gone = False
        await ops_jobs._probe_telegram(probe)
        back = await get(url)
        assert back.status_code == 200 and back.json()["telegram"]["last_answer_seconds"] == 0
    finally:
        await runner.stop()


async def test_a_quiet_bot_asks_telegram_so_quiet_is_not_taken_for_down(tmp_path: Path) -> None:
    """Webhook mode or a quiet night: nothing is asked of Telegram, so the probe asks getMe."""
    api = FakeBotAPI()
    runner = BotRunner(make_settings(tmp_path), request=api)
    await runner.start()
    try:
        assert runner.application is not None
        app = runner.application
        link = app.vitals.telegram
        now = [time.monotonic()]
        link.clock = lambda: now[0]
        link.last_answer = now[0]
        probe = SimpleNamespace(application=app)
        asked = len(api.sent("getMe"))
        await ops_jobs._probe_telegram(probe)
        assert len(api.sent("getMe")) == asked  # answered a moment ago: nothing asked
        now[0] += ops_jobs.TELEGRAM_IDLE_SECONDS
        await ops_jobs._probe_telegram(probe)
        assert len(api.sent("getMe")) == asked + 1 and link.quiet_for() == 0
    finally:
        await runner.stop()


async def test_the_server_runs_without_a_gateway_and_a_taken_port_stops_the_start(tmp_path: Path) -> None:
    runner = BotRunner(make_settings(tmp_path), request=FakeBotAPI())  # PAYMENT_GATEWAY=none
    await runner.start()
    try:
        assert runner.web is not None
        assert (await get(f"{runner.web.url}/healthz")).status_code == 200
        assert (await get(f"{runner.web.url}/payments/midtrans/notify")).status_code == 404  # no gateway
    finally:
        await runner.stop()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        api = FakeBotAPI()
        again = BotRunner(make_settings(tmp_path, HTTP_PORT=str(taken.getsockname()[1])), request=api)
        with pytest.raises(WebStartError):
            await again.start()
        await again.stop()
    assert api.calls == []  # Telegram was never asked


def test_a_taken_port_is_one_line_and_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = run_bot(make_settings(tmp_path, HTTP_PORT=str(port)))
    err = capsys.readouterr().err.strip()
    assert code == 2
    where = f"127.0.0.1:{port} (HTTP_LISTEN, HTTP_PORT)"
    assert err == f"Cannot listen on {where} for /healthz, /metrics: Address already in use"


async def test_webhook_mode_serves_healthz_too(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, WEBHOOK_URL="https://loket.example.id/tg/hook", WEBHOOK_SECRET="s3cret-token",
        WEBHOOK_PORT=str(free_port()),
    )  # fmt: skip
    runner = BotRunner(settings, request=FakeBotAPI())
    await runner.start()
    try:
        assert runner.web is not None
        answer = await get(f"{runner.web.url}/healthz")
        assert answer.status_code == 200 and "s3cret-token" not in answer.text
    finally:
        await runner.stop()
