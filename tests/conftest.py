"""Suite-wide settings for the tests."""

from __future__ import annotations

import os

# PTB 22 warns about RetryAfter.retry_after becoming a timedelta; opt in to the new type.
os.environ.setdefault("PTB_TIMEDELTA", "1")
