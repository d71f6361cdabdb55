"""Ayoconnect's responseCodes (reference §11) and what each means for our money.

The range decides the outcome (0–99 success, 100–199 failed, 200–299 processing, 300 inquiry
ok, 301–399 inquiry failed, anything else processing); the tables give the reason.
"""

from __future__ import annotations

from bot.billers.base import Outcome, Reason

# Inquiry failures, per code (reference §11.2).
INQUIRY_REASONS: dict[int, Reason] = {
    112: Reason.BLOCKED,
    181: Reason.BILLER_DOWN,
    184: Reason.BILLER_DOWN,
    301: Reason.LIMIT_EXCEEDED,
    302: Reason.ALREADY_PAID,
    303: Reason.BILL_NOT_AVAILABLE,
    304: Reason.WRONG_NUMBER,
    305: Reason.BILLER_DOWN,
    306: Reason.WRONG_NUMBER,
    307: Reason.WRONG_NUMBER,
    308: Reason.WRONG_NUMBER,
    309: Reason.ALREADY_PAID,
    310: Reason.BILLER_DOWN,
    311: Reason.BILLER_DOWN,
    312: Reason.INQUIRY_EXPIRED,
    313: Reason.INQUIRY_EXPIRED,
    314: Reason.PAYMENT_FAILED,
    315: Reason.LIMIT_EXCEEDED,
    316: Reason.BILLER_DOWN,
    317: Reason.BILLER_DOWN,
    318: Reason.CONFIG_ERROR,
    319: Reason.BILLER_DOWN,
    320: Reason.PAY_AT_COUNTER,
    321: Reason.CONFIG_ERROR,
    322: Reason.CONFIG_ERROR,
    323: Reason.BILLER_DOWN,
    324: Reason.PAY_AT_COUNTER,
    330: Reason.LIMIT_EXCEEDED,
    341: Reason.CONFIG_ERROR,
    364: Reason.BILLER_DOWN,
    399: Reason.BILLER_DOWN,
    401: Reason.CONFIG_ERROR,
    409: Reason.INQUIRY_EXPIRED,
}

# Failed payments (100–199), per code; the range decides the outcome, this only the reason.
PAYMENT_REASONS: dict[int, Reason] = {
    100: Reason.BILLER_DOWN,
    101: Reason.BILLER_DOWN,
    103: Reason.WRONG_NUMBER,
    104: Reason.PAYMENT_FAILED,
    105: Reason.BLOCKED,
    106: Reason.LIMIT_EXCEEDED,
    107: Reason.BLOCKED,
    109: Reason.BILLER_DOWN,
    110: Reason.BILLER_DOWN,
    111: Reason.LIMIT_EXCEEDED,
    112: Reason.BLOCKED,
    114: Reason.PAYMENT_FAILED,
    180: Reason.BILLER_DOWN,
    181: Reason.BILLER_DOWN,
    183: Reason.PAYMENT_FAILED,
    184: Reason.BILLER_DOWN,
    185: Reason.INQUIRY_EXPIRED,
    186: Reason.CONFIG_ERROR,
    198: Reason.PAYMENT_FAILED,
    199: Reason.PAYMENT_FAILED,
}


def classify_payment(code: int | None, *, status: bool = False) -> tuple[Outcome, Reason]:
    """What a payment (or, with status=True, a status) responseCode means for our money.

    300 ("inquiry ok") is no answer about a payment: pending. 301–399 refuse a payment at
    its inquiry check (nothing charged), but on a status call only 312/313 speak of the
    payment (§11.2); any other 3xx there is about the status request: pending (§13.4).
    """
    if code is None:
        return Outcome.PENDING, Reason.UNKNOWN
    if 0 <= code <= 99:
        return Outcome.SUCCESS, Reason.OK
    if code in (102, 108):
        return Outcome.PENDING, Reason.IN_PROCESS  # duplicate: the first one is being handled
    if code == 188:
        return Outcome.PENDING, Reason.NO_PAYMENT_RECORD if status else Reason.UNKNOWN
    if 100 <= code <= 199:
        return Outcome.FAILED, PAYMENT_REASONS.get(code, Reason.PAYMENT_FAILED)
    if 200 <= code <= 299:
        return Outcome.PENDING, Reason.IN_PROCESS
    if code == 300:
        return Outcome.PENDING, Reason.UNKNOWN
    if code in (312, 313):
        return Outcome.FAILED, Reason.INQUIRY_EXPIRED
    if 301 <= code <= 399:
        reason = INQUIRY_REASONS.get(code, Reason.PAYMENT_FAILED)
        return (Outcome.PENDING if status else Outcome.FAILED), reason
    return Outcome.PENDING, Reason.UNKNOWN  # outside 0–399: processing, ask status


def inquiry_reason(code: int | None) -> Reason:
    """Why an inquiry with this code (not 300) found no payable bill."""
    if code is None:
        return Reason.BAD_RESPONSE
    if code in INQUIRY_REASONS:
        return INQUIRY_REASONS[code]
    if 301 <= code <= 399:
        return Reason.BILLER_DOWN
    if 100 <= code <= 199:
        return PAYMENT_REASONS.get(code, Reason.BILLER_DOWN)
    return Reason.UNKNOWN
