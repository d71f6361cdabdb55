"""Operators looking things up: `/user <id>`, `/saldo <id>`, `/history <id>` (one user's name,
role, wallet and payments) and `/stats [DD/MM/YYYY]` (today or any day: the figures and margin
per product, and per reseller).

Registered before `account.py` for ADMIN_IDS only: an operator's `/saldo` or `/history` without
an id is their own, as for anyone (account.py answers it); with an id it is that user's. A user
who is not an operator and adds an id is told the command takes none (account.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from telegram import Update
from telegram.ext import filters

from bot.jakarta import JAKARTA
from bot.ops.export import RangeError, parse_day, transactions
from bot.payments import Role, Transaction, TxState
from bot.telegram import reports
from bot.telegram.context import LoketContext
from bot.telegram.flows import account
from bot.telegram.flows.common import Handler, command
from bot.telegram.flows.operator import user_id_of
from bot.telegram.render import rupiah, tx_line
from bot.telegram.texts import t

LOOKUP_SHOWN = 10
_ROLE_KEY = {Role.CUSTOMER: "role_customer", Role.RESELLER: "role_reseller", Role.ADMIN: "role_operator"}
BREAKDOWN_SHOWN = 15


async def _target(context: LoketContext, usage: str) -> int | None:
    """The one user id the command names; None after answering why not."""
    args = context.args or []
    if len(args) != 1:
        await context.reply(t(context.lang, usage))
        return None
    target = user_id_of(args[0])
    if target is None:
        await context.reply(t(context.lang, "bad_user_id"))
        return None
    if context.service.get_user(target) is None:
        await context.reply(t(context.lang, "user_unknown", user_id=target))
        return None
    return target


async def user(update: Update, context: LoketContext) -> None:
    """`/user <id>`: who they are, their wallet and their last payments."""
    target = await _target(context, "usage_user")
    if target is None:
        return
    lang, service = context.lang, context.service
    found = service.get_user(target)
    assert found is not None
    txs = service.history(target, LOOKUP_SHOWN)
    lines = [
        t(lang, "user_card", user_id=target, name=found.name or "–", role=t(lang, _ROLE_KEY[found.role]),
          balance=rupiah(service.balance(target)), lang_name=found.language),
    ]  # fmt: skip
    lines += [tx_line(lang, tx) for tx in txs] or [t(lang, "history_empty")]
    await context.reply("\n".join(lines))


async def saldo(update: Update, context: LoketContext) -> None:
    if not context.args:
        await account.saldo(update, context)
        return
    target = await _target(context, "usage_saldo_of")
    if target is None:
        return
    lang, service = context.lang, context.service
    balance = service.balance(target)
    text = reports.wallet_text(lang, balance, service.statement(target, LOOKUP_SHOWN))
    head = t(lang, "wallet_of", user_id=target, amount=rupiah(balance))
    await context.reply(head + "\n" + text.split("\n", 1)[1])  # the entries under their own title


async def history(update: Update, context: LoketContext) -> None:
    if not context.args:
        await account.history(update, context)
        return
    target = await _target(context, "usage_history_of")
    if target is None:
        return
    service = context.service
    txs = service.history(target, LOOKUP_SHOWN)
    text = reports.history_text(context.lang, txs, 0, service.count_history(target))
    await context.reply(t(context.lang, "lookup_of", user_id=target) + "\n" + text)


def _breakdown(lang: str, title: str, groups: dict[str, list[Transaction]]) -> list[str]:
    if not groups:
        return []
    rows = []
    for name, txs in groups.items():
        done = [tx for tx in txs if tx.state is TxState.SUCCESS]
        rows.append((sum(tx.amount for tx in done), name, len(txs), len(done), sum(tx.profit for tx in done)))
    rows.sort(key=lambda row: (-row[0], row[1]))
    lines = [t(lang, title)]
    for volume, name, count, success, profit in rows[:BREAKDOWN_SHOWN]:
        lines.append(
            t(lang, "stats_group_line", name=name, count=count, success=success,
              volume=rupiah(volume), profit=rupiah(profit))
        )  # fmt: skip
    if len(rows) > BREAKDOWN_SHOWN:
        lines.append(t(lang, "pending_more", more=len(rows) - BREAKDOWN_SHOWN))
    return lines


def stats_text(context: LoketContext, day: date) -> str:
    """The day's figures and margin per product (reports.stats_text), then the same day per
    reseller."""
    lang, service = context.lang, context.service
    by_reseller: dict[str, list[Transaction]] = defaultdict(list)
    roles: dict[int, Role | None] = {}
    for tx in transactions(service.ledger, day, day):
        if tx.user_id not in roles:
            found = service.get_user(tx.user_id)
            roles[tx.user_id] = found.role if found is not None else None
        if roles[tx.user_id] is Role.RESELLER:
            by_reseller[str(tx.user_id)].append(tx)
    lines = [reports.stats_text(lang, service.stats(day), service.margins(day))]
    lines += _breakdown(lang, "stats_by_reseller", by_reseller)
    return "\n".join(lines)


async def stats(update: Update, context: LoketContext) -> None:
    """`/stats` (today, WIB) or `/stats DD/MM/YYYY`."""
    args = context.args or []
    lang = context.lang
    if len(args) > 1:
        await context.reply(t(lang, "usage_stats"))
        return
    try:
        day = parse_day(args[0]) if args else None
    except RangeError:
        await context.reply(t(lang, "range_format") + "\n" + t(lang, "usage_stats"))
        return
    if day is None:
        day = datetime.now(UTC).astimezone(JAKARTA).date()
    await context.reply(stats_text(context, day))


def handlers(admin_ids: list[int]) -> list[Handler]:
    operators = filters.User(user_id=admin_ids)
    return [
        command("user", user, operators),
        command("saldo", saldo, operators),
        command("history", history, operators),
        command("stats", stats, operators),
    ]
