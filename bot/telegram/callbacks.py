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
