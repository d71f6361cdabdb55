"""How the bot's sentences are filled in: `t(lang, key, **values)`.

The sentences themselves are in bot/telegram/locales/ (id.py first, en.py). Handlers never
hold a sentence: they name a key. `t()` escapes every value it is given for Telegram's HTML
parse mode, so a customer name like `<b>&` stays text; `fit()` keeps a message within
Telegram's 4096 characters.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.telegram.locales import LOCALES

DEFAULT_LANG = "id"  # the language of a user the bot knows nothing about, and the fallback
LANGS = tuple(LOCALES)
MAX_VALUE = 256  # characters of one user or biller value shown in a message (a name, a ref, a reason)
MAX_MESSAGE = 4096  # Telegram's limit for a message's text
ELLIPSIS = "…"


class Raw(str):
    """A value that is already safe HTML (built by the renderer from escaped parts)."""

    __slots__ = ()


TEXTS: dict[str, dict[str, str]] = LOCALES  # language -> key -> template


def norm_lang(code: str | None) -> str:
    """Telegram's language_code ('en-GB', 'id') to one of ours; Indonesian by default."""
    return "en" if (code or "").lower().startswith("en") else DEFAULT_LANG


def clip(value: Any, limit: int = MAX_VALUE) -> str:
    """A value cut to `limit` characters, with '…' when it was longer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def escape(value: Any) -> str:
    """Escaped for HTML; a value from a user or a biller is cut to MAX_VALUE characters first,
    so one long name, ref or reason can never push a message past Telegram's limit."""
    if isinstance(value, Raw):
        return str(value)
    return html.escape(clip(value), quote=False)


def _size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units; an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message within Telegram's 4096 characters, cut at whole lines (each line of a template
    closes its own tags, so the HTML stays valid), ending with '…' when something was left off."""
    if _size(text) <= limit:
        return text
    kept: list[str] = []
    used = _size(ELLIPSIS)
    for line in text.split("\n"):
        if used + _size(line) + 1 > limit:
            break
        kept.append(line)
        used += _size(line) + 1
    if not kept:  # one line alone is too long: keep its plain text
        plain = html.unescape(re.sub(r"<[^>]*>", "", text.split("\n", 1)[0]))
        return html.escape(plain[: limit // 6], quote=False) + ELLIPSIS
    return "\n".join([*kept, ELLIPSIS])


def t(lang: str, key: str, **values: Any) -> str:
    """The text for `key` in `lang` with every value HTML-escaped (Raw values kept)."""
    table = TEXTS.get(lang, TEXTS[DEFAULT_LANG])
    template = table.get(key, TEXTS[DEFAULT_LANG][key])
    return template.format(**{name: escape(v) for name, v in values.items()})
