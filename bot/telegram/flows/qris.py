"""A bill paid by QRIS, in the chat: the bill's QRIS button, the QR, and its two buttons.

The QR is a photo rendered from the gateway's qr_string (the gateway's image URL when there is
none), with the amount, the expiry in WIB and two buttons: "Sudah bayar? Cek" only asks the
gateway's status (never a credit by itself) and "Batal" cancels at the gateway. What happens
next is told by bot/telegram/moneyin_notices.py: the QR's caption says paid, the receipt
follows from the payment core. Buttons carry a ref or an order id, never what is paid, which
the core reads from its database. A top-up's QR is shown the same way (topup.py).
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot.moneyin import MoneyIn
from bot.moneyin.errors import AmountOutOfRange, ChargeFailed, IntentNotFound, QrisUnavailable
from bot.moneyin.models import IntentState, PaymentIntent
from bot.payments import InquiryExpired, NotPayable
from bot.telegram import callbacks, keyboards, render
from bot.telegram.context import LAST_MESSAGE, LoketContext
from bot.telegram.flows.bill import answer_unpayable, own_bill
from bot.telegram.flows.common import Handler, button
from bot.telegram.messages import HTML, answer
from bot.telegram.qr import qr_png
from bot.telegram.texts import t

MAX_CAPTION = 1024


def amount_range(lang: str, least: int, most: int) -> str:
    """ "Top-ups are from … to …" (an amount out of range, for QRIS, a ticket or an acceptance)."""
    return t(lang, "topup_range", least=render.rupiah(least), most=render.rupiah(most))


# -- the QR ----------------------------------------------------------------------------------------
def qr_caption(lang: str, intent: PaymentIntent, subject: str = "") -> str:
    title = t(lang, "qr_title_bill", subject=subject) if subject else t(lang, "qr_title_topup")
    amount = t(lang, "qr_amount", amount=render.rupiah(intent.gross_amount))
    if intent.fee:
        amount += " " + t(lang, "qr_fee", fee=render.rupiah(intent.fee))
    lines = [title, amount, t(lang, "qr_expiry", time=render.jakarta_time(intent.expires_at))]
    lines += [t(lang, "qr_ref", order=intent.order_id), t(lang, "qr_howto")]
    return "\n".join(lines)


async def send_qr(context: LoketContext, intent: PaymentIntent, subject: str = "") -> None:
    """The QR as a photo with its buttons; where its news goes is kept on the intent."""
    money = context.money
    chat = context.effective_chat
    assert money is not None and chat is not None
    lang = context.lang
    caption = qr_caption(lang, intent, subject)
    markup = keyboards.qr(lang, intent.order_id)
    photo: bytes | str | None = qr_png(intent.qr_string) or intent.qr_url or None
    if photo is None:  # no image at all: the payload itself, for a wallet app that can paste it
        message = await context.reply(caption + "\n" + t(lang, "qr_no_image", qr=intent.qr_string), markup)
    else:
        message = await context.bot.send_photo(
            chat.id, photo, caption=caption[:MAX_CAPTION], parse_mode=HTML, reply_markup=markup
        )
        context.application.chat_data[chat.id][LAST_MESSAGE] = message.message_id
    money.qris.set_notify(
        intent.order_id, {"chat_id": chat.id, "message_id": message.message_id, "lang": lang}
    )


async def explain_refusal(context: LoketContext, error: Exception) -> None:
    lang = context.lang
    if isinstance(error, QrisUnavailable):
        await context.reply(t(lang, "qr_unavailable"))
    elif isinstance(error, ChargeFailed):
        await context.reply(t(lang, "qr_charge_failed"))
    elif isinstance(error, AmountOutOfRange):
        await context.reply(
            t(lang, "qr_amount_range", least=render.rupiah(error.least), most=render.rupiah(error.most))
        )
    else:
        raise error


async def qris_pressed(update: Update, context: LoketContext) -> None:
    """The bill's QRIS button: a QR for the bill's confirmed amount plus QRIS_FEE."""
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    money = await _qris_here(query, context)
    if money is None:
        return
    ref = context.matches[0]["ref"]
    tx = await own_bill(query, context, ref)
    if tx is None:
        return
    await answer(query)
    try:
        intent = await money.qris.pay_bill(tx.user_id, ref)
    except NotPayable as error:
        await answer_unpayable(query, lang, error.transaction)
        return
    except InquiryExpired:
        await context.reply(t(lang, "state_expired", ref=ref))
        return
    except (QrisUnavailable, ChargeFailed, AmountOutOfRange) as error:
        await explain_refusal(context, error)
        return
    subject = t(
        lang,
        "outcome_subject",
        product=tx.product_name or tx.product_code,
        number=tx.customer_number,
        name=tx.customer_name,
    )
    await send_qr(context, intent, subject)


async def _qris_here(query: CallbackQuery, context: LoketContext) -> MoneyIn | None:
    """Money in when QRIS is on; else the tapper is told so, and None."""
    money = context.money
    if money is None or not money.qris.available:
        await answer(query, t(context.lang, "qr_unavailable"), show_alert=True)
        return None
    return money


async def qr_check_pressed(update: Update, context: LoketContext) -> None:
    """ "Sudah bayar? Cek": the gateway is asked; what it says is applied like any answer."""
    intent = await _qr_asked(update, context, cancel=False)
    if intent is not None:
        note = t(context.lang, _state_note(intent))
        await answer(_query(update), note, show_alert=intent.is_open)


async def qr_cancel_pressed(update: Update, context: LoketContext) -> None:
    """ "Batal": cancelled at the gateway; a payment that came first is credited all the same."""
    intent = await _qr_asked(update, context, cancel=True)
    if intent is not None:
        await answer(_query(update), t(context.lang, _state_note(intent)) if not intent.is_open else None)


async def _qr_asked(update: Update, context: LoketContext, *, cancel: bool) -> PaymentIntent | None:
    """The QR's intent once the gateway was asked (or told to cancel it) for the tapper; None
    after telling them why not (QRIS off, not their QR)."""
    query = _query(update)
    assert context.matches
    money = await _qris_here(query, context)
    if money is None:
        return None
    order, user_id = context.matches[0]["order"], query.from_user.id
    try:
        if cancel:
            return await money.qris.cancel(order, user_id)
        return await money.qris.check(order, user_id)
    except IntentNotFound:
        await answer(query, t(context.lang, "cb_unknown"), show_alert=True)
        return None


def _query(update: Update) -> CallbackQuery:
    assert update.callback_query is not None
    return update.callback_query


def _state_note(intent: PaymentIntent) -> str:
    if intent.state in (IntentState.PAID, IntentState.REVERSED):
        return "qr_paid_already"
    return "qr_still_pending" if intent.is_open else "qr_closed"


def handlers() -> list[Handler]:
    return [
        button(callbacks.QRIS_BILL, qris_pressed),
        button(callbacks.QR_CHECK, qr_check_pressed),
        button(callbacks.QR_CANCEL, qr_cancel_pressed),
    ]
