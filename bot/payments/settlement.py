"""A pay or status answer turned into a state: SUCCESS, FAILED (refunded once) or still PENDING.

Status answers that move a transaction are events (transaction_events); answers that do not
("still pending", "no record yet") are appended to `status_checks`, so the event log stays a
log of transitions and the audit trail of every status call is still complete. A final state
never changes: a later answer that contradicts it raises an alarm for a person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.billers.base import Outcome, PaymentResult, Reason
from bot.payments.base import log
from bot.payments.errors import TransactionNotFound
from bot.payments.models import OPEN_PAYMENT_STATES, EntryKind, Transaction, TxState
from bot.payments.notices import Notices
from bot.payments.states import transition
from storage.db import when_free

STATUS_CAUSES = frozenset({"status", "refresh", "recovery", "resolve"})  # "resolve": /resolve asks first


class Settlement(Notices):
    """Recording the biller's answers about payments already sent."""

    def _unclear(self, tx: Transaction, message: str) -> PaymentResult:
        return PaymentResult(
            outcome=Outcome.PENDING,
            reason=Reason.UNKNOWN,
            provider=tx.provider,
            ref_id=tx.ref_id,
            message=message,
        )

    def _no_record_is_final(self, tx: Transaction, now: datetime) -> bool:
        """The "provider has no payment record" rule.

        IAK check-status answers `status 0` / rc 42, "payment request not yet received" (IAK
        reference §4), and Ayoconnect's status answers 188 "transaction is not available"
        (ayoconnect.md §9: "If 188 persists well past the payment attempt (e.g. several polls
        over ≥ 5 min), the payment most likely never registered"). Right after a payment the
        request may still be on its way, so such an answer means *wait*. Once
        NO_RECORD_GRACE_SECONDS have passed since paid_at, the request never reached the
        provider: the payment is FAILED and refunded. It is never sent a second time.

        Two cases where "no record" is not believed, because we know better and a refund could
        pay the bill out of the operator's pocket:
        - this process's pay request is still waiting for its answer (a slow biller, a status
          check racing it): the request may land after the status call; the pay answer decides;
        - the provider already said it had the payment ("in process": IAK 39, Ayoconnect
          102/108/2xx), in the pay answer or an earlier status answer: a later "no record" is the
          provider's glitch. It stays PENDING and is flagged for the operator after the window.
        """
        if tx.paid_at is None or tx.ref_id in self._in_flight:
            return False
        if (now - tx.paid_at).total_seconds() < self.settings.no_record_grace_seconds:
            return False
        return not self.ledger.provider_acknowledged(tx.ref_id)

    async def _record(
        self, ref_id: str, result: PaymentResult, cause: str, *, grouped: bool = True
    ) -> Transaction:
        """Store a pay or status answer; notify observers after the commit when it matters.

        Committed with the other writes of this turn of the event loop (storage/commits.py);
        `grouped=False`: committed at once, before anything else in this process runs (resolve.py
        relies on that)."""
        # A lock another program holds (a backup, an sqlite3 shell) must not lose the answer to a
        # payment already sent: tried again without holding up the other chats.
        if grouped:
            tx, tell = await self.ledger.together_when_free(self._apply_answer, ref_id, result, cause)
        else:
            tx, tell = await when_free(self._apply_answer_now, ref_id, result, cause)
        if tell:
            await self._notify(tx)
        if self.needs_reconciling(tx, result):
            await self._raise_alarm(tx, result)
        return tx

    @classmethod
    def needs_reconciling(cls, tx: Transaction, result: PaymentResult) -> bool:
        """An answer only a person can square with our books: it contradicts the settled state,
        or a success names another total than the bill the user confirmed (we paid that bill's
        total; a biller that took more or less must be checked)."""
        if cls._contradicts(tx.state, result.outcome):
            return True
        return (
            tx.state is TxState.SUCCESS
            and result.outcome is Outcome.SUCCESS
            and result.amount is not None
            and result.amount != tx.bill_total
        )

    def _apply_answer_now(self, ref_id: str, result: PaymentResult, cause: str) -> tuple[Transaction, bool]:
        with self.ledger.transaction():
            return self._apply_answer(ref_id, result, cause)

    def _apply_answer(self, ref_id: str, result: PaymentResult, cause: str) -> tuple[Transaction, bool]:
        """Inside the caller's transaction (`_record`: a group commit). Returns the transaction as
        it is now and whether the observers are to be told."""
        now = self._now()
        tx = self.ledger.get_transaction(ref_id)
        if tx is None:
            raise TransactionNotFound(ref_id)
        if result.deposit_balance is not None:
            self.ledger.record_deposit(self.biller.name, result.deposit_balance, ref_id, now)
        if tx.state not in OPEN_PAYMENT_STATES:  # settled meanwhile: keep the answer for audit
            self.ledger.append_status_check(ref_id, tx.state, cause, result, now)
            if self._contradicts(tx.state, result.outcome):
                # a final state never changes, so the money has to be put right by a person
                log.error(
                    "%s is %s but the provider now answers %s (%s): reconcile by hand",
                    ref_id, tx.state.value, result.outcome.value, result.provider_code,
                )  # fmt: skip
            return tx, False
        outcome = result.outcome
        is_status = cause in STATUS_CAUSES
        if (
            outcome is Outcome.PENDING
            and result.reason is Reason.NO_PAYMENT_RECORD
            and is_status
            and self._no_record_is_final(tx, now)
        ):
            outcome = Outcome.FAILED
        checks = tx.checks + (1 if is_status else 0)
        if outcome is Outcome.SUCCESS:
            tx = transition(
                self.ledger,
                tx,
                TxState.SUCCESS,
                cause=cause,
                now=now,
                result=result,
                checks=checks,
                biller_ref=result.biller_ref or tx.biller_ref,
                provider_txn_id=result.provider_txn_id or tx.provider_txn_id,
            )
            return tx, True
        if outcome is Outcome.FAILED:
            tx = transition(
                self.ledger,
                tx,
                TxState.FAILED,
                cause=cause,
                now=now,
                result=result,
                checks=checks,
                provider_txn_id=result.provider_txn_id or tx.provider_txn_id,
            )
            self.ledger.add_entry(
                tx.user_id, EntryKind.REFUND, tx.amount, now, ref_id=ref_id, reason=f"refund {ref_id}"
            )
            return tx, True
        assert tx.paid_at is not None
        due = self._next_check(tx.paid_at, now, ref_id)
        newly_flagged = due is None and not tx.flagged
        fields: dict[str, Any] = {
            "checks": checks,
            "next_check_at": due,
            "flagged": tx.flagged or due is None,
        }
        if tx.state is TxState.PAYING:
            tx = transition(
                self.ledger, tx, TxState.PENDING, cause=cause, now=now, result=result, **fields
            )
        else:
            self.ledger.update_transaction(ref_id, TxState.PENDING, updated_at=now, **fields)
            self.ledger.append_status_check(ref_id, tx.state, cause, result, now)
            tx = self.ledger.get_transaction(ref_id) or tx
        return tx, newly_flagged

    @staticmethod
    def _contradicts(state: TxState, outcome: Outcome) -> bool:
        """A late answer that says the opposite of a settled payment (refunded but paid, ...)."""
        return (state is TxState.FAILED and outcome is Outcome.SUCCESS) or (
            state is TxState.SUCCESS and outcome is Outcome.FAILED
        )

    async def _check(self, tx: Transaction, cause: str) -> Transaction:
        """One status call for an open payment (never a pay call), recorded."""
        try:
            result = await self.biller.check_status(tx.bill)
        except Exception as error:
            log.warning("status %s raised %s: still pending", tx.ref_id, type(error).__name__)
            result = self._unclear(tx, f"{type(error).__name__} during status check")
        return await self._record(tx.ref_id, result, cause)
