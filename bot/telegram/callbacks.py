"""Button data: what each inline button sends back, built and matched in one place.

Keyboards build the data with the functions here; handlers are registered with the patterns
here and read the parts from `context.matches` by name. The data comes back from the client
untrusted, so it carries only a short verb and a ref, code or offset, never money, and all of
it fits Telegram's 64 bytes:

  m:<pay|status|history|wallet|help>          the menu
  cat:<category>  prod:<code>  mon:<n>        the guided payment's steps
  pp:<category>:<page>                        …a page of a long product menu (PDAM regions)
  back  cancelflow                            …and its Back / Cancel
  pay:<ref>  cancel:<ref>                     a bill's buttons
  hist:<offset>  rcpt:<ref>                   history pages and receipts
  lang:<id|en>                                the language picker
  qris:<ref>                                  pay a bill by QRIS (money in, flows/qris.py)
  qchk:<order>  qcnl:<order>                  a QR's "I have paid? Check" and Cancel
  m:topup  isi:<amount>                       top up: the menu, an amount picked
  isiq:<amount>  isit:<amount>                …by QRIS or by a bank transfer ticket
  tacc:<id>  trej:<id>                        an operator accepts / rejects a deposit ticket

A top-up amount is the user's own request, like typing `/isi 50000`: nothing is paid from it.
The QR or the ticket shows the amount before any money moves, and what a paid QR credits is
the intent's amount, read from the database.
"""

from __future__ import annotations

import re

_REF = r"(?P<ref>[A-Za-z0-9]+)"
MAX_BYTES = 64  # Telegram refuses a button whose data is longer (BUTTON_DATA_INVALID)

MENU_PAY = re.compile(r"^m:pay$")
MENU = re.compile(r"^m:(?P<choice>status|history|wallet|help)$")
CATEGORY = re.compile(r"^cat:(?P<category>[a-z0-9_]+)$")
PRODUCT = re.compile(r"^prod:(?P<code>[A-Za-z0-9._-]+)$")
PRODUCT_PAGE = re.compile(r"^pp:(?P<category>[a-z0-9_]+):(?P<page>[0-9]{1,3})$")
MONTHS = re.compile(r"^mon:(?P<months>[0-9]{1,2})$")
BACK = re.compile(r"^back$")
CANCEL_FLOW = re.compile(r"^cancelflow$")
PAY = re.compile(rf"^pay:{_REF}$")
CANCEL = re.compile(rf"^cancel:{_REF}$")
HISTORY = re.compile(r"^hist:(?P<offset>[0-9]{1,9})$")
RECEIPT = re.compile(rf"^rcpt:{_REF}$")
LANGUAGE = re.compile(r"^lang:(?P<code>[a-z]{2})$")
QRIS_BILL = re.compile(rf"^qris:{_REF}$")
QR_CHECK = re.compile(r"^qchk:(?P<order>[A-Za-z0-9._~-]{1,50})$")
QR_CANCEL = re.compile(r"^qcnl:(?P<order>[A-Za-z0-9._~-]{1,50})$")
MENU_TOPUP = re.compile(r"^m:topup$")
TOPUP_AMOUNT = re.compile(r"^isi:(?P<amount>[0-9]{1,12})$")
TOPUP_QRIS = re.compile(r"^isiq:(?P<amount>[0-9]{1,12})$")
TOPUP_TICKET = re.compile(r"^isit:(?P<amount>[0-9]{1,12})$")
TICKET_ACCEPT = re.compile(r"^tacc:(?P<ticket>[0-9]{1,12})$")
TICKET_REJECT = re.compile(r"^trej:(?P<ticket>[0-9]{1,12})$")


def menu(choice: str) -> str:
    return f"m:{choice}"


def category(key: str) -> str:
    return f"cat:{key}"


def product(code: str) -> str:
    return f"prod:{code}"


def is_product_button(code: str) -> bool:
    """Whether a product can be a button: a provider's code may be too long for Telegram's 64
    bytes or hold characters PRODUCT does not read back (it can still be typed: CEK.<code>.…)."""
    data = product(code)
    return len(data.encode()) <= MAX_BYTES and PRODUCT.match(data) is not None


def product_page(category: str, page: int) -> str:
    return f"pp:{category}:{page}"


def months(n: int) -> str:
    return f"mon:{n}"


def back() -> str:
    return "back"


def cancel_flow() -> str:
    return "cancelflow"


def pay(ref: str) -> str:
    return f"pay:{ref}"


def cancel(ref: str) -> str:
    return f"cancel:{ref}"


def history(offset: int) -> str:
    return f"hist:{offset}"


def receipt(ref: str) -> str:
    return f"rcpt:{ref}"


def language(code: str) -> str:
    return f"lang:{code}"


def qris_bill(ref: str) -> str:
    return f"qris:{ref}"


def qr_check(order_id: str) -> str:
    return f"qchk:{order_id}"


def qr_cancel(order_id: str) -> str:
    return f"qcnl:{order_id}"


def topup_amount(amount: int) -> str:
    return f"isi:{amount}"


def topup_qris(amount: int) -> str:
    return f"isiq:{amount}"


def topup_ticket(amount: int) -> str:
    return f"isit:{amount}"


def ticket_accept(ticket_id: int) -> str:
    return f"tacc:{ticket_id}"


def ticket_reject(ticket_id: int) -> str:
    return f"trej:{ticket_id}"
