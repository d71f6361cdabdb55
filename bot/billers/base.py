"""One small interface for every biller, and the provider-neutral models it speaks.

Like ActiveMerchant's gateways, each provider module (IAK, Ayoconnect, the sandbox) hides
its own protocol behind `Biller` and answers with the same types: a `Bill` from an inquiry,
a `PaymentResult` from a payment or a status check. Amounts are integer rupiah everywhere;
providers that send numbers as strings or doubles are normalised at the edge.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field


class Outcome(StrEnum):
    """What a payment or status answer means for our money."""

    SUCCESS = "SUCCESS"
    PENDING = "PENDING"  # unclear: settle it with the status call, never by paying again
    FAILED = "FAILED"


class Reason(StrEnum):
    """Why an answer is what it is, in classes the chat can explain to a person."""

    OK = "ok"
    IN_PROCESS = "in_process"  # the biller is working on it
    UNKNOWN = "unknown"  # timeout, dropped connection, unreadable answer, unknown code
    NO_PAYMENT_RECORD = "no_payment_record"  # status: the provider never received the payment
    ALREADY_PAID = "already_paid"
    WRONG_NUMBER = "wrong_number"
    BILL_NOT_AVAILABLE = "bill_not_available"
    INQUIRY_EXPIRED = "inquiry_expired"
    BILLER_DOWN = "biller_down"  # biller error, maintenance, cut-off, product out of service
    TIMEOUT = "timeout"  # the biller said it timed out (a definite answer, unlike UNKNOWN)
    INSUFFICIENT_DEPOSIT = "insufficient_deposit"  # the operator's deposit at the biller
    BLOCKED = "blocked"  # customer number or account blocked
    PAY_AT_COUNTER = "pay_at_counter"
    LIMIT_EXCEEDED = "limit_exceeded"
    PAYMENT_FAILED = "payment_failed"
    CONFIG_ERROR = "config_error"  # signature, IP whitelist, command, product code: ours to fix
    BAD_RESPONSE = "bad_response"  # the answer could not be understood (inquiry side)
    BUSY = "busy"  # every slot to the biller was taken (BILLER_MAX_CONCURRENCY): nothing was asked


MAX_MONTHS = 12  # months one BPJS inquiry may cover (the providers pay up to a year ahead)


class NumberRule(BaseModel):
    """How a customer number for a product must look. Checked before any call."""

    min_length: int = 6
    max_length: int = 20
    prefixes: tuple[str, ...] = ()
    hint: str = ""  # e.g. "nomor telepon dengan kode area, mis. 0218xxxxxxx"
    hint_key: str = ""  # the chat's words for the hint, in each language: texts key "hint_<key>"

    def check(self, number: str) -> str:
        """Return the cleaned number or raise InvalidCustomerNumber naming the broken rule."""
        cleaned = re.sub(r"[\s\-.]", "", number or "")
        if not cleaned:
            raise InvalidCustomerNumber("empty", self)
        if not cleaned.isdigit() or not cleaned.isascii():
            raise InvalidCustomerNumber("digits", self)
        if len(cleaned) < self.min_length:
            raise InvalidCustomerNumber("too_short", self)
        if len(cleaned) > self.max_length:
            raise InvalidCustomerNumber("too_long", self)
        if self.prefixes and not cleaned.startswith(self.prefixes):
            raise InvalidCustomerNumber("prefix", self)
        return cleaned


class Product(BaseModel):
    """A product in the catalogue, in our words and the provider's code."""

    code: str  # what users type and what we store, e.g. TELKOMPSTN
    name: str  # e.g. "Telkom Telepon / IndiHome"
    category: str  # one of CATEGORIES
    provider_code: str = ""  # the code the provider wants, when it differs from `code`
    number_rule: NumberRule = Field(default_factory=NumberRule)
    needs_month: bool = False  # BPJS: months to pay (1 to MAX_MONTHS), sent at inquiry
    listed: bool = True  # in the guided menus; a provider's own code a reseller may type is not
    admin_fee: int | None = None  # the provider's admin fee, from its price list (IAK `fee`)
    commission: int | None = None  # what the provider pays the operator per bill (IAK `komisi`)

    @property
    def biller_code(self) -> str:
        return self.provider_code or self.code


class BillLine(BaseModel):
    """One month (or one period) of a bill."""

    period: str
    amount: int  # the bill itself for that period
    admin: int = 0
    penalty: int = 0

    @property
    def total(self) -> int:
        return self.amount + self.admin + self.penalty


class Bill(BaseModel):
    """What an inquiry found: who owes what, and the provider ids needed to pay it."""

    provider: str  # "iak", "ayoconnect", "sandbox"
    ref_id: str  # our reference, sent at inquiry (IAK ref_id / Ayoconnect refNumber later)
    product_code: str
    customer_number: str
    customer_name: str
    periods: list[str] = Field(default_factory=list)
    lines: list[BillLine] = Field(default_factory=list)
    nominal: int  # total of the bills without fees or the penalties itemised in `lines`
    admin: int  # total admin fees
    total: int  # what must be paid to the biller for this bill (nominal + admin + penalties)
    cost: int | None = None  # what the biller takes from our deposit (IAK selling_price), if told
    provider_ref: str  # IAK tr_id / Ayoconnect inquiryId: needed to pay
    details: dict[str, str] = Field(default_factory=dict)  # extra display pairs
    inquired_at: datetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict)


class PaymentResult(BaseModel):
    """A normalised answer to a payment or a status check."""

    outcome: Outcome
    reason: Reason
    provider: str
    ref_id: str
    provider_code: str = ""  # the provider's own response code, as text ("00", "39", "299")
    message: str = ""  # the provider's own message
    biller_ref: str = ""  # the biller's reference / token for the receipt (IAK noref, Ayo token)
    provider_txn_id: str = ""  # IAK tr_id / Ayoconnect transactionId
    amount: int | None = None  # what the provider says was paid, when it says
    deposit_balance: int | None = None  # the operator's deposit after this, when told
    paid_at: str = ""  # the provider's timestamp, as given
    raw: dict[str, Any] = Field(default_factory=dict)


class BillerError(Exception):
    """Base of every typed biller error. `raw` keeps the provider's answer for audit."""

    reason: Reason = Reason.UNKNOWN

    def __init__(
        self,
        message: str = "",
        *,
        reason: Reason | None = None,
        provider_code: str = "",
        raw: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.__class__.__name__)
        if reason is not None:
            self.reason = reason
        self.message = message
        self.provider_code = provider_code
        self.raw = raw or {}


class InquiryError(BillerError):
    """The inquiry found no payable bill (already paid, wrong number, biller down, …)."""


class UnknownProduct(BillerError):
    reason = Reason.CONFIG_ERROR

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown product {code!r}")
        self.code = code


class PrepaidProduct(UnknownProduct):
    """A provider's code of a prepaid product (airtime, data, vouchers, tokens): Loket only pays
    postpaid bills, so it is refused by name instead of being unknown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.message = f"prepaid product {code!r}"


class NoProviderCode(InquiryError):
    """The provider's product list names no code for this product: nothing is sent with a guess."""

    reason = Reason.CONFIG_ERROR

    def __init__(self, code: str) -> None:
        super().__init__(f"no provider code for {code!r}")
        self.code = code


class InvalidCustomerNumber(BillerError):
    """The customer number breaks the product's rule; nothing was sent."""

    reason = Reason.WRONG_NUMBER

    def __init__(self, rule: str, number_rule: NumberRule) -> None:
        super().__init__(f"customer number breaks rule {rule!r}")
        self.rule = rule  # empty | digits | too_short | too_long | prefix
        self.number_rule = number_rule


# The categories the chat offers, in this order; bot/telegram/texts.py names each in each language.
CATEGORIES: tuple[str, ...] = ("telkom", "tv", "hp", "pln", "bpjs", "pdam", "gas", "internet")


@runtime_checkable
class Biller(Protocol):
    """What the payment core needs from a provider.

    Rules every implementation keeps:
    - `inquire` raises InquiryError (with a Reason) when there is no payable bill; it may be
      retried freely, no money moves.
    - `pay` never raises once the request may have left the process: a timeout, dropped
      connection, HTTP 5xx, unreadable body or unknown code is Outcome.PENDING.
    - `check_status` is looked up by our `ref_id`; an answer that says the provider has no
      payment is Outcome.PENDING with Reason.NO_PAYMENT_RECORD, and the core decides.
    """

    name: str

    def products(self) -> list[Product]: ...

    def product(self, code: str) -> Product:
        """The product for a code (case-insensitive), or UnknownProduct."""
        ...

    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        """The bill; `months` is how many months to pay ahead, for products that need it (BPJS)."""
        ...

    async def pay(self, bill: Bill) -> PaymentResult: ...

    async def check_status(self, bill: Bill) -> PaymentResult: ...

    async def deposit(self) -> int | None:
        """The operator's deposit at the provider, or None where there is no such call."""
        ...

    async def aclose(self) -> None: ...


class BillerWrapper:
    """A biller around another one, answering as it does unless a subclass says otherwise: the
    cap on calls in flight (limit.py), the operator's watch (bot/ops/alerts.py), benchmarks'
    counters. What the subclass does not define reaches the inner biller."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def products(self) -> list[Product]:
        return list(self.inner.products())

    def product(self, code: str) -> Product:
        product: Product = self.inner.product(code)
        return product
