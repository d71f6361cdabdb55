"""Loket's schema, one module per migration; this table numbers them.

`storage.db.migrate` applies the missing versions in order, each in its own transaction, and
records them in `schema_migrations` (the names below are stored there). Append new versions;
never edit a released one: its SQL is what every existing database already ran.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from types import ModuleType

import sqlite_utils

from storage.migrations import (
    deposit_reports,
    hot_path_indexes,
    ledger,
    money_in,
    no_replace,
    notices,
    prices,
    ptb_tables,
    status_checks,
)

Apply = Callable[[sqlite_utils.Database], None]


def script(module: ModuleType) -> Apply:
    """A migration that runs `module.SQL` statement by statement (named after the module)."""
    sql: str = module.SQL

    def apply(db: sqlite_utils.Database) -> None:
        # split on ";\n" boundaries that end a statement; triggers hold inner ";" before END
        statement = ""
        for line in sql.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                if statement.strip():
                    db.execute(statement)
                statement = ""

    apply.__name__ = module.__name__.rpartition(".")[2]
    return apply


# (version, name, apply). Append new versions; never edit a released one.
MIGRATIONS: list[tuple[int, str, Apply]] = [
    (1, "users, transactions, wallet entries, events, append-only triggers", script(ledger)),
    (2, "status checks, PTB persistence tables", script(status_checks)),
    (3, "refuse REPLACE on append-only tables; state machine and receipt triggers", script(no_replace)),
    (4, "deposit balances reported by the biller", script(deposit_reports)),
    (5, "notices: the owner told of a settled payment", script(notices)),
    (6, "PTB persistence tables and handled updates, defined by migrations only", script(ptb_tables)),
    (7, "prices, product switches, cached provider product lists", script(prices)),
    (8, "money in: payment intents, gateway messages, deposit tickets, one credit per key", script(money_in)),
    (9, "indexes for the hot paths: one-debit trigger, pay guards, retell, day figures",
     script(hot_path_indexes)),
]
LATEST_VERSION = MIGRATIONS[-1][0]
