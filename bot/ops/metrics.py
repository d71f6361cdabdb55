"""Loket's Prometheus metrics (`GET /metrics`), one `CollectorRegistry` per Application.

Counted at the boundaries, never inside the money core, and cheap: a counter or a histogram
per update or per outside call, no database work per update.
- updates handled, by kind, and how long each took (bot/telegram/processor.py's hook);
- the Bot API: its 429s and its errors (`WatchedRequest`, bot/ops/health.py), and the messages
  sent in Telegram's paid lane (bot/telegram/paid_lane.py);
- biller calls: latency per call, errors by code, inquiries by product and outcome
  (`WatchedBiller`, bot/ops/alerts.py);
- payments by product and outcome: PENDING when a pay answer left one unsettled (the biller
  wrapper), SUCCESS or FAILED once when it settles (the core's observer);
- read from the ledger at scrape time by `LedgerCollector` (indexed queries on a read-only
  connection of its own, in a worker thread): payments pending and flagged, and every wallet
  together in whole rupiah (an integer, never a float sum of money).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.payments.models import OPEN_PAYMENT_STATES, Transaction, TxState

if TYPE_CHECKING:  # prometheus_client is imported when the counters are first used, not at start
    from prometheus_client import CollectorRegistry, Counter, Histogram
    from prometheus_client.core import Metric

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ANSWER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BILLER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
_SETTLED_KEPT = 20_000  # refs counted as settled, remembered so a re-told receipt is not counted twice
_OPEN_SQL = "(" + ", ".join(f"'{state.value}'" for state in sorted(OPEN_PAYMENT_STATES)) + ")"


def update_kind(update: object) -> str:
    """A few fixed kinds (a bounded label): command, message, callback, edited, other."""
    message = getattr(update, "message", None)
    if message is not None:
        text = getattr(message, "text", None) or ""
        return "command" if text.startswith("/") else "message"
    if getattr(update, "callback_query", None) is not None:
        return "callback"
    if getattr(update, "edited_message", None) is not None:
        return "edited"
    return "other"


class LedgerCollector:
    """Figures read from the ledger when Prometheus scrapes, on a read-only connection of its own
    (the scrape runs in a worker thread: the chat never waits for it). A collector as
    prometheus_client's registry takes one: an object with `collect()`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        pending = GaugeMetricFamily(
            "loket_payments_pending", "Payments paid and not settled yet (PAYING, PENDING)"
        )
        flagged = GaugeMetricFamily(
            "loket_payments_flagged", "Open payments past the follow-up window, waiting for an operator"
        )
        wallets = GaugeMetricFamily(
            "loket_wallet_balance_total_rupiah", "Every user's wallet together, whole rupiah"
        )
        try:
            with reading(self.path) as db:
                open_count, flagged_count = open_payments(db)
                total = wallet_total(db)
        except sqlite3.Error as error:  # a scrape never breaks the bot; the figures are left out
            log.warning("metrics: the ledger could not be read: %s", error)
            return
        pending.add_metric([], open_count)
        flagged.add_metric([], flagged_count)
        wallets.add_metric([], total)
        yield pending
        yield flagged
        yield wallets


@contextmanager
def reading(path: Path, wait: float = 1.0) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own to the ledger (never creates a file), closed after."""
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=wait)
    try:
        yield conn
    finally:
        conn.close()


def open_payments(db: Any) -> tuple[int, int]:
    """(open payments, of which flagged): the transactions_open index."""
    row = db.execute(
        f"SELECT count(*), coalesce(sum(flagged != 0), 0) FROM transactions WHERE state IN {_OPEN_SQL}"  # noqa: S608
    ).fetchone()
    return int(row[0]), int(row[1])


def wallet_total(db: Any) -> int:
    """Every wallet's balance together: each user's newest entry's balance_after (one index seek
    per user on wallet_entries_user), never a scan of every entry."""
    row = db.execute(
        "SELECT coalesce(sum((SELECT w.balance_after FROM wallet_entries w WHERE w.user_id = u.user_id"
        " ORDER BY w.entry_id DESC LIMIT 1)), 0) FROM users u"
    ).fetchone()
    return int(row[0])


class Metrics:
    """The counters of one Application, in its own registry (tests build many applications).

    The registry and its counters are made when first used (the first update handled, Bot API
    error, biller call or scrape), so prometheus_client is not imported at start-up
    (tests/test_startup_imports.py)."""

    registry: CollectorRegistry
    updates: Counter
    answer_seconds: Histogram
    inquiries: Counter
    payments: Counter
    biller_seconds: Histogram
    biller_errors: Counter
    telegram_429: Counter
    telegram_errors: Counter
    telegram_paid: Counter
    _kinds: dict[str, Counter]

    def __init__(self, database_path: Path | None = None) -> None:
        self.database_path = database_path
        self._settled: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.RLock()  # the event loop and a scrape's worker thread may both be first
        self._building = False

    def __getattr__(self, name: str) -> Any:
        """Only for an attribute not made yet: the counters, made once, on first use."""
        lock = self.__dict__.get("_lock")
        if name.startswith("__") or lock is None:
            raise AttributeError(name)
        with lock:
            if "registry" not in self.__dict__:
                if self._building:  # a missing name asked for while building: not a counter
                    raise AttributeError(name)
                self._building = True
                try:
                    self._build()
                finally:
                    self._building = False
        if name not in self.__dict__:
            raise AttributeError(name)
        return self.__dict__[name]

    def _build(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series beside every counter: half the scrape, nothing lost
        r = CollectorRegistry()
        self.updates = Counter("loket_updates", "Telegram updates handled, by kind", ["kind"], registry=r)
        self.answer_seconds = Histogram(
            "loket_answer_seconds", "From an update's arrival to its handler being done",
            buckets=ANSWER_BUCKETS, registry=r,
        )  # fmt: skip
        self.inquiries = Counter(
            "loket_inquiries", "Bill inquiries asked of the biller, by product and outcome",
            ["product", "outcome"], registry=r,
        )  # fmt: skip
        self.payments = Counter(
            "loket_payments",
            "Payments by product and outcome: PENDING when the pay answer left one unsettled, "
            "SUCCESS or FAILED once when it settles",
            ["product", "outcome"],
            registry=r,
        )
        self.biller_seconds = Histogram(
            "loket_biller_seconds", "Biller calls, by call", ["call"], buckets=BILLER_BUCKETS, registry=r
        )
        self.biller_errors = Counter(
            "loket_biller_errors", "Biller answers that were errors or no answer, by code", ["code"],
            registry=r,
        )
        self.telegram_429 = Counter("loket_telegram_429", "Bot API answers 429 Too Many Requests", registry=r)
        self.telegram_errors = Counter(
            "loket_telegram_errors",
            "Bot API calls that failed, 429s apart: network, server (5xx), token (401/404), conflict "
            "(409: another bot on the token), refused (400, 403: a request Telegram turned down)",
            ["kind"],
            registry=r,
        )
        self.telegram_paid = Counter(
            "loket_telegram_paid_messages",
            "Messages sent in Telegram's paid lane (allow_paid_broadcast, 0.1 Star each): "
            "TELEGRAM_PAID_MESSAGES_PER_DAY",
            registry=r,
        )
        kinds = ("command", "message", "callback", "edited", "other")
        self._kinds = {kind: self.updates.labels(kind) for kind in kinds}
        if self.database_path is not None:
            r.register(LedgerCollector(self.database_path))  # a collector: an object with collect()
        self.registry = r  # last: the counters are whole once the registry is there

    # -- the chat ------------------------------------------------------------------------------
    def update_handled(self, update: object, started: float) -> None:
        """The processor's hook: one update done (`started`: time.perf_counter() at its arrival)."""
        self._kinds[update_kind(update)].inc()
        self.answer_seconds.observe(time.perf_counter() - started)

    # -- payments ------------------------------------------------------------------------------
    async def on_payment(self, tx: Transaction) -> None:
        """The core's observer: a settled payment is counted once (a receipt told again is not)."""
        if tx.state not in (TxState.SUCCESS, TxState.FAILED) or tx.ref_id in self._settled:
            return
        self._settled[tx.ref_id] = None
        if len(self._settled) > _SETTLED_KEPT:
            self._settled.popitem(last=False)
        self.payments.labels(tx.product_code, tx.state.value).inc()

    def render(self) -> bytes:
        """The Prometheus text; reads the ledger, so call it in a worker thread."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
