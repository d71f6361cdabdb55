"""A Telegram Bot API server on 127.0.0.1 that python-telegram-bot talks to over real HTTP.

Why an emulator and not mocks: the bot under test (or in the demo) runs unchanged, with
`ApplicationBuilder().base_url(emulator.base_url)`, so form encoding, long polling, offsets,
webhooks, rate-limit retries and Telegram's error answers are all exercised. Where bots
typically go wrong, the emulator answers the way Telegram does.

By concern:
- emulator.py  `BotApiEmulator`: the state, test controls, the user's side of the chats
- waiting.py   reading the chats and waiting for the bot (`wait_for*`)
- models.py    Telegram's limits and error envelope, recorded calls, stored messages
- tghtml.py    Telegram's HTML parse mode, strict enough to catch a bot's mistakes
- methods.py   the Bot API methods about messages, as an explicit table
- updates.py   getUpdates and the webhook: how updates reach the bot
- flood.py     Telegram's flood limits and paid lane, held to when a test asks (`flood=`)
- server.py    the HTTP routes, the same-origin guard, decoding and dispatching a call
- webchat.py   the web chat page and its JSON API under /chat/api/
"""

from bot.playground.botapi.emulator import BotApiEmulator
from bot.playground.botapi.models import DEMO_TOKEN, ApiCall, EmulatorError, EmulatorTimeout, StoredMessage
from bot.playground.botapi.webchat import WEBCHAT_DIR

__all__ = [
    "DEMO_TOKEN",
    "WEBCHAT_DIR",
    "ApiCall",
    "BotApiEmulator",
    "EmulatorError",
    "EmulatorTimeout",
    "StoredMessage",
]
