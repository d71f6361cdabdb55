"""Typed errors of money in. Each is something the chat can explain to a person.

When one of these is raised, no money has moved (a refused or unclear charge leaves an intent
behind for the audit, FAILED or waiting for its status check, and nothing is credited).
"""

from __future__ import annotations

from bot.moneyin.models import DepositTicket, PaymentIntent


class MoneyInError(Exception):
    """Base class of money in's errors."""


class QrisUnavailable(MoneyInError):
    """No payment gateway is configured (PAYMENT_GATEWAY=none)."""


class AmountOutOfRange(MoneyInError):
    def __init__(self, amount: object, least: int, most: int) -> None:
        super().__init__(f"{amount!r}: a whole number of rupiah from {least} to {most}")
        self.amount = amount
        self.least = least
        self.most = most


class ChargeFailed(MoneyInError):
    """The gateway refused the charge: no QR. `unclear` when it did not answer clearly (the
    intent waits for its status check; a new tap makes a new QR)."""

    def __init__(self, intent: PaymentIntent, *, unclear: bool) -> None:
        super().__init__(f"{intent.order_id}: the charge {'is unclear' if unclear else 'was refused'}")
        self.intent = intent
        self.unclear = unclear


class IntentNotFound(MoneyInError):
    """No such order for this user (someone else's order raises this too, on purpose)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r} not found")
        self.order_id = order_id


class TicketsUnavailable(MoneyInError):
    """DEPOSIT_BANK_INFO is empty: there is no account to transfer to."""


class TooManyTickets(MoneyInError):
    def __init__(self, open_tickets: list[DepositTicket]) -> None:
        super().__init__(f"{len(open_tickets)} open tickets already")
        self.open_tickets = open_tickets


class TicketsFull(MoneyInError):
    """Every unique code (1..999) is taken by an open ticket: try again later."""


class TicketNotFound(MoneyInError):
    def __init__(self, ticket_id: object) -> None:
        super().__init__(f"ticket {ticket_id!r} not found")
        self.ticket_id = ticket_id


class TicketClosed(MoneyInError):
    """The ticket was accepted or rejected already: a second decision is refused."""

    def __init__(self, ticket: DepositTicket) -> None:
        super().__init__(f"ticket {ticket.ticket_id} is {ticket.state}")
        self.ticket = ticket
