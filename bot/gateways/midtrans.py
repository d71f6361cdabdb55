"""Midtrans Core API, QRIS: charge, status, cancel, and the notification signature.

Reference: /work/shared/reference/payment-gateways.md §1 (docs.midtrans.com). What this module
keeps to:
- HTTP Basic with the server key as user name and an empty password; the key is never logged,
  never put in an error text, never returned in `raw`.
- `POST /v2/charge` with `payment_type: qris`, `gross_amount` a whole number (IDR has no
  decimals), an `Idempotency-Key` made from the order id (a retry of the same order returns
  the same answer instead of a second QR), and `X-Override-Notification:
  <PUBLIC_URL>/payments/midtrans/notify` when PUBLIC_URL is set.
- Midtrans answers some errors with HTTP 200 and the real code in the body's `status_code`:
  the body decides. A charge is refused only on a definite 4xx; a timeout, a 5xx, a 202
  ("the same key is still being processed"), a 406 (the order id exists: our earlier try may
  have gone through) or an unreadable body is unclear.
- `gross_amount` comes back as "152500.00": parsed with Decimal, a fraction is not rupiah.
- Times are "YYYY-MM-DD HH:MM:SS" in GMT+7.
- signature_key = SHA-512(order_id + status_code + gross_amount as received + server key),
  lower-case hex, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.billers.money import NotRupiah, to_rupiah
from bot.gateways.base import (
    BadNotification,
    BadSignature,
    Charge,
    ChargeRefused,
    ChargeUnclear,
    GatewayOutcome,
    GatewayStatus,
    Notification,
)
from bot.jakarta import JAKARTA
from bot.tls import tls_context

log = logging.getLogger(__name__)

NOTIFY_PATH = "/payments/midtrans/notify"
ORDER_ID_MAX = 50  # Midtrans: String(50), symbols - _ ~ . only
IDEMPOTENCY_KEY_MAX = 46
_ORDER_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~.")

# transaction_status -> outcome (settlement and capture depend on fraud_status, below)
_STATUS: dict[str, GatewayOutcome] = {
    "pending": GatewayOutcome.PENDING,
    "authorize": GatewayOutcome.PENDING,
    "deny": GatewayOutcome.FAILED,
    "cancel": GatewayOutcome.CANCELLED,
    "expire": GatewayOutcome.EXPIRED,
    "failure": GatewayOutcome.FAILED,
    "refund": GatewayOutcome.REFUNDED,
    "partial_refund": GatewayOutcome.REFUNDED,
    "chargeback": GatewayOutcome.REFUNDED,
    "partial_chargeback": GatewayOutcome.REFUNDED,
}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """Midtrans's signature_key: SHA-512 over the four strings, lower-case hex."""
    raw = f"{order_id}{status_code}{gross_amount}{server_key}"
    return hashlib.sha512(raw.encode("utf-8")).hexdigest()


def valid_order_id(order_id: str) -> bool:
    return 0 < len(order_id) <= ORDER_ID_MAX and set(order_id) <= _ORDER_ID_CHARS


def idempotency_key(order_id: str) -> str:
    """One key per order: the same order charged twice gets Midtrans's first answer back."""
    key = f"{order_id}-charge"
    if len(key) > IDEMPOTENCY_KEY_MAX:
        key = hashlib.sha256(order_id.encode()).hexdigest()[:IDEMPOTENCY_KEY_MAX]
    return key


def rupiah(value: object) -> int | None:
    """'152500.00' -> 152500; '152500.50', '', None, a bool -> None (not a whole rupiah amount)."""
    try:
        return to_rupiah(value)
    except NotRupiah:
        return None


def midtrans_time(value: object) -> datetime | None:
    """'2025-01-01 12:01:13' (GMT+7) -> an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        local = datetime.strptime(value.strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return local.replace(tzinfo=JAKARTA).astimezone(UTC)


def wib_text(moment: datetime) -> str:
    """An aware datetime as Midtrans writes times: 'YYYY-MM-DD HH:MM:SS' in GMT+7."""
    return moment.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M:%S")


def outcome_of(body: dict[str, Any]) -> GatewayOutcome:
    """The neutral outcome of a Midtrans transaction JSON (status answer or notification)."""
    code = str(body.get("status_code") or "")
    if code == "404":
        return GatewayOutcome.NOT_FOUND
    status = str(body.get("transaction_status") or "").strip().lower()
    if status in {"settlement", "capture"}:
        fraud = str(body.get("fraud_status") or "").strip().lower()
        if fraud in {"", "accept"}:
            return GatewayOutcome.PAID
        return GatewayOutcome.FAILED if fraud == "deny" else GatewayOutcome.PENDING
    return _STATUS.get(status, GatewayOutcome.UNKNOWN)


def parse_status(order_id: str, body: dict[str, Any]) -> GatewayStatus:
    """A Midtrans status (or cancel) answer as a GatewayStatus about `order_id`."""
    answered_for = str(body.get("order_id") or order_id)
    outcome = outcome_of(body)
    if answered_for != order_id:  # an answer about another order settles nothing here
        outcome = GatewayOutcome.UNKNOWN
    refund = body.get("refund_amount")
    return GatewayStatus(
        order_id=answered_for,
        outcome=outcome,
        status=str(body.get("transaction_status") or "").strip().lower(),
        status_code=str(body.get("status_code") or ""),
        gross_amount=rupiah(body.get("gross_amount")),
        currency=str(body.get("currency") or ""),
        refund_amount=rupiah(refund) if refund is not None else None,
        gateway_ref=str(body.get("transaction_id") or ""),
        message=str(body.get("status_message") or "")[:300],
        raw=body,
    )


def _unknown(order_id: str, message: str, raw: dict[str, Any] | None = None) -> GatewayStatus:
    return GatewayStatus(order_id=order_id, outcome=GatewayOutcome.UNKNOWN, message=message, raw=raw or {})


def _body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class MidtransClient:
    """Midtrans Core API QRIS over httpx. `transport` replaces the network (sandbox, tests)."""

    def __init__(
        self,
        *,
        server_key: str,
        base_url: str,
        public_url: str = "",
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str = "midtrans",
    ) -> None:
        if not server_key:
            raise ValueError("a Midtrans server key is required")
        self.name = name
        self._server_key = server_key
        self.simulator: Any = None  # the in-process MidtransSandbox behind PAYMENT_GATEWAY=sandbox
        self.notify_url = f"{public_url.rstrip('/')}{NOTIFY_PATH}" if public_url else ""
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(server_key, ""),
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            transport=transport,
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            trust_env=transport is None,
            verify=tls_context(),  # shared, read once (bot/tls.py)
        )

    def __repr__(self) -> str:  # never the key
        return f"MidtransClient(name={self.name!r}, base_url={str(self._http.base_url)!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- charge ------------------------------------------------------------------------------
    async def charge(self, order_id: str, gross_amount: int, expiry_minutes: int) -> Charge:
        if not valid_order_id(order_id):
            raise ChargeRefused("order_id: up to 50 letters, digits and - _ ~ .", code="400")
        if not isinstance(gross_amount, int) or isinstance(gross_amount, bool) or gross_amount <= 0:
            raise ChargeRefused("gross_amount must be a positive whole number of rupiah", code="400")
        payload = {
            "payment_type": "qris",
            "transaction_details": {"order_id": order_id, "gross_amount": gross_amount},
            "qris": {"acquirer": "gopay"},
            "custom_expiry": {"expiry_duration": int(expiry_minutes), "unit": "minute"},
        }
        headers = {"Idempotency-Key": idempotency_key(order_id)}
        if self.notify_url:
            headers["X-Override-Notification"] = self.notify_url
        try:
            response = await self._http.post("/v2/charge", json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise ChargeUnclear(f"{type(error).__name__} during the charge") from None
        body = _body(response)
        if body is None:
            if 400 <= response.status_code < 500 and response.status_code not in {406, 408, 409, 429}:
                raise ChargeRefused(f"HTTP {response.status_code}", code=str(response.status_code))
            raise ChargeUnclear(f"HTTP {response.status_code}, unreadable answer")
        code = str(body.get("status_code") or response.status_code)
        if response.status_code == 202 or code in {"202", "406", "408", "409", "429"} or code.startswith("5"):
            raise ChargeUnclear(f"charge answered {code}", raw=body)
        if code.startswith("4") or (400 <= response.status_code < 500):
            message = str(body.get("status_message") or "refused")[:200]
            raise ChargeRefused(f"charge refused ({code}): {message}", code=code, raw=body)
        if code not in {"200", "201"} or str(body.get("order_id") or order_id) != order_id:
            raise ChargeUnclear(f"charge answered {code}", raw=body)
        answered = rupiah(body.get("gross_amount")) if "gross_amount" in body else gross_amount
        if answered != gross_amount:
            raise ChargeUnclear(f"charge answered another amount ({answered})", raw=body)
        qr_url = ""
        for action in body.get("actions") or []:
            if isinstance(action, dict) and action.get("name") == "generate-qr-code":
                qr_url = str(action.get("url") or "")
        expires = midtrans_time(body.get("expiry_time"))
        if expires is None:
            started = midtrans_time(body.get("transaction_time"))
            if started is not None:
                expires = started + timedelta(minutes=int(expiry_minutes))
        return Charge(
            order_id=order_id,
            gateway_ref=str(body.get("transaction_id") or ""),
            gross_amount=gross_amount,
            currency=str(body.get("currency") or "IDR"),
            qr_string=str(body.get("qr_string") or ""),
            qr_url=qr_url,
            expires_at=expires,
            raw=body,
        )

    # -- status and cancel -------------------------------------------------------------------
    async def status(self, order_id: str) -> GatewayStatus:
        return await self._ask("GET", f"/v2/{order_id}/status", order_id)

    async def cancel(self, order_id: str) -> GatewayStatus:
        return await self._ask("POST", f"/v2/{order_id}/cancel", order_id)

    async def _ask(self, method: str, path: str, order_id: str) -> GatewayStatus:
        if not valid_order_id(order_id):
            return _unknown(order_id, "not an order id")
        try:
            response = await self._http.request(method, path)
        except httpx.HTTPError as error:
            log.warning("midtrans %s %s: %s", method, order_id, type(error).__name__)
            return _unknown(order_id, f"{type(error).__name__}")
        body = _body(response)
        if body is None:
            if response.status_code == 404:
                return GatewayStatus(order_id=order_id, outcome=GatewayOutcome.NOT_FOUND, status_code="404")
            return _unknown(order_id, f"HTTP {response.status_code}, unreadable answer")
        if response.status_code >= 500 or str(body.get("status_code") or "").startswith("5"):
            return _unknown(order_id, f"HTTP {response.status_code}", body)
        if response.status_code == 404 and "status_code" not in body:
            body = {**body, "status_code": "404"}
        return parse_status(order_id, body)

    # -- notifications -----------------------------------------------------------------------
    def verify(self, payload: dict[str, Any]) -> Notification:
        """A notification whose signature_key is right, or BadSignature / BadNotification."""
        return verify_notification(payload, self._server_key)


def verify_notification(payload: object, server_key: str) -> Notification:
    if not isinstance(payload, dict):
        raise BadNotification("not a JSON object")
    fields = {}
    for name in ("order_id", "status_code", "gross_amount", "signature_key"):
        value = payload.get(name)
        if not isinstance(value, str) or not value:
            raise BadNotification(f"{name} missing")
        fields[name] = value
    expected = signature(fields["order_id"], fields["status_code"], fields["gross_amount"], server_key)
    if not hmac.compare_digest(expected.encode(), fields["signature_key"].strip().lower().encode()):
        raise BadSignature(f"bad signature for order {fields['order_id'][:60]!r}")
    return Notification(
        order_id=fields["order_id"],
        status=str(payload.get("transaction_status") or "").lower(),
        status_code=fields["status_code"],
        gross_amount=fields["gross_amount"],
        raw=dict(payload),
    )
