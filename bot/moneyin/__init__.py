"""Money in: customers pay bills and top up wallets by QRIS (through a payment gateway) or by a
bank transfer an operator confirms (deposit tickets). Telegram-free, beside the payment core.

Why a package of its own rather than modules of bot/payments: money in has its own records
(intents, gateway messages, tickets), its own state machines and its own outside party (the
gateway), and it reaches the payment core only through the core's public API (`pay`,
`ensure_user`, `get`, `is_admin`) plus the wallet's one-credit-per-key entries. Nothing in the
payment core knows money in exists, so its rules stay proven as they were.
"""

from bot.moneyin.service import MoneyIn

__all__ = ["MoneyIn"]
