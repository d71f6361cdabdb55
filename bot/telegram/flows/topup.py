"""Topping up the wallet, in the chat: /isi (or /isi <amount>), the menu's "Isi saldo", and
TIKET.<amount>: an amount, then how to pay it, by QRIS (qris.py shows the QR) or by a bank
transfer an operator confirms (a deposit ticket; the operators' side is tickets.py). Buttons
carry the amount a user asks to top up, never what is credited: that is the gateway's word or
the operator's, checked by the core.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.moneyin.errors import (
    AmountOutOfRange,
    ChargeFailed,
    QrisUnavailable,
    TicketsFull,
    TicketsUnavailable,
    TooManyTickets,
)
from bot.moneyin.models import QRIS_MAX, TICKET_MAX, TOPUP_MIN, DepositTicket
from bot.telegram import callbacks, keyboards, render
from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, button, command
from bot.telegram.flows.qris import amount_range, explain_refusal, send_qr
from bot.telegram.grammar import AmountError, parse_amount
from bot.telegram.messages import answer, edit
from bot.telegram.texts import t


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
    amount = parse_topup(" ".join(args))
    if amount is None or not TOPUP_MIN <= amount <= topup_most(context):
        await context.reply(_range_text(context))
        return
    await context.reply(*_methods(context, amount))


def parse_topup(text: str) -> int | None:
    """Whole rupiah as typed ("50000", "50.000"), None when it is not an amount."""
    try:
        return parse_amount(text.strip())
    except AmountError:
        return None


def _range_text(context: LoketContext) -> str:
    return amount_range(context.lang, TOPUP_MIN, topup_most(context))


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
        await explain_refusal(context, error)
        return
    await send_qr(context, intent)


async def topup_by_transfer(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    await answer(query)
    await open_ticket(context, int(context.matches[0]["amount"]))


async def ticket_line(context: LoketContext, amount_text: str) -> None:
    """TIKET.<amount>, a reseller line."""
    amount = parse_topup(amount_text)
    if amount is None:
        money = context.money
        most = TICKET_MAX if money is not None and money.tickets.available else 0
        await context.reply(amount_range(context.lang, TOPUP_MIN, most))
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
        await context.reply(amount_range(lang, error.least, error.most))
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


def handlers() -> list[Handler]:
    return [
        button(callbacks.MENU_TOPUP, menu_topup),
        button(callbacks.TOPUP_AMOUNT, amount_picked),
        button(callbacks.TOPUP_QRIS, topup_by_qris),
        button(callbacks.TOPUP_TICKET, topup_by_transfer),
        command("isi", isi),
    ]
