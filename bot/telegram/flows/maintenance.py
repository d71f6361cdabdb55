"""`/maintenance on|off [text]` and `/broadcast <text>` for operators.

Maintenance refuses new inquiries and payments (bill.py asks `refusal()` before calling the
core) with the operator's text; status, receipts, history, the wallet and the follow-up of
pending payments keep working. The switch lives in bot_data, which the persistence keeps in
SQLite: a restart does not end maintenance by itself.

A broadcast runs beside the chat (the operator's chat is not held up), through the bot's rate
limiter, which keeps Telegram's limits; the progress message is edited in place and ends with
the count. Users who blocked the bot (403) are counted and skipped, never retried.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import filters

from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, command
from bot.telegram.messages import HTML
from bot.telegram.texts import Raw, t

log = logging.getLogger(__name__)

KEY = "maintenance"
MAX_NOTE = 120  # characters of the maintenance text
MAX_TEXT = 4000
PROGRESS_EVERY = 25  # recipients between edits of the progress message
TASKS: set[asyncio.Task[Any]] = set()  # running broadcasts (tests await them)


def refusal(context: LoketContext) -> str | None:
    """The text new inquiries and payments are refused with, or None when Loket is open."""
    state = context.bot_data.get(KEY)
    if not isinstance(state, dict) or not state.get("on"):
        return None
    lang, text = context.lang, str(state.get("text") or "")
    return t(lang, "maintenance_refusal", text=text or Raw(t(lang, "maintenance_default")))


async def maintenance(update: Update, context: LoketContext) -> None:
    lang = context.lang
    args = context.args or []
    word = args[0].lower() if args else ""
    if word not in ("on", "off"):
        state = context.bot_data.get(KEY)
        on = isinstance(state, dict) and bool(state.get("on"))
        now = t(lang, "maintenance_is_on" if on else "maintenance_is_off")
        await context.reply(now + "\n" + t(lang, "usage_maintenance"))
        return
    if word == "off":
        if len(args) > 1:
            await context.reply(t(lang, "usage_maintenance"))
            return
        context.bot_data[KEY] = {"on": False, "text": "", "by": context.user_id}
        log.info("maintenance off by operator %s", context.user_id)
        await context.reply(t(lang, "maintenance_off"))
        return
    text = " ".join(args[1:])
    if len(text) > MAX_NOTE:  # a tap's alert holds 200 characters
        await context.reply(t(lang, "maintenance_too_long", most=MAX_NOTE))
        return
    context.bot_data[KEY] = {"on": True, "text": text, "by": context.user_id}
    log.info("maintenance on by operator %s", context.user_id)
    await context.reply(t(lang, "maintenance_on") + "\n\n" + (refusal(context) or ""))


def recipients(context: LoketContext) -> list[int]:
    rows = context.service.ledger.db.execute("SELECT user_id FROM users ORDER BY user_id").fetchall()
    return [int(row[0]) for row in rows if int(row[0]) != context.user_id]


async def broadcast(update: Update, context: LoketContext) -> None:
    lang = context.lang
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)  # the text as typed, line breaks kept
    text = parts[1].strip() if len(parts) > 1 else ""
    if len(text) > MAX_TEXT:
        await context.reply(t(lang, "broadcast_too_long", most=MAX_TEXT))
        return
    if not text:
        await context.reply(t(lang, "usage_broadcast"))
        return
    users = recipients(context)
    progress = await context.reply(t(lang, "broadcast_progress", done=0, total=len(users)))
    task = asyncio.create_task(_send_all(context, users, text, progress.chat_id, progress.message_id, lang))
    TASKS.add(task)
    task.add_done_callback(TASKS.discard)


async def _send_all(
    context: LoketContext, users: list[int], text: str, chat_id: int, message_id: int, lang: str
) -> None:
    bot = context.bot
    sent = blocked = failed = 0
    for i, user_id in enumerate(users, 1):
        try:
            await bot.send_message(user_id, text)  # plain text: nothing in it is read as markup
            sent += 1
        except Forbidden:  # blocked the bot, or never started it
            blocked += 1
        except TelegramError as error:
            failed += 1
            log.warning("broadcast to %s failed: %s", user_id, error)
        if i % PROGRESS_EVERY == 0 and i < len(users):
            await _edit(bot, chat_id, message_id, t(lang, "broadcast_progress", done=i, total=len(users)))
    log.info("broadcast by operator done: %d sent, %d blocked, %d failed", sent, blocked, failed)
    final = t(lang, "broadcast_done", sent=sent, blocked=blocked, failed=failed, total=len(users))
    await _edit(bot, chat_id, message_id, final)


async def _edit(bot: Any, chat_id: int, message_id: int, text: str) -> None:
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=HTML)
    except BadRequest as error:
        log.info("could not update the broadcast's progress: %s", error)


def handlers(admin_ids: list[int]) -> list[Handler]:
    operators = filters.User(user_id=admin_ids)
    return [command("maintenance", maintenance, operators), command("broadcast", broadcast, operators)]
