"""The inquiry limit through the real PTB Application: the user is told to slow down."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.payments.models import TxState
from tests.core_fakes import Clock, FakeBiller
from tests.tg_setup import ADMIN, CUSTOMER, Harness


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(tmp_path: Path, clock: Clock):
    async with Harness(
        tmp_path, biller=FakeBiller(), clock=clock, INQUIRY_LIMIT_PER_MINUTE="3", INQUIRY_LIMIT_PER_HOUR="10"
    ) as harness:
        yield harness
        assert harness.errors == []


async def test_reseller_lines_past_the_limit_are_told_when_to_try_again(bot: Harness, clock: Clock) -> None:
    chat = bot.chat(CUSTOMER, "id")
    for i in range(3):
        await chat.says(f"CEK.TELKOMPSTN.021555000{i}")
        assert chat.last()["text"].startswith("Ref=")
    clock.advance(15)
    await chat.says("CEK.TELKOMPSTN.0215550009")
    assert chat.last()["text"] == (
        "⏳ Terlalu banyak cek tagihan dalam waktu singkat. Pelan-pelan: coba lagi dalam 45s."
    )
    assert len(bot.service.history(CUSTOMER)) == 3 and bot.biller.inquiries == 3
    english = bot.chat(CUSTOMER, "en")
    bot.service.set_language(CUSTOMER, "en")
    await english.says("/pay TELKOMPSTN 0215550009")
    assert english.last()["text"] == "⏳ Too many bill checks in a short time. Slow down: try again in 45s."
    assert bot.biller.inquiries == 3
    admin = bot.chat(ADMIN, "en", "Op")
    for i in range(5):  # operators are not limited
        await admin.says(f"CEK.TELKOMPSTN.021666000{i}")
        assert admin.last()["text"].startswith("Ref=")


async def test_the_guided_flow_keeps_the_number_step_while_refused(bot: Harness, clock: Clock) -> None:
    chat = bot.chat(CUSTOMER, "en")
    for i in range(3):
        await chat.says(f"CEK.TELKOMPSTN.021555000{i}")
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:telkom")
    await chat.clicks(chat.last(), "prod:TELKOMPSTN")
    await chat.says("0215550009")
    assert chat.last()["text"].endswith("Slow down: try again in 1m00s.")
    assert bot.biller.inquiries == 3
    clock.advance(60)
    await chat.says("0215550009")  # still in the number step: the same number, now let in
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.customer_number == "0215550009" and tx.state is TxState.INQUIRED
    assert "Rp 101.500" in chat.last()["text"]
