"""A tap on Pay, through the real Application and core (issue 14): where the news of the payment
goes is stored in the debit's own transaction, so a crash right after the pay request still lets
the restart tell the customer on the bill's message; a pay answer already in shows no
"processing" while its receipt waits for its turn to be sent; a burst of calls waits its turn
off the connection pool."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.billers import make_biller
from bot.payments import TxState
from bot.telegram.ratelimit import BoundedRequest, LoketRateLimiter
from tests.tg_setup import CUSTOMER, PLN_OK, Harness, make_settings

WRITES = ("INSERT", "UPDATE", "DELETE")


class CrashAfterPayRequest:
    """The sandbox biller; its pay request reaches the biller (which pays), then the process
    'dies' before the answer is recorded (the task is cancelled, as a kill would leave it)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name = inner.name
        self.paid: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def pay(self, bill: Any) -> Any:
        await self._inner.pay(bill)
        self.paid.append(bill.ref_id)
        raise asyncio.CancelledError  # never recorded here: only the restart's status call knows


async def bill_of(bot: Harness) -> tuple[Any, dict[str, Any], str]:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    bill = chat.last()
    pay = next(b for b in chat.buttons(bill) if b.startswith("pay:"))
    return chat, bill, pay


async def test_the_bill_message_is_stored_with_the_debit_and_a_restart_after_a_crash_tells_the_customer(
    tmp_path: Path,
) -> None:
    biller = CrashAfterPayRequest(make_biller(make_settings(tmp_path)))
    async with Harness(tmp_path, biller=biller) as bot:
        chat, bill, pay = await bill_of(bot)
        ref = pay.split(":", 1)[1]
        bot.service.set_notify(ref, {})  # as if the bill had been shown elsewhere: the tap tells where
        traced: list[tuple[str, bool]] = []
        conn = bot.db.conn
        conn.set_trace_callback(lambda sql: traced.append((sql, conn.in_transaction)))
        try:
            await chat.clicks(bill, pay)
        except asyncio.CancelledError:
            pass
        conn.set_trace_callback(None)
    assert biller.paid == [ref]  # the request left: the biller paid the bill

    # The notify target is written inside the transaction that debits the wallet: between the
    # UPDATE of notify and the debit's INSERT there is no COMMIT, and both are in a transaction.
    notify_at = next(i for i, (sql, _) in enumerate(traced) if "SET notify" in sql)
    debit_at = next(i for i, (sql, _) in enumerate(traced) if "INSERT INTO wallet_entries" in sql)
    between = [sql for sql, _ in traced[min(notify_at, debit_at) : max(notify_at, debit_at)]]
    assert "COMMIT" not in between
    assert traced[notify_at][1] and traced[debit_at][1]
    stored = sqlite3.connect(tmp_path / "loket.sqlite3")
    [(state, notify)] = stored.execute("SELECT state, notify FROM transactions WHERE ref_id = ?", [ref])
    stored.close()
    assert state == "PAYING" and f'"message_id": {bill["message_id"]}' in notify

    # The restart: recovery asks the biller (never pays again) and tells the customer there.
    async with Harness(tmp_path, biller=biller._inner) as again:
        await again.service.recover()
        assert TxState(again.service.get(ref, CUSTOMER).state) is TxState.SUCCESS
        told = again.api.sent("editMessageText", CUSTOMER) + again.api.sent("sendMessage", CUSTOMER)
        assert any("STRUK" in c.params["text"] for c in told)
        assert any(c.params.get("message_id") == bill["message_id"] for c in told)  # the bill's message
    assert biller.paid == [ref]
    await biller._inner.aclose()


async def test_an_answer_already_in_shows_no_processing_while_its_receipt_waits_its_turn(
    tmp_path: Path,
) -> None:
    """The chat's messages are paced (one every 1.5 s here): the receipt waits its turn, though
    the biller answered at once. "Processing" used to be shown then, after the receipt, over it,
    and the receipt edited in again: three edits for one."""
    limiter = LoketRateLimiter(chat_burst=1, chat_period=1.5)
    async with Harness(tmp_path, rate_limiter=limiter) as bot:
        chat, bill, pay = await bill_of(bot)
        await chat.clicks(bill, pay)
        await asyncio.sleep(0.1)
        edits = [c.params["text"] for c in bot.api.sent("editMessageText", CUSTOMER)]
        assert len(edits) == 1 and "STRUK" in edits[0]
        assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
        assert bot.errors == []


Answer = tuple[int, bytes]


async def test_a_burst_of_bot_api_calls_has_at_most_the_bound_on_the_wire(monkeypatch: Any) -> None:
    """At most `limit` calls to a chat and `others` other calls are on the wire at once."""
    on_wire: Counter[str] = Counter()
    most: Counter[str] = Counter()

    async def slow_call(self: Any, url: str, method: str, request_data: Any = None, *_: Any) -> Answer:
        kind = "chat" if request_data is not None else "other"
        on_wire[kind] += 1
        most[kind] = max(most[kind], on_wire[kind])
        most["all"] = max(most["all"], on_wire["chat"] + on_wire["other"])
        await asyncio.sleep(0.01)
        on_wire[kind] -= 1
        return 200, b'{"ok": true, "result": true}'

    monkeypatch.setattr("telegram.request.HTTPXRequest.do_request", slow_call)
    request = BoundedRequest(limit=4, others=2)
    to_chat = RequestData([RequestParameter("chat_id", 7, [])])
    await asyncio.gather(
        *(request.do_request("http://127.0.0.1/x/sendMessage", "POST", to_chat) for _ in range(40)),
        *(request.do_request("http://127.0.0.1/x/answerCallbackQuery", "POST") for _ in range(40)),
    )
    assert (most["chat"], most["other"], most["all"]) == (4, 2, 6)


async def test_a_burst_of_tap_answers_does_not_hold_back_a_paced_message(monkeypatch: Any) -> None:
    """A message the rate limiter let go leaves at once, however many tap answers are on the
    wire: held behind them it would leave later together with others, faster than Telegram's
    pace (the 429s bench_bot.py 100 got before the queues were two)."""
    started: list[tuple[str, float]] = []

    async def slow_call(self: Any, url: str, method: str, request_data: Any = None, *_: Any) -> Answer:
        started.append((url.rsplit("/", 1)[-1], time.monotonic()))
        await asyncio.sleep(0.2)
        return 200, b'{"ok": true, "result": true}'

    monkeypatch.setattr("telegram.request.HTTPXRequest.do_request", slow_call)
    request = BoundedRequest(limit=4, others=2)
    begun = time.monotonic()
    tap = "http://h/x/answerCallbackQuery"
    taps = [asyncio.create_task(request.do_request(tap, "POST")) for _ in range(10)]
    await asyncio.sleep(0.01)
    to_chat = RequestData([RequestParameter("chat_id", 7, [])])
    await request.do_request("http://h/x/sendMessage", "POST", to_chat)
    sent_at = next(at for name, at in started if name == "sendMessage")
    assert sent_at - begun < 0.1  # not behind the 10 answers (5 rounds of 0.2 s)
    await asyncio.gather(*taps)
