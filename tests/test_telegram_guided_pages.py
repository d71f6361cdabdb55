"""The guided flow's long product menus, through the real Application: a category with many
entries (PDAM's regions from IAK's price list) shown a page at a time, a name typed at the
product step answering with the matching products, button data within Telegram's 64 bytes,
and a conversation stored by the version before the pages going on."""

from __future__ import annotations

import json
from pathlib import Path

from bot.billers.base import NumberRule, Product, UnknownProduct
from bot.payments.models import TxState
from bot.telegram import callbacks
from tests.core_fakes import PRODUCT, FakeBiller
from tests.tg_setup import CUSTOMER, Harness

PDAM_NUMBER = "10200000"  # the sandbox's PDAM bill
PAGE = 8


def product_buttons(chat, msg) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.removeprefix("prod:") for b in chat.buttons(msg) if b.startswith("prod:")]


async def test_a_long_category_is_paged_and_every_region_can_be_paid(bot: Harness) -> None:
    regions = [p.code for p in bot.app.loket.catalogue.in_category("pdam")]
    assert len(regions) > 2 * PAGE  # the sandbox's price list: some twenty regions
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pdam")
    first = chat.last()
    assert "halaman 1 dari 3" in first["text"] and "ketik sebagian namanya" in first["text"]
    assert chat.buttons(first)[PAGE:] == ["pp:pdam:1", "back", "cancelflow"]
    seen = product_buttons(chat, first)
    await chat.clicks(first, "pp:pdam:1")
    second = chat.last()
    assert second["message_id"] == first["message_id"]  # edited in place
    assert "halaman 2 dari 3" in second["text"]
    assert chat.buttons(second)[PAGE:] == ["pp:pdam:0", "pp:pdam:2", "back", "cancelflow"]
    seen += product_buttons(chat, second)
    await chat.clicks(second, "pp:pdam:2")
    third = chat.last()
    assert chat.buttons(third)[-3:] == ["pp:pdam:1", "back", "cancelflow"]
    seen += product_buttons(chat, third)
    assert seen == regions  # every region once, in the catalogue's order
    assert all(len(data.encode()) <= 64 for m in (first, second, third) for data in chat.buttons(m))

    last_region = seen[-1]  # on the last page: Back from the number step comes back to that page
    await chat.clicks(third, f"prod:{last_region}")
    await chat.clicks(chat.last(), "back")
    assert "halaman 3 dari 3" in chat.last()["text"] and f"prod:{last_region}" in chat.buttons(chat.last())
    await chat.clicks(chat.last(), f"prod:{last_region}")
    await chat.says(PDAM_NUMBER)
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.product_code == last_region
    await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS


async def test_a_page_out_of_range_shows_the_last_one(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pdam")
    await chat.clicks(chat.last(), "pp:pdam:999")  # forged, or a list that got shorter
    assert "halaman 3 dari 3" in chat.last()["text"]
    await chat.clicks(chat.last(), "pp:nosuch:0")  # a category no longer sold: the categories
    assert "cat:pdam" in chat.buttons(chat.last())


async def test_a_short_category_is_one_page_as_before(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:tv")
    msg = chat.last()
    assert msg["text"] == "Pilih produk <b>TV Kabel</b>:"
    assert not any(b.startswith("pp:") for b in chat.buttons(msg))


async def test_a_typed_name_finds_the_regions_and_one_is_paid(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pdam")
    await chat.says("  Bandung ")
    found = chat.last()
    assert "cocok dengan “Bandung” (2)" in found["text"]
    assert chat.buttons(found) == [
        "prod:PDAMKAB.BANDUNG",
        "prod:PDAMKOTA.BANDUNG",
        "pp:pdam:0",
        "back",
        "cancelflow",
    ]
    await chat.says("kota bandung")  # every word must fit
    assert product_buttons(chat, chat.last()) == ["PDAMKOTA.BANDUNG"]
    await chat.clicks(chat.last(), "prod:PDAMKOTA.BANDUNG")
    await chat.says(PDAM_NUMBER)
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.product_code == "PDAMKOTA.BANDUNG" and tx.state is TxState.INQUIRED
    await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS


async def test_a_search_that_finds_many_or_none_says_so(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pdam")
    await chat.says("kota")
    many = chat.last()
    pdam = bot.app.loket.catalogue.in_category("pdam")
    kota = [p for p in pdam if "kota" in f"{p.name} {p.code}".lower()]  # the name or the code
    assert len(kota) > PAGE
    assert f"(15):\n{len(kota) - PAGE} lainnya tidak tampil: ketik nama lebih lengkap." in many["text"]
    assert len(product_buttons(chat, many)) == PAGE
    await chat.says("<b>atlantis</b>")
    none = chat.last()
    assert none["text"].startswith("Tidak ada produk <b>PDAM</b> yang cocok dengan “&lt;b&gt;atlantis")
    assert chat.buttons(none)[PAGE:] == ["pp:pdam:1", "back", "cancelflow"]  # the list's first page
    await chat.clicks(none, "pp:pdam:1")  # the whole list again, page by page
    assert "halaman 2 dari 3" in chat.last()["text"]
    assert bot.service.history(CUSTOMER) == []  # nothing was asked of the biller


async def test_search_in_english_and_a_reseller_line_at_the_product_step(bot: Harness) -> None:
    bot.fund(CUSTOMER, 70_000)
    chat = bot.chat(CUSTOMER, "en", "Ann")
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pdam")
    assert "page 1 of 3" in chat.last()["text"]
    await chat.says("sleman")
    assert chat.last()["text"].startswith("<b>Water (PDAM)</b> products matching “sleman” (1)")
    assert "☰ All products" in json.dumps(chat.last()["reply_markup"], ensure_ascii=False)
    await chat.says("SAL")  # a reseller line is run as such, and the flow ends
    assert chat.last()["text"] == "Wallet Rp 70.000"
    await chat.says("sleman")
    assert "Unknown format" in chat.last()["text"]


async def test_a_product_of_an_older_list_can_still_be_picked_at_the_number_step(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pdam")
    listed = chat.last()
    await chat.says("sleman")
    await chat.clicks(chat.last(), "prod:PDAMKAB.SLEMAN")  # the number step
    await chat.clicks(listed, "prod:AETRA")  # the list searched from is still on screen
    await chat.says(PDAM_NUMBER)
    assert bot.service.history(CUSTOMER)[0].product_code == "AETRA"


class LongCodeBiller(FakeBiller):
    """A provider whose list holds codes no button can carry: too long, or with a space."""

    LONG = "PDAM." + "X" * 60
    ODD = "PDAM KAB"

    def _extra(self) -> list[Product]:
        rule = NumberRule(min_length=6)
        return [
            Product(code=self.LONG, name="PDAM Panjang", category="pdam", number_rule=rule),
            Product(code=self.ODD, name="PDAM Spasi", category="pdam", number_rule=rule),
            Product(code="PDAMOK", name="PDAM Pendek", category="pdam", number_rule=rule),
        ]

    def products(self) -> list[Product]:
        return [PRODUCT, *self._extra()]

    def product(self, code: str) -> Product:
        for p in self.products():
            if p.code.upper() == code.upper():
                return p
        raise UnknownProduct(code)


async def test_no_button_is_over_telegrams_64_bytes(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=LongCodeBiller()) as bot:
        chat = bot.chat()
        await chat.says("/bayar")
        await chat.clicks(chat.last(), "cat:pdam")
        msg = chat.last()
        assert all(len(data.encode()) <= 64 for data in chat.buttons(msg))
        assert all(callbacks.PRODUCT.match(d) for d in chat.buttons(msg) if d.startswith("prod:"))
        assert product_buttons(chat, msg) == ["PDAMOK"]
        await chat.says("panjang")  # not as a button from a search either
        assert chat.last()["text"].startswith("Tidak ada produk")
        assert product_buttons(chat, chat.last()) == ["PDAMOK"]
        assert bot.errors == []


async def test_a_product_step_stored_by_the_previous_version_goes_on(tmp_path: Path) -> None:
    """The version before the pages left users at the product step with all regions on one
    keyboard and the category in its draft: a typed name and that keyboard's buttons work."""
    harness = Harness(tmp_path)
    draft = {"pay_draft": {"category": "pdam"}}
    harness.db.execute(
        "INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(CUSTOMER), json.dumps(draft)]
    )
    key = json.dumps([CUSTOMER, CUSTOMER])
    harness.db.execute("INSERT INTO ptb_conversations (name, key, state) VALUES ('pay', ?, '1')", [key])
    async with harness as bot:
        chat = bot.chat()
        await chat.says("palyja")
        assert product_buttons(chat, chat.last()) == ["PALYJA"]
        old_menu = {  # the old one-page keyboard, every region on it
            "message_id": 5,
            "date": 0,
            "chat": {"id": CUSTOMER, "type": "private"},
            "text": "Pilih produk PDAM:",
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": p.name, "callback_data": f"prod:{p.code}"}]
                    for p in bot.app.loket.catalogue.in_category("pdam")
                ]
            },
        }
        bot.api.messages[(CUSTOMER, 5)] = old_menu
        await chat.clicks(old_menu, "prod:PDAMKOTA.PONTIANAK")  # the last one, on no first page
        await chat.says(PDAM_NUMBER)
        assert bot.service.history(CUSTOMER)[0].product_code == "PDAMKOTA.PONTIANAK"
        assert bot.errors == []
