"""The chat's words and how they are shown: the locales' parity, escaping, languages,
rupiah, periods, button data (bot/telegram/texts.py, locales/, render.py, keyboards.py)."""

from __future__ import annotations

import re

import pytest

from bot.telegram import keyboards
from bot.telegram.render import age_text, rupiah
from bot.telegram.texts import TEXTS, Raw, norm_lang, t


def test_texts_have_the_same_keys_and_placeholders() -> None:
    assert TEXTS["id"].keys() == TEXTS["en"].keys()
    field = re.compile(r"{(\w+)}")
    for key, text in TEXTS["id"].items():
        assert set(field.findall(text)) == set(field.findall(TEXTS["en"][key])), key


def test_t_escapes_values_but_not_raw() -> None:
    assert t("en", "not_found", ref="<b>&") == "Transaction &lt;b&gt;&amp; not found."
    assert t("en", "not_found", ref=Raw("<i>x</i>")) == "Transaction <i>x</i> not found."
    assert t("xx", "cancelled").startswith("Dibatalkan")  # unknown language: Indonesian


def test_language_codes() -> None:
    assert norm_lang("en-GB") == "en" and norm_lang("EN") == "en"
    assert norm_lang("id") == "id" and norm_lang(None) == "id" and norm_lang("de") == "id"


def test_rupiah_and_age() -> None:
    assert rupiah(137110) == "Rp 137.110"
    assert rupiah(0) == "Rp 0" and rupiah(1_000_000) == "Rp 1.000.000" and rupiah(-5000) == "-Rp 5.000"
    assert age_text(5) == "5s" and age_text(125) == "2m05s" and age_text(7260) == "2h01m"


@pytest.mark.parametrize(
    ("lang", "period", "label"),
    [
        ("id", "202608,202609,202610", "AGU 2026, SEP 2026, OKT 2026"),
        ("en", "202608", "AUG 2026"),
        ("id", "OKT 2026", "OKT 2026"),  # already a label: kept
        ("id", "201413", "201413"),  # not a month: kept as the biller wrote it
        ("id", "", ""),
    ],
)
def test_billers_periods_read_as_months(lang: str, period: str, label: str) -> None:
    from bot.telegram.render import period_label

    assert period_label(lang, period) == label


def test_callback_data_fits_in_64_bytes() -> None:
    for lang in ("id", "en"):
        markups = [keyboards.menu(lang), keyboards.languages(), keyboards.number_step(lang)]
        markups.append(keyboards.categories(lang, ["telkom", "pln", "pdam"]))
        for markup in markups:
            for row in markup.inline_keyboard:
                for button in row:
                    assert 0 < len(button.callback_data.encode()) <= 64
