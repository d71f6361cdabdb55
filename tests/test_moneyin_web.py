"""Loket's own HTTP endpoint over real HTTP on 127.0.0.1: POST /payments/midtrans/notify.

The gateway sandbox delivers its notifications over HTTP to the endpoint, which verifies
them, asks the sandbox's status call and applies the answer. Also: the bot runner starts the
server beside polling (and a taken port stops the start with one line)."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest

from bot.gateways.midtrans import NOTIFY_PATH, signature
from bot.gateways.sandbox import SANDBOX_SERVER_KEY
from bot.moneyin.models import IntentState
from bot.payments.models import TxState
from bot.telegram.app import BotRunner
from bot.web.server import LoketHTTP, add_gateway_routes
from tests.core_fakes import USER, snapshot
from tests.moneyin_fakes import World
from tests.tg_double import FakeBotAPI
from tests.tg_setup import make_settings

pytestmark = pytest.mark.e2e
BILL = 101_500


@pytest.fixture
async def served(tmp_path):
    world = World(tmp_path / "db.sqlite3", PUBLIC_URL="")
    http = LoketHTTP("127.0.0.1", 0)
    add_gateway_routes(http, world.qris)
    await http.start()
    world.sandbox.sender = None  # the sandbox posts over HTTP, as Midtrans does
    world.sandbox.notify_url = f"{http.url}{NOTIFY_PATH}"
    world.url = f"{http.url}{NOTIFY_PATH}"
    yield world
    await http.stop()
    world.close()


def signed(order_id: str, status_code: str = "200", gross: str = f"{BILL}.00", **extra) -> dict:
    note = {"order_id": order_id, "status_code": status_code, "gross_amount": gross,
            "transaction_status": "settlement", "currency": "IDR", **extra}  # fmt: skip
    note["signature_key"] = signature(order_id, status_code, gross, SANDBOX_SERVER_KEY)
    return note


async def post(url: str, body) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as client:
        if isinstance(body, bytes | str):
            return await client.post(url, content=body, headers={"Content-Type": "application/json"})
        return await client.post(url, json=body)


async def test_a_paid_qr_is_credited_once_over_http_and_duplicates_answer_200(served):
    tx = await served.service.inquire(USER, "TELKOMPSTN", "02112345678")
    intent = await served.qris.pay_bill(USER, tx.ref_id)
    await served.sandbox.pay(intent.order_id, notify="twice")
    await served.sandbox.notify(intent.order_id, status="pending")  # the stale one, after
    await served.qris.drain()
    deliveries = served.sandbox.orders[intent.order_id].deliveries
    assert [(d["status"], d["http_status"]) for d in deliveries] == [
        ("settlement", 200), ("settlement", 200), ("pending", 200)
    ]  # fmt: skip
    assert served.qris.get(intent.order_id, USER).state is IntentState.PAID
    assert [c["amount"] for c in served.credits(USER)] == [BILL]
    assert served.service.get(tx.ref_id, USER).state is TxState.SUCCESS
    assert served.biller.pay_requests == {tx.ref_id: 1}


async def test_forged_unknown_and_malformed_change_nothing(served):
    tx = await served.service.inquire(USER, "TELKOMPSTN", "02112345678")
    intent = await served.qris.pay_bill(USER, tx.ref_id)
    before = snapshot(served.db)
    forged = signed(intent.order_id)
    forged["signature_key"] = signature(intent.order_id, "200", f"{BILL}.00", "SB-Mid-server-guess")
    assert (await post(served.url, forged)).status_code == 401
    tampered = {**signed(intent.order_id), "gross_amount": "1.00"}
    assert (await post(served.url, tampered)).status_code == 401
    assert (await post(served.url, signed("LQ-never-made"))).status_code == 404
    assert (await post(served.url, b"{not json")).status_code == 400
    assert (await post(served.url, [1, 2])).status_code == 400
    assert (await post(served.url, {"order_id": intent.order_id})).status_code == 400
    assert (await post(served.url, json.dumps(signed(intent.order_id, pad="x" * 70_000)))).status_code == 413
    async with httpx.AsyncClient(trust_env=False) as client:
        assert (await client.get(served.url)).status_code == 405
    assert snapshot(served.db) == before
    assert served.sandbox.status_requests[intent.order_id] == 0


async def test_runner_serves_the_endpoint_beside_polling_and_stops_it(tmp_path):
    settings = make_settings(tmp_path, PAYMENT_GATEWAY="sandbox", HTTP_PORT="0")
    runner = BotRunner(settings, request=FakeBotAPI())
    await runner.start()
    try:
        http = runner.money_in.http
        assert http is not None and http.port > 0
        money = runner.money_in.money
        intent = await money.qris.top_up(USER, 50_000)
        simulator = runner.money_in.gateway.simulator
        assert simulator.notify_url == f"{http.url}{NOTIFY_PATH}"
        await simulator.pay(intent.order_id)
        assert simulator.orders[intent.order_id].deliveries[0]["http_status"] == 200
        assert runner.service.balance(USER) == 50_000
        url = f"{http.url}{NOTIFY_PATH}"
    finally:
        await runner.stop()
    with pytest.raises(httpx.ConnectError):
        await post(url, {})


async def test_no_gateway_no_server(tmp_path):
    runner = BotRunner(make_settings(tmp_path), request=FakeBotAPI())
    await runner.start()
    try:
        assert runner.money_in.http is None and runner.money_in.money.qris.gateway is None
    finally:
        await runner.stop()


def test_a_taken_port_stops_the_start_in_one_line(tmp_path, capsys):
    from bot.telegram.app import run_bot

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = make_settings(tmp_path, PAYMENT_GATEWAY="sandbox", HTTP_PORT=str(port))
        code = run_bot(settings)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"Cannot listen on 127.0.0.1:{port} (HTTP_LISTEN, HTTP_PORT)") and "\n" not in err


async def test_stopping_lets_a_bill_being_paid_finish_and_its_receipt_go_out(tmp_path, caplog):
    """SIGTERM right after a QR was paid: the bill's payment (slow biller) finishes and its
    receipt is sent before Telegram is shut down, never 'observer failed' on a closed bot."""
    from bot.billers import make_biller

    settings = make_settings(tmp_path, PAYMENT_GATEWAY="sandbox", HTTP_PORT="0")
    inner = make_biller(settings)

    class SlowPay:
        name = inner.name

        def __getattr__(self, attr):
            return getattr(inner, attr)

        async def pay(self, bill):
            await asyncio.sleep(1.0)
            return await inner.pay(bill)

    class ClosingAPI(FakeBotAPI):  # like PTB's HTTPXRequest: nothing goes out once shut down
        closed = False

        async def shutdown(self) -> None:
            self.closed = True

        async def do_request(self, url, method, request_data=None, *args, **kwargs):
            if self.closed:
                raise RuntimeError("This HTTPXRequest is not initialized!")
            return await super().do_request(url, method, request_data, *args, **kwargs)

    api = ClosingAPI()
    runner = BotRunner(settings, biller=SlowPay(), request=api)  # type: ignore[arg-type]
    await runner.start()
    try:
        tx = await runner.service.inquire(USER, "PLNPOSTPAID", "530000000000")
        runner.service.set_notify(tx.ref_id, {"chat_id": USER, "lang": "id"})
        money = runner.money_in.money
        intent = await money.qris.pay_bill(USER, tx.ref_id)
        await runner.money_in.gateway.simulator.pay(intent.order_id)  # notified; the bill is being paid
    finally:
        await runner.stop()
        await inner.aclose()
    import sqlite3

    with sqlite3.connect(settings.database_path) as db:  # the runner closed its connection
        state = db.execute("SELECT state FROM transactions WHERE ref_id = ?", [tx.ref_id]).fetchone()[0]
    assert state == "SUCCESS"
    assert any("STRUK" in call.params.get("text", "") for call in api.sent("sendMessage", USER))
    assert "observer failed" not in caplog.text
