"""What the chat sells, as the guided flow and the reseller lines look it up."""

from __future__ import annotations

from collections.abc import Iterable

from bot.payments import Product

# The guided flow's categories, in the order the buttons show them; each has its `cat_<key>`
# text. A category the biller's catalogue does not use is left out.
CATEGORY_ORDER = ("telkom", "tv", "hp", "pln", "bpjs", "pdam", "gas", "internet")


class Catalogue:
    """The biller's products by code (case-insensitive) and by category."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._by_code = {p.code.upper(): p for p in products}
        used = {p.category for p in self._by_code.values()}
        self.categories = [key for key in CATEGORY_ORDER if key in used]

    def get(self, code: str | None) -> Product | None:
        return self._by_code.get((code or "").upper())

    def __contains__(self, code: str) -> bool:
        return code.upper() in self._by_code

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)

    def in_category(self, category: str) -> list[Product]:
        return [p for p in self._by_code.values() if p.category == category]
