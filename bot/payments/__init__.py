"""The payment core's public surface: everything a front end (the Telegram chat) may use.

The chat imports from here only, never from `bot.billers`: the core's service, models and
errors, and the biller types the core speaks in (a product and its number rule, a bill, a
payment result, why an inquiry was refused). docs/core-contract.md describes the calls.

The ledger lives in the core (`bot/payments/ledger.py`); `storage/` keeps the schema, the
migrations and the python-telegram-bot persistence, so no package imports the other back.
"""

from __future__ import annotations

from bot.billers import make_biller
from bot.billers.base import (
    MAX_MONTHS,
    Bill,
    Biller,
    BillerError,
    BillLine,
    InquiryError,
    InvalidCustomerNumber,
    NoProviderCode,
    NumberRule,
    Outcome,
    PaymentResult,
    PrepaidProduct,
    Product,
    Reason,
    UnknownProduct,
)
from bot.billers.catalogue_sync import CatalogueSync, SyncReport
from bot.payments.errors import (
    BillBeingPaid,
    IllegalTransition,
    InquiryExpired,
    InsufficientBalance,
    InvalidAmount,
    InvalidMonths,
    NotPayable,
    PaymentError,
    TransactionNotFound,
)
from bot.payments.figures import Paid, ProductMargin, held, margins, paid
from bot.payments.limits import InquiryLimited
from bot.payments.models import (
    FINAL_STATES,
    MAX_RUPIAH,
    OPEN_PAYMENT_STATES,
    Deposit,
    EntryKind,
    Role,
    Stats,
    Transaction,
    TransactionEvent,
    TxState,
    User,
    WalletEntry,
)
from bot.payments.prices import (
    ALL,
    ROLES,
    InvalidPriceRule,
    PriceBook,
    PriceChange,
    PriceRule,
    ProductOff,
    subject_of,
)
from bot.payments.resolve import NOTE_MAX, NotResolvable, Resolution, ResolveNoteMissing, Verdict
from bot.payments.service import Alarm, Observer, PaymentService
from storage.db import is_busy

__all__ = [
    "ALL",
    "FINAL_STATES",
    "MAX_MONTHS",
    "MAX_RUPIAH",
    "NOTE_MAX",
    "OPEN_PAYMENT_STATES",
    "ROLES",
    "Alarm",
    "Bill",
    "BillBeingPaid",
    "BillLine",
    "Biller",
    "BillerError",
    "CatalogueSync",
    "Deposit",
    "EntryKind",
    "IllegalTransition",
    "InquiryError",
    "InquiryExpired",
    "InquiryLimited",
    "InsufficientBalance",
    "InvalidAmount",
    "InvalidCustomerNumber",
    "InvalidMonths",
    "InvalidPriceRule",
    "NoProviderCode",
    "NotPayable",
    "NotResolvable",
    "NumberRule",
    "Observer",
    "Outcome",
    "Paid",
    "PaymentError",
    "PaymentResult",
    "PaymentService",
    "PrepaidProduct",
    "PriceBook",
    "PriceChange",
    "PriceRule",
    "Product",
    "ProductMargin",
    "ProductOff",
    "Reason",
    "Resolution",
    "ResolveNoteMissing",
    "Role",
    "Stats",
    "SyncReport",
    "Transaction",
    "TransactionEvent",
    "TransactionNotFound",
    "TxState",
    "UnknownProduct",
    "User",
    "Verdict",
    "WalletEntry",
    "held",
    "is_busy",
    "make_biller",
    "margins",
    "paid",
    "subject_of",
]
