"""The IAK postpaid client against respx doubles: signatures, the rc table, every fault."""

from __future__ import annotations

import hashlib
import json
import logging

import httpx
import pytest
import respx

from bot.billers.base import Bill, InquiryError, Outcome, Reason
from bot.billers.iak import IAKClient
from bot.billers.money import MAX_RUPIAH
from bot.payments.models import Transaction, TxState
from bot.payments.service import PaymentService
from bot.telegram.render import bill_text, receipt_text
from tests.core_fakes import ADMIN, Clock, make_service
from tests.core_fakes import USER as USER_ID

BASE = "https://iak.test"
URL = f"{BASE}/api/v1/bill/check"
USER, KEY = "081200001111", "s3cret-api-key-xyz"
F, P, S = Outcome.FAILED, Outcome.PENDING, Outcome.SUCCESS

# The rc table of IAK reference §6, written out here by hand: (what it says of a payment, reason).
CODE_TABLE = {
    "00": (S, Reason.OK), "01": (F, Reason.ALREADY_PAID), "02": (P, Reason.UNKNOWN),
    "03": (F, Reason.CONFIG_ERROR), "04": (F, Reason.INQUIRY_EXPIRED), "05": (P, Reason.UNKNOWN),
    "06": (F, Reason.INQUIRY_EXPIRED), "07": (F, Reason.PAYMENT_FAILED), "08": (F, Reason.BLOCKED),
    "09": (F, Reason.BILLER_DOWN), "10": (F, Reason.BILL_NOT_AVAILABLE), "11": (F, Reason.CONFIG_ERROR),
    "13": (F, Reason.BLOCKED), "14": (F, Reason.WRONG_NUMBER), "15": (F, Reason.WRONG_NUMBER),
    "16": (F, Reason.WRONG_NUMBER), "17": (F, Reason.INSUFFICIENT_DEPOSIT), "20": (F, Reason.CONFIG_ERROR),
    "30": (F, Reason.PAY_AT_COUNTER), "31": (F, Reason.LIMIT_EXCEEDED), "32": (F, Reason.PAYMENT_FAILED),
    "33": (F, Reason.BILLER_DOWN), "34": (F, Reason.ALREADY_PAID), "35": (F, Reason.PAYMENT_FAILED),
    "36": (F, Reason.PAY_AT_COUNTER), "37": (F, Reason.PAYMENT_FAILED), "38": (F, Reason.PAYMENT_FAILED),
    "39": (P, Reason.IN_PROCESS), "40": (F, Reason.ALREADY_PAID), "41": (F, Reason.PAY_AT_COUNTER),
    "42": (P, Reason.UNKNOWN), "91": (P, Reason.BILLER_DOWN), "92": (F, Reason.PAYMENT_FAILED),
    "93": (F, Reason.PAYMENT_FAILED), "94": (F, Reason.PAYMENT_FAILED), "100": (F, Reason.CONFIG_ERROR),
    "101": (F, Reason.CONFIG_ERROR), "102": (F, Reason.CONFIG_ERROR), "103": (P, Reason.TIMEOUT),
    "105": (F, Reason.BILLER_DOWN), "106": (F, Reason.BILLER_DOWN), "107": (F, Reason.CONFIG_ERROR),
    "108": (F, Reason.CONFIG_ERROR), "109": (F, Reason.BILLER_DOWN), "110": (F, Reason.BILLER_DOWN),
    "117": (F, Reason.CONFIG_ERROR), "118": (F, Reason.CONFIG_ERROR), "201": (P, Reason.UNKNOWN),
    "77": (P, Reason.UNKNOWN), "999": (P, Reason.UNKNOWN),  # codes not in the table
}  # fmt: skip
# On pay-pasca: whatever IAK answers about our payment that is not final means it holds the
# request ("in process", the core's acknowledgement); "already paid" (01/34/40) may be our own
# payment reported back, 92 is "contact CS" like 201, 91 an outage: none of them is a failure.
PAYMENT_TABLE = {
    code: ((P, Reason.IN_PROCESS) if outcome is P or code in {"01", "34", "40", "92"} else (outcome, reason))
    for code, (outcome, reason) in CODE_TABLE.items()
}
# On checkstatus (sent with `status` 1 for 00, 3 for 39, 0 for 42, else 2): "no record" codes,
# and codes that refuse the status request itself, which say nothing about the payment.
STATUS_TABLE = {
    **CODE_TABLE,
    "42": (P, Reason.NO_PAYMENT_RECORD), "06": (P, Reason.NO_PAYMENT_RECORD),
    "02": (P, Reason.NO_PAYMENT_RECORD), "103": (F, Reason.TIMEOUT),
    "03": (P, Reason.CONFIG_ERROR), "33": (P, Reason.BILLER_DOWN), "91": (P, Reason.BILLER_DOWN),
    "100": (P, Reason.CONFIG_ERROR), "101": (P, Reason.CONFIG_ERROR), "102": (P, Reason.CONFIG_ERROR),
    "107": (P, Reason.CONFIG_ERROR), "110": (P, Reason.BILLER_DOWN), "117": (P, Reason.CONFIG_ERROR),
    "118": (P, Reason.CONFIG_ERROR),
}  # fmt: skip
INQUIRY_TABLE = {
    code: (Reason.UNKNOWN if code in {"05", "39", "201", "42", "77", "999"} else reason)
    for code, (_, reason) in CODE_TABLE.items()
    if code not in {"00", "02"}
}
INQUIRY_TABLE["103"] = Reason.TIMEOUT


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def envelope(**data: object) -> dict:
    return {"data": data, "meta": []}


# `price` (142110) is not nominal + admin (137110): the first month carries a late fee, so a
# total summed from the parts instead of taken from `price` is caught.
INQUIRY_OK = envelope(
    tr_id=9732432, code="TELKOMPSTN", hp="6391601202", tr_name="JAORAH", period="201405,201407",
    nominal=129610, admin=7500, ref_id="ref1", response_code="00", message="INQUIRY SUCCESS",
    price=142110, selling_price=138510,
    desc={"kode_area": "0751", "divre": "01", "datel": "0006", "jumlah_tagihan": 3, "tagihan": {"detail": [
        {"periode": "MEI 2014", "nilai_tagihan": "49870", "admin": "2500", "denda": "5000", "total": 57370},
        {"periode": "JUN 2014", "nilai_tagihan": "39870", "admin": "2500", "total": 42370},
        {"periode": "JUL 2014", "nilai_tagihan": "39870", "admin": "2500", "total": 42370},
    ]}},
)  # fmt: skip


def pay_answer(code: str, **extra: object) -> dict:
    data = {
        "tr_id": 9732432, "code": "TELKOMPSTN", "datetime": "20180803172000", "hp": "6391601202",
        "tr_name": "JAORAH", "period": "201405,201407", "nominal": 129610, "admin": 7500,
        "response_code": code, "message": "X", "price": 142110, "selling_price": 138510,
        "balance": 997161249, "noref": "1609626", "ref_id": "ref1", "desc": {},
    }  # fmt: skip
    data.update(extra)
    return {"data": data, "meta": []}


@pytest.fixture
async def client():
    c = IAKClient(username=USER, api_key=KEY, base_url=BASE, timeout=2)
    yield c
    await c.aclose()


@pytest.fixture
def bill() -> Bill:
    return Bill(
        provider="iak", ref_id="ref1", product_code="TELKOMPSTN", customer_number="6391601202",
        customer_name="JAORAH", nominal=129610, admin=7500, total=142110, provider_ref="9732432",
    )  # fmt: skip


def sent(route: respx.Route, index: int = -1) -> dict:
    return json.loads(route.calls[index].request.content)


# -- signatures and request shapes -----------------------------------------------------------------


async def test_inquiry_request_is_signed_over_ref_id(client: IAKClient) -> None:
    with respx.mock:
        route = respx.post(URL).mock(return_value=httpx.Response(200, json=INQUIRY_OK))
        await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    body = sent(route)
    assert body == {
        "commands": "inq-pasca", "username": USER, "code": "TELKOMPSTN", "hp": "6391601202",
        "ref_id": "ref1", "sign": md5(USER + KEY + "ref1"),
    }  # fmt: skip
    assert route.calls[0].request.headers["content-type"] == "application/json"


async def test_bpjs_inquiry_sends_the_months_asked(client: IAKClient) -> None:
    with respx.mock:
        route = respx.post(URL).mock(return_value=httpx.Response(200, json=envelope(response_code="10")))
        with pytest.raises(InquiryError):
            await client.inquire(client.product("BPJS"), "8801234560000", "b1")
        with pytest.raises(InquiryError):
            await client.inquire(client.product("BPJS"), "8801234560000", "b2", months=3)
        with pytest.raises(InquiryError):
            await client.inquire(client.product("TELKOMPSTN"), "6391601202", "t1", months=3)
    assert [json.loads(call.request.content).get("month") for call in route.calls] == [1, 3, None]


async def test_payment_is_signed_over_tr_id_and_status_over_cs(client: IAKClient, bill: Bill) -> None:
    with respx.mock:
        route = respx.post(URL).mock(return_value=httpx.Response(200, json=pay_answer("00")))
        await client.pay(bill)
        await client.check_status(bill)
    assert sent(route, 0) == {"commands": "pay-pasca", "username": USER, "tr_id": "9732432",
                              "sign": md5(USER + KEY + "9732432")}  # fmt: skip
    assert sent(route, 1) == {"commands": "checkstatus", "username": USER, "ref_id": "ref1",
                              "sign": md5(USER + KEY + "cs")}  # fmt: skip


async def test_pricelist_is_signed_over_pl(client: IAKClient) -> None:
    answer = envelope(pasca=[{"code": "AETRA", "name": "AETRA", "status": 1, "fee": 2500, "komisi": 700}])
    with respx.mock:
        route = respx.post(f"{URL}/pdam").mock(return_value=httpx.Response(200, json=answer))
        items = await client.pricelist("pdam")
    assert sent(route)["sign"] == md5(USER + KEY + "pl") and sent(route)["commands"] == "pricelist-pasca"
    assert items[0]["code"] == "AETRA"


# -- parsing -------------------------------------------------------------------------------------


async def test_inquiry_becomes_a_bill_with_lines(client: IAKClient) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=INQUIRY_OK))
        bill = await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    assert (bill.provider_ref, bill.customer_name, bill.nominal, bill.admin) == (
        "9732432",
        "JAORAH",
        129610,
        7500,
    )
    assert (bill.total, bill.cost) == (142110, 138510)
    data = INQUIRY_OK["data"]
    assert bill.total == data["price"] != data["nominal"] + data["admin"]
    assert bill.periods == ["MEI 2014", "JUN 2014", "JUL 2014"]
    first = bill.lines[0]
    assert (first.amount, first.admin, first.penalty, first.total) == (49870, 2500, 5000, 57370)
    assert sum(line.total for line in bill.lines) == bill.total
    assert bill.details["kode_area"] == "0751" and bill.raw["tr_id"] == 9732432


async def test_amounts_as_strings_and_doubles_and_desc_as_string(client: IAKClient) -> None:
    answer = json.loads(json.dumps(INQUIRY_OK))
    answer["data"].update(nominal="129610", admin=7500.0, price="137200.00", selling_price=133510.0, desc="")
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=answer))
        bill = await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    # rounded up by the biller and not itemised: the total is `price`, the bill what it leaves
    assert (bill.nominal, bill.admin, bill.total, bill.cost) == (129700, 7500, 137200, 133510)
    assert all(isinstance(v, int) for v in (bill.nominal, bill.admin, bill.total, bill.cost))
    assert bill.periods == ["201405", "201407"] and len(bill.lines) == 1


async def test_pln_detail_with_penalty(client: IAKClient) -> None:
    answer = json.loads(json.dumps(INQUIRY_OK))
    line = {"periode": "201901", "nilai_tagihan": "100000", "admin": "3000", "denda": "5000", "total": 108000}
    answer["data"]["desc"] = {"tarif": "R1", "daya": 1300, "tagihan": {"detail": [line]}}
    answer["data"].update(code="PLNPOSTPAID", hp="530000000001")
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=answer))
        bill = await client.inquire(client.product("PLNPOSTPAID"), "530000000001", "ref1")
    assert (bill.lines[0].penalty, bill.lines[0].total) == (5000, 108000)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"nominal": 129610.5}, "fractional"),
        ({"nominal": "12a"}, "text"),
        ({"tr_id": None}, "no tr_id"),
        ({"tr_id": 0}, "tr_id zero"),
        ({"tr_id": "97x"}, "tr_id text"),
        ({"tr_id": 9732432.5}, "tr_id fractional"),
        ({"price": "137110,00"}, "price with a comma"),
    ],
)
async def test_unreadable_bills_are_a_typed_inquiry_error(client: IAKClient, change: dict, why: str) -> None:
    answer = json.loads(json.dumps(INQUIRY_OK))
    answer["data"].update(change)
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=answer))
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    assert caught.value.reason is Reason.BAD_RESPONSE, why


async def test_payment_result_fields(client: IAKClient, bill: Bill) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=pay_answer("00", balance="997161249.0")))
        result = await client.pay(bill)
    assert (result.outcome, result.biller_ref, result.provider_txn_id) == (S, "1609626", "9732432")
    assert (result.amount, result.deposit_balance, result.paid_at) == (142110, 997161249, "20180803172000")
    assert await client.deposit() == 997161249


# -- the response-code table, row by row ------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), PAYMENT_TABLE.items(), ids=list(PAYMENT_TABLE))
async def test_payment_code_table(client: IAKClient, bill: Bill, code: str, expected: tuple) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=pay_answer(code)))
        result = await client.pay(bill)
    assert (result.outcome, result.reason, result.provider_code) == (*expected, code)


@pytest.mark.parametrize(("code", "expected"), STATUS_TABLE.items(), ids=list(STATUS_TABLE))
async def test_status_code_table(client: IAKClient, bill: Bill, code: str, expected: tuple) -> None:
    status = {"00": 1, "39": 3, "42": 0}.get(code, 2)
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=pay_answer(code, status=status)))
        result = await client.check_status(bill)
    assert (result.outcome, result.reason) == expected


@pytest.mark.parametrize(("code", "reason"), INQUIRY_TABLE.items(), ids=list(INQUIRY_TABLE))
async def test_inquiry_code_table(client: IAKClient, code: str, reason: Reason) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=envelope(response_code=code, message="m")))
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    assert (caught.value.reason, caught.value.provider_code) == (reason, code)


async def test_status_success_with_a_contradicting_status_field_stays_pending(
    client: IAKClient, bill: Bill
) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=pay_answer("00", status=0)))
        result = await client.check_status(bill)
    assert result.outcome is P


# `status` is the payment's own state on checkstatus: a final answer must be backed by it.
STATUS_FIELD_CASES = [
    ("37", 2, (F, Reason.PAYMENT_FAILED)),
    ("37", "2", (F, Reason.PAYMENT_FAILED)),
    ("37", None, (P, Reason.PAYMENT_FAILED)),  # no status field: not proof of a failure
    ("37", 3, (P, Reason.IN_PROCESS)),  # IAK's own state: processing
    ("37", 1, (P, Reason.IN_PROCESS)),  # IAK's own state: paid
    ("37", 0, (P, Reason.UNKNOWN)),
    ("105", 9, (P, Reason.UNKNOWN)),
    ("103", None, (P, Reason.TIMEOUT)),  # may be the status query that timed out
    ("100", 2, (P, Reason.CONFIG_ERROR)),  # a refused request cannot know the payment
    ("00", None, (S, Reason.OK)),
    ("00", 1, (S, Reason.OK)),
    ("00", 2, (P, Reason.UNKNOWN)),
    ("00", 3, (P, Reason.IN_PROCESS)),
    # with status 1 or 3 IAK has the payment: "no record" codes are not believed
    ("42", 1, (P, Reason.IN_PROCESS)),
    ("42", "3", (P, Reason.IN_PROCESS)),
    ("02", 3, (P, Reason.IN_PROCESS)),
    ("06", 1, (P, Reason.IN_PROCESS)),
    ("42", 0, (P, Reason.NO_PAYMENT_RECORD)),
    ("42", None, (P, Reason.NO_PAYMENT_RECORD)),
    ("06", 2, (P, Reason.NO_PAYMENT_RECORD)),
    ("91", 3, (P, Reason.BILLER_DOWN)),  # the status request was refused: nothing learnt
    ("92", 2, (F, Reason.PAYMENT_FAILED)),
    ("92", None, (P, Reason.PAYMENT_FAILED)),
    ("34", 2, (F, Reason.ALREADY_PAID)),
]


@pytest.mark.parametrize(("code", "state", "expected"), STATUS_FIELD_CASES)
async def test_status_field_must_back_a_final_answer(
    client: IAKClient, bill: Bill, code: str, state: object, expected: tuple
) -> None:
    answer = pay_answer(code) if state is None else pay_answer(code, status=state)
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=answer))
        result = await client.check_status(bill)
    assert (result.outcome, result.reason) == expected


ANOTHER_TRANSACTION = {
    "pay-success-other-tr_id": ("pay", pay_answer("00", tr_id=9999999)),
    "pay-failed-other-tr_id": ("pay", pay_answer("37", tr_id=9999999)),
    "pay-success-other-ref_id": ("pay", pay_answer("00", ref_id="someone-else")),
    "pay-in-process-other-tr_id": ("pay", pay_answer("39", tr_id=9999999)),
    "pay-already-paid-other-ref_id": ("pay", pay_answer("34", ref_id="someone-else")),
    "status-in-process-other-ref_id": ("status", pay_answer("39", status=3, ref_id="someone-else")),
    "pay-unreadable-tr_id": ("pay", pay_answer("00", tr_id="97x")),
    "status-success-other-ref_id": ("status", pay_answer("00", status=1, ref_id="someone-else")),
    "status-failed-other-tr_id": ("status", pay_answer("37", status=2, tr_id=1)),
}


@pytest.mark.parametrize(("call", "answer"), ANOTHER_TRANSACTION.values(), ids=list(ANOTHER_TRANSACTION))
async def test_an_answer_about_another_transaction_settles_nothing(
    client: IAKClient, bill: Bill, call: str, answer: dict
) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=answer))
        result = await (client.pay(bill) if call == "pay" else client.check_status(bill))
    assert (result.outcome, result.reason) == (P, Reason.UNKNOWN)
    assert result.raw == answer["data"]


@pytest.mark.parametrize("tr_id", [9732432, "9732432", 9732432.0, " 9732432 "])
async def test_the_answers_tr_id_may_be_typed_any_whole_way(
    client: IAKClient, bill: Bill, tr_id: object
) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=pay_answer("00", tr_id=tr_id)))
        result = await client.pay(bill)
    assert (result.outcome, result.provider_txn_id) == (S, "9732432")


async def test_tr_id_as_a_double_is_signed_as_an_integer(client: IAKClient) -> None:
    answer = json.loads(json.dumps(INQUIRY_OK))
    answer["data"]["tr_id"] = 9732432.0
    with respx.mock:
        route = respx.post(URL).mock(return_value=httpx.Response(200, json=answer))
        bill = await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
        route.mock(return_value=httpx.Response(200, json=pay_answer("00")))
        await client.pay(bill)
    assert bill.provider_ref == "9732432"
    assert sent(route)["tr_id"] == "9732432" and sent(route)["sign"] == md5(USER + KEY + "9732432")


# -- faults after a payment may have left: always PENDING ------------------------------------------


PAY_FAULTS = {
    "timeout": httpx.ReadTimeout("slow"),
    "connect-error": httpx.ConnectError("refused"),
    "dropped": httpx.RemoteProtocolError("peer closed"),
    "500": httpx.Response(500, text="Internal Server Error"),
    "502": httpx.Response(502, text="<html><body>Bad Gateway</body></html>"),
    "503-json": httpx.Response(503, json=pay_answer("37")),
    "html-200": httpx.Response(200, text="<!DOCTYPE html><html>maintenance</html>"),
    "empty": httpx.Response(200, text=""),
    "no-code": httpx.Response(200, json=envelope(tr_id=9732432, message="??")),
    "400-no-code": httpx.Response(400, json={"error_details": "missing tr_id"}),
    "data-is-list": httpx.Response(200, json={"data": [], "meta": []}),
    "fractional-price": httpx.Response(200, json=pay_answer("00", price=137110.5)),
    "success-no-tr_id": httpx.Response(200, json=pay_answer("00", tr_id="")),
    "unknown-code": httpx.Response(200, json=pay_answer("250")),
    "not-an-httpx-error": RuntimeError("transport bug"),
    "401-html": httpx.Response(401, text="<html>Unauthorized</html>"),
}


@pytest.mark.parametrize("fault", PAY_FAULTS.values(), ids=list(PAY_FAULTS))
async def test_pay_faults_are_pending_never_failed(client: IAKClient, bill: Bill, fault: object) -> None:
    with respx.mock:
        route = respx.post(URL)
        if isinstance(fault, Exception):
            route.mock(side_effect=fault)
        else:
            route.mock(return_value=fault)
        result = await client.pay(bill)
        status = await client.check_status(bill)
    assert (result.outcome, status.outcome) == (P, P)
    assert route.call_count == 2  # one pay, one status: never a second pay


async def test_http_400_with_a_code_is_read(client: IAKClient, bill: Bill) -> None:
    with respx.mock:
        respx.post(URL).mock(
            return_value=httpx.Response(400, json=envelope(response_code="107", message="x"))
        )
        result = await client.pay(bill)
    assert (result.outcome, result.reason) == (F, Reason.CONFIG_ERROR)


INQUIRY_FAULTS = {
    "timeout": (httpx.ConnectTimeout("slow"), Reason.TIMEOUT),
    "read-timeout": (httpx.ReadTimeout("slow"), Reason.TIMEOUT),
    "connect-error": (httpx.ConnectError("refused"), Reason.BILLER_DOWN),
    "502": (httpx.Response(502, text="<html>Bad Gateway</html>"), Reason.BILLER_DOWN),
    "html-200": (httpx.Response(200, text="<html>oops</html>"), Reason.BAD_RESPONSE),
    "empty": (httpx.Response(200, text=""), Reason.BAD_RESPONSE),
    "no-code": (httpx.Response(200, json=envelope(tr_id=1)), Reason.BAD_RESPONSE),
    "400-no-code": (httpx.Response(400, json={"error_details": "missing hp"}), Reason.CONFIG_ERROR),
    "400-with-code": (httpx.Response(400, json=envelope(response_code="107")), Reason.CONFIG_ERROR),
}


@pytest.mark.parametrize(("fault", "reason"), INQUIRY_FAULTS.values(), ids=list(INQUIRY_FAULTS))
async def test_inquiry_faults_are_typed_errors(client: IAKClient, fault: object, reason: Reason) -> None:
    with respx.mock:
        route = respx.post(URL)
        if isinstance(fault, Exception):
            route.mock(side_effect=fault)
        else:
            route.mock(return_value=fault)
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    assert caught.value.reason is reason


PRICELIST_FAULTS = {
    "connect-error": httpx.ConnectError("refused"),
    "timeout": httpx.ReadTimeout("slow"),
    "502": httpx.Response(502, text="<html>Bad Gateway</html>"),
    "html-200": httpx.Response(200, text="<html>?</html>"),
    "no-pasca": httpx.Response(200, json=envelope(response_code="100", message="INVALID SIGNATURE")),
}


@pytest.mark.parametrize("fault", PRICELIST_FAULTS.values(), ids=list(PRICELIST_FAULTS))
async def test_pricelist_faults_are_typed_errors(client: IAKClient, fault: object) -> None:
    with respx.mock:
        route = respx.post(URL)
        if isinstance(fault, Exception):
            route.mock(side_effect=fault)
        else:
            route.mock(return_value=fault)
        with pytest.raises(InquiryError):
            await client.pricelist()


async def test_the_client_timeout_is_the_setting(bill: Bill) -> None:
    c = IAKClient(username=USER, api_key=KEY, base_url=BASE, timeout=30)
    assert c._http.timeout.read == 30
    await c.aclose()


async def test_no_secret_in_errors_or_logs(
    client: IAKClient, bill: Bill, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    signs = [md5(USER + KEY + x) for x in ("ref1", "9732432", "cs")]
    with respx.mock:
        respx.post(URL).mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(InquiryError) as caught:
            await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
        result = await client.pay(bill)
    texts = [str(caught.value), repr(caught.value.raw), result.model_dump_json(), caplog.text]
    for text in texts:
        assert KEY not in text and not any(s in text for s in signs)


# -- amounts no wallet could hold, through the real core ------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(tmp_path, client: IAKClient, clock: Clock):
    svc = make_service(tmp_path / "loket.sqlite3", client, clock)  # NO_RECORD_GRACE_SECONDS=300
    svc.top_up(ADMIN, USER_ID, 5_000_000)
    yield svc
    await svc.stop()


def with_data(answer: dict, **changes: object) -> dict:
    copied = json.loads(json.dumps(answer))
    copied["data"].update(changes)
    return copied


def answering(answer: dict) -> object:
    """A respx side effect: `answer`, about the ref_id the core generated (inquiry) or used."""
    sent_refs: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body.get("ref_id") and body["commands"] == "inq-pasca":
            sent_refs.append(body["ref_id"])
        data = dict(answer["data"])
        if "ref_id" in data and sent_refs:
            data["ref_id"] = sent_refs[-1]
        return httpx.Response(200, json={**answer, "data": data})

    return reply


OUT_OF_RANGE_BILLS = {
    "price-2^63": {"price": 2**63},
    "price-past-the-cap": {"price": MAX_RUPIAH + 1},
    "nominal-2^63": {"nominal": 2**63, "price": None},
    "selling_price-2^63": {"selling_price": str(2**63)},
    "negative-admin": {"admin": -(2**63)},
}


@pytest.mark.parametrize("change", OUT_OF_RANGE_BILLS.values(), ids=list(OUT_OF_RANGE_BILLS))
async def test_a_bill_past_the_wallet_cap_is_a_bad_answer_and_nothing_is_stored(
    service: PaymentService, change: dict
) -> None:
    with respx.mock:
        respx.post(URL).mock(side_effect=answering(with_data(INQUIRY_OK, **change)))
        with pytest.raises(InquiryError) as caught:
            await service.inquire(USER_ID, "TELKOMPSTN", "6391601202")
    assert caught.value.reason is Reason.BAD_RESPONSE
    assert service.history(USER_ID) == [] and service.balance(USER_ID) == 5_000_000


@pytest.mark.parametrize(
    ("call", "change"),
    [
        ("pay", {"price": 2**63}),
        ("pay", {"balance": 2**63}),
        ("pay", {"price": MAX_RUPIAH + 1}),
        ("status", {"price": 2**63, "status": 1}),
        ("status", {"balance": -(2**63), "status": 1}),
    ],
)
async def test_a_pay_or_status_answer_past_the_wallet_cap_is_pending(
    service: PaymentService, call: str, change: dict
) -> None:
    with respx.mock:
        route = respx.post(URL).mock(side_effect=answering(INQUIRY_OK))
        tx = await service.inquire(USER_ID, "TELKOMPSTN", "6391601202")
        answer = pay_answer("00", ref_id=tx.ref_id, **change)
        first = answer if call == "pay" else pay_answer("39", ref_id=tx.ref_id)
        route.mock(side_effect=None, return_value=httpx.Response(200, json=first))
        tx = await service.pay(tx.ref_id, USER_ID)
        if call == "status":
            route.mock(return_value=httpx.Response(200, json=answer))
            tx = await service.refresh(tx.ref_id, USER_ID)
    assert tx.state is TxState.PENDING
    assert service.balance(USER_ID) == 5_000_000 - tx.amount
    deposit = await service.deposit()
    assert deposit is None or abs(deposit.amount) <= MAX_RUPIAH


# -- an inquiry answer about another customer is never a bill -------------------------------------

ANOTHER_CUSTOMER = {
    "other-ref_id": {"ref_id": "LKSOMEONEELSE1"},
    "other-hp": {"hp": "6391609999"},
    "no-tr_id": {"tr_id": None},
}


@pytest.mark.parametrize("change", ANOTHER_CUSTOMER.values(), ids=list(ANOTHER_CUSTOMER))
async def test_an_inquiry_answer_about_another_customer_is_refused_and_nothing_is_stored(
    service: PaymentService, change: dict
) -> None:
    answer = with_data(INQUIRY_OK, **change)
    if change.get("tr_id", 1) is None:
        del answer["data"]["tr_id"]
    with respx.mock:
        route = respx.post(URL)
        if "ref_id" in change:  # the answer names another ref_id than the one the core sent
            route.mock(return_value=httpx.Response(200, json=answer))
        else:  # the ref_id the core sent, echoed
            route.mock(side_effect=answering(answer))
        with pytest.raises(InquiryError) as caught:
            await service.inquire(USER_ID, "TELKOMPSTN", "6391601202")
    assert caught.value.reason is Reason.BAD_RESPONSE
    assert service.history(USER_ID) == []


async def test_an_inquiry_answer_naming_our_ref_and_number_or_neither_is_a_bill(client: IAKClient) -> None:
    with respx.mock:
        route = respx.post(URL).mock(return_value=httpx.Response(200, json=INQUIRY_OK))
        assert (await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")).total
        unnamed = with_data(INQUIRY_OK)
        del unnamed["data"]["ref_id"], unnamed["data"]["hp"]
        route.mock(return_value=httpx.Response(200, json=unnamed))
        assert (await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref2")).total


# -- whatever IAK answered about our payment, a later "no record" never refunds it ------------------

# a checkstatus "no record" about our ref_id (it names no other one)
NO_RECORD = {"status": 0, "message": "REQUEST PEMBAYARAN BELUM DITERIMA", "ref_id": None}


async def _paid_then_no_record(
    service: PaymentService, clock: Clock, first: httpx.Response | Exception, *later: dict
) -> TxState:
    """Pay (answered by `first`), then the status answers `later`, then "no record" well past
    the grace: the state the payment is left in."""
    with respx.mock:
        route = respx.post(URL).mock(side_effect=answering(INQUIRY_OK))
        tx = await service.inquire(USER_ID, "TELKOMPSTN", "6391601202")
        route.mock(side_effect=[first])
        tx = await service.pay(tx.ref_id, USER_ID)
        assert tx.state is TxState.PENDING
        for answer in later:
            route.mock(side_effect=None, return_value=httpx.Response(200, json=answer))
            clock.advance(60)
            assert (await service.refresh(tx.ref_id, USER_ID)).state is TxState.PENDING
        route.mock(side_effect=None, return_value=httpx.Response(200, json=pay_answer("42", **NO_RECORD)))
        for _ in range(3):
            clock.advance(400)
            tx = await service.refresh(tx.ref_id, USER_ID)
    return tx.state


@pytest.mark.parametrize("code", ["05", "201", "103", "92", "91", "01", "34", "40", "02", "42", "250"])
async def test_a_payment_iak_answered_is_never_failed_by_a_later_no_record(
    service: PaymentService, clock: Clock, code: str
) -> None:
    answered = httpx.Response(200, json=pay_answer(code, ref_id=None, noref=""))
    assert await _paid_then_no_record(service, clock, answered) is TxState.PENDING
    assert service.balance(USER_ID) < 5_000_000  # never refunded: IAK may still pay the bill


@pytest.mark.parametrize("state", [1, 3, "3"])
@pytest.mark.parametrize("code", ["42", "02", "06"])
async def test_a_status_saying_iak_holds_the_payment_is_no_no_record(
    service: PaymentService, clock: Clock, code: str, state: object
) -> None:
    held = pay_answer(code, ref_id=None, status=state)
    assert await _paid_then_no_record(service, clock, httpx.ReadTimeout("slow"), held) is TxState.PENDING
    assert service.balance(USER_ID) < 5_000_000


async def test_a_payment_iak_never_answered_is_failed_after_the_grace(
    service: PaymentService, clock: Clock
) -> None:
    """The rule still holds where it should: no answer, then only "no record": refunded."""
    assert await _paid_then_no_record(service, clock, httpx.ReadTimeout("slow")) is TxState.FAILED
    assert service.balance(USER_ID) == 5_000_000


# -- Tri postpaid: a detail of empty strings itemises nothing ---------------------------------------

# IAK reference, telco/inquiry.md: HPTHREE answers with empty strings in its one detail.
HPTHREE_OK = envelope(
    tr_id=9732412, code="HPTHREE", hp="08991234501", tr_name="INTAN NUR AZIZA", period="", nominal=55000,
    admin=0, ref_id="09128374658", response_code="00", message="INQUIRY SUCCESS", price=55000,
    selling_price=54000,
    desc={"kode_area": "", "divre": "", "datel": "", "jumlah_tagihan": 1, "tagihan": {"detail": [
        {"periode": "", "nilai_tagihan": "", "admin": "", "total": ""},
    ]}},
)  # fmt: skip


async def test_tri_postpaid_with_an_empty_detail_is_sold_on_its_totals(service: PaymentService) -> None:
    with respx.mock:
        route = respx.post(URL).mock(side_effect=answering(HPTHREE_OK))
        tx = await service.inquire(USER_ID, "HPTHREE", "08991234501")
        assert (tx.bill.total, tx.bill.nominal, tx.bill.admin, tx.bill.cost) == (55000, 55000, 0, 54000)
        assert sum(line.total for line in tx.bill.lines) in (0, 55000)
        paid = with_data(pay_answer("00"), ref_id=tx.ref_id, tr_id=9732412, code="HPTHREE", price=55000)
        route.mock(side_effect=None, return_value=httpx.Response(200, json=paid))
        tx = await service.pay(tx.ref_id, USER_ID)
    assert tx.state is TxState.SUCCESS and tx.amount == 55000 + tx.markup


@pytest.mark.parametrize(
    "detail",
    [
        {"tagihan": {"detail": [{"periode": "202601", "nilai_tagihan": " ", "admin": "", "total": ""}]}},
        {"tagihan": {"detail": [{"periode": "202601", "nilai_tagihan": None}]}},
        {"bill": {"detail": [{"period": "202601", "bill_amount": "", "penalty": "", "misc_amount": ""}]}},
    ],
    ids=["blank", "null", "pdam-empty"],
)
async def test_an_empty_detail_amount_means_no_itemisation(client: IAKClient, detail: dict) -> None:
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, json=with_data(INQUIRY_OK, desc=detail)))
        bill = await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    assert bill.total == 142110 and all(line.penalty == 0 for line in bill.lines)
    assert bill.periods == ["201405", "201407"]  # from `period`, not from the empty detail


# -- late fees and periods as they really are ---------------------------------------------------

# IAK reference, pdam/inquiry.md: `nominal` 35490 already holds the penalty 7500 (27240 + 750 + 7500).
PDAM_OK = envelope(
    tr_id=9732791, code="PDAMKOTA.SURABAYA", hp="10202001", tr_name="DADANG SOEKARDI", period="201412",
    nominal=35490, admin=2000, ref_id="0912837465", response_code="00", message="INQUIRY SUCCESS",
    price=37490, selling_price=36790,
    desc={"bill_quantity": 1, "address": "WONOKROMO S.S BARU 2 8", "biller_admin": "",
          "pdam_name": "PDAM SURABAYA", "stamp_duty": "", "due_date": "1-15 DES 2014", "kode_tarif": "3A",
          "bill": {"detail": [{"period": "201412", "first_meter": 4589, "last_meter": 4613, "penalty": 7500,
                               "bill_amount": 27240, "misc_amount": 750, "stand": ""}]}},
)  # fmt: skip


def penalty(bill: Bill) -> int:
    return sum(line.penalty for line in bill.lines)


async def _settled(
    service: PaymentService, inquiry: dict, code: str, number: str, months: int = 1
) -> Transaction:
    """Inquire (answered by `inquiry`) and pay (answered 00) through the core."""
    with respx.mock:
        route = respx.post(URL).mock(side_effect=answering(inquiry))
        tx = await service.inquire(USER_ID, code, number, months=months)
        data = inquiry["data"]
        paid = with_data(pay_answer("00"), ref_id=tx.ref_id, tr_id=data["tr_id"], price=data["price"])
        route.mock(side_effect=None, return_value=httpx.Response(200, json=paid))
        tx = await service.pay(tx.ref_id, USER_ID)
    assert tx.state is TxState.SUCCESS
    return tx


async def test_the_receipt_shows_the_pdam_penalty_the_biller_itemised(service: PaymentService) -> None:
    tx = await _settled(service, PDAM_OK, "PDAMKOTA.SURABAYA", "10202001")
    assert (tx.bill.nominal, tx.bill.admin, penalty(tx.bill), tx.bill.total) == (27990, 2000, 7500, 37490)
    receipt = receipt_text("id", tx)
    assert "Tagihan: Rp 27.990" in receipt and "Biaya admin: Rp 2.000" in receipt
    assert "Denda: Rp 7.500" in receipt and "Periode: DES 2014" in receipt
    assert "Late fee: Rp 7.500" in receipt_text("en", tx)
    assert "• DES 2014: Rp 35.490" in bill_text("id", tx, 5_000_000)  # the month with its late fee


@pytest.mark.parametrize("nominal", [300000, 305000], ids=["nominal-without-denda", "nominal-with-denda"])
async def test_the_receipt_shows_the_pln_denda_whatever_nominal_holds(
    service: PaymentService, nominal: int
) -> None:
    line = {"periode": "201608", "nilai_tagihan": "300000", "admin": "2500", "denda": "5000", "total": 307500}
    answer = with_data(
        INQUIRY_OK, code="PLNPOSTPAID", hp="530000000001", period="201608", nominal=nominal, admin=2500,
        price=307500, selling_price=306900, desc={"tarif": "R1", "daya": 1300, "tagihan": {"detail": [line]}},
    )  # fmt: skip
    tx = await _settled(service, answer, "PLNPOSTPAID", "530000000001")
    assert (tx.bill.nominal, penalty(tx.bill), tx.bill.total) == (300000, 5000, 307500)
    receipt = receipt_text("id", tx)
    assert (
        "Tagihan: Rp 300.000" in receipt and "Denda: Rp 5.000" in receipt and "Periode: AGU 2016" in receipt
    )


async def test_a_bill_without_late_fees_shows_none(service: PaymentService) -> None:
    tx = await _settled(service, PGAS_OK, "PGAS", "0110014601")
    assert penalty(tx.bill) == 0 and "Denda" not in receipt_text("id", tx)


# IAK reference, bpjs-kesehatan/inquiry.md (month 2) and pgas/inquiry.md.
BPJS_OK = envelope(
    tr_id=9732787, code="BPJS", hp="8801234560001", tr_name="VERGIE", period="02", nominal=50000,
    admin=2500, ref_id="09128374651", response_code="00", message="INQUIRY SUCCESS", price=52500,
    selling_price=52300,
    desc={"kode_cabang": "0901", "nama_cabang": "JAKARTA PUSAT", "sisa_pembayaran": "0",
          "jumlah_peserta": "2"},
)  # fmt: skip
PGAS_OK = envelope(
    tr_id=9732788, code="PGAS", hp="0110014601", tr_name="NGATIMUN", period="0917", nominal=322002,
    admin=2500, ref_id="1512706895", response_code="00", message="INQUIRY SUCCESS", price=324502,
    selling_price=323902,
    desc={"address": "-", "first_meter": "006538", "last_meter": "006573", "usage": 35},
)  # fmt: skip


async def test_a_bpjs_period_is_the_number_of_months_paid(service: PaymentService) -> None:
    tx = await _settled(service, BPJS_OK, "BPJS", "8801234560001", months=2)
    assert tx.bill.periods == ["2 BULAN"] and [line.period for line in tx.bill.lines] == ["2 BULAN"]
    assert "Periode: 2 BULAN" in receipt_text("id", tx)


async def test_a_pgas_period_is_its_month_mmyy(service: PaymentService) -> None:
    tx = await _settled(service, PGAS_OK, "PGAS", "0110014601")
    assert tx.bill.periods == ["201709"] and (tx.bill.nominal, tx.bill.total) == (322002, 324502)
    assert "Periode: SEP 2017" in receipt_text("id", tx) and "Periods: SEP 2017" in receipt_text("en", tx)


@pytest.mark.parametrize(
    ("period", "expected"),
    [("", []), ("201405,201407", ["201405", "201407"]), ("0917", ["201709"]), ("2023", ["2023"]),
     ("1317", ["1317"]), ("02", ["02"])],
)  # fmt: skip
async def test_periods_of_products_paid_by_the_bill(
    client: IAKClient, period: str, expected: list[str]
) -> None:
    with respx.mock:
        respx.post(URL).mock(
            return_value=httpx.Response(200, json=with_data(INQUIRY_OK, period=period, desc={}))
        )
        bill = await client.inquire(client.product("TELKOMPSTN"), "6391601202", "ref1")
    assert bill.periods == expected
    assert [line.period for line in bill.lines] == ([",".join(expected)] if expected else [])
