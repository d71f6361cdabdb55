"""The operator's prices: the markup each user pays on top of a bill, and products switched off.

Telegram-free. Rules live in SQLite as append-only `price_events` (who, when, old, new); the
rule in force for a (product, subject) pair is its newest event. A rule names a product code or
`*` (every product) and a subject: a role (`customer`, `reseller`) or one user id. The most
specific rule wins, in this order:

    user + product  >  user + *  >  role + product  >  role + *  >  MARKUP (the default)

(user beats role first, then product beats all). Operators (ADMIN_IDS) are priced as customers.
The markup is fixed on the transaction at inquiry (`PaymentService.inquire` calls `quote` once):
the bill shows it, the confirmed amount is what is debited, and a later change of a rule never
changes a bill already shown. Switching a product off refuses new inquiries of it only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlite_utils
from pydantic import BaseModel

from bot.payments.errors import PaymentError
from bot.payments.models import MAX_RUPIAH
from storage.commits import writes_for

ALL = "*"
ROLES = ("customer", "reseller")


class ProductOff(PaymentError):
    """An operator switched this product off: no new bills of it (nothing was asked of the biller)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"product {code!r} is switched off")
        self.code = code


class InvalidPriceRule(PaymentError):
    """A price rule that cannot be: an unknown subject or a markup that is not whole rupiah >= 0."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # subject | amount


class PriceRule(BaseModel):
    product: str  # a product code, or "*"
    subject: str  # "role:customer", "role:reseller" or "user:<id>"
    markup: int
    actor_id: int
    set_at: datetime

    @property
    def role(self) -> str | None:
        return self.subject.removeprefix("role:") if self.subject.startswith("role:") else None

    @property
    def user_id(self) -> int | None:
        return int(self.subject.removeprefix("user:")) if self.subject.startswith("user:") else None


class PriceChange(BaseModel):
    product: str
    subject: str
    old: int | None
    new: int | None
    actor_id: int
    created_at: datetime


def subject_of(text: str) -> str:
    """`customer` / `reseller` / a Telegram user id, as a rule's subject; InvalidPriceRule else."""
    word = (text or "").strip().lower()
    if word in ROLES:
        return f"role:{word}"
    if word.isascii() and word.isdigit() and 0 < int(word) < 2**63:
        return f"user:{int(word)}"
    raise InvalidPriceRule("subject")


def pick(rules: dict[tuple[str, str], int], product: str, user_id: int, role: str, default: int) -> int:
    """The markup of the most specific rule that applies (module docstring), else `default`."""
    code = product.upper()
    role = role if role in ROLES else "customer"
    for key in (
        (code, f"user:{user_id}"),
        (ALL, f"user:{user_id}"),
        (code, f"role:{role}"),
        (ALL, f"role:{role}"),
    ):
        if key in rules:
            return rules[key]
    return default


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PriceBook:
    """Price rules and product switches over Loket's database."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        default: int,
        admin_ids: list[int],
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.default = default
        self._admins = admin_ids
        self._now = clock

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, as every writer on this connection (storage/commits.py)."""
        with writes_for(self.db.conn).transaction():
            yield

    def _require_admin(self, actor_id: int) -> None:
        if actor_id not in self._admins:
            raise PermissionError("only operators (ADMIN_IDS) change prices and products")

    # -- prices ---------------------------------------------------------------------------------
    def _current(self) -> dict[tuple[str, str], tuple[int | None, int, str]]:
        rows = self.db.execute(
            "SELECT product, subject, new, actor_id, created_at FROM price_events e"
            " WHERE event_id = (SELECT max(event_id) FROM price_events"
            " WHERE product = e.product AND subject = e.subject)"
        ).fetchall()
        return {(row[0], row[1]): (row[2], row[3], row[4]) for row in rows}

    def rules(self) -> list[PriceRule]:
        """The rules in force, products first by code then `*`, roles before users."""
        rules = [
            PriceRule(
                product=product,
                subject=subject,
                markup=new,
                actor_id=actor,
                set_at=datetime.fromisoformat(at),
            )
            for (product, subject), (new, actor, at) in self._current().items()
            if new is not None
        ]
        return sorted(
            rules, key=lambda r: (r.product == ALL, r.product, not r.subject.startswith("role:"), r.subject)
        )

    def _table(self) -> dict[tuple[str, str], int]:
        return {key: new for key, (new, _, _) in self._current().items() if new is not None}

    def role_of(self, user_id: int) -> str:
        row = self.db.execute("SELECT role FROM users WHERE user_id = ?", [user_id]).fetchone()
        return str(row[0]) if row and row[0] in ROLES else "customer"

    def markup_for(self, product: str, user_id: int, role: str | None = None) -> int:
        """What this user pays on top of a bill of `product` now."""
        return pick(self._table(), product, user_id, role or self.role_of(user_id), self.default)

    def quote(self, product: str, user_id: int) -> int:
        """The markup a new inquiry of `product` by this user is fixed with; ProductOff if switched off."""
        if not self.is_on(product):
            raise ProductOff(product)
        return self.markup_for(product, user_id)

    def set_rule(self, actor_id: int, product: str, subject: str, markup: int | None) -> PriceChange:
        """Set (or, with None, remove) the markup of a rule; an appended event names who and when."""
        self._require_admin(actor_id)
        if markup is not None and (
            isinstance(markup, bool) or not isinstance(markup, int) or not 0 <= markup <= MAX_RUPIAH
        ):
            raise InvalidPriceRule("amount")
        code = ALL if product.strip() == ALL else product.strip().upper()
        if not code:
            raise InvalidPriceRule("product")
        if not (subject.startswith("role:") and subject[5:] in ROLES) and not (
            subject.startswith("user:") and subject[5:].isdigit()
        ):
            raise InvalidPriceRule("subject")
        now = self._now()
        with self._transaction():
            row = self.db.execute(
                "SELECT new FROM price_events WHERE product = ? AND subject = ?"
                " ORDER BY event_id DESC LIMIT 1",
                [code, subject],
            ).fetchone()
            old = row[0] if row else None
            self.db.execute(
                "INSERT INTO price_events (product, subject, old, new, actor_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [code, subject, old, markup, actor_id, now.isoformat()],
            )
        return PriceChange(
            product=code, subject=subject, old=old, new=markup, actor_id=actor_id, created_at=now
        )

    def changes(self, limit: int = 20) -> list[PriceChange]:
        """The newest price events first."""
        rows = self.db.execute(
            "SELECT product, subject, old, new, actor_id, created_at FROM price_events"
            " ORDER BY event_id DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [
            PriceChange(
                product=r[0],
                subject=r[1],
                old=r[2],
                new=r[3],
                actor_id=r[4],
                created_at=datetime.fromisoformat(r[5]),
            )
            for r in rows
        ]

    # -- products on / off ------------------------------------------------------------------------
    def switched_off(self) -> set[str]:
        rows = self.db.execute(
            "SELECT product FROM product_switches s WHERE enabled = 0 AND switch_id ="
            " (SELECT max(switch_id) FROM product_switches WHERE product = s.product)"
        ).fetchall()
        return {str(row[0]) for row in rows}

    def is_on(self, product: str) -> bool:
        row = self.db.execute(
            "SELECT enabled FROM product_switches WHERE product = ? ORDER BY switch_id DESC LIMIT 1",
            [product.upper()],
        ).fetchone()
        return row is None or bool(row[0])

    def switch(self, actor_id: int, product: str, enabled: bool) -> bool:
        """Switch a product on or off for everyone; False when it already was. Bills already
        shown are unaffected (their price and product are on the transaction)."""
        self._require_admin(actor_id)
        code = product.strip().upper()
        with self._transaction():
            if self.is_on(code) == enabled:
                return False
            self.db.execute(
                "INSERT INTO product_switches (product, enabled, actor_id, created_at) VALUES (?, ?, ?, ?)",
                [code, int(enabled), actor_id, self._now().isoformat()],
            )
        return True
