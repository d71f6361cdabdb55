"""The reseller's one-line commands: CEK, BAYAR, STATUS, SAL, MUTASI, LAP, and /pay, /status.

The line is parsed by bot/telegram/grammar.py; a CEK or BAYAR line shows `bill.py`'s bill
with its buttons (paying always takes that tap). In a group, only lines that start with one of
the grammar's keywords get an answer: people talking there are left alone.
"""

from __future__ import annotations

import re
from datetime import datetime

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.jakarta import JAKARTA
from bot.payments import TransactionNotFound
from bot.telegram import render, reports
from bot.telegram.context import LoketContext
from bot.telegram.flows import account, bill
from bot.telegram.flows.common import NEW, Handler, command
from bot.telegram.grammar import (
    NUMBER_GROUP,
    Command,
    GrammarError,
    Verb,
    names_keyword,
    parse_command,
    report_days,
)
from bot.telegram.texts import t

MONTHS_WORD = re.compile(r"[0-9]{1,2}")  # the months after a BPJS number in a reseller line
STATUS_SHOWN = 10  # STATUS.<customer number> lines


async def pay_command(update: Update, context: LoketContext) -> None:
    await run_line(context, "BAYAR " + " ".join(context.args or []))


async def status_command(update: Update, context: LoketContext) -> None:
    if len(context.args or []) != 1:
        await context.reply(t(context.lang, "usage_status"))
        return
    await run_line(context, "STATUS " + (context.args or [""])[0])


async def text_line(update: Update, context: LoketContext) -> None:
    assert update.message is not None and update.effective_chat is not None
    text = update.message.text or ""
    if update.effective_chat.type != update.effective_chat.PRIVATE and not names_keyword(text):
        return  # people talking in a group: only lines meant for Loket get an answer
    await run_line(context, text)


async def run_line(context: LoketContext, line: str) -> None:
    """Answer one reseller line (also typed in the middle of the guided flow)."""
    lang = context.lang
    user_id = context.user_id
    service = context.service
    try:
        command = parse_command(line)
    except GrammarError:
        await context.reply(t(lang, "grammar_help"))
        return
    if command.verb in (Verb.INQUIRE, Verb.PAY):
        await inquiry(context, command)
    elif command.verb is Verb.REPORT:
        first, last = report_days(datetime.now(JAKARTA).date())
        if command.day is not None and not first <= command.day <= last:
            span = {"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")}
            await context.reply(t(lang, "r_report_range", **span))
            return
        await context.reply(reports.day_report(lang, *service.report(user_id, command.day)))
    elif command.verb is Verb.STATEMENT:
        await context.reply(account.wallet_text(context))
    elif command.verb is Verb.BALANCE:
        await context.reply(t(lang, "r_balance_only", balance=render.rupiah(service.balance(user_id))))
    elif command.verb is Verb.TICKET:
        from bot.telegram.flows import topup

        await topup.ticket_line(context, command.amount_text)
    elif command.verb is Verb.STATUS_REF:
        await context.reply(await status_of_ref(context, command.ref))
    else:
        txs = service.find_by_customer(user_id, command.customer_number, limit=STATUS_SHOWN)
        await context.reply(reports.customer_status_text(lang, command.customer_number, txs))


def split_line(context: LoketContext, command: Command) -> tuple[str, str, int]:
    """Product and number of a CEK/BAYAR line, knowing the catalogue: a number typed in
    short groups (CEK PLNPOSTPAID 5300 0000 0000) is read as one number after a known
    product. A long number followed by more digits (BAYAR.PLNPOSTPAID.530000000001.1234, a
    PIN by habit) is never glued into another customer's number: it stays an unknown product.
    A product paid by the month takes the months last: CEK.BPJS.8801234560000.3."""
    catalogue = context.catalogue
    if command.product in catalogue:
        return command.product, command.customer_number, 1
    words = [*command.product.split("."), command.customer_number]
    monthly = catalogue.get(".".join(words[:-2]))
    if (
        len(words) >= 3
        and monthly is not None
        and monthly.needs_month
        and words[-2].isdigit()
        and MONTHS_WORD.fullmatch(words[-1])
    ):
        return ".".join(words[:-2]), words[-2], int(words[-1])
    for cut in range(len(words) - 1, 0, -1):
        code, rest = ".".join(words[:cut]), words[cut:]
        if code in catalogue and all(NUMBER_GROUP.fullmatch(w) for w in rest):
            return code, "".join(rest), 1
    return command.product, command.customer_number, 1


async def inquiry(context: LoketContext, command: Command) -> None:
    """CEK / BAYAR: the bill as a reseller reads it, with the Pay button."""
    lang = context.lang
    product, number, months = split_line(context, command)
    tx, _ = await bill.inquire(context, product, number, months=months)
    if tx is None:
        return
    text = render.reseller_bill(lang, tx, context.service.balance(tx.user_id))
    if command.verb is Verb.PAY:
        text += "\n" + t(lang, "bill_confirm")
    await bill.show(context, tx, text)


async def status_of_ref(context: LoketContext, ref: str) -> str:
    """STATUS.<ref>: an open payment is asked afresh from the biller (never paid again)."""
    try:
        tx = context.service.get(ref, context.user_id)
        if not tx.is_final:
            tx = await context.service.refresh(ref, context.user_id)
    except TransactionNotFound:
        return t(context.lang, "not_found", ref=ref)
    return reports.status_text(context.lang, tx)


def handlers() -> list[Handler]:
    """/pay and /status, and every text line no other room took (after the commands)."""
    return [
        command("pay", pay_command),
        command("status", status_command),
        MessageHandler(NEW & filters.TEXT & ~filters.COMMAND, text_line),
    ]
