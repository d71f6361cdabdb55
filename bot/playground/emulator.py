"""Where the emulator used to live: it is the package bot/playground/botapi/ now (one module per
concern). Kept so that `from bot.playground.emulator import BotApiEmulator` goes on working."""

from bot.playground.botapi import (
    DEMO_TOKEN,
    WEBCHAT_DIR,
    ApiCall,
    BotApiEmulator,
    EmulatorError,
    EmulatorTimeout,
    StoredMessage,
)

__all__ = [
    "DEMO_TOKEN",
    "WEBCHAT_DIR",
    "ApiCall",
    "BotApiEmulator",
    "EmulatorError",
    "EmulatorTimeout",
    "StoredMessage",
]
