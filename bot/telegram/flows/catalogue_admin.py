"""Operators' catalogue and prices: /price and /products (on, off, refresh).

Registered for ADMIN_IDS only (`filters.User`), like `operator.py`; the core checks the
operator again on every change. Prices are markups in whole rupiah on top of the bill; the core
(bot/payments/prices.py) keeps every change as an event and fixes the price on a bill when it is
shown, so nothing here can change a bill already shown.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import filters

from bot.payments import ALL, ROLES, InvalidPriceRule, PriceRule, subject_of
from bot.telegram.catalogue_news import refresh_catalogue, report_text
from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, command
from bot.telegram.grammar import AmountError, parse_amount
from bot.telegram.render import rupiah
from bot.telegram.texts import t

REMOVE = ("-", "hapus", "remove", "default", "bawaan")
_ZERO = re.compile(r"0+")


def _markup(word: str) -> int | None:
    """A markup: 0 or whole rupiah ('2.500'); None for "remove the rule"; AmountError else."""
    if word.lower() in REMOVE:
        return None
    if _ZERO.fullmatch(word):
        return 0
    return parse_amount(word)


def _subject_text(lang: str, subject: str) -> str:
    if subject.startswith("role:"):
        return t(lang, f"role_{subject[5:]}")
    return t(lang, "price_subject_user", user_id=subject[5:])


def _product_text(lang: str, product: str) -> str:
    return t(lang, "price_rule_all") if product == ALL else product


def _amount_text(lang: str, amount: int | None) -> str:
    return t(lang, "price_default") if amount is None else rupiah(amount)


def price_table(context: LoketContext) -> str:
    lang = context.lang
    book = context.service.prices
    lines = [t(lang, "price_table", default=rupiah(book.default))]
    rules: list[PriceRule] = book.rules()
    for rule in rules:
        lines.append(
            t(
                lang,
                "price_line",
                product=_product_text(lang, rule.product),
                subject=_subject_text(lang, rule.subject),
                amount=rupiah(rule.markup),
            )
        )
    if not rules:
        lines.append(t(lang, "price_none"))
    lines += [t(lang, "price_order"), "", t(lang, "usage_price")]
    return "\n".join(lines)


async def price(update: Update, context: LoketContext) -> None:
    """`/price` shows the table; `/price <product|*> <customer|reseller|user id> <markup|->` sets."""
    lang = context.lang
    args = context.args or []
    if not args:
        await context.reply(price_table(context))
        return
    if len(args) != 3:
        await context.reply(t(lang, "usage_price"))
        return
    product_word, subject_word, amount_word = args
    if product_word != ALL:
        product = context.catalogue.get(product_word)
        if product is None:
            await context.reply(t(lang, "price_unknown_product", product=product_word))
            return
        product_word = product.code
    try:
        subject = subject_of(subject_word)
    except InvalidPriceRule:
        await context.reply(t(lang, "price_bad_subject"))
        return
    try:
        markup = _markup(amount_word)
    except AmountError:
        await context.reply(t(lang, "price_bad_amount"))
        return
    change = context.service.prices.set_rule(context.user_id, product_word, subject, markup)
    values = {
        "product": _product_text(lang, change.product),
        "subject": _subject_text(lang, change.subject),
        "old": _amount_text(lang, change.old),
        "new": _amount_text(lang, change.new),
    }
    await context.reply(t(lang, "price_set" if markup is not None else "price_removed", **values))


def products_table(context: LoketContext) -> str:
    lang = context.lang
    book = context.service.prices
    off = book.switched_off()
    lines = [t(lang, "products_title")]
    for product in context.catalogue.all:
        if not product.listed:
            continue
        customer, reseller = (book.markup_for(product.code, 0, role) for role in ROLES)
        lines.append(
            t(
                lang,
                "products_line",
                state=t(lang, "products_off" if product.code.upper() in off else "products_on"),
                code=product.code,
                name=product.name,
                customer=rupiah(customer),
                reseller=rupiah(reseller),
            )
        )
    lines += ["", t(lang, "usage_products")]
    return "\n".join(lines)


async def products(update: Update, context: LoketContext) -> None:
    """`/products`, `/products on|off <code>`, `/products refresh`."""
    lang = context.lang
    args = context.args or []
    if not args:
        await context.reply(products_table(context))
        return
    verb = args[0].lower()
    if verb in ("on", "off") and len(args) == 2:
        product = context.catalogue.get(args[1])
        if product is None:
            await context.reply(t(lang, "products_unknown", code=args[1]))
            return
        enabled = verb == "on"
        if context.service.prices.switch(context.user_id, product.code, enabled):
            await context.reply(t(lang, f"products_switched_{verb}", code=product.code))
        else:
            state = t(lang, "products_on" if enabled else "products_off")
            await context.reply(t(lang, "products_already", code=product.code, state=state))
        return
    if verb == "refresh" and len(args) == 1:
        report = await refresh_catalogue(context.loket_application, tell=False)
        await context.reply(report_text(lang, report) if report else t(lang, "catalogue_static"))
        return
    await context.reply(t(lang, "usage_products"))


def handlers(admin_ids: list[int]) -> list[Handler]:
    """The commands, for the operators only (anyone else's falls through to `fallback.py`)."""
    operators = filters.User(user_id=admin_ids)
    return [command("price", price, operators), command("products", products, operators)]
