"""The customer's guided payment, through the real Application (bot/telegram/flows/guided.py):
category, product, number, months; Back and Cancel; the payment draft across restarts and upgrades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.billers.base import Product
from bot.payments.models import TxState
from bot.telegram.texts import TEXTS
from tests.core_fakes import PRODUCT, FakeBiller
from tests.tg_setup import CUSTOMER, PLN_OK, Harness, walk_to_bill


def stored_user_data(bot: Harness, user_id: int) -> dict:
    rows = bot.db.execute(
        "SELECT data FROM ptb_data WHERE kind = 'user' AND key = ?", [str(user_id)]
    ).fetchall()
    return json.loads(rows[0][0]) if rows else {}


class EditedHintBiller(FakeBiller):
    """The catalogue's Indonesian hint reworded: its English must not be lost."""

    def products(self) -> list[Product]:
        rule = PRODUCT.number_rule.model_copy(
            update={"hint": "nomor telepon (kalimat yang baru diubah)", "hint_key": "telkom"}
        )
        return [PRODUCT.model_copy(update={"number_rule": rule})]


async def test_back_and_cancel_in_the_flow(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "back")
    assert "cat:pln" in chat.buttons(chat.last())
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.clicks(chat.last(), "back")
    assert "prod:PLNPOSTPAID" in chat.buttons(chat.last())
    await chat.clicks(chat.last(), "cancelflow")
    assert "Dibatalkan" in chat.last()["text"]
    await chat.says(PLN_OK)  # no longer in the number step: read as a one-line command
    assert "Format tidak dikenal" in chat.last()["text"]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("530000000001", "sudah terbayar"),
        ("530000000103", "Coba lagi nanti"),
    ],
)
async def test_inquiry_refusals_have_their_own_text(bot: Harness, number: str, expected: str) -> None:
    chat = bot.chat()
    msg = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", number)
    assert expected in msg["text"]
    assert bot.service.history(CUSTOMER) == []


async def test_wrong_number_asks_again(bot: Harness) -> None:
    bot.fund(CUSTOMER, 5_000_000)
    chat = bot.chat()
    msg = await walk_to_bill(bot, chat, "pln", "PLNPOSTPAID", "530000000014")
    assert "Nomor pelanggan salah" in msg["text"]
    await chat.says("12ab")  # breaks the product's rule: the hint again, still the number step
    assert "ID pelanggan PLN 12 digit" in chat.last()["text"]
    await chat.says(PLN_OK)
    assert chat.buttons(chat.last())[0].startswith("pay:")


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("12", "terlalu pendek (2 angka, paling sedikit 11)."),
        ("5" * 30, "terlalu panjang (30 angka, paling banyak"),
        ("53000000000A", "hanya boleh angka."),
    ],
)
async def test_a_wrong_number_says_which_rule_it_broke(bot: Harness, typed: str, why: str) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says(typed)
    text = chat.last()["text"]
    assert text.startswith("Nomor pelanggan tidak sesuai: ") and why in text and "ID pelanggan PLN" in text
    await chat.says(PLN_OK)  # still asked for the number
    assert bot.service.history(CUSTOMER)[0].customer_number == PLN_OK


async def test_number_hints_are_in_english_for_english_users(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER, "en", "Ann")
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    assert "12-digit PLN customer ID" in chat.last()["text"]
    await chat.says("12")
    assert chat.last()["text"] == (
        "That customer number does not fit: too short (2 digits, at least 11). Expected: 12-digit PLN "
        "customer ID, printed on your electricity receipt or bill"
    )


def test_every_catalogue_number_rule_has_its_hint_in_every_language() -> None:
    from bot.billers.catalog import ayoconnect_catalog, iak_catalog

    products = [*iak_catalog(), *ayoconnect_catalog()]
    keys = {p.number_rule.hint_key for p in products}
    assert keys and "" not in keys  # a rule without a key would show its Indonesian hint to everyone
    for key in keys:
        assert TEXTS["id"][f"hint_{key}"] and TEXTS["en"][f"hint_{key}"] != TEXTS["id"][f"hint_{key}"]


async def test_a_reworded_catalogue_hint_keeps_its_english(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=EditedHintBiller()) as bot:
        chat = bot.chat(CUSTOMER, "en", "Ann")
        await chat.says("/bayar")
        await chat.clicks(chat.last(), f"cat:{PRODUCT.category}")
        await chat.clicks(chat.last(), f"prod:{PRODUCT.code}")
        assert "home phone number with area code" in chat.last()["text"]
        assert bot.errors == []


async def test_arabic_indic_digits_in_the_guided_flow(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("٥٣٠٠٠٠٠٠٠٠٠٠")
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.customer_number == PLN_OK and tx.state is TxState.INQUIRED


async def test_bpjs_asks_how_many_months_then_shows_that_bill(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:bpjs")
    await chat.clicks(chat.last(), "prod:BPJS")
    await chat.says("12")  # a wrong number is refused before the months are asked
    assert chat.last()["text"].startswith("Nomor pelanggan tidak sesuai")
    await chat.says("8801234560000")
    ask = chat.last()
    assert "berapa bulan" in ask["text"]
    assert chat.buttons(ask) == ["mon:1", "mon:2", "mon:3", "mon:6", "mon:12", "back", "cancelflow"]
    assert bot.service.history(CUSTOMER) == []  # nothing asked of the biller yet
    await chat.clicks(ask, "mon:3")
    tx = bot.service.history(CUSTOMER)[0]
    assert len(tx.bill.periods) == 3
    assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
    assert "3 bulan" in bot.api.message(CUSTOMER, ask["message_id"])["text"]  # the choice, no buttons left
    await chat.clicks(ask, "mon:6")  # an old months button after the bill: answered, nothing asked
    assert len(bot.service.history(CUSTOMER)) == 1


async def test_a_reseller_line_typed_mid_flow_is_run_as_such(bot: Harness) -> None:
    bot.fund(CUSTOMER, 70_000)
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("sal")
    assert chat.last()["text"] == "Saldo Rp 70.000"
    await chat.says(PLN_OK)  # the flow ended: a bare number is now the grammar's business
    assert "Format tidak dikenal" in chat.last()["text"]
    assert bot.service.history(CUSTOMER) == []


async def test_lang_mid_flow_then_the_number_gives_an_english_bill(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("/lang")
    await chat.clicks(chat.last(), "lang:en")
    await chat.says(PLN_OK)
    assert "Press <b>Pay</b>" in chat.last()["text"]


async def test_cancel_mid_flow_says_cancelled_and_outside_says_nothing_to_cancel(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/cancel")
    assert chat.last()["text"].startswith("Tidak ada yang sedang berjalan")
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("/cancel")
    assert chat.last()["text"].startswith("Dibatalkan")
    await chat.says(PLN_OK)  # the flow is over: a bare number is not inquired
    assert bot.service.history(CUSTOMER) == []


@pytest.mark.parametrize("how", ["/cancel", "cancelflow", "/start"])
async def test_leaving_the_flow_at_the_months_step_leaves_nothing_of_the_payment_behind(
    bot: Harness, how: str
) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:bpjs")
    await chat.clicks(chat.last(), "prod:BPJS")
    await chat.says("8801234560000")
    assert chat.buttons(chat.last())[0] == "mon:1"  # the months step: product, category and number kept
    if how.startswith("/"):
        await chat.says(how)
    else:
        await chat.clicks(chat.last(), how)
    assert bot.app.user_data[CUSTOMER] == {}
    assert stored_user_data(bot, CUSTOMER) == {}
    assert list(bot.db.query("SELECT * FROM ptb_conversations")) == []


async def test_a_payment_half_way_when_the_previous_version_stopped_goes_on(tmp_path: Path) -> None:
    """The version before the payment draft kept the picks in three user_data keys."""
    harness = Harness(tmp_path)
    old = {"pay_category": "pln", "pay_product": "PLNPOSTPAID"}
    harness.db.execute(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(CUSTOMER), json.dumps(old)]
    )
    key = json.dumps([CUSTOMER, CUSTOMER])
    harness.db.execute("INSERT INTO ptb_conversations (name, key, state) VALUES ('pay', ?, '2')", [key])
    async with harness as bot:
        chat = bot.chat()
        await chat.says(PLN_OK)  # the number step, where the old version left the user
        tx = bot.service.history(CUSTOMER)[0]
        assert tx.product_code == "PLNPOSTPAID"
        assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
        assert stored_user_data(bot, CUSTOMER) == {}
        assert bot.errors == []


async def test_an_old_months_step_with_its_number_goes_on_too(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    old = {"pay_category": "bpjs", "pay_product": "BPJS", "pay_number": "8801234560000"}
    harness.db.execute(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(CUSTOMER), json.dumps(old)]
    )
    key = json.dumps([CUSTOMER, CUSTOMER])
    harness.db.execute("INSERT INTO ptb_conversations (name, key, state) VALUES ('pay', ?, '3')", [key])
    async with harness as bot:
        chat = bot.chat()
        await chat.says("/help")  # the conversation stays at the months step
        await chat.clicks(chat.last(), "mon:2")  # as if on the months buttons the old version sent
        tx = bot.service.history(CUSTOMER)[0]
        assert (tx.product_code, tx.customer_number, len(tx.bill.periods)) == ("BPJS", "8801234560000", 2)
        assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
        assert stored_user_data(bot, CUSTOMER) == {}
        assert bot.errors == []
