"""Deposit tickets: a top-up by bank transfer that an operator confirms (no gateway needed).

`TIKET.100000` asks for a ticket: the customer is to transfer 100 000 plus a code of 1 to 999
rupiah, so the amount on the operator's bank statement names one open ticket (the code, and
the amount with it, are unique among open tickets: the database's partial unique indexes
say so too). The ticket keeps the DEPOSIT_BANK_INFO it was made with and expires after 24 h.

An operator (ADMIN_IDS) accepts it, crediting the wallet once by the amount they confirm (the
ticket's transfer amount by default: what the statement shows), with their id recorded; or
rejects it. A second decision is refused; the database refuses a second credit of one ticket
anyway (its credit key). An expired ticket can still be accepted: a transfer that came late
is real money.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.moneyin.errors import (
    AmountOutOfRange,
    TicketClosed,
    TicketNotFound,
    TicketsFull,
    TicketsUnavailable,
    TooManyTickets,
)
from bot.moneyin.models import TICKET_MAX, TOPUP_MIN, DepositTicket, TicketState
from bot.moneyin.store import MoneyInStore
from storage.times import ts

log = logging.getLogger(__name__)

TicketObserver = Callable[[DepositTicket], Awaitable[None]]
TICKET_HOURS = 24
MAX_OPEN_PER_USER = 3  # a customer cannot use up the codes everyone shares
CODES = range(1, 1000)
NOTE_MAX = 200


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DepositTickets:
    def __init__(
        self,
        payments: Any,  # bot.payments.service.PaymentService (its public methods only)
        settings: Settings,
        store: MoneyInStore,
        *,
        clock: Callable[[], datetime] = _utcnow,
        choose: Callable[[list[int]], int] = secrets.choice,
    ) -> None:
        self.payments = payments
        self.settings = settings
        self.store = store
        self._now = clock
        self._choose = choose
        self._observers: list[TicketObserver] = []

    def add_observer(self, callback: TicketObserver) -> None:
        """Told of every new ticket (for the operators) and every decision (for its owner)."""
        self._observers.append(callback)

    async def _tell(self, ticket: DepositTicket) -> None:
        for callback in list(self._observers):
            try:
                await callback(ticket)
            except Exception:
                log.exception("ticket observer failed for ticket %s", ticket.ticket_id)

    @property
    def available(self) -> bool:
        return bool(self.settings.deposit_bank_info.strip())

    # -- the customer --------------------------------------------------------------------------
    async def open(self, user_id: int, amount: int, notify: dict[str, Any] | None = None) -> DepositTicket:
        """A new ticket for `amount` rupiah. Raises TicketsUnavailable (no DEPOSIT_BANK_INFO),
        AmountOutOfRange, TooManyTickets (MAX_OPEN_PER_USER open already), TicketsFull."""
        bank_info = self.settings.deposit_bank_info.strip()
        if not bank_info:
            raise TicketsUnavailable("DEPOSIT_BANK_INFO is empty")
        if not isinstance(amount, int) or isinstance(amount, bool) or not TOPUP_MIN <= amount <= TICKET_MAX:
            raise AmountOutOfRange(amount, TOPUP_MIN, TICKET_MAX)
        self.payments.ensure_user(user_id)
        self.sweep()
        for _ in range(5):  # another writer may take the code between the look and the insert
            now = self._now()
            with self.store.transaction():
                mine = self.store.tickets("user_id = ? AND state = 'OPEN'", [user_id])
                if len(mine) >= MAX_OPEN_PER_USER:
                    raise TooManyTickets(mine)
                codes, amounts = self.store.open_codes()
                free = [c for c in CODES if c not in codes and amount + c not in amounts]
                if not free:
                    raise TicketsFull("every unique code is taken by an open ticket")
                code = self._choose(free)
                try:
                    expires = now + timedelta(hours=TICKET_HOURS)
                    ticket_id = self.store.insert_ticket(
                        user_id, amount, code, bank_info, expires, now, notify or {}
                    )
                except sqlite3.IntegrityError:
                    continue
                self.store.append_ticket_event(
                    ticket_id, None, TicketState.OPEN, now, actor_id=user_id, amount=amount
                )
            ticket = self.store.get_ticket(ticket_id)
            assert ticket is not None
            await self._tell(ticket)
            return ticket
        raise TicketsFull("could not reserve a unique code")

    def get(self, ticket_id: int, user_id: int) -> DepositTicket:
        """The user's own ticket; operators see every ticket."""
        ticket = self.store.get_ticket(ticket_id)
        if ticket is None or (ticket.user_id != user_id and not self.payments.is_admin(user_id)):
            raise TicketNotFound(ticket_id)
        return ticket

    def tickets_of(self, user_id: int, limit: int = 10) -> list[DepositTicket]:
        self.sweep()
        return self.store.tickets("user_id = ?", [user_id], limit, order="ticket_id DESC")

    def set_notify(self, ticket_id: int, notify: dict[str, Any]) -> None:
        ticket = self.store.get_ticket(ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        with self.store.transaction():
            self.store.update_ticket(ticket_id, ticket.state, notify=dict(notify))

    # -- the operator --------------------------------------------------------------------------
    def _require_admin(self, admin_id: int) -> None:
        if not self.payments.is_admin(admin_id):
            raise PermissionError(f"user {admin_id} is not an admin")

    def open_tickets(self, admin_id: int) -> list[DepositTicket]:
        """Open tickets, oldest first (`/tiket`)."""
        self._require_admin(admin_id)
        self.sweep()
        return self.store.tickets("state = 'OPEN'", [])

    def find_by_transfer(self, admin_id: int, transfer_amount: int) -> DepositTicket | None:
        """The open ticket a bank statement line of `transfer_amount` belongs to, if any."""
        self._require_admin(admin_id)
        found = self.store.tickets("state = 'OPEN' AND transfer_amount = ?", [transfer_amount], 1)
        return found[0] if found else None

    async def accept(self, admin_id: int, ticket_id: int, amount: int | None = None) -> DepositTicket:
        """Credit the ticket's owner once, by `amount` (default: the ticket's transfer amount).

        Raises PermissionError, TicketNotFound, TicketClosed (decided already), AmountOutOfRange.
        """
        self._require_admin(admin_id)
        if amount is not None and (
            not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= TICKET_MAX + 999
        ):
            raise AmountOutOfRange(amount, 1, TICKET_MAX + 999)
        now = self._now()
        with self.store.transaction():
            ticket = self.store.get_ticket(ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            if ticket.state not in {TicketState.OPEN, TicketState.EXPIRED}:
                raise TicketClosed(ticket)
            credited = amount if amount is not None else ticket.transfer_amount
            if not self.store.update_ticket(
                ticket_id,
                ticket.state,
                state=TicketState.ACCEPTED,
                decided_by=admin_id,
                decided_at=now,
                credited_amount=credited,
                updated_at=now,
            ):
                raise TicketClosed(ticket)
            self.store.append_ticket_event(
                ticket_id, ticket.state, TicketState.ACCEPTED, now, actor_id=admin_id, amount=credited
            )
            self.store.add_credit(
                ticket.user_id, credited, ticket.credit_key, now, actor_id=admin_id,
                reason=f"deposit ticket {ticket_id} (transfer {ticket.transfer_amount})",
            )  # fmt: skip
        accepted = self.store.get_ticket(ticket_id)
        assert accepted is not None
        await self._tell(accepted)
        return accepted

    async def reject(self, admin_id: int, ticket_id: int, note: str = "") -> DepositTicket:
        self._require_admin(admin_id)
        now = self._now()
        note = note.strip()[:NOTE_MAX]
        with self.store.transaction():
            ticket = self.store.get_ticket(ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            if ticket.state not in {TicketState.OPEN, TicketState.EXPIRED} or not self.store.update_ticket(
                ticket_id,
                ticket.state,
                state=TicketState.REJECTED,
                decided_by=admin_id,
                decided_at=now,
                note=note,
                updated_at=now,
            ):
                raise TicketClosed(ticket)
            self.store.append_ticket_event(
                ticket_id, ticket.state, TicketState.REJECTED, now, actor_id=admin_id, note=note
            )
        rejected = self.store.get_ticket(ticket_id)
        assert rejected is not None
        await self._tell(rejected)
        return rejected

    def sweep(self) -> int:
        """Open tickets past their 24 h become EXPIRED (their code is free again)."""
        now = self._now()
        with self.store.transaction():
            due = self.store.tickets("state = 'OPEN' AND expires_at <= ?", [ts(now)])
            for ticket in due:
                moved = self.store.update_ticket(
                    ticket.ticket_id, TicketState.OPEN, state=TicketState.EXPIRED, updated_at=now
                )
                if moved:
                    self.store.append_ticket_event(
                        ticket.ticket_id, TicketState.OPEN, TicketState.EXPIRED, now
                    )
        return len(due)
