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


async def test_a_chats_data_is_read_when_first_needed_not_at_start(tmp_path: Path) -> None:
    """Start-up does not read every chat ever answered; a chat's row is read once, before its
    first update (or news to it), under whatever this process set meanwhile."""
    db = open_database(tmp_path / "loket.sqlite3")
    first = SQLitePersistence(db)
    for chat_id in (7, 8):
        await first.update_chat_data(chat_id, {"last_message_id": 40 + chat_id, "kept": True})
    again = SQLitePersistence(open_database(tmp_path / "loket.sqlite3"))
    statements: list[str] = []
    again.conn.set_trace_callback(statements.append)
    assert await again.get_chat_data() == {}
    assert statements == []  # nothing read at start
    seven: dict[str, object] = {"last_message_id": 99}  # set by this process before the read
    await again.refresh_chat_data(7, seven)
    await again.refresh_chat_data(7, seven)
    assert seven == {"last_message_id": 99, "kept": True} and len(statements) == 1  # once
    eight: dict[str, object] = {"last_message_id": 50}  # written before it was ever read
    await again.update_chat_data(8, eight)
    assert eight == {"last_message_id": 50, "kept": True}
    third = SQLitePersistence(open_database(tmp_path / "loket.sqlite3"))
    stored: dict[str, object] = {}
    await third.refresh_chat_data(8, stored)
    assert stored == {"last_message_id": 50, "kept": True}
