"""The built-in sandbox biller: IakSimulator, a small simulator of IAK's postpaid API.

It speaks the IAK protocol (same JSON, same signatures, same response codes) so that the
real IAK client is what runs in tests and in the demo: in-process through an httpx transport
(`make_biller` wires it to a `SandboxClient`), or over HTTP with `python -m bot sandbox --port N`
(sandbox_server.py).
What each test number does is in sandbox_numbers.py, the bills it answers in sandbox_bills.py.
Pending payments answer 39 to the first `pending_checks` checkstatus calls and then settle to
SUCCESS.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

from bot.billers.base import InvalidCustomerNumber, Product
from bot.billers.catalog import PDAM_RULE, iak_catalog
from bot.billers.iak import PATH, IAKClient, sign
from bot.billers.iak_codes import STATUS_REQUEST_REFUSED
from bot.billers.sandbox_bills import ADMIN_PER_BILL, bill_data
from bot.billers.sandbox_numbers import EXTRA_FIELD, REFERENCE_ONLY, Scenario, scenario_for
from bot.config import Settings
from bot.jakarta import JAKARTA

SANDBOX_USERNAME = "081234567890"
SANDBOX_API_KEY = "sandbox-loket-key"  # public: the key of a local simulator, not a secret
SANDBOX_BASE_URL = "http://sandbox.loket.invalid"
START_BALANCE = 1_000_000_000
FIRST_TR_ID = 9_732_400
PENDING_RCS = frozenset({"39", "05", "201"})

Payload = dict[str, Any]  # a request's or an answer's JSON object


@dataclass
class Inquiry:
    """One inquiry the simulator answered, and what became of its payment."""

    tr_id: int
    ref_id: str
    scenario: Scenario
    data: dict[str, Any]
    state: str = "inquired"  # inquired | pending | paid | failed
    pay_rc: str = ""
    checks: int = 0
    noref: str = ""
    paid_at: str = ""


@dataclass
class SimulatorState:
    """Everything the simulator remembers, kept in memory for the life of the process."""

    balance: int = START_BALANCE
    next_tr_id: int = FIRST_TR_ID
    inquiries: dict[int, Inquiry] = field(default_factory=dict)
    by_ref: dict[str, int] = field(default_factory=dict)
    pay_requests_by_ref: Counter[str] = field(default_factory=Counter)
    pay_requests_by_tr_id: Counter[str] = field(default_factory=Counter)
    status_requests: Counter[str] = field(default_factory=Counter)


# PDAM regions the simulator's price list offers besides Loket's three (IAK lists hundreds, by
# province); one is switched off (status 4), as IAK's list always has some.
PDAM_REGIONS: tuple[tuple[str, str], ...] = (
    ("PDAMKAB.BANDUNG", "PDAM Tirta Raharja Kab. Bandung"),
    ("PDAMKOTA.BANDUNG", "PDAM Tirtawening Kota Bandung"),
    ("PDAMKAB.BEKASI", "PDAM Tirta Bhagasasi Kab. Bekasi"),
    ("PDAMKOTA.BEKASI", "PDAM Tirta Patriot Kota Bekasi"),
    ("PDAMKAB.BOGOR", "PDAM Tirta Kahuripan Kab. Bogor"),
    ("PDAMKOTA.BOGOR", "PDAM Tirta Pakuan Kota Bogor"),
    ("PDAMKOTA.DEPOK", "PDAM Tirta Asasta Kota Depok"),
    ("PDAMKOTA.MALANG", "PDAM Tugu Tirta Kota Malang"),
    ("PDAMKAB.MALANG", "PDAM Tirta Kanjuruhan Kab. Malang"),
    ("PDAMKOTA.SEMARANG", "PDAM Tirta Moedal Kota Semarang"),
    ("PDAMKOTA.SOLO", "PDAM Toya Wening Kota Surakarta"),
    ("PDAMKOTA.YOGYAKARTA", "PDAM Tirtamarta Kota Yogyakarta"),
    ("PDAMKAB.SLEMAN", "PDAM Tirta Sembada Kab. Sleman"),
    ("PDAMKOTA.DENPASAR", "PDAM Kota Denpasar"),
    ("PDAMKOTA.MAKASSAR", "PDAM Kota Makassar"),
    ("PDAMKOTA.PALEMBANG", "PDAM Tirta Musi Palembang"),
    ("PDAMKOTA.PADANG", "PDAM Kota Padang"),
    ("PDAMKOTA.PONTIANAK", "PDAM Tirta Khatulistiwa Pontianak"),
    ("PALYJA", "PAM Jaya (Palyja) Jakarta"),
)
INACTIVE = frozenset({"PDAMKAB.BOGOR"})
COMMISSION = {"pln": 1000, "pdam": 700, "bpjs": 500}  # komisi per bill, by kind of bill


class IakSimulator:
    """The simulator itself: a function from an IAK request to an IAK answer."""

    def __init__(
        self,
        *,
        username: str = SANDBOX_USERNAME,
        api_key: str = SANDBOX_API_KEY,
        latency: float = 0.0,
        pending_checks: int = 2,
        today: date | None = None,
    ) -> None:
        self.username = username
        self.api_key = api_key
        self.latency = latency
        self.pending_checks = pending_checks
        regions = (Product(code=c, name=n, category="pdam", number_rule=PDAM_RULE) for c, n in PDAM_REGIONS)
        self.products: dict[str, Product] = {p.code: p for p in (*iak_catalog(), *regions, *REFERENCE_ONLY)}
        self.state = SimulatorState()
        self.today = today  # the bills' "this month" (Asia/Jakarta's today when None)
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, today: date | None = None) -> IakSimulator:
        """SANDBOX_LATENCY and SANDBOX_PENDING_CHECKS; the operator's IAK username and key when
        both are set (to try a client signed with them), else the simulator's public ones."""
        key = settings.iak_api_key.get_secret_value()
        own = bool(settings.iak_username and key)
        return cls(
            username=settings.iak_username if own else SANDBOX_USERNAME,
            api_key=key if own else SANDBOX_API_KEY,
            latency=settings.sandbox_latency,
            pending_checks=settings.sandbox_pending_checks,
            today=today,
        )

    # -- HTTP-shaped entry points -------------------------------------------------------------
    async def handle_body(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """One request body in, (HTTP status, JSON answer) out, after the configured latency."""
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return 400, _answer({"response_code": "107", "message": "FORMAT ERROR"})
        async with self._lock:
            return self.handle(payload)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that answers in-process, for the real IAK client."""

        async def handler(request: httpx.Request) -> httpx.Response:
            if request.method != "POST" or not request.url.path.startswith(PATH):
                return httpx.Response(
                    404, json=_answer({"response_code": "117", "message": "PAGE NOT FOUND"})
                )
            status, answer = await self.handle_body(request.content)
            return httpx.Response(status, json=answer)

        return httpx.MockTransport(handler)

    # -- the protocol ---------------------------------------------------------------------------
    def handle(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        command = str(payload.get("commands") or "")
        # command -> (its handler, what its sign is made over)
        handlers: dict[str, tuple[Callable[[Payload], Payload], Callable[[Payload], str]]] = {
            "inq-pasca": (self._inquire, lambda p: str(p.get("ref_id", ""))),
            "pay-pasca": (self._pay, lambda p: str(p.get("tr_id", ""))),
            "checkstatus": (self._status, lambda p: "cs"),
            "pricelist-pasca": (self._pricelist, lambda p: "pl"),
        }
        if command not in handlers:
            return 200, _answer({"response_code": "101", "message": "INVALID COMMAND"})
        handler, signed_over = handlers[command]
        if not payload.get("username") or not payload.get("sign"):
            return 400, _answer({"response_code": "107", "message": "MISSING PARAMETER"})
        expected = sign(self.username, self.api_key, signed_over(payload))
        if payload.get("username") != self.username or payload.get("sign") != expected:
            return 200, _answer({"response_code": "100", "message": "INVALID SIGNATURE"})
        return 200, _answer(handler(payload))

    def _inquire(self, p: dict[str, Any]) -> dict[str, Any]:
        ref_id, code, hp = str(p.get("ref_id") or ""), str(p.get("code") or ""), str(p.get("hp") or "")
        if not ref_id or not ref_id.isalnum():
            return {"response_code": "03", "message": "INVALID REF ID", "ref_id": ref_id}
        if ref_id in self.state.by_ref:
            return {"response_code": "11", "message": "DUPLICATE REF ID", "ref_id": ref_id}
        product = self.products.get(code)
        if product is None:
            return {"response_code": "20", "message": "PRODUCT UNREGISTERED", "ref_id": ref_id}
        try:
            product.number_rule.check(hp)
        except InvalidCustomerNumber:
            return {"response_code": "14", "message": "INCORRECT DESTINATION NUMBER", "ref_id": ref_id}
        extra = _extra_field(p, EXTRA_FIELD.get(code, ""))
        if extra is None:
            return {"response_code": "107", "message": f"MISSING {EXTRA_FIELD[code]}", "ref_id": ref_id}
        if EXTRA_FIELD.get(code) == "desc.amount" and not (extra.isdigit() and int(extra) >= 10_000):
            return {"response_code": "93", "message": "INVALID AMOUNT", "ref_id": ref_id}
        scenario = scenario_for(code, hp)
        base = {"code": code, "hp": hp, "ref_id": ref_id}
        if scenario.inquiry_rc != "00":
            return {
                **base,
                "tr_id": 0,
                "response_code": scenario.inquiry_rc,
                "message": _message(scenario.inquiry_rc),
            }
        month = str(p.get("month") or "1")
        months = min(12, max(1, int(month))) if month.isdigit() and product.needs_month else 1
        tr_id = self.state.next_tr_id
        self.state.next_tr_id += 1
        today = self.today or datetime.now(JAKARTA).date()
        data = {**base, "tr_id": tr_id, **bill_data(product, hp, scenario, months, today, extra)}
        data.update(response_code="00", message="INQUIRY SUCCESS")
        self.state.inquiries[tr_id] = Inquiry(tr_id, ref_id, scenario, data)
        self.state.by_ref[ref_id] = tr_id
        return data

    def _pay(self, p: dict[str, Any]) -> dict[str, Any]:
        tr_id_text = str(p.get("tr_id") or "")
        inquiry = self.state.inquiries.get(int(tr_id_text)) if tr_id_text.isdigit() else None
        self.state.pay_requests_by_tr_id[tr_id_text] += 1
        if inquiry is None:
            return {"tr_id": tr_id_text, "response_code": "06", "message": "INQUIRY ID NOT FOUND"}
        self.state.pay_requests_by_ref[inquiry.ref_id] += 1
        if inquiry.state in {"paid", "pending"}:
            answer = self._view(inquiry)
            answer.update(response_code="34", message="BILL HAS BEEN PAID")
            return answer
        if inquiry.state == "failed":
            answer = self._view(inquiry)
            answer.update(response_code="06", message="INQUIRY ID NOT FOUND")
            return answer
        cost = int(inquiry.data["selling_price"])
        if cost > self.state.balance:
            answer = self._view(inquiry)
            answer.update(response_code="17", message="BALANCE NOT ENOUGH")
            return answer
        rc = inquiry.scenario.pay_rc
        inquiry.pay_rc = rc
        inquiry.paid_at = _now()
        if rc == "00":
            self._settle_paid(inquiry)
        elif rc in PENDING_RCS:
            self.state.balance -= cost
            inquiry.state = "pending"
        else:
            inquiry.state = "failed"
        return {**self._view(inquiry), "response_code": rc, "message": _message(rc, payment=True)}

    def _settle_paid(self, inquiry: Inquiry) -> None:
        if inquiry.state != "pending":
            self.state.balance -= int(inquiry.data["selling_price"])
        inquiry.state = "paid"
        inquiry.pay_rc = "00"
        inquiry.noref = str(1_600_000 + inquiry.tr_id % 1_000_000)

    def _status(self, p: dict[str, Any]) -> dict[str, Any]:
        ref_id = str(p.get("ref_id") or "")
        self.state.status_requests[ref_id] += 1
        tr_id = self.state.by_ref.get(ref_id)
        if tr_id is None:
            return {"ref_id": ref_id, "response_code": "06", "message": "TRANSAKSI TIDAK DITEMUKAN"}
        inquiry = self.state.inquiries[tr_id]
        if inquiry.state == "pending":
            inquiry.checks += 1
            if inquiry.checks > self.pending_checks:
                self._settle_paid(inquiry)
        answer = self._view(inquiry)
        if inquiry.state == "inquired":
            answer.update(status=0, response_code="42", message="REQUEST PEMBAYARAN BELUM DITERIMA")
        elif inquiry.state == "pending":
            answer.update(status=3, response_code="39", message="PENDING / TRANSAKSI SEDANG DIPROSES")
        elif inquiry.state == "paid":
            answer.update(status=1, response_code="00", message="PAYMENT SUCCESS")
        else:
            # "not paid" codes and those refusing a status request say nothing of a failed payment
            said_nothing = inquiry.pay_rc in {"02", "06", "42"} or inquiry.pay_rc in STATUS_REQUEST_REFUSED
            rc = "37" if said_nothing else inquiry.pay_rc
            answer.update(status=2, response_code=rc, message="PEMBAYARAN GAGAL")
        return answer

    def _view(self, inquiry: Inquiry) -> dict[str, Any]:
        view = {k: v for k, v in inquiry.data.items() if k not in {"response_code", "message"}}
        view["balance"] = self.state.balance
        if inquiry.state in {"paid", "failed", "pending"}:
            view["datetime"] = inquiry.paid_at
        if inquiry.state in {"paid", "failed"}:
            view["noref"] = inquiry.noref
        return view

    def _pricelist(self, p: dict[str, Any]) -> dict[str, Any]:
        """IAK's pricelist-pasca: every product, one of them switched off (status 4); `status`
        "active" or "non active"/"non-active" filters as IAK does."""
        wanted = str(p.get("status") or "all").strip().lower().replace("-", " ")
        items = [
            {
                "code": product.code,
                "name": product.name,
                "status": 4 if product.code in INACTIVE else 1,
                "fee": ADMIN_PER_BILL.get(product.code, 2500),
                "komisi": COMMISSION.get(product.category, 600),
                "type": product.category,
                "category": "postpaid",
            }
            for product in self.products.values()
        ]
        if wanted == "active":
            items = [item for item in items if item["status"] == 1]
        elif wanted == "non active":
            items = [item for item in items if item["status"] != 1]
        return {"pasca": items}

    def payments(self) -> dict[str, int]:
        """{ref_id: number of pay-pasca requests received} for tests and the e2e check."""
        return dict(self.state.pay_requests_by_ref)


def _extra_field(payload: dict[str, Any], name: str) -> str | None:
    """The text of an extra inquiry field ("desc.amount" is nested), "" when none is needed."""
    if not name:
        return ""
    value: Any = payload
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or isinstance(value, bool | float) or not str(value).strip():
        return None  # a float amount is refused like a missing one: rupiah are whole
    return str(value).strip()


def _answer(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "meta": []}


def _now() -> str:
    """IAK's `datetime`: YmdHis in Western Indonesian Time."""
    return datetime.now(JAKARTA).strftime("%Y%m%d%H%M%S")


_MESSAGES = {
    "01": "INVOICE HAS BEEN PAID",
    "14": "INCORRECT DESTINATION NUMBER",
    "37": "PEMBAYARAN GAGAL",
    "39": "PENDING / TRANSAKSI SEDANG DIPROSES",
    "103": "TIMEOUT",
    "105": "MISC ERROR / BILLER SYSTEM ERROR",
}


def _message(rc: str, *, payment: bool = False) -> str:
    if rc == "00":
        return "PAYMENT SUCCESS" if payment else "INQUIRY SUCCESS"
    return _MESSAGES.get(rc, f"RC {rc}")


# -- the sandbox biller -------------------------------------------------------------------------------


class SandboxClient(IAKClient):
    """A sandbox bot's biller: the real IAK client signing with the simulator's account, over
    the transport `make_biller` gives it (the simulator's own, in-process). `simulator` is kept
    for tests that count what reached it (`simulator.payments()`)."""

    def __init__(
        self, simulator: IakSimulator, *, transport: httpx.AsyncBaseTransport, timeout: float = 30.0
    ) -> None:
        super().__init__(
            username=simulator.username,
            api_key=simulator.api_key,
            base_url=SANDBOX_BASE_URL,
            timeout=timeout,
            transport=transport,
            provider="sandbox",
        )
        self.simulator = simulator
