"""The one start-up summary line: what this Loket is about to run against.

An operator reading the log must see at once which biller and host (sandbox or production),
which payment gateway, polling or webhook, which database file (absolute, and whether it was
just created: a new ledger started from the wrong folder is the classic "Saldo Rp 0"), and how
many operators. Never a secret: no token, key or webhook path (the path is a weak secret).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import bot
from bot.config import AYOCONNECT_SANDBOX_URL, IAK_PRODUCTION_URL, IAK_SANDBOX_URL, BillerName, Settings


def biller_text(settings: Settings) -> str:
    if settings.biller is BillerName.SANDBOX:
        where = settings.sandbox_url or "in-process"
        return f"sandbox ({where}, test numbers only, no real money)"
    if settings.biller is BillerName.IAK:
        url = settings.iak_base_url
        kind = {IAK_SANDBOX_URL: "IAK's sandbox", IAK_PRODUCTION_URL: "production"}.get(url, "custom host")
        return f"iak at {url} ({kind})"
    url = settings.ayoconnect_base_url
    kind = "Ayoconnect's development host" if url == AYOCONNECT_SANDBOX_URL else "production"
    return f"ayoconnect at {url} ({kind})"


def mode_text(settings: Settings) -> str:
    if not settings.webhook_url:
        return "long polling"
    parts = urlsplit(settings.webhook_url)
    return f"webhook {parts.scheme}://{parts.netloc}/… on {settings.webhook_listen}:{settings.webhook_port}"


def summary(settings: Settings, *, created: bool) -> str:
    db = Path(settings.database_path).absolute()
    gateway = getattr(settings, "payment_gateway", None)  # PAYMENT_GATEWAY (money in), when present
    gateway_text = str(getattr(gateway, "value", gateway) or "none")
    operators = len(settings.admin_ids)
    ledger = f"{db} (created a new ledger)" if created else str(db)
    return (
        f"Loket {bot.__version__} started: biller {biller_text(settings)}; payment gateway {gateway_text}; "
        f"Telegram by {mode_text(settings)}; database {ledger}; "
        f"{operators} operator{'s' if operators != 1 else ''}{'' if operators else ' (ADMIN_IDS is empty)'}"
    )
