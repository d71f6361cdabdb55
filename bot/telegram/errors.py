"""The chat's error handler: a handler that failed is logged, and the user is told."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.payments import is_busy
from bot.telegram.context import LoketContext
from bot.telegram.messages import HTML, answer
from bot.telegram.texts import DEFAULT_LANG, norm_lang, t

log = logging.getLogger(__name__)


async def on_error(update: object, context: LoketContext) -> None:
    """Log the failure (secrets are masked by bot/logs.py) and tell the user something went wrong,
    in their own language (the one they picked with /lang, else Telegram's)."""
    if isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest):  # unreachable
        from bot.telegram.ops_jobs import telegram_failed

        telegram_failed(context.application, context.error)  # type: ignore[arg-type]
        return  # telling the user would need Telegram too
    busy = context.error is not None and is_busy(context.error)
    if busy:  # another program holds a lock on the database: nothing is wrong with the bot
        log.warning("database busy: the user is asked to try again")
    else:
        log.error("handler failed: %s", type(context.error).__name__, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        lang = DEFAULT_LANG
        user = update.effective_user
        if user is not None and user.language_code:
            lang = norm_lang(user.language_code)
        if user is not None:
            with contextlib.suppress(Exception):  # the database may be what failed
                known = context.service.get_user(user.id)
                lang = known.language if known is not None else lang
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await answer(update.callback_query)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                update.effective_chat.id, t(lang, "db_busy" if busy else "error_generic"), parse_mode=HTML
            )
