"""The IAK sandbox test numbers of reference §8 (both schemes) and what each must do.

Written from the reference, not from bot/billers/sandbox.py, so the sandbox is checked
against the document. An expectation is one of:
  ("bill", n)              inquiry gives n bill lines, payment succeeds
  ("inquiry", rc, reason)  inquiry refused with that rc and reason
  ("pay", rc, reason)      inquiry ok, payment FAILED with that rc and reason
  ("pending",)             inquiry ok, payment PENDING (39), settles to SUCCESS on status
"""

from __future__ import annotations

from bot.billers.base import Reason

OLD_SUFFIX = {
    "01": ("bill", 1),
    "03": ("inquiry", "103", Reason.TIMEOUT),
    "04": ("inquiry", "01", Reason.ALREADY_PAID),
    "05": ("inquiry", "14", Reason.WRONG_NUMBER),
    "06": ("pay", "37", Reason.PAYMENT_FAILED),
    "07": ("pending",),
    "08": ("pay", "105", Reason.BILLER_DOWN),
}
NEW_SUFFIX = {
    "0000": ("bill", 1),
    "0001": ("inquiry", "01", Reason.ALREADY_PAID),
    "0014": ("inquiry", "14", Reason.WRONG_NUMBER),
    "0103": ("inquiry", "103", Reason.TIMEOUT),
    "1037": ("pay", "37", Reason.PAYMENT_FAILED),
    "1039": ("pending",),
    "1105": ("pay", "105", Reason.BILLER_DOWN),
}


def _old(code: str, base: str, suffixes: str = "01 03 04 05 06 07 08") -> list[tuple[str, str, tuple]]:
    return [(code, base + s, OLD_SUFFIX[s]) for s in suffixes.split()]


def _new(code: str, prefix: str) -> list[tuple[str, str, tuple]]:
    return [(code, prefix + s, e) for s, e in NEW_SUFFIX.items()]


CASES: list[tuple[str, str, tuple]] = [
    # older scheme
    *_old("TELKOMPSTN", "63916012"),
    ("TELKOMPSTN", "6391601202", ("bill", 3)),
    *_old("HPTHREE", "089912345"),
    *_old("TVTLKMV", "1272465001"),
    *_old("TVBIG", "10721614"),
    *_old("PLNPOSTPAID", "5300000000", "03 04 05 06 07 08"),
    ("PLNPOSTPAID", "530000000002", ("bill", 8)),
    *_old("BPJS", "88012345600", "03 04 05 06 07 08"),
    *_old("PGAS", "01100146"),
    ("CBN", "01927101", ("bill", 1)),
    ("CBN", "01783002", ("bill", 1)),
    *_old("CBN", "017830", "03 04 05 06 07 08"),
    ("PDAMKOTA.SURABAYA", "10202001", ("bill", 1)),
    ("PDAMKOTA.MEDAN", "10202002", ("bill", 4)),
    ("AETRA", "10202003", OLD_SUFFIX["03"]),
    ("AETRA", "10202004", OLD_SUFFIX["04"]),
    ("AETRA", "10202005", OLD_SUFFIX["05"]),
    ("PDAMKOTA.MEDAN", "10202006", OLD_SUFFIX["06"]),
    ("PDAMKOTA.MEDAN", "10202007", OLD_SUFFIX["07"]),
    ("PDAMKOTA.MEDAN", "10202008", OLD_SUFFIX["08"]),
    # newer scheme (530000000001 and 8801234560001 are "already paid" here: the newer wins)
    *_new("TELKOMPSTN", "639160"),
    ("TELKOMPSTN", "6391601999", ("bill", 3)),
    *_new("HPTHREE", "0899123"),
    *_new("TVTLKMV", "12724650"),
    *_new("TVBIG", "107216"),
    *_new("PLNPOSTPAID", "53000000"),
    ("PLNPOSTPAID", "530000000999", ("bill", 8)),
    *_new("BPJS", "880123456"),
    *_new("PGAS", "011001"),
    *_new("CBN", "0192"),
    ("PDAMKOTA.SURABAYA", "10200000", ("bill", 1)),
    ("PDAMKOTA.MEDAN", "10200999", ("bill", 4)),
    ("AETRA", "10200001", NEW_SUFFIX["0001"]),
    ("AETRA", "10200014", NEW_SUFFIX["0014"]),
    ("AETRA", "10200103", NEW_SUFFIX["0103"]),
    ("PDAMKOTA.MEDAN", "10201037", NEW_SUFFIX["1037"]),
    ("PDAMKOTA.MEDAN", "10201039", NEW_SUFFIX["1039"]),
    ("PDAMKOTA.MEDAN", "10201105", NEW_SUFFIX["1105"]),
]

# Products of §8 that Loket does not sell; the sandbox still answers their numbers. The third
# item is the extra inquiry field the product needs (IAK §2), or None.
CHURCH, CHURCH_NON = "MEMBER.IAK_Church-Perpuluhan_2022", "NONMEMBER.IAK_Church-Perpuluhan_2022"
CHURCH_OLD, CHURCH_OLD_NON = "MEMBER.Shiftsoft_MMS-Perpuluhan_2022", "NONMEMBER.Shiftsoft_MMS-Perpuluhan_2022"
EXTRA_FIELDS: dict[str, dict] = {
    "ESAMSAT.JABAR": {"nomor_identitas": "0212502110170100"},
    "PBBKOT.CIMAHI": {"year": "2023"},
    "SHOPEEPAY": {"desc": {"amount": 50000}},
    CHURCH: {"desc": {"amount": 100000}},
    CHURCH_NON: {"desc": {"amount": 100000}},
    CHURCH_OLD: {"desc": {"amount": 100000}},
    CHURCH_OLD_NON: {"desc": {"amount": 100000}},
}

REFERENCE_ONLY_CASES: list[tuple[str, str, tuple]] = [
    # older scheme
    ("BPJSTK", "8102051011270002", ("bill", 1)),
    *_old("BPJSTK", "81020510112700", "03 04 05 06 07 08"),
    ("BPJSTK", "210300016066", ("bill", 1)),
    *_old("BPJSTKPU", "2103000160"),
    ("BPJSTKPU", "210300016002", ("bill", 1)),
    *_old("FNMEGA", "63916012"),
    *_old("ESAMSAT.JABAR", "96585485235687"),
    *_old("PBBKOT.CIMAHI", "3298010923759999"),
    ("SHOPEEPAY", "082100000002", ("bill", 1)),
    *_old("SHOPEEPAY", "0821000000", "03 04 05 06 07 08"),
    *_old("PLNNONTAG", "32250300059"),
    ("PLNNONTAG", "3225030005902", ("bill", 1)),
    ("PLNNONH", "3225030005922", ("bill", 1)),
    ("PLNNONH", "1811217010329", ("bill", 1)),
    ("PLNNONH", "3226015008229", ("bill", 1)),
    *_old(CHURCH_OLD, "10"),
    (CHURCH_OLD, "1002", ("bill", 1)),
    (CHURCH_OLD_NON, "1921", ("bill", 1)),
    (CHURCH_OLD_NON, "1922", ("bill", 1)),
    # newer scheme (BPJSTK …270001 and SHOPEEPAY 082100000001: the newer wins)
    *_new("BPJSTK", "810205101127"),
    *_new("BPJSTKPU", "21030001"),
    *_new("FNMEGA", "639160"),
    *_new("ESAMSAT.JABAR", "965854852356"),
    *_new("PBBKOT.CIMAHI", "32980109237599"),
    *_new("SHOPEEPAY", "08210000"),
    *_new("PLNNONTAG", "322503000"),
    *_new(CHURCH, "18"),
    *_new(CHURCH_NON, "19"),
]
