"""The IAK simulator's test numbers (IAK reference §8) and what each number does.

Checked in this order:
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
Load runs (benchmarks/) take `load_number(i)`: Telkom numbers `021799` + six digits, one plain
bill each, paid successfully, a different bill per simulated user (the ledger pays one bill at
most once at a time, so users sharing a number would be refused). No test number lies there.
Products of §8 that Loket does not sell (BPJSTK, FNMEGA, E-Samsat, PBB, ShopeePay, …) are
answered too; those that need an extra inquiry field (nomor_identitas, year, desc.amount)
get rc 107 without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.billers.base import NumberRule, Product
from bot.billers.iak_codes import RESPONSE_CODES

PDAM = ("PDAMKOTA.SURABAYA", "PDAMKOTA.MEDAN", "AETRA")
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
    "102020": PDAM,
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
    "1020": PDAM,
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
_OLD_INQUIRY = {"03": "103", "04": "01", "05": "14"}
_OLD_PAY = {"06": "37", "07": "39", "08": "105"}

_OLD_SUFFIXES = frozenset(f"{n:02d}" for n in range(1, 9))


LOAD_PRODUCT = "TELKOMPSTN"
LOAD_PREFIX = "021799"  # + 6 digits: 12-digit Telkom numbers, one plain bill each
LOAD_SIZE = 1_000_000


def load_number(index: int) -> str:
    """The `index`-th number of the load range: a bill of its own for each simulated user."""
    if not 0 <= index < LOAD_SIZE:
        raise ValueError(f"load numbers run from 0 to {LOAD_SIZE - 1}")
    return f"{LOAD_PREFIX}{index:06d}"


def is_load_number(code: str, number: str) -> bool:
    rest = number[len(LOAD_PREFIX) :]
    return code == LOAD_PRODUCT and number.startswith(LOAD_PREFIX) and len(rest) == 6 and rest.isdigit()


@dataclass(frozen=True)
class Scenario:
    """What a number does: bills it has, and an rc answered at inquiry or at payment."""

    bills: int = 1
    inquiry_rc: str = "00"
    pay_rc: str = "00"
    name: str = ""


def scenario_for(code: str, number: str) -> Scenario:
    """The documented behaviour of a test number, or a plain one-bill success."""
    if is_load_number(code, number):
        return Scenario()
    if number in OLD_EXTRA_SUCCESS and OLD_EXTRA_SUCCESS[number] == code:
        return Scenario()
    if number not in NEW_WINS:
        for base, codes in OLD_BASES.items():
            suffix = number[len(base) :]
            if code in codes and number.startswith(base) and suffix in _OLD_SUFFIXES:
                name = "JAORAH" if code == "TELKOMPSTN" and suffix in {"01", "02"} else ""
                if suffix == "02":
                    return Scenario(bills=MULTI_BILLS.get(code, 1), name=name)
                if suffix in _OLD_INQUIRY:
                    return Scenario(inquiry_rc=_OLD_INQUIRY[suffix])
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
