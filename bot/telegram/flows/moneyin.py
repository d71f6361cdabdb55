"""Money in, in the chat: a bill paid by QRIS, top-ups (/isi, the menu's "Isi saldo",
TIKET.<amount>), and the operators' deposit tickets (/tiket, ✅ Terima / ✖ Tolak, /terima,
/tolak).

The QR is a photo rendered from the gateway's qr_string (the gateway's image URL when there is
none), with the amount, the expiry in WIB and two buttons: "Sudah bayar? Cek" only asks the
gateway's status (never a credit by itself) and "Batal" cancels at the gateway. What happens
next is told by bot/telegram/moneyin_notices.py: the QR's caption says paid, the receipt
follows from the payment core. Buttons carry a ref, an order id, a ticket id or the amount a
user asks to top up: never what is paid, which the core reads from its database.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.moneyin.errors import (
    AmountOutOfRange,
    ChargeFailed,
    IntentNotFound,
    QrisUnavailable,
    TicketClosed,
    TicketNotFound,
    TicketsFull,
    TicketsUnavailable,
    TooManyTickets,
)
from bot.moneyin.models import QRIS_MAX, TICKET_MAX, TOPUP_MIN, DepositTicket, IntentState, PaymentIntent
from bot.payments import InquiryExpired, NotPayable, TransactionNotFound
from bot.telegram import callbacks, keyboards, render
from bot.telegram.context import LAST_MESSAGE, LoketContext
from bot.telegram.flows.bill import answer_unpayable
from bot.telegram.flows.common import Handler, button, command
from bot.telegram.grammar import AmountError, parse_amount
from bot.telegram.messages import HTML, answer, edit
from bot.telegram.qr import qr_png
from bot.telegram.texts import t

log = logging.getLogger(__name__)

MAX_CAPTION = 1024
TICKETS_SHOWN = 20


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


async def _explain_refusal(context: LoketContext, error: Exception) -> None:
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
    money = context.money
    if money is None or not money.qris.available:
        await answer(query, t(lang, "qr_unavailable"), show_alert=True)
        return
    ref = context.matches[0]["ref"]
    user_id = query.from_user.id
    try:
        tx = context.service.get(ref, user_id)
    except TransactionNotFound:
        await answer(query, t(lang, "cb_unknown"), show_alert=True)
        return
    if tx.user_id != user_id:
        await answer(query, t(lang, "cb_not_yours"), show_alert=True)
        return
    await answer(query)
    try:
        intent = await money.qris.pay_bill(user_id, ref)
    except NotPayable as error:
        await answer_unpayable(query, lang, error.transaction)
        return
    except InquiryExpired:
        await context.reply(t(lang, "state_expired", ref=ref))
        return
    except (QrisUnavailable, ChargeFailed, AmountOutOfRange) as error:
        await _explain_refusal(context, error)
        return
    subject = t(
        lang,
        "outcome_subject",
        product=tx.product_name or tx.product_code,
        number=tx.customer_number,
        name=tx.customer_name,
    )
    await send_qr(context, intent, subject)


async def qr_check_pressed(update: Update, context: LoketContext) -> None:
    """ "Sudah bayar? Cek": the gateway is asked; what it says is applied like any answer."""
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    money = context.money
    if money is None or not money.qris.available:
        await answer(query, t(lang, "qr_unavailable"), show_alert=True)
        return
    try:
        intent = await money.qris.check(context.matches[0]["order"], query.from_user.id)
    except IntentNotFound:
        await answer(query, t(lang, "cb_unknown"), show_alert=True)
        return
    await answer(query, t(lang, _state_note(intent)), show_alert=intent.is_open)


def _state_note(intent: PaymentIntent) -> str:
    if intent.state in (IntentState.PAID, IntentState.REVERSED):
        return "qr_paid_already"
    return "qr_still_pending" if intent.is_open else "qr_closed"


async def qr_cancel_pressed(update: Update, context: LoketContext) -> None:
    """ "Batal": cancelled at the gateway; a payment that came first is credited all the same."""
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    money = context.money
    if money is None or not money.qris.available:
        await answer(query, t(lang, "qr_unavailable"), show_alert=True)
        return
    try:
        intent = await money.qris.cancel(context.matches[0]["order"], query.from_user.id)
    except IntentNotFound:
        await answer(query, t(lang, "cb_unknown"), show_alert=True)
        return
    await answer(query, t(lang, _state_note(intent)) if not intent.is_open else None)


# -- topping up ------------------------------------------------------------------------------------
def topup_most(context: LoketContext) -> int:
    money = context.money
    most = 0
    if money is not None and money.qris.available:
        most = QRIS_MAX - money.qris.fee()
    if money is not None and money.tickets.available:
        most = max(most, TICKET_MAX)
    return most


async def isi(update: Update, context: LoketContext) -> None:
    """/isi, or /isi <amount>: pick an amount, then how to pay it."""
    lang = context.lang
    if not context.can_top_up:
        await context.reply(t(lang, "topup_none", user_id=context.user_id))
        return
    args = context.args or []
    if not args:
        await context.reply(t(lang, "topup_pick"), keyboards.topup_amounts(lang))
        return
    amount = _amount(" ".join(args))
    if amount is None or not TOPUP_MIN <= amount <= topup_most(context):
        await context.reply(_range_text(context))
        return
    await context.reply(*_methods(context, amount))


def _amount(text: str) -> int | None:
    try:
        return parse_amount(text.strip())
    except AmountError:
        return None


def _range_text(context: LoketContext) -> str:
    return t(
        context.lang, "topup_range", least=render.rupiah(TOPUP_MIN), most=render.rupiah(topup_most(context))
    )


def _methods(context: LoketContext, amount: int) -> tuple[str, Any]:
    money = context.money
    assert money is not None
    qris = (
        amount + money.qris.fee() if money.qris.available and amount + money.qris.fee() <= QRIS_MAX else None
    )
    transfer = money.tickets.available and amount <= TICKET_MAX
    lang = context.lang
    return t(lang, "topup_method", amount=render.rupiah(amount)), keyboards.topup_methods(
        lang, amount, qris=qris, transfer=transfer
    )


async def menu_topup(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query)
    lang = context.lang
    if not context.can_top_up:
        await context.reply(t(lang, "topup_none", user_id=context.user_id))
        return
    await context.reply(t(lang, "topup_pick"), keyboards.topup_amounts(lang))


async def amount_picked(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    amount = int(context.matches[0]["amount"])
    if not context.can_top_up or not TOPUP_MIN <= amount <= topup_most(context):
        await edit(
            query,
            _range_text(context)
            if context.can_top_up
            else t(context.lang, "topup_none", user_id=context.user_id),
        )
        return
    await edit(query, *_methods(context, amount))


async def topup_by_qris(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    money = context.money
    try:
        if money is None:
            raise QrisUnavailable("no money in")
        intent = await money.qris.top_up(context.user_id, int(context.matches[0]["amount"]))
    except (QrisUnavailable, ChargeFailed, AmountOutOfRange) as error:
        await _explain_refusal(context, error)
        return
    await send_qr(context, intent)


async def topup_by_transfer(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    await open_ticket(context, int(context.matches[0]["amount"]))


async def ticket_line(context: LoketContext, amount_text: str) -> None:
    """TIKET.<amount>, a reseller line."""
    amount = _amount(amount_text)
    if amount is None:
        money = context.money
        most = TICKET_MAX if money is not None and money.tickets.available else 0
        await context.reply(
            t(context.lang, "topup_range", least=render.rupiah(TOPUP_MIN), most=render.rupiah(most))
        )
        return
    await open_ticket(context, amount)


async def open_ticket(context: LoketContext, amount: int) -> None:
    lang = context.lang
    money = context.money
    chat = context.effective_chat
    assert chat is not None
    if money is None or not money.tickets.available:
        await context.reply(t(lang, "tickets_unavailable"))
        return
    try:
        ticket = await money.tickets.open(context.user_id, amount, notify={"chat_id": chat.id, "lang": lang})
    except AmountOutOfRange as error:
        await context.reply(
            t(lang, "topup_range", least=render.rupiah(error.least), most=render.rupiah(error.most))
        )
        return
    except TooManyTickets as error:
        ids = ", ".join(f"#{x.ticket_id}" for x in error.open_tickets)
        await context.reply(t(lang, "tickets_too_many", count=len(error.open_tickets), ids=ids))
        return
    except TicketsFull:
        await context.reply(t(lang, "tickets_full"))
        return
    except TicketsUnavailable:
        await context.reply(t(lang, "tickets_unavailable"))
        return
    await context.reply(ticket_text(lang, ticket))


def ticket_text(lang: str, ticket: DepositTicket) -> str:
    return t(
        lang,
        "ticket_opened",
        id=ticket.ticket_id,
        transfer=render.rupiah(ticket.transfer_amount),
        bank=ticket.bank_info,
        code=ticket.unique_code,
        time=render.jakarta_time(ticket.expires_at),
    )


# -- the operators' tickets --------------------------------------------------------------------------
def _ticket_id(text: str) -> int | None:
    word = text.strip().lstrip("#")
    return int(word) if word.isdigit() and word.isascii() and len(word) <= 12 else None


async def tiket(update: Update, context: LoketContext) -> None:
    """/tiket: the open deposit tickets, oldest first, each with its ✅ / ✖."""
    lang = context.lang
    money = context.money
    if money is None:
        await context.reply(t(lang, "tickets_unavailable"))
        return
    open_ = money.tickets.open_tickets(context.user_id)
    if not open_:
        await context.reply(t(lang, "tickets_none"))
        return
    now = datetime.now(UTC)
    shown = open_[:TICKETS_SHOWN]
    lines = [t(lang, "tickets_title", count=len(open_))]
    lines += [
        t(
            lang,
            "tickets_line",
            id=x.ticket_id,
            user_id=x.user_id,
            transfer=render.rupiah(x.transfer_amount),
            age=render.age_text((now - x.created_at).total_seconds()),
        )
        for x in shown
    ]
    await context.reply(
        "\n".join(lines), keyboards.tickets(lang, [(x.ticket_id, x.transfer_amount) for x in shown])
    )


async def terima(update: Update, context: LoketContext) -> None:
    """/terima <ticket> [amount]: accept by the amount seen on the statement (default the ticket's)."""
    args = context.args or []
    ticket_id = _ticket_id(args[0]) if args else None
    amount = _amount(args[1]) if len(args) == 2 else None
    if ticket_id is None or len(args) > 2 or (len(args) == 2 and amount is None):
        await context.reply(t(context.lang, "usage_terima"))
        return
    await context.reply(await _decide(context, ticket_id, accept=True, amount=amount))


async def tolak(update: Update, context: LoketContext) -> None:
    """/tolak <ticket> [reason]."""
    args = context.args or []
    ticket_id = _ticket_id(args[0]) if args else None
    if ticket_id is None:
        await context.reply(t(context.lang, "usage_tolak"))
        return
    await context.reply(await _decide(context, ticket_id, accept=False, note=" ".join(args[1:])))


async def _decide(
    context: LoketContext, ticket_id: int, *, accept: bool, amount: int | None = None, note: str = ""
) -> str:
    lang = context.lang
    money = context.money
    if money is None:
        return t(lang, "tickets_unavailable")
    admin = context.effective_user
    assert admin is not None
    try:
        if accept:
            ticket = await money.tickets.accept(admin.id, ticket_id, amount)
        else:
            ticket = await money.tickets.reject(admin.id, ticket_id, note)
    except TicketNotFound:
        return t(lang, "ticket_not_found", id=ticket_id)
    except TicketClosed as error:
        return t(
            lang, "ticket_closed", id=ticket_id, state=t(lang, f"ticket_state_{error.ticket.state.value}")
        )
    except AmountOutOfRange as error:
        return t(lang, "topup_range", least=render.rupiah(error.least), most=render.rupiah(error.most))
    if accept:
        return t(
            lang,
            "ticket_accepted_admin",
            id=ticket_id,
            admin=admin.full_name,
            user_id=ticket.user_id,
            amount=render.rupiah(ticket.credited_amount or 0),
        )
    return t(lang, "ticket_rejected_admin", id=ticket_id, admin=admin.full_name)


async def ticket_button(update: Update, context: LoketContext) -> None:
    """✅ Terima / ✖ Tolak under a ticket: the message becomes the decision (or who decided first)."""
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    if not context.is_operator:
        await answer(query, t(lang, "cb_unknown"), show_alert=True)
        return
    accept = bool(query.data and query.data.startswith("tacc:"))
    await answer(query)
    text = await _decide(context, int(context.matches[0]["ticket"]), accept=accept)
    markup = getattr(query.message, "reply_markup", None)
    if markup is not None and len(markup.inline_keyboard) > 1:  # /tiket's list: the others stay
        await context.reply(text)
        return
    try:
        await edit(query, text)
    except BadRequest as error:
        log.info("could not edit the ticket message: %s", error)
        await context.reply(text)


def handlers(admin_ids: list[int]) -> list[Handler]:
    operators = filters.User(user_id=admin_ids)
    return [
        button(callbacks.QRIS_BILL, qris_pressed),
        button(callbacks.QR_CHECK, qr_check_pressed),
        button(callbacks.QR_CANCEL, qr_cancel_pressed),
        button(callbacks.MENU_TOPUP, menu_topup),
        button(callbacks.TOPUP_AMOUNT, amount_picked),
        button(callbacks.TOPUP_QRIS, topup_by_qris),
        button(callbacks.TOPUP_TICKET, topup_by_transfer),
        button(callbacks.TICKET_ACCEPT, ticket_button),
        button(callbacks.TICKET_REJECT, ticket_button),
        command("isi", isi),
        command("tiket", tiket, operators),
        command("terima", terima, operators),
        command("tolak", tolak, operators),
    ]
