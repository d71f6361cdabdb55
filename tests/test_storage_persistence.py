"""The chat state's persistence writes only what changed (issue 14: SQLite work per update)."""

from __future__ import annotations

from pathlib import Path

from storage.db import open_database
from storage.persistence import SQLitePersistence


async def test_unchanged_chat_state_costs_no_statement_and_a_change_is_kept(tmp_path: Path) -> None:
    db = open_database(tmp_path / "loket.sqlite3")
    persistence = SQLitePersistence(db)
    await persistence.get_user_data()
    await persistence.get_conversations("guided")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    await persistence.update_user_data(1001, {"draft": {"code": "PLNPOSTPAID"}})
    await persistence.update_conversation("guided", (1001, 1001), 2)
    assert len(statements) == 2
    statements.clear()
    for _ in range(3):  # what PTB hands over after each update that changed nothing
        await persistence.update_user_data(1001, {"draft": {"code": "PLNPOSTPAID"}})
        await persistence.update_conversation("guided", (1001, 1001), 2)
        await persistence.update_bot_data({})
        await persistence.update_bot_data({})
    assert len(statements) == 1  # the bot's empty data, once
    await persistence.update_conversation("guided", (1001, 1001), 3)
    await persistence.update_conversation("guided", (1001, 1001), None)
    await persistence.update_conversation("guided", (1001, 1001), 3)
    db.conn.set_trace_callback(None)
    again = SQLitePersistence(open_database(tmp_path / "loket.sqlite3"))
    assert await again.get_user_data() == {1001: {"draft": {"code": "PLNPOSTPAID"}}}
    assert await again.get_conversations("guided") == {(1001, 1001): 3}
