"""Logs an operator can read or collect (bot/logs.py, bot/payments/ledger.py): LOG_FORMAT=json is one
JSON object per line with secrets masked, and every wallet change and payment state change is
one line with its ref, written only once it is committed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.billers import make_biller
from bot.logs import setup_logging
from bot.payments.ledger import Ledger
from bot.payments.models import EntryKind, Role
from bot.payments.service import PaymentService
from storage.db import open_database
from tests.tg_setup import ADMIN, CUSTOMER, make_settings, utc

SECRET = "iak-key-5ecret-0987"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """What `python -m bot` with LOG_FORMAT=json writes to stderr."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    setup_logging("INFO", [SECRET], "json")
    out = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    try:
        yield out
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


async def test_json_logs_one_line_per_event_with_every_wallet_and_payment_change(
    tmp_path: Path, json_logs: io.StringIO
) -> None:
    settings = make_settings(tmp_path)
    db = open_database(settings.database_path)
    biller = make_biller(settings)
    service = PaymentService(Ledger(db), biller, settings)
    service.ensure_user(CUSTOMER)
    entry = service.top_up(ADMIN, CUSTOMER, 500_000, "cash")
    tx = await service.inquire(CUSTOMER, "PLNPOSTPAID", "541200000051")
    tx = await service.pay(tx.ref_id, CUSTOMER)
    try:
        raise RuntimeError(f"biller said no to key {SECRET}")
    except RuntimeError:
        logging.getLogger("loket.test").exception("a failure with a secret in it")
    await biller.aclose()
    lines = json_logs.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(set(r) == {"time", "level", "logger", "message"} for r in records)
    messages = [r["message"] for r in records if r["logger"] == "loket.ledger"]
    assert f"wallet user={CUSTOMER} topup +500000 balance=500000 ref=- by={ADMIN}" in messages
    debit = (
        f"wallet user={CUSTOMER} debit -{tx.amount} balance={entry.balance_after - tx.amount} ref={tx.ref_id}"
    )
    assert any(m.startswith(debit) for m in messages)
    moves = [m for m in messages if m.startswith(f"payment ref={tx.ref_id} ")]
    assert [m.split(" cause=")[0] for m in moves] == [
        f"payment ref={tx.ref_id} - -> INQUIRED",
        f"payment ref={tx.ref_id} INQUIRED -> PAYING",
        f"payment ref={tx.ref_id} PAYING -> SUCCESS",
    ]
    (failure,) = [r for r in records if r["logger"] == "loket.test"]
    assert SECRET not in json.dumps(records) and "***" in failure["message"]
    assert "Traceback" in failure["message"] and failure["level"] == "ERROR"


def test_a_rolled_back_change_is_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ledger = Ledger(open_database(tmp_path / "l.sqlite3"))
    ledger.ensure_user_row(CUSTOMER, Role.CUSTOMER, utc(2026, 1, 1))
    caplog.set_level(logging.INFO, logger="loket.ledger")
    with pytest.raises(ZeroDivisionError), ledger.transaction():
        ledger.add_entry(CUSTOMER, EntryKind.TOPUP, 1000, utc(2026, 1, 1), actor_id=ADMIN)
        assert caplog.records == []  # not before the COMMIT
        1 / 0  # noqa: B018
    assert ledger.balance(CUSTOMER) == 0 and caplog.records == []
    with ledger.transaction():
        ledger.add_entry(CUSTOMER, EntryKind.TOPUP, 1000, utc(2026, 1, 1), actor_id=ADMIN)
    assert [r.getMessage() for r in caplog.records] == [
        f"wallet user={CUSTOMER} topup +1000 balance=1000 ref=- by={ADMIN}"
    ]
