"""What every biller that speaks HTTP shares, the way ActiveMerchant's gateways share theirs.

One httpx client per biller (its timeouts, its transport), the product catalogue, the JSON
object every answer must be, the PENDING answer an unclear outcome becomes, and closing.
Each provider module adds only its protocol: signing, paths, codes and bill parsing.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.billers.base import Bill, Outcome, PaymentResult, PrepaidProduct, Product, Reason
from bot.billers.catalog import find_product
from bot.tls import tls_context

CONNECT_TIMEOUT = 10.0  # seconds to open a connection, whatever the read timeout (IAK's SDK uses 10)


class Unreadable(Exception):
    """The body is not the JSON object a biller answers with (HTML, empty, garbage)."""


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or Unreadable."""
    text = response.text
    if not text.strip():
        raise Unreadable("empty body")
    try:
        body = json.loads(text)
    except ValueError:
        raise Unreadable("not JSON (HTML error page?)") from None
    if not isinstance(body, dict):
        raise Unreadable("not a JSON object")
    return body


class HttpBiller:
    """The plumbing of a `Biller` over HTTP; subclasses add inquire, pay, check_status, deposit."""

    name: str = ""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
        products: list[Product],
        provider: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.provider = provider or self.name  # what bills and answers say they came from
        self._products = list(products)
        self._prepaid: set[str] = set()
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
            transport=transport,
            headers=headers,
            verify=tls_context(),  # shared, read once (bot/tls.py)
        )

    def products(self) -> list[Product]:
        return list(self._products)

    def product(self, code: str) -> Product:
        """The product for a code (case-insensitive), or UnknownProduct (PrepaidProduct for a
        prepaid code of the provider's list)."""
        if (code or "").strip().upper() in self._prepaid:
            raise PrepaidProduct(code)
        return find_product(self._products, code)

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def set_products(self, products: list[Product], prepaid: set[str] | None = None) -> None:
        """The catalogue read from the provider's list (bot/billers/catalogue_sync.py)."""
        self._products = list(products)
        self._prepaid = {code.upper() for code in prepaid or set()}

    def _pending(
        self, bill: Bill, message: str, raw: dict[str, Any] | None = None, *, provider_txn_id: str = ""
    ) -> PaymentResult:
        """An answer that settles nothing: the status call with the same reference will."""
        return PaymentResult(
            outcome=Outcome.PENDING,
            reason=Reason.UNKNOWN,
            provider=self.provider,
            ref_id=bill.ref_id,
            provider_txn_id=provider_txn_id,
            message=message,
            raw=raw or {},
        )

    async def aclose(self) -> None:
        await self._http.aclose()
