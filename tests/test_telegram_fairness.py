"""One chat can never stall the others (bot/telegram/processor.py), through the real
Application: PTB's update fetcher, our per-chat processor, the rate limiter and the core."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.payments import TxState
from bot.telegram.processor import CHAT_BACKLOG
from bot.telegram.ratelimit import LoketRateLimiter
from bot.telegram.texts import t
from tests.tg_setup import CUSTOMER, OTHER, PLN_OK, Harness

FLOOD = 500


async def test_a_flooding_chat_is_told_once_and_another_users_start_is_answered_at_once(
    tmp_path: Path,
) -> None:
    # Replies to one chat paced at 10 a second (Telegram's is about one), so a backlog matters.
    limiter = LoketRateLimiter(chat_burst=1, chat_period=0.1)
    async with Harness(tmp_path, rate_limiter=limiter) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        flooder, other = bot.chat(CUSTOMER, language="en"), bot.chat(OTHER)
        await flooder.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
        bill = flooder.last()
        pay = next(b for b in flooder.buttons(bill) if b.startswith("pay:"))
        ref = pay.split(":", 1)[1]
        await bot.app.start()  # PTB's own update fetcher, one task per update
        try:
            for i in range(FLOOD):
                await bot.app.update_queue.put(flooder.message_update(f"halo {i}"))
            await bot.app.update_queue.put(flooder.click_update(bill, pay))  # accepted: never dropped
            await asyncio.sleep(0.2)  # the flood is in hand
            started = time.monotonic()
            await bot.app.update_queue.put(other.message_update("/start"))
            await asyncio.wait_for(bot.app.update_queue.join(), 60)
            await asyncio.sleep(0.3)  # the warning is sent beside the backlog
        finally:
            await bot.app.stop()

        answered = bot.api.sent("sendMessage", OTHER)
        assert answered and "Selamat datang" in answered[0].params["text"]
        assert answered[0].at - started < 5  # a generous bound; bench_fairness.py prints the figure
        to_flooder = [c.params["text"] for c in bot.api.sent("sendMessage", CUSTOMER)]
        assert to_flooder.count(t("en", "chat_flood")) == 1  # once, in the chat's language
        handled = [x for x in to_flooder if x.startswith("Unknown format")]  # the answer to "halo"
        assert 1 <= len(handled) <= CHAT_BACKLOG + 3  # its backlog (a few more done meanwhile), not 500
        assert bot.app.update_processor.dropped >= FLOOD - CHAT_BACKLOG - 4
        assert TxState(bot.service.get(ref, CUSTOMER).state) is TxState.SUCCESS  # the tap was handled
        assert "RECEIPT" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
        assert bot.errors == []
