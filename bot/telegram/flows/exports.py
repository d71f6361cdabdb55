"""Operators' books as files: `/export <DD/MM/YYYY>[-<DD/MM/YYYY>]` sends the payments started
on those days as a CSV document, `/export mutasi <days>` the wallet entries (bot/ops/export.py,
the same files `python -m bot export` writes). Registered for ADMIN_IDS only, like operator.py.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.ops.export import MAX_DAYS, RangeError, filename, parse_range, transactions_csv, wallet_csv
from bot.telegram.context import LoketContext
from bot.telegram.flows.common import Handler, command
from bot.telegram.messages import HTML
from bot.telegram.texts import t

WALLET_WORDS = ("mutasi", "wallet")


async def export(update: Update, context: LoketContext) -> None:
    lang = context.lang
    args = list(context.args or [])
    wallet = bool(args) and args[0].lower() in WALLET_WORDS
    if wallet:
        args = args[1:]
    if not args:
        await context.reply(t(lang, "usage_export"))
        return
    try:  # "01/12/2026 - 07/12/2026" is read as one range too
        first, last = parse_range("".join(args))
    except RangeError as error:
        await context.reply(t(lang, f"range_{error.kind}", most=MAX_DAYS) + "\n" + t(lang, "usage_export"))
        return
    ledger = context.service.ledger
    text, rows = (wallet_csv if wallet else transactions_csv)(ledger, first, last)
    days = first.strftime("%d/%m/%Y") + ("" if first == last else " – " + last.strftime("%d/%m/%Y"))
    chat = context.effective_chat
    assert chat is not None
    try:
        await context.bot.send_document(
            chat.id,
            document=text.encode("utf-8"),
            filename=filename("mutasi" if wallet else "transaksi", first, last),
            caption=t(lang, "export_wallet" if wallet else "export_payments", rows=rows, days=days),
            parse_mode=HTML,
        )
    except BadRequest as error:  # e.g. the demo's emulator, which takes no files
        await context.reply(t(lang, "document_refused", error=error.message))


def handlers(admin_ids: list[int]) -> list[Handler]:
    operators = filters.User(user_id=admin_ids)
    return [command("export", export, operators)]
