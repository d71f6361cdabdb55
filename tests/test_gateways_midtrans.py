"""The Midtrans Core API QRIS client against respx doubles: requests, answers, every fault, the signature."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import UTC, datetime

import httpx
import pytest
import respx

from bot.gateways.base import (
    BadNotification,
    BadSignature,
    ChargeRefused,
    ChargeUnclear,
    GatewayOutcome,
)
from bot.gateways.midtrans import MidtransClient, idempotency_key, midtrans_time, outcome_of, rupiah

BASE = "https://api.sandbox.midtrans.com"
KEY = "SB-Mid-server-TestKey123456"
ORDER = "LQ260301030000ABCDEFGH"

CHARGE_OK = {
    "status_code": "201",
    "status_message": "QRIS transaction is created",
    "transaction_id": "0d8178e1-c6c7-4ab4-81a6-893be9d924ab",
    "order_id": ORDER,
    "merchant_id": "M099098",
    "gross_amount": "152500.00",
    "currency": "IDR",
    "payment_type": "qris",
    "transaction_time": "2026-03-01 10:00:00",
    "transaction_status": "pending",
    "fraud_status": "accept",
    "acquirer": "gopay",
    "actions": [
        {"name": "generate-qr-code", "method": "GET", "url": "https://api.midtrans.com/v2/qris/0d81/qr-code"},
        {
            "name": "generate-qr-code-v2",
            "method": "GET",
            "url": "https://api.midtrans.com/v4/qris/A1/qr-code",
        },
    ],
    "qr_string": "00020101021226610014COM.GO-JEK.WWW6304ABCD",
    "expiry_time": "2026-03-01 10:15:00",
}


def by_hand(order_id: str, status_code: str, gross_amount: str, key: str = KEY) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{key}".encode()).hexdigest()


def status_body(status: str, code: str = "200", gross: str = "152500.00", **extra) -> dict:
    return {
        "order_id": ORDER,
        "transaction_id": "0d8178e1",
        "transaction_status": status,
        "status_code": code,
        "gross_amount": gross,
        "currency": "IDR",
        "fraud_status": "accept",
        **extra,
    }


@pytest.fixture
def client():
    return MidtransClient(server_key=KEY, base_url=BASE, public_url="https://loket.example.id/")


async def test_charge_sends_qris_basic_auth_idempotency_key_and_notification_url(client):
    with respx.mock:
        route = respx.post(f"{BASE}/v2/charge").mock(return_value=httpx.Response(200, json=CHARGE_OK))
        charge = await client.charge(ORDER, 152_500, 15)
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert request.headers["Idempotency-Key"] == idempotency_key(ORDER) and len(idempotency_key(ORDER)) <= 46
    assert request.headers["X-Override-Notification"] == "https://loket.example.id/payments/midtrans/notify"
    assert request.headers["Accept"] == "application/json"
    body = json.loads(request.content)
    assert body["payment_type"] == "qris"
    assert body["transaction_details"] == {"order_id": ORDER, "gross_amount": 152_500}
    assert isinstance(body["transaction_details"]["gross_amount"], int)
    assert body["custom_expiry"] == {"expiry_duration": 15, "unit": "minute"}
    assert charge.gross_amount == 152_500 and charge.order_id == ORDER
    assert charge.qr_string == CHARGE_OK["qr_string"]
    assert charge.qr_url == "https://api.midtrans.com/v2/qris/0d81/qr-code"
    assert charge.expires_at == datetime(2026, 3, 1, 3, 15, tzinfo=UTC)  # 10:15 WIB
    assert charge.gateway_ref == CHARGE_OK["transaction_id"]


async def test_without_public_url_no_notification_header_and_the_same_key_on_a_retry():
    client = MidtransClient(server_key=KEY, base_url=BASE)
    with respx.mock:
        route = respx.post(f"{BASE}/v2/charge").mock(return_value=httpx.Response(200, json=CHARGE_OK))
        await client.charge(ORDER, 152_500, 15)
        await client.charge(ORDER, 152_500, 15)
    first, second = (call.request for call in route.calls)
    assert "X-Override-Notification" not in first.headers
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


async def test_charge_without_expiry_time_counts_from_the_transaction_time(client):
    answer = {k: v for k, v in CHARGE_OK.items() if k not in {"expiry_time", "qr_string"}}
    with respx.mock:
        respx.post(f"{BASE}/v2/charge").mock(return_value=httpx.Response(200, json=answer))
        charge = await client.charge(ORDER, 152_500, 15)
    assert charge.expires_at == datetime(2026, 3, 1, 3, 15, tzinfo=UTC)
    assert charge.qr_string == "" and charge.qr_url.endswith("/v2/qris/0d81/qr-code")  # the fallback


@pytest.mark.parametrize(
    ("http", "body"),
    [
        (400, {"status_code": "400", "status_message": "Validation Error"}),
        (200, {"status_code": "402", "status_message": "Payment channel is not activated."}),
        (200, {"status_code": "401", "status_message": "Unknown Merchant server_key/id"}),
        (200, {"status_code": "410", "status_message": "Merchant is disabled"}),
        (401, "not json"),
    ],
)
async def test_a_definite_no_is_refused(client, http, body):
    with respx.mock:
        kwargs = {"json": body} if isinstance(body, dict) else {"text": body}
        respx.post(f"{BASE}/v2/charge").mock(return_value=httpx.Response(http, **kwargs))
        with pytest.raises(ChargeRefused):
            await client.charge(ORDER, 152_500, 15)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"status_code": "500", "status_message": "Internal Server Error"}),
        httpx.Response(503, text="<html>down</html>"),
        httpx.Response(202, json={"status_code": "202"}),  # the same key still being processed
        httpx.Response(200, json={"status_code": "406", "status_message": "duplicate order ID"}),
        httpx.Response(200, text="{broken"),
        httpx.Response(200, json={**CHARGE_OK, "gross_amount": "152500.50"}),
        httpx.Response(200, json={**CHARGE_OK, "gross_amount": "99.00"}),
        httpx.Response(200, json={**CHARGE_OK, "order_id": "LQ-another-order"}),
        httpx.TimeoutException("read timeout"),
        httpx.ConnectError("connection reset"),
    ],
)
async def test_anything_that_may_have_made_a_qr_is_unclear(client, answer):
    with respx.mock:
        route = respx.post(f"{BASE}/v2/charge")
        if isinstance(answer, Exception):
            route.mock(side_effect=answer)
        else:
            route.mock(return_value=answer)
        with pytest.raises(ChargeUnclear):
            await client.charge(ORDER, 152_500, 15)


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
async def test_a_bad_amount_never_leaves(client, amount):
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{BASE}/v2/charge")
        with pytest.raises(ChargeRefused):
            await client.charge(ORDER, amount, 15)
        assert not route.called


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        (status_body("pending", "201"), GatewayOutcome.PENDING),
        (status_body("settlement"), GatewayOutcome.PAID),
        (status_body("capture"), GatewayOutcome.PAID),
        (status_body("settlement", fraud_status="challenge"), GatewayOutcome.PENDING),
        (status_body("capture", fraud_status="deny"), GatewayOutcome.FAILED),
        (status_body("deny", "202"), GatewayOutcome.FAILED),
        (status_body("cancel"), GatewayOutcome.CANCELLED),
        (status_body("expire", "202"), GatewayOutcome.EXPIRED),
        (status_body("failure", "202"), GatewayOutcome.FAILED),
        (status_body("refund"), GatewayOutcome.REFUNDED),
        (status_body("partial_refund", refund_amount="5000.00"), GatewayOutcome.REFUNDED),
        (status_body("PENDING", "201"), GatewayOutcome.PENDING),  # DANA's sample is upper case
        (status_body("something_new"), GatewayOutcome.UNKNOWN),
        ({"status_code": "404", "status_message": "Transaction doesn't exist."}, GatewayOutcome.NOT_FOUND),
    ],
)
async def test_status_words_map_to_neutral_outcomes(client, body, outcome):
    with respx.mock:
        route = respx.get(f"{BASE}/v2/{ORDER}/status").mock(return_value=httpx.Response(200, json=body))
        answer = await client.status(ORDER)
    assert answer.outcome is outcome
    assert route.calls.last.request.headers["Authorization"].startswith("Basic ")
    assert outcome_of(body) is outcome


async def test_status_amounts_are_parsed_exactly():
    assert rupiah("152500.00") == 152_500 and rupiah("5539.00") == 5539 and rupiah(10_000) == 10_000
    assert (
        rupiah("152500.50") is None and rupiah("") is None and rupiah(None) is None and rupiah(True) is None
    )
    assert rupiah("1e3") == 1000 and rupiah("99999999999999999999.00") == 99999999999999999999
    client = MidtransClient(server_key=KEY, base_url=BASE)
    with respx.mock:
        respx.get(f"{BASE}/v2/{ORDER}/status").mock(
            return_value=httpx.Response(200, json=status_body("settlement", gross="152500.01"))
        )
        answer = await client.status(ORDER)
    assert answer.outcome is GatewayOutcome.PAID and answer.gross_amount is None  # not whole: no amount


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, text="oops"),
        httpx.Response(503, json={"status_code": "503"}),
        httpx.Response(200, json={"status_code": "500", "status_message": "Internal"}),
        httpx.Response(200, text="<html>"),
        httpx.TimeoutException("t"),
        httpx.Response(200, json=status_body("settlement") | {"order_id": "LQ-someone-else"}),
    ],
)
async def test_status_trouble_is_unknown_never_raised(client, answer):
    with respx.mock:
        route = respx.get(f"{BASE}/v2/{ORDER}/status")
        route.mock(side_effect=answer) if isinstance(answer, Exception) else route.mock(return_value=answer)
        status = await client.status(ORDER)
    assert status.outcome is GatewayOutcome.UNKNOWN


async def test_cancel_posts_to_the_order(client):
    with respx.mock:
        route = respx.post(f"{BASE}/v2/{ORDER}/cancel").mock(
            return_value=httpx.Response(200, json=status_body("cancel"))
        )
        answer = await client.cancel(ORDER)
    assert route.called and answer.outcome is GatewayOutcome.CANCELLED


def test_notification_signature_computed_by_hand():
    client = MidtransClient(server_key=KEY, base_url=BASE)
    note = status_body("settlement")
    note["signature_key"] = by_hand(ORDER, "200", "152500.00")
    assert client.verify(note).order_id == ORDER
    for forged in (
        {**note, "gross_amount": "1525000.00"},  # amount changed after signing
        {**note, "status_code": "201"},
        {**note, "order_id": ORDER + "X"},
        {**note, "signature_key": by_hand(ORDER, "200", "152500.00", key="SB-Mid-server-other")},
        {
            **note,
            "signature_key": by_hand(ORDER, "200", "152500", key=KEY),
        },  # gross as a number: not as received
        {**note, "signature_key": "0" * 128},
    ):
        with pytest.raises(BadSignature):
            client.verify(forged)
    for broken in (
        {**note, "signature_key": None},
        {k: v for k, v in note.items() if k != "order_id"},
        [],
        "x",
    ):
        with pytest.raises(BadNotification):
            client.verify(broken)


def test_times_are_wib():
    assert midtrans_time("2026-03-01 07:00:00") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert midtrans_time("") is None and midtrans_time("yesterday") is None and midtrans_time(None) is None


async def test_the_server_key_is_never_logged_or_shown(client, caplog):
    caplog.set_level(logging.DEBUG)
    with respx.mock:
        respx.post(f"{BASE}/v2/charge").mock(side_effect=httpx.ConnectError("reset"))
        respx.get(f"{BASE}/v2/{ORDER}/status").mock(side_effect=httpx.ConnectError("reset"))
        with pytest.raises(ChargeUnclear) as unclear:
            await client.charge(ORDER, 152_500, 15)
        await client.status(ORDER)
    with pytest.raises(BadSignature) as bad:
        client.verify({**status_body("settlement"), "signature_key": "f" * 128})
    assert KEY not in caplog.text and KEY not in str(unclear.value) and KEY not in str(bad.value)
    assert KEY not in repr(client)
