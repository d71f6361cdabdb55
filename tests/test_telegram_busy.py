"""All biller slots taken (BILLER_MAX_CONCURRENCY): a bill check is told "busy, try again"
through the real PTB Application instead of waiting in silence, and nothing is stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.billers.limit import LimitedBiller
from bot.ops.alerts import WatchedBiller
from tests.core_fakes import Clock
from tests.test_payments_scale import CountingBiller
from tests.tg_setup import ADMIN, CUSTOMER, Harness


async def test_a_bill_check_finding_every_slot_taken_is_told_to_try_again(tmp_path: Path) -> None:
    biller = CountingBiller()
    clock = Clock()
    async with Harness(tmp_path, biller=biller, clock=clock, BILLER_MAX_CONCURRENCY="1") as bot:
        watched = bot.service.biller
        assert isinstance(watched, WatchedBiller) and isinstance(watched.inner, LimitedBiller)
        watched.inner.inquiry_patience = 0.1
        bot.fund(CUSTOMER, 1_000_000)
        biller.pay_mode = "pending"
        tx = await bot.service.inquire(CUSTOMER, "TELKOMPSTN", "0218000001")
        await bot.service.pay(tx.ref_id, CUSTOMER)
        biller.held = True
        clock.advance(5)
        follow_up = asyncio.create_task(bot.service.follow_up_once())  # takes the only slot
        await asyncio.sleep(0.02)
        last_answer = watched.watch.last_answer
        chat = bot.chat(CUSTOMER, "id")
        await chat.says("CEK.TELKOMPSTN.0218000002")
        assert (
            chat.last()["text"] == "⏳ Sedang sibuk: banyak tagihan sedang diproses. Coba lagi sebentar lagi."
        )
        english = bot.chat(ADMIN, "en", "Op")
        await english.says("CEK.TELKOMPSTN.0218000003")
        assert english.last()["text"] == (
            "⏳ Busy right now: many bills are being handled. Please try again in a minute."
        )
        assert [t.ref_id for t in bot.service.history(CUSTOMER)] == [tx.ref_id]  # nothing stored
        assert biller.inquiries == 1  # nothing asked
        assert watched.watch.last_answer == last_answer  # not an answer of the biller's: no alert state
        biller.hold.set()
        assert await follow_up == 1
        await chat.says("CEK.TELKOMPSTN.0218000002")
        assert chat.last()["text"].startswith("Ref=")
        assert bot.errors == []
