"""Operators' commands, through the real Application (bot/telegram/flows/operator.py):
for ADMIN_IDS only, unknown to anyone else."""

from __future__ import annotations

from pathlib import Path

from tests.core_fakes import FakeBiller
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, PLN_OK, PLN_PENDING, Harness


async def _check_pending_list(bot: Harness, refs: list[str]) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/pending")
    text = admin.last()["text"]
    assert len(text) <= 4096
    assert text.startswith("<b>30 transactions waiting")
    assert refs[0] in text and refs[24] in text and refs[25] not in text  # oldest first
    assert "… and 5 more." in text


async def test_unknown_command_and_admin_commands_hidden(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/frobnicate")
    unknown = chat.last()["text"]
    for command in ("/topup 1001 50000", "/adjust 1001 +5 x", "/deposit", "/stats", "/pending"):
        await chat.says(command)
        assert chat.last()["text"] == unknown
    assert bot.service.balance(CUSTOMER) == 0
    assert ADMIN not in (CUSTOMER, OTHER)


async def test_admin_topup_adjust_and_notice(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "en", "Op")
    customer = bot.chat(CUSTOMER)
    await customer.says("/start")
    await admin.says(f"/topup {CUSTOMER} 150.000 cash at counter")
    assert admin.last()["text"] == f"Topped up Rp 150.000 for {CUSTOMER}. Balance now Rp 150.000."
    assert customer.last()["text"] == "Saldo Anda bertambah Rp 150.000. Saldo sekarang Rp 150.000."
    await admin.says(f"/adjust {CUSTOMER} -50.000 correction")
    assert bot.service.balance(CUSTOMER) == 100_000
    await admin.says(f"/adjust {CUSTOMER} -500.000 too much")
    assert admin.last()["text"] == "Invalid amount: a balance cannot go below zero (balance now Rp 100.000)."
    for bad, why in (
        ("/topup 1001 50rb", "write whole rupiah"),
        ("/topup 1001 1,5", "write whole rupiah"),
        ("/topup 1001 0", "must be more than zero"),
    ):
        await admin.says(bad)
        assert admin.last()["text"].startswith(f"Invalid amount: {why}"), bad
    bot.service.set_language(ADMIN, "id")  # the same refusal, in the admin's language
    await admin.says("/topup 1001 50rb")
    assert admin.last()["text"].startswith("Jumlah tidak sah: tulis angka rupiah")
    bot.service.set_language(ADMIN, "en")
    await admin.says("/topup abc 5000")
    assert admin.last()["text"] == "The Telegram id must be a number."
    await admin.says("/topup 1001")
    assert admin.last()["text"].startswith("Usage: /topup")
    await admin.says(f"/adjust {CUSTOMER} 5000 no sign")
    assert admin.last()["text"].startswith("Invalid amount")
    await admin.says(f"/adjust {CUSTOMER} +5000")
    assert admin.last()["text"].startswith("Usage: /adjust")
    assert bot.service.balance(CUSTOMER) == 100_000


async def test_a_topup_with_a_typo_of_many_zeros_is_explained(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 50000000000000000000000 kas")
    assert admin.last()["text"] == "Jumlah tidak sah: paling banyak Rp 1.000.000.000.000 sekali transaksi."
    assert bot.service.balance(CUSTOMER) == 0


async def test_operator_marks_a_reseller_with_role(bot: Harness) -> None:
    from bot.payments.models import Role

    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/role {CUSTOMER} reseller")
    assert admin.last()["text"] == f"Pengguna {CUSTOMER} sekarang reseller."
    assert bot.service.get_user(CUSTOMER).role is Role.RESELLER
    await admin.says(f"/role {CUSTOMER} pelanggan")
    assert bot.service.get_user(CUSTOMER).role is Role.CUSTOMER
    for bad, said in (
        (f"/role {CUSTOMER} admin", "Pakai: /role"),
        (f"/role {ADMIN} reseller", "ADMIN_IDS"),
        ("/role abc reseller", "ID Telegram harus angka"),
    ):
        await admin.says(bad)
        assert said in admin.last()["text"]
    customer = bot.chat()
    await customer.says(f"/role {CUSTOMER} reseller")  # not an operator: an unknown command
    assert customer.last()["text"] == "Perintah tidak dikenal. Ketik /help."
    assert bot.service.get_user(CUSTOMER).role is Role.CUSTOMER


async def test_admin_deposit_stats_pending(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    admin = bot.chat(ADMIN, "en", "Op")
    chat = bot.chat()
    await admin.says("/pending")
    assert admin.last()["text"] == "No pending transactions."
    await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
    ref = bot.service.history(CUSTOMER)[0].ref_id
    await chat.clicks(chat.last(), f"pay:{ref}")
    await admin.says("/pending")
    assert (
        ref in admin.last()["text"]
        and "PROCESSING" in admin.last()["text"]
        and " age " in admin.last()["text"]
    )
    await admin.says("/stats")
    assert "Transactions: 1" in admin.last()["text"] and "Pending: 1" in admin.last()["text"]
    await admin.says("/deposit")
    assert admin.last()["text"].startswith(("Deposit at the biller: Rp ", "The biller has not reported"))


async def test_deposit_after_a_restart_is_the_last_reported_with_its_time(tmp_path: Path) -> None:
    async with Harness(tmp_path) as first:
        first.fund(CUSTOMER, 1_000_000)
        chat = first.chat()
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
        tx = first.service.history(CUSTOMER)[0]
        await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
        told = await first.biller.deposit()
        assert told is not None
    async with Harness(tmp_path) as second:  # a new sandbox client: it knows no balance
        admin = second.chat(ADMIN, "id", "Op")
        await admin.says("/deposit")
        text = admin.last()["text"]
        amount = f"Rp {told:,}".replace(",", ".")
        assert text.startswith(f"Deposit di biller: {amount}\n(dilaporkan biller ") and "WIB" in text


async def test_pending_list_fits_one_message(tmp_path: Path) -> None:
    biller = FakeBiller()
    biller.pay_mode = "pending"  # every payment stays with the biller, whatever the number
    async with Harness(tmp_path, biller=biller) as bot:
        bot.fund(CUSTOMER, 50_000_000)
        chat = bot.chat()
        refs = []
        for i in range(30):
            await chat.says(f"CEK.TELKOMPSTN.021555{i:04d}")
            ref = bot.service.history(CUSTOMER)[0].ref_id
            await chat.clicks(chat.last(), f"pay:{ref}")
            refs.append(ref)
        assert len(bot.service.pending()) == 30
        await _check_pending_list(bot, refs)
