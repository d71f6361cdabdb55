"""What money in tells the chat (not handlers): the owner of a QR or a deposit ticket hears what
happened to it, in the language they read now; the operators hear of new tickets and of what
only they can put right (reversals, amounts that do not match, payments stuck at the gateway).

Registered by build_application on `MoneyIn` (bot/moneyin): `make_intent_observer` on
`money.qris.add_observer`, `make_money_alarm` on `money.qris.add_alarm`, `make_ticket_observer`
on `money.tickets.add_observer`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.moneyin.models import (
    AlarmKind,
    DepositTicket,
    IntentNews,
    MoneyAlarm,
    News,
    PaymentIntent,
    TicketState,
)
from bot.payments import PaymentService
from bot.telegram import keyboards, render
from bot.telegram.messages import HTML, is_not_modified
from bot.telegram.notices import operator_lang
from bot.telegram.texts import DEFAULT_LANG, fit, t

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
WHY = {
    "already_paid",
    "inquiry_expired",
    "bill_being_paid",
    "cancelled",
    "expired",
    "insufficient_balance",
    "reversed",
}


def _owner_lang(service: PaymentService, user_id: int, notify: dict[str, Any]) -> str:
    owner = service.get_user(user_id)
    return owner.language if owner is not None else str(notify.get("lang") or DEFAULT_LANG)


def why_text(lang: str, detail: str) -> str:
    key = "inquiry_expired" if detail == "expired" else detail
    return t(lang, f"why_{key}" if key in WHY else "why_other")


def make_intent_observer(
    application: AnyApplication, service: PaymentService
) -> Callable[[IntentNews], Awaitable[None]]:
    """The QR's caption says what became of it; money news also comes as a message of its own."""

    async def on_news(news: IntentNews) -> None:
        intent = news.intent
        notify = intent.notify or {}
        chat_id = notify.get("chat_id", intent.user_id)
        lang = _owner_lang(service, intent.user_id, notify)
        balance = render.rupiah(service.balance(intent.user_id))
        amount = render.rupiah(intent.credit_amount)
        caption = message = None
        if news.news is News.RECEIVED:
            caption = t(
                lang, "qr_received_bill", amount=render.rupiah(intent.gross_amount), order=intent.order_id
            )
        elif news.news is News.CREDITED:
            caption = message = t(lang, "qr_credited", amount=amount, order=intent.order_id, balance=balance)
        elif news.news is News.LATE:
            caption = message = t(lang, "qr_late", amount=amount, order=intent.order_id, balance=balance)
        elif news.news is News.BILL_KEPT:
            message = t(
                lang,
                "qr_bill_kept",
                ref=intent.bill_ref or "",
                why=why_text(lang, news.detail),
                amount=amount,
                balance=balance,
            )
        elif news.news is News.REVERSED:
            message = t(
                lang, "qr_reversed", order=intent.order_id, amount=render.rupiah(int(news.detail or 0))
            )
        else:
            key = {News.EXPIRED: "qr_expired", News.CANCELLED: "qr_cancelled"}.get(news.news, "qr_failed")
            caption = t(lang, key, order=intent.order_id)
        try:
            if caption is not None:
                edited = await _edit_caption(application, intent, caption)
                if not edited and message is None:
                    message = caption
            if message is not None:
                await application.bot.send_message(int(chat_id), fit(message), parse_mode=HTML)
        except Forbidden as error:  # the user blocked the bot
            log.info("could not tell %s about %s: %s", chat_id, intent.order_id, error)

    return on_news


async def _edit_caption(application: AnyApplication, intent: PaymentIntent, caption: str) -> bool:
    """The QR's message shows `caption`, its buttons gone. False when it could not be edited."""
    notify = intent.notify or {}
    if notify.get("chat_id") is None or notify.get("message_id") is None:
        return False
    try:
        await application.bot.edit_message_caption(
            chat_id=int(notify["chat_id"]),
            message_id=int(notify["message_id"]),
            caption=fit(caption, 1024),
            parse_mode=HTML,
            reply_markup=None,
        )
    except BadRequest as error:
        if is_not_modified(error):
            return True
        log.info("could not edit the QR of %s: %s", intent.order_id, error)
        return False
    return True


async def _tell_operators(
    application: AnyApplication,
    service: PaymentService,
    admin_ids: list[int],
    what: str,
    text: Callable[[str], str],
    markup: Callable[[str], Any] | None = None,
) -> None:
    for admin_id in admin_ids:
        lang = operator_lang(service, admin_id)
        try:
            await application.bot.send_message(
                admin_id, fit(text(lang)), parse_mode=HTML, reply_markup=markup(lang) if markup else None
            )
        except TelegramError as error:
            log.warning("could not tell operator %s about %s: %s", admin_id, what, error)


def make_money_alarm(
    application: AnyApplication, service: PaymentService, admin_ids: list[int]
) -> Callable[[MoneyAlarm], Awaitable[None]]:
    async def on_alarm(alarm: MoneyAlarm) -> None:
        intent = alarm.intent

        def text(lang: str) -> str:
            if alarm.kind is AlarmKind.REVERSAL:
                said = t(
                    lang,
                    "alarm_reversal",
                    order=intent.order_id,
                    user_id=intent.user_id,
                    reason=intent.reason,
                    taken=render.rupiah(intent.reversed_amount or 0),
                )
                if intent.shortfall:
                    said += "\n" + t(
                        lang,
                        "alarm_shortfall",
                        amount=render.rupiah(intent.shortfall),
                        user_id=intent.user_id,
                    )
                return said
            if alarm.kind is AlarmKind.MISMATCH:
                return t(
                    lang, "alarm_mismatch", order=intent.order_id, user_id=intent.user_id, detail=alarm.detail
                )
            return t(
                lang,
                "alarm_stuck",
                order=intent.order_id,
                user_id=intent.user_id,
                amount=render.rupiah(intent.gross_amount),
            )

        await _tell_operators(application, service, admin_ids, intent.order_id, text)

    return on_alarm


def make_ticket_observer(
    application: AnyApplication, service: PaymentService, admin_ids: list[int]
) -> Callable[[DepositTicket], Awaitable[None]]:
    """A new ticket goes to the operators with ✅ Terima / ✖ Tolak; a decision to its owner."""

    async def on_ticket(ticket: DepositTicket) -> None:
        if ticket.state is TicketState.OPEN:
            owner = service.get_user(ticket.user_id)

            def text(lang: str) -> str:
                return t(
                    lang,
                    "ticket_admin",
                    id=ticket.ticket_id,
                    user_id=ticket.user_id,
                    name=owner.name if owner is not None else "",
                    transfer=render.rupiah(ticket.transfer_amount),
                    amount=render.rupiah(ticket.amount),
                    code=ticket.unique_code,
                )

            def markup(lang: str) -> Any:
                return keyboards.ticket_decision(lang, ticket.ticket_id, ticket.transfer_amount)

            await _tell_operators(application, service, admin_ids, f"ticket {ticket.ticket_id}", text, markup)
            return
        if ticket.state not in (TicketState.ACCEPTED, TicketState.REJECTED):
            return
        notify = ticket.notify or {}
        lang = _owner_lang(service, ticket.user_id, notify)
        if ticket.state is TicketState.ACCEPTED:
            said = t(
                lang,
                "ticket_accepted",
                id=ticket.ticket_id,
                amount=render.rupiah(ticket.credited_amount or 0),
                balance=render.rupiah(service.balance(ticket.user_id)),
            )
        else:
            said = t(
                lang, "ticket_rejected", id=ticket.ticket_id, note=f"{ticket.note}. " if ticket.note else ""
            )
        try:
            await application.bot.send_message(
                int(notify.get("chat_id", ticket.user_id)), fit(said), parse_mode=HTML
            )
        except TelegramError as error:
            log.info("could not tell user %s about ticket %s: %s", ticket.user_id, ticket.ticket_id, error)

    return on_ticket
