"""How Loket stores a moment in SQLite: aware UTC, ISO 8601 with microseconds, so every stored
time has the same width and text order is time order (the indexes and `<=` comparisons rely on
it). A naive datetime is refused: its zone would be a guess."""

from __future__ import annotations

from datetime import UTC, datetime


def ts(value: datetime | None) -> str | None:
    """A datetime as stored: UTC, microseconds, fixed width."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: Loket stores aware UTC times only")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
