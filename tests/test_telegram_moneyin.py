"""Money in, in the chat, driven through the real PTB Application (tests/tg_setup.py): a bill
paid by QRIS, the QR's buttons, top-ups by QRIS and by transfer ticket, the operators' tickets,
and what the customer and the operators are told. The gateway is the in-process sandbox
speaking Midtrans to the real client; its notifications go to the same handler the HTTP
endpoint calls."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.moneyin.models import IntentState, TicketState
from bot.payments import TxState
from tests.core_fakes import Clock
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, PLN_OK, Harness

BANK = "BCA 1234567890 a.n. Toko Loket"
FEE = 700
ORDER = re.compile(r"LQ[0-9A-Z]{20}")


async def _harness(tmp_path: Path, **extra: Any) -> AsyncIterator[Harness]:
    settings = {"PAYMENT_GATEWAY": "sandbox", "DEPOSIT_BANK_INFO": BANK, "QRIS_FEE": str(FEE), **extra}
    async with Harness(tmp_path, money=True, **settings) as harness:
        simulator = harness.money.gateway.simulator if harness.money.gateway is not None else None
        if simulator is not None:
            harness.deliveries = []

            async def deliver(url: str, payload: dict) -> int:
                answer = await harness.money.qris.on_notification(payload)
                harness.deliveries.append((payload["transaction_status"], answer.status))
                return answer.status

            simulator.sender = deliver
            simulator.notify_url = "http://loket.test/payments/midtrans/notify"
            harness.gateway = simulator
        yield harness
        await harness.money.qris.drain()
        assert harness.errors == []


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    async for harness in _harness(tmp_path):
        yield harness


async def bill_message(bot: Harness, chat, number: str = PLN_OK) -> dict:
    await chat.says(f"CEK.PLNPOSTPAID.{number}")
    return chat.last()


def the_qr(bot: Harness, chat) -> tuple[dict, str]:
    photo = chat.last()
    assert "photo" in photo, photo
    order = ORDER.search(photo["caption"]).group(0)
    return photo, order


async def test_an_empty_wallet_pays_a_bill_by_qris_and_gets_the_receipt(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    bill = await bill_message(bot, chat)
    tx = bot.service.history(CUSTOMER)[0]
    qris = f"qris:{tx.ref_id}"
    assert chat.buttons(bill)[0] == qris  # no money in the wallet: QRIS first
    label = bill["reply_markup"]["inline_keyboard"][0][0]["text"]
    assert "QRIS" in label and f"{tx.amount + FEE:,}".replace(",", ".") in label

    await chat.clicks(bill, qris)
    photo, order = the_qr(bot, chat)
    caption = photo["caption"]
    assert f"{tx.amount + FEE:,}".replace(",", ".") in caption and "WIB" in caption and "QRIS" in caption
    assert chat.buttons(photo) == [f"qchk:{order}", f"qcnl:{order}"]
    upload = bot.api.sent("sendPhoto", CUSTOMER)[-1]
    assert upload.params.get("parse_mode") == "HTML"

    await bot.gateway.pay(order)
    await bot.money.qris.drain()
    assert bot.deliveries == [("settlement", 200)]
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
    assert bot.service.balance(CUSTOMER) == 0  # credited the bill, paid the bill; the fee is the operator's
    paid_qr = bot.api.message(CUSTOMER, photo["message_id"])
    assert "diterima" in paid_qr["caption"] and "reply_markup" not in paid_qr  # the QR says paid, no buttons
    texts = bot.api.texts(CUSTOMER)
    assert any("STRUK PEMBAYARAN" in text for text in texts)  # the receipt follows
    assert bot.api.message(CUSTOMER, bill["message_id"])["text"].startswith("✅")  # the bill became it


async def test_a_funded_wallet_sees_pay_first_and_no_qris_without_a_gateway(
    bot: Harness, tmp_path: Path
) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat(CUSTOMER)
    bill = await bill_message(bot, chat)
    assert chat.buttons(bill)[0].startswith("pay:") and chat.buttons(bill)[2].startswith("qris:")
    async for bare in _harness(tmp_path / "bare", PAYMENT_GATEWAY="none", DEPOSIT_BANK_INFO=""):
        other = bare.chat(OTHER)
        plain = await bill_message(bare, other)
        assert not any(b.startswith("qris:") for b in other.buttons(plain))
        await other.says("/start")
        assert "m:topup" not in other.buttons(other.last())
        await other.says("/isi 50000")
        assert f"<code>{OTHER}</code>" in other.last()["text"]  # ask the operator, giving your id


async def test_i_have_paid_only_checks_and_cancel_closes_the_qr(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    bill = await bill_message(bot, chat)
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"qris:{tx.ref_id}")
    photo, order = the_qr(bot, chat)
    await chat.clicks(photo, f"qchk:{order}")
    assert "Belum ada pembayaran" in chat.answers()[-1]["text"]
    assert bot.money.qris.get(order, CUSTOMER).state is IntentState.PENDING
    await bot.gateway.pay(order, notify="none")  # paid, the notification lost
    await chat.clicks(photo, f"qchk:{order}")  # within 3 s of the first tap: not asked again
    assert bot.money.qris.get(order, CUSTOMER).state is IntentState.PENDING
    bot.money.qris.check_gap = 0  # (as if 3 s had passed)
    await chat.clicks(photo, f"qchk:{order}")
    await bot.money.qris.drain()
    assert bot.money.qris.get(order, CUSTOMER).state is IntentState.PAID
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS

    bill2 = await bill_message(bot, chat, "530000000002")
    tx2 = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill2, f"qris:{tx2.ref_id}")
    photo2, order2 = the_qr(bot, chat)
    await chat.clicks(photo2, f"qcnl:{order2}")
    assert bot.money.qris.get(order2, CUSTOMER).state is IntentState.CANCELLED
    assert "dibatalkan" in bot.api.message(CUSTOMER, photo2["message_id"])["caption"]
    stranger = bot.chat(OTHER)
    await stranger.clicks(photo2, f"qchk:{order2}")  # someone else's QR: not theirs to ask
    assert stranger.answers()[-1]["show_alert"] is True


async def test_not_enough_in_the_wallet_names_the_ways_to_top_up(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    bill = await bill_message(bot, chat)
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(bill, f"pay:{tx.ref_id}")
    text = bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert "Saldo tidak cukup" in text and "QRIS" in text and "/isi" in text and "TIKET." in text


async def test_top_up_by_qris_from_the_menu(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    await chat.says("/start")
    menu = chat.last()
    assert "m:topup" in chat.buttons(menu)
    await chat.clicks(menu, "m:topup")
    picker = chat.last()
    assert chat.buttons(picker) == ["isi:50000", "isi:100000", "isi:200000", "isi:500000"]
    await chat.clicks(picker, "isi:100000")
    methods = bot.api.message(CUSTOMER, picker["message_id"])
    assert chat.buttons(methods) == ["isiq:100000", "isit:100000"]
    assert (
        "100.700" in methods["reply_markup"]["inline_keyboard"][0][0]["text"]
    )  # the fee shown before paying
    await chat.clicks(methods, "isiq:100000")
    photo, order = the_qr(bot, chat)
    await bot.gateway.pay(order, notify="twice")
    assert bot.service.balance(CUSTOMER) == 100_000
    assert "Saldo diisi" in bot.api.message(CUSTOMER, photo["message_id"])["caption"]
    assert sum("Saldo diisi" in text for text in bot.api.texts(CUSTOMER)) == 2  # the caption and one message


async def test_isi_with_an_amount_and_bad_ones(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    await chat.says("/isi 75.000")
    assert chat.buttons(chat.last()) == ["isiq:75000", "isit:75000"]
    for bad in ("/isi 5000", "/isi 50rb", "/isi -5", "/isi 999999999999"):
        await chat.says(bad)
        assert "Jumlah isi saldo antara" in chat.last()["text"], bad
    await chat.says("/isi")
    assert chat.buttons(chat.last())[0] == "isi:50000"


async def test_a_deposit_ticket_accepted_by_an_operator_credits_once(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    await chat.says("TIKET.100.000")
    answer = chat.last()["text"]
    ticket = bot.money.tickets.tickets_of(CUSTOMER)[0]
    transfer = f"{ticket.transfer_amount:,}".replace(",", ".")
    assert transfer in answer and BANK in answer and "WIB" in answer
    to_operator = bot.api.last_message(ADMIN)
    assert transfer in to_operator["text"] and str(CUSTOMER) in to_operator["text"]
    operator = bot.chat(ADMIN)
    assert operator.buttons(to_operator) == [f"tacc:{ticket.ticket_id}", f"trej:{ticket.ticket_id}"]
    await operator.clicks(to_operator, f"tacc:{ticket.ticket_id}")
    assert bot.service.balance(CUSTOMER) == ticket.transfer_amount
    assert "diterima" in bot.api.message(ADMIN, to_operator["message_id"])["text"]
    assert f"Saldo sekarang Rp {transfer}" in chat.last()["text"]
    await operator.clicks(to_operator, f"tacc:{ticket.ticket_id}")  # a second tap
    assert bot.service.balance(CUSTOMER) == ticket.transfer_amount
    stranger = bot.chat(OTHER)
    await stranger.clicks(to_operator, f"tacc:{ticket.ticket_id}")
    assert (
        stranger.answers()[-1]["show_alert"] is True
        and bot.service.balance(CUSTOMER) == ticket.transfer_amount
    )


async def test_tiket_terima_tolak_for_operators_only(bot: Harness) -> None:
    customer, other, operator = bot.chat(CUSTOMER), bot.chat(OTHER), bot.chat(ADMIN)
    await customer.says("TIKET 50000")
    await other.says("/isi 200000")
    await other.clicks(other.last(), "isit:200000")
    first, second = bot.money.tickets.open_tickets(ADMIN)
    await operator.says("/tiket")
    listing = operator.last()
    assert "2" in listing["text"] and f"#{first.ticket_id}" in listing["text"]
    assert operator.buttons(listing) == [f"tacc:{first.ticket_id}", f"trej:{first.ticket_id}",
                                         f"tacc:{second.ticket_id}", f"trej:{second.ticket_id}"]  # fmt: skip
    await operator.says(f"/terima {first.ticket_id} 40000")  # only 40 000 came
    assert bot.service.balance(CUSTOMER) == 40_000
    await operator.says(f"/tolak {second.ticket_id} tidak ada di mutasi")
    assert bot.money.tickets.get(second.ticket_id, ADMIN).state is TicketState.REJECTED
    assert "tidak ada di mutasi" in other.last()["text"]
    await operator.says(f"/tolak {second.ticket_id}")
    assert "sudah ditolak" in operator.last()["text"]
    await operator.says("/terima")
    assert "/terima" in operator.last()["text"]
    await customer.says("/tiket")
    assert bot.money.tickets.open_tickets(ADMIN) == []
    assert "tidak dikenal" in customer.last()["text"].lower() or "/help" in customer.last()["text"]


async def test_a_bill_that_can_no_longer_be_paid_keeps_the_money_and_says_so(tmp_path: Path) -> None:
    clock = Clock()
    clock.now = clock.now.replace(year=2030)  # after the sandbox's real time: its QR does not expire
    async for bot in _harness(tmp_path, clock=clock):
        chat = bot.chat(CUSTOMER)
        bill = await bill_message(bot, chat)
        tx = bot.service.history(CUSTOMER)[0]
        await chat.clicks(bill, f"qris:{tx.ref_id}")
        _, order = the_qr(bot, chat)
        clock.advance(901)  # the inquiry is too old by the time the QR is paid
        await bot.gateway.pay(order)
        await bot.money.qris.drain()
        assert bot.service.balance(CUSTOMER) == tx.amount
        said = chat.last()["text"]
        assert "tidak bisa dibayar lagi" in said and "tetap di saldo" in said


async def test_late_payment_lands_in_the_wallet_and_reversals_alarm_the_operators(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER)
    await chat.says("/isi 50000")
    await chat.clicks(chat.last(), "isiq:50000")
    photo, order = the_qr(bot, chat)
    await bot.gateway.expire(order)
    assert "kedaluwarsa" in bot.api.message(CUSTOMER, photo["message_id"])["caption"]
    await bot.gateway.pay(order, late=True)
    assert bot.service.balance(CUSTOMER) == 50_000
    assert "setelah QR ditutup" in chat.last()["text"]
    await bot.gateway.refund(order)
    assert bot.service.balance(CUSTOMER) == 0
    assert "dibatalkan oleh penyedia" in chat.last()["text"]
    alarm = bot.api.last_message(ADMIN)["text"]
    assert order in alarm and "Diambil kembali Rp 50.000" in alarm


async def test_help_names_the_ways_in(bot: Harness) -> None:
    chat, operator = bot.chat(CUSTOMER), bot.chat(ADMIN)
    await chat.says("/help")
    assert "/isi" in chat.last()["text"] and "/tiket" not in chat.last()["text"]
    await operator.says("/help")
    assert "/tiket" in operator.last()["text"] and "/terima" in operator.last()["text"]


async def test_qris_expiry_is_shown_in_wib(tmp_path: Path) -> None:
    async for bot in _harness(tmp_path, QRIS_EXPIRY_MINUTES="30"):
        chat = bot.chat(CUSTOMER)
        await chat.says("/isi 50000")
        await chat.clicks(chat.last(), "isiq:50000")
        photo, order = the_qr(bot, chat)
        intent = bot.money.qris.get(order, CUSTOMER)
        wib = (intent.expires_at + timedelta(hours=7)).strftime("%H:%M")
        assert wib in photo["caption"] and f"{wib}" in photo["caption"].split("WIB")[0]
        assert abs((intent.expires_at - intent.created_at) - timedelta(minutes=30)) < timedelta(seconds=1)
