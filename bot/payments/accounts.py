"""Users and their wallets: who someone is (role, language) and what they hold.

Roles: admins are named by ADMIN_IDS only; an operator marks others reseller or customer. A
wallet changes only by an appended entry (top-up, adjustment here; debit and refund in
payments.py / settlement.py), so a balance is always the sum of its entries.
"""

from __future__ import annotations

from bot.payments.base import ServiceBase
from bot.payments.errors import InvalidAmount
from bot.payments.models import MAX_RUPIAH, EntryKind, Role, User, WalletEntry


class Accounts(ServiceBase):
    """Users, roles, languages and wallets."""

    def ensure_user(self, user_id: int, name: str = "", language: str | None = None) -> User:
        existing = self.ledger.get_user(user_id)
        user = User(
            user_id=user_id,
            name=name or (existing.name if existing else ""),
            language=language or (existing.language if existing else "id"),
            role=self._role_for(user_id, existing.role if existing else None),
        )
        if user != existing:
            self.ledger.save_user(user, self._now())
        return user

    def get_user(self, user_id: int) -> User | None:
        return self.ledger.get_user(user_id)

    def set_language(self, user_id: int, lang: str) -> User:
        return self.ensure_user(user_id, language=lang)

    def set_role(self, admin_id: int, user_id: int, role: Role) -> User:
        """An operator marks a user reseller or customer. Admins are ADMIN_IDS only, never set here."""
        self._require_admin(admin_id)
        if role is Role.ADMIN or self.is_admin(user_id):
            raise PermissionError("admins are named by ADMIN_IDS")
        now = self._now()
        with self.ledger.transaction():
            self.ledger.ensure_user_row(user_id, Role.CUSTOMER, now)
            user = self.ledger.get_user(user_id)
            assert user is not None
            return self.ledger.save_user(user.model_copy(update={"role": role}), now)

    def balance(self, user_id: int) -> int:
        return self.ledger.balance(user_id)

    def statement(self, user_id: int, limit: int = 10) -> list[WalletEntry]:
        return self.ledger.statement(user_id, limit)

    @staticmethod
    def _whole(amount: object) -> int:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InvalidAmount("an amount is a whole number of rupiah")
        if abs(amount) > MAX_RUPIAH:
            raise InvalidAmount(f"an amount is at most {MAX_RUPIAH} rupiah")
        return amount

    def top_up(self, admin_id: int, user_id: int, amount: int, reason: str = "") -> WalletEntry:
        self._require_admin(admin_id)
        if self._whole(amount) <= 0:
            raise InvalidAmount("a top-up must be more than zero")
        now = self._now()
        with self.ledger.transaction():
            self.ledger.ensure_user_row(user_id, self._role_for(user_id, None), now)
            return self.ledger.add_entry(
                user_id, EntryKind.TOPUP, amount, now, actor_id=admin_id, reason=reason
            )

    def adjust(self, admin_id: int, user_id: int, amount: int, reason: str) -> WalletEntry:
        self._require_admin(admin_id)
        if self._whole(amount) == 0:
            raise InvalidAmount("an adjustment cannot be zero")
        now = self._now()
        with self.ledger.transaction():
            balance = self.ledger.balance(user_id)
            if balance + amount < 0:
                raise InvalidAmount(f"the adjustment would make the balance negative ({balance + amount})")
            self.ledger.ensure_user_row(user_id, self._role_for(user_id, None), now)
            return self.ledger.add_entry(
                user_id, EntryKind.ADJUSTMENT, amount, now, actor_id=admin_id, reason=reason
            )
