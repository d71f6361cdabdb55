"""The operator's scheduled work, on PTB's JobQueue: the daily backup at 03:00 WIB (BACKUP_DIR,
BACKUP_KEEP), the day's report to operators at 23:59 WIB (bot/ops/report.py), and `/backup`,
which sends the newest daily backup as a document.

A backup runs in a worker thread (SQLite's backup API, then the checks), so the chat keeps
answering meanwhile. A failed backup is logged and told to every operator once per incident, and again when a
backup works again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import filters

from bot.jakarta import JAKARTA
from bot.ops.alerts import BillerWatch, Incident, WatchedBiller
from bot.ops.report import DayReport, day_report
from bot.telegram.context import LoketApplication, LoketContext
from bot.telegram.flows.common import Handler, command
from bot.telegram.messages import HTML
from bot.telegram.notices import operator_lang
from bot.telegram.render import rupiah
from bot.telegram.texts import t
from storage.backup import BackupError, daily_backup, daily_backups

log = logging.getLogger(__name__)

BACKUP_AT = time(3, 0, tzinfo=JAKARTA)
REPORT_AT = time(23, 59, tzinfo=JAKARTA)
SEND_LIMIT = 50 * 1024 * 1024  # what a bot may send as a document
FAILING = "backup_failing"  # bot_data: the last daily backup failed (told once, and when it clears)


async def run_daily_backup(application: LoketApplication) -> Path | None:
    """Take today's backup and prune; on failure tell the operators. The backup's path or None."""
    settings = application.loket.settings
    if settings.backup_dir is None:
        return None
    day = datetime.now(UTC).astimezone(JAKARTA).date().isoformat()
    try:
        report, pruned = await asyncio.to_thread(
            daily_backup, Path(settings.database_path), settings.backup_dir, settings.backup_keep, day
        )
    except (BackupError, OSError) as error:
        log.error("daily backup failed: %s", error)
        if not application.bot_data.get(FAILING):  # once per incident, not every day it lasts
            application.bot_data[FAILING] = True
            await tell(application, "backup_failed", error=str(error))
        return None
    log.info("daily backup %s; pruned %d old", report.summary(), len(pruned))
    if application.bot_data.pop(FAILING, False):  # the incident is over: said once
        await tell(application, "backup_ok_again", name=report.path.name)
    return report.path


async def tell(application: LoketApplication, key: str, **values: Any) -> None:
    """Text `key` to every operator, each in their language; one unreachable is logged."""
    service = application.loket.service
    for admin_id in application.loket.settings.admin_ids:
        try:
            await application.bot.send_message(
                admin_id, t(operator_lang(service, admin_id), key, **values), parse_mode=HTML
            )
        except TelegramError as error:
            log.warning("could not tell operator %s (%s): %s", admin_id, key, error)


async def _daily_job(context: Any) -> None:
    await run_daily_backup(context.application)


def report_text(lang: str, r: DayReport) -> str:
    def money(value: int | None) -> str:
        return rupiah(value) if value is not None else t(lang, "report_unknown")

    states = ", ".join(f"{state} {count}" for state, count in sorted(r.by_state.items())) or "–"
    difference = r.difference
    return t(
        lang, "daily_report", day=r.day.strftime("%d/%m/%Y"), states=states, turnover=rupiah(r.turnover),
        margin=rupiah(r.margin), wallets=rupiah(r.wallets_total), topups=rupiah(r.topups),
        start=money(r.deposit_start), end=money(r.deposit_end), used=money(r.deposit_used),
        costs=rupiah(r.costs), difference=money(difference),
        flag=t(lang, "report_differs") if difference else "",
    )  # fmt: skip


async def send_daily_report(application: LoketApplication) -> None:
    """Today's report (WIB) to every operator, each in their language."""
    service = application.loket.service
    day = datetime.now(UTC).astimezone(JAKARTA).date()
    report = day_report(service.ledger, service.biller.name, day)
    log.info(
        "daily report %s: %s, turnover %d, margin %d, deposit difference %s",
        day, report.by_state, report.turnover, report.margin, report.difference,
    )  # fmt: skip
    lane = application.vitals.paid
    paid = lane.count_today() if lane is not None and lane.enabled else None
    for admin_id in application.loket.settings.admin_ids:
        lang = operator_lang(service, admin_id)
        text = report_text(lang, report)
        if paid is not None:  # the operator buys Telegram's paid lane: what it cost today
            text += "\n" + t(lang, "report_paid_lane", count=paid, budget=lane.per_day)
        try:
            await application.bot.send_message(admin_id, text, parse_mode=HTML)
        except TelegramError as error:
            log.warning("could not send the daily report to operator %s: %s", admin_id, error)


async def _report_job(context: Any) -> None:
    await send_daily_report(context.application)


def watch_biller(application: LoketApplication) -> BillerWatch:
    """Wrap the core's biller so its refusals, silences and low deposit reach the operators."""
    service, settings = application.loket.service, application.loket.settings

    async def notice(key: str, values: dict[str, Any]) -> None:
        shown = {k: rupiah(v) if k in ("amount", "below") else v for k, v in values.items()}
        await tell(application, key, **shown)

    watch = BillerWatch(
        service.biller.name, notice,
        silent_minutes=settings.biller_silent_minutes, deposit_below=settings.deposit_alert_below,
    )  # fmt: skip
    metrics = application.vitals.metrics
    if isinstance(service.biller, WatchedBiller):  # a new application over the same core: its watch now
        service.biller.watch, service.biller.metrics = watch, metrics
    else:
        service.biller = WatchedBiller(service.biller, watch, metrics)
    application.vitals.biller = watch  # /healthz reads its incidents
    return watch


_TELEGRAM: weakref.WeakKeyDictionary[LoketApplication, Incident] = weakref.WeakKeyDictionary()
TELEGRAM_PROBE_SECONDS = 5
TELEGRAM_IDLE_SECONDS = 60  # a bot with nothing to say asks getMe after this long: quiet is not down


def telegram_incident(application: LoketApplication) -> Incident:
    """Telegram unreachable: one log line when it starts (with the cause), one when it ends."""
    if application not in _TELEGRAM:
        _TELEGRAM[application] = Incident("Telegram Bot API unreachable")
    return _TELEGRAM[application]


def telegram_failed(application: LoketApplication, error: BaseException) -> None:
    """Polling's error callback (and the error handler's, for a network error): no traceback per
    retry, one line per outage."""
    telegram_incident(application).fail(f"{type(error).__name__}: {error}")


async def _probe_telegram(context: Any) -> None:
    """While Telegram is unreachable, ask it every few seconds; the first answer ends the outage.
    When nothing was asked of it for a minute (webhook mode, a quiet night), ask too: /healthz
    tells a quiet bot from one Telegram no longer answers. The biller's silence is looked at too."""
    application: LoketApplication = context.application
    watch = application.vitals.biller
    if watch is not None:
        watch.tick()
    incident = telegram_incident(application)
    idle = application.vitals.telegram.quiet_for() >= TELEGRAM_IDLE_SECONDS
    if not incident.active and not idle:
        return
    try:
        await application.bot.get_me()
    except TelegramError as error:
        if not incident.active:
            telegram_failed(application, error)
        return
    incident.ok()


def schedule(application: LoketApplication) -> None:
    """The daily jobs, when the settings ask for them."""
    queue, settings = application.job_queue, application.loket.settings
    if queue is None:
        return
    queue.run_repeating(
        _probe_telegram,
        interval=TELEGRAM_PROBE_SECONDS,
        first=TELEGRAM_PROBE_SECONDS,
        name="loket-telegram-probe",
    )
    if settings.backup_dir is not None:
        queue.run_daily(_daily_job, time=BACKUP_AT, name="loket-daily-backup")
    if settings.admin_ids:
        queue.run_daily(_report_job, time=REPORT_AT, name="loket-daily-report")


async def backup_command(update: Update, context: LoketContext) -> None:
    """`/backup`: the newest daily backup as a document."""
    lang = context.lang
    if context.args:
        await context.reply(t(lang, "usage_backup"))
        return
    backup_dir = context.settings.backup_dir
    if backup_dir is None:
        await context.reply(t(lang, "backup_off"))
        return
    found = daily_backups(backup_dir)
    if not found:
        await context.reply(t(lang, "backup_none", folder=str(backup_dir)))
        return
    newest = found[-1]
    size = newest.stat().st_size
    if size > SEND_LIMIT:
        await context.reply(t(lang, "backup_too_big", name=newest.name, mb=size // (1024 * 1024)))
        return
    chat = context.effective_chat
    assert chat is not None
    try:
        await context.bot.send_document(
            chat.id, document=newest.read_bytes(), filename=newest.name,
            caption=t(lang, "backup_sent", name=newest.name), parse_mode=HTML,
        )  # fmt: skip
    except BadRequest as error:  # e.g. the demo's emulator, which takes no files
        await context.reply(t(lang, "document_refused", error=error.message))


def handlers(admin_ids: list[int]) -> list[Handler]:
    return [command("backup", backup_command, filters.User(user_id=admin_ids))]
