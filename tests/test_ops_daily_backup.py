"""The daily backup at 03:00 WIB (BACKUP_DIR, BACKUP_KEEP) on the real Application's JobQueue,
its alert to operators when it fails (once, and when it clears), and `/backup`
(bot/telegram/ops_jobs.py)."""

from __future__ import annotations

import sqlite3
from datetime import time
from pathlib import Path

from bot.telegram import ops_jobs
from tests.tg_setup import ADMIN, CUSTOMER, Harness


def _job(bot: Harness):  # the registered job, as the JobQueue would run it
    (job,) = [j for j in bot.app.job_queue.jobs() if j.name == "loket-daily-backup"]
    return job


async def test_the_daily_backup_is_taken_at_three_wib_pruned_and_sent_by_backup(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("2026-01-01", "2026-01-02"):  # older dailies, and a file that is not one
        (folder / f"loket-{day}.sqlite3").write_bytes(b"old")
    (folder / "notes.txt").write_text("keep me")
    async with Harness(tmp_path, BACKUP_DIR=str(folder), BACKUP_KEEP="2") as bot:
        assert ops_jobs.BACKUP_AT == time(3, 0, tzinfo=ops_jobs.JAKARTA)
        job = _job(bot)
        assert job.job.trigger.fields[5].expressions[0].first == 3  # hour 3 ...
        assert str(job.job.trigger.timezone) == "Asia/Jakarta"  # ... in WIB
        bot.fund(CUSTOMER, 75_000)
        await job.run(bot.app)
        names = sorted(p.name for p in folder.iterdir())
        today = [n for n in names if n.startswith("loket-") and n not in ("loket-2026-01-01.sqlite3",)]
        assert "loket-2026-01-01.sqlite3" not in names and "notes.txt" in names
        assert len(today) == 2 and today[0] == "loket-2026-01-02.sqlite3"  # BACKUP_KEEP=2
        newest = folder / today[1]
        with sqlite3.connect(newest) as copy:
            assert copy.execute("SELECT sum(amount) FROM wallet_entries").fetchone() == (75_000,)
        admin = bot.chat(ADMIN, "en", "Op")
        await admin.says("/backup")
        (call,) = bot.api.sent("sendDocument", ADMIN)
        assert call.params["_files"]["document"] == newest.read_bytes()
        assert call.params["caption"].startswith(f"Backup {newest.name}:")
        await admin.says("/backup now")
        assert admin.last()["text"] == "Usage: /backup (sends the newest daily backup)"
        assert bot.errors == []


async def test_a_failed_daily_backup_is_told_once_and_again_when_it_clears(tmp_path: Path) -> None:
    blocked = tmp_path / "backups"
    blocked.write_text("a file where the folder should be")
    async with Harness(tmp_path, BACKUP_DIR=str(blocked)) as bot:
        job = _job(bot)
        await job.run(bot.app)
        await job.run(bot.app)  # the next day: still failing, not told again
        told = [c.params["text"] for c in bot.api.sent("sendMessage", ADMIN)]
        assert len(told) == 1 and told[0].startswith("⚠ Cadangan harian GAGAL:")
        assert str(blocked) in told[0]
        blocked.unlink()
        await job.run(bot.app)
        told = [c.params["text"] for c in bot.api.sent("sendMessage", ADMIN)]
        assert len(told) == 2 and told[1].startswith("✅ Cadangan harian berhasil lagi: loket-")
        await job.run(bot.app)  # fine again: nothing said
        assert len(bot.api.sent("sendMessage", ADMIN)) == 2
        assert bot.errors == []


async def test_backup_without_a_backup_dir_says_how(bot: Harness) -> None:
    assert [j for j in bot.app.job_queue.jobs() if j.name == "loket-daily-backup"] == []
    admin = bot.chat(ADMIN, "en", "Op")
    await admin.says("/backup")
    assert admin.last()["text"].startswith("Daily backups are off: set BACKUP_DIR.")
    customer = bot.chat(CUSTOMER)
    await customer.says("/frobnicate")
    unknown = customer.last()["text"]
    await customer.says("/backup")
    assert customer.last()["text"] == unknown and bot.api.sent("sendDocument") == []
