"""PaymentService: the payment core the Telegram layer calls (docs/core-contract.md).

The rules it exists to keep:
- the payment's record, its PAYING state and the wallet debit are committed in one SQLite
  transaction *before* the pay request leaves the process, so a crash can never lose a payment;
- a transaction reaches the biller's pay call at most once: only the caller whose conditional
  UPDATE moved it INQUIRED -> PAYING sends it; everything later (a second tap, a timeout, a
  restart) settles it with the status call and the same reference;
- a FAILED payment is refunded exactly once, in the same DB transaction as the state change
  (and the database's unique index on (ref_id, kind) refuses a second refund anyway);
- every core error leaves the database as it was (the one documented exception: paying an
  expired inquiry records EXPIRED before raising InquiryExpired).

One object made of parts by concern, each in its own module over base.ServiceBase:
accounts.py (users, wallets), payments.py (inquire, pay, follow-up, recovery), settlement.py
(answers into states, refunds), notices.py (observers, alarms, retelling outcomes) and
reports.py (reading, day figures, the deposit). The names importable from here before the
split still are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.billers.base import Biller
from bot.billers.limit import LimitedBiller
from bot.config import Settings
from bot.jakarta import JAKARTA
from bot.payments.accounts import Accounts
from bot.payments.base import Alarm, Observer, _utcnow
from bot.payments.follow_up import StatusFollower
from bot.payments.ledger import Ledger
from bot.payments.limits import InquiryLimiter
from bot.payments.notices import RETELL_FIRST, RETELL_LONGEST, RETELL_MAX_ATTEMPTS, RETELL_WINDOW
from bot.payments.payments import REF_ID_MAX, Payments, new_ref_id
from bot.payments.prices import PriceBook
from bot.payments.reports import Reports
from bot.payments.settlement import STATUS_CAUSES

__all__ = [
    "JAKARTA",
    "REF_ID_MAX",
    "RETELL_FIRST",
    "RETELL_LONGEST",
    "RETELL_MAX_ATTEMPTS",
    "RETELL_WINDOW",
    "STATUS_CAUSES",
    "Alarm",
    "Observer",
    "PaymentService",
    "_utcnow",
    "new_ref_id",
]


class PaymentService(Accounts, Payments, Reports):
    """Inquiries, payments, wallets and status follow-up over a Ledger and a Biller."""

    def __init__(
        self,
        ledger: Ledger,
        biller: Biller,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.ledger = ledger
        # every inquiry, payment and status call takes one of BILLER_MAX_CONCURRENCY slots
        self.biller = LimitedBiller(biller, settings.biller_max_concurrency)
        self.settings = settings
        self._now = clock
        self._observers: list[Observer] = []
        self._alarms: list[Alarm] = []
        # pay requests of this process still waiting for their answer (see _no_record_is_final)
        self._in_flight: set[str] = set()
        self.prices = PriceBook(ledger.db, settings.markup, settings.admin_ids, clock=clock)  # prices.py
        self._follower = StatusFollower(self.follow_up_once, ledger.next_due_at, clock)
        self._retold_at = None
        # bills one user may look up (bot/payments/limits.py); operators are not limited
        self._inquiry_limit = InquiryLimiter(
            settings.inquiry_limit_per_minute, settings.inquiry_limit_per_hour
        )
