"""The Bot API methods the bot sends about its messages, as an explicit table.

Each answers the way Telegram does where bots typically go wrong: the 4096-character limit,
HTML that does not parse, callback data over 64 bytes, "message is not modified", a callback
query answered twice. Only what Loket sends is here; the updates' methods (getUpdates and the
webhook) are in updates.py. A method that is not in either table and whose answer the bot would
parse fails loudly (server.py), so a bot that starts sending something new is noticed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.playground.botapi.models import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_MESSAGE_LENGTH,
    StoredMessage,
    UploadedFile,
    bad_request,
)
from bot.playground.botapi.tghtml import HtmlParseError, ParsedText, parse_html, utf16_len

if TYPE_CHECKING:
    from bot.playground.botapi.emulator import BotApiEmulator

Method = Callable[["BotApiEmulator", dict[str, Any]], Awaitable[Any]]

# The fields an inline keyboard button may carry instead of callback_data.
_BUTTON_ACTIONS = (
    "url", "login_url", "switch_inline_query", "web_app", "pay", "copy_text",
    "switch_inline_query_current_chat", "callback_game", "switch_inline_query_chosen_chat",
)  # fmt: skip
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


# -- parameters ----------------------------------------------------------------------------------


def chat_id_of(params: dict[str, Any]) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int) or chat_id <= 0:
        raise bad_request("chat not found")
    return chat_id


def int_param(params: dict[str, Any], name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name} is empty" if value in (None, "") else f"invalid {name} specified")
    return value


def parse_text(text: Any, parse_mode: Any, entities: Any) -> ParsedText:
    if not isinstance(text, str):
        text = "" if text is None else json.dumps(text)
    if str(parse_mode or "").lower() == "html":
        try:
            parsed = parse_html(text)
        except HtmlParseError as error:
            raise bad_request(str(error)) from None
    else:
        parsed = ParsedText(plain=text, entities=list(entities) if isinstance(entities, list) else [])
    if not parsed.plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(parsed.plain) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    return parsed


def parse_caption(caption: Any, parse_mode: Any, entities: Any) -> ParsedText:
    """A photo's caption: like a text, but it may be empty and holds at most 1024 characters."""
    if caption is None or caption == "":
        return ParsedText(plain="", entities=[])
    if not isinstance(caption, str):
        caption = json.dumps(caption)
    if str(parse_mode or "").lower() == "html":
        try:
            parsed = parse_html(caption)
        except HtmlParseError as error:
            raise bad_request(str(error)) from None
    else:
        parsed = ParsedText(plain=caption, entities=list(entities) if isinstance(entities, list) else [])
    if utf16_len(parsed.plain) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return parsed


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, else None: Telegram refuses what is not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:3] == b"\xff\xd8\xff":
        return 0, 0  # a JPEG: the size does not matter here
    return None


def check_markup(markup: Any) -> dict[str, Any] | None:
    """An inline keyboard as Telegram checks it; the bot sends no other kind."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        raise bad_request("reply keyboards are not supported by the Loket emulator")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None:
                size = len(str(data).encode("utf-8"))
                if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif not any(k in button for k in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must have exactly one "
                    "of the optional fields"
                )
    return markup


def _editable(emu: BotApiEmulator, params: dict[str, Any]) -> StoredMessage | None:
    if params.get("inline_message_id"):
        return None
    chat_id = chat_id_of(params)
    message_id = int_param(params, "message_id")
    for msg in emu.chats.get(chat_id, []):
        if msg.message_id == message_id:
            if not msg.from_bot:
                raise bad_request("message can't be edited")
            return msg
    raise bad_request("message to edit not found")


# -- the methods ---------------------------------------------------------------------------------


async def get_me(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    return emu.bot_user


async def send_message(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    chat_id = chat_id_of(params)
    markup = check_markup(params.get("reply_markup"))
    text = params.get("text")
    parse_mode = params.get("parse_mode")
    parsed = parse_text(text, parse_mode, params.get("entities"))
    msg = StoredMessage(
        chat_id=chat_id,
        message_id=emu.next_message_id(chat_id),
        from_bot=True,
        date=int(time.time()),
        sender={k: emu.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
        text=str(text),
        parse_mode=parse_mode,
        plain=parsed.plain,
        entities=parsed.entities,
        rich=parsed.tree if str(parse_mode or "").lower() == "html" else None,
        reply_markup=markup,
    )
    msg.remember_buttons()
    emu.typing_until.pop(chat_id, None)  # a message ends "typing…", as in Telegram
    emu.store(msg)
    return msg.to_api(emu.chat_of(chat_id))


async def send_photo(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    """A photo uploaded with the call (kept for the web chat), or one sent before by file_id."""
    chat_id = chat_id_of(params)
    markup = check_markup(params.get("reply_markup"))
    photo = params.get("photo")
    if isinstance(photo, UploadedFile):
        size = _image_size(photo.data)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        file_unique_id = f"P{len(emu.files) + 1}"
        file_id = f"photo-{file_unique_id}"
        emu.files[file_id] = photo.data
        width, height = size
        data_size = len(photo.data)
    elif isinstance(photo, str) and photo in emu.files:
        file_id, file_unique_id = photo, photo.removeprefix("photo-")
        width = height = 0
        data_size = len(emu.files[photo])
    elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
        raise bad_request("wrong file identifier/HTTP URL specified")  # nothing leaves this machine
    else:
        raise bad_request("there is no photo in the request")
    parsed = parse_caption(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
    msg = StoredMessage(
        chat_id=chat_id,
        message_id=emu.next_message_id(chat_id),
        from_bot=True,
        date=int(time.time()),
        sender={k: emu.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
        text=str(params.get("caption") or ""),
        parse_mode=params.get("parse_mode"),
        plain=parsed.plain,
        entities=parsed.entities,
        rich=parsed.tree if str(params.get("parse_mode") or "").lower() == "html" else None,
        reply_markup=markup,
        photo={
            "file_id": file_id,
            "file_unique_id": file_unique_id,
            "width": width,
            "height": height,
            "file_size": data_size,
        },
    )
    msg.remember_buttons()
    emu.typing_until.pop(chat_id, None)
    emu.store(msg)
    return msg.to_api(emu.chat_of(chat_id))


async def edit_message_caption(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    msg = _editable(emu, params)
    markup = check_markup(params.get("reply_markup"))
    parsed = parse_caption(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
    if msg is None:
        return True
    if msg.photo is None:
        raise bad_request("there is no caption in the message to edit")
    if parsed.plain == msg.plain and parsed.entities == msg.entities and markup == msg.reply_markup:
        raise bad_request(_NOT_MODIFIED)
    _keep_version(msg)
    msg.text = str(params.get("caption") or "")
    msg.parse_mode = params.get("parse_mode")
    msg.plain = parsed.plain
    msg.entities = parsed.entities
    msg.rich = parsed.tree if str(msg.parse_mode or "").lower() == "html" else None
    msg.reply_markup = markup
    msg.version += 1
    msg.edit_date = int(time.time())
    msg.remember_buttons()
    emu.touch(msg)
    return msg.to_api(emu.chat_of(msg.chat_id))


def _keep_version(msg: StoredMessage) -> None:
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


async def edit_message_text(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    msg = _editable(emu, params)
    markup = check_markup(params.get("reply_markup"))
    text = params.get("text")
    parsed = parse_text(text, params.get("parse_mode"), params.get("entities"))
    if msg is None:
        return True
    if msg.photo is not None:
        raise bad_request("there is no text in the message to edit")
    if parsed.plain == msg.plain and parsed.entities == msg.entities and markup == msg.reply_markup:
        raise bad_request(_NOT_MODIFIED)
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
    msg.reply_markup = markup  # Telegram drops the keyboard when an edit doesn't resend it
    msg.version += 1
    msg.edit_date = int(time.time())
    msg.remember_buttons()
    emu.touch(msg)
    return msg.to_api(emu.chat_of(msg.chat_id))


async def answer_callback_query(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    query_id = str(params.get("callback_query_id") or "")
    query = emu.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query["answered"] = True
    query["answer"] = {"text": text, "show_alert": bool(params.get("show_alert")), "url": params.get("url")}
    if text:
        emu.add_notice(query["chat_id"], str(text), bool(params.get("show_alert")))
    return True


async def send_chat_action(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    chat_id = chat_id_of(params)
    if not params.get("action"):
        raise bad_request("wrong parameter action in request")
    emu.typing_until[chat_id] = time.monotonic() + 5.0
    emu.bump()
    return True


async def set_my_commands(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        ok_name = 1 <= len(name) <= 32 and all(ch.islower() or ch.isdigit() or ch == "_" for ch in name)
        if not ok_name or not str(command.get("description", "")).strip():
            raise bad_request("BOT_COMMAND_INVALID")
    scope = params.get("scope") or {"type": "default"}
    key = json.dumps([scope, params.get("language_code") or ""], sort_keys=True)
    emu.commands[key] = commands
    return True


# Method names are case-insensitive in the Bot API: the keys are lower case.
METHODS: dict[str, Method] = {
    "getme": get_me,
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "sendphoto": send_photo,
    "editmessagecaption": edit_message_caption,
    "answercallbackquery": answer_callback_query,
    "sendchataction": send_chat_action,
    "setmycommands": set_my_commands,
}
