"""The built-in sandbox biller: a small IAK postpaid simulator.

It speaks the IAK protocol (same JSON, same signatures, same response codes) so that the
real IAK client is what runs in tests and in the demo: in-process through
`httpx.MockTransport`, or over HTTP with `python -m bot sandbox --port N`.

Test numbers (IAK reference §8), checked in this order:
1. the older scheme `<base><01..08>`: 01 one bill, 02 several bills, 03 inquiry timeout (103),
   04 already paid (01), 05 wrong number (14), 06 payment failed (37), 07 payment pending
   (39), 08 biller error at payment (105). Where an older number is also listed by the newer
   scheme (PLN 530000000001, BPJS 8801234560001, BPJSTK …270001, SHOPEEPAY 082100000001)
   the newer, current meaning wins.
2. the newer scheme `<prefix><stage><rc>`: stage 0 answers rc at inquiry, stage 1 answers rc
   at payment, `0000` one bill, `0999`/`1999` several bills. Any known rc works, not only the
   listed ones (IAK's "test other response scenarios").
3. any other number that passes the product's rule: a deterministic bill derived from the
   number, paid successfully, so any well-formed number works in a demo.
Products of §8 that Loket does not sell (BPJSTK, FNMEGA, E-Samsat, PBB, ShopeePay, …) are
answered too; those that need an extra inquiry field (nomor_identitas, year, desc.amount)
get rc 107 without it. Pending payments answer 39 to the first `sandbox_pending_checks`
checkstatus calls and then settle to SUCCESS.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from bot.billers.base import InvalidCustomerNumber, NumberRule, Product
from bot.billers.catalog import iak_catalog
from bot.billers.iak import sign
from bot.billers.iak_codes import RESPONSE_CODES, STATUS_REQUEST_REFUSED
from bot.config import Settings

SANDBOX_USERNAME = "081234567890"
SANDBOX_API_KEY = "sandbox-loket-key"  # public: the key of a local simulator, not a secret
SANDBOX_BASE_URL = "http://sandbox.loket.invalid"
START_BALANCE = 1_000_000_000
FIRST_TR_ID = 9_732_400

_PDAM = ("PDAMKOTA.SURABAYA", "PDAMKOTA.MEDAN", "AETRA")
_CHURCH_OLD = "MEMBER.Shiftsoft_MMS-Perpuluhan_2022"
_CHURCH_OLD_NON = "NONMEMBER.Shiftsoft_MMS-Perpuluhan_2022"
_CHURCH = "MEMBER.IAK_Church-Perpuluhan_2022"
_CHURCH_NON = "NONMEMBER.IAK_Church-Perpuluhan_2022"

# Products of IAK §8 that Loket does not sell (the chat offers `iak_catalog()`), kept so the
# sandbox answers every documented test number for any IAK client, ours or another.
_ANY_NUMBER = NumberRule(min_length=4, max_length=20)
REFERENCE_ONLY: tuple[Product, ...] = tuple(
    Product(code=code, name=name, category=category, number_rule=_ANY_NUMBER, needs_month=code == "BPJSTK")
    for code, name, category in (
        ("BPJSTK", "BPJS Ketenagakerjaan BPU", "bpjs"),
        ("BPJSTKPU", "BPJS Ketenagakerjaan PU", "bpjs"),
        ("FNMEGA", "Mega Finance", "finance"),
        ("PLNNONTAG", "PLN Non-Taglis", "pln"),
        ("PLNNONH", "PLN Non-Taglis (lama)", "pln"),
        ("ESAMSAT.JABAR", "E-Samsat Jawa Barat", "tax"),
        ("PBBKOT.CIMAHI", "PBB Kota Cimahi", "tax"),
        ("SHOPEEPAY", "ShopeePay", "emoney"),
        (_CHURCH, "Persembahan Gereja (anggota)", "church"),
        (_CHURCH_NON, "Persembahan Gereja (umum)", "church"),
        (_CHURCH_OLD, "Persembahan Gereja (anggota, lama)", "church"),
        (_CHURCH_OLD_NON, "Persembahan Gereja (umum, lama)", "church"),
    )
)
# The inquiry field each of these needs besides code/hp (IAK §2); without it: rc 107.
EXTRA_FIELD = {
    "ESAMSAT.JABAR": "nomor_identitas",
    "PBBKOT.CIMAHI": "year",
    "SHOPEEPAY": "desc.amount",
    _CHURCH: "desc.amount",
    _CHURCH_NON: "desc.amount",
    _CHURCH_OLD: "desc.amount",
    _CHURCH_OLD_NON: "desc.amount",
}

# Older scheme: base -> products it answers for; the last two digits pick the scenario.
OLD_BASES: dict[str, tuple[str, ...]] = {
    "63916012": ("TELKOMPSTN", "FNMEGA"),
    "089912345": ("HPTHREE",),
    "1272465001": ("TVTLKMV",),
    "10721614": ("TVBIG",),
    "5300000000": ("PLNPOSTPAID",),
    "88012345600": ("BPJS",),
    "01100146": ("PGAS",),
    "017830": ("CBN",),
    "102020": _PDAM,
    "81020510112700": ("BPJSTK",),
    "2103000160": ("BPJSTKPU",),
    "32250300059": ("PLNNONTAG",),
    "96585485235687": ("ESAMSAT.JABAR",),
    "3298010923759999": ("PBBKOT.CIMAHI",),
    "0821000000": ("SHOPEEPAY",),
    "10": (_CHURCH_OLD,),
}
OLD_EXTRA_SUCCESS = {
    "01927101": "CBN",
    "210300016066": "BPJSTK",  # REF's PU number under the BPU code
    "3225030005922": "PLNNONH",
    "1811217010329": "PLNNONH",
    "3226015008229": "PLNNONH",
    "1921": _CHURCH_OLD_NON,
    "1922": _CHURCH_OLD_NON,
}
NEW_PREFIXES: dict[str, tuple[str, ...]] = {
    "639160": ("TELKOMPSTN", "FNMEGA"),
    "0899123": ("HPTHREE",),
    "12724650": ("TVTLKMV",),
    "107216": ("TVBIG",),
    "53000000": ("PLNPOSTPAID",),
    "880123456": ("BPJS",),
    "011001": ("PGAS",),
    "0192": ("CBN",),
    "1020": _PDAM,
    "810205101127": ("BPJSTK",),
    "21030001": ("BPJSTKPU",),
    "322503000": ("PLNNONTAG",),
    "965854852356": ("ESAMSAT.JABAR",),
    "32980109237599": ("PBBKOT.CIMAHI",),
    "08210000": ("SHOPEEPAY",),
    "18": (_CHURCH,),
    "19": (_CHURCH_NON,),
}
NEW_WINS = {"530000000001", "8801234560001", "8102051011270001", "082100000001"}
MULTI_BILLS = {"TELKOMPSTN": 3, "PLNPOSTPAID": 8, "PDAMKOTA.MEDAN": 4}
ADMIN_PER_BILL = {"PLNPOSTPAID": 3000, "BPJS": 2500, "AETRA": 2000}
LATE_FEE = {"PLNPOSTPAID": 5000, **dict.fromkeys(_PDAM, 7500)}  # per overdue month
PDAM_MISC = 750  # PDAM's misc_amount (meter upkeep) per month
_OLD_SUFFIX = {"03": ("inquiry", "103"), "04": ("inquiry", "01"), "05": ("inquiry", "14")}
_OLD_PAY = {"06": "37", "07": "39", "08": "105"}

NAMES = (
    "SITI RAHAYU", "BUDI SANTOSO", "DEWI LESTARI", "AGUS SETIAWAN", "NUR HIDAYAH",
    "RUDI HARTONO", "SRI WAHYUNI", "EKO PRASETYO", "ANI SURYANI", "HENDRA GUNAWAN",
)  # fmt: skip
MONTHS = ("JAN", "FEB", "MAR", "APR", "MEI", "JUN", "JUL", "AGU", "SEP", "OKT", "NOV", "DES")
PENDING_RCS = frozenset({"39", "05", "201"})
_OLD_SUFFIXES = frozenset(f"{n:02d}" for n in range(1, 9))


@dataclass(frozen=True)
class Scenario:
    """What a number does: bills it has, and an rc answered at inquiry or at payment."""

    bills: int = 1
    inquiry_rc: str = "00"
    pay_rc: str = "00"
    name: str = ""


def scenario_for(code: str, number: str) -> Scenario:
    """The documented behaviour of a test number, or a plain one-bill success."""
    if number in OLD_EXTRA_SUCCESS and OLD_EXTRA_SUCCESS[number] == code:
        return Scenario()
    if number not in NEW_WINS:
        for base, codes in OLD_BASES.items():
            suffix = number[len(base) :]
            if code in codes and number.startswith(base) and suffix in _OLD_SUFFIXES:
                name = "JAORAH" if code == "TELKOMPSTN" and suffix in {"01", "02"} else ""
                if suffix == "02":
                    return Scenario(bills=MULTI_BILLS.get(code, 1), name=name)
                if suffix in _OLD_SUFFIX:
                    return Scenario(inquiry_rc=_OLD_SUFFIX[suffix][1])
                if suffix in _OLD_PAY:
                    return Scenario(pay_rc=_OLD_PAY[suffix])
                return Scenario(name=name)
    for prefix, codes in NEW_PREFIXES.items():
        rest = number[len(prefix) :]
        if code in codes and number.startswith(prefix) and len(rest) == 4 and rest.isdigit():
            stage, rc = rest[0], rest[1:]
            if rc == "999" and stage in "01":
                return Scenario(bills=MULTI_BILLS.get(code, 1))
            if rc == "000" and stage == "0":
                return Scenario()
            rc = rc.lstrip("0").rjust(2, "0")
            if rc in RESPONSE_CODES and rc != "00":
                return Scenario(inquiry_rc=rc) if stage == "0" else Scenario(pay_rc=rc)
    return Scenario()


def _seed(code: str, number: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{code}:{number}".encode()).digest()[:8], "big")


def _months_back(count: int, today: date) -> list[tuple[str, str]]:
    """(label, yyyymm) of the `count` months before this one, oldest first."""
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((f"{MONTHS[month - 1]} {year}", f"{year}{month:02d}"))
    return list(reversed(out))


@dataclass
class Inquiry:
    tr_id: int
    ref_id: str
    code: str
    hp: str
    scenario: Scenario
    data: dict[str, Any]
    state: str = "inquired"  # inquired | pending | paid | failed
    pay_rc: str = ""
    checks: int = 0
    noref: str = ""
    paid_at: str = ""


@dataclass
class SandboxState:
    """Everything the sandbox remembers, kept in memory for the life of the process."""

    balance: int = START_BALANCE
    next_tr_id: int = FIRST_TR_ID
    inquiries: dict[int, Inquiry] = field(default_factory=dict)
    by_ref: dict[str, int] = field(default_factory=dict)
    pay_requests_by_ref: Counter[str] = field(default_factory=Counter)
    pay_requests_by_tr_id: Counter[str] = field(default_factory=Counter)
    status_requests: Counter[str] = field(default_factory=Counter)


class SandboxBiller:
    """The simulator itself: a function from an IAK request to an IAK answer."""

    def __init__(self, settings: Settings | None = None, *, today: date | None = None) -> None:
        settings = settings or Settings()  # type: ignore[call-arg]
        key = settings.iak_api_key.get_secret_value()
        self.username = settings.iak_username if settings.iak_username and key else SANDBOX_USERNAME
        self.api_key = key if settings.iak_username and key else SANDBOX_API_KEY
        self.latency = settings.sandbox_latency
        self.pending_checks = settings.sandbox_pending_checks
        self.products: dict[str, Product] = {p.code: p for p in (*iak_catalog(), *REFERENCE_ONLY)}
        self.state = SandboxState()
        self.today = today
        self._lock = asyncio.Lock()

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
            if request.method != "POST" or not request.url.path.startswith("/api/v1/bill/check"):
                return httpx.Response(
                    404, json=_answer({"response_code": "117", "message": "PAGE NOT FOUND"})
                )
            status, answer = await self.handle_body(request.content)
            return httpx.Response(status, json=answer)

        return httpx.MockTransport(handler)

    # -- the protocol ---------------------------------------------------------------------------
    def handle(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        command = str(payload.get("commands") or "")
        handlers = {
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
        data = {**base, "tr_id": tr_id, **self._bill(product, hp, scenario, months, extra)}
        data.update(response_code="00", message="INQUIRY SUCCESS")
        self.state.inquiries[tr_id] = Inquiry(tr_id, ref_id, code, hp, scenario, data)
        self.state.by_ref[ref_id] = tr_id
        return data

    def _bill(
        self, product: Product, hp: str, scenario: Scenario, months: int, extra: str = ""
    ) -> dict[str, Any]:
        seed = _seed(product.code, hp)
        name = scenario.name or NAMES[seed % len(NAMES)]
        admin_each = ADMIN_PER_BILL.get(product.code, 2500)
        periods = _months_back(
            scenario.bills if not product.needs_month else months, self.today or date.today()
        )
        chosen = int(extra) if EXTRA_FIELD.get(product.code) == "desc.amount" else None
        if product.code == "PBBKOT.CIMAHI":
            periods = [(f"PBB {extra}", extra)]
        amounts = [chosen or 40_000 + ((seed >> (i * 7)) % 400) * 500 for i in range(len(periods))]
        # every month but the newest is overdue: PLN and PDAM charge a late fee for it
        fees = [LATE_FEE.get(product.code, 0) if i < len(periods) - 1 else 0 for i in range(len(periods))]
        details: list[dict[str, Any]] = [
            {"periode": label, "nilai_tagihan": str(amount), "admin": str(admin_each)}
            for (label, _), amount in zip(periods, amounts, strict=True)
        ]
        for item, fee in zip(details, fees, strict=True):
            if product.code == "PLNPOSTPAID":
                item["denda"] = str(fee)
            item["total"] = int(item["nilai_tagihan"]) + admin_each + fee
        admin = admin_each * len(periods)
        nominal = sum(amounts)  # as IAK's PLN: the late fees are in `price`, not in `nominal`
        price = nominal + admin + sum(fees)
        if product.code == "HPTHREE":  # as IAK's reference shows Tri: a detail of empty strings
            details = [{"periode": "", "nilai_tagihan": "", "admin": "", "total": ""}]
        desc: dict[str, Any] = {"jumlah_tagihan": len(periods), "tagihan": {"detail": details}}
        if product.code in _PDAM:  # IAK's PDAM shape: the penalty inside `nominal`
            nominal += sum(fees)
            desc = _pdam_desc(product, seed, periods, amounts, fees)
        elif product.code == "TELKOMPSTN":
            desc.update(kode_area="0" + hp[1:4] if hp.startswith("0") else "0751", divre="01", datel="0006")
        elif product.code == "PLNPOSTPAID":
            desc = {
                "tarif": "R1",
                "daya": 1300,
                "lembar_tagihan": len(periods),
                "tagihan": {"detail": details},
            }
        elif product.code == "ESAMSAT.JABAR":
            desc.update(nomor_identitas=extra, merek_kb="HONDA", tahun_buatan="2019")
        elif product.code == "BPJS":
            desc = {
                "kode_cabang": "0901",
                "nama_cabang": "JAKARTA PUSAT",
                "sisa_pembayaran": "0",
                "jumlah_peserta": "1",
            }
        return {
            "tr_name": name,
            "period": ",".join(period for _, period in periods),
            "nominal": nominal,
            "admin": admin,
            "price": price,
            "selling_price": price - 600 * len(periods),
            "desc": desc,
        }

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
        items = [
            {
                "code": product.code,
                "name": product.name,
                "status": 1,
                "fee": ADMIN_PER_BILL.get(product.code, 2500),
                "komisi": 600,
                "type": product.category,
                "category": "postpaid",
            }
            for product in self.products.values()
        ]
        return {"pasca": items}

    def payments(self) -> dict[str, int]:
        """{ref_id: number of pay-pasca requests received} for tests and the e2e check."""
        return dict(self.state.pay_requests_by_ref)


def _pdam_desc(
    product: Product, seed: int, periods: list[tuple[str, str]], amounts: list[int], fees: list[int]
) -> dict[str, Any]:
    """desc of a PDAM bill as IAK's reference shows it: desc.bill.detail, one per period."""
    detail, meter = [], 4_000 + seed % 1_000
    for (_, yyyymm), amount, fee in zip(periods, amounts, fees, strict=True):
        used = 10 + amount % 30
        detail.append(
            {
                "period": yyyymm,
                "first_meter": meter,
                "last_meter": meter + used,
                "penalty": fee,
                "bill_amount": amount - PDAM_MISC,
                "misc_amount": PDAM_MISC,
            }
        )
        meter += used
    return {
        "bill_quantity": len(periods),
        "address": "JL. MERDEKA 17",
        "biller_admin": "",
        "pdam_name": product.name.upper(),
        "stamp_duty": "",
        "bill": {"detail": detail},
    }


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
    from datetime import datetime

    return datetime.now().strftime("%Y%m%d%H%M%S")


_MESSAGES = {
    "00": "SUCCESS",
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


# -- serving on a port ----------------------------------------------------------------------------


class SandboxServer:
    """The sandbox on a real port (aiohttp), for `python -m bot sandbox` and e2e tests."""

    def __init__(self, biller: SandboxBiller, host: str = "127.0.0.1", port: int = 0) -> None:
        self.biller = biller
        self.host = host
        self.port = port
        self._runner: Any = None

    async def start(self) -> int:
        from aiohttp import web

        async def bill_check(request: web.Request) -> web.Response:
            status, answer = await self.biller.handle_body(await request.read())
            return web.json_response(answer, status=status)

        async def payments(request: web.Request) -> web.Response:
            return web.json_response(self.biller.payments())

        async def health(request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post("/api/v1/bill/check", bill_check)
        app.router.add_post("/api/v1/bill/check/{kind}", bill_check)
        app.router.add_get("/_sandbox/payments", payments)
        app.router.add_get("/_sandbox/health", health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.port
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8090) -> int:
    """Serve the sandbox until SIGINT/SIGTERM. Returns the process exit code."""

    async def main() -> None:
        server = SandboxServer(SandboxBiller(settings), host, port)
        await server.start()
        print(f"Sandbox biller on {server.url}", flush=True)
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
