"""Logging set-up with a filter that masks every secret Loket knows of.

Rule 6: secrets never reach logs. httpx logs request URLs at INFO and Telegram's URL carries
the bot token, so httpx is quieted and every record is scrubbed as a second line of defence.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

_MASK = "***"
_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class SecretFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, _MASK)
        return _TOKEN_IN_URL.sub("/bot" + _MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so the scrubbed text is what handlers print.
            formatted = logging.Formatter().formatException(record.exc_info)
            clean = clean + "\n" + self.scrub(formatted)
            record.exc_info = None
            record.exc_text = None
        record.msg = clean
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """LOG_FORMAT=json: one JSON object per line (a traceback is inside "message", as text)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:  # SecretFilter has folded it in already
            message += "\n" + self.formatException(record.exc_info)
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, secrets: list[str], fmt: str = "text") -> None:
    """Logs to stderr, one line per event in `fmt` ("text" or "json"), every secret masked."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
