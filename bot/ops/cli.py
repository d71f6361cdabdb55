"""`python -m bot backup|restore|export`: the operator's commands that run beside (or without)
the bot. Each prints one line on success and one clear line on stderr on failure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help="copy the database safely while the bot runs, and verify the copy")
    backup.add_argument("file", type=Path, help="the backup file to write, e.g. /backups/loket.sqlite3")
    restore = sub.add_parser(
        "restore", help="replace the database with a backup (the bot must be stopped; the old one is kept)"
    )
    restore.add_argument("file", type=Path, help="a backup made by `python -m bot backup`")
    export = sub.add_parser("export", help="write the payments (or wallet entries) of some days as CSV")
    export.add_argument("--from", dest="first", required=True, help="first day, DD/MM/YYYY (WIB)")
    export.add_argument("--to", dest="last", help="last day, DD/MM/YYYY (default: the first)")
    export.add_argument("--out", type=Path, required=True, help="the CSV file to write ('-': print it)")
    export.add_argument("--mutasi", action="store_true", help="wallet entries instead of payments")


def run(command: str, args: argparse.Namespace, settings: Settings) -> int:
    from storage.backup import BackupError, backup, restore

    db_path = Path(settings.database_path).absolute()
    if command == "export":
        return _export(args, db_path)
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


def _export(args: argparse.Namespace, db_path: Path) -> int:
    import sqlite3

    import sqlite_utils

    from bot.ops.export import MAX_DAYS, RangeError, check_range, parse_day, transactions_csv, wallet_csv
    from bot.payments.ledger import Ledger

    try:
        first = parse_day(args.first)
        first, last = check_range(first, parse_day(args.last) if args.last else first)
    except RangeError as error:
        why = {"format": "write days as DD/MM/YYYY", "order": "--to is before --from"}
        print(f"export failed: {why.get(error.kind, f'at most {MAX_DAYS} days')}", file=sys.stderr)
        return 2
    if not db_path.is_file():
        print(f"export failed: {db_path}: no such database (DATABASE_PATH)", file=sys.stderr)
        return 1
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)  # never writes, safe beside the bot
    try:
        ledger = Ledger(sqlite_utils.Database(conn))
        text, rows = (wallet_csv if args.mutasi else transactions_csv)(ledger, first, last)
    except sqlite3.Error as error:
        print(f"export failed: {db_path}: {error}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if str(args.out) == "-":
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        print(f"export failed: {args.out}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"{rows} {'wallet entries' if args.mutasi else 'payments'} written to {args.out.absolute()}")
    return 0
