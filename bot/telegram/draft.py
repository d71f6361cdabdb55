"""The guided payment picked so far: one `PayDraft`, cleared in one go.

It lives in the user's user_data, which the persistence writes to SQLite as JSON after every
update, so it holds plain strings only. Versions before the draft kept the picks in three
keys of their own (`pay_category`, `pay_product`, `pay_number`): a conversation stored by
them is read into the draft, and the old keys are dropped.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

KEY = "pay_draft"
_FIELDS = ("category", "product", "number")
_OLD_KEYS = {"pay_category": "category", "pay_product": "product", "pay_number": "number"}


class PayDraft:
    """Category, product and customer number of a payment being put together."""

    def __init__(self, user_data: MutableMapping[Any, Any]) -> None:
        self._user_data = user_data
        self._upgrade()

    def _upgrade(self) -> None:
        """Read the old keys into the draft, once, and drop them."""
        old = {field: self._user_data.pop(key) for key, field in _OLD_KEYS.items() if key in self._user_data}
        for field, value in old.items():
            if isinstance(value, str) and value:
                self._set(field, value)

    def _fields(self) -> dict[str, str]:
        stored = self._user_data.get(KEY)
        return stored if isinstance(stored, dict) else {}

    def _get(self, field: str) -> str:
        value = self._fields().get(field)
        return value if isinstance(value, str) else ""

    def _set(self, field: str, value: str) -> None:
        fields = {k: v for k, v in self._fields().items() if k in _FIELDS}
        fields[field] = value
        self._user_data[KEY] = fields

    @property
    def category(self) -> str:
        return self._get("category")

    @category.setter
    def category(self, value: str) -> None:
        self._set("category", value)

    @property
    def product(self) -> str:
        return self._get("product")

    @product.setter
    def product(self, value: str) -> None:
        self._set("product", value)

    @property
    def number(self) -> str:
        return self._get("number")

    @number.setter
    def number(self, value: str) -> None:
        self._set("number", value)

    def clear(self) -> None:
        """The payment is shown, cancelled or abandoned: nothing of it is kept."""
        self._user_data.pop(KEY, None)
