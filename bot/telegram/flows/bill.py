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

from telegram import CallbackQuery, MaybeInaccessibleMessage, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest

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
from bot.telegram.messages import answer, edit, edit_or_send, keep_typing
from bot.telegram.texts import t

log = logging.getLogger(__name__)


def notify_for(message: MaybeInaccessibleMessage, lang: str) -> dict[str, Any]:
    """Where the core sends news of a payment: the bill's message, in the chat's language."""
    return {"chat_id": message.chat.id, "message_id": message.message_id, "lang": lang}


async def inquire(
    context: LoketContext, code: str, number: str, months: int = 1
) -> tuple[Transaction | None, bool]:
    """Run an inquiry with 'typing…' shown and explain any refusal.

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
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
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


async def show(context: LoketContext, tx: Transaction, text: str) -> None:
    """The bill's message with its Pay / Cancel buttons; news of the payment edits it later."""
    message = await context.reply(text, keyboards.bill(context.lang, tx))
    context.service.set_notify(tx.ref_id, notify_for(message, context.lang))


async def pay_pressed(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None and context.matches
    lang = context.lang
    ref = context.matches[0]["ref"]
    user_id = query.from_user.id
    try:
        tx = context.service.get(ref, user_id)
    except TransactionNotFound:
        await answer(query, t(lang, "cb_unknown"), show_alert=True)
        return
    if tx.user_id != user_id:  # an admin in a group chat: only the owner pays, and the bill stays
        await answer(query, t(lang, "cb_not_yours"), show_alert=True)
        return
    if TxState(tx.state) is not TxState.INQUIRED:
        await answer_unpayable(query, lang, tx)
        return
    closed = maintenance.refusal(context)  # /maintenance on: no new payment; the bill stays
    if closed is not None:
        await answer(query, closed, show_alert=True)
        return
    await answer(query)
    try:
        await edit(query, t(lang, "processing", ref=tx.ref_id))
    except BadRequest as error:  # the message went away; the outcome is sent anew below
        log.info("could not show 'processing' for %s: %s", tx.ref_id, error)
    try:
        context.service.set_notify(tx.ref_id, notify_for(query.message, lang))
        tx = await context.service.pay(ref, user_id)
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
        # Another program holds a lock on the database (a backup, an sqlite3 shell). A payment
        # not recorded was not sent: its bill and buttons come back. Else it shows its state.
        now = context.service.get(ref, user_id)
        if TxState(now.state) is TxState.INQUIRED:
            text = render.bill_text(lang, now, context.service.balance(user_id))
            await edit(query, text + "\n\n" + t(lang, "db_busy_pay"), keyboards.bill(lang, now))
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
        text = render.bill_text(lang, tx, context.service.balance(user_id)) + "\n\n" + note
        await edit(query, text, keyboards.bill(lang, tx))
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
        await edit(
            query, render.bill_text(lang, tx, error.balance) + "\n\n" + short, keyboards.bill(lang, tx)
        )
        return
    except TransactionNotFound:
        await edit(query, t(lang, "not_found", ref=ref))
        return
    # Money has moved: if the bill's message is gone, the outcome still reaches the user.
    message = query.message
    await edit_or_send(context.bot, message.chat.id, message.message_id, render.outcome_text(lang, tx))


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
