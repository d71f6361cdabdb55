"""The sandbox biller, always through the real IAK client (in-process or over a real port)."""

from __future__ import annotations

import asyncio
import hashlib
import time

import httpx
import pytest

from bot.billers import make_biller
from bot.billers.base import Bill, InquiryError, NumberRule, Outcome, Product, Reason, UnknownProduct
from bot.billers.iak import IAKClient
from bot.billers.sandbox import SANDBOX_API_KEY, SANDBOX_USERNAME, IakSimulator, SandboxClient
from bot.billers.sandbox_numbers import LOAD_PRODUCT, Scenario, load_number, scenario_for
from bot.billers.sandbox_server import SandboxServer
from bot.config import Settings
from tests.billers_numbers import CASES, EXTRA_FIELDS, REFERENCE_ONLY_CASES


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"BILLER": "sandbox", "SANDBOX_PENDING_CHECKS": 1, "IAK_USERNAME": ""}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def biller():
    client = make_biller(settings())
    assert isinstance(client, SandboxClient)
    yield client
    await client.aclose()


@pytest.mark.parametrize(("code", "number", "expected"), CASES, ids=[f"{c}-{n}" for c, n, _ in CASES])
async def test_every_test_number_gives_its_documented_outcome(
    biller: SandboxClient, code: str, number: str, expected: tuple
) -> None:
    await _through_the_client(biller, biller.product(code), number, expected)


async def _through_the_client(biller: SandboxClient, product: Product, number: str, expected: tuple) -> None:
    ref = "T" + hashlib.md5(f"{product.code}{number}".encode()).hexdigest()[:12]
    if expected[0] == "inquiry":
        with pytest.raises(InquiryError) as caught:
            await biller.inquire(product, number, ref)
        assert (caught.value.provider_code, caught.value.reason) == expected[1:]
        return
    bill = await biller.inquire(product, number, ref)
    assert bill.customer_name and bill.provider_ref.isdigit() and bill.total > 0
    assert bill.total == bill.raw["price"]  # IAK's price, never a sum of the parts
    assert bill.nominal + bill.admin + sum(line.penalty for line in bill.lines) == bill.total
    result = await biller.pay(bill)
    if expected[0] == "bill":
        assert len(bill.lines) == expected[1]
        assert sum(line.amount + line.penalty for line in bill.lines) + bill.admin == bill.total
        assert (result.outcome, result.reason, result.provider_code) == (Outcome.SUCCESS, Reason.OK, "00")
        assert result.biller_ref and result.amount == bill.total
    elif expected[0] == "pay":
        assert (result.outcome, result.provider_code, result.reason) == (Outcome.FAILED, *expected[1:])
        status = await biller.check_status(bill)
        assert status.outcome is Outcome.FAILED
    else:
        assert (result.outcome, result.reason, result.provider_code) == (
            Outcome.PENDING,
            Reason.IN_PROCESS,
            "39",
        )
        first = await biller.check_status(bill)  # SANDBOX_PENDING_CHECKS=1: one pending answer
        second = await biller.check_status(bill)
        assert first.outcome is Outcome.PENDING and second.outcome is Outcome.SUCCESS
        assert second.biller_ref


def _call(simulator: IakSimulator, command: str, signed_over: str, **fields: object) -> dict:
    """One IAK request straight into the simulator, signed like a client would."""
    sign = hashlib.md5(f"{SANDBOX_USERNAME}{SANDBOX_API_KEY}{signed_over}".encode()).hexdigest()
    status, answer = simulator.handle(
        {"commands": command, "username": SANDBOX_USERNAME, **fields, "sign": sign}
    )
    assert status == 200
    return answer["data"]


@pytest.mark.parametrize(
    ("code", "number", "expected"), REFERENCE_ONLY_CASES, ids=[f"{c}-{n}" for c, n, _ in REFERENCE_ONLY_CASES]
)
async def test_reference_products_loket_does_not_sell_answer_their_numbers(
    biller: SandboxClient, code: str, number: str, expected: tuple
) -> None:
    if code not in EXTRA_FIELDS:  # the real client can ask: through it
        rule = NumberRule(min_length=1, max_length=20)
        product = Product(code=code, name=code, category="x", number_rule=rule, needs_month=code == "BPJSTK")
        await _through_the_client(biller, product, number, expected)
        return
    simulator = biller.simulator
    assert simulator is not None
    ref = "X" + hashlib.md5(f"{code}{number}".encode()).hexdigest()[:12]
    inquiry = _call(simulator, "inq-pasca", ref, code=code, hp=number, ref_id=ref, **EXTRA_FIELDS[code])
    if expected[0] == "inquiry":
        assert inquiry["response_code"] == expected[1]
        return
    assert inquiry["response_code"] == "00" and inquiry["price"] == inquiry["nominal"] + inquiry["admin"]
    amount = EXTRA_FIELDS[code].get("desc", {}).get("amount")
    assert amount is None or inquiry["nominal"] == amount
    tr_id = str(inquiry["tr_id"])
    paid = _call(simulator, "pay-pasca", tr_id, tr_id=tr_id)
    if expected[0] == "bill":
        assert paid["response_code"] == "00" and paid["noref"]
    elif expected[0] == "pay":
        assert paid["response_code"] == expected[1]
        assert _call(simulator, "checkstatus", "cs", ref_id=ref)["status"] == 2
    else:
        assert paid["response_code"] == "39"
        states = [_call(simulator, "checkstatus", "cs", ref_id=ref)["status"] for _ in range(2)]
        assert states == [3, 1]  # SANDBOX_PENDING_CHECKS=1


@pytest.mark.parametrize(
    ("code", "fields", "rc"),
    [
        ("ESAMSAT.JABAR", {}, "107"),
        ("PBBKOT.CIMAHI", {"year": ""}, "107"),
        ("SHOPEEPAY", {}, "107"),
        ("SHOPEEPAY", {"desc": {"amount": 50000.5}}, "107"),
        ("SHOPEEPAY", {"desc": {"amount": "abc"}}, "93"),
        ("SHOPEEPAY", {"desc": {"amount": 50}}, "93"),
    ],
)
def test_products_needing_an_extra_field_refuse_an_inquiry_without_it(
    biller: SandboxClient, code: str, fields: dict, rc: str
) -> None:
    assert biller.simulator is not None
    number = {"ESAMSAT.JABAR": "9658548523560000", "PBBKOT.CIMAHI": "329801092375990000"}.get(
        code, "082100000000"
    )
    answer = _call(biller.simulator, "inq-pasca", "extra1", code=code, hp=number, ref_id="extra1", **fields)
    assert answer["response_code"] == rc and "tr_id" not in answer


async def test_reference_only_products_are_not_in_the_catalogue(biller: SandboxClient) -> None:
    for code in ("BPJSTK", "FNMEGA", "SHOPEEPAY"):
        with pytest.raises(UnknownProduct):
            biller.product(code)


async def test_telkom_multi_bill_is_jaorah_with_per_month_lines(biller: SandboxClient) -> None:
    bill = await biller.inquire(biller.product("TELKOMPSTN"), "6391601202", "jaorah1")
    assert bill.customer_name == "JAORAH"
    assert len(bill.periods) == 3 and len(set(bill.periods)) == 3
    assert all(line.admin == 2500 for line in bill.lines) and bill.admin == 7500
    assert bill.cost is not None and 0 < bill.cost < bill.total


@pytest.mark.parametrize(
    ("code", "number"), [("PLNPOSTPAID", "530000000002"), ("PLNPOSTPAID", "530000000999"),
                         ("PDAMKOTA.MEDAN", "10202002"), ("PDAMKOTA.MEDAN", "10200999")],
)  # fmt: skip
async def test_overdue_months_carry_a_late_fee_and_the_total_is_the_price(
    biller: SandboxClient, code: str, number: str
) -> None:
    bill = await biller.inquire(biller.product(code), number, "late" + number)
    fees = [line.penalty for line in bill.lines]
    assert all(fee > 0 for fee in fees[:-1]) and fees[-1] == 0  # the newest month is not late yet
    assert bill.total == bill.raw["price"] == bill.nominal + bill.admin + sum(fees)
    if code == "PLNPOSTPAID":  # the late fees are in IAK's price, not its nominal
        assert bill.raw["price"] == bill.raw["nominal"] + bill.raw["admin"] + sum(fees)
    else:  # PDAM: IAK's nominal holds them
        assert bill.raw["nominal"] == bill.nominal + sum(fees)
    assert (await biller.pay(bill)).amount == bill.total


async def test_single_bills_carry_no_late_fee(biller: SandboxClient) -> None:
    for code, number in (("PLNPOSTPAID", "530000000000"), ("PDAMKOTA.SURABAYA", "10202001")):
        bill = await biller.inquire(biller.product(code), number, "ontime" + number)
        assert [line.penalty for line in bill.lines] == [0]
        assert bill.total == bill.nominal + bill.admin == bill.raw["price"]


async def test_reused_ref_id_is_refused_with_rc_11(biller: SandboxClient) -> None:
    product = biller.product("PLNPOSTPAID")
    await biller.inquire(product, "530000000002", "dup1")
    with pytest.raises(InquiryError) as caught:
        await biller.inquire(product, "530000000003", "dup1")
    assert caught.value.provider_code == "11" and caught.value.reason is Reason.CONFIG_ERROR


async def test_bad_signature_gets_rc_100(biller: SandboxClient) -> None:
    assert biller.simulator is not None
    wrong = IAKClient(
        username=SANDBOX_USERNAME,
        api_key="not-the-key",
        base_url="http://x",
        transport=biller.simulator.transport(),
    )
    with pytest.raises(InquiryError) as caught:
        await wrong.inquire(wrong.product("TVBIG"), "1072160000", "sig1")
    assert caught.value.provider_code == "100" and caught.value.reason is Reason.CONFIG_ERROR
    await wrong.aclose()


async def test_status_of_an_inquiry_never_paid_is_no_payment_record(biller: SandboxClient) -> None:
    bill = await biller.inquire(biller.product("PGAS"), "0110010000", "never1")
    status = await biller.check_status(bill)
    assert (status.outcome, status.reason, status.provider_code) == (
        Outcome.PENDING,
        Reason.NO_PAYMENT_RECORD,
        "42",
    )
    assert status.raw["status"] == 0


async def test_unknown_tr_id_gets_rc_06_and_unknown_ref_has_no_record(biller: SandboxClient) -> None:
    bill = Bill(
        provider="sandbox", ref_id="ghost1", product_code="PGAS", customer_number="0110010000",
        customer_name="X", nominal=1, admin=0, total=1, provider_ref="123",
    )  # fmt: skip
    paid = await biller.pay(bill)
    assert (paid.outcome, paid.provider_code) == (Outcome.FAILED, "06")
    status = await biller.check_status(bill)
    assert (status.outcome, status.reason) == (Outcome.PENDING, Reason.NO_PAYMENT_RECORD)


async def test_paying_twice_answers_already_paid_and_moves_no_money(biller: SandboxClient) -> None:
    assert biller.simulator is not None
    bill = await biller.inquire(biller.product("CBN"), "01920000", "twice1")
    first = await biller.pay(bill)
    balance = biller.simulator.state.balance
    second = await biller.pay(bill)
    assert first.outcome is Outcome.SUCCESS
    # "already paid" answering our own pay-pasca may be our own payment: pending, never failed
    assert (second.outcome, second.reason, second.provider_code) == (Outcome.PENDING, Reason.IN_PROCESS, "34")
    assert (await biller.check_status(bill)).outcome is Outcome.SUCCESS
    assert biller.simulator.state.balance == balance
    assert biller.simulator.payments() == {"twice1": 2}
    assert biller.simulator.state.pay_requests_by_tr_id[bill.provider_ref] == 2


async def test_deposit_is_the_last_balance_seen(biller: SandboxClient) -> None:
    assert await biller.deposit() is None
    bill = await biller.inquire(biller.product("TVBIG"), "1072160000", "dep1")
    result = await biller.pay(bill)
    assert result.deposit_balance is not None and await biller.deposit() == result.deposit_balance
    assert bill.cost is not None and result.deposit_balance == 1_000_000_000 - bill.cost


async def test_any_well_formed_number_gets_a_deterministic_bill(biller: SandboxClient) -> None:
    product = biller.product("PLNPOSTPAID")
    one = await biller.inquire(product, "512345678901", "det1")
    two = await biller.inquire(product, "512345678901", "det2")
    other = await biller.inquire(product, "512345678902", "det3")
    assert (one.customer_name, one.total) == (two.customer_name, two.total)
    assert one.total != other.total
    assert (await biller.pay(one)).outcome is Outcome.SUCCESS


@pytest.mark.parametrize(
    ("rc", "settled"), [("91", Outcome.FAILED), ("92", Outcome.FAILED), ("201", Outcome.SUCCESS)]
)
async def test_a_pay_answer_that_settles_nothing_is_settled_by_checkstatus(
    biller: SandboxClient, rc: str, settled: Outcome
) -> None:
    bill = await biller.inquire(biller.product("PGAS"), f"0110011{int(rc):03d}", f"settle{rc}")
    paid = await biller.pay(bill)
    assert (paid.outcome, paid.reason, paid.provider_code) == (Outcome.PENDING, Reason.IN_PROCESS, rc)
    statuses = [await biller.check_status(bill) for _ in range(2)]  # SANDBOX_PENDING_CHECKS=1
    assert statuses[-1].outcome is settled


def test_newer_scheme_accepts_other_response_codes() -> None:
    assert scenario_for("TELKOMPSTN", "6391600017").inquiry_rc == "17"
    assert scenario_for("TELKOMPSTN", "6391601201").pay_rc == "00"  # older scheme wins: success
    assert scenario_for("PGAS", "0110011201").pay_rc == "201"


async def test_bpjs_sends_month_and_bills_that_many_months(biller: SandboxClient) -> None:
    assert biller.simulator is not None
    bill = await biller.inquire(biller.product("BPJS"), "8801234560000", "bpjs1")
    assert len(bill.periods) == 1
    signed = f"{SANDBOX_USERNAME}{SANDBOX_API_KEY}bpjs2"
    status, answer = biller.simulator.handle(
        {
            "commands": "inq-pasca", "username": SANDBOX_USERNAME, "code": "BPJS", "hp": "8801234560000",
            "ref_id": "bpjs2", "month": 3, "sign": hashlib.md5(signed.encode()).hexdigest(),
        }
    )  # fmt: skip
    assert status == 200 and len(answer["data"]["period"].split(",")) == 3


async def test_pending_settles_after_configured_checks() -> None:
    client = make_biller(settings(SANDBOX_PENDING_CHECKS=3))
    bill = await client.inquire(client.product("HPTHREE"), "08991234507", "pend3")
    assert (await client.pay(bill)).outcome is Outcome.PENDING
    outcomes = [(await client.check_status(bill)).outcome for _ in range(4)]
    assert outcomes == [Outcome.PENDING] * 3 + [Outcome.SUCCESS]
    await client.aclose()


async def test_latency_applies_to_every_call() -> None:
    client = make_biller(settings(SANDBOX_LATENCY=0.2))
    started = time.monotonic()
    with pytest.raises(InquiryError):
        await client.inquire(client.product("TVBIG"), "1072160014", "lat1")
    assert time.monotonic() - started >= 0.2
    await client.aclose()


async def test_own_credentials_are_used_when_set() -> None:
    simulator = IakSimulator.from_settings(settings(IAK_USERNAME="0899", IAK_API_KEY="mine"))
    assert (simulator.username, simulator.api_key) == ("0899", "mine")
    client = make_biller(settings(IAK_USERNAME="0899", IAK_API_KEY="mine"))
    bill = await client.inquire(client.product("TVBIG"), "1072160000", "own1")
    assert bill.provider == "sandbox"
    await client.aclose()


async def test_pricelist_lists_the_catalogue(biller: SandboxClient) -> None:
    items = await biller.pricelist()
    assert {item["code"] for item in items} >= {"TELKOMPSTN", "PLNPOSTPAID", "AETRA"}


async def test_served_on_a_real_port_answers_the_iak_client_over_http() -> None:
    server = SandboxServer(IakSimulator.from_settings(settings()), "127.0.0.1", 0)
    port = await server.start()
    try:
        assert port > 0
        client = make_biller(settings(SANDBOX_URL=f"http://127.0.0.1:{port}"))
        assert type(client) is IAKClient  # no simulator in this process: only its address
        bill = await client.inquire(client.product("TELKOMPSTN"), "6391601202", "http1")
        assert len(bill.lines) == 3
        result = await client.pay(bill)
        assert result.outcome is Outcome.SUCCESS
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/_sandbox/health")).json() == {"ok": True}
            assert (await http.get("/_sandbox/payments")).json() == {"http1": 1}
        await client.aclose()
    finally:
        await server.stop()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{port}/_sandbox/health")


async def test_serve_command_prints_its_address_and_stops_on_sigterm() -> None:
    import os
    import signal
    import socket
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "BILLER": "sandbox"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert line.decode().strip() == f"Sandbox biller on http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{port}/_sandbox/health")).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0


async def test_load_numbers_are_plain_bills_of_their_own(biller: SandboxClient) -> None:
    numbers = [load_number(i) for i in (0, 1, 49, 999_999)]
    assert len(set(numbers)) == 4 and all(scenario_for(LOAD_PRODUCT, n) == Scenario() for n in numbers)
    assert not any(n.startswith(case[1]) or case[1].startswith(n) for n in numbers for case in CASES)
    product = biller.product(LOAD_PRODUCT)
    for i, number in enumerate(numbers[:2]):
        bill = await biller.inquire(product, number, f"load{i}")
        assert len(bill.periods) == 1
        assert (await biller.pay(bill)).outcome is Outcome.SUCCESS
    with pytest.raises(ValueError):
        load_number(1_000_000)
