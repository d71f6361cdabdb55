"""What every part of PaymentService shares: its collaborators, its clock and a few rules.

PaymentService (service.py) is one object made of parts by concern, each a class over
ServiceBase: accounts.py (users and wallets), notices.py (observers, alarms, retelling
outcomes), settlement.py (a pay or status answer turned into a state), payments.py (inquire,
pay, follow-up, recovery) and reports.py (reading transactions, stats, the deposit). The facade
composes them, so callers see one object, as before the split.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.billers.base import Biller, PaymentResult
from bot.config import Settings
from bot.payments.errors import TransactionNotFound
from bot.payments.follow_up import StatusFollower, next_check_after
from bot.payments.ledger import Ledger
from bot.payments.limits import InquiryLimiter
from bot.payments.models import Role, Transaction
from bot.payments.prices import PriceBook

# One logger for the whole core, named as before the split: log filters that key on it still work.
log = logging.getLogger("bot.payments.service")

Observer = Callable[[Transaction], Awaitable[None]]
Alarm = Callable[[Transaction, PaymentResult], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ServiceBase:
    """The state and the small rules the parts of PaymentService share (set by its __init__)."""

    ledger: Ledger
    biller: Biller
    settings: Settings
    prices: PriceBook
    _now: Callable[[], datetime]
    _observers: list[Observer]
    _alarms: list[Alarm]
    _in_flight: set[str]  # pay requests of this process still waiting for their answer
    _follower: StatusFollower
    _retold_at: datetime | None  # when the follow-up last looked for untold outcomes
    _inquiry_limit: InquiryLimiter

    def is_admin(self, user_id: int) -> bool:
        """Admins are named by Telegram user id in ADMIN_IDS, nowhere else."""
        return user_id in self.settings.admin_ids

    def _role_for(self, user_id: int, stored: Role | None) -> Role:
        if self.is_admin(user_id):
            return Role.ADMIN
        if stored is None or stored is Role.ADMIN:  # removed from ADMIN_IDS: no longer admin
            return Role.CUSTOMER
        return stored

    def _require_admin(self, admin_id: int) -> None:
        if not self.is_admin(admin_id):
            raise PermissionError(f"user {admin_id} is not an admin")

    def _visible(self, ref_id: str, user_id: int, *, admin_sees_all: bool = True) -> Transaction:
        tx = self.ledger.get_transaction(ref_id)
        if tx is None or (tx.user_id != user_id and not (admin_sees_all and self.is_admin(user_id))):
            raise TransactionNotFound(ref_id)
        return tx

    def _next_check(self, paid_at: datetime, now: datetime, ref_id: str) -> datetime | None:
        """When `ref_id` is checked next: its schedule, spread by its ref (bot/payments/follow_up.py)."""
        return next_check_after(
            paid_at, now, self.settings.status_poll_intervals, self.settings.status_follow_hours, ref_id
        )
