"""What no other room took: registered last.

Every tap gets an answer (a stale or forged button too), an unknown command says so, a photo
or sticker in a private chat is told what the bot reads, and an edited message is never acted
on (an edited /topup must not top up twice). In a group, another bot's commands are left alone.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.telegram.context import LoketContext
from bot.telegram.flows.common import NEW, Handler
from bot.telegram.messages import answer
from bot.telegram.texts import t


async def stale_button(update: Update, context: LoketContext) -> None:
    """A button of a finished guided step (e.g. after a restart): answer, never hang."""
    query = update.callback_query
    assert query is not None
    await answer(query, t(context.lang, "cb_unknown"))


async def stray_command(update: Update, context: LoketContext) -> None:
    """A command no handler took. In a group it may be another bot's (/start@other_bot)."""
    assert update.message is not None and update.effective_chat is not None
    if update.effective_chat.type != update.effective_chat.PRIVATE:
        _, _, addressee = (update.message.text or "").split(maxsplit=1)[0].partition("@")
        if addressee.lower() != (context.bot.username or "").lower():
            return
    await context.reply(t(context.lang, "unknown_command"))


async def not_text(update: Update, context: LoketContext) -> None:
    """A photo, sticker, voice note… in a private chat: say what the bot reads."""
    await context.reply(t(context.lang, "text_only"))


async def edited(update: Update, context: LoketContext) -> None:
    """An edited message is never acted on (an edited /topup must not top up twice)."""
    chat = update.effective_chat
    if chat is not None and chat.type == chat.PRIVATE:
        await context.reply(t(context.lang, "edited_ignored"))


def handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(stale_button),
        MessageHandler(NEW & filters.COMMAND, stray_command),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited),
        MessageHandler(NEW & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, not_text),
    ]
