"""Loket's catalogue from the provider's own product list: what the biller really sells.

- **Ayoconnect** (`partner_products()`): each Loket product is matched by category and
  biller/name keywords among the *active* items; a match counts only when exactly one item fits,
  otherwise the product is left out and the candidates are logged. AYOCONNECT_PRODUCT_CODES
  overrides the match (an override naming an unknown or inactive code is reported). Every
  active postpaid item is also sold under its own code and name (a reseller may type
  `CEK.<provider code>.<number>`); prepaid items are refused by name. Unmatched PDAM items are
  PDAM regions of their own.
- **IAK** (`pricelist()`): products whose `status` is not 1 are hidden, the regions the list
  offers (PDAM and others, by `code`/`name` in their category) are added, `fee`/`komisi` kept.

The list read is cached in SQLite with the time and the base URL (sandbox and production codes
never mix); with the biller down the newest cached list of that base URL is used and the report
says so; with none at all, Ayoconnect's products keep no code and each says so when asked.
Nothing is ever sent with a guessed code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.billers.base import BillerError, NumberRule, Product
from bot.billers.catalog import RULE_BY_CATEGORY, ayoconnect_catalog, iak_catalog, loket_products
from bot.billers.money import NotRupiah, to_amount

log = logging.getLogger(__name__)

ANY_NUMBER = NumberRule(min_length=4, max_length=20, hint_key="")


@dataclass(frozen=True)
class Match:
    """How a Loket product is found in Ayoconnect's list: a category word and any name word."""

    category: tuple[str, ...]
    words: tuple[str, ...]
    never: tuple[str, ...] = ()


# Category and biller/name keywords per Loket product (lower case; a word matches as a substring)
AYOCONNECT_MATCH: dict[str, Match] = {
    "TELKOMPSTN": Match(("internet", "tv kabel", "telepon"), ("indihome", "telkom"), ("vision",)),
    "TVTLKMV": Match(("tv",), ("transvision", "telkomvision")),
    "TVBIG": Match(("tv",), ("big tv", "bigtv")),
    "HPTSEL": Match(("pascabayar", "postpaid"), ("telkomsel", "halo")),
    "HPTHREE": Match(("pascabayar", "postpaid"), ("tri ", "three", " 3 ")),
    "PLNPOSTPAID": Match(("listrik", "pln"), ("pln",), ("token", "prabayar", "prepaid", "non")),
    "BPJS": Match(("bpjs", "asuransi"), ("kesehatan",), ("ketenagakerjaan",)),
    "PGAS": Match(("gas",), ("pgn", "perusahaan gas")),
    "CBN": Match(("internet",), ("cbn",)),
    "PDAMKOTA.SURABAYA": Match(("pdam", "air"), ("surabaya",)),
    "PDAMKOTA.MEDAN": Match(("pdam", "air"), ("medan", "tirtanadi")),
    "AETRA": Match(("pdam", "air"), ("aetra",)),
}
PREPAID_WORDS = ("pulsa", "paket data", "data", "voucher", "prabayar", "prepaid", "token", "game", "e-money")
# Ayoconnect category words -> Loket's categories, for items sold under their own code
CATEGORY_WORDS = (
    (("pdam", "air"), "pdam"),
    (("listrik", "pln"), "pln"),
    (("bpjs",), "bpjs"),
    (("gas",), "gas"),
    (("pascabayar", "postpaid"), "hp"),
    (("tv",), "tv"),
    (("internet",), "internet"),
)
# IAK pricelist `type` -> Loket's category
IAK_TYPES = {
    "pdam": "pdam",
    "pln": "pln",
    "bpjs": "bpjs",
    "gas": "gas",
    "hp": "hp",
    "tv": "tv",
    "internet": "internet",
}


@dataclass
class SyncReport:
    """What a refresh found, for the log and the operator."""

    provider: str
    source: str  # live | cache | none | static
    fetched_at: datetime | None = None
    products: int = 0  # Loket products with a provider code
    extras: int = 0  # provider codes sold under their own code
    missing: list[str] = field(default_factory=list)  # Loket products left out (no single match)
    candidates: dict[str, list[str]] = field(default_factory=dict)  # code -> the items that fit
    inactive: list[str] = field(default_factory=list)  # hidden: the provider switched them off
    bad_overrides: list[str] = field(default_factory=list)  # AYOCONNECT_PRODUCT_CODES to fix
    error: str = ""


def _text(item: dict[str, Any], *keys: str) -> str:
    return " ".join(str(item.get(k) or "") for k in keys).strip()


def _active(item: dict[str, Any]) -> bool:
    value = item.get("active", item.get("status", True))
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "active", "aktif", "yes")
    return value is True or value == 1


def _code(item: dict[str, Any]) -> str:
    return str(item.get("code") or item.get("productCode") or "").strip()


def _prepaid(item: dict[str, Any]) -> bool:
    kind = _text(item, "type").lower()
    if kind in ("prepaid", "prabayar"):
        return True
    if kind in ("postpaid", "pascabayar", "bill", "tagihan"):
        return False
    category = _text(item, "category").lower()
    return any(word in category for word in PREPAID_WORDS) and "pascabayar" not in category


def _money(value: object) -> int | None:
    try:
        return to_amount(value) if value not in (None, "") else None
    except NotRupiah:
        return None


def _fits(item: dict[str, Any], match: Match) -> bool:
    category = f" {_text(item, 'category').lower()} "
    words = f" {_text(item, 'biller', 'name', 'description').lower()} "
    return (
        any(c in category for c in match.category)
        and any(w in words for w in match.words)
        and not any(n in words or n in category for n in match.never)
    )


def _category_of(item: dict[str, Any]) -> str:
    category = _text(item, "category").lower()
    for words, key in CATEGORY_WORDS:
        if any(w in category for w in words):
            return key
    return ""


def build_ayoconnect(
    items: list[dict[str, Any]], overrides: dict[str, str], report: SyncReport
) -> tuple[list[Product], set[str]]:
    """Loket's products (with their Ayoconnect codes) and the provider's prepaid codes."""
    by_code = {_code(i).upper(): i for i in items if _code(i)}
    active = [i for i in items if _code(i) and _active(i)]
    postpaid = [i for i in active if not _prepaid(i)]
    prepaid = {_code(i).upper() for i in items if _code(i) and _prepaid(i)}
    products: list[Product] = []
    taken: set[str] = set()
    for product in ayoconnect_catalog():
        wanted = overrides.get(product.code)
        if wanted is not None:
            item = by_code.get(wanted.upper())
            if item is None or not _active(item) or _prepaid(item):
                why = "unknown" if item is None else ("inactive" if not _active(item) else "prepaid")
                report.bad_overrides.append(f"{product.code}={wanted} ({why})")
                report.missing.append(product.code)
                continue
            chosen = [item]
        else:
            match = AYOCONNECT_MATCH.get(product.code)
            chosen = [i for i in postpaid if match is not None and _fits(i, match)]
        if len(chosen) != 1:
            report.missing.append(product.code)
            report.candidates[product.code] = [f"{_code(i)} {_text(i, 'name')}" for i in chosen]
            continue
        item = chosen[0]
        taken.add(_code(item).upper())
        products.append(
            product.model_copy(
                update={"provider_code": _code(item), "admin_fee": _money(item.get("adminFee"))}
            )
        )
    loket = {p.code.upper() for p in products} | {p.code.upper() for p in loket_products(halo=True)}
    rules = {p.provider_code.upper(): p for p in products}
    for item in postpaid:
        code = _code(item)
        if code.upper() in loket:
            continue
        mine = rules.get(code.upper())
        category = mine.category if mine else _category_of(item)
        region = category == "pdam" and code.upper() not in taken  # a PDAM region of its own
        products.append(
            Product(
                code=code,
                name=_text(item, "name") or code,
                category=category or "other",
                provider_code=code,
                number_rule=mine.number_rule if mine else RULE_BY_CATEGORY.get(category, ANY_NUMBER),
                needs_month=mine.needs_month if mine else False,
                listed=region,
                admin_fee=_money(item.get("adminFee")),
            )
        )
        report.extras += 1
    report.products = sum(1 for p in products if p.listed)
    return products, prepaid


def build_iak(items: list[dict[str, Any]], report: SyncReport) -> list[Product]:
    """IAK's catalogue: Loket's products the list offers as active, then the regions it adds."""
    by_code = {_code(i).upper(): i for i in items if _code(i)}
    products: list[Product] = []
    regional = {p.code.split(".")[0] for p in iak_catalog() if "." in p.code}  # PDAMKOTA.<region>
    for product in iak_catalog():
        item = by_code.pop(product.code.upper(), None)
        if item is None or not _active(item):
            report.inactive.append(product.code)
            continue
        products.append(_with_fees(product, item))
    for code, item in by_code.items():
        category = IAK_TYPES.get(_text(item, "type").lower())
        if category is None or not (category == "pdam" or code.split(".")[0] in regional):
            continue  # a kind of bill Loket does not sell (tax, finance, …) or no region of one
        if not _active(item):
            report.inactive.append(_code(item))
            continue
        rule = RULE_BY_CATEGORY.get(category, ANY_NUMBER)
        name = _text(item, "name") or code
        products.append(
            _with_fees(Product(code=_code(item), name=name, category=category, number_rule=rule), item)
        )
        report.extras += 1
    report.products = len(products)
    return products


def _with_fees(product: Product, item: dict[str, Any]) -> Product:
    return product.model_copy(
        update={"admin_fee": _money(item.get("fee")), "commission": _money(item.get("komisi"))}
    )


class CatalogueSync:
    """Reads the biller's product list, caches it, and gives the biller its catalogue."""

    def __init__(
        self,
        biller: Any,
        db: sqlite_utils.Database,
        overrides: dict[str, str] | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.biller = biller
        self.db = db
        self.overrides = {k.upper(): v for k, v in (overrides or {}).items()}
        self._now = clock
        self.last: SyncReport | None = None

    @property
    def kind(self) -> str:
        if hasattr(self.biller, "partner_products"):
            return "ayoconnect"
        if hasattr(self.biller, "pricelist"):
            return "iak"
        return ""

    async def _fetch(self) -> list[dict[str, Any]]:
        if self.kind == "ayoconnect":
            result: list[dict[str, Any]] = await self.biller.partner_products()
        else:
            result = await self.biller.pricelist()
        return result

    def _save(self, items: list[dict[str, Any]], at: datetime) -> None:
        self.db.execute(
            "INSERT INTO catalogue_lists (provider, base_url, items, fetched_at) VALUES (?, ?, ?, ?)",
            [self.biller.name, self.biller.base_url, json.dumps(items), at.isoformat()],
        )

    def cached(self) -> tuple[list[dict[str, Any]], datetime] | None:
        """The newest list read from this provider at this base URL, and when."""
        row = self.db.execute(
            "SELECT items, fetched_at FROM catalogue_lists WHERE provider = ? AND base_url = ?"
            " ORDER BY list_id DESC LIMIT 1",
            [self.biller.name, self.biller.base_url],
        ).fetchone()
        if row is None:
            return None
        return json.loads(row[0]), datetime.fromisoformat(row[1])

    async def refresh(self) -> SyncReport:
        """Read the list (or the cached one), rebuild the catalogue, and report what happened."""
        kind = self.kind
        report = SyncReport(provider=getattr(self.biller, "name", ""), source="static")
        if not kind:
            self.last = report
            return report
        try:
            items = await self._fetch()
            report.source, report.fetched_at = "live", self._now()
            self._save(items, report.fetched_at)
        except BillerError as error:
            report.error = error.message or type(error).__name__
            cached = self.cached()
            if cached is None:
                report.source = "none"
                log.error("%s product list unreachable and none cached: %s", report.provider, report.error)
                if kind == "ayoconnect":  # only what the operator configured, nothing guessed
                    self.biller.set_products(ayoconnect_catalog(self.overrides))
                self.last = report
                return report
            items, report.fetched_at = cached
            report.source = "cache"
            log.warning(
                "%s product list unreachable (%s): using the list cached at %s",
                report.provider, report.error, report.fetched_at.isoformat(),
            )  # fmt: skip
        if kind == "ayoconnect":
            products, prepaid = build_ayoconnect(items, self.overrides, report)
            self.biller.set_products(products, prepaid)
        else:
            self.biller.set_products(build_iak(items, report))
        for code in report.missing:
            fits = report.candidates.get(code)
            why = f"candidates: {fits}" if fits else "no active item fits"
            log.warning("%s: Loket product %s left out, %s", report.provider, code, why)
        for entry in report.bad_overrides:
            log.error("AYOCONNECT_PRODUCT_CODES %s: not an active postpaid code of the list", entry)
        self.last = report
        return report
