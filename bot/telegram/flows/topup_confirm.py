"""A large `/topup` waits for the operator's tap: above TOPUP_CONFIRM_ABOVE rupiah the top-up is
kept as a draft in the operator's user_data (persisted to SQLite after the update) and shown
with Confirm / Cancel buttons. The buttons carry only the draft's random token, never the user
or the amount: a tap tops up what the draft holds, once (the draft is taken before the wallet
is touched, and updates of one chat are handled in order), and only while the token is the
latest draft's and younger than DRAFT_TTL. A forged, old or second tap changes nothing.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.telegram import render
from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, button, operator_button
from bot.telegram.messages import answer, edit
from bot.telegram.texts import t

KEY = "topup_draft"
DRAFT_TTL = 600  # seconds a confirmation may wait
CONFIRM = re.compile(r"^tu:(?P<token>[0-9a-f]{8})$")
CANCEL = re.compile(r"^tux:(?P<token>[0-9a-f]{8})$")


async def ask(context: LoketContext, target: int, amount: int, reason: str) -> None:
    assert context.user_data is not None
    token = secrets.token_hex(4)
    context.user_data[KEY] = {
        "token": token, "target": target, "amount": amount, "reason": reason, "at": time.time(),
    }  # fmt: skip
    lang = context.lang
    markup = InlineKeyboardMarkup(
        [[
            InlineKeyboardButton(t(lang, "topup_confirm_btn"), callback_data=f"tu:{token}"),
            InlineKeyboardButton(t(lang, "btn_cancel"), callback_data=f"tux:{token}"),
        ]]
    )  # fmt: skip
    above = render.rupiah(context.settings.topup_confirm_above)
    await context.reply(
        t(lang, "topup_confirm", amount=render.rupiah(amount), user_id=target, above=above), markup
    )


def _take(context: LoketContext, token: str) -> dict[str, Any] | None:
    """The draft the token names, removed; None when it is not the latest or too old."""
    assert context.user_data is not None
    draft = context.user_data.get(KEY)
    if not isinstance(draft, dict) or draft.get("token") != token:
        return None
    context.user_data.pop(KEY, None)
    if time.time() - float(draft.get("at", 0)) > DRAFT_TTL:
        return None
    return draft


async def confirmed(update: Update, context: LoketContext) -> None:
    from bot.telegram.flows.operator import tell_topup  # operator.py imports this module

    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    draft = _take(context, context.matches[0]["token"])
    if draft is None:
        await answer(query, t(lang, "topup_confirm_stale"), show_alert=True)
        await edit(query, t(lang, "topup_confirm_stale"))
        return
    await answer(query)
    target, amount = int(draft["target"]), int(draft["amount"])
    entry = context.service.top_up(context.user_id, target, amount, str(draft.get("reason", "")))
    await edit(
        query,
        t(lang, "topup_done", amount=render.rupiah(amount), user_id=target,
          balance=render.rupiah(entry.balance_after)),
    )  # fmt: skip
    await tell_topup(context, target, amount, entry.balance_after)


async def cancelled(update: Update, context: LoketContext) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    lang = context.lang
    draft = _take(context, context.matches[0]["token"]) if context.is_operator else None
    await answer(query)
    await edit(query, t(lang, "topup_cancelled" if draft is not None else "topup_confirm_stale"))


def handlers() -> list[Handler]:
    return [operator_button(CONFIRM, confirmed), button(CANCEL, cancelled)]
