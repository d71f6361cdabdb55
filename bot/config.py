"""Every Loket setting, in one pydantic-settings class.

Settings come from the environment and from `.env`. The names are part of the public
interface (operators put them in their service files), so they are spelled out exactly.
`load_settings()` turns a bad value into one clear line that names the setting and never
echoes what was given: a mistyped secret must not land in a log.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IAK_SANDBOX_URL = "https://testpostpaid.mobilepulsa.net"
IAK_PRODUCTION_URL = "https://mobilepulsa.net"
AYOCONNECT_SANDBOX_URL = "https://dev.openapi.ayopop.id"
TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org/bot"
MIDTRANS_SANDBOX_URL = "https://api.sandbox.midtrans.com"
MIDTRANS_PRODUCTION_URL = "https://api.midtrans.com"
DEFAULT_POLL_INTERVALS = "5,15,30,60,120,300,600,1800,3600"


class BillerName(StrEnum):
    SANDBOX = "sandbox"
    IAK = "iak"
    AYOCONNECT = "ayoconnect"


class GatewayName(StrEnum):
    """Who takes money in (bot/gateways): nobody, the built-in Midtrans sandbox, or Midtrans."""

    NONE = "none"
    SANDBOX = "sandbox"
    MIDTRANS = "midtrans"


_CODE = re.compile(r"[A-Za-z0-9._-]{1,40}")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes '²' and '٥'
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _int_list(value: object) -> list[int]:
    """'5, 15,30' -> [5, 15, 30]; the caller's error names the setting."""
    if isinstance(value, list | tuple):
        items = [str(item).strip() for item in value]
    else:
        text = str(value or "").strip()
        items = [part.strip() for part in text.split(",") if part.strip()] if text else []
    if not all(_DIGITS.fullmatch(item) for item in items):
        raise ValueError("must be a comma-separated list of whole positive numbers")
    return [int(item) for item in items]


class Settings(BaseSettings):
    """Loket's configuration. See `.env.example` for every name, its default and meaning."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    # -- billers ---------------------------------------------------------------------------
    biller: BillerName = Field(BillerName.SANDBOX, alias="BILLER")
    iak_username: str = Field("", alias="IAK_USERNAME")
    iak_api_key: SecretStr = Field(SecretStr(""), alias="IAK_API_KEY")
    iak_base_url: str = Field(IAK_SANDBOX_URL, alias="IAK_BASE_URL")
    ayoconnect_partner_id: str = Field("", alias="AYOCONNECT_PARTNER_ID")
    ayoconnect_api_secret: SecretStr = Field(SecretStr(""), alias="AYOCONNECT_API_SECRET")
    ayoconnect_base_url: str = Field(AYOCONNECT_SANDBOX_URL, alias="AYOCONNECT_BASE_URL")
    # Loket code -> Ayoconnect product code, overriding the match on the partner's product list
    ayoconnect_product_codes: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, alias="AYOCONNECT_PRODUCT_CODES"
    )
    biller_timeout: float = Field(30.0, alias="BILLER_TIMEOUT", gt=0)
    # calls to the biller at once (inquiries, payments, status checks); the follow-up leaves one to the chat
    biller_max_concurrency: int = Field(4, alias="BILLER_MAX_CONCURRENCY", ge=1, le=64)

    # -- the built-in sandbox biller -------------------------------------------------------
    sandbox_latency: float = Field(0.0, alias="SANDBOX_LATENCY", ge=0)
    sandbox_pending_checks: int = Field(2, alias="SANDBOX_PENDING_CHECKS", ge=0)
    sandbox_url: str = Field("", alias="SANDBOX_URL")

    # -- Telegram --------------------------------------------------------------------------
    telegram_bot_token: SecretStr = Field(SecretStr(""), alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field(TELEGRAM_DEFAULT_BASE_URL, alias="TELEGRAM_BASE_URL")
    webhook_url: str = Field("", alias="WEBHOOK_URL")
    webhook_secret: SecretStr = Field(SecretStr(""), alias="WEBHOOK_SECRET")
    webhook_listen: str = Field("127.0.0.1", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, alias="WEBHOOK_PORT", ge=1, le=65535)
    # messages a day that may go paid (allow_paid_broadcast, 0.1 Star each) past Telegram's free pace
    telegram_paid_messages_per_day: int = Field(0, alias="TELEGRAM_PAID_MESSAGES_PER_DAY", ge=0, le=1_000_000)
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, alias="ADMIN_IDS")

    # -- money and payments ----------------------------------------------------------------
    database_path: Path = Field(Path("./data/loket.sqlite3"), alias="DATABASE_PATH")
    # how long a write waits on the event loop for a lock another program holds (a backup, an
    # sqlite3 shell) before the user is asked to try again; every chat waits meanwhile
    database_busy_timeout_ms: int = Field(300, alias="DATABASE_BUSY_TIMEOUT_MS", ge=1, le=30_000)
    markup: int = Field(0, alias="MARKUP", ge=0, strict=False)
    status_poll_intervals: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: _int_list(DEFAULT_POLL_INTERVALS),
        alias="STATUS_POLL_INTERVALS",
    )
    status_follow_hours: int = Field(24, alias="STATUS_FOLLOW_HOURS", ge=1)
    inquiry_ttl_seconds: int = Field(900, alias="INQUIRY_TTL_SECONDS", ge=30)
    # a status call saying "no payment record" fails the payment only after this long
    no_record_grace_seconds: int = Field(300, alias="NO_RECORD_GRACE_SECONDS", ge=0)
    # bills one user may look up in a sliding minute / hour (operators: no limit); 0 = no limit
    inquiry_limit_per_minute: int = Field(30, alias="INQUIRY_LIMIT_PER_MINUTE", ge=0)
    inquiry_limit_per_hour: int = Field(300, alias="INQUIRY_LIMIT_PER_HOUR", ge=0)
    # a /topup of more than this many rupiah waits for the operator's confirming tap
    topup_confirm_above: int = Field(1_000_000, alias="TOPUP_CONFIRM_ABOVE", ge=0)
    # a verified backup every day at 03:00 WIB into this folder (empty: none), keeping the newest N
    backup_dir: Path | None = Field(None, alias="BACKUP_DIR")
    backup_keep: int = Field(14, alias="BACKUP_KEEP", ge=1)
    # operators are told when a biller answer reports the deposit below this (0: not watched)
    deposit_alert_below: int = Field(0, alias="DEPOSIT_ALERT_BELOW", ge=0)
    # operators are told when the biller has answered nothing for this many minutes
    biller_silent_minutes: int = Field(5, alias="BILLER_SILENT_MINUTES", ge=1)

    # -- money in: QRIS by a payment gateway, deposit tickets (bot/gateways, bot/moneyin) -----------
    payment_gateway: GatewayName = Field(GatewayName.NONE, alias="PAYMENT_GATEWAY")
    midtrans_server_key: SecretStr = Field(SecretStr(""), alias="MIDTRANS_SERVER_KEY")
    midtrans_base_url: str = Field(MIDTRANS_SANDBOX_URL, alias="MIDTRANS_BASE_URL")
    public_url: str = Field("", alias="PUBLIC_URL")
    qris_expiry_minutes: int = Field(15, alias="QRIS_EXPIRY_MINUTES", ge=1, le=10_080)
    qris_fee: int = Field(0, alias="QRIS_FEE", ge=0)
    deposit_bank_info: str = Field("", alias="DEPOSIT_BANK_INFO")
    http_listen: str = Field("127.0.0.1", alias="HTTP_LISTEN")
    http_port: int = Field(8081, alias="HTTP_PORT", ge=0, le=65535)
    # /healthz answers 503 ("telegram") when the Bot API has answered nothing for this long
    health_telegram_seconds: int = Field(300, alias="HEALTH_TELEGRAM_SECONDS", ge=30, le=86_400)
    # the gateway sandbox served elsewhere (python -m bot gateway-sandbox) for PAYMENT_GATEWAY=sandbox
    gateway_sandbox_url: str = Field("", alias="GATEWAY_SANDBOX_URL")
    # play money with real bills, or real money with play bills: refused unless said here
    allow_sandbox_mix: bool = Field(False, alias="ALLOW_SANDBOX_MIX")

    # -- demo playground -------------------------------------------------------------------
    demo_port: int = Field(8080, alias="DEMO_PORT", ge=0, le=65535)
    demo_wallet: int = Field(2_000_000, alias="DEMO_WALLET", ge=0)

    log_level: str = Field("INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")

    @field_validator(
        "markup", "demo_wallet", "qris_fee", "topup_confirm_above", "deposit_alert_below", mode="before"
    )
    @classmethod
    def _whole_rupiah(cls, value: object) -> object:
        """Money settings are whole rupiah: '1500' is fine, '1500.5' or '1,5' is refused."""
        if isinstance(value, float):
            raise ValueError("must be a whole number of rupiah")
        if isinstance(value, str):
            text = value.strip()
            if not _DIGITS.fullmatch(text):
                raise ValueError("must be a whole number of rupiah")
            return int(text)
        return value

    @field_validator("inquiry_limit_per_minute", "inquiry_limit_per_hour", mode="before")
    @classmethod
    def _count(cls, value: object) -> object:
        """A count is ASCII digits: '30' is fine, '3.0', '3_0' or '٣٠' is refused."""
        if isinstance(value, str):
            text = value.strip()
            if not _DIGITS.fullmatch(text):
                raise ValueError("must be a whole number, 0 for no limit")
            return int(text)
        return value

    @field_validator("qris_expiry_minutes", "http_port", "health_telegram_seconds", mode="before")
    @classmethod
    def _whole(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not _DIGITS.fullmatch(text):
                raise ValueError("must be a whole number")
            return int(text)
        return value

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _optional_path(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ayoconnect_product_codes", mode="before")
    @classmethod
    def _product_codes(cls, value: object) -> dict[str, str]:
        """`TELKOMPSTN=TLKMINDH,HPTSEL=TSELHALO` (codes are letters, digits, `.`, `_`, `-`)."""
        if isinstance(value, dict):
            return {str(k).upper(): str(v) for k, v in value.items()}
        codes: dict[str, str] = {}
        for part in str(value or "").split(","):
            if not part.strip():
                continue
            ours, _, theirs = part.partition("=")
            ours, theirs = ours.strip().upper(), theirs.strip()
            if not _CODE.fullmatch(ours) or not _CODE.fullmatch(theirs):
                raise ValueError("write LOKETCODE=PROVIDERCODE pairs, comma-separated, e.g. HPTSEL=TSELHALO")
            codes[ours] = theirs
        return codes

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> list[int]:
        ids = _int_list(value)
        if any(i <= 0 for i in ids):
            raise ValueError("Telegram user ids are positive whole numbers")
        return ids

    @field_validator("status_poll_intervals", mode="before")
    @classmethod
    def _intervals(cls, value: object) -> list[int]:
        intervals = _int_list(value)
        if not intervals or any(i <= 0 for i in intervals):
            raise ValueError("must list positive seconds, e.g. 5,15,30")
        return intervals

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("biller", "payment_gateway", mode="before")
    @classmethod
    def _biller_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator(
        "iak_base_url", "ayoconnect_base_url", "telegram_base_url", "sandbox_url", "midtrans_base_url",
        "public_url", "gateway_sandbox_url",
    )
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        """Telegram posts only to https; plain http is kept for a local Bot API server or tests."""
        value = value.strip()
        if value and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value):
            raise ValueError("must be the public https:// URL Telegram posts updates to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr) -> SecretStr:
        """Telegram's secret_token: 1-256 characters, only A-Z, a-z, 0-9, _ and -."""
        if value.get_secret_value() and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("Telegram allows only A-Z, a-z, 0-9, _ and - in it, 1 to 256 characters")
        return value

    @model_validator(mode="after")
    def _credentials_for_biller(self) -> Settings:
        if self.biller is BillerName.IAK:
            if not self.iak_username:
                raise ValueError("IAK_USERNAME is required when BILLER=iak")
            if not self.iak_api_key.get_secret_value():
                raise ValueError("IAK_API_KEY is required when BILLER=iak")
        if self.biller is BillerName.AYOCONNECT:
            if not self.ayoconnect_partner_id:
                raise ValueError("AYOCONNECT_PARTNER_ID is required when BILLER=ayoconnect")
            if not self.ayoconnect_api_secret.get_secret_value():
                raise ValueError("AYOCONNECT_API_SECRET is required when BILLER=ayoconnect")
        if self.webhook_url and not self.webhook_secret.get_secret_value():
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        if self.payment_gateway is GatewayName.MIDTRANS and not self.midtrans_server_key.get_secret_value():
            raise ValueError("MIDTRANS_SERVER_KEY is required when PAYMENT_GATEWAY=midtrans")
        if self.payment_gateway is not GatewayName.NONE and not self.allow_sandbox_mix:
            if self.gateway_is_test and not self.biller_is_test:
                raise ValueError(
                    "ALLOW_SANDBOX_MIX: a test gateway (no real money) with a production biller would pay "
                    "real bills for nothing; set it to true only if that is really meant"
                )
            if not self.gateway_is_test and self.biller_is_test:
                raise ValueError(
                    "ALLOW_SANDBOX_MIX: real money through Midtrans production for the test biller's bills; "
                    "set it to true only if that is really meant"
                )
        return self

    @property
    def biller_is_test(self) -> bool:
        """The sandbox biller, or a provider's test host: no real bill is paid."""
        if self.biller is BillerName.SANDBOX:
            return True
        if self.biller is BillerName.IAK:
            return self.iak_base_url == IAK_SANDBOX_URL
        return self.ayoconnect_base_url == AYOCONNECT_SANDBOX_URL

    @property
    def gateway_is_test(self) -> bool:
        """The built-in gateway sandbox, or Midtrans's sandbox host or key: no real money comes in."""
        if self.payment_gateway is GatewayName.MIDTRANS:
            return self.midtrans_base_url == MIDTRANS_SANDBOX_URL or (
                self.midtrans_server_key.get_secret_value().startswith("SB-")
            )
        return True

    @property
    def token(self) -> str:
        return self.telegram_bot_token.get_secret_value()

    def secrets(self) -> list[str]:
        """Every secret value that is set, for the log filter that masks them."""
        values = [
            self.iak_api_key.get_secret_value(),
            self.ayoconnect_api_secret.get_secret_value(),
            self.telegram_bot_token.get_secret_value(),
            self.webhook_secret.get_secret_value(),
            self.midtrans_server_key.get_secret_value(),
        ]
        return [v for v in values if v]


class ConfigError(Exception):
    """A setting is missing or malformed. The message names it and never its value."""


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad setting, without echoing what was given."""
    first = error.errors(include_input=False, include_url=False)[0]
    names = [str(part).upper() for part in first.get("loc", ()) if str(part)]
    message = str(first.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if names:
        return f"Configuration error: {names[0]}: {message}"
    return f"Configuration error: {message}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise ConfigError with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(describe_error(error)) from None
