"""The provider's product list, read at start-up and on `/products refresh`, and what the
operators are told about it (a cached or missing list, products left out, bad overrides)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram.error import TelegramError

from bot.jakarta import JAKARTA
from bot.payments import SyncReport
from bot.telegram.messages import HTML
from bot.telegram.texts import DEFAULT_LANG, t

if TYPE_CHECKING:
    from bot.telegram.context import LoketApplication

log = logging.getLogger(__name__)


def report_text(lang: str, report: SyncReport) -> str:
    if report.source == "static":
        return t(lang, "catalogue_static")
    notes = []
    if report.source == "cache" and report.fetched_at is not None:
        when = report.fetched_at.astimezone(JAKARTA).strftime("%d/%m/%Y %H:%M")
        notes.append(t(lang, "catalogue_from_cache", time=when))
    if report.source == "none":
        notes.append(t(lang, "catalogue_none"))
    if report.missing:
        notes.append(t(lang, "catalogue_missing", codes=", ".join(report.missing)))
    if report.bad_overrides:
        notes.append(t(lang, "catalogue_bad_override", items="; ".join(report.bad_overrides)))
    return t(
        lang,
        "catalogue_refreshed",
        provider=report.provider,
        count=report.products,
        extra=report.extras,
        note="\n".join(notes),
    ).strip()


def worth_telling(report: SyncReport) -> bool:
    return report.source in ("cache", "none") or bool(report.missing or report.bad_overrides)


async def refresh_catalogue(application: LoketApplication, *, tell: bool) -> SyncReport | None:
    """Refresh the catalogue; with `tell`, the operators hear of anything they must look at.
    A failure is logged, never raised: the bot starts with the catalogue it has."""
    sync = application.loket.sync
    if sync is None:
        return None
    try:
        report = await sync.refresh()
    except Exception:
        log.exception("reading the provider's product list failed")
        return None
    if tell and worth_telling(report):
        for admin_id in application.loket.settings.admin_ids:
            try:
                await application.bot.send_message(
                    admin_id, report_text(DEFAULT_LANG, report), parse_mode=HTML
                )
            except TelegramError as error:  # an operator who never wrote to the bot
                log.info("could not tell operator %s of the catalogue: %s", admin_id, error)
    return report
