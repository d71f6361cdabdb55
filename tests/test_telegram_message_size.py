"""Telegram refuses a message over 4096 characters, and the user would get nothing: every
message fits, whatever a user or a biller put in it."""

from __future__ import annotations

from pathlib import Path

from bot.billers.base import Bill, Product
from bot.telegram.texts import TEXTS
from tests.core_fakes import PRODUCT, FakeBiller
from tests.tg_setup import ADMIN, CUSTOMER, Harness

LIMIT = 4096


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def longest(bot: Harness) -> int:
    """The longest text the bot sent or edited, as Telegram counts it."""
    calls = [c for c in bot.api.calls if c.method in ("sendMessage", "editMessageText")]
    return max(utf16(c.params.get("text", "")) for c in calls)


class LongNameBiller(FakeBiller):
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        bill = await super().inquire(product, customer_number, ref_id)
        return bill.model_copy(update={"customer_name": "<b>&" * 2000})


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
