"""IAK (MobilePulsa) postpaid client: inq-pasca, pay-pasca, checkstatus, pricelist-pasca.

Everything goes as JSON to POST {base}/api/v1/bill/check. The one rule that matters most:
once a pay-pasca may have left the process, nothing that goes wrong afterwards (timeout,
dropped connection, 5xx, HTML, unknown code) is a failure: it is PENDING, settled by
checkstatus with the same ref_id. The api key and the sign never appear in errors or logs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.billers.base import Bill, BillLine, InquiryError, Outcome, PaymentResult, Product, Reason
from bot.billers.catalog import iak_catalog
from bot.billers.http_biller import HttpBiller, Unreadable, json_object
from bot.billers.iak_codes import INQUIRY_OK, inquiry_reason, payment_outcome, status_outcome
from bot.billers.money import NotRupiah, to_amount, to_rupiah

log = logging.getLogger(__name__)

PATH = "/api/v1/bill/check"


def sign(username: str, api_key: str, additional: str) -> str:
    """md5(username + api_key + additional), lowercase hex (IAK §1.3)."""
    return hashlib.md5(f"{username}{api_key}{additional}".encode()).hexdigest()


def _data(response: httpx.Response) -> dict[str, Any]:
    """The `data` object of IAK's JSON envelope (or the body itself, where there is none)."""
    body = json_object(response)
    data = body.get("data", body)
    if not isinstance(data, dict):
        raise Unreadable("data is not an object")
    return data


def _code(data: dict[str, Any]) -> str:
    code = data.get("response_code", data.get("rc"))
    if code is None:
        return ""
    return str(code).strip()


def _desc(data: dict[str, Any]) -> dict[str, Any]:
    desc = data.get("desc")
    if isinstance(desc, dict):
        return desc
    if isinstance(desc, str) and desc.strip().startswith("{"):
        try:
            parsed = json.loads(desc)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _tr_id(value: object) -> str:
    """IAK's inquiry id as the decimal text we send back and sign, or "" when there is none.

    IAK types it Integer but examples send "9732412"; a float 9732412.0 must not become the
    text "9732412.0" (a wrong signature and a wrong id). Anything not a whole number: ValueError.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    try:
        number = to_rupiah(value)  # the same rule as money: a whole number, however typed
    except NotRupiah:
        raise ValueError("tr_id is not a whole number") from None
    if number < 0:
        raise ValueError("tr_id is negative")
    return "" if number == 0 else str(number)


def _optional_rupiah(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return to_amount(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _lines(desc: dict[str, Any]) -> list[BillLine]:
    """Bill lines from desc.tagihan.detail (Telkom, PLN, TV) or desc.bill.detail (PDAM).

    A detail whose amount is empty (HPTHREE sends `"nilai_tagihan": ""`) itemises nothing:
    then there are no lines, and the bill is its totals.
    """
    lines: list[BillLine] = []
    tagihan = desc.get("tagihan")
    details = tagihan.get("detail") if isinstance(tagihan, dict) else None
    if isinstance(details, list):
        for item in details:
            if not isinstance(item, dict) or "nilai_tagihan" not in item:
                continue
            if _blank(item["nilai_tagihan"]):
                return []
            lines.append(
                BillLine(
                    period=str(item.get("periode", "")),
                    amount=to_amount(item["nilai_tagihan"]),
                    admin=to_amount(item.get("admin") or 0),
                    penalty=to_amount(item.get("denda") or 0),
                )
            )
        return lines
    bill = desc.get("bill")
    details = bill.get("detail") if isinstance(bill, dict) else None
    if isinstance(details, list):
        for item in details:
            if not isinstance(item, dict) or "bill_amount" not in item:
                continue
            if _blank(item["bill_amount"]):
                return []
            lines.append(
                BillLine(
                    period=str(item.get("period", "")),
                    amount=to_amount(item["bill_amount"]) + to_amount(item.get("misc_amount") or 0),
                    penalty=to_amount(item.get("penalty") or 0),
                )
            )
    return lines


_MMYY = re.compile(r"(0[1-9]|1[0-2])([0-9]{2})")
_COUNT = re.compile(r"[0-9]{1,2}")


def _period(text: str, product: Product) -> str:
    """A period as IAK wrote it, made plain: PGAS's MMYY "0917" is the month 201709, and the
    "02" of BPJS is no period but the number of months paid, "2 BULAN"; the rest is kept."""
    text = text.strip()
    if product.needs_month and _COUNT.fullmatch(text) and int(text):
        return f"{int(text)} BULAN"
    match = _MMYY.fullmatch(text)
    return f"20{match.group(2)}{match.group(1)}" if match else text


def _details(desc: dict[str, Any]) -> dict[str, str]:
    """Flat display pairs from desc (scalars only; the nested bill detail is in `lines`)."""
    return {
        str(key): str(value)
        for key, value in desc.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value) != ""
    }


class IAKClient(HttpBiller):
    """The IAK postpaid API behind the `Biller` interface.

    `transport` replaces the network: tests, and the sandbox's in-process IAK simulator.
    """

    name = "iak"

    def __init__(
        self,
        *,
        username: str,
        api_key: str,
        base_url: str,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        provider: str = "iak",
        products: list[Product] | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            products=products if products is not None else iak_catalog(),
            provider=provider,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        self._username = username
        self._api_key = api_key
        self._last_balance: int | None = None

    # -- transport ---------------------------------------------------------------------------
    def _sign(self, additional: str) -> str:
        return sign(self._username, self._api_key, additional)

    async def _post(self, payload: dict[str, Any]) -> httpx.Response:
        return await self._http.post(PATH, content=json.dumps(payload))

    # -- inquiry -----------------------------------------------------------------------------
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        number = product.number_rule.check(customer_number)
        payload: dict[str, Any] = {
            "commands": "inq-pasca",
            "username": self._username,
            "code": product.biller_code,
            "hp": number,
            "ref_id": ref_id,
            "sign": self._sign(ref_id),
        }
        if product.needs_month:
            payload["month"] = months
        try:
            response = await self._post(payload)
        except httpx.TimeoutException:
            raise InquiryError("inquiry timed out", reason=Reason.TIMEOUT) from None
        except httpx.HTTPError as error:
            raise InquiryError(f"inquiry failed: {type(error).__name__}", reason=Reason.BILLER_DOWN) from None
        if response.status_code not in (200, 400):
            raise InquiryError(f"HTTP {response.status_code}", reason=Reason.BILLER_DOWN)
        try:
            data = _data(response)
        except Unreadable as error:
            raise InquiryError(str(error), reason=Reason.BAD_RESPONSE) from None
        code = _code(data)
        if not code:
            reason = Reason.CONFIG_ERROR if response.status_code == 400 else Reason.BAD_RESPONSE
            raise InquiryError("answer without response_code", reason=reason, raw=data)
        if code not in INQUIRY_OK:
            log.info("IAK inquiry %s for %s answered rc %s", ref_id, product.code, code)
            raise InquiryError(
                str(data.get("message") or f"rc {code}"),
                reason=inquiry_reason(code),
                provider_code=code,
                raw=data,
            )
        try:
            return self._bill(product, number, ref_id, data)
        except (KeyError, NotRupiah, ValueError, TypeError) as error:
            raise InquiryError(
                f"unreadable bill: {error}", reason=Reason.BAD_RESPONSE, provider_code=code, raw=data
            ) from None

    def _bill(self, product: Product, number: str, ref_id: str, data: dict[str, Any]) -> Bill:
        tr_id = _tr_id(data["tr_id"])
        if not tr_id:
            raise KeyError("tr_id")
        for key, ours in (("ref_id", ref_id), ("hp", number)):
            theirs = str(data.get(key) or "").strip()
            if theirs and theirs != ours:  # another customer's bill: never shown, never paid
                raise ValueError(f"the answer is about another {key}")
        nominal = to_amount(data["nominal"])
        admin = to_amount(data.get("admin") or 0)
        price = _optional_rupiah(data, "price")
        total = price if price is not None else nominal + admin
        if total <= 0:
            raise ValueError("bill total is not positive")
        desc = _desc(data)
        lines = [line.model_copy(update={"period": _period(line.period, product)}) for line in _lines(desc)]
        penalty = sum(line.penalty for line in lines)
        # What IAK calls nominal may hold the late fees (PDAM) or not (PLN): the bill itself is
        # what the total leaves after the fees and the penalties the biller itemises.
        nominal = total - admin - penalty
        if nominal < 0:
            raise ValueError("fees and penalties exceed the bill total")
        periods = [line.period for line in lines if line.period] or [
            _period(part, product) for part in str(data.get("period") or "").split(",") if part.strip()
        ]
        if not lines and periods:  # BPJS, TVBIG, PGAS, CBN: no per-period detail, one line for it all
            lines = [BillLine(period=",".join(periods), amount=nominal, admin=admin)]
        return Bill(
            provider=self.provider,
            ref_id=ref_id,
            product_code=product.code,
            customer_number=number,
            customer_name=str(data.get("tr_name") or ""),
            periods=periods,
            lines=lines,
            nominal=nominal,
            admin=admin,
            total=total,
            cost=_optional_rupiah(data, "selling_price"),
            provider_ref=tr_id,
            details=_details(desc),
            inquired_at=datetime.now(UTC),
            raw=data,
        )

    # -- payment and status -------------------------------------------------------------------
    async def pay(self, bill: Bill) -> PaymentResult:
        tr_id = bill.provider_ref
        payload = {
            "commands": "pay-pasca",
            "username": self._username,
            "tr_id": tr_id,
            "sign": self._sign(tr_id),
        }
        return await self._settle(bill, payload, status=False)

    async def check_status(self, bill: Bill) -> PaymentResult:
        payload = {
            "commands": "checkstatus",
            "username": self._username,
            "ref_id": bill.ref_id,
            "sign": self._sign("cs"),
        }
        return await self._settle(bill, payload, status=True)

    def _unclear(self, bill: Bill, message: str, raw: dict[str, Any] | None = None) -> PaymentResult:
        return self._pending(bill, message, raw, provider_txn_id=bill.provider_ref)

    async def _settle(self, bill: Bill, payload: dict[str, Any], *, status: bool) -> PaymentResult:
        command = payload["commands"]
        try:
            response = await self._post(payload)
        except Exception as error:  # whatever broke, the request may have reached IAK
            log.warning("IAK %s %s: %s, treated as pending", command, bill.ref_id, type(error).__name__)
            return self._unclear(bill, f"{type(error).__name__} during {command}")
        if response.status_code not in (200, 400):
            log.warning("IAK %s %s: HTTP %s, treated as pending", command, bill.ref_id, response.status_code)
            return self._unclear(bill, f"HTTP {response.status_code} during {command}")
        try:
            data = _data(response)
        except Unreadable as error:
            return self._unclear(bill, f"{error} during {command}")
        code = _code(data)
        if not code:
            return self._unclear(bill, f"no response_code in {command} answer", data)
        outcome, reason = status_outcome(code, data.get("status")) if status else payment_outcome(code)
        if not self._about(bill, data):  # not even "in process": it may be another payment's
            log.warning(
                "IAK %s %s: answer names another transaction, treated as pending", command, bill.ref_id
            )
            return self._unclear(bill, f"{command} answer is about another transaction", data)
        try:
            amount = _optional_rupiah(data, "price")
            balance = _optional_rupiah(data, "balance")
        except NotRupiah:
            return self._unclear(bill, f"unreadable amounts in {command} answer", data)
        if balance is not None:
            self._last_balance = balance
        if outcome is Outcome.SUCCESS and not _tr_id(data.get("tr_id")):  # _about read it already
            return self._unclear(bill, f"success without tr_id in {command} answer", data)
        log.info("IAK %s %s answered rc %s: %s", command, bill.ref_id, code, outcome.value)
        return PaymentResult(
            outcome=outcome,
            reason=reason,
            provider=self.provider,
            ref_id=bill.ref_id,
            provider_code=code,
            message=str(data.get("message") or ""),
            biller_ref=str(data.get("noref") or data.get("no_ref") or ""),
            provider_txn_id=bill.provider_ref,  # _about checked that the answer's tr_id is this one
            amount=amount,
            deposit_balance=balance,
            paid_at=str(data.get("datetime") or ""),
            raw=data,
        )

    @staticmethod
    def _about(bill: Bill, data: dict[str, Any]) -> bool:
        """Whether an answer's own ids (when it gives them) are this bill's tr_id and ref_id."""
        try:
            tr_id = _tr_id(data.get("tr_id"))
        except ValueError:
            return False
        if tr_id and tr_id != bill.provider_ref:
            return False
        ref_id = str(data.get("ref_id") or "").strip()
        return not ref_id or ref_id == bill.ref_id

    # -- the rest ------------------------------------------------------------------------------
    async def pricelist(self, product_type: str | None = None, status: str = "all") -> list[dict[str, Any]]:
        """The provider's postpaid product list (`data.pasca`), optionally of one type."""
        payload = {"commands": "pricelist-pasca", "username": self._username, "sign": self._sign("pl")}
        payload["status"] = status
        path = f"{PATH}/{product_type}" if product_type else PATH
        try:
            response = await self._http.post(path, content=json.dumps(payload))
        except httpx.HTTPError as error:
            raise InquiryError(
                f"pricelist failed: {type(error).__name__}", reason=Reason.BILLER_DOWN
            ) from None
        if response.status_code not in (200, 400):
            raise InquiryError(f"HTTP {response.status_code}", reason=Reason.BILLER_DOWN)
        try:
            data = _data(response)
        except Unreadable as error:
            raise InquiryError(str(error), reason=Reason.BAD_RESPONSE) from None
        items = data.get("pasca")
        if not isinstance(items, list):
            code = _code(data)
            raise InquiryError(
                str(data.get("message") or "no pricelist"),
                reason=inquiry_reason(code) if code else Reason.BAD_RESPONSE,
                provider_code=code,
                raw=data,
            )
        return [item for item in items if isinstance(item, dict)]

    async def deposit(self) -> int | None:
        """IAK postpaid has no balance call: the last balance a pay or status answer told us."""
        return self._last_balance
