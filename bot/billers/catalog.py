"""The product catalogue: what Loket sells, in our codes, with each provider's code.

Number rules are checked before any call, so a typo costs the user a hint, not an inquiry.
They are wide enough to accept every sandbox test number of both IAK schemes (§8 of the
IAK reference) and the real-world formats the hints describe.
"""

from __future__ import annotations

from bot.billers.base import NumberRule, Product, UnknownProduct

TELKOM_RULE = NumberRule(
    min_length=9,
    max_length=13,
    hint="nomor telepon rumah dengan kode area (mis. 0215551234) atau nomor IndiHome 12 digit",
    hint_key="telkom",
)
TRI_RULE = NumberRule(
    min_length=10,
    max_length=13,
    prefixes=("0895", "0896", "0897", "0898", "0899"),
    hint="nomor HP Tri pascabayar, diawali 0895–0899 (mis. 08991234501)",
    hint_key="tri",
)
HALO_RULE = NumberRule(
    min_length=10,
    max_length=13,
    prefixes=("0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853"),
    hint="nomor Telkomsel Halo, diawali 0811/0812/0813/0821/0822/0852/0853",
    hint_key="halo",
)
TELKOMVISION_RULE = NumberRule(
    min_length=10, max_length=12, hint="nomor pelanggan Telkomvision 10–12 digit", hint_key="telkomvision"
)
BIGTV_RULE = NumberRule(
    min_length=10, max_length=16, hint="nomor pelanggan BIG TV 10–16 digit", hint_key="bigtv"
)
PLN_RULE = NumberRule(
    min_length=11, max_length=12, hint="ID pelanggan PLN 12 digit, tertera di struk atau tagihan listrik",
    hint_key="pln",
)
BPJS_RULE = NumberRule(
    min_length=11,
    max_length=16,
    prefixes=("88",),
    hint="nomor Virtual Account BPJS Kesehatan, diawali 88 (mis. 8888801234567890)",
    hint_key="bpjs",
)
PGAS_RULE = NumberRule(min_length=8, max_length=16, hint="ID pelanggan PGN (gas) 8–16 digit", hint_key="pgas")
CBN_RULE = NumberRule(min_length=6, max_length=12, hint="nomor pelanggan CBN 6–12 digit", hint_key="cbn")
PDAM_RULE = NumberRule(
    min_length=6, max_length=20, hint="nomor sambungan / ID pelanggan PDAM, lihat rekening air",
    hint_key="pdam",
)

def _iak_products() -> list[Product]:
    return [
        Product(
            code="TELKOMPSTN", name="Telkom Telepon / IndiHome", category="telkom", number_rule=TELKOM_RULE
        ),
        Product(
            code="TVTLKMV", name="Telkomvision / TransVision", category="tv", number_rule=TELKOMVISION_RULE
        ),
        Product(code="TVBIG", name="BIG TV", category="tv", number_rule=BIGTV_RULE),
        Product(code="HPTHREE", name="Tri Pascabayar", category="hp", number_rule=TRI_RULE),
        Product(code="PLNPOSTPAID", name="PLN Pascabayar", category="pln", number_rule=PLN_RULE),
        Product(code="BPJS", name="BPJS Kesehatan", category="bpjs", number_rule=BPJS_RULE, needs_month=True),
        Product(code="PGAS", name="PGN Gas", category="gas", number_rule=PGAS_RULE),
        Product(code="CBN", name="CBN Internet", category="internet", number_rule=CBN_RULE),
        Product(code="PDAMKOTA.SURABAYA", name="PDAM Kota Surabaya", category="pdam", number_rule=PDAM_RULE),
        Product(code="PDAMKOTA.MEDAN", name="PDAM Tirtanadi Medan", category="pdam", number_rule=PDAM_RULE),
        Product(code="AETRA", name="Aetra Air Jakarta", category="pdam", number_rule=PDAM_RULE),
    ]


def iak_catalog() -> list[Product]:
    """Products as IAK (and the sandbox, which speaks IAK) knows them."""
    return _iak_products()


def ayoconnect_catalog(codes: dict[str, str] | None = None) -> list[Product]:
    """The same products plus Telkomsel Halo, with the Ayoconnect product code `codes` names.

    Ayoconnect's codes are per partner contract and differ between sandbox and production: they
    come from the partner's product list (bot/billers/catalogue_sync.py) or AYOCONNECT_PRODUCT_CODES.
    A product with no code here has none: it is never sent with a guessed one (NoProviderCode).
    """
    mapping = {k.upper(): v for k, v in (codes or {}).items()}
    products = loket_products(halo=True)
    return [p.model_copy(update={"provider_code": mapping.get(p.code, "")}) for p in products]


def loket_products(*, halo: bool = False) -> list[Product]:
    """What Loket sells, in its own codes (Telkomsel Halo only where the provider has it)."""
    extra = [Product(code="HPTSEL", name="Telkomsel Halo", category="hp", number_rule=HALO_RULE)]
    return [*_iak_products(), *(extra if halo else [])]


RULE_BY_CATEGORY = {"pdam": PDAM_RULE, "pln": PLN_RULE, "gas": PGAS_RULE, "bpjs": BPJS_RULE}


def find_product(products: list[Product], code: str) -> Product:
    """The product for a code, case-insensitively, or UnknownProduct."""
    wanted = (code or "").strip().upper()
    for product in products:
        if product.code.upper() == wanted:
            return product
    raise UnknownProduct(code)
