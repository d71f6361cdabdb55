"""How the rooms declare their handlers."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.telegram.context import LoketContext
from bot.telegram.messages import answer
from bot.telegram.texts import t

Handler = BaseHandler[Update, LoketContext, Any]
Callback = Callable[[Update, LoketContext], Coroutine[Any, Any, Any]]

# Only new messages are acted on. PTB's CommandHandler also takes *edited* messages by
# default: an edited "/topup 1001 50000" would top the wallet up a second time.
NEW = filters.UpdateType.MESSAGE


def command(
    names: str | list[str], callback: Callback, only: filters.BaseFilter | None = None
) -> CommandHandler[LoketContext, Any]:
    """A command in a new message; `only` narrows who may use it (e.g. operators)."""
    return CommandHandler(names, callback, filters=NEW if only is None else NEW & only)


def button(pattern: re.Pattern[str], callback: Callback) -> CallbackQueryHandler[LoketContext, Any]:
    """A tap on an inline button whose data matches `pattern` (bot/telegram/callbacks.py)."""
    return CallbackQueryHandler(callback, pattern=pattern)


def operator_button(pattern: re.Pattern[str], callback: Callback) -> CallbackQueryHandler[LoketContext, Any]:
    """A button only operators may tap (a forwarded message carries its buttons to anyone):
    anyone else is told it is unknown, and nothing happens."""

    async def operators_only(update: Update, context: LoketContext) -> None:
        if not context.is_operator:
            assert update.callback_query is not None
            await answer(update.callback_query, t(context.lang, "cb_unknown"), show_alert=True)
            return
        await callback(update, context)

    return button(pattern, operators_only)
