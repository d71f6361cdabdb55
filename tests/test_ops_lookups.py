"""Operators look users up (`/user`, `/saldo <id>`, `/history <id>`) and any day's figures
(`/stats DD/MM/YYYY`, per product and per reseller), through the real Application
(bot/telegram/flows/operator_tools.py); arguments a command does not take are answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jakarta import JAKARTA
from bot.payments.models import Role
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness, utc


async def _paid(bot: Harness, user: int, number: str) -> str:
    tx = await bot.service.inquire(user, "PLNPOSTPAID", number)
    await bot.service.pay(tx.ref_id, user)
    return tx.ref_id


async def test_an_operator_looks_a_user_up_by_id(bot: Harness) -> None:
    customer = bot.chat(CUSTOMER, "id", "Budi Santoso")
    await customer.says("/start")
    bot.fund(CUSTOMER, 300_000)
    ref = await _paid(bot, CUSTOMER, "541200000011")
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says(f"/saldo {CUSTOMER}")
    text = admin.last()["text"]
    balance = bot.service.balance(CUSTOMER)
    assert text.startswith(f"👛 Wallet of user {CUSTOMER}: <b>Rp {balance:,}</b>\n".replace(",", "."))
    assert "top-up Rp 300.000 → Rp 300.000" in text
    await admin.says(f"/history {CUSTOMER}")
    assert admin.last()["text"].startswith(f"<b>User {CUSTOMER}</b>\n") and ref in admin.last()["text"]
    await admin.says(f"/user {CUSTOMER}")
    card = admin.last()["text"]
    assert card.startswith(f"<b>User {CUSTOMER}</b>: Budi Santoso\nRole: customer, language: id\n")
    assert ref in card
    await admin.says("/saldo")  # their own, as for anyone
    assert admin.last()["text"].startswith("👛 Your wallet: <b>Rp 0</b>")
    assert f"Your Telegram id: <code>{ADMIN}</code>" in admin.last()["text"]
    for said, answer in (
        ("/user", "Usage: /user"),
        ("/user abc", "The Telegram id must be a number."),
        (f"/user {CUSTOMER} {OTHER}", "Usage: /user"),
        ("/saldo 31337", "User 31337 has never used Loket."),
        (f"/history {CUSTOMER} 2", "Usage: /history"),
    ):
        await admin.says(said)
        assert admin.last()["text"].startswith(answer), said


async def test_saldo_shows_the_users_own_id_and_answers_an_id_it_does_not_take(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER, "id")
    await chat.says("/saldo")
    assert chat.last()["text"].endswith(
        f"ID Telegram Anda: <code>{CUSTOMER}</code> (sebutkan ke operator untuk isi saldo)"
    )
    bot.fund(OTHER, 99_000)
    before = len(bot.api.sent("sendMessage", CUSTOMER))
    await chat.says(f"/saldo {OTHER}")
    said = [c.params["text"] for c in bot.api.sent("sendMessage", CUSTOMER)[before:]]
    assert said[0] == "/saldo tidak memakai tambahan apa pun; ini milik Anda sendiri."
    assert said[1].startswith("👛 Saldo Anda: <b>Rp 0</b>") and "99.000" not in said[1]
    await chat.says(f"/history {OTHER}")
    assert bot.api.sent("sendMessage", CUSTOMER)[-2].params["text"].startswith("/history tidak memakai")
    unknown_before = len(bot.api.sent("sendMessage", CUSTOMER))
    await chat.says(f"/user {OTHER}")
    await chat.says("/frobnicate")
    sent = bot.api.sent("sendMessage", CUSTOMER)
    assert sent[unknown_before].params["text"] == sent[-1].params["text"]  # /user is unknown to them


async def test_stats_for_any_day_with_its_products_and_resellers(tmp_path) -> None:
    now = [utc(2026, 11, 30, 3, 0)]  # 10:00 WIB, 30 November
    async with Harness(tmp_path, clock=lambda: now[0]) as bot:
        bot.fund(CUSTOMER, 5_000_000)
        bot.fund(OTHER, 5_000_000)
        bot.service.set_role(ADMIN, OTHER, Role.RESELLER)
        await _paid(bot, CUSTOMER, "541200000021")
        await _paid(bot, OTHER, "541200000022")
        tx = await bot.service.inquire(OTHER, "TELKOMPSTN", "0218800001")
        await bot.service.pay(tx.ref_id, OTHER)
        now[0] = now[0] + timedelta(days=1)  # the next day: one more
        await _paid(bot, CUSTOMER, "541200000023")
        admin = bot.chat(ADMIN, "en", "Op")
        await admin.says("/stats 30/11/2026")
        text = admin.last()["text"]
        assert text.startswith("<b>Statistics 2026-11-30</b>\nTransactions: 3\nSuccess: 3\n")
        margins = text.split("<b>Margin per product</b>")[1].split("<b>By reseller</b>")[0]
        assert "<code>PLNPOSTPAID</code> " in margins and " ×2: paid " in margins
        assert "<code>TELKOMPSTN</code> " in margins and " ×1: paid " in margins
        by_reseller = text.split("<b>By reseller</b>")[1]
        assert f"\n{OTHER}: 2, 2, " in by_reseller and str(CUSTOMER) not in by_reseller
        await admin.says("/stats 01/12/2026")
        assert "Transactions: 1\n" in admin.last()["text"] and "By reseller" not in admin.last()["text"]
        await admin.says("/stats 31/11/2026")
        assert admin.last()["text"].startswith("Cannot read the date")
        await admin.says("/stats 30/11/2026 extra")
        assert admin.last()["text"] == "Usage: /stats (today) or /stats &lt;DD/MM/YYYY&gt;"
        assert bot.errors == []
    assert datetime.now(UTC).astimezone(JAKARTA)  # the real clock is not used above
