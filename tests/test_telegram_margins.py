"""What an operator reads of a day, through the real Application: /stats shows the margin per
product (what the users paid − what the biller took) and what it was counted from."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.reports import MARGINS_SHOWN
from bot.telegram.texts import MAX_MESSAGE
from tests.core_fakes import PRODUCT, FakeBiller
from tests.test_telegram_figures import pay_line
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, Harness


async def test_stats_shows_the_margin_per_product_and_what_it_is_counted_from(tmp_path: Path) -> None:
    biller = FakeBiller(cost=98_000)
    async with Harness(tmp_path, biller=biller) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        bot.fund(OTHER, 1_000_000)
        admin = bot.chat(ADMIN, "id", "Op")
        await admin.says("/stats")
        assert "Margin per produk: belum ada pembayaran sukses." in admin.last()["text"]
        await admin.says(f"/price * {OTHER} 0")
        await pay_line(bot, bot.chat(), f"BAYAR.{PRODUCT.code}.021001")  # 101 500 - 98 000
        await pay_line(bot, bot.chat(OTHER), f"BAYAR.{PRODUCT.code}.021002")  # 100 000 - 98 000
        await admin.says("/stats")
        text = admin.last()["text"]
        assert "Laba: Rp 5.500" in text
        assert (
            f"<code>{PRODUCT.code}</code> Telkom ×2: dibayar Rp 201.500 − biller Rp 196.000 = "
            "<b>Rp 5.500</b> (biaya dari biller)" in text
        )
        biller.cost = None  # the biller stops telling its cost: the bill total counts
        await pay_line(bot, bot.chat(), f"BAYAR.{PRODUCT.code}.021003")
        await admin.says("/stats")
        assert "×3: dibayar Rp 303.000 − biller Rp 296.000 = <b>Rp 7.000</b> " in admin.last()["text"]
        assert "(biaya biller 2 dari 3, selebihnya total tagihan)" in admin.last()["text"]
        english = bot.chat(ADMIN, "en", "Op")
        await english.says("/lang")
        await english.clicks(english.last(), "lang:en")
        await english.says("/stats")
        assert "(the biller's cost for 2 of 3, the bill total for the rest)" in english.last()["text"]
        assert bot.errors == []


async def test_stats_margin_from_the_bill_total_when_the_biller_never_tells(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=FakeBiller(cost=None)) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        await pay_line(bot, bot.chat(), f"BAYAR.{PRODUCT.code}.021001")
        admin = bot.chat(ADMIN, "en", "Op")
        await admin.says("/stats")
        assert (
            f"<code>{PRODUCT.code}</code> Telkom ×1: paid Rp 101.500 − biller Rp 100.000 = "
            "<b>Rp 1.500</b> (from the bill total: the biller did not tell its cost)" in admin.last()["text"]
        )


async def test_stats_with_more_products_than_lines_fits_one_message(tmp_path: Path) -> None:
    no_limits = {"INQUIRY_LIMIT_PER_MINUTE": "0", "INQUIRY_LIMIT_PER_HOUR": "0"}
    async with Harness(tmp_path, **no_limits) as bot:  # the sandbox: every PDAM region of its price list
        bot.fund(CUSTOMER, 50_000_000)
        regions = [p.code for p in bot.app.loket.catalogue.in_category("pdam")]
        assert len(regions) > MARGINS_SHOWN
        for code in regions:
            await pay_line(bot, bot.chat(), f"BAYAR.{code}.10200000")
        admin = bot.chat(ADMIN, "id", "Op")
        await admin.says("/stats")
        text = admin.last()["text"]
        assert len(text) <= MAX_MESSAGE and not text.endswith("…")
        assert text.count("(biaya dari biller)") == MARGINS_SHOWN  # the sandbox tells its cost
        assert f"(… {len(regions) - MARGINS_SHOWN} produk lain dengan margin lebih kecil)" in text
        assert bot.errors == []
