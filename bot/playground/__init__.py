"""Loket's local playground: a Telegram Bot API emulator, a web chat page and test helpers.

Nothing here talks to Telegram. The real bot (python-telegram-bot) is pointed at the
emulator's base URL and speaks the Bot API over real HTTP on 127.0.0.1, so the demo and the
end-to-end tests exercise exactly the code that runs in production.
"""

from bot.playground.botapi import ApiCall, BotApiEmulator, EmulatorError, EmulatorTimeout, StoredMessage
from bot.playground.simulator import SimulatedUser

__all__ = [
    "ApiCall",
    "BotApiEmulator",
    "EmulatorError",
    "EmulatorTimeout",
    "SimulatedUser",
    "StoredMessage",
]
