"""Start-up: what `python -m bot` imports before its first getUpdates (benchmarks/bench_scale.py).

Loket's own HTTP server (/healthz, /metrics) runs in every mode on tornado, which
python-telegram-bot loads anyway: aiohttp (a fifth of a second to import) is not part of a start.
What only some runs need stays out of it: the Bot API emulator and web chat (the demo),
the sandboxes (a sandbox biller or gateway is imported when configured) and the QR encoder (the
first QRIS payment). What is needed only after the first getUpdates stays out too:
prometheus_client (the metrics' registry is made at the first update, Bot API error, biller call
or scrape) and the package's version (looked up for the start-up summary and /healthz).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOT_AT_START = (
    "aiohttp",
    "bot.playground",
    "bot.billers.sandbox",
    "bot.gateways.sandbox",
    "segno",
    "prometheus_client",
)


def test_the_bot_imports_only_what_every_start_needs() -> None:
    code = (
        "import sys, bot.telegram.app; "
        f"print(sorted(m for m in {NOT_AT_START!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_the_version_is_looked_up_when_asked_for_not_at_import() -> None:
    code = (
        "import importlib.metadata, bot, bot.__main__, bot.telegram.app; "
        "print('__version__' in vars(bot)); "
        "print(bot.__version__ == importlib.metadata.version('loket'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "True"]


def test_the_container_starts_from_bytecode_made_at_build_time() -> None:
    """The image never writes bytecode (PYTHONDONTWRITEBYTECODE, a read-only site-packages for
    the loket user), so its pip install must write it, or every start compiles from source."""
    text = (ROOT / "Dockerfile").read_text()
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs, "the Dockerfile installs Loket with pip"
    assert not any("--no-compile" in line for line in installs), installs


def test_only_the_configured_billers_modules_are_imported() -> None:
    code = (
        "import sys; from bot.config import load_settings; from bot.billers import make_biller; "
        "make_biller(load_settings(BILLER='iak', TELEGRAM_BOT_TOKEN='1:x', IAK_USERNAME='u', "
        "IAK_API_KEY='k')); "
        "print(sorted(m for m in ('bot.billers.ayoconnect', 'bot.billers.sandbox') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
