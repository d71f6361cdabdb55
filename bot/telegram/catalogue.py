"""What the chat sells, as the guided flow and the reseller lines look it up."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.payments import Product

# The guided flow's categories, in the order the buttons show them; each has its `cat_<key>`
# text. A category the biller's catalogue does not use is left out.
CATEGORY_ORDER = ("telkom", "tv", "hp", "pln", "bpjs", "pdam", "gas", "internet")


def _nothing_off() -> set[str]:
    return set()


class Catalogue:
    """The biller's products by code (case-insensitive) and by category.

    `products` is a list, or a callable read afresh on each look-up (the biller's list, which a
    `/products refresh` replaces). `switched_off` names the codes an operator switched off: they
    are left out of the menus and the codes shown, but still found by `get` (a bill of one is
    refused by the core with its own message)."""

    def __init__(
        self,
        products: Iterable[Product] | Callable[[], Iterable[Product]],
        switched_off: Callable[[], set[str]] = _nothing_off,
    ) -> None:
        if callable(products):
            self._source: Callable[[], Iterable[Product]] = products
        else:
            fixed = list(products)
            self._source = lambda: fixed
        self._off = switched_off

    @property
    def _by_code(self) -> dict[str, Product]:
        return {p.code.upper(): p for p in self._source()}

    def _offered(self) -> list[Product]:
        off = self._off()
        return [p for p in self._by_code.values() if p.code.upper() not in off and p.listed]

    @property
    def categories(self) -> list[str]:
        used = {p.category for p in self._offered()}
        return [key for key in CATEGORY_ORDER if key in used]

    def get(self, code: str | None) -> Product | None:
        return self._by_code.get((code or "").upper())

    def __contains__(self, code: str) -> bool:
        return code.upper() in self._by_code

    @property
    def codes(self) -> list[str]:
        off = self._off()
        return [code for code, p in self._by_code.items() if code not in off and p.listed]

    @property
    def all(self) -> list[Product]:
        """Every product, offered or not (the operator's /products)."""
        return list(self._by_code.values())

    def in_category(self, category: str) -> list[Product]:
        return [p for p in self._offered() if p.category == category]

    def search(self, category: str, words: str) -> list[Product]:
        """The category's products whose name or code holds every typed word (case-insensitive)."""
        wanted = words.lower().split()
        return [
            p
            for p in self.in_category(category)
            if all(w in f"{p.name} {p.code}".lower() for w in wanted)
        ]
