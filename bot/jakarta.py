"""Indonesia's Western time (WIB, UTC+7; no daylight saving since 1964), defined once.

The day a report, an export or `/stats` counts, the month a bill is for, the times the chat
shows and the times Midtrans and the billers write are all in it. Everything else is stored
and compared in UTC.
"""

from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
