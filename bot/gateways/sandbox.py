"""The built-in gateway sandbox: a small simulator of Midtrans Core API QRIS.

It speaks Midtrans's protocol (same paths, HTTP Basic with its server key, the same JSON, the
same SHA-512 notification signature) so the real `MidtransClient` is what runs in tests and in
the demo: in-process through `httpx.MockTransport` (`transport()`), or over HTTP with
`python -m bot gateway-sandbox --port N`, like the sandbox biller.

What it can do beyond a happy path (the controls, in-process methods and `/_sandbox/...` over
HTTP; sandbox only, never in a production code path):
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

Its server key is public: it belongs to a local simulator, never to real money. Sandbox QRs
are never payable by a real wallet (the merchant data is made up).
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import secrets
import signal
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.gateways.midtrans import signature, valid_order_id, wib_text

log = logging.getLogger(__name__)

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


def _money(amount: int) -> str:
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


class MidtransSandbox:
    """Midtrans Core API QRIS in memory. `clock` returns an aware UTC datetime (tests)."""

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

    # -- the Midtrans API --------------------------------------------------------------------
    def _authorized(self, authorization: str) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.server_key}:".encode()).decode()
        return secrets.compare_digest(authorization.encode(), expected.encode())

    async def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | bytes]:
        """One HTTP request, by path: the Midtrans API, the QR image, the /_sandbox controls."""
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["_sandbox"]:
            return await self._control(method, parts[1:], body)
        if method == "GET" and len(parts) == 4 and parts[:2] == ["v2", "qris"] and parts[3] == "qr-code":
            return self._qr_image(parts[2])
        if not self._authorized(headers.get("authorization", "")):
            return 401, {"status_code": "401", "status_message": "Unknown Merchant server_key/id"}
        if method == "POST" and parts == ["v2", "charge"]:
            return self._charge(headers, body)
        if len(parts) == 3 and parts[0] == "v2":
            order = self._order(parts[1])
            if order is None:
                return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            if method == "GET" and parts[2] == "status":
                self.status_requests[order.order_id] += 1
                return 200, self.status_of(order)
            if method == "POST" and parts[2] in {"cancel", "expire"}:
                return await self._close(order, "cancel" if parts[2] == "cancel" else "expire")
        return 404, {"status_code": "404", "status_message": "Not found"}

    def _charge(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        key = headers.get("idempotency-key", "")
        if key and key in self._idempotent:
            return self._idempotent[key]
        try:
            request = json.loads(body or b"{}")
            details = request["transaction_details"]
            order_id = str(details["order_id"])
            amount = details["gross_amount"]
        except (ValueError, KeyError, TypeError):
            return 400, {"status_code": "400", "status_message": "transaction_details are required"}
        if request.get("payment_type") != "qris":
            return 402, {"status_code": "402", "status_message": "Payment channel is not activated."}
        if not valid_order_id(order_id):
            return 400, {"status_code": "400", "status_message": "order_id: letters, digits, - _ ~ . only"}
        if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= QRIS_MAX:
            return 400, {"status_code": "400", "status_message": "gross_amount is not valid for QRIS"}
        self.charge_requests[order_id] += 1
        if order_id in self.orders:
            return 200, {
                "status_code": "406",
                "status_message": "The request could not be completed "
                "due to a conflict with the current state of the target resource: duplicate order ID.",
            }
        expiry = request.get("custom_expiry") or {}
        unit = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}.get(
            str(expiry.get("unit", "minute")), 60
        )
        duration = int(expiry.get("expiry_duration") or 15) * unit
        now = self._now()
        transaction_id = str(uuid.uuid4())
        urls = [u.strip() for u in headers.get("x-override-notification", "").split(",") if u.strip()][:3]
        if not urls and self.notify_url:
            urls = [self.notify_url]
        order = Order(
            order_id=order_id,
            transaction_id=transaction_id,
            gross_amount=amount,
            transaction_time=now,
            expires_at=now + timedelta(seconds=duration),
            qr_string=qris_payload(transaction_id, amount),
            notify_urls=urls,
        )
        self.orders[order_id] = order
        self._by_transaction[transaction_id] = order_id
        order.history.append(self._snapshot(order))
        answer = {
            "status_code": "201",
            "status_message": "QRIS transaction is created",
            "transaction_id": transaction_id,
            "order_id": order_id,
            "merchant_id": MERCHANT_ID,
            "gross_amount": _money(amount),
            "currency": "IDR",
            "payment_type": "qris",
            "transaction_time": wib_text(now),
            "transaction_status": "pending",
            "fraud_status": "accept",
            "acquirer": "gopay",
            "actions": [
                {"name": "generate-qr-code", "method": "GET",
                 "url": f"{self.base_url}/v2/qris/{transaction_id}/qr-code"},
            ],
            "qr_string": order.qr_string,
            "expiry_time": wib_text(order.expires_at),
        }  # fmt: skip
        if key:
            self._idempotent[key] = (200, answer)
        return 200, answer

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
        gross = self.reported_amount.get(order.order_id, _money(order.gross_amount))
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
            data["refund_amount"] = _money(order.refund_amount)
        return data

    def status_of(self, order: Order) -> dict[str, Any]:
        return self._snapshot(order)

    async def _close(self, order: Order, status: str) -> tuple[int, dict[str, Any]]:
        if order.status != "pending":
            return 200, {
                "status_code": "412",
                "status_message": "Merchant cannot modify the status of the transaction",
                "order_id": order.order_id,
                "transaction_status": order.status,
            }
        event = self._move(order, status)
        await self._deliver(order, event, 1)
        answer = dict(event)
        answer["status_code"] = "407" if status == "expire" else "200"
        return 200, answer

    def _qr_image(self, transaction_id: str) -> tuple[int, dict[str, Any] | bytes]:
        order_id = self._by_transaction.get(transaction_id)
        if order_id is None:
            return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
        import segno

        buffer = io.BytesIO()
        segno.make(self.orders[order_id].qr_string, error="m", micro=False).save(
            buffer, kind="png", scale=6, border=4
        )
        return 200, buffer.getvalue()

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

    async def _control(self, method: str, parts: list[str], body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            args = json.loads(body) if body.strip() else {}
        except ValueError:
            return 400, {"error": "the body is JSON"}
        if not isinstance(args, dict):
            return 400, {"error": "the body is a JSON object"}
        try:
            if parts == ["health"]:
                return 200, {"ok": True}
            if parts == ["charges"]:
                return 200, dict(self.charge_requests)
            if parts == ["orders"] and method == "GET":
                return 200, {"orders": [self.describe(o) for o in self.orders.values()]}
            if parts == ["pay-qr"] and method == "POST":
                event = await self.pay_qr(
                    str(args.get("qr_string", "")),
                    late=bool(args.get("late")),
                    notify=args.get("notify", "once"),
                )
                return 200, event
            if len(parts) == 2 and parts[0] == "orders" and method == "GET":
                return 200, self.describe(self.find(parts[1]))
            if len(parts) == 3 and parts[0] == "orders" and method == "POST":
                order_id, action = parts[1], parts[2]
                notify = str(args.get("notify", "once"))
                if action == "pay":
                    return 200, await self.pay(order_id, late=bool(args.get("late")), notify=notify)
                if action == "expire":
                    return 200, await self.expire(order_id, notify=notify)
                if action == "refund":
                    amount = args.get("amount")
                    return 200, await self.refund(order_id, int(amount) if amount else None, notify=notify)
                if action == "deny":
                    return 200, await self.deny(order_id, notify=notify)
                if action == "notify":
                    status = args.get("status")
                    return 200, await self.notify(
                        order_id, status=str(status) if status else None, times=int(args.get("times", 1))
                    )
                if action == "report-amount":
                    value = args.get("gross_amount")
                    self.report_amount(order_id, str(value) if value is not None else None)
                    return 200, self.describe(self.find(order_id))
        except KeyError:
            return 404, {"error": "no such order"}
        except SandboxRefused as refused:
            return 409, {"error": str(refused)}
        return 404, {"error": "no such control"}

    # -- transports --------------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        """The sandbox in-process, for `MidtransClient(transport=...)`."""

        async def handler(request: httpx.Request) -> httpx.Response:
            status, answer = await self.handle(
                request.method, request.url.path, dict(request.headers), await request.aread()
            )
            if isinstance(answer, bytes):
                return httpx.Response(status, content=answer, headers={"Content-Type": "image/png"})
            return httpx.Response(status, json=answer)

        return httpx.MockTransport(handler)


# -- serving on a port ----------------------------------------------------------------------------


class GatewaySandboxServer:
    """The gateway sandbox on a real port (aiohttp), for `python -m bot gateway-sandbox` and e2e tests.

    Every second it expires pending orders past their time and notifies them, as Midtrans does.
    """

    def __init__(self, sandbox: MidtransSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self._runner: Any = None
        self._ticker: asyncio.Task[None] | None = None

    async def start(self) -> int:
        from aiohttp import web

        async def any_request(request: web.Request) -> web.Response:
            status, answer = await self.sandbox.handle(
                request.method, request.path, {k.lower(): v for k, v in request.headers.items()},
                await request.read(),
            )  # fmt: skip
            if isinstance(answer, bytes):
                return web.Response(status=status, body=answer, content_type="image/png")
            return web.json_response(answer, status=status)

        app = web.Application(client_max_size=64 * 1024)
        app.router.add_route("*", "/{tail:.*}", any_request)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.port
        if self.sandbox.base_url == SANDBOX_GATEWAY_URL:
            self.sandbox.base_url = self.url
        self._ticker = asyncio.create_task(self._tick(), name="gateway-sandbox-expiry")
        return self.port

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await self.sandbox.tick()
            except Exception:
                log.exception("gateway sandbox: expiring orders failed")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass
            self._ticker = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def serve(host: str = "127.0.0.1", port: int = 8091, notify_url: str = "") -> int:
    """Serve the gateway sandbox until SIGINT/SIGTERM. Returns the process exit code."""

    async def main() -> None:
        server = GatewaySandboxServer(MidtransSandbox(notify_url=notify_url), host, port)
        await server.start()
        print(f"Gateway sandbox (Midtrans Core API QRIS) on {server.url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await server.stop()

    asyncio.run(main())
    return 0
