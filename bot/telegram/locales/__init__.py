"""The bot's words, one module per language: Indonesian first (id.py), English (en.py).

A new language is a new module with the same keys, added to LOCALES.
"""

from bot.telegram.locales import catalogue, en, moneyin
from bot.telegram.locales import id as indonesian

LOCALES: dict[str, dict[str, str]] = {
    "id": {**indonesian.TEXTS, **catalogue.ID, **moneyin.ID},
    "en": {**en.TEXTS, **catalogue.EN, **moneyin.EN},
}
