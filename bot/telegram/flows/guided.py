"""The customer's guided payment: category → product → number → (months) → bill.

A long category (PDAM's regions) is shown a page at a time, and a name typed at the product
step (part of a region's name) answers with the products that match, as buttons.

One persistent ConversationHandler made of plain step functions. What was picked so far is
the user's `PayDraft` (bot/telegram/draft.py, written to SQLite after every update), so a
restart resumes the step.
The flow mixes buttons and typed numbers, so it is tracked per chat and user, not per
message. The bill it ends with is `bill.py`'s, like a reseller's.
"""

from __future__ import annotations

import warnings

from telegram import CallbackQuery, Update
from telegram.ext import ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.payments import InvalidCustomerNumber, Product
from bot.telegram import callbacks, keyboards, render
from bot.telegram.context import LoketContext
from bot.telegram.flows import account, bill, reseller
from bot.telegram.flows.common import NEW, Handler, button, command
from bot.telegram.grammar import ascii_digits, is_command
from bot.telegram.messages import answer, edit
from bot.telegram.texts import clip, t

# The conversation's states, stored as these numbers: never renumber them.
CATEGORY, PRODUCT, NUMBER, MONTHS = range(4)
MONTH_CHOICES = (1, 2, 3, 6, 12)  # BPJS: how many months to pay, as buttons
SEARCH_SHOWN = 40  # characters of a typed search repeated in the answer
END = ConversationHandler.END


async def pay_entry(update: Update, context: LoketContext) -> int:
    lang = context.lang
    markup = keyboards.categories(lang, context.catalogue.categories)
    if update.callback_query is not None:
        await answer(update.callback_query)
        await edit(update.callback_query, t(lang, "choose_category"), markup)
    else:
        await context.reply(t(lang, "choose_category"), markup)
    return CATEGORY


async def _show_categories(query: CallbackQuery, context: LoketContext) -> int:
    """Back to the first step, in place of the message tapped."""
    lang = context.lang
    await edit(query, t(lang, "choose_category"), keyboards.categories(lang, context.catalogue.categories))
    return CATEGORY


def _offered(context: LoketContext, category: str) -> list[Product]:
    """The category's products that can be buttons, in the catalogue's order."""
    return keyboards.buttonable(context.catalogue.in_category(category))


def _products_text(lang: str, category: str, items: list[Product], page: int) -> str:
    name = t(lang, f"cat_{category}")
    pages = keyboards.page_count(items)
    if pages == 1:
        return t(lang, "choose_product", category=name)
    page = min(max(page, 0), pages - 1)
    return t(lang, "choose_product_page", category=name, page=page + 1, pages=pages)


async def _show_products(query: CallbackQuery, context: LoketContext, category: str, page: int = 0) -> int:
    """The category's product menu, one page of it when it is long, in place of the message tapped."""
    lang = context.lang
    items = _offered(context, category)
    if not items:
        return await _show_categories(query, context)
    await edit(
        query, _products_text(lang, category, items, page), keyboards.products(lang, items, category, page)
    )
    return PRODUCT


async def category_chosen(update: Update, context: LoketContext) -> int:
    query = update.callback_query
    assert query is not None and context.matches
    category = context.matches[0]["category"]
    await answer(query)
    if not _offered(context, category):
        return await _show_categories(query, context)
    context.draft.category = category
    return await _show_products(query, context, category)


async def page_chosen(update: Update, context: LoketContext) -> int:
    """« / » of a long product menu, or the whole list again after a search."""
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    category = context.matches[0]["category"]
    if not _offered(context, category):
        return await _show_categories(query, context)
    context.draft.category = category
    return await _show_products(query, context, category, int(context.matches[0]["page"]))


async def product_searched(update: Update, context: LoketContext) -> int:
    """A name typed at the product step (part of a PDAM region's name): the matching products
    as buttons. A reseller line typed instead is run as such, and ends the flow."""
    assert update.message is not None
    lang = context.lang
    draft = context.draft
    text = " ".join(ascii_digits(update.message.text or "").split())
    if is_command(text):
        draft.clear()
        await reseller.run_line(context, text)
        return END
    category = draft.category
    items = _offered(context, category)
    if not items:  # the category is gone (or the draft is): start again from the categories
        await context.reply(
            t(lang, "choose_category"), keyboards.categories(lang, context.catalogue.categories)
        )
        return CATEGORY
    typed = clip(text, SEARCH_SHOWN)
    name = t(lang, f"cat_{category}")
    hits = keyboards.buttonable(context.catalogue.search(category, text))
    if not hits:
        await context.reply(
            t(lang, "search_none", category=name, query=typed), keyboards.products(lang, items, category)
        )
        return PRODUCT
    lines = [t(lang, "search_found", category=name, query=typed, count=len(hits))]
    if len(hits) > keyboards.PAGE_SIZE:
        lines.append(t(lang, "search_more", more=len(hits) - keyboards.PAGE_SIZE))
    await context.reply("\n".join(lines), keyboards.found(lang, hits, category))
    return PRODUCT


async def product_chosen(update: Update, context: LoketContext) -> int:
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    await answer(query)
    product = context.catalogue.get(context.matches[0]["code"])
    if product is None:
        return await _show_categories(query, context)
    context.draft.product = product.code
    await edit(
        query,
        t(lang, "ask_number", product=product.name, hint=render.number_hint(lang, product.number_rule)),
        keyboards.number_step(lang),
    )
    return NUMBER


async def back_to_products(update: Update, context: LoketContext) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    category = context.draft.category
    return await _show_products(
        query, context, category, keyboards.page_of(_offered(context, category), context.draft.product)
    )


async def flow_cancelled(update: Update, context: LoketContext) -> int:
    lang = context.lang
    context.draft.clear()
    if update.callback_query is not None:
        await answer(update.callback_query)
        await edit(update.callback_query, t(lang, "cancelled"))
    else:
        await context.reply(t(lang, "cancelled"))
    return END


async def number_given(update: Update, context: LoketContext) -> int:
    assert update.message is not None
    lang = context.lang
    draft = context.draft
    product = context.catalogue.get(draft.product)
    if product is None:
        await context.reply(
            t(lang, "choose_category"), keyboards.categories(lang, context.catalogue.categories)
        )
        return CATEGORY
    text = ascii_digits(update.message.text or "")  # ٥٣٠… or full-width digits are digits too
    if is_command(text):  # e.g. SAL or CEK.… typed mid-flow: the user changed their mind
        draft.clear()
        await reseller.run_line(context, text)
        return END
    if product.needs_month:  # BPJS: the number first, then how many months
        try:
            number = product.number_rule.check(text)
        except InvalidCustomerNumber as error:
            await context.reply(render.number_refusal(lang, error, text))
            return NUMBER
        draft.number = number
        await context.reply(
            t(lang, "ask_months", product=product.name, number=number), keyboards.months(lang, MONTH_CHOICES)
        )
        return MONTHS
    tx, ask_again = await bill.inquire(context, product.code, text)
    if ask_again:
        return NUMBER
    draft.clear()
    if tx is not None:
        await bill.show(context, tx, render.bill_text(lang, tx, context.service.balance(tx.user_id)))
    return END


async def months_chosen(update: Update, context: LoketContext) -> int:
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    await answer(query)
    draft = context.draft
    product = context.catalogue.get(draft.product)
    number = draft.number
    months = int(context.matches[0]["months"])
    if product is None or not number or months not in MONTH_CHOICES:
        return await _show_categories(query, context)
    await edit(query, t(lang, "months_chosen", product=product.name, number=number, months=months))
    tx, _ = await bill.inquire(context, product.code, number, months=months)
    draft.clear()
    if tx is not None:
        await bill.show(context, tx, render.bill_text(lang, tx, context.service.balance(tx.user_id)))
    return END


async def nothing_to_cancel(update: Update, context: LoketContext) -> None:
    """/cancel outside the guided payment: nothing to cancel (a bill has its own button)."""
    await context.reply(t(context.lang, "nothing_to_cancel"))


def handlers() -> list[Handler]:
    """The conversation, then /cancel for when no conversation is running."""
    cancel = button(callbacks.CANCEL_FLOW, flow_cancelled)
    back_to_products_button = button(callbacks.BACK, back_to_products)
    # per_message=False on purpose (see the module's docstring): PTB's warning is noise here.
    warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
    conversation = ConversationHandler(
        entry_points=[command("bayar", pay_entry), button(callbacks.MENU_PAY, pay_entry)],
        states={
            CATEGORY: [button(callbacks.CATEGORY, category_chosen), cancel],
            PRODUCT: [
                button(callbacks.PRODUCT, product_chosen),
                button(callbacks.PRODUCT_PAGE, page_chosen),
                MessageHandler(NEW & filters.TEXT & ~filters.COMMAND, product_searched),
                button(callbacks.BACK, pay_entry),
                cancel,
            ],
            NUMBER: [
                MessageHandler(NEW & filters.TEXT & ~filters.COMMAND, number_given),
                back_to_products_button,
                # the list a search answered is still on screen beside the one searched from
                button(callbacks.PRODUCT, product_chosen),
                button(callbacks.PRODUCT_PAGE, page_chosen),
                cancel,
            ],
            MONTHS: [button(callbacks.MONTHS, months_chosen), back_to_products_button, cancel],
        },
        fallbacks=[
            command("start", account.start),
            command("cancel", flow_cancelled),
            command("bayar", pay_entry),
        ],
        name="pay",
        persistent=True,
        allow_reentry=True,
    )
    return [conversation, command("cancel", nothing_to_cancel)]
