"""IAK's postpaid response codes (reference §6) and what each means for our money.

Inquiry reads only the reason; a pay-pasca answer and a checkstatus answer read the outcome
through the rules below, checkstatus together with the `status` field, the payment's own state.
"""

from __future__ import annotations

from bot.billers.base import Outcome, Reason

_F, _P, _S = Outcome.FAILED, Outcome.PENDING, Outcome.SUCCESS

# Every postpaid response code of the IAK reference §6, as (what it says of a payment, reason).
# Inquiry uses only the reason; payment and checkstatus read it through the rules below.
RESPONSE_CODES: dict[str, tuple[Outcome, Reason]] = {
    "00": (_S, Reason.OK),
    "01": (_F, Reason.ALREADY_PAID),
    "02": (_P, Reason.UNKNOWN),  # "bill unpaid" after a pay request: unclear, ask status
    "03": (_F, Reason.CONFIG_ERROR),  # invalid ref id: our format
    "04": (_F, Reason.INQUIRY_EXPIRED),
    "05": (_P, Reason.UNKNOWN),  # undefined error: IAK marks it pending
    "06": (_F, Reason.INQUIRY_EXPIRED),  # inquiry id not found: inquire again
    "07": (_F, Reason.PAYMENT_FAILED),
    "08": (_F, Reason.BLOCKED),
    "09": (_F, Reason.BILLER_DOWN),  # inquiry failed, retry later
    "10": (_F, Reason.BILL_NOT_AVAILABLE),
    "11": (_F, Reason.CONFIG_ERROR),  # duplicate ref id: our generator is broken
    "13": (_F, Reason.BLOCKED),
    "14": (_F, Reason.WRONG_NUMBER),
    "15": (_F, Reason.WRONG_NUMBER),
    "16": (_F, Reason.WRONG_NUMBER),
    "17": (_F, Reason.INSUFFICIENT_DEPOSIT),
    "20": (_F, Reason.CONFIG_ERROR),  # product unregistered
    "30": (_F, Reason.PAY_AT_COUNTER),
    "31": (_F, Reason.LIMIT_EXCEEDED),
    "32": (_F, Reason.PAYMENT_FAILED),  # all periods must be paid together
    "33": (_F, Reason.BILLER_DOWN),
    "34": (_F, Reason.ALREADY_PAID),
    "35": (_F, Reason.PAYMENT_FAILED),  # another unpaid arrear
    "36": (_F, Reason.PAY_AT_COUNTER),
    "37": (_F, Reason.PAYMENT_FAILED),
    "38": (_F, Reason.PAYMENT_FAILED),
    "39": (_P, Reason.IN_PROCESS),
    "40": (_F, Reason.ALREADY_PAID),
    "41": (_F, Reason.PAY_AT_COUNTER),
    "42": (_P, Reason.UNKNOWN),  # "payment request not received" in answer to a payment
    "91": (_P, Reason.BILLER_DOWN),  # IAK's database unreachable: says nothing of the payment
    "92": (_F, Reason.PAYMENT_FAILED),  # general error, "contact CS": final only with status 2
    "93": (_F, Reason.PAYMENT_FAILED),  # invalid amount
    "94": (_F, Reason.PAYMENT_FAILED),  # service expired
    "100": (_F, Reason.CONFIG_ERROR),  # invalid signature
    "101": (_F, Reason.CONFIG_ERROR),
    "102": (_F, Reason.CONFIG_ERROR),  # IP not whitelisted
    "103": (_P, Reason.TIMEOUT),  # on payment: verify with checkstatus before anything else
    "105": (_F, Reason.BILLER_DOWN),
    "106": (_F, Reason.BILLER_DOWN),
    "107": (_F, Reason.CONFIG_ERROR),
    "108": (_F, Reason.CONFIG_ERROR),  # our account id can't sell this product
    "109": (_F, Reason.BILLER_DOWN),  # cut-off (PLN 23:00–01:00 WIB)
    "110": (_F, Reason.BILLER_DOWN),
    "117": (_F, Reason.CONFIG_ERROR),
    "118": (_F, Reason.CONFIG_ERROR),  # account suspended
    "201": (_P, Reason.UNKNOWN),
}

# On pay-pasca these codes may speak of a payment IAK still makes: "already paid" may be our
# own payment reported back, and 92 is "undefined yet, contact CS" like 201. Pending: checkstatus
# with the same ref_id settles them.
PAY_PENDING = frozenset({"01", "34", "40", "92"})

# On checkstatus a few codes mean something more definite than on payment.
STATUS_OVERRIDES: dict[str, tuple[Outcome, Reason]] = {
    "42": (_P, Reason.NO_PAYMENT_RECORD),  # status 0: inquiry only, never paid
    "06": (_P, Reason.NO_PAYMENT_RECORD),  # ref_id unknown to IAK
    "02": (_P, Reason.NO_PAYMENT_RECORD),
    "103": (_F, Reason.TIMEOUT),  # with status 2: a payment that timed out at the biller
}

# On checkstatus these codes refuse the status *request* (signature, IP, command, format,
# account, IAK's own outage): they say nothing about the payment, which stays unknown. A
# FAILED here would refund a payment IAK may have made (e.g. after a key or IP change).
STATUS_REQUEST_REFUSED = frozenset({"03", "33", "91", "100", "101", "102", "107", "110", "117", "118"})

# The `status` field of a checkstatus answer (IAK §4) is the payment's own state. A final
# outcome must agree with it: SUCCESS with 1 (or no field), FAILED only with an explicit 2.
# With 1 (paid) or 3 (processing) IAK holds the payment, whatever the code says.
_STATUS_FIELD = {"0": _P, "1": _S, "2": _F, "3": _P}
_HELD = frozenset({"1", "3"})

# Inquiry answers that are a bill.
INQUIRY_OK = frozenset({"00", "02"})


def payment_outcome(code: str) -> tuple[Outcome, Reason]:
    """What a pay-pasca answer about our payment with this code means.

    Whatever IAK answers about our payment that is not final (unknown codes too) says IAK
    holds the request: PENDING, Reason.IN_PROCESS. The core reads that as the provider's
    acknowledgement, so a later checkstatus "no record" never fails (and refunds) it.
    """
    outcome, reason = RESPONSE_CODES.get(code, (_P, Reason.UNKNOWN))
    if outcome is _P or code in PAY_PENDING:
        return _P, Reason.IN_PROCESS
    return outcome, reason


def status_outcome(code: str, state: object = None) -> tuple[Outcome, Reason]:
    """What a checkstatus answer with this code and `status` field means.

    Unknown codes, refused status requests and answers whose `status` field does not back
    the code are PENDING: only the follow-up (or the operator) may settle those.
    """
    outcome, reason = STATUS_OVERRIDES.get(code) or RESPONSE_CODES.get(code, (_P, Reason.UNKNOWN))
    if code in STATUS_REQUEST_REFUSED:
        return _P, reason  # keep the reason: the operator has something to fix
    own = None if state is None or str(state).strip() == "" else str(state).strip()
    if own in _HELD and not (outcome is _S and own == "1"):
        return _P, Reason.IN_PROCESS  # IAK has the payment (42/02/06 are no "no record" then)
    field = None if own is None else _STATUS_FIELD.get(own, _P)
    if outcome is _S and field not in (None, _S):
        return _P, Reason.UNKNOWN
    if outcome is _F and field is not _F:
        return _P, reason if field is None else Reason.UNKNOWN
    return outcome, reason


def inquiry_reason(code: str) -> Reason:
    """Why an inquiry with this (non-OK) code found no payable bill."""
    if code in {"05", "39", "201", "42"}:
        return Reason.UNKNOWN
    if code == "103":
        return Reason.TIMEOUT
    return RESPONSE_CODES.get(code, (_F, Reason.UNKNOWN))[1]
