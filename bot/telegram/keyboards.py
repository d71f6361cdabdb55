"""Inline keyboards. Callback data carries only a short verb and a ref or code, never money.

Layout of callback data (all under Telegram's 64 bytes):
  m:<pay|status|history|wallet|help>   menu
  cat:<category>  prod:<code>  mon:<n>  back  cancelflow   the guided payment
  pay:<ref>  cancel:<ref>              a bill's buttons
  hist:<offset>  rcpt:<ref>            history pages and receipts
  lang:<id|en>
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.payments import Product, Transaction
from bot.telegram.render import rupiah
from bot.telegram.texts import LANGS, t


def _b(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def menu(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_b(t(lang, "menu_pay"), "m:pay")],
            [_b(t(lang, "menu_status"), "m:status"), _b(t(lang, "menu_history"), "m:history")],
            [_b(t(lang, "menu_wallet"), "m:wallet"), _b(t(lang, "menu_help"), "m:help")],
        ]
    )


def categories(lang: str, keys: list[str]) -> InlineKeyboardMarkup:
    rows = [[_b(t(lang, f"cat_{key}"), f"cat:{key}")] for key in keys]
    rows.append([_b(t(lang, "btn_cancel"), "cancelflow")])
    return InlineKeyboardMarkup(rows)


def products(lang: str, items: list[Product]) -> InlineKeyboardMarkup:
    rows = [[_b(p.name, f"prod:{p.code}")] for p in items]
    rows.append([_b(t(lang, "btn_back"), "back"), _b(t(lang, "btn_cancel"), "cancelflow")])
    return InlineKeyboardMarkup(rows)


def number_step(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(t(lang, "btn_back"), "back"), _b(t(lang, "btn_cancel"), "cancelflow")]])


def months(lang: str, choices: tuple[int, ...]) -> InlineKeyboardMarkup:
    row = [_b(t(lang, "btn_months", n=n), f"mon:{n}") for n in choices]
    return InlineKeyboardMarkup(
        [row, [_b(t(lang, "btn_back"), "back"), _b(t(lang, "btn_cancel"), "cancelflow")]]
    )


def bill(lang: str, tx: Transaction) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _b(t(lang, "btn_pay", amount=rupiah(tx.amount)), f"pay:{tx.ref_id}"),
                _b(t(lang, "btn_cancel"), f"cancel:{tx.ref_id}"),
            ]
        ]
    )


def history(lang: str, txs: list[Transaction], offset: int, page: int, total: int) -> InlineKeyboardMarkup:
    rows = [[_b(t(lang, "btn_receipt", ref=tx.ref_id), f"rcpt:{tx.ref_id}")] for tx in txs]
    nav = []
    if offset > 0:
        nav.append(_b(t(lang, "btn_prev"), f"hist:{max(0, offset - page)}"))
    if offset + page < total:
        nav.append(_b(t(lang, "btn_next"), f"hist:{offset + page}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def languages() -> InlineKeyboardMarkup:
    names = {"id": "Bahasa Indonesia", "en": "English"}
    return InlineKeyboardMarkup([[_b(names[code], f"lang:{code}") for code in LANGS]])
