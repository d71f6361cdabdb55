"""A bill in the chat: asking the biller for it, showing it, and its Pay / Cancel buttons.

Both ways of paying end here: the guided flow and the reseller's CEK/BAYAR lines inquire
through `inquire` and show the bill with its buttons. The buttons carry only the ref; the
amount paid is the one the user confirmed, read by the core from its database. The buttons
work in and out of the guided conversation, on old bills too.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, MaybeInaccessibleMessage, Update
from telegram.error import TelegramError

from bot.payments import (
    MAX_MONTHS,
    BillBeingPaid,
    InquiryError,
    InquiryExpired,
    InquiryLimited,
    InsufficientBalance,
    InvalidCustomerNumber,
    InvalidMonths,
    NoProviderCode,
    NotPayable,
    PrepaidProduct,
    ProductOff,
    Reason,
    Transaction,
    TransactionNotFound,
    TxState,
    UnknownProduct,
    is_busy,
)
from bot.telegram import callbacks, keyboards, render
from bot.telegram.context import LoketContext
from bot.telegram.flows import maintenance
from bot.telegram.flows.common import Handler, button
from bot.telegram.messages import PROCESSING_AFTER, answer, edit, edit_or_send, keep_typing
from bot.telegram.texts import t

log = logging.getLogger(__name__)


def notify_for(message: MaybeInaccessibleMessage, lang: str) -> dict[str, Any]:
    """Where the core sends news of a payment: the bill's message, in the chat's language."""
    return {"chat_id": message.chat.id, "message_id": message.message_id, "lang": lang}


async def inquire(
    context: LoketContext, code: str, number: str, months: int = 1
) -> tuple[Transaction | None, bool]:
    """Run an inquiry, with 'typing…' shown when it takes a while, and explain any refusal.

    Returns the transaction (None when there is no bill) and whether to ask for the
    number again (a wrong number keeps the customer in the number step).
    """
    lang = context.lang
    closed = maintenance.refusal(context)  # /maintenance on: no new inquiry
    if closed is not None:
        await context.reply(closed)
        return None, False
    chat = context.effective_chat
    assert chat is not None
    typing = asyncio.create_task(keep_typing(context.bot, chat.id))
    try:
        return await context.service.inquire(context.user_id, code, number, months=months), False
    except PrepaidProduct:
        await context.reply(t(lang, "product_prepaid", product=code.upper()))
    except NoProviderCode:
        await context.reply(t(lang, "product_no_code", product=code.upper()))
    except UnknownProduct:
        codes = ", ".join(context.catalogue.codes)
        await context.reply(t(lang, "unknown_product", product=code, codes=codes))
    except ProductOff:
        await context.reply(t(lang, "product_off", product=code.upper()))
    except InvalidCustomerNumber as error:
        await context.reply(render.number_refusal(lang, error, number))
        return None, True
    except InvalidMonths:
        await context.reply(t(lang, "months_invalid", most=MAX_MONTHS))
    except InquiryError as error:
        await context.reply(render.reason_text(lang, error.reason))
        return None, error.reason is Reason.WRONG_NUMBER
    except InquiryLimited as error:  # the guided flow waits for the number again
        await context.reply(t(lang, "inquiry_limited", wait=render.age_text(error.retry_after)))
        return None, True
    finally:
        typing.cancel()
    return None, False


def bill_keyboard(context: LoketContext, tx: Transaction, balance: int) -> InlineKeyboardMarkup:
    """Pay / Cancel, and where a gateway is set a QRIS button with its price (QRIS_FEE included),
    on top for a wallet that does not hold the bill: that customer is offered QRIS first."""
    money = context.money
    qris = money.qris.price_of_bill(tx.amount) if money is not None and money.qris.available else None
    return keyboards.bill(context.lang, tx, qris=qris, qris_first=balance < tx.amount)


def topup_ways(context: LoketContext) -> str:
    """The ways to top up that exist here, for "saldo tidak cukup" (the operator's is always named)."""
    money = context.money
    if money is None or not context.can_top_up:
        return ""
    lang = context.lang
    lines = [t(lang, "topup_ways")]
    if money.qris.available:
        lines += [t(lang, "topup_way_qris_bill"), t(lang, "topup_way_qris")]
    if money.tickets.available:
        lines.append(t(lang, "topup_way_ticket"))
    return "\n".join(lines)


async def show(context: LoketContext, tx: Transaction, text: str) -> None:
    """The bill's message with its Pay / Cancel buttons; news of the payment edits it later."""
    message = await context.reply(text, bill_keyboard(context, tx, context.service.balance(tx.user_id)))
    context.service.set_notify(tx.ref_id, notify_for(message, context.lang))


async def pay_pressed(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None and context.matches
    lang = context.lang
    ref = context.matches[0]["ref"]
    user_id = query.from_user.id
    tx = await own_bill(query, context, ref)
    if tx is None:
        return
    if TxState(tx.state) is not TxState.INQUIRED:
        await answer_unpayable(query, lang, tx)
        return
    closed = maintenance.refusal(context)  # /maintenance on: no new payment; the bill stays
    if closed is not None:
        await answer(query, closed, show_alert=True)
        return
    await answer(query)
    message = query.message

    async def pay() -> Transaction:
        context.service.set_notify(ref, notify_for(message, lang))
        return await context.service.pay(ref, user_id)

    paying = asyncio.ensure_future(pay())
    # "Processing" only for a slow pay answer: a fast one goes straight to the receipt, which
    # the core's news of the payment puts on the bill's message (bot/telegram/notices.py).
    done, _ = await asyncio.wait({paying}, timeout=PROCESSING_AFTER)
    processing_shown = False
    if not done:
        try:
            await edit(query, t(lang, "processing", ref=tx.ref_id))
            processing_shown = True
        except TelegramError as error:  # the message went away, Telegram is slow: the outcome follows
            log.info("could not show 'processing' for %s: %s", tx.ref_id, error)
    try:
        tx = await paying
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
        # Another program holds a lock on the database (a backup, an sqlite3 shell). A payment
        # not recorded was not sent: its bill and buttons come back. Else it shows its state.
        now = context.service.get(ref, user_id)
        if TxState(now.state) is TxState.INQUIRED:
            text = render.bill_text(lang, now, context.service.balance(user_id))
            balance = context.service.balance(user_id)
            await edit(query, text + "\n\n" + t(lang, "db_busy_pay"), bill_keyboard(context, now, balance))
        else:
            await edit(query, render.outcome_text(lang, now))
        return
    except NotPayable as error:
        await edit(query, render.outcome_text(lang, error.transaction))
        return
    except InquiryExpired as error:
        await edit(query, render.outcome_text(lang, error.transaction))
        return
    except BillBeingPaid as error:
        note = t(lang, "bill_being_paid", ref=error.other.ref_id)
        balance = context.service.balance(user_id)
        text = render.bill_text(lang, tx, balance) + "\n\n" + note
        await edit(query, text, bill_keyboard(context, tx, balance))
        return
    except InsufficientBalance as error:
        short = t(
            lang,
            "insufficient",
            balance=render.rupiah(error.balance),
            needed=render.rupiah(error.needed),
            shortfall=render.rupiah(error.shortfall),
            user_id=user_id,
        )
        ways = topup_ways(context)
        if ways:
            short += "\n" + ways
        await edit(
            query,
            render.bill_text(lang, tx, error.balance) + "\n\n" + short,
            bill_keyboard(context, tx, error.balance),
        )
        return
    except TransactionNotFound:
        await edit(query, t(lang, "not_found", ref=ref))
        return
    if tx.is_final and not processing_shown:
        return  # the core's news has shown the receipt (and tells again if it could not)
    # Money has moved: if the bill's message is gone, the outcome still reaches the user. After
    # "processing" this edit comes last, so a receipt the news put there is never overwritten.
    await edit_or_send(context.bot, message.chat.id, message.message_id, render.outcome_text(lang, tx))


async def own_bill(query: CallbackQuery, context: LoketContext, ref: str) -> Transaction | None:
    """The bill a button names, when it is the tapper's; else they are told so, and None."""
    user_id = query.from_user.id
    try:
        tx = context.service.get(ref, user_id)
    except TransactionNotFound:
        await answer(query, t(context.lang, "cb_unknown"), show_alert=True)
        return None
    if tx.user_id != user_id:  # an admin in a group chat: only the owner pays, and the bill stays
        await answer(query, t(context.lang, "cb_not_yours"), show_alert=True)
        return None
    return tx


async def answer_unpayable(query: CallbackQuery, lang: str, tx: Transaction) -> None:
    state = TxState(tx.state)
    if state is TxState.CANCELLED:
        note = t(lang, "state_cancelled", ref=tx.ref_id)
    elif state is TxState.EXPIRED:
        paid = tx.reason == Reason.ALREADY_PAID
        note = t(lang, "state_expired_paid" if paid else "state_expired", ref=tx.ref_id)
    else:
        note = t(lang, "already_paying", ref=tx.ref_id)
    await answer(query, note, show_alert=True)
    await edit(query, render.outcome_text(lang, tx))


async def cancel_pressed(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    try:
        tx = context.service.cancel(context.matches[0]["ref"], query.from_user.id)
    except TransactionNotFound:
        await answer(query, t(lang, "cb_unknown"), show_alert=True)
        return
    except NotPayable as error:
        await answer_unpayable(query, lang, error.transaction)
        return
    await answer(query, t(lang, "cb_cancelled"))
    await edit(query, render.outcome_text(lang, tx))


def handlers() -> list[Handler]:
    return [button(callbacks.PAY, pay_pressed), button(callbacks.CANCEL, cancel_pressed)]
