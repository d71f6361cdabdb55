"""One small interface for payment gateways (money in), and the gateway-neutral models it speaks.

Like the billers behind `bot/billers/base.py`: each gateway module (Midtrans Core API QRIS, and
the built-in sandbox that speaks Midtrans's protocol to the same client) hides its protocol
behind `Gateway` and answers with these types. Amounts are integer rupiah; a gateway's
"152500.00" is parsed exactly at the edge (`bot/billers/money.py`), never through a float.

The money-in core (`bot/moneyin`) trusts only a status answer it asked for itself: a
notification is a signed hint to ask, never a credit by itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field


class GatewayOutcome(StrEnum):
    """What a gateway's answer means for the money, whatever its own words."""

    PENDING = "PENDING"  # created, waiting for the customer (or a fraud review)
    PAID = "PAID"  # the money was received (Midtrans settlement/capture, fraud accepted)
    EXPIRED = "EXPIRED"  # not paid in time
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"  # denied or failed
    REFUNDED = "REFUNDED"  # the money went back to the payer (refund, chargeback)
    NOT_FOUND = "NOT_FOUND"  # the gateway has no such order (the charge never reached it)
    UNKNOWN = "UNKNOWN"  # timeout, 5xx, unreadable answer: nothing can be concluded


class Charge(BaseModel):
    """A QRIS charge the gateway accepted: what the customer scans, until when."""

    order_id: str
    gateway_ref: str = ""  # Midtrans transaction_id
    gross_amount: int  # what the customer pays, integer rupiah
    currency: str = "IDR"
    qr_string: str = ""  # the QRIS payload to render (never edited: its CRC covers it)
    qr_url: str = ""  # the gateway's QR image, a fallback when there is no qr_string
    expires_at: datetime | None = None  # aware UTC
    raw: dict[str, Any] = Field(default_factory=dict)


class GatewayStatus(BaseModel):
    """A gateway's answer about one order (a status call, or a cancel's answer)."""

    order_id: str
    outcome: GatewayOutcome
    status: str = ""  # the gateway's own status word, lower case (settlement, expire, ...)
    status_code: str = ""
    gross_amount: int | None = None  # None when absent or not a whole number of rupiah
    currency: str = ""
    refund_amount: int | None = None  # for a partial refund, when told
    gateway_ref: str = ""
    message: str = ""
    raw: dict[str, Any] = Field(default_factory=dict)


class Notification(BaseModel):
    """A notification whose signature was verified. Its content is a hint, not a verdict."""

    order_id: str
    status: str = ""
    status_code: str = ""
    gross_amount: str = ""  # as received
    raw: dict[str, Any] = Field(default_factory=dict)


class GatewayError(Exception):
    """Base of the gateways' errors. The message never holds a key."""


class ChargeRefused(GatewayError):
    """The gateway said no to the charge (4xx: bad request, payment type off, ...): no QR exists."""

    def __init__(self, message: str, *, code: str = "", raw: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.raw = raw or {}


class ChargeUnclear(GatewayError):
    """Timeout, 5xx, unreadable answer: the charge may exist. Settled by the status call."""

    def __init__(self, message: str, *, raw: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.raw = raw or {}


class BadNotification(GatewayError):
    """Not a notification we can read (not JSON, fields missing)."""


class BadSignature(GatewayError):
    """The notification's signature does not match: not from the gateway."""


@runtime_checkable
class Gateway(Protocol):
    """What the money-in core needs from a gateway.

    Rules every implementation keeps:
    - `charge` sends one request per call, with an idempotency key derived from the order id,
      so a retry of the same order never makes a second QR; ChargeRefused only when the
      gateway definitely made nothing, ChargeUnclear whenever it might have.
    - `status` and `cancel` never raise for the network or the gateway's trouble: they answer
      GatewayOutcome.UNKNOWN.
    - `verify` checks the signature in constant time and raises BadSignature / BadNotification.
    """

    name: str

    async def charge(self, order_id: str, gross_amount: int, expiry_minutes: int) -> Charge: ...

    async def status(self, order_id: str) -> GatewayStatus: ...

    async def cancel(self, order_id: str) -> GatewayStatus: ...

    def verify(self, payload: dict[str, Any]) -> Notification: ...

    async def aclose(self) -> None: ...
