"""/resolve through the real PTB Application: operators close payments the biller never settled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.billers.base import Outcome, PaymentResult, Reason
from bot.payments.models import EntryKind, TxState
from tests.core_fakes import FakeBiller, snapshot
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness

NUMBER = "0215550001"
MONEY = ("transactions", "transaction_events", "wallet_entries", "status_checks", "notices")


def money(bot: Harness) -> dict[str, list[tuple]]:
    """The payment records, not the chat's (users, conversation state, seen updates)."""
    return {name: rows for name, rows in snapshot(bot.db).items() if name in MONEY}


@pytest.fixture
async def bot(tmp_path: Path):
    biller = FakeBiller()
    biller.pay_mode = "pending"  # every payment stays "in process" at the biller
    async with Harness(tmp_path, biller=biller) as harness:
        harness.fund(CUSTOMER, 500_000)
        yield harness
        assert harness.errors == []


async def stuck(bot: Harness) -> tuple[str, dict]:
    """The customer pays a bill in the chat; it stays pending. Returns its ref and bill message."""
    chat = bot.chat()
    await chat.says(f"CEK.TELKOMPSTN.{NUMBER}")
    ref = bot.service.history(CUSTOMER)[0].ref_id
    bill = chat.last()
    await chat.clicks(bill, f"pay:{ref}")
    assert bot.service.get(ref, CUSTOMER).state is TxState.PENDING
    return ref, bot.api.message(CUSTOMER, bill["message_id"])


async def test_resolve_success_closes_it_and_the_customer_gets_the_receipt(bot: Harness) -> None:
    ref, bill = await stuck(bot)
    op = bot.chat(ADMIN, "en", "Op")
    await op.says(f"/resolve {ref.lower()} success SN-5566 7788")
    text = op.last()["text"]
    assert text.startswith(f"✅ {ref}") and "closed as SUCCESS" in text and "SN-5566 7788" in text
    assert "answered PROCESSING (code 39)" in text  # what the biller said when asked first
    tx = bot.service.get(ref, CUSTOMER)
    assert tx.state is TxState.SUCCESS and tx.biller_ref == "SN-5566 7788"
    receipt = bot.api.message(CUSTOMER, bill["message_id"])["text"]  # the bill became the receipt
    assert "STRUK PEMBAYARAN" in receipt and "SN-5566 7788" in receipt
    assert bot.biller.pay_requests == {ref: 1}
    assert bot.service.ledger.events(ref)[-1].raw["operator_id"] == ADMIN


async def test_resolve_failed_refunds_once_and_a_second_resolve_is_refused(bot: Harness) -> None:
    ref, bill = await stuck(bot)
    op = bot.chat(ADMIN, "id", "Op")
    await op.says(f"/resolve {ref} gagal biller: tidak pernah diterima")
    text = op.last()["text"]
    assert text.startswith(f"❌ {ref}") and "ditutup GAGAL" in text and "dikembalikan Rp 101.500" in text
    assert bot.service.balance(CUSTOMER) == 500_000
    told = bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert "gagal" in told and "Saldo dikembalikan: Rp 101.500" in told
    before = money(bot)
    for again in (f"/resolve {ref} failed again", f"/resolve {ref} success SN1"):
        await op.says(again)
        assert op.last()["text"].startswith(f"Transaksi {ref} sudah selesai (GAGAL)")
    assert money(bot) == before
    refunds = [e for e in bot.service.ledger.entries_for(ref) if e.kind is EntryKind.REFUND]
    assert len(refunds) == 1
    # the biller later says it was paid after all: final stays final, the operators are alarmed
    late = PaymentResult(
        outcome=Outcome.SUCCESS, reason=Reason.OK, provider="fake", ref_id=ref, provider_code="00"
    )
    await bot.service._record(ref, late, "status")
    assert bot.service.get(ref, CUSTOMER).state is TxState.FAILED and bot.service.balance(CUSTOMER) == 500_000
    assert bot.api.last_text(ADMIN).startswith("🚨 Transaksi") and "/adjust" in bot.api.last_text(ADMIN)


async def test_the_billers_final_answer_wins_and_the_operator_is_told(bot: Harness) -> None:
    ref, _ = await stuck(bot)
    bot.biller.settle(ref, paid=True)
    op = bot.chat(ADMIN, "en", "Op")
    await op.says(f"/resolve {ref} failed looks stuck")
    text = op.last()["text"]
    assert "The biller has just answered SUCCESS" in text and "not recorded" in text
    assert bot.service.get(ref, CUSTOMER).state is TxState.SUCCESS
    assert bot.service.balance(CUSTOMER) == 500_000 - 101_500  # no refund


@pytest.mark.parametrize(
    "command, answer",
    [
        ("/resolve LK000000000000NOSUCH failed x", "Transaction LK000000000000NOSUCH not found."),
        ("/resolve {ref} failed", "Give the reason: /resolve {ref} failed &lt;reason&gt;"),
        ("/resolve {ref} success", "Give the biller's reference"),
        ("/resolve {ref} success " + "x" * 201, "That note is too long: at most 200 characters."),
        ("/resolve {ref}", "Usage: /resolve &lt;ref&gt; success"),
        ("/resolve {ref} maybe because", "Usage: /resolve"),
        ("/resolve", "Usage: /resolve"),
        ("/resolve {inquired} failed x", "Transaction {inquired} was never paid (NOT PAID)"),
    ],
)
async def test_bad_resolves_are_explained_and_change_nothing(bot: Harness, command: str, answer: str) -> None:
    ref, _ = await stuck(bot)
    chat = bot.chat()
    await chat.says("CEK.TELKOMPSTN.0215550002")
    inquired = bot.service.history(CUSTOMER)[0].ref_id
    op = bot.chat(ADMIN, "en", "Op")
    before, checks = money(bot), bot.biller.status_requests.copy()
    await op.says(command.format(ref=ref, inquired=inquired))
    assert op.last()["text"].startswith(answer.format(ref=ref, inquired=inquired))
    assert money(bot) == before and bot.biller.status_requests == checks


@pytest.mark.parametrize("user", [CUSTOMER, OTHER])
async def test_resolve_is_unknown_to_anyone_but_operators(bot: Harness, user: int) -> None:
    ref, _ = await stuck(bot)
    chat = bot.chat(user, "id")
    before = money(bot)
    await chat.says(f"/resolve {ref} failed mine")
    assert chat.last()["text"] == "Perintah tidak dikenal. Ketik /help."
    assert money(bot) == before
    await chat.says("/help")
    assert "/resolve" not in chat.last()["text"]


async def test_pending_and_help_show_operators_the_command(bot: Harness) -> None:
    ref, _ = await stuck(bot)
    op = bot.chat(ADMIN, "id", "Op")
    await op.says("/pending")
    text = op.last()["text"]
    assert f"<code>/resolve {ref}</code> TELKOMPSTN {NUMBER}" in text
    assert "<code>success &lt;ref biller&gt;</code> atau <code>failed &lt;alasan&gt;</code>" in text
    await op.says("/help")
    assert "/resolve &lt;ref&gt; success &lt;ref biller&gt; | failed &lt;alasan&gt;" in op.last()["text"]
