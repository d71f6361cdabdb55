"""Catalogues from the providers (bot/billers/catalogue_sync.py), through the real Application:
Ayoconnect with a product list whose codes are not Loket's, the cached list when it cannot be
read, and IAK's price list (an inactive product hidden, a PDAM region it adds paid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.billers.ayoconnect import AyoconnectClient
from bot.billers.catalog import ayoconnect_catalog
from bot.payments.models import TxState
from tests.ayoconnect_fake import BASE, BILL, PARTNER, SECRET, AyoconnectFake
from tests.tg_setup import ADMIN, CUSTOMER, Harness, walk_to_bill

INDIHOME, HALO = "0215551234", "081234567890"


def ayoconnect(fake: AyoconnectFake) -> AyoconnectClient:
    return AyoconnectClient(
        partner_id=PARTNER, api_secret=SECRET, base_url=BASE, timeout=2,
        transport=fake.transport(), products=ayoconnect_catalog(),
    )  # fmt: skip


async def _pay(bot: Harness, chat: Any, msg: dict[str, Any]) -> None:
    tx = bot.service.history(CUSTOMER)[0]
    await chat.clicks(msg, f"pay:{tx.ref_id}")
    done = bot.service.get(tx.ref_id, CUSTOMER)
    assert done.state is TxState.SUCCESS, done


async def test_ayoconnect_guided_and_provider_code_payments_with_codes_not_lokets(tmp_path: Path) -> None:
    fake = AyoconnectFake()
    biller = ayoconnect(fake)
    async with Harness(tmp_path, biller=biller) as bot:
        bot.fund(CUSTOMER, 5_000_000)
        chat = bot.chat()
        for category, code, number, theirs in (
            ("telkom", "TELKOMPSTN", INDIHOME, "INETIDH01"),
            ("hp", "HPTSEL", HALO, "PSCTSELHL"),
        ):
            msg = await walk_to_bill(bot, chat, category, code, number)
            assert "DEWI LESTARI" in msg["text"]
            assert fake.inquiries[-1]["productCode"] == theirs
            await _pay(bot, chat, msg)
            # the reseller's way: the provider's own code, under its own code and name
            await chat.says(f"CEK.{theirs}.{number}")
            tx = bot.service.history(CUSTOMER)[0]
            assert tx.product_code == theirs and fake.inquiries[-1]["productCode"] == theirs
            await _pay(bot, chat, chat.last())
        assert sum(fake.payments.values()) == 4 and set(fake.payments.values()) == {1}
        assert bot.service.history(CUSTOMER)[0].bill_total == BILL  # Halo: no admin fee
        # the operator was told at start that Tri postpaid fits two items and was left out
        told = bot.api.last_text(ADMIN)
        assert "HPTHREE" in told and "Tanpa kode biller" in told
        assert "HPTHREE" not in bot.app.loket.catalogue.codes
        # prepaid items are refused by name and never asked of the biller
        asked = len(fake.inquiries)
        await chat.says("CEK.PPLSTSEL10.081234567890")
        assert chat.last()["text"].startswith("PPLSTSEL10 adalah produk prabayar")
        await chat.says("CEK.INETIDH00.0215551234")  # inactive: unknown
        assert chat.last()["text"].startswith("Produk INETIDH00 tidak dikenal")
        assert len(fake.inquiries) == asked
        assert bot.errors == []
    await biller.aclose()


async def test_the_cached_list_serves_when_the_list_is_unreachable_at_start(tmp_path: Path) -> None:
    fake = AyoconnectFake()
    first = ayoconnect(fake)
    async with Harness(tmp_path, biller=first):
        pass  # read and cached
    await first.aclose()
    fake.reachable = False
    again = ayoconnect(fake)
    async with Harness(tmp_path, biller=again) as bot:
        assert "Biller tidak bisa dihubungi: dipakai daftar tersimpan" in bot.api.last_text(ADMIN)
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        msg = await walk_to_bill(bot, chat, "telkom", "TELKOMPSTN", INDIHOME)
        assert fake.inquiries[-1]["productCode"] == "INETIDH01"
        await _pay(bot, chat, msg)
        admin = bot.chat(ADMIN, "en", "Op")
        await admin.says("/products refresh")
        assert "using the list saved at" in admin.last()["text"]
        assert bot.errors == []
    await again.aclose()


async def test_with_no_list_at_all_nothing_is_sent_with_a_guessed_code(tmp_path: Path) -> None:
    fake = AyoconnectFake()
    fake.reachable = False
    biller = ayoconnect(fake)
    async with Harness(tmp_path, biller=biller, AYOCONNECT_PRODUCT_CODES="HPTSEL=PSCTSELHL") as bot:
        assert "belum ada daftar tersimpan" in bot.api.last_text(ADMIN)
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        msg = await walk_to_bill(bot, chat, "telkom", "TELKOMPSTN", INDIHOME)
        assert msg["text"].startswith("TELKOMPSTN belum tersedia")
        assert fake.inquiries == []
        await chat.says(f"CEK.HPTSEL.{HALO}")  # the operator's own override still works
        assert fake.inquiries[-1]["productCode"] == "PSCTSELHL"
        fake.reachable = True
        admin = bot.chat(ADMIN, "en", "Op")
        await admin.says("/products refresh")
        assert admin.last()["text"].startswith("Product list of ayoconnect loaded")
        await chat.says(f"CEK.TELKOMPSTN.{INDIHOME}")
        assert fake.inquiries[-1]["productCode"] == "INETIDH01"
        assert bot.errors == []
    await biller.aclose()


async def test_overrides_win_and_a_bad_one_is_reported(tmp_path: Path) -> None:
    fake = AyoconnectFake()
    biller = ayoconnect(fake)
    codes = "HPTHREE=PSCTRI02,PGAS=NOPE,TELKOMPSTN=INETIDH00"
    async with Harness(tmp_path, biller=biller, AYOCONNECT_PRODUCT_CODES=codes) as bot:
        told = bot.api.last_text(ADMIN)
        assert "PGAS=NOPE (unknown)" in told and "TELKOMPSTN=INETIDH00 (inactive)" in told
        assert bot.biller.product("HPTHREE").provider_code == "PSCTRI02"
        assert "TELKOMPSTN" not in bot.app.loket.catalogue.codes  # never the inactive code
        assert bot.errors == []
    await biller.aclose()


async def test_iak_price_list_hides_the_inactive_product_and_adds_pdam_regions(bot: Harness) -> None:
    catalogue = bot.app.loket.catalogue
    pdam = {p.code for p in catalogue.in_category("pdam")}
    assert {"PDAMKOTA.SURABAYA", "PDAMKOTA.BANDUNG", "PDAMKAB.SLEMAN", "PALYJA"} <= pdam
    assert "PDAMKAB.BOGOR" not in pdam  # status 4 in IAK's list
    assert bot.biller.product("PDAMKOTA.BANDUNG").commission == 700
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says("CEK.PDAMKAB.BOGOR.10200000")
    assert chat.last()["text"].startswith("Produk PDAMKAB.BOGOR tidak dikenal")
    assert "PDAMKAB.BOGOR" not in chat.last()["text"].split("Produk:")[1]  # nor among the codes listed
    await chat.says("CEK.PDAMKOTA.BANDUNG.10200000")
    tx = bot.service.history(CUSTOMER)[0]
    assert tx.product_code == "PDAMKOTA.BANDUNG" and tx.product_name == "PDAM Tirtawening Kota Bandung"
    await chat.clicks(chat.last(), f"pay:{tx.ref_id}")
    assert bot.service.get(tx.ref_id, CUSTOMER).state is TxState.SUCCESS
