"""What the payment core tells the chat, not what users ask: these are not handlers.

The core calls them (docs/core-contract.md): the observer when a payment settles or is
flagged, the alarm when a biller contradicts a settled payment. The owner hears of their
payment in the language they read now; operators are told in theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.payments import Alarm, Observer, PaymentResult, PaymentService, Transaction, TxState
from bot.telegram import render
from bot.telegram.context import LAST_MESSAGE
from bot.telegram.messages import HTML, edit_or_send
from bot.telegram.texts import DEFAULT_LANG, fit, t

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def make_observer(
    application: AnyApplication,
    admin_ids: list[int] | None = None,
    follow_hours: int = 24,
    service: PaymentService | None = None,
) -> Observer:
    """The core's observer: edit the transaction's message into its outcome, or send a new one.

    When the chat has moved on since (the bot sent newer messages), the edit alone would go
    unseen far up the chat, so a new message tells the user as well. A payment still pending
    after the follow-up window is flagged: the operators are told, since only they can settle
    it with the biller.
    """

    async def tell_operators_flagged(tx: Transaction) -> None:
        def text(lang: str) -> str:
            return t(
                lang,
                "flagged_admin",
                ref=tx.ref_id,
                product=tx.product_code,
                number=tx.customer_number,
                amount=render.rupiah(tx.amount),
                hours=follow_hours,
                user_id=tx.user_id,
            )

        await tell_operators(application, service, admin_ids or [], tx, text)

    cleared: set[str] = set()  # flagged payments whose settlement the operators heard of

    async def tell_operators_cleared(tx: Transaction) -> None:
        """The flagged payment settled (a late answer, /resolve): the alert's incident is over."""
        if tx.ref_id in cleared:  # the owner's news told again (retell) is not the operators'
            return
        cleared.add(tx.ref_id)

        def text(lang: str) -> str:
            return t(
                lang, "flagged_settled_admin", ref=tx.ref_id, product=tx.product_code,
                number=tx.customer_number, amount=render.rupiah(tx.amount),
                state=render.state_text(lang, tx.state),
            )  # fmt: skip

        await tell_operators(application, service, admin_ids or [], tx, text)

    async def on_settled(tx: Transaction) -> None:
        if tx.flagged and not tx.is_final:
            await tell_operators_flagged(tx)
            return
        if tx.flagged:
            await tell_operators_cleared(tx)
        notify = tx.notify or {}
        if not tx.is_final or notify.get("chat_id") is None:
            return
        chat_id = int(notify["chat_id"])
        message_id = notify.get("message_id")
        owner = service.get_user(tx.user_id) if service is not None else None
        lang = owner.language if owner is not None else notify.get("lang") or DEFAULT_LANG  # as they read now
        text = render.outcome_text(lang, tx)
        if application.persistence is not None:  # the chat's data is read when first needed
            await application.persistence.refresh_chat_data(chat_id, application.chat_data[chat_id])
        last = application.chat_data.get(chat_id, {}).get(LAST_MESSAGE)
        try:
            edited = await edit_or_send(application.bot, chat_id, message_id, text)
            if edited and message_id is not None and last is not None and int(last) > int(message_id):
                await application.bot.send_message(chat_id, fit(text), parse_mode=HTML)
        except Forbidden as error:  # the user blocked the bot: telling again would not help
            log.info("could not tell chat %s about %s: %s", chat_id, tx.ref_id, error)
        # any other failure (Telegram down, 5xx) propagates: the core records it and tells again

    return on_settled


def operator_lang(service: PaymentService | None, admin_id: int) -> str:
    """The operator's own language when they have used the bot, else Indonesian."""
    user = service.get_user(admin_id) if service is not None else None
    return user.language if user is not None else DEFAULT_LANG


async def tell_operators(
    application: AnyApplication,
    service: PaymentService | None,
    admin_ids: list[int],
    tx: Transaction,
    text: Callable[[str], str],
) -> None:
    """Send each operator `text(their language)`; one who never opened the chat is skipped."""
    for admin_id in admin_ids:
        try:
            await application.bot.send_message(
                admin_id, text(operator_lang(service, admin_id)), parse_mode=HTML
            )
        except TelegramError as error:
            log.warning("could not tell operator %s about %s: %s", admin_id, tx.ref_id, error)


def make_alarm(application: AnyApplication, service: PaymentService, admin_ids: list[int]) -> Alarm:
    """The core's alarm: a provider contradicts a settled payment (e.g. refunded, then paid),
    or a success names another total than the bill the user confirmed.

    A final state never changes and no money moves by itself, so the operators are told at
    once, with what to check; they put it right with the biller and /adjust.
    """

    async def on_alarm(tx: Transaction, result: PaymentResult) -> None:
        contradicts = result.outcome.value != tx.state.value

        def text(lang: str) -> str:
            return t(
                lang,
                "contradiction_admin" if contradicts else "amount_mismatch_admin",
                bill=render.rupiah(tx.bill_total),
                charged=render.rupiah(result.amount or 0),
                ref=tx.ref_id,
                product=tx.product_code,
                number=tx.customer_number,
                amount=render.rupiah(tx.amount),
                state=render.state_text(lang, tx.state),
                outcome=render.state_text(lang, TxState(result.outcome.value)),
                code=result.provider_code or "-",
                user_id=tx.user_id,
            )

        await tell_operators(application, service, admin_ids, tx, text)

    return on_alarm
