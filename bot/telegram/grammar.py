"""The one grammar for resellers' one-line commands and the operator's amounts.

Pure functions: text in, a typed command (or a GrammarError) out. Case-insensitive; `.`, `#`,
`*`, `;` and spaces separate words, as on reseller servers (CEK.PLNPOSTPAID.5300…). A product code may
itself hold a dot (PDAMKOTA.SURABAYA): the customer number is the last word and the product is
everything between the keyword and it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.payments import MAX_RUPIAH

_SEPARATORS = re.compile(r"[.#*;\s]+")
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)")
_REF = re.compile(r"[A-Za-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# A customer number, maybe in dashed groups as people write them (5300-0000-0000). Groups are
# short: "530000000001-1234" is a number and a PIN, never one 16-digit number.
_NUMBER = re.compile(r"[0-9]+|[0-9]{1,5}(?:-[0-9]{1,5})+")
NUMBER_GROUP = re.compile(r"[0-9]{1,5}")


class GrammarError(ValueError):
    """The line is not one of the reseller commands."""


class AmountError(ValueError):
    """An amount that is not whole rupiah written as digits with optional thousands dots.

    `kind` (format | zero | sign | too_big) names the broken rule, so the chat can explain it in the
    user's language.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Verb(StrEnum):
    INQUIRE = "inquire"  # CEK.<PRODUCT>.<NUMBER>
    PAY = "pay"  # BAYAR.<PRODUCT>.<NUMBER> and /pay <PRODUCT> <NUMBER>
    STATUS_REF = "status_ref"  # STATUS.<REF>, /status <ref>
    STATUS_CUSTOMER = "status_customer"  # STATUS.<CUSTOMER_NO>
    BALANCE = "balance"  # SAL, SALDO
    REPORT = "report"  # LAP, LAP.<DD/MM/YYYY>: the day's transactions
    STATEMENT = "statement"  # MUTASI: wallet entries
    TICKET = "ticket"  # TIKET.<amount>: a deposit ticket (a bank transfer an operator confirms)


@dataclass(frozen=True)
class Command:
    verb: Verb
    product: str = ""
    customer_number: str = ""
    ref: str = ""
    day: date | None = None  # REPORT: None for today
    amount_text: str = ""  # TICKET: the amount as typed (flows/topup.py explains a bad one)


_INQUIRE_WORDS = {"CEK"}
_PAY_WORDS = {"BAYAR", "/PAY", "PAY"}
_STATUS_WORDS = {"STATUS", "/STATUS"}
_BALANCE_WORDS = {"SAL", "SALDO"}
_REPORT_WORDS = {"LAP", "LAPORAN"}
_STATEMENT_WORDS = {"MUTASI"}
_TICKET_WORDS = {"TIKET"}
_KEYWORDS = (
    _INQUIRE_WORDS
    | _PAY_WORDS
    | _STATUS_WORDS
    | _BALANCE_WORDS
    | _REPORT_WORDS
    | _STATEMENT_WORDS
    | _TICKET_WORDS
)
_DAY = re.compile(r"([0-9]{1,2})[/-]([0-9]{1,2})[/-]([0-9]{4})")
FIRST_REPORT_DAY = date(2000, 1, 1)


def report_days(today: date) -> tuple[date, date]:
    """The first and last day a report may name: 2000 to the end of next year. A typo of a
    year (9999, 0001) is refused before the date arithmetic could overflow."""
    return FIRST_REPORT_DAY, date(today.year + 1, 12, 31)


def ascii_digits(text: str) -> str:
    """Any script's decimal digits (Arabic-Indic ٥, full-width ５…) as ASCII 0-9."""
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text)


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(text.strip()) if w]


def names_keyword(text: str) -> bool:
    """Whether a line starts with one of the grammar's keywords (a try at a command)."""
    words = _words(text or "")
    head = words[0].upper().split("@", 1)[0] if words else ""
    return head in _KEYWORDS


def looks_like_ref(word: str) -> bool:
    """Our refs hold a letter (e.g. LK…); customer numbers are all digits."""
    return bool(_REF.fullmatch(word)) and not _DIGITS.fullmatch(word)


def parse_command(text: str) -> Command:
    """Parse one line. Raises GrammarError for anything that is not a reseller command."""
    words = _words(text or "")
    if not words:
        raise GrammarError("empty")
    head = words[0].upper().split("@", 1)[0]
    rest = words[1:]
    if head in _BALANCE_WORDS:
        if rest:
            raise GrammarError("balance takes no arguments")
        return Command(Verb.BALANCE)
    if head in _STATEMENT_WORDS:
        if rest:
            raise GrammarError("the statement takes no arguments")
        return Command(Verb.STATEMENT)
    if head in _TICKET_WORDS:  # TIKET.100000, TIKET 100.000 (the dots split it: put back)
        if not rest:
            raise GrammarError("a ticket takes an amount")
        return Command(Verb.TICKET, amount_text=".".join(rest))
    if head in _REPORT_WORDS:
        if not rest:
            return Command(Verb.REPORT)
        match = _DAY.fullmatch(rest[0]) if len(rest) == 1 else None
        if match is None:
            raise GrammarError("a report takes a day as DD/MM/YYYY")
        try:
            return Command(Verb.REPORT, day=date(int(match[3]), int(match[2]), int(match[1])))
        except ValueError:
            raise GrammarError("no such day") from None
    if head in _INQUIRE_WORDS or head in _PAY_WORDS:
        if len(rest) < 2:
            raise GrammarError("product and customer number needed")
        number = rest[-1]
        if not _NUMBER.fullmatch(number):
            raise GrammarError("the customer number must be digits")
        number = number.replace("-", "")
        product = ".".join(rest[:-1]).upper()
        verb = Verb.INQUIRE if head in _INQUIRE_WORDS else Verb.PAY
        return Command(verb, product=product, customer_number=number)
    if head in _STATUS_WORDS:
        if len(rest) != 1:
            raise GrammarError("one reference or customer number needed")
        word = rest[0]
        if _NUMBER.fullmatch(word):
            return Command(Verb.STATUS_CUSTOMER, customer_number=word.replace("-", ""))
        if looks_like_ref(word):
            return Command(Verb.STATUS_REF, ref=word.upper())
        raise GrammarError("not a reference or customer number")
    raise GrammarError(f"unknown keyword {head!r}")


def is_command(text: str) -> bool:
    """Whether a line is a reseller command (a bare customer number never is)."""
    try:
        parse_command(text)
    except GrammarError:
        return False
    return True


def parse_amount(text: str) -> int:
    """Whole rupiah: '50000' or '50.000'. Anything else (50rb, 1,5, 0, -5) raises AmountError."""
    word = (text or "").strip()
    if not _AMOUNT.fullmatch(word):
        raise AmountError("format", "use digits with optional thousands dots, e.g. 50000 or 50.000")
    value = int(word.replace(".", ""))
    if value <= 0:
        raise AmountError("zero", "must be more than zero")
    if value > MAX_RUPIAH:
        raise AmountError("too_big", f"at most {MAX_RUPIAH}")
    return value


def parse_signed_amount(text: str) -> int:
    """'+50.000' or '-10000' for an adjustment: a sign is required, zero is refused."""
    word = (text or "").strip()
    if not word or word[0] not in "+-":
        raise AmountError("sign", "start with + or -, e.g. +50.000 or -10.000")
    value = parse_amount(word[1:])
    return value if word[0] == "+" else -value
