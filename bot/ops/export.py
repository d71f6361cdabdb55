"""CSV exports for the operator's books: one row per payment, or one per wallet entry.

The payments are those `/stats` counts: started (PAYING committed) on the days asked, in
Asia/Jakarta time, so the file adds up to `/stats` day by day: the `total` of the SUCCESS rows
is the turnover, their `margin` the profit (a payment that did not succeed earns no margin: 0).
Amounts are whole rupiah, written as plain digits. Text a spreadsheet would run as a formula
(=, +, -, @ first) is prefixed with ', so an opened file never computes anything.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.jakarta import JAKARTA
from bot.payments.ledger import Ledger, parse_ts, ts
from bot.payments.models import Transaction, TxState

MAX_DAYS = 366

TRANSACTION_COLUMNS = (
    "ref", "time_wib", "user_id", "role", "product", "customer_number", "customer_name", "periods",
    "bill", "admin", "markup", "total", "cost", "margin", "state", "biller_ref",
)  # fmt: skip
WALLET_COLUMNS = (
    "entry_id", "time_wib", "user_id", "role", "kind", "amount", "balance_after", "ref", "actor_id", "reason",
)  # fmt: skip

_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


class RangeError(ValueError):
    """A day or range that cannot be read; `.kind` says why: format, order, too_long."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def parse_day(text: str) -> date:
    match = _DAY.fullmatch(text.strip())
    if match is None:
        raise RangeError("format")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise RangeError("format") from None


def parse_range(text: str) -> tuple[date, date]:
    """'01/12/2026' or '01/12/2026-07/12/2026' (both days included)."""
    parts = text.strip().split("-")
    if len(parts) > 2:
        raise RangeError("format")
    first = parse_day(parts[0])
    last = parse_day(parts[1]) if len(parts) == 2 else first
    return check_range(first, last)


def check_range(first: date, last: date) -> tuple[date, date]:
    if last < first:
        raise RangeError("order")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeError("too_long")
    return first, last


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), JAKARTA)
    return start, datetime.combine(last + timedelta(days=1), time(), JAKARTA)


def _wib(value: datetime | None) -> str:
    return value.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _text(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _roles(ledger: Ledger, user_ids: Iterable[int]) -> dict[int, str]:
    roles: dict[int, str] = {}
    for user_id in set(user_ids):
        user = ledger.get_user(user_id)
        roles[user_id] = user.role.value if user is not None else ""
    return roles


def transaction_row(tx: Transaction, role: str) -> list[Any]:
    success = tx.state is TxState.SUCCESS
    return [
        tx.ref_id,
        _wib(tx.paid_at),
        tx.user_id,
        role,
        tx.product_code,
        tx.customer_number,
        _text(tx.customer_name),
        _text(" ".join(tx.bill.periods)),
        tx.bill_total - tx.bill.admin,
        tx.bill.admin,
        tx.markup,
        tx.amount,
        tx.cost if tx.cost is not None else "",
        tx.profit if success else 0,
        tx.state.value,
        _text(tx.biller_ref),
    ]


def transactions(ledger: Ledger, first: date, last: date) -> list[Transaction]:
    return ledger.paid_between(*_bounds(first, last))


def transactions_csv(ledger: Ledger, first: date, last: date) -> tuple[str, int]:
    """The payments started from `first` to `last` (WIB, both included): the CSV and its rows."""
    txs = transactions(ledger, first, last)
    roles = _roles(ledger, (tx.user_id for tx in txs))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TRANSACTION_COLUMNS)
    writer.writerows(transaction_row(tx, roles[tx.user_id]) for tx in txs)
    return out.getvalue(), len(txs)


def wallet_csv(ledger: Ledger, first: date, last: date) -> tuple[str, int]:
    """Every wallet entry (top-ups, debits, refunds, adjustments) made from `first` to `last`."""
    start, end = _bounds(first, last)
    rows = list(
        ledger.db.query(
            "SELECT e.*, coalesce(u.role, '') AS role FROM wallet_entries e "
            "LEFT JOIN users u ON u.user_id = e.user_id "
            "WHERE e.created_at >= ? AND e.created_at < ? ORDER BY e.entry_id",
            [ts(start), ts(end)],
        )
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(WALLET_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row["entry_id"], _wib(parse_ts(row["created_at"])), row["user_id"], row["role"], row["kind"],
                row["amount"], row["balance_after"], row["ref_id"] or "", row["actor_id"] or "",
                _text(row["reason"]),
            ]
        )  # fmt: skip
    return out.getvalue(), len(rows)


def filename(kind: str, first: date, last: date) -> str:
    days = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    return f"loket-{kind}-{days}.csv"
