"""`BotApiEmulator`: one bot's Telegram on 127.0.0.1, and the user's side of its private chats.

It keeps the state (users, chats, messages with their edits, queued updates, the calls the
bot made) and what tests and the web chat do with it: `user_sends` / `user_taps` queue updates,
`wait_for*` wait for the bot (waiting.py), `fail_next` makes Telegram answer with an error,
`flood` holds the bot to Telegram's pace and its paid lane (flood.py). The
HTTP side is server.py, the Bot API methods methods.py and updates.py, the web chat's API webchat.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession, web

from bot.playground.botapi import server
from bot.playground.botapi.flood import FloodControl
from bot.playground.botapi.models import (
    DEMO_TOKEN,
    MAX_MESSAGE_LENGTH,
    ApiCall,
    EmulatorError,
    Failure,
    StoredMessage,
    token_bot_id,
)
from bot.playground.botapi.tghtml import utf16_len
from bot.playground.botapi.waiting import Waits


class BotApiEmulator(Waits):
    """The Bot API for one bot token, plus the user side of every private chat.

    Use as `async with BotApiEmulator(token) as tg:` (port 0 picks a free port), then build
    the bot with `.base_url(tg.base_url)`. All state lives in memory for the emulator's life.
    """

    def __init__(
        self,
        token: str = DEMO_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Loket",
        bot_username: str = "loket_demo_bot",
        webchat: bool = True,
        flood: FloodControl | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.requested_port = port
        self.port = 0
        self.bot_user: dict[str, Any] = {
            "id": token_bot_id(token),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.serve_webchat = webchat
        self.flood = flood  # Telegram's flood limits held to (flood.py); None: any pace goes
        self.calls: list[ApiCall] = []
        self.unknown_methods: list[str] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, list[StoredMessage]] = {}
        self.notices: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.typing_until: dict[int, float] = {}
        self.files: dict[str, bytes] = {}  # file_id -> the bytes of a photo the bot sent
        # The demo's "pay this QR" (sandbox only): given a photo message, pays its QR and says how
        # it went; None hides the button (bot/playground/demo.py sets it with the gateway sandbox).
        self.sandbox_pay: Callable[[StoredMessage], Awaitable[str]] | None = None
        # how updates leave: queued for getUpdates, or pushed to a webhook (updates.py)
        self.pending: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_task: asyncio.Task[None] | None = None
        self.webhook_deliveries: list[dict[str, Any]] = []
        self.http: ClientSession | None = None
        self.updates_changed = asyncio.Condition()  # a new update, or the webhook changed
        self.changed = asyncio.Condition()  # anything a waiting test or page may look at
        self.closing = False
        # Like Telegram's, update ids keep growing across runs: a bot that remembers the ids it
        # handled (to ignore re-deliveries) must not mistake a new run's updates for old ones.
        self._update_ids = itertools.count(time.time_ns() // 1_000_000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._failures: dict[str, list[Failure]] = {}
        self._seq = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give `ApplicationBuilder().base_url(...)` (PTB appends the token)."""
        return f"{self.url}/bot"

    def build_app(self) -> web.Application:
        return server.build_app(self)

    async def start(self) -> BotApiEmulator:
        # access_log=None: request paths carry the bot token, which must never reach a log.
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port)
        await site.start()
        listening = site._server
        assert listening is not None
        self.port = listening.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.closing = False
        return self

    async def stop(self) -> None:
        self.closing = True
        await self.notify_updates()
        await self.notify_changed()
        if self.webhook_task:
            self.webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.webhook_task
            self.webhook_task = None
        if self.http:
            await self.http.close()
            self.http = None
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- test controls --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail; by default with 429 and retry_after."""
        if times < 1:
            raise EmulatorError("times must be at least 1")
        if retry_after is None and status is None:
            retry_after = 1
        code = status if status is not None else 429
        if description is None:
            if code == 429:
                shown = int(retry_after) if retry_after and retry_after == int(retry_after) else retry_after
                description = f"Too Many Requests: retry after {shown}"
            elif code == 403:
                description = "Forbidden: bot was blocked by the user"
            else:
                description = "Internal Server Error"
        queue = self._failures.setdefault(method.lower(), [])
        queue.extend(Failure(code, description, retry_after) for _ in range(times))

    def next_failure(self, method: str) -> Failure | None:
        """The failure queued for this call of `method` (lower case), if any."""
        queue = self._failures.get(method)
        return queue.pop(0) if queue else None

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self.messages(chat_id) if m.from_bot]

    def is_typing(self, chat_id: int) -> bool:
        return self.typing_until.get(chat_id, 0.0) > time.monotonic()

    @property
    def seq(self) -> int:
        """A counter bumped by every change to any chat; `since=` arguments compare with it."""
        return self._seq

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.pending)

    # -- the user's side --------------------------------------------------------------------

    def _remember_user(
        self, user_id: int, first_name: str | None, language_code: str | None
    ) -> dict[str, Any]:
        if user_id <= 0:
            raise EmulatorError("a user id is a positive whole number")
        user = self.users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
        if first_name:
            user["first_name"] = first_name
        if language_code:
            user["language_code"] = language_code
        return user

    def chat_of(self, chat_id: int) -> dict[str, Any]:
        """The private Chat object of a user, as the Bot API shows it."""
        user = self.users.get(chat_id, {"first_name": "User"})
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            chat["username"] = user["username"]
        return chat

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> StoredMessage:
        """The user types `text` in their private chat with the bot; the bot gets an update."""
        if not isinstance(text, str) or not text.strip():
            raise EmulatorError("the user's message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise EmulatorError("the user's message is longer than 4096 characters")
        user = self._remember_user(user_id, first_name, language_code)
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        msg = StoredMessage(
            chat_id=user_id,
            message_id=self.next_message_id(user_id),
            from_bot=False,
            date=int(time.time()),
            sender=dict(user),
            text=text,
            plain=text,
            entities=entities,
        )
        self.store(msg)
        await self.notify_changed()
        await self._queue_update({"message": msg.to_api(self.chat_of(user_id))})
        return msg

    async def user_taps(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user taps an inline button; returns the callback query id the bot must answer.

        The data must be on the message now or in an earlier version: a fast double tap, or
        a tap on a keyboard the bot has just replaced, is exactly what real users do.
        """
        user = self._remember_user(user_id, None, None)
        msg = self.message(user_id, message_id)
        if not msg.from_bot:
            raise EmulatorError(f"message {message_id} is the user's own message")
        if callback_data not in msg.ever_callback_data:
            raise EmulatorError(f"message {message_id} never had a button with data {callback_data!r}")
        query_id = f"{self.bot_user['id']}{next(self._callback_ids):010d}"
        query = {
            "id": query_id,
            "from": dict(user),
            "chat_instance": f"ci{user_id}",
            "data": callback_data,
            "message": msg.to_api(self.chat_of(user_id)),
        }
        self.callback_queries[query_id] = {"chat_id": user_id, "answered": False, "answer": None}
        await self._queue_update({"callback_query": query})
        return query_id

    # -- state changes, for the package's modules -------------------------------------------------

    def bump(self) -> int:
        """Something a page may show changed (a message, typing, a notice): a new sequence number."""
        self._seq += 1
        return self._seq

    def store(self, msg: StoredMessage) -> None:
        msg.seq = self.bump()
        self.chats.setdefault(msg.chat_id, []).append(msg)

    def touch(self, msg: StoredMessage) -> None:
        msg.seq = self.bump()

    def add_notice(self, chat_id: int, text: str, show_alert: bool) -> None:
        """A callback query's answer, shown to the user as a toast or an alert."""
        notice = {"seq": self.bump(), "text": text, "show_alert": show_alert}
        self.notices.setdefault(chat_id, []).append(notice)

    async def notify_changed(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def notify_updates(self) -> None:
        async with self.updates_changed:
            self.updates_changed.notify_all()

    async def _queue_update(self, payload: dict[str, Any]) -> None:
        self.pending.append({"update_id": next(self._update_ids), **payload})
        await self.notify_updates()
