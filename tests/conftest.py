"""Suite-wide settings and fixtures for the tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# PTB 22 warns about RetryAfter.retry_after becoming a timedelta; opt in to the new type.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests.tg_setup import Harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The real Loket Application over a fresh database, the sandbox biller and a fake Bot API;
    a test fails if any handler raised."""
    async with Harness(tmp_path) as harness:
        yield harness
        assert harness.errors == []
