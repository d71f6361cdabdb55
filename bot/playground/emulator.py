"""A Telegram Bot API server on 127.0.0.1 that python-telegram-bot talks to over real HTTP.

Why an emulator and not mocks: the bot under test (or in the demo) runs unchanged, with
`ApplicationBuilder().base_url(emulator.base_url)`, so form encoding, long polling, offsets,
webhooks, multipart uploads, rate-limit retries and Telegram's error answers are all
exercised. Where bots typically go wrong, the emulator answers the way Telegram does
(4096-character limit, "message is not modified", HTML that does not parse, callback data
over 64 bytes, 429 with retry_after on demand).

The same object is the user's side of the chat: `user_sends` / `user_taps` queue updates,
`wait_for*` let tests wait for the bot, and a small JSON API under `/chat/api/` serves the web
chat page at `/` and tests that drive a bot in another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from bot.playground.tghtml import HtmlParseError, ParsedText, parse_html, utf16_len

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
WEBCHAT_DIR = Path(__file__).with_name("webchat")
# The playground's fixed bot token: not a secret, it only opens this local emulator.
DEMO_TOKEN = "100001:DEMO"  # noqa: S105

# Parameters Telegram treats as strings; every other form field PTB sends is JSON-encoded.
_TEXT_PARAMS = frozenset(
    {
        "text", "caption", "callback_query_id", "parse_mode", "url", "secret_token", "action",
        "language_code", "ip_address", "inline_message_id", "file_id", "description",
        "short_description", "name", "title", "emoji", "document", "photo", "thumbnail",
    }
)  # fmt: skip
# Methods whose answer is an object the bot will parse: `true` would break it, so they fail loudly.
_UNSUPPORTED = frozenset(
    {
        "getchat", "getchatmember", "getchatadministrators", "getchatmembercount", "forwardmessage",
        "copymessage", "sendsticker", "sendaudio", "sendvideo", "sendvoice", "sendanimation",
        "sendlocation", "sendvenue", "sendcontact", "sendpoll", "senddice", "sendmediagroup",
        "stoppoll", "editmessagemedia", "editmessagelivelocation", "getuserprofilephotos",
        "createchatinvitelink", "sendinvoice", "getmydescription", "getmyname",
    }
)  # fmt: skip


class EmulatorError(Exception):
    """A test or the web page asked the emulator for something impossible (bad user input)."""


class EmulatorTimeout(TimeoutError):
    """What a test waited for did not happen in time; the message shows the chat so far."""


class ApiError(Exception):
    """A Bot API error answer, shaped exactly like Telegram's error envelope."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class ApiCall:
    """One Bot API call as the emulator decoded it (files are described, not embedded)."""

    index: int
    method: str
    params: dict[str, Any]
    ok: bool = True
    error: str | None = None
    unknown: bool = False
    at: float = field(default_factory=time.time)

    def __iter__(self):  # lets a test write `method, params = call`
        return iter((self.method, self.params))

    def as_json(self) -> dict[str, Any]:
        params = {k: ("***" if k == "secret_token" else v) for k, v in self.params.items()}
        return {
            "index": self.index,
            "method": self.method,
            "params": params,
            "ok": self.ok,
            "error": self.error,
            "unknown": self.unknown,
            "at": self.at,
        }


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    filename: str
    mime_type: str
    data: bytes
    file_path: str


@dataclass
class StoredMessage:
    """A message in a chat, with edits applied in place and the earlier versions kept."""

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    sender: dict[str, Any]
    text: str | None = None  # exactly what was sent (HTML source for parse_mode=HTML)
    parse_mode: str | None = None
    plain: str = ""  # the text as the user sees it
    entities: list[dict[str, Any]] = field(default_factory=list)
    rich: list[Any] | None = None  # the parsed HTML tree the web chat renders
    reply_markup: dict[str, Any] | None = None
    caption: str | None = None
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    version: int = 1
    edits: list[dict[str, Any]] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False
    seq: int = 0
    ever_callback_data: set[str] = field(default_factory=set)

    def contains(self, needle: str) -> bool:
        return needle in self.plain or needle in (self.text or "") or needle in (self.caption or "")

    def buttons(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard", []) or []

    def button_labels(self) -> list[str]:
        return [b.get("text", "") for row in self.buttons() for b in row]

    def to_api(self, chat: dict[str, Any]) -> dict[str, Any]:
        """The Message object as the Bot API returns it."""
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat,
            "from": self.sender,
        }
        if self.text is not None:
            out["text"] = self.plain
            if self.entities:
                out["entities"] = self.entities
        if self.caption is not None:
            out["caption"] = self.plain
            if self.entities:
                out["caption_entities"] = self.entities
        if self.document:
            out["document"] = self.document
        if self.photo:
            out["photo"] = self.photo
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            out["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        if self.edit_date:
            out["edit_date"] = self.edit_date
        return out

    def to_page(self) -> dict[str, Any]:
        """The message as the web chat and the JSON API show it."""
        buttons = [
            [{k: b[k] for k in ("text", "callback_data", "url") if k in b} for b in row]
            for row in self.buttons()
        ]
        return {
            "message_id": self.message_id,
            "from": "bot" if self.from_bot else "user",
            "date": self.date,
            "text": self.text,
            "caption": self.caption,
            "plain": self.plain,
            "parse_mode": self.parse_mode,
            "rich": self.rich,
            "buttons": buttons,
            "document": self.document,
            "photo": self.photo,
            "version": self.version,
            "edited": self.version > 1,
            "deleted": self.deleted,
            "seq": self.seq,
        }


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: float | None


def _token_bot_id(token: str) -> int:
    head = token.split(":", 1)[0]
    digits = "".join(ch for ch in head if ch.isdigit())
    if not digits:
        raise ValueError("a bot token looks like '<digits>:<secret>'")
    return int(digits)


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, (0, 0) for anything else: enough for a PhotoSize."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            size = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + size
    return 0, 0


class BotApiEmulator:
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
    ) -> None:
        self.token = token
        self.host = host
        self.requested_port = port
        self.port = 0
        self.bot_user: dict[str, Any] = {
            "id": _token_bot_id(token),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.serve_webchat = webchat
        self.calls: list[ApiCall] = []
        self.unknown_methods: list[str] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, list[StoredMessage]] = {}
        self.reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self.notices: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.webhook_url = ""
        self.webhook_deliveries: list[dict[str, Any]] = []
        self._webhook_secret = ""
        self._webhook_task: asyncio.Task[None] | None = None
        self._pending: list[dict[str, Any]] = []
        # Like Telegram's, update ids keep growing across runs: a bot that remembers the ids it
        # handled (to ignore re-deliveries) must not mistake a new run's updates for old ones.
        self._update_ids = itertools.count(time.time_ns() // 1_000_000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._typing_until: dict[int, float] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._seq = 0
        self._updates_cond = asyncio.Condition()
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give `ApplicationBuilder().base_url(...)` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- only this machine's own pages and programs ------------------------------------------

    def _own_hosts(self) -> set[str]:
        names = {self.host, "127.0.0.1", "localhost", "[::1]"}
        return {f"{name}:{self.port}" for name in names}

    def _refusal(self, request: web.Request) -> str | None:
        """Why a request must be refused, or None.

        The web chat API runs the demo's operator commands as any user id it is given, so only
        the page the emulator serves may use it: a page on another site could otherwise POST
        `/topup` to 127.0.0.1 as text/plain (a "simple" request no browser stops), and a DNS name
        rebound to 127.0.0.1 could read the chats. So the Host must be the emulator's own
        address, an Origin (browsers send one with every cross-site POST) likewise, and the chat
        API's POSTs must be application/json, which no other site can send without asking.
        """
        if request.host.lower() not in self._own_hosts():
            return "this server answers only at its own address (127.0.0.1 or localhost)"
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self._own_hosts()}:
            return "requests from other sites are refused"
        if (
            request.method == "POST"
            and request.path.startswith("/chat/api/")
            and request.content_type != "application/json"
        ):
            return "the request must be Content-Type: application/json"
        return None

    @web.middleware
    async def _same_origin_only(self, request: web.Request, handler: Any) -> web.StreamResponse:
        why = self._refusal(request)
        if why is not None:
            log.warning("refused %s %s: %s", request.method, request.path.split("/bot", 1)[0] or "/", why)
            body = {"ok": False, "error_code": 403, "error": why, "description": f"Forbidden: {why}"}
            return web.json_response(body, status=403)
        return await handler(request)

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024, middlewares=[self._same_origin_only])
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file_download)
        app.router.add_get("/chat/api/state", self._api_state)
        app.router.add_post("/chat/api/send", self._api_send)
        app.router.add_post("/chat/api/tap", self._api_tap)
        app.router.add_get("/chat/api/calls", self._api_calls)
        app.router.add_post("/chat/api/fail_next", self._api_fail_next)
        app.router.add_get("/chat/api/file/{file_id}", self._api_file)
        if self.serve_webchat:
            app.router.add_get("/", self._index)
            app.router.add_static("/static/", WEBCHAT_DIR, show_index=False)
        return app

    async def start(self) -> BotApiEmulator:
        # access_log=None: request paths carry the bot token, which must never reach a log.
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._closing = False
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._notify_updates()
        await self._notify_changed()
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._http:
            await self._http.close()
            self._http = None
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
        queue.extend(_Failure(code, description, retry_after) for _ in range(times))

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        return [m for m in self.chats.get(chat_id, []) if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self.messages(chat_id) if m.from_bot]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        for msg in self.chats.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        raise EmulatorError(f"chat {chat_id} has no message {message_id}")

    def is_typing(self, chat_id: int) -> bool:
        return self._typing_until.get(chat_id, 0.0) > time.monotonic()

    @property
    def seq(self) -> int:
        """A counter bumped by every change to any chat; `since=` arguments compare with it."""
        return self._seq

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._pending)

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

    def _chat(self, chat_id: int) -> dict[str, Any]:
        user = self.users.get(chat_id, {"first_name": "User"})
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            chat["username"] = user["username"]
        return chat

    def _next_message_id(self, chat_id: int) -> int:
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
            message_id=self._next_message_id(user_id),
            from_bot=False,
            date=int(time.time()),
            sender=dict(user),
            text=text,
            plain=text,
            entities=entities,
        )
        self._store(msg)
        await self._notify_changed()
        await self._queue_update({"message": msg.to_api(self._chat(user_id))})
        return msg

    async def user_taps(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user taps an inline button; returns the callback query id the bot must answer.

        The data must be on the message now or in an earlier version: a fast double tap, or
        a tap on a keyboard the bot has just replaced, is exactly what real users do.
        """
        user = self._remember_user(user_id, None, None)
        msg = self.message(user_id, message_id)
        if msg.deleted:
            raise EmulatorError(f"message {message_id} was deleted")
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
            "message": msg.to_api(self._chat(user_id)),
        }
        self.callback_queries[query_id] = {"chat_id": user_id, "answered": False, "answer": None}
        await self._queue_update({"callback_query": query})
        return query_id

    async def _wait(self, check: Callable[[], Any], timeout: float, what: str, chat_id: int | None) -> Any:
        result: Any = None

        def ready() -> bool:
            nonlocal result
            result = check()
            return bool(result) or self._closing

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        except TimeoutError:
            raise EmulatorTimeout(
                f"timed out after {timeout}s waiting for {what}{self._describe(chat_id)}"
            ) from None
        if not result:
            raise EmulatorTimeout(f"the emulator stopped while waiting for {what}")
        return result

    def _describe(self, chat_id: int | None) -> str:
        if chat_id is None:
            return ""
        lines = [
            f"  [{m.message_id}{'*' if m.version > 1 else ''}] {'bot' if m.from_bot else 'user'}: "
            f"{(m.plain or m.caption or '')[:120]!r} {m.button_labels() or ''}"
            for m in self.messages(chat_id)[-8:]
        ]
        return "; chat so far:\n" + "\n".join(lines) if lines else "; the chat is empty"

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[StoredMessage], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> StoredMessage:
        """The newest message in the chat changed after `since` that satisfies `predicate`."""

        def check() -> StoredMessage | None:
            for msg in reversed(self.chats.get(chat_id, [])):
                if msg.seq > since and not msg.deleted and predicate(msg):
                    return msg
            return None

        return await self._wait(check, timeout, "a matching message", chat_id)

    async def wait_for_text(
        self, chat_id: int, text: str, timeout: float = 5.0, *, since: int = 0
    ) -> StoredMessage:
        """A bot message (new or edited after `since`) whose text contains `text`."""

        def check() -> StoredMessage | None:
            for msg in reversed(self.chats.get(chat_id, [])):
                if msg.seq > since and msg.from_bot and not msg.deleted and msg.contains(text):
                    return msg
            return None

        return await self._wait(check, timeout, f"a bot message containing {text!r}", chat_id)

    async def wait_for_edit(
        self, chat_id: int, message_id: int, timeout: float = 5.0, *, min_version: int = 2
    ) -> StoredMessage:
        """The message once it has been edited (its version reached `min_version`)."""
        msg = self.message(chat_id, message_id)
        return await self._wait(
            lambda: msg if msg.version >= min_version else None,
            timeout,
            f"an edit of message {message_id}",
            chat_id,
        )

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 5.0,
        *,
        predicate: Callable[[ApiCall], bool] | None = None,
        after: int = 0,
    ) -> ApiCall:
        """The first recorded call of `method` with index >= `after` that matches."""

        def check() -> ApiCall | None:
            for call in self.calls[after:]:
                if call.method.lower() == method.lower() and (predicate is None or predicate(call)):
                    return call
            return None

        return await self._wait(check, timeout, f"a {method} call", None)

    # -- internals: state changes -----------------------------------------------------------

    def _store(self, msg: StoredMessage) -> None:
        self._seq += 1
        msg.seq = self._seq
        self.chats.setdefault(msg.chat_id, []).append(msg)

    def _touch(self, msg: StoredMessage) -> None:
        self._seq += 1
        msg.seq = self._seq

    async def _notify_changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _notify_updates(self) -> None:
        async with self._updates_cond:
            self._updates_cond.notify_all()

    async def _queue_update(self, payload: dict[str, Any]) -> None:
        update = {"update_id": next(self._update_ids), **payload}
        self._pending.append(update)
        await self._notify_updates()

    # -- the Bot API --------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, StoredFile]]:
        raw: dict[str, Any] = {}
        uploads: dict[str, StoredFile] = {}
        raw.update(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise _bad("the request body must be a JSON object")
                return {**raw, **body}, uploads
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    uploads[key] = self._new_file(value.filename or key, value.content_type, data)
                else:
                    raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in _TEXT_PARAMS or not isinstance(value, str):
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params, uploads

    def _new_file(self, filename: str, mime_type: str, data: bytes) -> StoredFile:
        number = next(self._file_ids)
        suffix = Path(filename).suffix.lower()
        folder = "photos" if mime_type.startswith("image/") else "documents"
        return StoredFile(
            file_id=f"EMU{self.bot_user['id']}F{number:06d}",
            file_unique_id=f"U{number:06d}",
            filename=filename,
            mime_type=mime_type or "application/octet-stream",
            data=data,
            file_path=f"{folder}/file_{number}{suffix}",
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.match_info["token"].encode(), self.token.encode()):
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        key = method.lower()
        try:
            params, uploads = await self._read_params(request)
        except ApiError as error:
            return web.json_response(error.body(), status=error.code)
        described = dict(params)
        for name, upload in uploads.items():
            described[name] = {
                "filename": upload.filename,
                "mime_type": upload.mime_type,
                "size": len(upload.data),
            }
        call = ApiCall(index=len(self.calls), method=method, params=described)
        self.calls.append(call)
        try:
            failures = self._failures.get(key)
            if failures:
                failure = failures.pop(0)
                extra = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                raise ApiError(failure.status, failure.description, extra)
            handler = getattr(self, f"_m_{key}", None)
            if handler is not None:
                result = await handler(params, uploads)
            elif key in _UNSUPPORTED:
                raise _bad(f"method {method} is not supported by the Loket emulator")
            else:
                call.unknown = True
                self.unknown_methods.append(method)
                result = True
        except ApiError as error:
            call.ok = False
            call.error = error.description
            await self._notify_changed()
            return web.json_response(error.body(), status=error.code)
        await self._notify_changed()
        return web.json_response({"ok": True, "result": result})

    # Parameter helpers ---------------------------------------------------------------------

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int) or chat_id <= 0:
            raise _bad("chat not found")
        return chat_id

    def _int_param(self, params: dict[str, Any], name: str) -> int:
        value = params.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(f"{name} is empty" if value in (None, "") else f"invalid {name} specified")
        return value

    def _parse_text(self, text: Any, parse_mode: Any, entities: Any, *, caption: bool = False) -> ParsedText:
        what = "caption" if caption else "text"
        if not isinstance(text, str):
            text = "" if text is None else json.dumps(text)
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                parsed = parse_html(text)
            except HtmlParseError as error:
                raise _bad(str(error)) from None
        else:
            parsed = ParsedText(plain=text, entities=list(entities) if isinstance(entities, list) else [])
        if not caption and not parsed.plain.strip():
            raise _bad(f"message {what} is empty")
        limit = MAX_CAPTION_LENGTH if caption else MAX_MESSAGE_LENGTH
        if utf16_len(parsed.plain) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return parsed

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                        raise _bad(
                            "can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard"
                        )
                    data = button.get("callback_data")
                    if data is not None:
                        size = len(str(data).encode("utf-8"))
                        if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                            raise _bad("BUTTON_DATA_INVALID")
                    elif not any(
                        k in button
                        for k in (
                            "url",
                            "login_url",
                            "switch_inline_query",
                            "web_app",
                            "pay",
                            "copy_text",
                            "switch_inline_query_current_chat",
                            "callback_game",
                            "switch_inline_query_chosen_chat",
                        )
                    ):
                        raise _bad(
                            "can't parse inline keyboard button: InlineKeyboardButton must have exactly one "
                            "of the optional fields"
                        )
        return markup

    def _apply_chat_keyboard(self, chat_id: int, markup: dict[str, Any] | None) -> None:
        """Reply keyboards belong to the chat, not the message: remember the latest one."""
        if not markup:
            return
        if "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboards[chat_id] = None

    def _bot_message(
        self,
        chat_id: int,
        parsed: ParsedText,
        text: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> StoredMessage:
        msg = StoredMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            from_bot=True,
            date=int(time.time()),
            sender={k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            text=text,
            parse_mode=parse_mode,
            plain=parsed.plain,
            entities=parsed.entities,
            rich=parsed.tree if str(parse_mode or "").lower() == "html" else None,
            reply_markup=markup if markup and "inline_keyboard" in markup else None,
        )
        self._remember_buttons(msg)
        self._typing_until.pop(chat_id, None)
        self._apply_chat_keyboard(chat_id, markup)
        return msg

    @staticmethod
    def _remember_buttons(msg: StoredMessage) -> None:
        for row in msg.buttons():
            for button in row:
                if "callback_data" in button:
                    msg.ever_callback_data.add(str(button["callback_data"]))

    def _editable(self, params: dict[str, Any]) -> StoredMessage | None:
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat_id(params)
        message_id = self._int_param(params, "message_id")
        for msg in self.chats.get(chat_id, []):
            if msg.message_id == message_id and not msg.deleted:
                if not msg.from_bot:
                    raise _bad("message can't be edited")
                return msg
        raise _bad("message to edit not found")

    # Methods --------------------------------------------------------------------------------

    async def _m_getme(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return self.bot_user

    async def _m_logout(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return True

    async def _m_close(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return True

    async def _m_deletewebhook(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        self.webhook_url = ""
        self._webhook_secret = ""
        if self._webhook_task:
            self._webhook_task.cancel()
            self._webhook_task = None
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    async def _m_setwebhook(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._m_deletewebhook(params, uploads)
        if not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and (len(secret) > 256 or not all(ch.isalnum() or ch in "_-" for ch in secret)):
            raise _bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        self.webhook_url = url
        self._webhook_secret = secret
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks(), name="emulator-webhook")
        await self._notify_updates()
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
            "max_connections": 40,
        }

    async def _m_getupdates(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        offset = params.get("offset") or 0
        limit = params.get("limit") or 100
        timeout = params.get("timeout") or 0
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (offset, limit, timeout)):
            raise _bad("offset, limit and timeout must be numbers")
        limit = max(1, min(100, int(limit)))
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[int(offset) :]
        if not self._pending and timeout > 0:
            with contextlib.suppress(TimeoutError):
                async with self._updates_cond:
                    await asyncio.wait_for(
                        self._updates_cond.wait_for(
                            lambda: bool(self._pending) or self._closing or bool(self.webhook_url)
                        ),
                        float(timeout),
                    )
        if self.webhook_url or self._closing:
            return []
        return self._pending[:limit]

    async def _m_sendmessage(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        chat_id = self._chat_id(params)
        markup = self._check_markup(params.get("reply_markup"))
        text = params.get("text")
        parsed = self._parse_text(text, params.get("parse_mode"), params.get("entities"))
        msg = self._bot_message(chat_id, parsed, str(text), params.get("parse_mode"), markup)
        self._store(msg)
        return msg.to_api(self._chat(chat_id))

    async def _m_editmessagetext(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        msg = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        text = params.get("text")
        parsed = self._parse_text(text, params.get("parse_mode"), params.get("entities"))
        if msg is None:
            return True
        if msg.text is None:
            raise _bad("there is no text in the message to edit")
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if parsed.plain == msg.plain and parsed.entities == msg.entities and new_markup == msg.reply_markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        msg.edits.append(
            {
                "version": msg.version,
                "text": msg.text,
                "plain": msg.plain,
                "parse_mode": msg.parse_mode,
                "reply_markup": msg.reply_markup,
                "date": msg.edit_date or msg.date,
            }
        )
        msg.text = str(text)
        msg.parse_mode = params.get("parse_mode")
        msg.plain = parsed.plain
        msg.entities = parsed.entities
        msg.rich = parsed.tree if str(msg.parse_mode or "").lower() == "html" else None
        msg.reply_markup = new_markup  # Telegram drops the keyboard when an edit doesn't resend it
        self._mark_edited(msg)
        return msg.to_api(self._chat(msg.chat_id))

    async def _m_editmessagereplymarkup(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        msg = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        if msg is None:
            return True
        new_markup = markup if markup and "inline_keyboard" in markup and markup["inline_keyboard"] else None
        if new_markup == msg.reply_markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        msg.edits.append(
            {
                "version": msg.version,
                "text": msg.text,
                "plain": msg.plain,
                "parse_mode": msg.parse_mode,
                "reply_markup": msg.reply_markup,
                "date": msg.edit_date or msg.date,
            }
        )
        msg.reply_markup = new_markup
        self._mark_edited(msg)
        return msg.to_api(self._chat(msg.chat_id))

    def _mark_edited(self, msg: StoredMessage) -> None:
        msg.version += 1
        msg.edit_date = int(time.time())
        self._remember_buttons(msg)
        self._touch(msg)

    async def _m_answercallbackquery(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        query = self.callback_queries.get(query_id)
        if query is None or query["answered"]:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        query["answer"] = {
            "text": text,
            "show_alert": bool(params.get("show_alert")),
            "url": params.get("url"),
        }
        if text:
            self._seq += 1
            self.notices.setdefault(query["chat_id"], []).append(
                {"seq": self._seq, "text": str(text), "show_alert": bool(params.get("show_alert"))}
            )
        return True

    async def _m_sendchataction(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        chat_id = self._chat_id(params)
        if not params.get("action"):
            raise _bad("wrong parameter action in request")
        self._typing_until[chat_id] = time.monotonic() + 5.0
        self._seq += 1
        return True

    async def _m_deletemessage(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        chat_id = self._chat_id(params)
        message_id = self._int_param(params, "message_id")
        for msg in self.chats.get(chat_id, []):
            if msg.message_id == message_id and not msg.deleted:
                msg.deleted = True
                self._touch(msg)
                return True
        raise _bad("message to delete not found")

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _m_setmycommands(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            ok_name = 1 <= len(name) <= 32 and all(ch.islower() or ch.isdigit() or ch == "_" for ch in name)
            if not ok_name or not str(command.get("description", "")).strip():
                raise _bad("BOT_COMMAND_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _m_getmycommands(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _m_deletemycommands(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_file(self, params: dict[str, Any], uploads: dict[str, StoredFile], kind: str) -> Any:
        chat_id = self._chat_id(params)
        markup = self._check_markup(params.get("reply_markup"))
        upload = uploads.get(kind)
        if upload is None:
            ref = params.get(kind)
            if isinstance(ref, str) and ref in self.files:
                upload = self.files[ref]
            elif isinstance(ref, str) and ref.startswith(("http://", "https://")):
                raise _bad("failed to get HTTP URL content")
            else:
                raise _bad(f"there is no {kind} in the request")
        self.files[upload.file_id] = upload
        caption = params.get("caption")
        parsed = self._parse_text(
            caption or "", params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        msg = self._bot_message(chat_id, parsed, None, params.get("parse_mode"), markup)
        msg.caption = str(caption) if caption is not None else None
        if msg.caption is None:
            msg.plain = ""
            msg.entities = []
        if kind == "document":
            msg.document = {
                "file_id": upload.file_id,
                "file_unique_id": upload.file_unique_id,
                "file_name": upload.filename,
                "mime_type": upload.mime_type,
                "file_size": len(upload.data),
            }
        else:
            width, height = _image_size(upload.data)
            msg.photo = [
                {
                    "file_id": upload.file_id,
                    "file_unique_id": upload.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(upload.data),
                }
            ]
        self._store(msg)
        return msg.to_api(self._chat(chat_id))

    async def _m_senddocument(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return await self._send_file(params, uploads, "document")

    async def _m_sendphoto(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        return await self._send_file(params, uploads, "photo")

    async def _m_getfile(self, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        if not hmac.compare_digest(request.match_info["token"].encode(), self.token.encode()):
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        for stored in self.files.values():
            if stored.file_path == request.match_info["path"]:
                return web.Response(body=stored.data, content_type=stored.mime_type)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # -- webhook delivery ---------------------------------------------------------------------

    async def _deliver_webhooks(self) -> None:
        """Push queued updates to the bot's webhook in order, retrying like Telegram does."""
        if self._http is None:
            self._http = ClientSession(timeout=ClientTimeout(total=10))
        while self.webhook_url and not self._closing:
            async with self._updates_cond:
                await self._updates_cond.wait_for(
                    lambda: bool(self._pending) or self._closing or not self.webhook_url
                )
            if self._closing or not self.webhook_url:
                return
            update = self._pending[0]
            headers = {"Content-Type": "application/json"}
            if self._webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
            status = 0
            try:
                async with self._http.post(
                    self.webhook_url, data=json.dumps(update), headers=headers
                ) as reply:
                    status = reply.status
            except (OSError, TimeoutError) as error:
                log.warning(
                    "webhook delivery of update %s failed: %s", update["update_id"], type(error).__name__
                )
            self.webhook_deliveries.append({"update_id": update["update_id"], "status": status})
            if 200 <= status < 300:
                if self._pending and self._pending[0] is update:
                    self._pending.pop(0)
            else:
                await asyncio.sleep(0.5)

    # -- the JSON API for the web chat and for tests in other processes ------------------------

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise EmulatorError("the request body must be JSON") from None
        if not isinstance(body, dict):
            raise EmulatorError("the request body must be a JSON object")
        return body

    @staticmethod
    def _user_id(value: Any) -> int:
        try:
            user_id = int(value)
        except (TypeError, ValueError):
            raise EmulatorError("user_id must be a positive whole number") from None
        if user_id <= 0:
            raise EmulatorError("user_id must be a positive whole number")
        return user_id

    @staticmethod
    def _api_error(error: Exception) -> web.Response:
        return web.json_response({"ok": False, "error": str(error)}, status=400)

    def chat_state(self, user_id: int, since: int = 0) -> dict[str, Any]:
        """What the web chat needs: messages changed after `since`, typing, notices, keyboards."""
        return {
            "ok": True,
            "user_id": user_id,
            "seq": self._seq,
            "bot": {"first_name": self.bot_user["first_name"], "username": self.bot_user["username"]},
            "typing": self.is_typing(user_id),
            "messages": [m.to_page() for m in self.chats.get(user_id, []) if m.seq > since],
            "notices": [n for n in self.notices.get(user_id, []) if n["seq"] > since],
            "reply_keyboard": self.reply_keyboards.get(user_id),
        }

    async def _api_state(self, request: web.Request) -> web.Response:
        try:
            user_id = self._user_id(request.query.get("user_id"))
            since = int(request.query.get("since", "0") or 0)
            wait = min(float(request.query.get("wait", "0") or 0), 25.0)
        except (EmulatorError, ValueError) as error:
            return self._api_error(error)
        if wait > 0 and self._seq <= since:
            typing = self.is_typing(user_id)
            with contextlib.suppress(TimeoutError):
                async with self._changed:
                    await asyncio.wait_for(
                        self._changed.wait_for(
                            lambda: self._seq > since or self._closing or self.is_typing(user_id) != typing
                        ),
                        wait,
                    )
        return web.json_response(self.chat_state(user_id, since))

    async def _api_send(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            user_id = self._user_id(body.get("user_id"))
            text = body.get("text")
            if not isinstance(text, str):
                raise EmulatorError("text must be a string")
            first_name = body.get("first_name")
            language_code = body.get("language_code")
            msg = await self.user_sends(
                user_id,
                text,
                first_name=str(first_name) if first_name else None,
                language_code=str(language_code) if language_code else None,
            )
        except EmulatorError as error:
            return self._api_error(error)
        return web.json_response({"ok": True, "message": msg.to_page(), "seq": self._seq})

    async def _api_tap(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            user_id = self._user_id(body.get("user_id"))
            message_id = body.get("message_id")
            data = body.get("data")
            if isinstance(message_id, bool) or not isinstance(message_id, int):
                raise EmulatorError("message_id must be a whole number")
            if not isinstance(data, str):
                raise EmulatorError("data must be a string")
            query_id = await self.user_taps(user_id, message_id, data)
        except EmulatorError as error:
            return self._api_error(error)
        return web.json_response({"ok": True, "callback_query_id": query_id})

    async def _api_calls(self, request: web.Request) -> web.Response:
        method = (request.query.get("method") or "").lower()
        try:
            since = int(request.query.get("since", "0") or 0)
        except ValueError:
            return self._api_error(EmulatorError("since must be a whole number"))
        calls = [c.as_json() for c in self.calls[since:] if not method or c.method.lower() == method]
        return web.json_response({"ok": True, "calls": calls, "next": len(self.calls)})

    async def _api_fail_next(self, request: web.Request) -> web.Response:
        try:
            body = await self._json_body(request)
            method = body.get("method")
            if not isinstance(method, str) or not method:
                raise EmulatorError("method must be a Bot API method name")
            times = body.get("times", 1)
            retry_after = body.get("retry_after")
            status = body.get("status")
            if isinstance(times, bool) or not isinstance(times, int):
                raise EmulatorError("times must be a whole number")
            if retry_after is not None and (
                isinstance(retry_after, bool) or not isinstance(retry_after, int | float) or retry_after < 0
            ):
                raise EmulatorError("retry_after must be a number of seconds")
            if status is not None and (
                isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
            ):
                raise EmulatorError("status must be an HTTP error status")
            self.fail_next(
                method, times, retry_after=retry_after, status=status, description=body.get("description")
            )
        except EmulatorError as error:
            return self._api_error(error)
        return web.json_response({"ok": True})

    async def _api_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.files.get(request.match_info["file_id"])
        if stored is None:
            return web.json_response({"ok": False, "error": "no such file"}, status=404)
        safe_name = "".join(ch for ch in stored.filename if ch.isalnum() or ch in "._- ") or "file"
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type,
            headers={"Content-Disposition": f'inline; filename="{safe_name}"'},
        )

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEBCHAT_DIR / "index.html", headers={"Cache-Control": "no-store"})
