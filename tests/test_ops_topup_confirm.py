"""A `/topup` above TOPUP_CONFIRM_ABOVE waits for the operator's tap, through the real
Application (bot/telegram/flows/topup_confirm.py): the tap tops up what the draft holds, once;
the button carries no amount, and a forged, second, old or superseded tap changes nothing."""

from __future__ import annotations

import time

from bot.telegram.flows import topup_confirm
from tests.tg_setup import ADMIN, CUSTOMER, Harness


async def test_a_large_topup_waits_for_one_confirming_tap(bot: Harness) -> None:
    customer = bot.chat(CUSTOMER)
    await customer.says("/start")
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says(f"/topup {CUSTOMER} 1.000.000 at the limit")  # not above: at once
    assert bot.service.balance(CUSTOMER) == 1_000_000
    await admin.says(f"/topup {CUSTOMER} 15.000.000 cash")  # one zero too many?
    ask = admin.last()
    assert ask["text"] == (
        f"Top up <b>Rp 15.000.000</b> for user {CUSTOMER}?\n(more than Rp 1.000.000: needs a confirmation)"
    )
    assert bot.service.balance(CUSTOMER) == 1_000_000
    confirm, cancel = admin.buttons(ask)
    assert "15000000" not in confirm + cancel and str(CUSTOMER) not in confirm + cancel
    await admin.clicks(ask, confirm)
    assert bot.service.balance(CUSTOMER) == 16_000_000
    done = bot.api.message(ADMIN, ask["message_id"])
    assert done["text"] == f"Topped up Rp 15.000.000 for {CUSTOMER}. Balance now Rp 16.000.000."
    assert customer.last()["text"] == "Saldo Anda bertambah Rp 15.000.000. Saldo sekarang Rp 16.000.000."
    entries = bot.service.statement(CUSTOMER, 10)
    assert [e.amount for e in entries] == [15_000_000, 1_000_000] and entries[0].reason == "cash"
    await admin.clicks(ask, confirm)  # a second tap (or a re-delivered one)
    assert bot.service.balance(CUSTOMER) == 16_000_000
    assert "no longer valid" in admin.answers()[-1].get("text", "")


async def test_forged_old_superseded_and_cancelled_taps_top_up_nothing(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 2.000.000")
    first = admin.last()
    await admin.says(f"/topup {CUSTOMER} 3.000.000")  # the latest draft wins
    second = admin.last()
    await admin.clicks(first, admin.buttons(first)[0])
    assert bot.service.balance(CUSTOMER) == 0
    assert bot.api.message(ADMIN, first["message_id"])["text"].startswith(
        "Konfirmasi ini sudah tidak berlaku"
    )
    await admin.clicks(second, "tu:0badc0de")  # forged token
    assert bot.service.balance(CUSTOMER) == 0
    await admin.says(f"/topup {CUSTOMER} 4.000.000")
    third = admin.last()
    await admin.clicks(third, admin.buttons(third)[1])  # cancel
    assert (
        bot.api.message(ADMIN, third["message_id"])["text"] == "Isi saldo dibatalkan; tidak ada yang diisi."
    )
    await admin.clicks(third, admin.buttons(third)[0])
    assert bot.service.balance(CUSTOMER) == 0
    await admin.says(f"/topup {CUSTOMER} 5.000.000")
    old = admin.last()
    draft = bot.app.user_data[ADMIN][topup_confirm.KEY]
    draft["at"] = time.time() - topup_confirm.DRAFT_TTL - 1
    await admin.clicks(old, admin.buttons(old)[0])
    assert bot.service.balance(CUSTOMER) == 0
    customer = bot.chat(CUSTOMER)  # not an operator: the same data does nothing
    await admin.says(f"/topup {CUSTOMER} 6.000.000")
    mine = admin.last()
    await customer.clicks(mine, admin.buttons(mine)[0])
    assert bot.service.balance(CUSTOMER) == 0
    await admin.clicks(mine, admin.buttons(mine)[0])
    assert bot.service.balance(CUSTOMER) == 6_000_000


async def test_the_threshold_is_a_setting(tmp_path) -> None:
    async with Harness(tmp_path, TOPUP_CONFIRM_ABOVE="0") as bot:
        admin = bot.chat(ADMIN, "en", "Op")
        await admin.says(f"/topup {CUSTOMER} 1")
        assert admin.last()["text"].startswith("Top up <b>Rp 1</b>")
        assert bot.service.balance(CUSTOMER) == 0
        assert bot.errors == []
