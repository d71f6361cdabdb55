"""`python -m bot backup|restore|export`: the operator's commands that run beside (or without)
the bot. Each prints one line on success and one clear line on stderr on failure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help="copy the database safely while the bot runs, and verify the copy")
    backup.add_argument(
        "file", type=Path, help="the backup file to write, e.g. /backups/loket.sqlite3"
    )
    restore = sub.add_parser(
        "restore", help="replace the database with a backup (the bot must be stopped; the old one is kept)"
    )
    restore.add_argument("file", type=Path, help="a backup made by `python -m bot backup`")


def run(command: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops.backup import BackupError, backup, restore

    db_path = Path(settings.database_path).absolute()
    try:
        if command == "backup":
            report = backup(db_path, args.file)
            print(f"Backup of {db_path} written to {report.summary()}")
            return 0
        if command == "restore":
            report, kept = restore(args.file, db_path)
            kept_text = f"; the replaced database is kept as {kept}" if kept else ""
            print(f"Restored {args.file} into {report.summary()}{kept_text}")
            return 0
    except BackupError as error:
        print(f"{command} failed: {error}", file=sys.stderr)
        return 1
    raise AssertionError(command)
