"""Turning a provider's number into integer rupiah, without letting a float touch money."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


class NotRupiah(ValueError):
    """The value is not a whole number of rupiah (fractional, empty, text, bool)."""


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
