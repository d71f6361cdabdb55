"""Loket's command line: `python -m bot [run|demo|sandbox|backup|restore|export]`.

`run` (the default) starts the Telegram bot, `demo` a local playground that needs no token
or account, `sandbox` serves the built-in sandbox biller on a port for use from outside, and
`gateway-sandbox` the built-in Midtrans-speaking gateway sandbox likewise.
"""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Loket: a Telegram bill-payment counter (loket PPOB) for Indonesian postpaid bills.",
        epilog="Settings come from the environment or .env; see .env.example.",
    )
    from bot import __version__

    parser.add_argument("--version", action="version", version=f"loket {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (default; long polling, or webhook if WEBHOOK_URL)")
    demo = sub.add_parser("demo", help="local playground: Bot API emulator, web chat, sandbox biller")
    demo.add_argument("--port", type=int, default=None, help="web chat port (default DEMO_PORT, 8080)")
    demo.add_argument("--no-browser-hint", action="store_true", help=argparse.SUPPRESS)
    sandbox = sub.add_parser("sandbox", help="serve the sandbox biller (IAK protocol) on a port")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090)
    gateway = sub.add_parser(
        "gateway-sandbox", help="serve the gateway sandbox (Midtrans Core API QRIS, play money) on a port"
    )
    gateway.add_argument("--host", default="127.0.0.1")
    gateway.add_argument("--port", type=int, default=8091)
    gateway.add_argument("--notify-url", default="", help="where notifications go when a charge names none")
    from bot.ops import cli as ops_cli

    ops_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    # The demo always runs the sandbox biller on the emulator: an operator's half-finished
    # production settings (.env with BILLER=iak, a webhook without its secret) must not stop it.
    overrides: dict[str, object] = {}
    if command == "demo":  # the demo's gateway is decided by the playground, never production's
        overrides = {"BILLER": "sandbox", "WEBHOOK_URL": "", "PAYMENT_GATEWAY": "none"}
    try:
        settings = load_settings(**overrides)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets(), settings.log_format)

    if command in ("backup", "restore", "export"):
        from bot.ops import cli as ops_cli

        return ops_cli.run(command, args, settings)
    if command == "sandbox":
        from bot.billers.sandbox_server import serve

        return serve(settings, host=args.host, port=args.port)
    if command == "gateway-sandbox":
        from bot.gateways.sandbox import serve as serve_gateway

        return serve_gateway(host=args.host, port=args.port, notify_url=args.notify_url)
    if command == "demo":
        from bot.playground.demo import run_demo

        return run_demo(settings, port=args.port)
    from bot.telegram.app import run_bot

    return run_bot(settings)


if __name__ == "__main__":
    sys.exit(main())
