"""The chat's lists and figures, built from core objects: history, the wallet, statuses, a
reseller's day report (LAP), and the operator's /stats, /deposit, /pending and /resolve.

Like render.py, no Telegram calls here; each list fits one message.
"""

from __future__ import annotations

from datetime import datetime

from bot.payments import (
    Deposit,
    ProductMargin,
    Resolution,
    Stats,
    Transaction,
    TxState,
    WalletEntry,
    held,
    paid,
)
from bot.telegram.render import age_text, jakarta_time, reason_text, rupiah, state_text, tx_line, wallet_line
from bot.telegram.texts import Raw, t

PENDING_SHOWN = 25  # /pending lines in one message
MARGINS_SHOWN = 20  # /stats: products with a margin line, the largest margins first
REPORT_SHOWN = 25  # LAP lines in one message (the latest; each up to ~150 characters)


def wallet_text(lang: str, balance: int, entries: list[WalletEntry]) -> str:
    """/saldo and MUTASI: the balance, then the latest entries."""
    lines = [t(lang, "wallet_title", amount=rupiah(balance))]
    lines += [wallet_line(lang, e) for e in entries] or [t(lang, "wallet_empty")]
    return "\n".join(lines)


def history_text(lang: str, txs: list[Transaction], offset: int, total: int) -> str:
    if not txs:
        return t(lang, "history_empty")
    head = t(lang, "history_title", start=offset + 1, end=offset + len(txs), total=total)
    return "\n".join([head, *(tx_line(lang, tx) for tx in txs)])


def status_overview(lang: str, txs: list[Transaction]) -> str:
    """The menu's status button: the latest transactions and how to ask for one."""
    if not txs:
        return t(lang, "history_empty") + "\n" + t(lang, "status_overview_hint")
    lines = [t(lang, "status_overview_title")]
    lines += [tx_line(lang, tx, "status_line") for tx in txs]
    lines.append(t(lang, "status_overview_hint"))
    return "\n".join(lines)


def status_text(lang: str, tx: Transaction) -> str:
    """STATUS.<ref>: the transaction's line, with the biller's ref or the reason it failed."""
    lines = [tx_line(lang, tx, "status_line")]
    if TxState(tx.state) is TxState.SUCCESS and tx.biller_ref:
        lines.append(t(lang, "receipt_biller_ref", biller_ref=tx.biller_ref))
    elif TxState(tx.state) is TxState.FAILED:
        lines.append(reason_text(lang, tx.reason))
    return "\n".join(lines)


def customer_status_text(lang: str, number: str, txs: list[Transaction]) -> str:
    """STATUS.<customer number>: that number's transactions."""
    if not txs:
        return t(lang, "status_none", number=number)
    return "\n".join(tx_line(lang, tx, "status_line") for tx in txs)


def day_report(lang: str, stats: Stats, txs: list[Transaction]) -> str:
    """LAP: a reseller's payments of a day, figures first (what they paid: the bills + the markup
    that applied to them = what was debited), then the latest lines, each with the same sum."""
    label = datetime.fromisoformat(stats.day).strftime("%d/%m/%Y")
    if not txs:
        return t(lang, "r_report_none", day=label)
    done, waiting = paid(txs), held(txs)
    lines = [
        t(
            lang,
            "r_report_title",
            day=label,
            count=stats.count,
            success=stats.success,
            volume=rupiah(stats.volume),
            pending=stats.pending,
            failed=stats.failed,
        ),
        t(
            lang,
            "r_report_paid",
            bill=rupiah(done.bill),
            markup=rupiah(done.markup),
            amount=rupiah(done.amount),
        ),
    ]
    if waiting.count:
        lines.append(t(lang, "r_report_held", amount=rupiah(waiting.amount), count=waiting.count))
    shown = txs[-REPORT_SHOWN:]  # the latest, oldest first
    if len(txs) > len(shown):
        lines.append(t(lang, "r_report_more", more=len(txs) - len(shown)))
    lines += [
        t(
            lang,
            "r_report_line",
            time=jakarta_time(tx.paid_at)[-8:-3],
            ref=tx.ref_id,
            product=tx.product_code,
            number=tx.customer_number,
            bill=rupiah(tx.bill_total),
            markup=rupiah(tx.markup),
            amount=rupiah(tx.amount),
            state=state_text(lang, tx.state),
        )
        for tx in shown
    ]
    return "\n".join(lines)


def resolution_text(lang: str, done: Resolution) -> str:
    """/resolve: what the biller answered first, and what was done (by the biller or the operator)."""
    tx, status = done.transaction, done.status
    key = f"resolve_{'biller' if done.by_biller else 'done'}_{tx.state.value.lower()}"
    return t(
        lang,
        key,
        ref=tx.ref_id,
        product=tx.product_code,
        number=tx.customer_number,
        amount=rupiah(tx.amount),
        biller_ref=tx.biller_ref or "-",
        status=state_text(lang, TxState(status.outcome.value)),
        code=status.provider_code or "-",
        user_id=tx.user_id,
    )


def stats_text(lang: str, s: Stats, margins: list[ProductMargin] | None = None) -> str:
    """/stats: the day's figures for the operator, then the margin per product (from the core's
    figures), each saying whether it counts the biller's cost or the bill total."""
    text = t(
        lang,
        "stats",
        day=s.day,
        count=s.count,
        success=s.success,
        failed=s.failed,
        pending=s.pending,
        volume=rupiah(s.volume),
        profit=rupiah(s.profit),
    )
    if margins is None:
        return text
    if not margins:
        return "\n".join([text, t(lang, "stats_margin_none")])
    shown = margins[:MARGINS_SHOWN]
    lines = [text, t(lang, "stats_margin_title")]
    lines += [
        t(
            lang,
            "stats_margin_line",
            code=m.product_code,
            name=m.product_name,
            count=m.count,
            paid=rupiah(m.paid),
            taken=rupiah(m.taken),
            margin=rupiah(m.margin),
            basis=Raw(t(lang, f"stats_basis_{m.basis}", by_cost=m.by_cost, count=m.count)),
        )
        for m in shown
    ]
    if len(margins) > len(shown):
        lines.append(t(lang, "stats_margin_more", more=len(margins) - len(shown)))
    return "\n".join(lines)


def deposit_text(lang: str, deposit: Deposit | None) -> str:
    """/deposit: the biller deposit, and when it was reported if the biller has no balance call."""
    if deposit is None:
        return t(lang, "deposit_none")
    if deposit.as_of is None:
        return t(lang, "deposit", amount=rupiah(deposit.amount))
    return t(lang, "deposit_as_of", amount=rupiah(deposit.amount), time=jakarta_time(deposit.as_of))


def pending_text(lang: str, txs: list[Transaction], now: datetime) -> str:
    """/pending: payments waiting for the biller, oldest first, in one message."""
    if not txs:
        return t(lang, "pending_none")
    shown = txs[:PENDING_SHOWN]  # one message: Telegram refuses more than 4096 characters
    lines = [t(lang, "pending_title", count=len(txs))]
    lines += [
        t(
            lang,
            "pending_line",
            ref=tx.ref_id,
            product=tx.product_code,
            number=tx.customer_number,
            amount=rupiah(tx.amount),
            state=state_text(lang, tx.state),
            age=age_text((now - (tx.paid_at or tx.created_at)).total_seconds()),
            flag=Raw(t(lang, "pending_flag")) if tx.flagged else "",
        )
        for tx in shown
    ]
    if len(txs) > len(shown):
        lines.append(t(lang, "pending_more", more=len(txs) - len(shown)))
    lines.append(t(lang, "pending_resolve_hint"))
    return "\n".join(lines)
