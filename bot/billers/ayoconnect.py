"""Ayoconnect (Ayopop) bill-payment OpenAPI v2 client.

Every call is a POST with an empty body: the parameters travel inside the TOKEN header, an
HS256 JWT signed with the API secret (Ayoconnect reference §3). Result = `responseCode`:
0–99 success, 100–199 failed (102/108 duplicate: pending), 200–299 processing, 300 inquiry
ok, 301–399 inquiry failed; anything else, an HTTP error or a timeout on payment is pending.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from bot.billers.ayoconnect_codes import classify_payment, inquiry_reason
from bot.billers.base import (
    Bill,
    BillLine,
    InquiryError,
    NoProviderCode,
    Outcome,
    PaymentResult,
    Product,
    Reason,
    UnknownProduct,
)
from bot.billers.catalog import ayoconnect_catalog
from bot.billers.http_biller import HttpBiller, Unreadable, json_object
from bot.billers.money import NotRupiah, to_amount

log = logging.getLogger(__name__)

VERSION = "2.0"
INQUIRY_PATH = "/api/v2/bill/check"
PAYMENT_PATH = "/api/v2/bill/payment"
STATUS_PATH = "/api/v2/bill/status"
PRODUCTS_PATH = "/api/v2/partner/products"
BALANCE_PATH = "/api/v2/partner/balance"


def _response_code(body: dict[str, Any]) -> int | None:
    value = body.get("responseCode")
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _message(body: dict[str, Any]) -> str:
    message = body.get("message")
    if isinstance(message, dict):
        return str(message.get("ID") or message.get("EN") or "")
    return str(message or "")


def _pairs(items: object) -> dict[str, str]:
    if not isinstance(items, list):
        return {}
    return {
        str(item["key"]): str(item.get("value", ""))
        for item in items
        if isinstance(item, dict) and item.get("key") is not None
    }


def _id(value: object) -> str:
    """An id of an answer as text; "" where it names none (absent, null, "", 0 as in a 188)."""
    if value is None or isinstance(value, bool):
        return ""
    text = str(value).strip()
    return "" if text in ("", "0") else text


def _period(value: str | None) -> str:
    """A period Ayoconnect names, or "" for none (absent, "", "-", "N/A")."""
    text = (value or "").strip()
    return "" if text.upper() in ("", "-", "N/A", "NA") else text


class AyoconnectClient(HttpBiller):
    """Ayoconnect behind the `Biller` interface."""

    name = "ayoconnect"

    def __init__(
        self,
        *,
        partner_id: str,
        api_secret: str,
        base_url: str,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        products: list[Product] | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            products=products if products is not None else ayoconnect_catalog(),
        )
        self._partner_id = partner_id
        self._secret = api_secret
        # refNumber -> the transactionId Ayoconnect gave it, from answers this client took as ours
        self._transaction_ids: dict[str, str] = {}

    def token(self, params: dict[str, Any]) -> str:
        """HS256 JWT over the request parameters, signed with the API secret."""
        return jwt.encode(params, self._secret, algorithm="HS256")

    async def _post(self, path: str, params: dict[str, Any]) -> httpx.Response:
        headers = {
            "KEY": self._partner_id,
            "TOKEN": self.token(params),
            "VERSION": VERSION,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        return await self._http.post(path, content=b"", headers=headers)

    # -- inquiry -----------------------------------------------------------------------------
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        number = product.number_rule.check(customer_number)
        if not product.provider_code:  # no code from the partner's list: never sent with a guess
            raise NoProviderCode(product.code)
        params: dict[str, Any] = {
            "partnerId": self._partner_id,
            "accountNumber": number,
            "productCode": product.biller_code,
        }
        if product.needs_month:
            params["month"] = months
        try:
            response = await self._post(INQUIRY_PATH, params)
        except httpx.TimeoutException:
            raise InquiryError("inquiry timed out", reason=Reason.TIMEOUT) from None
        except httpx.HTTPError as error:
            raise InquiryError(f"inquiry failed: {type(error).__name__}", reason=Reason.BILLER_DOWN) from None
        try:
            body = json_object(response)
        except Unreadable as error:
            reason = Reason.BILLER_DOWN if response.status_code >= 500 else Reason.BAD_RESPONSE
            raise InquiryError(f"HTTP {response.status_code}: {error}", reason=reason) from None
        code = _response_code(body)
        if code != 300:
            raise InquiryError(
                _message(body) or f"responseCode {code}",
                reason=inquiry_reason(code),
                provider_code="" if code is None else str(code),
                raw=body,
            )
        data = body.get("data")
        try:
            if not isinstance(data, dict):
                raise ValueError("no data")
            return self._bill(product, number, ref_id, data, body)
        except (KeyError, ValueError, TypeError, NotRupiah) as error:
            raise InquiryError(
                f"unreadable bill: {error}", reason=Reason.BAD_RESPONSE, provider_code="300", raw=body
            ) from None

    def _bill(
        self, product: Product, number: str, ref_id: str, data: dict[str, Any], body: dict[str, Any]
    ) -> Bill:
        inquiry_id = data["inquiryId"]
        if inquiry_id is None or str(inquiry_id).strip() == "":
            raise KeyError("inquiryId")
        account, product_code = _id(data.get("accountNumber")), _id(data.get("productCode"))
        if account and account != number:  # another customer's bill: never shown, never paid
            raise ValueError("the answer is about another accountNumber")
        if product_code and product_code.upper() != product.biller_code.upper():
            raise ValueError("the answer is about another productCode")
        total = to_amount(data["amount"])
        admin = to_amount(data.get("totalAdmin") or 0)
        fee = to_amount(data.get("processingFee") or 0)
        if total <= 0:
            raise ValueError("amount is not positive")
        details = _pairs(data.get("customerDetails") or data.get("customerDetail"))
        details.update(_pairs(data.get("productDetails")))
        lines = []
        for item in data.get("billDetails") or []:
            if not isinstance(item, dict) or str(item.get("billId", "")) == "0":
                continue
            # a bill's period is its Periode or Bulan when it names one; `key` is only a label
            # ("Jumlah Tagihan") and "N/A" names nothing
            info = _pairs(item.get("billInfo"))
            period = _period(info.get("Periode")) or _period(info.get("Bulan"))
            lines.append(BillLine(period=period, amount=to_amount(item.get("value") or 0)))
        periods = [line.period for line in lines if line.period]
        if not periods and _period(details.get("Periode")):
            periods = [_period(details.get("Periode"))]
        return Bill(
            provider=self.provider,
            ref_id=ref_id,
            product_code=product.code,
            customer_number=number,
            customer_name=str(data.get("customerName") or details.get("Nama Pelanggan") or ""),
            periods=periods,
            lines=lines,
            nominal=total - admin - fee,
            admin=admin + fee,
            total=total,
            provider_ref=str(inquiry_id).strip(),
            details=details,
            inquired_at=datetime.now(UTC),
            raw=body,
        )

    # -- payment and status -------------------------------------------------------------------
    async def pay(self, bill: Bill) -> PaymentResult:
        inquiry_id: int | str = int(bill.provider_ref) if bill.provider_ref.isdigit() else bill.provider_ref
        params = {
            "partnerId": self._partner_id,
            "accountNumber": bill.customer_number,
            "productCode": self._biller_code(bill),
            "inquiryId": inquiry_id,
            "amount": bill.total,
            "refNumber": bill.ref_id,
        }
        return await self._settle(bill, PAYMENT_PATH, params, status=False)

    async def check_status(self, bill: Bill) -> PaymentResult:
        params = {"partnerId": self._partner_id, "refNumber": bill.ref_id}
        return await self._settle(bill, STATUS_PATH, params, status=True)

    async def _settle(self, bill: Bill, path: str, params: dict[str, Any], *, status: bool) -> PaymentResult:
        what = "status" if status else "payment"

        def pending(message: str, raw: dict[str, Any] | None = None) -> PaymentResult:
            log.warning("Ayoconnect %s %s: %s, treated as pending", what, bill.ref_id, message)
            return self._pending(bill, message, raw)

        try:
            response = await self._post(path, params)
        except Exception as error:  # whatever broke, the request may have arrived
            return pending(f"{type(error).__name__} during {what}")
        try:
            body = json_object(response)
        except Unreadable as error:
            return pending(f"HTTP {response.status_code}: {error}")
        code = _response_code(body)
        outcome, reason = classify_payment(code, status=status)
        if not 200 <= response.status_code < 300 and outcome is not Outcome.PENDING:
            # An HTTP error is "processing" (§11.1), whatever code its body carries: only a 2xx
            # success is a success, and only a 2xx failure is a failure.
            outcome, reason = Outcome.PENDING, Reason.UNKNOWN
        data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
        if not self._about(bill, data):
            return pending(f"the {what} answer is about another transaction", body)
        try:
            amount = to_amount(data["amount"]) if data.get("amount") not in (None, "") else None
        except NotRupiah:  # fractional, text, or more than any wallet holds: a garbled answer
            return pending(f"unreadable amount in the {what} answer", body)
        transaction_id = _id(data.get("transactionId"))
        if outcome is not Outcome.PENDING:  # settled: the core asks no more about it
            self._transaction_ids.pop(bill.ref_id, None)
        elif transaction_id and 200 <= response.status_code < 300:
            self._transaction_ids.setdefault(bill.ref_id, transaction_id)
        log.info("Ayoconnect %s %s answered %s: %s", what, bill.ref_id, code, outcome.value)
        receipt = str(data.get("token") or "")  # the biller's reference, "N/A" while processing
        return PaymentResult(
            outcome=outcome,
            reason=reason,
            provider=self.provider,
            ref_id=bill.ref_id,
            provider_code="" if code is None else str(code),
            message=_message(body),
            biller_ref="" if receipt == "N/A" else receipt,
            provider_txn_id=transaction_id,
            amount=amount,
            raw=body,
        )

    def _about(self, bill: Bill, data: dict[str, Any]) -> bool:
        """Whether an answer's own ids, where it gives them, are this payment's: our refNumber,
        the bill's account and product, and the transactionId an earlier answer gave it."""
        ref_number = _id(data.get("refNumber"))
        if ref_number and ref_number != bill.ref_id:
            return False
        account = _id(data.get("accountNumber"))
        if account and account != bill.customer_number:
            return False
        product_code = _id(data.get("productCode"))
        if product_code and product_code.upper() != self._biller_code(bill).upper():
            return False
        transaction_id = _id(data.get("transactionId"))
        known = self._transaction_ids.get(bill.ref_id)
        return not (transaction_id and known and transaction_id != known)

    def _biller_code(self, bill: Bill) -> str:
        """The code the bill was inquired with (a refreshed catalogue never changes it), else the
        catalogue's."""
        data = bill.raw.get("data") if isinstance(bill.raw, dict) else None
        asked = _id(data.get("productCode")) if isinstance(data, dict) else ""
        if asked:
            return asked
        try:
            return self.product(bill.product_code).biller_code
        except UnknownProduct:  # no longer in the catalogue: the code we stored is all we know
            return bill.product_code

    # -- account -------------------------------------------------------------------------------
    async def partner_products(self) -> list[dict[str, Any]]:
        """The partner's product list, to find the real product codes."""
        try:
            response = await self._post(PRODUCTS_PATH, {"partnerId": self._partner_id})
        except httpx.HTTPError as error:
            raise InquiryError(
                f"product list failed: {type(error).__name__}", reason=Reason.BILLER_DOWN
            ) from None
        try:
            body = json_object(response)
        except Unreadable as error:
            raise InquiryError(str(error), reason=Reason.BAD_RESPONSE) from None
        items = body.get("data")
        if not isinstance(items, list):
            code = _response_code(body)
            raise InquiryError(_message(body) or "no product list", reason=inquiry_reason(code), raw=body)
        return [item for item in items if isinstance(item, dict)]

    async def deposit(self) -> int | None:
        """The partner balance at Ayoconnect, or None when it cannot be read."""
        try:
            response = await self._post(BALANCE_PATH, {"partnerId": self._partner_id})
            body = json_object(response)
            data = body.get("data")
            if not isinstance(data, dict) or data.get("balance") is None:
                return None
            return to_amount(data["balance"])
        except (httpx.HTTPError, Unreadable, NotRupiah):
            return None
