"""Telegram calls per payment (issue 14, goal 2): the bill as one message, the receipt as an
edit of it; "typing…" only for an inquiry slower than about a second, "processing" only for a
pay answer slower than about a second. Counted on the fake Bot API, through the real
Application and core."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from bot.billers import make_biller
from bot.payments import TxState
from tests.tg_double import Chat
from tests.tg_setup import CUSTOMER, PLN_OK, Harness, make_settings

CHAT_BOUND = ("sendMessage", "editMessageText", "sendChatAction")


class SlowBiller:
    """The sandbox biller answering inquiries and payments after `delay` seconds."""

    def __init__(self, inner: Any, delay: float) -> None:
        self._inner = inner
        self.delay = delay
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def inquire(self, product: Any, number: str, ref_id: str, months: int = 1) -> Any:
        await asyncio.sleep(self.delay)
        return await self._inner.inquire(product, number, ref_id, months)

    async def pay(self, bill: Any) -> Any:
        await asyncio.sleep(self.delay)
        return await self._inner.pay(bill)


async def pay_guided(bot: Harness, chat: Chat) -> tuple[Counter[str], dict[str, Any]]:
    """The guided payment of one PLN bill; the calls from the number typed to the receipt."""
    bot.fund(CUSTOMER, 1_000_000)
    await chat.says("/start")
    await chat.clicks(chat.last(), "m:pay")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    mark = len(bot.api.calls)
    await chat.says(PLN_OK)
    bill = chat.last()
    pay = next(b for b in chat.buttons(bill) if b.startswith("pay:"))
    await chat.clicks(bill, pay)
    tx = bot.service.get(pay.split(":", 1)[1], CUSTOMER)
    assert TxState(tx.state) is TxState.SUCCESS
    return Counter(c.method for c in bot.api.calls[mark:]), bill


async def test_a_fast_payment_takes_two_chat_calls_the_bill_and_its_receipt(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:
        chat = bot.chat()
        calls, bill = await pay_guided(bot, chat)
        assert {m: calls[m] for m in CHAT_BOUND} == {
            "sendMessage": 1,  # the bill
            "editMessageText": 1,  # the receipt, on the bill's message
            "sendChatAction": 0,  # no "typing…" for an inquiry answered at once
        }
        assert calls["answerCallbackQuery"] == 1
        assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
        assert bot.errors == []


async def test_a_slow_biller_shows_typing_and_processing_and_the_receipt_last(tmp_path: Path) -> None:
    slow = SlowBiller(make_biller(make_settings(tmp_path)), 1.6)
    async with Harness(tmp_path, biller=slow) as bot:
        chat = bot.chat()
        calls, bill = await pay_guided(bot, chat)
        assert calls["sendChatAction"] == 1  # after about a second of inquiry
        assert calls["sendMessage"] == 1
        edits = [c.params["text"] for c in bot.api.sent("editMessageText", CUSTOMER)]
        assert any("sedang diproses" in text for text in edits)  # after about a second of paying
        assert calls["editMessageText"] <= 3  # processing, the receipt (and its re-edit after processing)
        assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]  # the receipt stays
        assert bot.errors == []
    await slow._inner.aclose()
