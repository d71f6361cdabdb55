"""The bill step: a paid bill intent's bill paid from the wallet the QR credited, once.

PaymentService.pay pays a bill at most once itself (after a crash it answers NotPayable for a
bill already on its way); the step's outcome is claimed once in the database, so a restart, the
poller and the credit racing each other record it once. A bill that can no longer be paid keeps
the money in the wallet (`kept`), and the owner is told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.moneyin.models import BillStep, IntentNews, IntentState, News
from bot.moneyin.store import MoneyInStore
from bot.payments.errors import (
    BillBeingPaid,
    InquiryExpired,
    InsufficientBalance,
    NotPayable,
    PaymentError,
    TransactionNotFound,
)
from bot.payments.models import OPEN_PAYMENT_STATES, TxState

log = logging.getLogger(__name__)


class BillPayer:
    """Pays the bills of paid bill intents through the payment core."""

    def __init__(
        self,
        payments: Any,  # bot.payments.service.PaymentService (its public methods only)
        store: MoneyInStore,
        clock: Callable[[], datetime],
    ) -> None:
        self.payments = payments
        self.store = store
        self._now = clock
        self.running: set[str] = set()  # order ids whose bill step is under way in this process

    async def pay(self, order_id: str) -> IntentNews | None:
        """Pay `order_id`'s bill once; the news for its owner when the money stays in the wallet."""
        if order_id in self.running:
            return None
        self.running.add(order_id)
        try:
            intent = self.store.get_intent(order_id)
            if intent is None or intent.bill_step is not BillStep.TODO or intent.bill_ref is None:
                return None
            step, note = BillStep.PAID, ""
            if intent.state is IntentState.REVERSED:
                step, note = BillStep.KEPT, "reversed"
            else:
                try:
                    tx = await self.payments.pay(intent.bill_ref, intent.user_id)
                    note = tx.state.value
                except NotPayable as refused:
                    started = OPEN_PAYMENT_STATES | {TxState.SUCCESS, TxState.FAILED}  # sent
                    if refused.state in started:
                        note = f"already {refused.state.value}"
                    else:
                        step, note = BillStep.KEPT, refused.state.value.lower()
                except InquiryExpired as expired:
                    reason = expired.transaction.reason
                    step, note = BillStep.KEPT, reason.value if reason else "inquiry_expired"
                except BillBeingPaid:
                    step, note = BillStep.KEPT, "bill_being_paid"
                except InsufficientBalance:
                    step, note = BillStep.KEPT, "insufficient_balance"
                except TransactionNotFound:
                    step, note = BillStep.KEPT, "not_found"
                except PaymentError as error:
                    step, note = BillStep.KEPT, type(error).__name__
                except Exception:  # a bug or the database: stays todo, tried again by the poller
                    log.exception("paying the bill of %s failed; it will be tried again", order_id)
                    return None
            now = self._now()
            with self.store.transaction():
                claimed = self.store.claim_bill_step(order_id, step, note, now)
                if claimed:
                    current = self.store.get_intent(order_id)
                    assert current is not None
                    self.store.append_intent_event(
                        order_id, current.state, current.state, "bill", now, reason=step.value, message=note
                    )
            if claimed and step is BillStep.KEPT:
                kept = self.store.get_intent(order_id)
                assert kept is not None
                return IntentNews(intent=kept, news=News.BILL_KEPT, detail=note)
            return None
        finally:
            self.running.discard(order_id)
