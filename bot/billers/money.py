"""Turning a provider's number into integer rupiah, without letting a float touch money."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# The most one amount may be (1 trillion rupiah): a wallet operation past it is refused by the
# core, and a biller amount past it is an answer no wallet could pay. Every sum of such amounts
# stays far inside SQLite's 64-bit integers. Defined here, below the core, so both use this one.
MAX_RUPIAH = 1_000_000_000_000


class NotRupiah(ValueError):
    """The value is not a whole number of rupiah (fractional, empty, text, bool)."""


class OutOfRange(NotRupiah):
    """A whole number, but more than MAX_RUPIAH either way: no bill, price or balance is that."""


def to_rupiah(value: object) -> int:
    """Accept 49870, 49870.0, "49870", "49870.00"; refuse 49870.5, "", None, True."""
    if isinstance(value, bool) or value is None:
        raise NotRupiah("not an amount")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise NotRupiah("not an amount")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise NotRupiah("not a number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise NotRupiah("fractional rupiah")
    return int(number)


def to_amount(value: object) -> int:
    """A biller's amount (bill, fee, price, balance): `to_rupiah`, at most MAX_RUPIAH either way."""
    rupiah = to_rupiah(value)
    if abs(rupiah) > MAX_RUPIAH:
        raise OutOfRange(f"more than {MAX_RUPIAH} rupiah")
    return rupiah
