"""The reseller grammar row by row, and the operator's amounts (bot/telegram/grammar.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.telegram.grammar import (
    AmountError,
    Command,
    GrammarError,
    Verb,
    parse_amount,
    parse_command,
    parse_signed_amount,
)
from bot.telegram.texts import t


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CEK.PLNPOSTPAID.530000000000", Command(Verb.INQUIRE, "PLNPOSTPAID", "530000000000")),
        ("cek.plnpostpaid.530000000000", Command(Verb.INQUIRE, "PLNPOSTPAID", "530000000000")),
        ("Cek PLNPOSTPAID 530000000000", Command(Verb.INQUIRE, "PLNPOSTPAID", "530000000000")),
        ("CEK#PLNPOSTPAID#530000000000", Command(Verb.INQUIRE, "PLNPOSTPAID", "530000000000")),
        ("  CEK . PLNPOSTPAID . 530000000000 ", Command(Verb.INQUIRE, "PLNPOSTPAID", "530000000000")),
        ("CEK.PDAMKOTA.SURABAYA.10200000", Command(Verb.INQUIRE, "PDAMKOTA.SURABAYA", "10200000")),
        ("BAYAR.TELKOMPSTN.6391601201", Command(Verb.PAY, "TELKOMPSTN", "6391601201")),
        ("bayar telkompstn 6391601201", Command(Verb.PAY, "TELKOMPSTN", "6391601201")),
        ("/pay PLNPOSTPAID 530000000000", Command(Verb.PAY, "PLNPOSTPAID", "530000000000")),
        ("/pay@loket_test_bot PLNPOSTPAID 530000000000", Command(Verb.PAY, "PLNPOSTPAID", "530000000000")),
        ("STATUS.LK261124215943UIFS4U", Command(Verb.STATUS_REF, ref="LK261124215943UIFS4U")),
        ("status lk261124215943uifs4u", Command(Verb.STATUS_REF, ref="LK261124215943UIFS4U")),
        ("/status LK261124215943UIFS4U", Command(Verb.STATUS_REF, ref="LK261124215943UIFS4U")),
        ("STATUS.530000000000", Command(Verb.STATUS_CUSTOMER, customer_number="530000000000")),
        ("SAL", Command(Verb.BALANCE)),
        ("saldo", Command(Verb.BALANCE)),
        ("LAP", Command(Verb.REPORT)),
        ("lap.25/11/2026", Command(Verb.REPORT, day=date(2026, 11, 25))),
        ("LAPORAN 1-2-2026", Command(Verb.REPORT, day=date(2026, 2, 1))),
        ("mutasi", Command(Verb.STATEMENT)),
    ],
)
def test_grammar_accepts(line: str, expected: Command) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "halo",
        "CEK",
        "CEK.PLNPOSTPAID",
        "CEK.PLNPOSTPAID.53000X",
        "BAYAR.530000000000",
        "STATUS",
        "STATUS.A.B",
        "STATUS.LK-1",
        "SAL.1234",
        "S.1234",
        "/pay",
        "CEK.PLNPOSTPAID.٥٣٠٠٠٠٠٠٠٠٠٠",
        "LAP.32/13/2026",
        "LAP.2026-11-25",
        "LAP.25/11/2026.x",
        "MUTASI.x",
    ],
)
def test_grammar_refuses(line: str) -> None:
    with pytest.raises(GrammarError):
        parse_command(line)


@pytest.mark.parametrize(
    ("text", "value"), [("50000", 50000), ("50.000", 50000), ("1.234.567", 1234567), ("7", 7)]
)
def test_amounts(text: str, value: int) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    "text", ["50rb", "50,000", "1,5", "5.00", "50.0000", ".500", "0", "-5", "", "1e6", "٥٠", "5 000"]
)
def test_bad_amounts(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_amounts_have_an_upper_bound_named_for_the_chat() -> None:
    assert parse_amount("1.000.000.000.000") == 10**12
    for text in ("1.000.000.000.001", "9" * 40):
        with pytest.raises(AmountError) as caught:
            parse_amount(text)
        assert caught.value.kind == "too_big"
        assert t("id", f"amount_{caught.value.kind}")  # every kind has its sentence


def test_signed_amounts() -> None:
    assert parse_signed_amount("+50.000") == 50000
    assert parse_signed_amount("-10000") == -10000
    for bad in ("50000", "+0", "-", "+5rb"):
        with pytest.raises(AmountError):
            parse_signed_amount(bad)
