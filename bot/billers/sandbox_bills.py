"""The IAK simulator's bills: deterministic per product and number, shaped as IAK answers them.

Amounts are whole hundreds of rupiah derived from a hash of the number; every month but the
newest is overdue where the biller charges late fees (PLN denda, PDAM penalty), so IAK's
`price` differs from nominal + admin as it does in real answers.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from bot.billers.base import Product
from bot.billers.sandbox_numbers import EXTRA_FIELD, PDAM, Scenario

ADMIN_PER_BILL = {"PLNPOSTPAID": 3000, "BPJS": 2500, "AETRA": 2000}
LATE_FEE = {"PLNPOSTPAID": 5000, **dict.fromkeys(PDAM, 7500)}  # per overdue month
PDAM_MISC = 750  # PDAM's misc_amount (meter upkeep) per month
NAMES = (
    "SITI RAHAYU", "BUDI SANTOSO", "DEWI LESTARI", "AGUS SETIAWAN", "NUR HIDAYAH",
    "RUDI HARTONO", "SRI WAHYUNI", "EKO PRASETYO", "ANI SURYANI", "HENDRA GUNAWAN",
)  # fmt: skip
MONTHS = ("JAN", "FEB", "MAR", "APR", "MEI", "JUN", "JUL", "AGU", "SEP", "OKT", "NOV", "DES")


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


def bill_data(
    product: Product, hp: str, scenario: Scenario, months: int, today: date, extra: str = ""
) -> dict[str, Any]:
    """The bill fields of an inquiry answer: name, period, nominal, admin, price, desc."""
    seed = _seed(product.code, hp)
    name = scenario.name or NAMES[seed % len(NAMES)]
    admin_each = ADMIN_PER_BILL.get(product.code, 2500)
    periods = _months_back(scenario.bills if not product.needs_month else months, today)
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
    if product.code in PDAM:  # IAK's PDAM shape: the penalty inside `nominal`
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
