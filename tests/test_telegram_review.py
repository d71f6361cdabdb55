"""Found in an adversarial review of the Telegram layer, each through the real Application:
Telegram's 4096-character limit, forged history pages, groups, languages, numbers typed in
groups, /cancel."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.billers.base import Bill, Product
from bot.payments.models import TxState
from bot.telegram.texts import TEXTS
from tests.core_fakes import PRODUCT, FakeBiller
from tests.tg_double import Chat
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness

PLN_OK = "530000000000"
LIMIT = 4096
GROUP = -100123


@pytest.fixture
async def bot(tmp_path: Path):
    async with Harness(tmp_path) as harness:
        yield harness
        assert harness.errors == []


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def longest(bot: Harness) -> int:
    """The longest text the bot sent or edited, as Telegram counts it."""
    calls = [c for c in bot.api.calls if c.method in ("sendMessage", "editMessageText")]
    return max(utf16(c.params.get("text", "")) for c in calls)


def in_group(chat: Chat, text: str) -> Any:
    msg: dict[str, Any] = {
        "message_id": 19,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "warung"},
        "from": chat.user,
        "text": text,
    }
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return chat._update(message=msg)


# -- Telegram refuses a message over 4096 characters: the user would get nothing -------------------
async def test_echoed_refs_numbers_and_products_never_exceed_4096(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/receipt " + "A" * 4100)
    await chat.says("/status " + "b" * 4100)
    await chat.says("STATUS." + "1" * 4100)
    await chat.says("CEK." + "C" * 4100 + ".123456")
    assert len(bot.api.sent("sendMessage", CUSTOMER)) == 4
    assert longest(bot) <= LIMIT
    assert "tidak ditemukan" in bot.api.sent("sendMessage", CUSTOMER)[0].params["text"]


async def test_wallet_with_long_adjustment_reasons_fits_one_message(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    for _ in range(10):
        await admin.says(f"/adjust {CUSTOMER} +5000 " + "<b>&" * 1000)
    customer = bot.chat()
    await customer.says("/saldo")
    text = customer.last()["text"]
    assert utf16(text) <= LIMIT
    assert "<b>&" not in text.replace("<b>Rp 50.000</b>", "")  # still escaped
    assert text.count("koreksi") == 10  # every entry still listed, reasons shortened


class LongNameBiller(FakeBiller):
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        bill = await super().inquire(product, customer_number, ref_id)
        return bill.model_copy(update={"customer_name": "<b>&" * 2000})


async def test_a_biller_name_of_8000_characters_still_gives_bill_and_receipt(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=LongNameBiller()) as bot:
        bot.fund(CUSTOMER, 500_000)
        chat = bot.chat()
        await chat.says(f"CEK.{PRODUCT.code}.123456789012")
        reseller_bill = chat.last()
        await chat.says("/bayar")
        await chat.clicks(chat.last(), f"cat:{PRODUCT.category}")
        await chat.clicks(chat.last(), f"prod:{PRODUCT.code}")
        await chat.says("123456789012")
        bill = chat.last()
        assert "Bayar" in bill["reply_markup"]["inline_keyboard"][0][0]["text"]
        await chat.clicks(bill, chat.buttons(bill)[0])
        assert "STRUK" in chat.api.message(CUSTOMER, bill["message_id"])["text"]
        await chat.says("/receipt " + chat.buttons(reseller_bill)[0].split(":", 1)[1])
        assert longest(bot) <= LIMIT
        assert bot.errors == []


def test_fit_cuts_whole_lines_and_keeps_tags_closed() -> None:
    from bot.telegram.texts import fit

    text = "\n".join(f"<b>line {i}</b> " + "x" * 90 for i in range(100))
    out = fit(text)
    assert utf16(out) <= LIMIT and out.endswith("\n…")
    assert out.count("<b>") == out.count("</b>")
    single = fit("<b>" + "&amp;" * 5000 + "</b>")
    assert utf16(single) <= LIMIT and "<b>" not in single


def test_every_template_line_closes_its_own_tags() -> None:
    """fit() cuts at line ends; that is safe only while no tag spans two lines."""
    for lang, table in TEXTS.items():
        for key, template in table.items():
            for line in template.split("\n"):
                for tag in ("b", "code", "i"):
                    assert line.count(f"<{tag}>") == line.count(f"</{tag}>"), (lang, key)


# -- history: a page past the end, a forged offset ------------------------------------------------
async def test_history_past_the_end_shows_the_last_page_not_no_transactions(bot: Harness) -> None:
    chat = bot.chat()
    for _ in range(6):
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.says("/history")
    page = chat.last()
    await chat.clicks(page, "hist:50")
    text = chat.api.message(CUSTOMER, page["message_id"])["text"]
    assert "Belum ada transaksi" not in text
    assert "(6–6 dari 6)" in text


async def test_forged_huge_history_offset_is_answered_not_crashed(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.says("/history")
    page = chat.last()
    await chat.clicks(page, "hist:" + "9" * 40)  # an OverflowError in SQLite before
    assert "(1–1 dari 1)" in chat.api.message(CUSTOMER, page["message_id"])["text"]
    assert len(chat.answers()) == 1


# -- language -------------------------------------------------------------------------------------
async def test_a_user_topped_up_before_their_first_message_gets_telegrams_language(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 50000 kas")  # makes the user row, default language
    ann = bot.chat(CUSTOMER, "en-US", "Ann")
    await ann.says("/start")
    assert "Welcome" in ann.last()["text"]
    assert bot.service.get_user(CUSTOMER).name == "Ann"
    await ann.says("/lang")  # and a later choice still wins over Telegram's
    await ann.clicks(ann.last(), "lang:id")
    await ann.says("/help")
    assert "membayar tagihan" in ann.last()["text"]


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


class BoomBiller(FakeBiller):
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        raise RuntimeError("boom")


async def test_the_error_message_uses_the_language_picked_with_lang(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=BoomBiller()) as bot:
        chat = bot.chat(CUSTOMER, "id")
        await chat.says("/lang")
        await chat.clicks(chat.last(), "lang:en")
        await chat.says(f"CEK.{PRODUCT.code}.123456789012")
        assert chat.last()["text"] == "Sorry, something went wrong. Please try again shortly."
        assert [type(e) for e in bot.errors] == [RuntimeError]


# -- numbers as people type them ------------------------------------------------------------------
async def test_reseller_numbers_with_spaces_or_dashes(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("CEK PLNPOSTPAID 5300 0000 0000")
    await chat.says("CEK.PLNPOSTPAID.5300-0000-0000")
    await chat.says("cek pdamkota surabaya 1020 2001")
    txs = bot.service.history(CUSTOMER)
    assert [(tx.product_code, tx.customer_number) for tx in txs] == [
        ("PDAMKOTA.SURABAYA", "10202001"),
        ("PLNPOSTPAID", PLN_OK),
        ("PLNPOSTPAID", PLN_OK),
    ]


async def test_a_pin_after_the_number_is_never_glued_into_another_number(bot: Harness) -> None:
    chat = bot.chat()
    for line in (
        f"BAYAR.PLNPOSTPAID.{PLN_OK}.1234",  # the PIN habit of other reseller servers
        f"CEK PLNPOSTPAID {PLN_OK} 1234",
        f"CEK.PLNPOSTPAID.{PLN_OK}-1234",
    ):
        await chat.says(line)
        assert "5300000000001234" not in chat.last()["text"]
    assert bot.service.history(CUSTOMER) == []  # no inquiry of a number nobody typed


async def test_arabic_indic_digits_in_the_guided_flow(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("٥٣٠٠٠٠٠٠٠٠٠٠")
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.customer_number == PLN_OK and tx.state is TxState.INQUIRED


# -- groups ---------------------------------------------------------------------------------------
async def test_group_chatter_and_other_bots_commands_get_no_answer(bot: Harness) -> None:
    chat = bot.chat()
    for text in ("halo semua, ada yang tahu jam buka?", "/start@other_bot", "/weather@other_bot jkt", "/foo"):
        await chat.deliver(in_group(chat, text))
    assert bot.api.sent("sendMessage", GROUP) == []
    await chat.deliver(in_group(chat, "cek plnpostpaid"))  # a try at a command: the grammar's help
    await chat.deliver(in_group(chat, "/foo@loket_test_bot"))
    texts = [c.params["text"] for c in bot.api.sent("sendMessage", GROUP)]
    assert texts[0].startswith("Format tidak dikenal") and texts[1].startswith("Perintah tidak dikenal")
    await chat.deliver(in_group(chat, "SAL"))
    assert bot.api.last_text(GROUP) == "Saldo Rp 0"


async def test_a_wrong_line_in_a_private_chat_still_gets_the_grammar_help(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("halo")
    assert chat.last()["text"].startswith("Format tidak dikenal")
    await chat.says("/foo")
    assert chat.last()["text"].startswith("Perintah tidak dikenal")


# -- /cancel --------------------------------------------------------------------------------------
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


# -- a tap that waited behind a slow payment: its query is too old to answer ----------------------
def queries_expire(bot: Harness) -> None:
    """From now on Telegram answers every answerCallbackQuery with 'query is too old'."""
    real = bot.api.do_request

    async def do_request(url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/answerCallbackQuery"):
            bot.api.calls.append(type(bot.api.calls[0])("answerCallbackQuery", {}))
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: query is too old and response timeout expired "
                "or query ID is invalid",
            }
            return 400, json.dumps(body).encode()
        return await real(url, method, request_data, *args, **kwargs)

    bot.api.do_request = do_request  # type: ignore[method-assign]


async def test_a_second_tap_answered_too_late_is_not_an_error_after_a_receipt(bot: Harness) -> None:
    bot.fund(CUSTOMER, 500_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    bill = chat.last()
    pay = chat.buttons(bill)[0]
    await chat.clicks(bill, pay)
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
    sent = len(bot.api.sent("sendMessage", CUSTOMER))
    queries_expire(bot)
    await chat.clicks(bill, pay)  # the second tap, queued behind the first payment's 20 s
    assert len(bot.api.sent("sendMessage", CUSTOMER)) == sent  # no "something went wrong"
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]
    assert bot.service.balance(CUSTOMER) == 500_000 - bot.service.history(CUSTOMER)[0].amount


async def test_a_first_tap_answered_too_late_still_pays_once(bot: Harness) -> None:
    bot.fund(CUSTOMER, 500_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    bill = chat.last()
    queries_expire(bot)
    await chat.clicks(bill, chat.buttons(bill)[0])
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.state is TxState.SUCCESS
    assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]


# -- what held up (kept as guards) ----------------------------------------------------------------
async def test_forged_callback_data_is_always_answered_and_never_pays(bot: Harness) -> None:
    bot.fund(CUSTOMER, 500_000)
    bot.fund(OTHER, 500_000)
    other = bot.chat(OTHER)
    await other.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    theirs = bot.service.history(OTHER)[0].ref_id
    chat = bot.chat()
    await chat.says("/start")
    menu = chat.last()
    forged = [
        f"pay:{theirs}",
        f"cancel:{theirs}",
        "pay:",
        "pay:x" * 12,
        "hist:-5",
        "hist:abc",
        "lang:xx",
        "m:nope",
        "cat:../../",
        "prod:PDAMKOTA.SURABAYA",
        "back",
        "cancelflow",
        "zzz",
        f"rcpt:{theirs}",
    ]
    for data in forged:
        await chat.clicks(menu, data)
    assert len(chat.answers()) == len(forged)
    assert bot.service.get(theirs, OTHER).state is TxState.INQUIRED
    assert bot.service.balance(OTHER) == 500_000 and bot.service.balance(CUSTOMER) == 500_000
    await chat.says(f"/receipt {theirs}")
    theirs_text = chat.last()["text"]
    await chat.says("/receipt LK000000000000AAAAAA")
    assert theirs_text.replace(theirs, "X") == chat.last()["text"].replace("LK000000000000AAAAAA", "X")


async def test_lang_mid_flow_then_the_number_gives_an_english_bill(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.says("/lang")
    await chat.clicks(chat.last(), "lang:en")
    await chat.says(PLN_OK)
    assert "Press <b>Pay</b>" in chat.last()["text"]


def test_every_catalogue_number_rule_has_its_hint_in_every_language() -> None:
    from bot.billers.catalog import ayoconnect_catalog, iak_catalog

    products = [*iak_catalog(), *ayoconnect_catalog()]
    keys = {p.number_rule.hint_key for p in products}
    assert keys and "" not in keys  # a rule without a key would show its Indonesian hint to everyone
    for key in keys:
        assert TEXTS["id"][f"hint_{key}"] and TEXTS["en"][f"hint_{key}"] != TEXTS["id"][f"hint_{key}"]


class EditedHintBiller(FakeBiller):
    """The catalogue's Indonesian hint reworded: its English must not be lost."""

    def products(self) -> list[Product]:
        rule = PRODUCT.number_rule.model_copy(
            update={"hint": "nomor telepon (kalimat yang baru diubah)", "hint_key": "telkom"}
        )
        return [PRODUCT.model_copy(update={"number_rule": rule})]


async def test_a_reworded_catalogue_hint_keeps_its_english(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=EditedHintBiller()) as bot:
        chat = bot.chat(CUSTOMER, "en", "Ann")
        await chat.says("/bayar")
        await chat.clicks(chat.last(), f"cat:{PRODUCT.category}")
        await chat.clicks(chat.last(), f"prod:{PRODUCT.code}")
        assert "home phone number with area code" in chat.last()["text"]
        assert bot.errors == []
