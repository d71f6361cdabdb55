"""Start-up: what `python -m bot` imports before its first getUpdates (benchmarks/bench_scale.py).

aiohttp (Loket's own HTTP server, the Bot API emulator) takes about a quarter of a second to
import; a bot without a payment gateway serves no HTTP and must not pay for it at every start.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_bot_without_a_gateway_does_not_import_aiohttp() -> None:
    code = "import sys, bot.telegram.app; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
