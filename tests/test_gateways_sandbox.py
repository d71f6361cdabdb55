"""The gateway sandbox speaks Midtrans to the real client: in-process and on a port."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from bot.config import Settings
from bot.gateways import make_gateway
from bot.gateways.base import ChargeUnclear, GatewayOutcome
from bot.gateways.midtrans import MidtransClient
from bot.gateways.sandbox import (
    SANDBOX_GATEWAY_URL,
    SANDBOX_SERVER_KEY,
    GatewaySandboxServer,
    MidtransSandbox,
)
from bot.gateways.sandbox_orders import SandboxRefused, _crc16
from tests.core_fakes import Clock

ORDER = "LQ260301030000SANDBOX1"


def by_hand(note: dict, key: str = SANDBOX_SERVER_KEY) -> str:
    return hashlib.sha512(
        f"{note['order_id']}{note['status_code']}{note['gross_amount']}{key}".encode()
    ).hexdigest()


class Inbox:
    """Where the sandbox delivers notifications in these tests."""

    def __init__(self, answer: int = 200) -> None:
        self.received: list[tuple[str, dict]] = []
        self.answer = answer

    async def __call__(self, url: str, payload: dict) -> int:
        self.received.append((url, payload))
        return self.answer

    def statuses(self) -> list[str]:
        return [payload["transaction_status"] for _, payload in self.received]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def inbox():
    return Inbox()


@pytest.fixture
def sandbox(clock, inbox):
    return MidtransSandbox(
        clock=clock, sender=inbox, notify_url="http://127.0.0.1:1/payments/midtrans/notify"
    )


@pytest.fixture
def client(sandbox):
    return MidtransClient(
        server_key=SANDBOX_SERVER_KEY,
        base_url=SANDBOX_GATEWAY_URL,
        public_url="https://loket.example.id",
        transport=sandbox.transport(),
        name="sandbox",
    )


async def test_charge_pay_and_notify_signed_like_midtrans(sandbox, client, inbox, clock):
    charge = await client.charge(ORDER, 152_500, 15)
    assert charge.gross_amount == 152_500 and charge.expires_at == clock.now.replace(minute=15)
    assert charge.qr_string.startswith("000201010212") and "5406152500" in charge.qr_string
    assert charge.qr_string[-4:] == _crc16(charge.qr_string[:-4])  # a well-formed EMV payload
    assert (await client.status(ORDER)).outcome is GatewayOutcome.PENDING

    await sandbox.pay(ORDER)
    status = await client.status(ORDER)
    assert (status.outcome, status.gross_amount, status.currency) == (GatewayOutcome.PAID, 152_500, "IDR")
    assert status.raw["gross_amount"] == "152500.00" and status.raw["status_code"] == "200"
    [(url, note)] = inbox.received
    assert url == "https://loket.example.id/payments/midtrans/notify"  # X-Override-Notification
    assert note["signature_key"] == by_hand(note)
    assert client.verify(note).order_id == ORDER


async def test_the_same_idempotency_key_gets_the_first_answer_and_a_new_key_a_406(sandbox, client):
    first = await client.charge(ORDER, 10_000, 15)
    again = await client.charge(ORDER, 10_000, 15)
    assert again.gateway_ref == first.gateway_ref and len(sandbox.orders) == 1
    other = MidtransClient(
        server_key=SANDBOX_SERVER_KEY, base_url=SANDBOX_GATEWAY_URL, transport=sandbox.transport()
    )
    sandbox._idempotent.clear()  # as after Midtrans's 5 minutes
    with pytest.raises(ChargeUnclear):
        await other.charge(ORDER, 10_000, 15)
    assert sandbox.charge_requests[ORDER] == 2  # the idempotent replay never reached the order book


async def test_a_wrong_key_is_401_and_an_unknown_order_404(sandbox):
    stranger = MidtransClient(server_key="SB-Mid-server-wrong", base_url=SANDBOX_GATEWAY_URL,
                              transport=sandbox.transport())  # fmt: skip
    with pytest.raises(Exception, match="401"):
        await stranger.charge(ORDER, 10_000, 15)
    client = MidtransClient(server_key=SANDBOX_SERVER_KEY, base_url=SANDBOX_GATEWAY_URL,
                            transport=sandbox.transport())  # fmt: skip
    assert (await client.status("LQ-nobody")).outcome is GatewayOutcome.NOT_FOUND


async def test_expiry_late_payment_and_cancel(sandbox, client, clock, inbox):
    await client.charge(ORDER, 50_000, 15)
    clock.advance(15 * 60)
    assert (await client.status(ORDER)).outcome is GatewayOutcome.EXPIRED  # on the next look
    with pytest.raises(SandboxRefused):
        await sandbox.pay(ORDER)
    await sandbox.pay(ORDER, late=True)
    assert (await client.status(ORDER)).outcome is GatewayOutcome.PAID
    assert inbox.statuses() == ["settlement"]

    await client.charge("LQ-second", 50_000, 15)
    assert (await client.cancel("LQ-second")).outcome is GatewayOutcome.CANCELLED
    refused = await client.cancel("LQ-second")  # cannot modify: a 412, read as nothing known
    assert refused.outcome is not GatewayOutcome.PAID and refused.status_code == "412"
    assert inbox.statuses()[-1] == "cancel"


async def test_notifications_twice_out_of_order_none_and_resent(sandbox, client, inbox):
    await client.charge(ORDER, 20_000, 15)
    await sandbox.pay(ORDER, notify="reversed")
    assert inbox.statuses() == ["settlement", "pending"]  # the stale one last
    pending = inbox.received[1][1]
    assert pending["status_code"] == "201" and pending["signature_key"] == by_hand(pending)
    await sandbox.notify(ORDER, times=2)
    assert inbox.statuses()[2:] == ["settlement", "settlement"]
    await client.charge("LQ-quiet", 20_000, 15)
    await sandbox.pay("LQ-quiet", notify="none")
    assert len(inbox.received) == 4 and (await client.status("LQ-quiet")).outcome is GatewayOutcome.PAID
    await sandbox.pay("LQ-quiet")  # paid again: its settlement is repeated, nothing else
    assert inbox.statuses()[-1] == "settlement" and sandbox.orders["LQ-quiet"].status == "settlement"


async def test_reversals_and_a_tampered_amount(sandbox, client):
    await client.charge(ORDER, 30_000, 15)
    await sandbox.pay(ORDER)
    await sandbox.refund(ORDER, 10_000)
    partial = await client.status(ORDER)
    assert (partial.outcome, partial.refund_amount, partial.status) == (
        GatewayOutcome.REFUNDED,
        10_000,
        "partial_refund",
    )
    await client.charge("LQ-deny", 30_000, 15)
    await sandbox.pay("LQ-deny")
    await sandbox.deny("LQ-deny")
    assert (await client.status("LQ-deny")).outcome is GatewayOutcome.FAILED
    await client.charge("LQ-tamper", 30_000, 15)
    sandbox.report_amount("LQ-tamper", "3000.00")
    await sandbox.pay("LQ-tamper")
    assert (await client.status("LQ-tamper")).gross_amount == 3000


async def test_tick_expires_and_notifies(sandbox, client, clock, inbox):
    await client.charge(ORDER, 20_000, 1)
    assert await sandbox.tick() == 0
    clock.advance(61)
    assert await sandbox.tick() == 1 and inbox.statuses() == ["expire"]


def test_make_gateway_follows_the_settings():
    assert make_gateway(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    sandbox = make_gateway(Settings(_env_file=None, PAYMENT_GATEWAY="sandbox"))  # type: ignore[call-arg]
    assert sandbox is not None and sandbox.name == "sandbox" and sandbox.simulator is not None
    served = make_gateway(
        Settings(_env_file=None, PAYMENT_GATEWAY="sandbox", GATEWAY_SANDBOX_URL="http://127.0.0.1:9")  # type: ignore[call-arg]
    )
    assert served is not None and served.simulator is None
    real = make_gateway(
        Settings(_env_file=None, PAYMENT_GATEWAY="midtrans", MIDTRANS_SERVER_KEY="SB-Mid-server-x")  # type: ignore[call-arg]
    )
    assert real is not None and real.name == "midtrans-sandbox" and real.simulator is None  # an SB- key
    production = make_gateway(
        Settings(_env_file=None, PAYMENT_GATEWAY="midtrans", MIDTRANS_SERVER_KEY="Mid-server-x",  # type: ignore[call-arg]
                 MIDTRANS_BASE_URL="https://api.midtrans.com", ALLOW_SANDBOX_MIX="true")
    )  # fmt: skip
    assert production is not None and production.name == "midtrans"


@pytest.mark.e2e
async def test_on_a_port_with_controls_and_the_qr_image(inbox):
    server = GatewaySandboxServer(MidtransSandbox(sender=inbox))
    await server.start()
    try:
        client = MidtransClient(
            server_key=SANDBOX_SERVER_KEY, base_url=server.url, public_url="http://127.0.0.1:9"
        )
        charge = await client.charge(ORDER, 75_000, 15)
        assert charge.qr_url.startswith(server.url)
        async with httpx.AsyncClient(trust_env=False) as http:
            image = await http.get(charge.qr_url)
            assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
            paid = await http.post(f"{server.url}/_sandbox/pay-qr", json={"qr_string": charge.qr_string})
            assert paid.status_code == 200 and paid.json()["transaction_status"] == "settlement"
            again = await http.post(
                f"{server.url}/_sandbox/orders/{ORDER}/notify", json={"status": "pending"}
            )
            assert again.status_code == 200
            missing = await http.post(f"{server.url}/_sandbox/orders/LQ-none/pay")
            assert missing.status_code == 404
            listed = (await http.get(f"{server.url}/_sandbox/orders")).json()["orders"]
            assert [o["status"] for o in listed] == ["settlement"]
            assert (await http.get(f"{server.url}/_sandbox/charges")).json() == {ORDER: 1}
        assert (await client.status(ORDER)).outcome is GatewayOutcome.PAID
        assert inbox.statuses() == ["settlement", "pending"]
        await client.aclose()
    finally:
        await server.stop()
