"""Inline keyboards. Their buttons' data is built by bot/telegram/callbacks.py and never holds money."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.payments import Product, Transaction
from bot.telegram import callbacks
from bot.telegram.render import rupiah
from bot.telegram.texts import LANGS, t


def _b(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _back_and_cancel(lang: str) -> list[InlineKeyboardButton]:
    return [_b(t(lang, "btn_back"), callbacks.back()), _b(t(lang, "btn_cancel"), callbacks.cancel_flow())]


def menu(lang: str, *, topup: bool = False) -> InlineKeyboardMarkup:
    """The main menu; `topup` adds "Isi saldo" where customers can top up themselves."""

    def item(choice: str) -> InlineKeyboardButton:
        return _b(t(lang, f"menu_{choice}"), callbacks.menu(choice))

    rows = [[item("pay")], [item("status"), item("history")], [item("wallet"), item("help")]]
    if topup:
        rows.insert(1, [item("topup")])
    return InlineKeyboardMarkup(rows)


def categories(lang: str, keys: list[str]) -> InlineKeyboardMarkup:
    rows = [[_b(t(lang, f"cat_{key}"), callbacks.category(key))] for key in keys]
    rows.append([_b(t(lang, "btn_cancel"), callbacks.cancel_flow())])
    return InlineKeyboardMarkup(rows)


PAGE_SIZE = 8  # product buttons on one page of a category (PDAM has some twenty regions)


def buttonable(items: list[Product]) -> list[Product]:
    """The products that can be a button (callbacks.is_product_button), in their order."""
    return [p for p in items if callbacks.is_product_button(p.code)]


def page_count(items: list[Product]) -> int:
    return max(1, -(-len(items) // PAGE_SIZE))


def page_of(items: list[Product], code: str) -> int:
    """The page that shows product `code` (the first page when it is not there)."""
    codes = [p.code.upper() for p in items]
    return codes.index(code.upper()) // PAGE_SIZE if code.upper() in codes else 0


def products(lang: str, items: list[Product], category: str = "", page: int = 0) -> InlineKeyboardMarkup:
    """One page of a category's products (all of them when they fit one), « / » between pages."""
    pages = page_count(items)
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    rows = [[_b(p.name, callbacks.product(p.code))] for p in items[start : start + PAGE_SIZE]]
    nav = []
    if page > 0:
        nav.append(_b(t(lang, "btn_prev"), callbacks.product_page(category, page - 1)))
    if page < pages - 1:
        nav.append(_b(t(lang, "btn_next"), callbacks.product_page(category, page + 1)))
    if nav:
        rows.append(nav)
    rows.append(_back_and_cancel(lang))
    return InlineKeyboardMarkup(rows)


def found(lang: str, items: list[Product], category: str) -> InlineKeyboardMarkup:
    """What a typed name found (at most a page of it), then the way back to the whole list."""
    rows = [[_b(p.name, callbacks.product(p.code))] for p in items[:PAGE_SIZE]]
    rows.append([_b(t(lang, "btn_all_products"), callbacks.product_page(category, 0))])
    rows.append(_back_and_cancel(lang))
    return InlineKeyboardMarkup(rows)


def number_step(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_back_and_cancel(lang)])


def months(lang: str, choices: tuple[int, ...]) -> InlineKeyboardMarkup:
    row = [_b(t(lang, "btn_months", n=n), callbacks.months(n)) for n in choices]
    return InlineKeyboardMarkup([row, _back_and_cancel(lang)])


def bill(
    lang: str, tx: Transaction, *, qris: int | None = None, qris_first: bool = False
) -> InlineKeyboardMarkup:
    """Pay from the wallet / Cancel; with `qris` (the amount incl. QRIS_FEE) a QRIS button too,
    on top when the wallet does not hold the bill (`qris_first`)."""
    rows = [
        [
            _b(t(lang, "btn_pay", amount=rupiah(tx.amount)), callbacks.pay(tx.ref_id)),
            _b(t(lang, "btn_cancel"), callbacks.cancel(tx.ref_id)),
        ]
    ]
    if qris is not None:
        button = [_b(t(lang, "btn_qris", amount=rupiah(qris)), callbacks.qris_bill(tx.ref_id))]
        rows.insert(0 if qris_first else 1, button)
    return InlineKeyboardMarkup(rows)


def qr(lang: str, order_id: str) -> InlineKeyboardMarkup:
    """Under a QR: "I have paid? Check" (a status check, never a credit by itself) and Cancel."""
    return InlineKeyboardMarkup(
        [[_b(t(lang, "btn_qr_check"), callbacks.qr_check(order_id)),
          _b(t(lang, "btn_qr_cancel"), callbacks.qr_cancel(order_id))]]
    )  # fmt: skip


TOPUP_AMOUNTS = (50_000, 100_000, 200_000, 500_000)


def topup_amounts(lang: str) -> InlineKeyboardMarkup:
    buttons = [
        _b(t(lang, "btn_topup_amount", amount=rupiah(a)), callbacks.topup_amount(a)) for a in TOPUP_AMOUNTS
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def topup_methods(lang: str, amount: int, *, qris: int | None, transfer: bool) -> InlineKeyboardMarkup:
    """QRIS (showing what the customer pays, fee included) and/or a bank transfer ticket."""
    row = []
    if qris is not None:
        row.append(_b(t(lang, "btn_topup_qris", amount=rupiah(qris)), callbacks.topup_qris(amount)))
    if transfer:
        row.append(_b(t(lang, "btn_topup_transfer"), callbacks.topup_ticket(amount)))
    return InlineKeyboardMarkup([row])


def _ticket_row(lang: str, ticket_id: int, amount: int) -> list[InlineKeyboardButton]:
    label = t(lang, "btn_ticket_accept", id=ticket_id, amount=rupiah(amount))
    return [
        _b(label, callbacks.ticket_accept(ticket_id)),
        _b(t(lang, "btn_ticket_reject", id=ticket_id), callbacks.ticket_reject(ticket_id)),
    ]


def ticket_decision(lang: str, ticket_id: int, amount: int) -> InlineKeyboardMarkup:
    """✅ Terima (the ticket's transfer amount) / ✖ Tolak, for the operators."""
    return InlineKeyboardMarkup([_ticket_row(lang, ticket_id, amount)])


def tickets(lang: str, items: list[tuple[int, int]]) -> InlineKeyboardMarkup | None:
    """One ✅ / ✖ row per open ticket (id, transfer amount) of `/tiket`."""
    rows = [_ticket_row(lang, ticket_id, amount) for ticket_id, amount in items]
    return InlineKeyboardMarkup(rows) if rows else None


def history(lang: str, txs: list[Transaction], offset: int, page: int, total: int) -> InlineKeyboardMarkup:
    rows = [[_b(t(lang, "btn_receipt", ref=tx.ref_id), callbacks.receipt(tx.ref_id))] for tx in txs]
    nav = []
    if offset > 0:
        nav.append(_b(t(lang, "btn_prev"), callbacks.history(max(0, offset - page))))
    if offset + page < total:
        nav.append(_b(t(lang, "btn_next"), callbacks.history(offset + page)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(t(code, "lang_name"), callbacks.language(code)) for code in LANGS]])
