"""The Ayoconnect v2 client against respx doubles: JWT by hand, code ranges, faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
import respx

from bot.billers import make_biller
from bot.billers.ayoconnect import AyoconnectClient
from bot.billers.base import Bill, InquiryError, Outcome, Reason
from bot.billers.catalog import ayoconnect_catalog
from bot.billers.money import MAX_RUPIAH
from bot.config import Settings
from bot.payments.models import TxState
from bot.payments.service import PaymentService
from bot.telegram.render import receipt_text
from tests.core_fakes import ADMIN, USER, make_service

BASE = "https://ayo.test"
# the partner's codes, as AYOCONNECT_PRODUCT_CODES or its product list would give them
CODES = {
    "TELKOMPSTN": "AYO_INDIHOME", "TVTLKMV": "AYO_TRANSVISION", "TVBIG": "AYO_BIGTV",
    "HPTHREE": "AYO_TRI_POSTPAID", "HPTSEL": "AYO_TELKOMSEL_HALO", "PLNPOSTPAID": "LSTPPPOG",
    "BPJS": "AYO_BPJS_KESEHATAN", "PGAS": "AYO_PGN", "CBN": "AYO_CBN",
    "PDAMKOTA.SURABAYA": "AYO_PDAM_SURABAYA",
    "PDAMKOTA.MEDAN": "AYO_PDAM_MEDAN", "AETRA": "AYO_AETRA",
}  # fmt: skip
PARTNER, SECRET = "partner-123", "ayo-secret-0123456789abcdef0123456789"
F, P, S = Outcome.FAILED, Outcome.PENDING, Outcome.SUCCESS

PAYMENT_TABLE = {
    0: (S, Reason.OK), 4: (S, Reason.OK), 99: (S, Reason.OK),
    100: (F, Reason.BILLER_DOWN), 101: (F, Reason.BILLER_DOWN), 102: (P, Reason.IN_PROCESS),
    103: (F, Reason.WRONG_NUMBER), 104: (F, Reason.PAYMENT_FAILED), 105: (F, Reason.BLOCKED),
    106: (F, Reason.LIMIT_EXCEEDED), 107: (F, Reason.BLOCKED), 108: (P, Reason.IN_PROCESS),
    109: (F, Reason.BILLER_DOWN), 110: (F, Reason.BILLER_DOWN), 111: (F, Reason.LIMIT_EXCEEDED),
    114: (F, Reason.PAYMENT_FAILED), 150: (F, Reason.PAYMENT_FAILED), 180: (F, Reason.BILLER_DOWN),
    183: (F, Reason.PAYMENT_FAILED), 185: (F, Reason.INQUIRY_EXPIRED), 186: (F, Reason.CONFIG_ERROR),
    188: (P, Reason.UNKNOWN), 198: (F, Reason.PAYMENT_FAILED), 199: (F, Reason.PAYMENT_FAILED),
    200: (P, Reason.IN_PROCESS), 299: (P, Reason.IN_PROCESS), 312: (F, Reason.INQUIRY_EXPIRED),
    313: (F, Reason.INQUIRY_EXPIRED), 401: (P, Reason.UNKNOWN), 402: (P, Reason.UNKNOWN),
    490: (P, Reason.UNKNOWN), 495: (P, Reason.UNKNOWN), 500: (P, Reason.UNKNOWN), -1: (P, Reason.UNKNOWN),
    300: (P, Reason.UNKNOWN), 304: (F, Reason.WRONG_NUMBER), 321: (F, Reason.CONFIG_ERROR),
    399: (F, Reason.BILLER_DOWN),
}  # fmt: skip
# On status only 0–99 and 100–199 (and 312/313, §11.2) are final; other 3xx are about the
# status request (§13.4 "anything else … stay PENDING").
STATUS_TABLE = {
    **PAYMENT_TABLE, 188: (P, Reason.NO_PAYMENT_RECORD), 304: (P, Reason.WRONG_NUMBER),
    321: (P, Reason.CONFIG_ERROR), 399: (P, Reason.BILLER_DOWN),
}  # fmt: skip
INQUIRY_TABLE = {
    112: Reason.BLOCKED, 181: Reason.BILLER_DOWN, 184: Reason.BILLER_DOWN, 301: Reason.LIMIT_EXCEEDED,
    302: Reason.ALREADY_PAID, 303: Reason.BILL_NOT_AVAILABLE, 304: Reason.WRONG_NUMBER,
    305: Reason.BILLER_DOWN, 306: Reason.WRONG_NUMBER, 307: Reason.WRONG_NUMBER, 308: Reason.WRONG_NUMBER,
    309: Reason.ALREADY_PAID, 310: Reason.BILLER_DOWN, 311: Reason.BILLER_DOWN, 312: Reason.INQUIRY_EXPIRED,
    313: Reason.INQUIRY_EXPIRED, 314: Reason.PAYMENT_FAILED, 315: Reason.LIMIT_EXCEEDED,
    316: Reason.BILLER_DOWN, 317: Reason.BILLER_DOWN, 318: Reason.CONFIG_ERROR, 319: Reason.BILLER_DOWN,
    320: Reason.PAY_AT_COUNTER, 321: Reason.CONFIG_ERROR, 322: Reason.CONFIG_ERROR, 323: Reason.BILLER_DOWN,
    324: Reason.PAY_AT_COUNTER, 330: Reason.LIMIT_EXCEEDED, 341: Reason.CONFIG_ERROR, 364: Reason.BILLER_DOWN,
    399: Reason.BILLER_DOWN, 350: Reason.BILLER_DOWN, 401: Reason.CONFIG_ERROR, 409: Reason.INQUIRY_EXPIRED,
    299: Reason.UNKNOWN,
}  # fmt: skip

INQUIRY_OK = {
    "responseCode": 300, "success": True,
    "message": {"ID": "Inkuiri berhasil", "EN": "Inquiry is successful"},
    "data": {
        "inquiryId": 4589282, "accountNumber": "0215551234", "customerName": "BUDI SANTOSO",
        "productName": "IndiHome", "productCode": "AYO_INDIHOME", "category": "Internet dan TV Kabel",
        "amount": 747250, "totalAdmin": 2500, "processingFee": 0, "validity": "",
        "customerDetails": [{"key": "Nama Pelanggan", "value": "BUDI SANTOSO"}],
        "billDetails": [
            {"billId": "1", "billInfo": [{"key": "Periode", "value": "Agustus 2022"}], "key": "Tagihan",
             "value": 744750},
            {"billId": "0", "billInfo": [], "key": "Biaya Administrasi", "value": 2500},
        ],
        "productDetails": [], "extraFields": [],
    },
}  # fmt: skip


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(token: str, secret: str) -> dict:
    """HS256 checked by hand: header, payload, HMAC-SHA256 signature, base64url without padding."""
    header, payload, signature = token.split(".")
    assert json.loads(b64url_decode(header)) == {"alg": "HS256", "typ": "JWT"}
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(expected).decode().rstrip("=")
    assert "=" not in token
    return json.loads(b64url_decode(payload))


@pytest.fixture
async def client():
    c = AyoconnectClient(
        partner_id=PARTNER, api_secret=SECRET, base_url=BASE, timeout=2, products=ayoconnect_catalog(CODES)
    )
    yield c
    await c.aclose()


@pytest.fixture
def bill() -> Bill:
    return Bill(
        provider="ayoconnect", ref_id="LK0001", product_code="TELKOMPSTN", customer_number="123223345",
        customer_name="BUDI SANTOSO", nominal=744750, admin=2500, total=747250, provider_ref="4589282",
    )  # fmt: skip


def answer(code: int, **data: object) -> dict:
    return {"responseCode": code, "success": code < 100, "message": {"ID": "x", "EN": "x"}, "data": data}


async def test_inquiry_request_headers_jwt_and_empty_body(client: AyoconnectClient) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/check").mock(
            return_value=httpx.Response(200, json=INQUIRY_OK)
        )
        bill = await client.inquire(client.product("TELKOMPSTN"), "0215551234", "LK0001")
    request = route.calls[0].request
    assert request.content == b""
    assert request.headers["KEY"] == PARTNER and request.headers["VERSION"] == "2.0"
    assert request.headers["content-type"] == "application/json"
    assert verify_jwt(request.headers["TOKEN"], SECRET) == {
        "partnerId": PARTNER, "accountNumber": "0215551234", "productCode": "AYO_INDIHOME",
    }  # fmt: skip
    assert (bill.provider_ref, bill.total, bill.admin, bill.nominal) == ("4589282", 747250, 2500, 744750)
    assert bill.customer_name == "BUDI SANTOSO" and bill.periods == ["Agustus 2022"]
    assert [line.amount for line in bill.lines] == [744750]


async def test_bpjs_inquiry_sends_month(client: AyoconnectClient) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/check").mock(
            return_value=httpx.Response(200, json=answer(303))
        )
        with pytest.raises(InquiryError):
            await client.inquire(client.product("BPJS"), "8801234560000", "LK2")
        with pytest.raises(InquiryError):
            await client.inquire(client.product("BPJS"), "8801234560000", "LK3", months=6)
    sent = [verify_jwt(call.request.headers["TOKEN"], SECRET) for call in route.calls]
    assert [claims["month"] for claims in sent] == [1, 6]


async def test_payment_sends_inquiry_amount_ref_and_inquiry_id(client: AyoconnectClient, bill: Bill) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/payment").mock(
            return_value=httpx.Response(
                200, json=answer(299, transactionId=220974, token="N/A", amount=747250)
            )
        )
        result = await client.pay(bill)
    assert route.calls[0].request.content == b""
    assert verify_jwt(route.calls[0].request.headers["TOKEN"], SECRET) == {
        "partnerId": PARTNER, "accountNumber": "123223345", "productCode": "AYO_INDIHOME",
        "inquiryId": 4589282, "amount": 747250, "refNumber": "LK0001",
    }  # fmt: skip
    assert (result.outcome, result.provider_txn_id, result.biller_ref) == (P, "220974", "")


async def test_status_is_looked_up_by_ref_number(client: AyoconnectClient, bill: Bill) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/status").mock(
            return_value=httpx.Response(200, json=answer(0, token="205A", amount="747250", transactionId=1))
        )
        result = await client.check_status(bill)
    assert verify_jwt(route.calls[0].request.headers["TOKEN"], SECRET) == {
        "partnerId": PARTNER,
        "refNumber": "LK0001",
    }
    assert (result.outcome, result.biller_ref, result.amount) == (S, "205A", 747250)


@pytest.mark.parametrize(("code", "expected"), PAYMENT_TABLE.items(), ids=[str(c) for c in PAYMENT_TABLE])
async def test_payment_code_table(client: AyoconnectClient, bill: Bill, code: int, expected: tuple) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/payment").mock(return_value=httpx.Response(200, json=answer(code)))
        result = await client.pay(bill)
    assert (result.outcome, result.reason, result.provider_code) == (*expected, str(code))


@pytest.mark.parametrize(("code", "expected"), STATUS_TABLE.items(), ids=[str(c) for c in STATUS_TABLE])
async def test_status_code_table(client: AyoconnectClient, bill: Bill, code: int, expected: tuple) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/status").mock(return_value=httpx.Response(200, json=answer(code)))
        result = await client.check_status(bill)
    assert (result.outcome, result.reason) == expected


@pytest.mark.parametrize(("code", "reason"), INQUIRY_TABLE.items(), ids=[str(c) for c in INQUIRY_TABLE])
async def test_inquiry_code_table(client: AyoconnectClient, code: int, reason: Reason) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(return_value=httpx.Response(200, json=answer(code)))
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("PLNPOSTPAID"), "516070377764", "LK3")
    assert (caught.value.reason, caught.value.provider_code) == (reason, str(code))


async def test_response_code_as_string_is_read(client: AyoconnectClient, bill: Bill) -> None:
    body = answer(0)
    body["responseCode"] = "0"
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/payment").mock(return_value=httpx.Response(200, json=body))
        assert (await client.pay(bill)).outcome is S


PAY_FAULTS = {
    "timeout": httpx.ReadTimeout("slow"),
    "connect-error": httpx.ConnectError("refused"),
    "502": httpx.Response(502, text="<html>Bad Gateway</html>"),
    "500-json-failed": httpx.Response(500, json=answer(100)),
    "500-json-success": httpx.Response(500, json=answer(0, refNumber="LK0001", token="T")),
    "502-json-success": httpx.Response(502, json=answer(4)),
    "404-json-success": httpx.Response(404, json=answer(0)),
    "empty": httpx.Response(200, text=""),
    "no-code": httpx.Response(200, json={"success": False, "data": {}}),
    "400-json-failed": httpx.Response(400, json=answer(104)),
    "401-json-failed": httpx.Response(401, json=answer(199)),
    "not-an-httpx-error": RuntimeError("transport bug"),
}


@pytest.mark.parametrize("fault", PAY_FAULTS.values(), ids=list(PAY_FAULTS))
async def test_pay_faults_are_pending(client: AyoconnectClient, bill: Bill, fault: object) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/payment")
        if isinstance(fault, Exception):
            route.mock(side_effect=fault)
        else:
            route.mock(return_value=fault)
        result = await client.pay(bill)
    assert result.outcome is P and route.call_count == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (httpx.ReadTimeout("slow"), Reason.TIMEOUT),
        (httpx.ConnectError("refused"), Reason.BILLER_DOWN),
        (httpx.Response(502, text="<html>Bad Gateway</html>"), Reason.BILLER_DOWN),
        (httpx.Response(200, text="<html>?</html>"), Reason.BAD_RESPONSE),
        (httpx.Response(200, json={"success": True, "data": {}}), Reason.BAD_RESPONSE),
        (httpx.Response(200, json={**INQUIRY_OK, "data": {**INQUIRY_OK["data"], "amount": 747250.5}}),
         Reason.BAD_RESPONSE),
    ],
)  # fmt: skip
async def test_inquiry_faults_are_typed(client: AyoconnectClient, fault: object, reason: Reason) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/check")
        if isinstance(fault, Exception):
            route.mock(side_effect=fault)
        else:
            route.mock(return_value=fault)
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("TELKOMPSTN"), "0215551234", "LK4")
    assert caught.value.reason is reason


async def test_status_faults_are_pending(client: AyoconnectClient, bill: Bill) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/status")
        for fault in (
            httpx.Response(503, json=answer(100)),
            httpx.Response(200, text="<html>"),
            httpx.Response(500, json=answer(0, token="T")),
        ):
            route.mock(return_value=fault)
            assert (await client.check_status(bill)).outcome is P


async def test_secret_and_token_never_in_errors_logs_or_results(
    client: AyoconnectClient, bill: Bill, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    with respx.mock:
        route = respx.post(url__startswith=BASE).mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("TELKOMPSTN"), "0215551234", "LK9")
        paid = await client.pay(bill)
        route.mock(return_value=httpx.Response(200, json=answer(100)))
        status = await client.check_status(bill)
    tokens = [call.request.headers["TOKEN"] for call in route.calls]
    texts = [
        str(caught.value),
        repr(caught.value),
        paid.model_dump_json(),
        status.model_dump_json(),
        caplog.text,
    ]
    texts.append(repr(client))
    for text in texts:
        assert SECRET not in text and not any(token in text for token in tokens)
        assert not any(token.rsplit(".", 1)[1] in text for token in tokens)


async def test_partner_products_faults_are_typed(client: AyoconnectClient) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/partner/products").mock(side_effect=httpx.ConnectError("down"))
        with pytest.raises(InquiryError):
            await client.partner_products()
        route.mock(return_value=httpx.Response(200, json={"responseCode": 401, "data": {}}))
        with pytest.raises(InquiryError) as caught:
            await client.partner_products()
    assert caught.value.reason is Reason.CONFIG_ERROR


async def test_deposit_via_balance(client: AyoconnectClient) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/partner/balance").mock(
            return_value=httpx.Response(
                200, json=answer(0, balance=1500000, currency="IDR", partnerId=PARTNER)
            )
        )
        assert await client.deposit() == 1500000
        route.mock(side_effect=httpx.ConnectError("down"))
        assert await client.deposit() is None
    assert verify_jwt(route.calls[0].request.headers["TOKEN"], SECRET) == {"partnerId": PARTNER}


async def test_partner_products(client: AyoconnectClient) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/partner/products").mock(
            return_value=httpx.Response(200, json={"responseCode": 0, "data": [{"code": "LSTPPPOG"}]})
        )
        assert await client.partner_products() == [{"code": "LSTPPPOG"}]


async def test_make_biller_builds_each_provider() -> None:
    ayo = make_biller(
        Settings(
            _env_file=None, BILLER="ayoconnect", AYOCONNECT_PARTNER_ID=PARTNER, AYOCONNECT_API_SECRET=SECRET
        )  # type: ignore[call-arg]
    )
    assert ayo.name == "ayoconnect" and ayo.product("hptsel").code == "HPTSEL"
    await ayo.aclose()
    iak = make_biller(Settings(_env_file=None, BILLER="iak", IAK_USERNAME="0812", IAK_API_KEY="k"))  # type: ignore[call-arg]
    assert iak.name == "iak"
    await iak.aclose()


async def test_inquiry_amounts_as_strings_and_doubles_become_whole_rupiah(client: AyoconnectClient) -> None:
    data = {**INQUIRY_OK["data"], "amount": "747250", "totalAdmin": 2500.0, "processingFee": "0.00"}
    data["billDetails"] = [{"billId": "1", "billInfo": [], "key": "Tagihan", "value": "744750"}]
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(
            return_value=httpx.Response(200, json={**INQUIRY_OK, "data": data})
        )
        bill = await client.inquire(client.product("TELKOMPSTN"), "0215551234", "LK5")
    assert (bill.total, bill.admin, bill.nominal, bill.lines[0].amount) == (747250, 2500, 744750, 744750)
    assert all(type(v) is int for v in (bill.total, bill.admin, bill.nominal, bill.lines[0].amount))


# -- amounts no wallet could hold, through the real core ------------------------------------------


@pytest.fixture
async def service(tmp_path, client: AyoconnectClient):
    svc = make_service(tmp_path / "loket.sqlite3", client)
    svc.top_up(ADMIN, USER, 5_000_000)
    yield svc
    await svc.stop()


def inquiry_with(**changes: object) -> dict:
    return {**INQUIRY_OK, "data": {**INQUIRY_OK["data"], **changes}}


@pytest.mark.parametrize(
    "change",
    [{"amount": 2**63}, {"amount": MAX_RUPIAH + 1}, {"totalAdmin": str(2**63)},
     {"billDetails": [{"billId": "1", "billInfo": [], "key": "Tagihan", "value": 2**64}]}],
    ids=["amount-2^63", "amount-past-the-cap", "admin-2^63", "line-2^64"],
)  # fmt: skip
async def test_a_bill_past_the_wallet_cap_is_a_bad_answer_and_nothing_is_stored(
    service: PaymentService, change: dict
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(
            return_value=httpx.Response(200, json=inquiry_with(**change))
        )
        with pytest.raises(InquiryError) as caught:
            await service.inquire(USER, "TELKOMPSTN", "0215551234")
    assert caught.value.reason is Reason.BAD_RESPONSE
    assert service.history(USER) == [] and service.balance(USER) == 5_000_000


@pytest.mark.parametrize("call", ["pay", "status"])
@pytest.mark.parametrize("paid", [2**63, MAX_RUPIAH + 1, "7472.5"])
async def test_a_pay_or_status_answer_with_an_amount_past_the_cap_or_garbled_is_pending(
    service: PaymentService, call: str, paid: object
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(return_value=httpx.Response(200, json=INQUIRY_OK))
        tx = await service.inquire(USER, "TELKOMPSTN", "0215551234")
        success = answer(0, refNumber=tx.ref_id, amount=paid, token="T1", transactionId=7)
        first = success if call == "pay" else answer(299, refNumber=tx.ref_id, transactionId=7)
        respx.post(f"{BASE}/api/v2/bill/payment").mock(return_value=httpx.Response(200, json=first))
        respx.post(f"{BASE}/api/v2/bill/status").mock(return_value=httpx.Response(200, json=success))
        tx = await service.pay(tx.ref_id, USER)
        if call == "status":
            tx = await service.refresh(tx.ref_id, USER)
    assert tx.state is TxState.PENDING
    assert service.balance(USER) == 5_000_000 - tx.amount


async def test_a_balance_past_the_cap_is_no_balance(client: AyoconnectClient) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/partner/balance").mock(
            return_value=httpx.Response(200, json=answer(0, balance=2**63, currency="IDR"))
        )
        assert await client.deposit() is None


# -- an answer is ours only when its ids are ----------------------------------------------------

OURS = {"refNumber": "LK0001", "accountNumber": "123223345", "productCode": "AYO_INDIHOME"}
ANOTHER_TRANSACTION = {
    "pay-success-other-refNumber": ("pay", answer(0, **{**OURS, "refNumber": "LK9999"}, token="T")),
    "pay-failed-other-refNumber": ("pay", answer(104, **{**OURS, "refNumber": "LK9999"})),
    "pay-processing-other-refNumber": ("pay", answer(299, refNumber="LK9999")),
    "pay-success-other-account": ("pay", answer(0, **{**OURS, "accountNumber": "0215559999"})),
    "pay-success-other-product": ("pay", answer(0, **{**OURS, "productCode": "AYO_PLN"})),
    "status-success-other-refNumber": ("status", answer(0, refNumber="LK9999", token="T")),
    "status-failed-other-refNumber": ("status", answer(104, refNumber="LK9999")),
    "status-failed-other-account": ("status", answer(103, **{**OURS, "accountNumber": "1"})),
    "status-success-other-product": ("status", answer(0, **{**OURS, "productCode": "X"})),
}


@pytest.mark.parametrize(("call", "body"), ANOTHER_TRANSACTION.values(), ids=list(ANOTHER_TRANSACTION))
async def test_an_answer_about_another_transaction_settles_nothing(
    client: AyoconnectClient, bill: Bill, call: str, body: dict
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/{'payment' if call == 'pay' else 'status'}").mock(
            return_value=httpx.Response(200, json=body)
        )
        result = await (client.pay(bill) if call == "pay" else client.check_status(bill))
    assert (result.outcome, result.reason) == (P, Reason.UNKNOWN)
    assert result.raw == body


async def test_a_status_naming_another_transaction_id_than_the_payment_settles_nothing(
    client: AyoconnectClient, bill: Bill
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/payment").mock(
            return_value=httpx.Response(200, json=answer(299, **OURS, transactionId=220974))
        )
        status = respx.post(f"{BASE}/api/v2/bill/status")
        assert (await client.pay(bill)).provider_txn_id == "220974"
        status.mock(return_value=httpx.Response(200, json=answer(0, **OURS, transactionId=1, token="T")))
        assert (await client.check_status(bill)).outcome is P
        status.mock(return_value=httpx.Response(200, json=answer(0, **OURS, transactionId=220974, token="T")))
        assert (await client.check_status(bill)).outcome is S


async def test_answers_naming_our_ids_or_none_settle(client: AyoconnectClient, bill: Bill) -> None:
    ours = {**OURS, "productCode": "ayo_indihome", "transactionId": 5}
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/payment").mock(return_value=httpx.Response(200, json=answer(100)))
        respx.post(f"{BASE}/api/v2/bill/status").mock(
            return_value=httpx.Response(200, json=answer(0, **ours, token="T"))
        )
        assert (await client.pay(bill)).outcome is F  # the documented failure: data {}
        assert (await client.check_status(bill)).outcome is S


async def test_through_the_core_another_refnumber_neither_pays_nor_refunds(service: PaymentService) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(return_value=httpx.Response(200, json=INQUIRY_OK))
        success = respx.post(f"{BASE}/api/v2/bill/payment").mock(
            return_value=httpx.Response(200, json=answer(0, refNumber="LK_SOMEONE_ELSE", token="T"))
        )
        refund = respx.post(f"{BASE}/api/v2/bill/status").mock(
            return_value=httpx.Response(200, json=answer(104, refNumber="LK_SOMEONE_ELSE"))
        )
        tx = await service.inquire(USER, "TELKOMPSTN", "0215551234")
        tx = await service.pay(tx.ref_id, USER)
        assert tx.state is TxState.PENDING  # not SUCCESS on another payment's word
        tx = await service.refresh(tx.ref_id, USER)
        assert tx.state is TxState.PENDING  # nor FAILED and refunded
        assert (success.call_count, refund.call_count) == (1, 1)
    assert service.balance(USER) == 5_000_000 - tx.amount


# -- an inquiry answer about another customer is never a bill -------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"accountNumber": "0215559999"}, {"productCode": "AYO_PLN"}],
    ids=["other-account", "other-product"],
)
async def test_an_inquiry_answer_about_another_customer_is_refused_and_nothing_is_stored(
    service: PaymentService, change: dict
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(
            return_value=httpx.Response(200, json=inquiry_with(**change))
        )
        with pytest.raises(InquiryError) as caught:
            await service.inquire(USER, "TELKOMPSTN", "0215551234")
    assert caught.value.reason is Reason.BAD_RESPONSE
    assert service.history(USER) == []


async def test_an_inquiry_answer_naming_our_account_and_product_or_neither_is_a_bill(
    client: AyoconnectClient,
) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/api/v2/bill/check")
        for data in ({"productCode": "ayo_indihome"}, {"accountNumber": None, "productCode": ""}):
            route.mock(return_value=httpx.Response(200, json=inquiry_with(**data)))
            assert (await client.inquire(client.product("TELKOMPSTN"), "0215551234", "LK7")).total == 747250


async def test_through_the_core_a_5xx_carrying_a_success_code_is_pending(service: PaymentService) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(return_value=httpx.Response(200, json=INQUIRY_OK))
        respx.post(f"{BASE}/api/v2/bill/payment").mock(
            return_value=httpx.Response(500, json=answer(0, token="T", transactionId=9))
        )
        tx = await service.inquire(USER, "TELKOMPSTN", "0215551234")
        tx = await service.pay(tx.ref_id, USER)
    assert tx.state is TxState.PENDING and not tx.biller_ref


# -- periods as they really are: "Jumlah Tagihan" and "N/A" are none ---------------------------------


def seed_inquiry(info: list[dict], product_details: list[dict]) -> dict:
    """The docs' inquiry answers (seeds: internet-and-tv, mobile-postpaid), about our number."""
    return inquiry_with(
        customerDetails=[{"key": "Nama Pelanggan", "value": "TEST"}],
        billDetails=[
            {"billId": "1", "billInfo": info, "isMandatory": True, "key": "Jumlah Tagihan", "value": 744750},
            {"billId": "0", "billInfo": [], "isMandatory": True, "key": "Biaya Administrasi", "value": 2500},
        ],
        productDetails=product_details,
    )


@pytest.mark.parametrize(
    ("info", "product_details"),
    [
        ([{"key": "Bulan", "value": "N/A"}], [{"key": "Periode", "value": "N/A"}]),  # internet and TV
        ([], []),  # mobile postpaid: only the label "Jumlah Tagihan"
    ],
    ids=["bulan-N/A", "no-bill-info"],
)
async def test_a_bill_naming_no_period_shows_none(
    service: PaymentService, info: list[dict], product_details: list[dict]
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(
            return_value=httpx.Response(200, json=seed_inquiry(info, product_details))
        )
        respx.post(f"{BASE}/api/v2/bill/payment").mock(
            return_value=httpx.Response(200, json=answer(0, token="205A", amount=747250))
        )
        tx = await service.inquire(USER, "TELKOMPSTN", "0215551234")
        tx = await service.pay(tx.ref_id, USER)
    assert tx.state is TxState.SUCCESS
    assert tx.bill.periods == [] and [line.period for line in tx.bill.lines] == [""]
    receipt = receipt_text("id", tx)
    assert "Periode: -" in receipt and "N/A" not in receipt and "Jumlah Tagihan" not in receipt


async def test_a_period_named_in_the_product_details_is_the_bills(client: AyoconnectClient) -> None:
    body = seed_inquiry([], [{"key": "Periode", "value": "Agustus 2022"}])
    with respx.mock:
        respx.post(f"{BASE}/api/v2/bill/check").mock(return_value=httpx.Response(200, json=body))
        bill = await client.inquire(client.product("TELKOMPSTN"), "0215551234", "LK8")
    assert bill.periods == ["Agustus 2022"]
