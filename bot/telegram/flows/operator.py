"""Operators' commands: wallets (/topup, /adjust), roles, the biller deposit, waiting payments
and closing a stuck one (/resolve). The day's figures (/stats) are operator_tools.py's.

Operators are the Telegram user ids in ADMIN_IDS: these commands are registered for them
only (`filters.User`), so to anyone else they are unknown commands, answered as such by
`fallback.py`. The core checks the operator again on every wallet change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.payments import (
    NOTE_MAX,
    InvalidAmount,
    NotResolvable,
    ResolveNoteMissing,
    Role,
    TransactionNotFound,
    Verdict,
    WalletEntry,
)
from bot.telegram import render, reports
from bot.telegram.context import LoketContext
from bot.telegram.flows import topup_confirm
from bot.telegram.flows.common import Handler, command
from bot.telegram.grammar import AmountError, parse_amount, parse_signed_amount
from bot.telegram.messages import HTML
from bot.telegram.texts import DEFAULT_LANG, Raw, t

log = logging.getLogger(__name__)

ROLES = {"reseller": Role.RESELLER, "customer": Role.CUSTOMER, "pelanggan": Role.CUSTOMER}
VERDICTS = {
    "success": Verdict.SUCCESS,
    "sukses": Verdict.SUCCESS,
    "berhasil": Verdict.SUCCESS,
    "failed": Verdict.FAILED,
    "gagal": Verdict.FAILED,
}
_USER_ID = re.compile(r"[0-9]{1,15}")

Apply = Callable[[int, int, int, str], WalletEntry]


def user_id_of(text: str) -> int | None:
    return int(text) if _USER_ID.fullmatch(text) else None


async def topup(update: Update, context: LoketContext) -> None:
    await _wallet_command(
        context, min_args=2, usage="usage_topup", parse=parse_amount,
        apply=context.service.top_up, done="topup_done", notice="topup_notice",
    )  # fmt: skip


async def adjust(update: Update, context: LoketContext) -> None:
    await _wallet_command(
        context, min_args=3, usage="usage_adjust", parse=parse_signed_amount,
        apply=context.service.adjust, done="adjust_done", notice=None,
    )  # fmt: skip


async def _wallet_command(
    context: LoketContext,
    *,
    min_args: int,
    usage: str,
    parse: Callable[[str], int],
    apply: Apply,
    done: str,
    notice: str | None,
) -> None:
    """`/topup` and `/adjust`: <telegram_user_id> <amount> [reason]."""
    lang = context.lang
    args = context.args or []
    if len(args) < min_args:
        await context.reply(t(lang, usage))
        return
    target = user_id_of(args[0])
    if target is None:
        await context.reply(t(lang, "bad_user_id"))
        return
    try:
        amount = parse(args[1])
    except AmountError as error:
        await context.reply(t(lang, "bad_amount", error=Raw(t(lang, f"amount_{error.kind}"))))
        return
    if notice is not None and amount > context.settings.topup_confirm_above:  # a large top-up: tap first
        await topup_confirm.ask(context, target, amount, " ".join(args[2:]))
        return
    try:
        entry = apply(context.user_id, target, amount, " ".join(args[2:]))
    except InvalidAmount:  # the amount parsed, so only a balance going below zero is left
        why = t(lang, "amount_negative", balance=render.rupiah(context.service.balance(target)))
        await context.reply(t(lang, "bad_amount", error=Raw(why)))
        return
    balance = render.rupiah(entry.balance_after)
    await context.reply(t(lang, done, amount=render.rupiah(amount), user_id=target, balance=balance))
    if notice is not None:
        await _tell_user(context, target, notice, amount, entry.balance_after)


async def tell_topup(context: LoketContext, user_id: int, amount: int, balance: int) -> None:
    await _tell_user(context, user_id, "topup_notice", amount, balance)


async def _tell_user(context: LoketContext, user_id: int, key: str, amount: int, balance: int) -> None:
    user = context.service.get_user(user_id)
    lang = user.language if user is not None else DEFAULT_LANG
    try:
        await context.bot.send_message(
            user_id,
            t(lang, key, amount=render.rupiah(amount), balance=render.rupiah(balance)),
            parse_mode=HTML,
        )
    except TelegramError as error:  # the user may never have started the bot
        log.info("could not tell user %s about a top-up: %s", user_id, error)


async def role(update: Update, context: LoketContext) -> None:
    """`/role <telegram_user_id> <reseller|customer>`: an operator marks a reseller."""
    lang = context.lang
    args = context.args or []
    if len(args) != 2 or args[1].lower() not in ROLES:
        await context.reply(t(lang, "usage_role"))
        return
    target = user_id_of(args[0])
    if target is None:
        await context.reply(t(lang, "bad_user_id"))
        return
    try:
        user = context.service.set_role(context.user_id, target, ROLES[args[1].lower()])
    except PermissionError:
        await context.reply(t(lang, "role_admin"))
        return
    await context.reply(t(lang, "role_done", user_id=target, role=t(lang, f"role_{user.role.value}")))


async def deposit(update: Update, context: LoketContext) -> None:
    await context.reply(reports.deposit_text(context.lang, await context.service.deposit()))


async def pending(update: Update, context: LoketContext) -> None:
    await context.reply(reports.pending_text(context.lang, context.service.pending(), datetime.now(UTC)))


async def resolve(update: Update, context: LoketContext) -> None:
    """`/resolve <ref> success <biller ref>` or `/resolve <ref> failed <reason>`: an operator
    closes a payment the biller never settled; the core asks the biller first."""
    lang = context.lang
    args = context.args or []
    if len(args) < 2 or args[1].lower() not in VERDICTS:
        await context.reply(t(lang, "usage_resolve"))
        return
    ref, verdict = args[0].upper(), VERDICTS[args[1].lower()]
    try:
        done = await context.service.resolve(context.user_id, ref, verdict, " ".join(args[2:]))
    except TransactionNotFound:
        await context.reply(t(lang, "not_found", ref=ref))
        return
    except ResolveNoteMissing as error:
        key = "resolve_too_long" if error.too_long else f"resolve_need_{error.verdict.value}"
        await context.reply(t(lang, key, ref=ref, most=NOTE_MAX))
        return
    except NotResolvable as error:
        state = render.state_text(lang, error.transaction.state)
        await context.reply(t(lang, f"resolve_{error.why}", ref=ref, state=state))
        return
    await context.reply(reports.resolution_text(lang, done))


def handlers(admin_ids: list[int]) -> list[Handler]:
    """The commands, for the operators only (anyone else's falls through to `fallback.py`)."""
    operators = filters.User(user_id=admin_ids)
    return [
        command("topup", topup, operators),
        command("adjust", adjust, operators),
        command("role", role, operators),
        command("deposit", deposit, operators),
        command("pending", pending, operators),
        command("resolve", resolve, operators),
        *topup_confirm.handlers(),
    ]
