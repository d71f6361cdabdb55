"""The operators' deposit tickets, in the chat: /tiket (the open ones, each with ✅ Terima /
✖ Tolak), /terima <ticket> [amount] and /tolak <ticket> [reason], registered for ADMIN_IDS only.
A ticket is accepted by the amount seen on the bank statement and credited once by the core;
the customer's side (opening one) is topup.py's.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.moneyin.errors import AmountOutOfRange, TicketClosed, TicketNotFound
from bot.telegram import callbacks, keyboards, render
from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, command, operator_button
from bot.telegram.flows.qris import amount_range
from bot.telegram.flows.topup import parse_topup
from bot.telegram.messages import answer, edit
from bot.telegram.texts import t

log = logging.getLogger(__name__)

TICKETS_SHOWN = 20


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
    amount = parse_topup(args[1]) if len(args) == 2 else None
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
        return amount_range(lang, error.least, error.most)
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
        operator_button(callbacks.TICKET_ACCEPT, ticket_button),
        operator_button(callbacks.TICKET_REJECT, ticket_button),
        command("tiket", tiket, operators),
        command("terima", terima, operators),
        command("tolak", tolak, operators),
    ]
