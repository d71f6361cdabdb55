"""Provider numbers become integer rupiah or a refusal; no float ever reaches a Bill."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.billers.money import MAX_RUPIAH, NotRupiah, OutOfRange, to_amount, to_rupiah


@given(st.integers(min_value=0, max_value=10**15))
def test_whole_amounts_in_every_shape_become_the_same_int(amount: int) -> None:
    assert to_rupiah(amount) == amount
    assert to_rupiah(str(amount)) == amount
    assert to_rupiah(f" {amount}.00 ") == amount
    if amount < 2**53:
        assert to_rupiah(float(amount)) == amount
    assert type(to_rupiah(str(amount))) is int


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=99))
def test_fractional_rupiah_is_refused(whole: int, cents: int) -> None:
    with pytest.raises(NotRupiah):
        to_rupiah(f"{whole}.{cents:02d}")
    with pytest.raises(NotRupiah):
        to_rupiah(whole + cents / 100)


@pytest.mark.parametrize(
    "value", [None, "", "  ", "12a", "1,5", True, [1], {"a": 1}, float("nan"), float("inf")]
)
def test_non_amounts_are_refused(value: object) -> None:
    with pytest.raises(NotRupiah):
        to_rupiah(value)


@pytest.mark.parametrize("value", [MAX_RUPIAH, -MAX_RUPIAH, str(MAX_RUPIAH), float(MAX_RUPIAH), 0])
def test_amounts_up_to_the_wallet_cap_are_amounts(value: object) -> None:
    assert to_amount(value) == int(value)  # type: ignore[call-overload]


@pytest.mark.parametrize("value", [MAX_RUPIAH + 1, -MAX_RUPIAH - 1, 2**63, str(2**63), f"{2**64}.00", 1e300])
def test_amounts_past_the_wallet_cap_are_refused(value: object) -> None:
    with pytest.raises(OutOfRange):
        to_amount(value)
    with pytest.raises(NotRupiah):  # the callers' one except clause catches these too
        to_amount(value)


def test_the_wallet_cap_is_the_billers_cap() -> None:
    from bot.payments import models

    assert models.MAX_RUPIAH is MAX_RUPIAH
