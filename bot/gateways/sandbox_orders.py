"""The gateway sandbox's orders: what a simulated Midtrans QRIS order is and what can happen to it.

The controls (in-process methods here; `/_sandbox/...` over HTTP in bot/gateways/sandbox.py;
sandbox only, never in a production code path):
- pay an order (`pay`), also one that already expired or was cancelled (`late=True`: the
  issuer let it through after all) or again (`pay` of a settled order repeats its settlement
  notification: Midtrans keeps one settlement per order, two QRs for one bill are two orders);
- expire it (`expire`; an order past its expiry is expired on the next look anyway), refund or
  deny it after settlement (`refund`, `deny`: the reversals);
- send notifications once, twice, not at all, or out of order (`notify=` of `pay`/`expire`,
  and `notify()` re-sends any earlier event, e.g. the stale "pending" after the settlement),
  each signed with the sandbox's server key like Midtrans signs them;
- report another amount in its status answers (`report_amount`), as a tampered or broken
  gateway would, for the amount check.

Every event is kept as Midtrans's status call and notifications show it (`_snapshot`), signed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.gateways.midtrans import signature, wib_text

SANDBOX_SERVER_KEY = "SB-Mid-server-LoketSandbox-public"  # public: a local simulator's key
SANDBOX_GATEWAY_URL = "http://gateway-sandbox.loket.invalid"
MERCHANT_ID = "G000LOKET"
QRIS_MAX = 10_000_000  # Midtrans QRIS acquirer limit
NOTIFY_MODES = ("once", "twice", "none", "reversed")

Sender = Callable[[str, dict[str, Any]], Awaitable[int]]

# status word -> the status_code Midtrans puts beside it (QRIS samples; refund/deny from the docs)
_CODES = {
    "pending": "201",
    "settlement": "200",
    "expire": "202",
    "cancel": "200",
    "deny": "202",
    "refund": "200",
    "partial_refund": "200",
}


class SandboxRefused(Exception):
    """A control that makes no sense for the order now (paying an expired order without late)."""


def _crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE over the payload, as EMV QR codes (and QRIS) end with it (tag 63)."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def qris_payload(transaction_id: str, amount: int) -> str:
    """A dynamic QRIS-shaped EMV payload (tag 01 = 12, tag 54 = the amount, CRC in tag 63)."""
    merchant = _tlv("00", "ID.LOKET.SANDBOX") + _tlv("01", "936000000000000000") + _tlv("02", MERCHANT_ID)
    extra = _tlv("01", transaction_id.replace("-", "")[:25])
    body = (
        _tlv("00", "01")
        + _tlv("01", "12")
        + _tlv("26", merchant)
        + _tlv("52", "5999")
        + _tlv("53", "360")
        + _tlv("54", str(amount))
        + _tlv("58", "ID")
        + _tlv("59", "LOKET SANDBOX")
        + _tlv("60", "JAKARTA")
        + _tlv("62", extra)
        + "6304"
    )
    return body + _crc16(body)


def amount_text(amount: int) -> str:
    """Whole rupiah as Midtrans writes amounts ("15000.00")."""
    return f"{amount}.00"


@dataclass
class Order:
    order_id: str
    transaction_id: str
    gross_amount: int
    transaction_time: datetime
    expires_at: datetime
    qr_string: str
    notify_urls: list[str]
    status: str = "pending"
    settlement_time: datetime | None = None
    refund_amount: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # every event as notified
    deliveries: list[dict[str, Any]] = field(default_factory=list)


class SandboxOrders:
    """Midtrans QRIS orders in memory and the controls over them. `clock` returns an aware UTC
    datetime (tests)."""

    def __init__(
        self,
        *,
        server_key: str = SANDBOX_SERVER_KEY,
        base_url: str = SANDBOX_GATEWAY_URL,
        notify_url: str = "",
        clock: Callable[[], datetime] | None = None,
        sender: Sender | None = None,
    ) -> None:
        self.server_key = server_key
        self.base_url = base_url.rstrip("/")
        self.notify_url = notify_url  # used when a charge names none (the "dashboard" URL)
        self._now = clock or (lambda: datetime.now(UTC))
        self.sender = sender
        self.orders: dict[str, Order] = {}
        self.charge_requests: Counter[str] = Counter()  # per order_id, every POST /v2/charge
        self.status_requests: Counter[str] = Counter()
        self.reported_amount: dict[str, str] = {}  # order_id -> gross_amount to report instead
        self._idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self._by_transaction: dict[str, str] = {}

    def open_order(self, order_id: str, amount: int, seconds: int, notify_urls: list[str]) -> Order:
        """A new pending order of `amount`, payable for `seconds`, notified to `notify_urls` (or
        the "dashboard" URL when it names none)."""
        now = self._now()
        transaction_id = str(uuid.uuid4())
        if not notify_urls and self.notify_url:
            notify_urls = [self.notify_url]
        order = Order(
            order_id=order_id,
            transaction_id=transaction_id,
            gross_amount=amount,
            transaction_time=now,
            expires_at=now + timedelta(seconds=seconds),
            qr_string=qris_payload(transaction_id, amount),
            notify_urls=notify_urls,
        )
        self.orders[order_id] = order
        self._by_transaction[transaction_id] = order_id
        order.history.append(self._snapshot(order))
        return order

    def _order(self, order_or_transaction_id: str) -> Order | None:
        order_id = self._by_transaction.get(order_or_transaction_id, order_or_transaction_id)
        order = self.orders.get(order_id)
        if order is not None and order.status == "pending" and self._now() >= order.expires_at:
            self._move(order, "expire")
        return order

    def _move(self, order: Order, status: str) -> dict[str, Any]:
        order.status = status
        if status == "settlement":
            order.settlement_time = self._now()
        event = self._snapshot(order)
        order.history.append(event)
        return event

    def _snapshot(self, order: Order) -> dict[str, Any]:
        """The order as Midtrans's status call and notifications show it, signed."""
        code = _CODES.get(order.status, "200")
        gross = self.reported_amount.get(order.order_id, amount_text(order.gross_amount))
        data: dict[str, Any] = {
            "transaction_type": "on-us",
            "transaction_time": wib_text(order.transaction_time),
            "transaction_status": order.status,
            "transaction_id": order.transaction_id,
            "status_message": "Success, transaction is found",
            "status_code": code,
            "signature_key": signature(order.order_id, code, gross, self.server_key),
            "payment_type": "qris",
            "order_id": order.order_id,
            "merchant_id": MERCHANT_ID,
            "issuer": "gopay",
            "acquirer": "gopay",
            "gross_amount": gross,
            "fraud_status": "accept",
            "currency": "IDR",
            "expiry_time": wib_text(order.expires_at),
        }
        if order.settlement_time is not None:
            data["settlement_time"] = wib_text(order.settlement_time)
        if order.refund_amount is not None:
            data["refund_amount"] = amount_text(order.refund_amount)
        return data

    def status_of(self, order: Order) -> dict[str, Any]:
        return self._snapshot(order)

    # -- controls ----------------------------------------------------------------------------
    def find(self, order_id: str) -> Order:
        order = self._order(order_id)
        if order is None:
            raise KeyError(order_id)
        return order

    def by_qr(self, qr_string: str) -> Order:
        for order in self.orders.values():
            if order.qr_string == qr_string:
                return order
        raise KeyError("no order has this QR")

    async def pay(self, order_id: str, *, late: bool = False, notify: str = "once") -> dict[str, Any]:
        """The customer pays the order's QR. `late`: also when it expired or was cancelled."""
        order = self.find(order_id)
        if order.status == "settlement":
            await self._deliver(order, order.history[-1] if order.history else self._snapshot(order), 1)
            return self._snapshot(order)
        if order.status != "pending" and not late:
            raise SandboxRefused(f"order {order_id} is {order.status}")
        if order.status not in {"pending", "expire", "cancel"}:
            raise SandboxRefused(f"order {order_id} is {order.status}")
        pending = next((e for e in order.history if e["transaction_status"] == "pending"), None)
        event = self._move(order, "settlement")
        await self._notify_mode(order, event, notify, stale=pending)
        return event

    async def pay_qr(self, qr_string: str, *, late: bool = False, notify: str = "once") -> dict[str, Any]:
        return await self.pay(self.by_qr(qr_string).order_id, late=late, notify=notify)

    async def expire(self, order_id: str, *, notify: str = "once") -> dict[str, Any]:
        order = self.find(order_id)
        if order.status != "pending" and not (order.status == "expire" and order.history):
            raise SandboxRefused(f"order {order_id} is {order.status}")
        event = self._move(order, "expire") if order.status == "pending" else order.history[-1]
        await self._notify_mode(order, event, notify, stale=None)
        return event

    async def refund(
        self, order_id: str, amount: int | None = None, *, notify: str = "once"
    ) -> dict[str, Any]:
        """A settled order refunded to the payer, in full or `amount` of it (a reversal)."""
        order = self.find(order_id)
        if order.status not in {"settlement", "partial_refund"}:
            raise SandboxRefused(f"order {order_id} is {order.status}")
        partial = amount is not None and amount < order.gross_amount
        order.refund_amount = amount if partial else order.gross_amount
        event = self._move(order, "partial_refund" if partial else "refund")
        await self._notify_mode(order, event, notify, stale=None)
        return event

    async def deny(self, order_id: str, *, notify: str = "once") -> dict[str, Any]:
        """Settlement, then deny (the reversal Midtrans documents for some channels)."""
        order = self.find(order_id)
        if order.status not in {"settlement", "pending"}:
            raise SandboxRefused(f"order {order_id} is {order.status}")
        event = self._move(order, "deny")
        await self._notify_mode(order, event, notify, stale=None)
        return event

    async def notify(self, order_id: str, *, status: str | None = None, times: int = 1) -> dict[str, Any]:
        """(Re-)send a notification: the order's latest event, or its earlier `status` one."""
        order = self.find(order_id)
        if status is None:
            event = order.history[-1]
        else:
            found = [e for e in order.history if e["transaction_status"] == status]
            if not found:
                raise SandboxRefused(f"order {order_id} never was {status}")
            event = found[-1]
        await self._deliver(order, event, times)
        return event

    def report_amount(self, order_id: str, gross_amount: str | None) -> None:
        """Status answers and notifications name `gross_amount` (signed with it) from now on."""
        if gross_amount is None:
            self.reported_amount.pop(order_id, None)
        else:
            self.reported_amount[order_id] = gross_amount
        order = self.find(order_id)
        order.history.append(self._snapshot(order))

    async def tick(self) -> int:
        """Expire every pending order past its time and notify it. Returns how many."""
        now = self._now()
        due = [o for o in self.orders.values() if o.status == "pending" and now >= o.expires_at]
        for order in due:
            await self._deliver(order, self._move(order, "expire"), 1)
        return len(due)

    async def _notify_mode(
        self, order: Order, event: dict[str, Any], mode: str, stale: dict[str, Any] | None
    ) -> None:
        if mode not in NOTIFY_MODES:
            raise SandboxRefused(f"notify is one of {', '.join(NOTIFY_MODES)}")
        if mode == "none":
            return
        await self._deliver(order, event, 2 if mode == "twice" else 1)
        if mode == "reversed" and stale is not None:  # the older event arrives after the newer one
            await self._deliver(order, stale, 1)

    async def _deliver(self, order: Order, event: dict[str, Any], times: int) -> None:
        payload = {**event, "status_message": "midtrans payment notification"}
        for _ in range(times):
            for url in order.notify_urls:
                record: dict[str, Any] = {"url": url, "status": event["transaction_status"]}
                try:
                    record["http_status"] = await self._send(url, payload)
                except Exception as error:  # a down receiver: Midtrans would retry later
                    record["error"] = type(error).__name__
                order.deliveries.append(record)

    async def _send(self, url: str, payload: dict[str, Any]) -> int:
        if self.sender is not None:
            return await self.sender(url, payload)
        async with httpx.AsyncClient(timeout=15, trust_env=False) as client:
            response = await client.post(url, json=payload, headers={"User-Agent": "Veritrans"})
            return response.status_code

    def describe(self, order: Order) -> dict[str, Any]:
        return {
            "order_id": order.order_id,
            "transaction_id": order.transaction_id,
            "status": order.status,
            "gross_amount": order.gross_amount,
            "qr_string": order.qr_string,
            "expires_at": order.expires_at.isoformat(),
            "notify_urls": order.notify_urls,
            "deliveries": order.deliveries,
        }
