"""A QRIS payload as a PNG for Telegram's sendPhoto, rendered locally with segno.

The gateway's `qr_string` is rendered as it is (its CRC covers it: never edited). Rendering
here needs no network and works when the gateway's image URL needs a key or expires.
"""

from __future__ import annotations

import io

SCALE = 8
BORDER = 4


def qr_png(qr_string: str) -> bytes | None:
    """The PNG of `qr_string`, or None when there is none (or segno is missing): the caller
    falls back to the gateway's image URL."""
    if not qr_string:
        return None
    try:
        import segno
    except ImportError:  # pragma: no cover - segno is a dependency; the fallback still works
        return None
    buffer = io.BytesIO()
    segno.make(qr_string, error="m", micro=False).save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()
