"""The user's own corner: /start and the menu, /help, /lang, history, receipts, the wallet.

A user sees only their own transactions: the core answers someone else's ref as unknown.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import ConversationHandler

from bot.payments import TransactionNotFound
from bot.telegram import callbacks, keyboards, render, reports
from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, button, command
from bot.telegram.messages import answer, edit
from bot.telegram.texts import norm_lang, t

HISTORY_PAGE = 5
WALLET_SHOWN = 10  # wallet entries under the balance


async def start(update: Update, context: LoketContext) -> int:
    user = update.effective_user
    context.draft.clear()
    lang = context.lang
    welcome = t(lang, "welcome", name=user.first_name if user else "")
    await context.reply(welcome, keyboards.menu(lang, topup=context.can_top_up))
    return ConversationHandler.END  # /start also ends a guided payment


async def help_command(update: Update, context: LoketContext) -> None:
    lang = context.lang
    text = t(lang, "help")
    if context.can_top_up:
        text += "\n" + t(lang, "help_moneyin")
    if context.is_operator:  # operators also see their own commands
        text += "\n\n" + t(lang, "help_admin") + "\n" + t(lang, "help_catalogue_admin")
        if context.money is not None:
            text += "\n" + t(lang, "help_moneyin_admin")
    await context.reply(text)


async def lang_command(update: Update, context: LoketContext) -> None:
    await context.reply(t(context.lang, "lang_pick"), keyboards.languages())


async def lang_chosen(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    code = norm_lang(context.matches[0]["code"])
    context.set_lang(code)
    await answer(query)
    await edit(query, t(code, "lang_set"), keyboards.menu(code, topup=context.can_top_up))


async def menu_choice(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    choice = context.matches[0]["choice"]
    lang = context.lang
    await answer(query)
    if choice == "history":
        await show_history(context, 0, edit_query=None)
    elif choice == "wallet":
        await context.reply(wallet_text(context))
    elif choice == "status":
        await show_status_overview(context)
    else:
        await context.reply(t(lang, "help"))


async def show_status_overview(context: LoketContext) -> None:
    """The menu's status button: the latest transactions, open payments asked afresh."""
    lang = context.lang
    user_id = context.user_id
    fresh = []
    for tx in context.service.history(user_id, limit=HISTORY_PAGE):
        if tx.is_open:
            tx = await context.service.refresh(tx.ref_id, user_id)
        fresh.append(tx)
    markup = keyboards.history(lang, fresh, 0, len(fresh), len(fresh)) if fresh else None
    await context.reply(reports.status_overview(lang, fresh), markup)


async def history(update: Update, context: LoketContext) -> None:
    if context.args:  # answered, never silently read as /history (operators: flows/operator_tools.py)
        await context.reply(t(context.lang, "takes_no_args", command="/history"))
    await show_history(context, 0, edit_query=None)


async def history_page(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    await show_history(context, int(context.matches[0]["offset"]), edit_query=query)


async def show_history(context: LoketContext, offset: int, edit_query: CallbackQuery | None) -> None:
    lang = context.lang
    user_id = context.user_id
    total = context.service.count_history(user_id)
    if offset >= total:  # a page past the end (an old or forged button): the last page
        offset = max(0, (total - 1) // HISTORY_PAGE * HISTORY_PAGE)
    txs = context.service.history(user_id, limit=HISTORY_PAGE, offset=offset)
    text = reports.history_text(lang, txs, offset, total)
    markup = keyboards.history(lang, txs, offset, HISTORY_PAGE, total) if txs else None
    if edit_query is not None:
        await edit(edit_query, text, markup)
    else:
        await context.reply(text, markup)


async def receipt(update: Update, context: LoketContext) -> None:
    args = context.args or []
    if len(args) != 1:
        await context.reply(t(context.lang, "usage_receipt"))
        return
    await context.reply(receipt_for(context, args[0]))


async def receipt_button(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    await context.reply(receipt_for(context, context.matches[0]["ref"]))


def receipt_for(context: LoketContext, ref: str) -> str:
    try:
        tx = context.service.get(ref.strip().upper(), context.user_id)
    except TransactionNotFound:
        return t(context.lang, "not_found", ref=ref)
    return render.outcome_text(context.lang, tx)


def wallet_text(context: LoketContext) -> str:
    service, user_id = context.service, context.user_id
    text = reports.wallet_text(
        context.lang, service.balance(user_id), service.statement(user_id, WALLET_SHOWN)
    )
    return text + "\n" + t(context.lang, "your_id", user_id=user_id)  # operators need it to top up


async def saldo(update: Update, context: LoketContext) -> None:
    if context.args:  # answered, never silently read as /saldo (operators: flows/operator_tools.py)
        await context.reply(t(context.lang, "takes_no_args", command="/saldo"))
    await context.reply(wallet_text(context))


def handlers() -> list[Handler]:
    return [
        command("start", start),
        command("help", help_command),
        command("lang", lang_command),
        command("history", history),
        command("receipt", receipt),
        command("saldo", saldo),
        button(callbacks.HISTORY, history_page),
        button(callbacks.RECEIPT, receipt_button),
        button(callbacks.LANGUAGE, lang_chosen),
        button(callbacks.MENU, menu_choice),
    ]
