"""Sending, editing and answering, the way every room of the chat does it.

Telegram's quirks are handled here once: an unchanged edit ("message is not modified") is
fine, a message gone or too old to edit is sent anew, a tap that waited too long can no longer
be answered, and every text is fitted into Telegram's 4096 characters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.telegram.texts import fit

log = logging.getLogger(__name__)

HTML = ParseMode.HTML
TYPING_AFTER = 1.0  # an inquiry answered sooner shows no "typing…": the bill itself is the answer
TYPING_REPEAT = 4.5  # seconds between chat actions during a longer inquiry
PROCESSING_AFTER = 1.0  # a pay answer that takes longer than this shows "processing" meanwhile


def is_not_modified(error: BadRequest) -> bool:
    return "not modified" in str(error).lower()


async def edit_or_send(
    bot: Bot, chat_id: int, message_id: int | None, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Edit a message in place; if it is gone or too old, send a new one. 'Not modified' is fine.

    Returns True when the message was edited (or already showed this), False when a new one was sent.
    """
    text = fit(text)
    if message_id is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=HTML, reply_markup=markup
            )
            return True
        except BadRequest as error:
            if is_not_modified(error):
                return True
            log.info(
                "edit of message %s in chat %s failed (%s); sending a new one", message_id, chat_id, error
            )
        except TelegramError as error:
            log.info(
                "edit of message %s in chat %s failed (%s); sending a new one", message_id, chat_id, error
            )
    await bot.send_message(chat_id, text, parse_mode=HTML, reply_markup=markup)
    return False


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message a button belongs to; an unchanged message is fine."""
    try:
        await query.edit_message_text(fit(text), parse_mode=HTML, reply_markup=markup)
    except BadRequest as error:
        if not is_not_modified(error):
            raise


async def answer(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answer a callback query. One that waited too long behind the chat's earlier updates (a
    slow payment) can no longer be answered: Telegram has stopped the spinner itself, and the
    tap is still handled (the message shows the outcome) instead of ending in an error."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as error:
        reason = str(error).lower()
        if "query is too old" not in reason and "query id is invalid" not in reason:
            raise
        log.info("callback query %s could not be answered any more: %s", query.id, error)


async def keep_typing(bot: Bot, chat_id: int, after: float = TYPING_AFTER) -> None:
    """'typing…' once an inquiry has taken `after` seconds, and for as long as it runs
    (Telegram shows it for about 5 seconds). A fast inquiry costs no call: its bill follows."""
    await asyncio.sleep(after)
    while True:
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        await asyncio.sleep(TYPING_REPEAT)
