"""The day's report for operators (sent at 23:59 WIB by bot/telegram/ops_jobs.py): payments by
state, turnover, margin, wallets, and the biller deposit's movement against the day's costs.

Reconciliation: the biller's deposit should go down by exactly what the day's successful
payments cost (their `cost`, else the bill total). The deposit is what the biller's answers
reported (`deposit_reports`): the last figure before the day and the last one of the day. The
difference between the movement and the costs is shown as it is, never netted away: a deposit
top-up at the biller, a payment another system made on the same account, or a biller error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.jakarta import JAKARTA
from bot.payments.ledger import Ledger, ts
from bot.payments.models import TxState


@dataclass
class DayReport:
    day: date
    by_state: dict[str, int] = field(default_factory=dict)
    turnover: int = 0  # what users paid for successful payments
    margin: int = 0
    costs: int = 0  # what the successful payments cost at the biller
    wallets_total: int = 0  # every wallet's balance together at the end of the day
    topups: int = 0  # top-ups and adjustments made that day
    deposit_start: int | None = None
    deposit_end: int | None = None

    @property
    def deposit_used(self) -> int | None:
        if self.deposit_start is None or self.deposit_end is None:
            return None
        return self.deposit_start - self.deposit_end

    @property
    def difference(self) -> int | None:
        """Deposit used minus the day's costs: 0 when they agree."""
        used = self.deposit_used
        return None if used is None else used - self.costs


def day_report(ledger: Ledger, provider: str, day: date) -> DayReport:
    start = datetime.combine(day, time(), JAKARTA)
    end = start + timedelta(days=1)
    txs = ledger.paid_between(start, end)
    done = [tx for tx in txs if tx.state is TxState.SUCCESS]
    report = DayReport(day=day, by_state=dict(Counter(tx.state.value for tx in txs)))
    report.turnover = sum(tx.amount for tx in done)
    report.margin = sum(tx.profit for tx in done)
    report.costs = sum(tx.cost if tx.cost is not None else tx.bill_total for tx in done)
    db = ledger.db
    row = db.execute("SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE created_at < ?", [ts(end)])
    report.wallets_total = int(row.fetchone()[0])
    row = db.execute(
        "SELECT coalesce(sum(amount), 0) FROM wallet_entries WHERE kind IN ('topup', 'adjustment') "
        "AND created_at >= ? AND created_at < ?",
        [ts(start), ts(end)],
    )
    report.topups = int(row.fetchone()[0])

    def last_before(moment: datetime) -> int | None:
        found = db.execute(
            "SELECT amount FROM deposit_reports WHERE provider = ? AND created_at < ? "
            "ORDER BY report_id DESC LIMIT 1",
            [provider, ts(moment)],
        ).fetchone()
        return int(found[0]) if found else None

    report.deposit_start = last_before(start)
    report.deposit_end = last_before(end)
    return report
