"""What the core tells the outside: observers hear of payments, alarms of contradictions.

A settled outcome's news is recorded (told or not); one the owner has not heard of (a crash
right after the settlement, Telegram down) is told again, ever more slowly, for a week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.billers.base import PaymentResult
from bot.payments.base import Alarm, Observer, ServiceBase, log
from bot.payments.models import Transaction
from storage.db import when_free

# An outcome the owner has not heard of is told again: first after a minute (the news normally
# goes out right after the commit), then twice as late each time up to hourly, for a week.
RETELL_FIRST = 60
RETELL_LONGEST = 3600
RETELL_MAX_ATTEMPTS = 40
RETELL_WINDOW = timedelta(days=7)


class Notices(ServiceBase):
    """Observers, alarms and retelling outcomes nobody heard of."""

    def add_observer(self, callback: Observer) -> None:
        self._observers.append(callback)

    def add_alarm(self, callback: Alarm) -> None:
        """Told when a provider contradicts a settled payment: only a person can put that right."""
        self._alarms.append(callback)

    async def _raise_alarm(self, tx: Transaction, result: PaymentResult) -> None:
        for callback in list(self._alarms):
            try:
                await callback(tx, result)
            except Exception:
                log.exception("alarm callback failed for %s", tx.ref_id)

    async def _notify(self, tx: Transaction) -> None:
        """Tell the observers; for a settled payment, record whether the news got through."""
        error = ""
        for callback in list(self._observers):
            try:
                await callback(tx)
            except Exception as failure:
                log.exception("observer failed for %s", tx.ref_id)
                error = type(failure).__name__
        if tx.is_final:
            await when_free(self.ledger.record_notice, tx.ref_id, tx.state, not error, error, self._now())

    def _retell_due(self, attempts: int, last: datetime | None, settled: datetime, now: datetime) -> bool:
        """An untold outcome is tried again after RETELL_FIRST seconds, then ever more slowly."""
        if attempts >= RETELL_MAX_ATTEMPTS:
            return False
        wait = min(RETELL_FIRST * 2 ** max(attempts - 1, 0), RETELL_LONGEST)
        return bool((now - (last or settled)).total_seconds() >= wait)

    async def retell(self) -> int:
        """Tell owners the outcomes they have not heard of: a crash right after the settlement, or
        Telegram down when it happened. Returns how many were tried."""
        now = self._now()
        tried = 0
        for tx, attempts, last in self.ledger.untold(now - RETELL_WINDOW):
            assert tx.settled_at is not None
            if self._retell_due(attempts, last, tx.settled_at, now):
                tried += 1
                await self._notify(tx)
        return tried
