"""The catalogue: every product present, every sandbox test number accepted, typos refused."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.billers.base import InvalidCustomerNumber, UnknownProduct
from bot.billers.catalog import ayoconnect_catalog, find_product, iak_catalog
from bot.billers.iak import IAKClient
from tests.billers_numbers import CASES

EXPECTED = {
    "TELKOMPSTN": "telkom",
    "TVTLKMV": "tv",
    "TVBIG": "tv",
    "HPTHREE": "hp",
    "PLNPOSTPAID": "pln",
    "BPJS": "bpjs",
    "PGAS": "gas",
    "CBN": "internet",
    "PDAMKOTA.SURABAYA": "pdam",
    "PDAMKOTA.MEDAN": "pdam",
    "AETRA": "pdam",
}


def test_iak_catalogue_has_every_product_in_its_category() -> None:
    products = {p.code: p for p in iak_catalog()}
    assert {code: p.category for code, p in products.items()} == EXPECTED
    assert products["TELKOMPSTN"].name == "Telkom Telepon / IndiHome"
    assert products["TVTLKMV"].name == "Telkomvision / TransVision"
    assert products["BPJS"].needs_month and not products["PLNPOSTPAID"].needs_month
    assert all(p.number_rule.hint for p in products.values())


def test_ayoconnect_catalogue_adds_halo_and_guesses_no_provider_codes() -> None:
    products = {p.code: p for p in ayoconnect_catalog()}
    assert set(products) == {*EXPECTED, "HPTSEL"}
    assert not any(p.provider_code for p in products.values())  # codes come from the partner's list
    configured = {
        p.code: p for p in ayoconnect_catalog({"HPTSEL": "PSCBYRTLKHALO", "plnpostpaid": "LSTPPPOG"})
    }
    assert configured["HPTSEL"].biller_code == "PSCBYRTLKHALO"
    assert configured["PLNPOSTPAID"].biller_code == "LSTPPPOG"
    assert configured["TELKOMPSTN"].provider_code == ""
    assert products["HPTSEL"].number_rule.check("0811111111") == "0811111111"


@pytest.mark.parametrize(("code", "number", "expected"), CASES, ids=[f"{c}-{n}" for c, n, _ in CASES])
def test_every_sandbox_test_number_passes_its_rule(code: str, number: str, expected: tuple) -> None:
    assert find_product(iak_catalog(), code).number_rule.check(number) == number


def test_lookup_is_case_insensitive_and_unknown_codes_are_typed() -> None:
    assert find_product(iak_catalog(), " pdamkota.medan ").code == "PDAMKOTA.MEDAN"
    with pytest.raises(UnknownProduct):
        find_product(iak_catalog(), "PULSA10")


@pytest.mark.parametrize(
    ("code", "number", "rule"),
    [
        ("TELKOMPSTN", "", "empty"),
        ("TELKOMPSTN", "02155x51234", "digits"),
        ("TELKOMPSTN", "12345", "too_short"),
        ("TELKOMPSTN", "02155512345678", "too_long"),
        ("HPTHREE", "08121234567", "prefix"),
        ("BPJS", "1234567890123", "prefix"),
        ("PLNPOSTPAID", "５３００００００００01", "digits"),
    ],
)
async def test_malformed_numbers_are_refused_before_any_call(code: str, number: str, rule: str) -> None:
    client = IAKClient(username="0812", api_key="k", base_url="https://iak.test")
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        route = router.post("https://iak.test/api/v1/bill/check").mock(return_value=httpx.Response(200))
        with pytest.raises(InvalidCustomerNumber) as caught:
            await client.inquire(client.product(code), number, "ref1")
        assert caught.value.rule == rule
        assert not route.called
    await client.aclose()


def test_numbers_are_cleaned_of_spaces_and_dashes() -> None:
    rule = find_product(iak_catalog(), "PLNPOSTPAID").number_rule
    assert rule.check("5300-0000 0002") == "530000000002"
