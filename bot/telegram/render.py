"""Turns core objects into the HTML messages the chat shows. No Telegram calls here.

Every value that came from a user or a biller goes through `texts.t`, which escapes it.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.jakarta import JAKARTA
from bot.payments import (
    InvalidCustomerNumber,
    NumberRule,
    Reason,
    Transaction,
    TxState,
    WalletEntry,
)
from bot.telegram.texts import DEFAULT_LANG, TEXTS, Raw, clip, t

WALLET_NOTE = 80  # characters of an entry's reason on a wallet line (ten lines share one message)

_REASON_KEYS = {
    Reason.ALREADY_PAID: "reason_already_paid",
    Reason.WRONG_NUMBER: "reason_wrong_number",
    Reason.BILL_NOT_AVAILABLE: "reason_bill_not_available",
    Reason.INQUIRY_EXPIRED: "reason_bill_not_available",
    Reason.BILLER_DOWN: "reason_biller_down",
    Reason.BUSY: "reason_busy",
    Reason.TIMEOUT: "reason_timeout",
    Reason.UNKNOWN: "reason_timeout",
    Reason.PAYMENT_FAILED: "reason_payment_failed",
    Reason.BLOCKED: "reason_blocked",
    Reason.PAY_AT_COUNTER: "reason_pay_at_counter",
    Reason.LIMIT_EXCEEDED: "reason_limit_exceeded",
    Reason.INSUFFICIENT_DEPOSIT: "reason_insufficient_deposit",
}


def rupiah(amount: int) -> str:
    """137110 -> 'Rp 137.110' (negative amounts keep their sign: '-Rp 5.000')."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(int(amount)):,}".replace(",", ".")


def jakarta_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(JAKARTA).strftime("%d-%m-%Y %H:%M:%S")


_MONTHS = {
    "id": ("JAN", "FEB", "MAR", "APR", "MEI", "JUN", "JUL", "AGU", "SEP", "OKT", "NOV", "DES"),
    "en": ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
}
_YYYYMM = re.compile(r"(20[0-9]{2})(0[1-9]|1[0-2])")


def period_label(lang: str, period: str) -> str:
    """A biller's period as people read it: '202608,202609' -> 'AGU 2026, SEP 2026'; a label the
    biller already wrote ('OKT 2026') is kept."""
    names = _MONTHS.get(lang, _MONTHS[DEFAULT_LANG])
    parts = []
    for part in (p.strip() for p in period.split(",")):
        match = _YYYYMM.fullmatch(part)
        parts.append(f"{names[int(match.group(2)) - 1]} {match.group(1)}" if match else part)
    return ", ".join(p for p in parts if p)


def reason_text(lang: str, reason: Reason | str | None) -> str:
    key = _REASON_KEYS.get(Reason(reason), "reason_other") if reason else "reason_other"
    return t(lang, key)


def state_text(lang: str, state: TxState) -> str:
    return t(lang, f"state_{TxState(state).value}")


def bill_text(lang: str, tx: Transaction, balance: int) -> str:
    """The bill as the customer confirms it: name, months, fees, total, wallet after."""
    bill = tx.bill
    lines = [
        t(lang, "bill_title", product=tx.product_name),
        t(lang, "bill_ref", ref=tx.ref_id),
        t(lang, "bill_customer", number=tx.customer_number, name=tx.customer_name),
    ]
    if bill.lines:
        lines += [
            t(lang, "bill_line", period=period_label(lang, ln.period), amount=rupiah(ln.amount + ln.penalty))
            for ln in bill.lines
        ]
    else:
        period = period_label(lang, ",".join(bill.periods)) or "-"
        lines.append(t(lang, "bill_line", period=period, amount=rupiah(bill.nominal)))
    lines.append(t(lang, "bill_admin", amount=rupiah(bill.admin)))
    if tx.markup:
        lines.append(t(lang, "bill_fee", amount=rupiah(tx.markup)))
    lines.append(t(lang, "bill_total", amount=rupiah(tx.amount)))
    if balance >= tx.amount:
        lines.append(t(lang, "bill_balance_after", amount=rupiah(balance - tx.amount)))
    else:
        lines.append(
            t(lang, "bill_balance_short", balance=rupiah(balance), shortfall=rupiah(tx.amount - balance))
        )
    lines.append(t(lang, "bill_confirm"))
    return "\n".join(lines)


def receipt_text(lang: str, tx: Transaction) -> str:
    bill = tx.bill
    lines = [
        t(lang, "receipt_title"),
        t(lang, "receipt_ref", ref=tx.ref_id),
        t(lang, "receipt_product", product=tx.product_name),
        t(lang, "receipt_customer", number=tx.customer_number),
        t(lang, "receipt_name", name=tx.customer_name),
        t(
            lang,
            "receipt_periods",
            periods=period_label(lang, ",".join(bill.periods or [ln.period for ln in bill.lines])) or "-",
        ),
        t(lang, "receipt_bill", amount=rupiah(bill.nominal)),
        t(lang, "receipt_admin", amount=rupiah(bill.admin)),
    ]
    penalty = tx.bill_total - bill.nominal - bill.admin  # late fees (PLN denda, PDAM penalty)
    if penalty:
        lines.append(t(lang, "receipt_penalty", amount=rupiah(penalty)))
    if tx.markup:
        lines.append(t(lang, "receipt_fee", amount=rupiah(tx.markup)))
    lines.append(t(lang, "receipt_paid", amount=rupiah(tx.amount)))
    if tx.biller_ref:
        lines.append(t(lang, "receipt_biller_ref", biller_ref=tx.biller_ref))
    lines.append(t(lang, "receipt_time", time=jakarta_time(tx.settled_at or tx.updated_at)))
    return "\n".join(lines)


def outcome_text(lang: str, tx: Transaction) -> str:
    """What a transaction's current state means for the customer, in one message."""
    state = TxState(tx.state)
    if state is TxState.SUCCESS:
        return receipt_text(lang, tx)
    # a failed or pending message replaces the bill, so it says again what was being paid
    subject = t(
        lang, "outcome_subject", product=tx.product_name, number=tx.customer_number, name=tx.customer_name
    )
    if state is TxState.FAILED:
        failed = t(
            lang, "failed", ref=tx.ref_id, reason=Raw(reason_text(lang, tx.reason)), amount=rupiah(tx.amount)
        )
        return failed + "\n" + subject
    if tx.is_open:
        return t(lang, "pending", ref=tx.ref_id) + "\n" + subject
    if state is TxState.CANCELLED:
        return t(lang, "state_cancelled", ref=tx.ref_id)
    if state is TxState.EXPIRED:
        if tx.reason == Reason.ALREADY_PAID:  # paid by another transaction after this inquiry
            return t(lang, "state_expired_paid", ref=tx.ref_id)
        return t(lang, "state_expired", ref=tx.ref_id)
    return t(lang, "state_inquired", ref=tx.ref_id)


def tx_line(lang: str, tx: Transaction, key: str = "history_line") -> str:
    return t(
        lang,
        key,
        ref=tx.ref_id,
        product=tx.product_code,
        number=tx.customer_number,
        amount=rupiah(tx.amount),
        state=state_text(lang, tx.state),
    )


def wallet_line(lang: str, entry: WalletEntry) -> str:
    return t(
        lang,
        "wallet_line",
        time=jakarta_time(entry.created_at),
        kind=t(lang, f"kind_{entry.kind.value}"),
        amount=rupiah(entry.amount),
        balance=rupiah(entry.balance_after),
        ref=clip(entry.ref_id or entry.reason or "", WALLET_NOTE),
    )


def reseller_bill(lang: str, tx: Transaction, balance: int) -> str:
    """A reseller's bill: one line per fact, with the ref and the balance arithmetic."""
    head = t(
        lang,
        "r_bill",
        ref=tx.ref_id,
        product=tx.product_code,
        number=tx.customer_number,
        name=tx.customer_name,
        bill=rupiah(tx.bill.nominal),
        admin=rupiah(tx.bill.admin + tx.markup),
        total=rupiah(tx.amount),
    )
    if balance >= tx.amount:
        money = t(
            lang,
            "r_balance",
            balance=rupiah(balance),
            total=rupiah(tx.amount),
            after=rupiah(balance - tx.amount),
        )
    else:  # never a negative "after": say what is missing
        money = t(lang, "bill_balance_short", balance=rupiah(balance), shortfall=rupiah(tx.amount - balance))
    return head + "\n" + money


def age_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def number_hint(lang: str, rule: NumberRule) -> str:
    """What a product's customer number looks like, in the chat's language: the locales' words
    for the rule's hint key; the catalogue's own (Indonesian) hint for a rule without one."""
    key = f"hint_{rule.hint_key}"
    if rule.hint_key and key in TEXTS[DEFAULT_LANG]:
        return Raw(t(lang, key))
    return rule.hint or "-"


def number_refusal(lang: str, error: InvalidCustomerNumber, typed: str) -> str:
    """Which rule a customer number broke, then what is expected."""
    rule = error.number_rule
    length = len(re.sub(r"[\s\-.]", "", typed))
    why = t(lang, f"why_{error.rule}", length=length, min=rule.min_length, max=rule.max_length)
    return t(lang, "number_invalid", why=Raw(why), hint=number_hint(lang, rule))
