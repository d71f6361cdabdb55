"""An in-memory Telegram Bot API for tests: a PTB BaseRequest that records calls and answers.

It keeps each chat's messages so edits can be checked, echoes reply_markup, answers an
unchanged edit with Telegram's "message is not modified", and can be told to answer the
next sendMessage calls with HTTP 429. No sockets.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_ID = 123456
TOKEN = f"{BOT_ID}:TEST-token-abcdef"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Loket", "username": "loket_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotAPI(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._ids = itertools.count(1000)
        self.fail_429 = 0  # answer this many next sendMessage calls with 429
        self.gone: set[int] = set()  # message ids whose edit must fail ("message to edit not found")
        self.down = False  # Telegram answers every send and edit with 502 Bad Gateway
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403 Forbidden)
        self.no_files = False  # sendDocument is refused (400), as the demo's emulator does
        self.changed = asyncio.Event()

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _message(self, chat_id: int, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": message_id or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            markup = params["reply_markup"]
            msg["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return msg

    def _photo(self, chat_id: int, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        """A photo message (the QRIS code): its caption instead of a text."""
        msg = self._message(chat_id, params, message_id)
        del msg["text"]
        msg["photo"] = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 300, "height": 300}]
        if params.get("caption"):
            msg["caption"] = params["caption"]
        return msg

    def _error(self, status: int, description: str) -> tuple[int, bytes]:
        return status, json.dumps({"ok": False, "error_code": status, "description": description}).encode()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(Call(endpoint, params))
        self.changed.set()
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint == "getUpdates":
            await asyncio.sleep(0.05)
            result = []
        elif endpoint in ("sendMessage", "editMessageText") and self.down:
            return 502, json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()
        elif endpoint in ("sendMessage", "editMessageText") and int(params["chat_id"]) in self.blocked:
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            return 403, json.dumps(body).encode()
        elif endpoint == "sendMessage":
            if self.fail_429 > 0:
                self.fail_429 -= 1
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
                return 429, json.dumps(body).encode()
            chat_id = int(params["chat_id"])
            result = self._message(chat_id, params)
            self.messages[(chat_id, result["message_id"])] = result
        elif endpoint == "sendDocument" and self.no_files:
            body = {"ok": False, "error_code": 400, "description": "Bad Request: method is not supported"}
            return 400, json.dumps(body).encode()
        elif endpoint == "sendDocument":  # the file's bytes are kept in the call, under "_files"
            files = request_data.multipart_data if request_data is not None else {}
            params["_files"] = {name: part[1] for name, part in (files or {}).items()}
            chat_id = int(params["chat_id"])
            result = self._message(chat_id, params)
            result["document"] = {"file_id": f"doc{result['message_id']}", "file_unique_id": "u"}
            result["caption"] = params.get("caption", "")
            self.messages[(chat_id, result["message_id"])] = result
        elif endpoint == "sendPhoto":
            chat_id = int(params["chat_id"])
            if self.down:
                return self._error(502, "Bad Gateway")
            result = self._photo(chat_id, params)
            self.messages[(chat_id, result["message_id"])] = result
        elif endpoint == "editMessageCaption":
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
            old = self.messages.get((chat_id, message_id))
            if self.down:
                return self._error(502, "Bad Gateway")
            if old is None or message_id in self.gone:
                return self._error(400, "Bad Request: message to edit not found")
            if "photo" not in old:
                return self._error(400, "Bad Request: there is no caption in the message to edit")
            new = self._photo(chat_id, params, message_id)
            if (new.get("caption"), new.get("reply_markup")) == (old.get("caption"), old.get("reply_markup")):
                return self._error(400, "Bad Request: message is not modified")
            self.messages[(chat_id, message_id)] = new
            result = new
        elif endpoint == "editMessageText" and "photo" in self.messages.get(
            (int(params["chat_id"]), int(params["message_id"])), {}
        ):
            return self._error(400, "Bad Request: there is no text in the message to edit")
        elif endpoint == "editMessageText":
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
            old = self.messages.get((chat_id, message_id))
            if old is None or message_id in self.gone:
                return 400, json.dumps(
                    {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
                ).encode()
            new = self._message(chat_id, params, message_id)
            if new["text"] == old["text"] and new.get("reply_markup") == old.get("reply_markup"):
                return 400, json.dumps(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: message is not modified: "
                        "specified new message content and reply markup are exactly the same",
                    }
                ).encode()
            self.messages[(chat_id, message_id)] = new
            result = new
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- reading what the bot did ---------------------------------------------------------------
    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def last_text(self, chat_id: int) -> str:
        return self.sent("sendMessage", chat_id)[-1].params["text"]

    def texts(self, chat_id: int) -> list[str]:
        """Every text and caption the chat shows now, oldest message first."""
        mine = [m for (c, _), m in self.messages.items() if c == chat_id]
        mine.sort(key=lambda m: m["message_id"])
        return [m.get("text") or m.get("caption") or "" for m in mine]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        mine = [m for (c, _), m in self.messages.items() if c == chat_id]
        return max(mine, key=lambda m: m["message_id"])

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self.messages[(chat_id, message_id)]


class Chat:
    """A user talking to the application: builds real updates and delivers them."""

    _update_ids = itertools.count(1)
    _message_ids = itertools.count(1)

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        api: FakeBotAPI,
        user_id: int,
        language: str = "id",
        first_name: str = "Budi",
    ) -> None:
        self.app = app
        self.api = api
        self.user_id = user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language}

    def _update(self, **payload: Any) -> Update:
        return Update.de_json({"update_id": next(self._update_ids), **payload}, self.app.bot)

    async def deliver(self, update: Update) -> None:
        """Through the application's update processor, as polling would."""
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    def message_update(self, text: str, *, edits: int | None = None) -> Update:
        """A new message, or with `edits=<message_id>` the user's edit of an earlier one."""
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids) if edits is None else edits,
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.user["first_name"]},
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if edits is not None:
            msg["edit_date"] = int(time.time())
            return self._update(edited_message=msg)
        return self._update(message=msg)

    async def says(self, text: str) -> None:
        await self.deliver(self.message_update(text))

    def click_update(self, message: dict[str, Any], data: str) -> Update:
        return self._update(
            callback_query={
                "id": str(next(self._update_ids)),
                "from": self.user,
                "chat_instance": str(self.user_id),
                "data": data,
                "message": message,
            }
        )

    async def clicks(self, message: dict[str, Any], data: str) -> None:
        await self.deliver(self.click_update(message, data))

    def buttons(self, message: dict[str, Any]) -> list[str]:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row]

    def last(self) -> dict[str, Any]:
        return self.api.last_message(self.user_id)

    def answers(self) -> list[dict[str, Any]]:
        return [c.params for c in self.api.sent("answerCallbackQuery")]
