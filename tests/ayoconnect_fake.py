"""An Ayoconnect partner as the tests meet it: an httpx MockTransport speaking OpenAPI v2 (JWT in
the TOKEN header, checked by hand) with a product list whose codes are not Loket's. It knows
only its own codes: an inquiry with any other code is answered 321 "product not found"."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter
from typing import Any

import httpx

PARTNER, SECRET = "partner-123", "ayo-secret-0123456789abcdef0123456789"
BASE = "https://ayo.fake"

# What the partner's contract lists (codes that are not Loket's; some inactive, some prepaid)
PRODUCTS: list[dict[str, Any]] = [
    {"code": "INETIDH01", "name": "IndiHome", "biller": "Telkom", "category": "Internet dan TV Kabel",
     "type": "postpaid", "active": True, "adminFee": 2500, "amount": 0},
    {"code": "INETIDH00", "name": "IndiHome (lama)", "biller": "Telkom", "category": "Internet dan TV Kabel",
     "type": "postpaid", "active": False, "adminFee": 2500, "amount": 0},
    {"code": "PSCTSELHL", "name": "Telkomsel Halo", "biller": "Telkomsel", "category": "Pascabayar",
     "type": "postpaid", "active": True, "adminFee": 0, "amount": 0},
    {"code": "LSTPPPOG", "name": "PLN Postpaid", "biller": "PLN", "category": "Listrik",
     "type": "postpaid", "active": True, "adminFee": 3000, "amount": 0},
    {"code": "LSTPRPOG20", "name": "PLN Token 20.000", "biller": "PLN", "category": "Listrik",
     "type": "prepaid", "active": True, "adminFee": 0, "amount": 20000},
    {"code": "PPLSTSEL10", "name": "Telkomsel 10.000", "biller": "Telkomsel", "category": "Pulsa",
     "type": "prepaid", "active": True, "adminFee": 0, "amount": 10000},
    {"code": "BPJSKES", "name": "BPJS Kesehatan", "biller": "BPJS", "category": "BPJS",
     "type": "postpaid", "active": True, "adminFee": 2500, "amount": 0},
    {"code": "PDAMSBY", "name": "PDAM Kota Surabaya", "biller": "PDAM Surya Sembada", "category": "PDAM",
     "type": "postpaid", "active": True, "adminFee": 2500, "amount": 0},
    {"code": "PDAMBDG", "name": "PDAM Kota Bandung", "biller": "PDAM Tirtawening", "category": "PDAM",
     "type": "postpaid", "active": True, "adminFee": 2500, "amount": 0},
    # two active items fit Tri postpaid: it is left out, never guessed
    {"code": "PSCTRI01", "name": "Tri Postpaid", "biller": "Tri", "category": "Pascabayar",
     "type": "postpaid", "active": True, "adminFee": 0, "amount": 0},
    {"code": "PSCTRI02", "name": "Three Pascabayar", "biller": "Tri", "category": "Pascabayar",
     "type": "postpaid", "active": True, "adminFee": 0, "amount": 0},
]  # fmt: skip
BILL = 150_000  # each bill: this plus the product's admin fee


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def claims(token: str, secret: str = SECRET) -> dict[str, Any]:
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(expected).decode().rstrip("="), "bad JWT signature"
    result: dict[str, Any] = json.loads(_b64(payload))
    return result


class AyoconnectFake:
    def __init__(self, products: list[dict[str, Any]] | None = None) -> None:
        self.products = products if products is not None else PRODUCTS
        self.reachable = True  # False: the product list answers HTTP 503
        self.inquiries: list[dict[str, Any]] = []
        self.payments: Counter[str] = Counter()  # refNumber -> pay requests
        self._inquiry_ids: dict[int, dict[str, Any]] = {}
        self._paid: dict[str, dict[str, Any]] = {}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _item(self, code: str) -> dict[str, Any] | None:
        return next((p for p in self.products if p["code"] == code and p["active"]), None)

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["KEY"] == PARTNER and request.content == b""
        params = claims(request.headers["TOKEN"])
        path = request.url.path
        if path == "/api/v2/partner/products":
            if not self.reachable:
                return httpx.Response(503, text="<html>maintenance</html>")
            return httpx.Response(200, json={"responseCode": 0, "success": True, "data": self.products})
        if path == "/api/v2/bill/check":
            self.inquiries.append(params)
            item = self._item(params["productCode"])
            if item is None:
                not_found = {"responseCode": 321, "message": {"EN": "Product not found"}}
                return httpx.Response(200, json=not_found)
            inquiry_id = 700_000 + len(self.inquiries)
            amount = BILL + int(item["adminFee"])
            data = {
                "inquiryId": inquiry_id, "accountNumber": params["accountNumber"],
                "customerName": "DEWI LESTARI",
                "productCode": item["code"], "productName": item["name"], "category": item["category"],
                "amount": amount, "totalAdmin": item["adminFee"], "processingFee": 0,
                "billDetails": [{"billId": "1", "billInfo": [{"key": "Periode", "value": "Juli 2026"}],
                                 "key": "Tagihan", "value": BILL}],
            }  # fmt: skip
            self._inquiry_ids[inquiry_id] = data
            return httpx.Response(200, json={"responseCode": 300, "success": True, "data": data})
        if path == "/api/v2/bill/payment":
            ref = params["refNumber"]
            self.payments[ref] += 1
            asked = self._inquiry_ids[int(params["inquiryId"])]
            assert params["productCode"] == asked["productCode"] and params["amount"] == asked["amount"]
            data = {**asked, "refNumber": ref, "transactionId": f"TX{ref}", "token": f"AYO-{ref[-6:]}"}
            self._paid[ref] = data
            return httpx.Response(200, json={"responseCode": 0, "success": True, "data": data})
        if path == "/api/v2/bill/status":
            data = self._paid.get(params["refNumber"])
            if data is None:
                return httpx.Response(200, json={"responseCode": 188, "data": {}})
            return httpx.Response(200, json={"responseCode": 0, "success": True, "data": data})
        return httpx.Response(404, json={"responseCode": 404})
