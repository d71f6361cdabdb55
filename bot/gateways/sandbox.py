"""The built-in gateway sandbox: a small simulator of Midtrans Core API QRIS.

It speaks Midtrans's protocol (same paths, HTTP Basic with its server key, the same JSON, the
same SHA-512 notification signature) so the real `MidtransClient` is what runs in tests and in
the demo: in-process through `httpx.MockTransport` (`transport()`), or over HTTP with
`python -m bot gateway-sandbox --port N`, like the sandbox biller.

This module is the protocol: requests in, Midtrans's answers out, the `/_sandbox/...` controls
over HTTP and the server on a port. The orders and what can happen to them (pay late, expire,
refund, deny, notifications once, twice, none or out of order, another amount reported) are
bot/gateways/sandbox_orders.py's.

Its server key is public: it belongs to a local simulator, never to real money. Sandbox QRs
are never payable by a real wallet (the merchant data is made up).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import secrets
from typing import Any

import httpx

from bot.gateways.midtrans import valid_order_id, wib_text
from bot.gateways.sandbox_orders import (
    MERCHANT_ID,
    QRIS_MAX,
    SANDBOX_GATEWAY_URL,
    SANDBOX_SERVER_KEY,
    Order,
    SandboxOrders,
    SandboxRefused,
    amount_text,
)

log = logging.getLogger(__name__)

__all__ = ["SANDBOX_GATEWAY_URL", "SANDBOX_SERVER_KEY", "GatewaySandboxServer", "MidtransSandbox", "serve"]


class MidtransSandbox(SandboxOrders):
    """Midtrans Core API QRIS in memory, answering HTTP requests as Midtrans does."""

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
        urls = [u.strip() for u in headers.get("x-override-notification", "").split(",") if u.strip()][:3]
        order = self.open_order(order_id, amount, duration, urls)
        answer = {
            "status_code": "201",
            "status_message": "QRIS transaction is created",
            "transaction_id": order.transaction_id,
            "order_id": order_id,
            "merchant_id": MERCHANT_ID,
            "gross_amount": amount_text(amount),
            "currency": "IDR",
            "payment_type": "qris",
            "transaction_time": wib_text(order.transaction_time),
            "transaction_status": "pending",
            "fraud_status": "accept",
            "acquirer": "gopay",
            "actions": [
                {"name": "generate-qr-code", "method": "GET",
                 "url": f"{self.base_url}/v2/qris/{order.transaction_id}/qr-code"},
            ],
            "qr_string": order.qr_string,
            "expiry_time": wib_text(order.expires_at),
        }  # fmt: skip
        if key:
            self._idempotent[key] = (200, answer)
        return 200, answer

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
        self._site: Any = None  # bot.web.site.LocalSite, once started (aiohttp is imported then)
        self._ticker: asyncio.Task[None] | None = None

    async def start(self) -> int:
        from aiohttp import web

        from bot.web.site import LocalSite

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
        self._site = LocalSite(app, self.host, self.port)
        self.port = await self._site.start()
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
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._site is not None:
            await self._site.stop()
            self._site = None


def serve(host: str = "127.0.0.1", port: int = 8091, notify_url: str = "") -> int:
    """Serve the gateway sandbox until SIGINT/SIGTERM. Returns the process exit code."""
    from bot.web.site import serve_until_signalled

    return serve_until_signalled(
        lambda: GatewaySandboxServer(MidtransSandbox(notify_url=notify_url), host, port),
        "Gateway sandbox (Midtrans Core API QRIS) on {url}",
    )
