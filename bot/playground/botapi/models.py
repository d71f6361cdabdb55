"""What the emulator keeps and answers: Telegram's limits, its error envelope, calls, messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
# The playground's fixed bot token: not a secret, it only opens this local emulator.
DEMO_TOKEN = "100001:DEMO"  # noqa: S105


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


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class ApiCall:
    """One Bot API call as the emulator decoded it."""

    index: int
    method: str
    params: dict[str, Any]
    ok: bool = True
    error: str | None = None
    unknown: bool = False
    at: float = field(default_factory=time.time)

    def __iter__(self) -> Iterator[Any]:  # lets a test write `method, params = call`
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


class UploadedFile(dict[str, Any]):
    """A file a Bot API call uploaded (multipart): its name and size as the call's recorded
    parameter (JSON-safe), the bytes beside them in `.data`."""

    def __init__(self, name: str, data: bytes, content_type: str = "") -> None:
        super().__init__(file_name=name, size=len(data), content_type=content_type)
        self.data = data


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
    version: int = 1
    edits: list[dict[str, Any]] = field(default_factory=list)
    edit_date: int | None = None
    seq: int = 0
    ever_callback_data: set[str] = field(default_factory=set)
    photo: dict[str, Any] | None = None  # a photo message: its PhotoSize; `text` is then its caption

    def contains(self, needle: str) -> bool:
        return needle in self.plain or needle in (self.text or "")

    def buttons(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard", []) or []

    def button_labels(self) -> list[str]:
        return [b.get("text", "") for row in self.buttons() for b in row]

    def remember_buttons(self) -> None:
        """A tap on a button the message had once is still delivered (a fast double tap)."""
        for row in self.buttons():
            for button in row:
                if "callback_data" in button:
                    self.ever_callback_data.add(str(button["callback_data"]))

    def to_api(self, chat: dict[str, Any]) -> dict[str, Any]:
        """The Message object as the Bot API returns it."""
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat,
            "from": self.sender,
        }
        if self.photo is not None:
            out["photo"] = [self.photo]
            if self.plain:
                out["caption"] = self.plain
                if self.entities:
                    out["caption_entities"] = self.entities
        elif self.text is not None:
            out["text"] = self.plain
            if self.entities:
                out["entities"] = self.entities
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
            "plain": self.plain,
            "parse_mode": self.parse_mode,
            "rich": self.rich,
            "buttons": buttons,
            "version": self.version,
            "edited": self.version > 1,
            "seq": self.seq,
            "photo": (
                f"/chat/api/photo?chat_id={self.chat_id}&message_id={self.message_id}&v={self.photo['file_unique_id']}"
                if self.photo is not None
                else None
            ),
        }


@dataclass
class Failure:
    """An answer `fail_next` queued for a method's next call."""

    status: int
    description: str
    retry_after: float | None


def token_bot_id(token: str) -> int:
    head = token.split(":", 1)[0]
    digits = "".join(ch for ch in head if ch.isdigit())
    if not digits:
        raise ValueError("a bot token looks like '<digits>:<secret>'")
    return int(digits)
