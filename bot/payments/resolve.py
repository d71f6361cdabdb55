"""Operators close a payment the biller never settled: `/resolve <ref> success|failed <why>`.

A payment the follow-up could not settle (the biller keeps answering "in process", or cannot be
reached) stays PENDING, holds the user's money and blocks its bill for everyone: the
one-bill-at-a-time rule refuses every new payment of it. Only a person who checked with the
biller can close it. The rules:

- operators only (ADMIN_IDS); a PAYING or PENDING payment only, and never one whose pay request
  is still waiting for its answer in this process (that answer decides, as it always does);
- the biller is asked once more with the status call first (never paid again). A final answer
  (paid, failed, or "no record" past the grace) wins and is applied through the normal answer
  path; the operator's decision is then not recorded, and the operator is told so;
- otherwise the decision is applied through that same path as an answer of cause "operator"
  whose raw part names the operator and their reason: an appended event, the refund of a
  failure (the one refund path, with the database's one-refund-per-payment guard), the owner
  told through the observers (and told again by `retell` if that fails);
- a later biller answer that contradicts the decision changes nothing (final is final) and
  raises the reconciliation alarm, like any contradicting answer.

Refusals (`TransactionNotFound`, `PermissionError`, `NotResolvable`, `ResolveNoteMissing`)
change nothing and make no biller call.

This module uses three internals of the core's settlement part (settlement.py): `_in_flight` (pay requests of
this process still waiting), `_unclear` (the PENDING answer of a status call that raised) and
`_record` (store an answer: state move, refund, observers, alarm).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.billers.base import Outcome, PaymentResult, Reason
from bot.payments.errors import PaymentError, TransactionNotFound
from bot.payments.models import OPEN_PAYMENT_STATES, Transaction

if TYPE_CHECKING:
    from bot.payments.settlement import Settlement

log = logging.getLogger(__name__)

NOTE_MAX = 200  # characters of an operator's reason or biller reference
OPERATOR_CAUSE = "operator"  # the event's cause when an operator settled a payment
STATUS_CAUSE = "resolve"  # the status call made before an operator's decision


class Verdict(StrEnum):
    SUCCESS = "success"  # the biller paid the bill: the note is the biller's reference
    FAILED = "failed"  # the bill was not paid: the note is the reason; the wallet is refunded


class NotResolvable(PaymentError):
    """Not a payment an operator may close now. `why`: "settled" (a final state, which never
    changes), "not_paid" (an inquiry: there is nothing to close) or "in_flight" (this process's
    pay request is still waiting for its answer)."""

    def __init__(self, transaction: Transaction, why: str) -> None:
        super().__init__(f"{transaction.ref_id} cannot be resolved: {why}")
        self.transaction = transaction
        self.why = why


class ResolveNoteMissing(PaymentError):
    """A success needs the biller's reference and a failure a reason (`too_long`: over NOTE_MAX)."""

    def __init__(self, verdict: Verdict, too_long: bool = False) -> None:
        what = "biller reference" if verdict is Verdict.SUCCESS else "reason"
        super().__init__(f"a {verdict.value} resolve needs a {what} of 1 to {NOTE_MAX} characters")
        self.verdict = verdict
        self.too_long = too_long


class Resolution(BaseModel):
    """What /resolve did: `by_biller` when the status call's final answer settled it instead."""

    transaction: Transaction
    by_biller: bool
    status: PaymentResult  # the biller's answer to the status call made first


def _refuse_unless_open(tx: Transaction, in_flight: set[str]) -> None:
    if tx.is_final:
        raise NotResolvable(tx, "settled")
    if tx.state not in OPEN_PAYMENT_STATES:
        raise NotResolvable(tx, "not_paid")
    if tx.ref_id in in_flight:
        raise NotResolvable(tx, "in_flight")


def operator_answer(tx: Transaction, admin_id: int, verdict: Verdict, note: str) -> PaymentResult:
    """The operator's decision as an answer for the normal path; `raw` is what the event keeps."""
    success = verdict is Verdict.SUCCESS
    return PaymentResult(
        outcome=Outcome.SUCCESS if success else Outcome.FAILED,
        reason=Reason.OK if success else Reason.PAYMENT_FAILED,
        provider=tx.provider,
        ref_id=tx.ref_id,
        provider_code=OPERATOR_CAUSE,
        message=f"resolved {verdict.value} by operator {admin_id}: {note}",
        biller_ref=note if success else "",
        raw={"operator_id": admin_id, "verdict": verdict.value, "note": note},
    )


async def resolve(
    service: Settlement, admin_id: int, ref_id: str, verdict: Verdict | str, note: str
) -> Resolution:
    """Close an open payment as the operator says, unless the biller's own final answer does."""
    if not service.is_admin(admin_id):
        raise PermissionError(f"user {admin_id} is not an admin")
    verdict = Verdict(verdict)
    note = " ".join(note.split())
    if not note or len(note) > NOTE_MAX:
        raise ResolveNoteMissing(verdict, too_long=bool(note))
    tx = service.ledger.get_transaction(ref_id)
    if tx is None:
        raise TransactionNotFound(ref_id)
    _refuse_unless_open(tx, service._in_flight)
    # The biller first: its final answer is the truth, applied as any status answer is.
    try:
        status = await service.biller.check_status(tx.bill)
    except Exception as error:  # unreachable, a 5xx, a timeout: no answer, so the operator decides
        log.warning("status %s raised %s before /resolve", ref_id, type(error).__name__)
        status = service._unclear(tx, f"{type(error).__name__} during status check")
    before = service.ledger.get_transaction(ref_id)  # what _record's first, synchronous step reads
    checked = await service._record(ref_id, status, STATUS_CAUSE)
    if before is None or before.is_final:  # settled meanwhile (another operator, the follow-up)
        raise NotResolvable(checked, "settled")
    if checked.is_final:
        return Resolution(transaction=checked, by_biller=True, status=status)
    # No await from this re-read to the commit in _record: nothing in this process can slip in
    # between (another /resolve, the follow-up, a pay answer).
    current = service.ledger.get_transaction(ref_id)
    assert current is not None
    _refuse_unless_open(current, service._in_flight)
    settled = await service._record(ref_id, operator_answer(current, admin_id, verdict, note), OPERATOR_CAUSE)
    return Resolution(transaction=settled, by_biller=False, status=status)
