"""The web chat: the page at / and the small JSON API under /chat/api/ it polls and posts to.

Tests that drive a bot in another process use the same API. It speaks for the user: `send`
types a message, `tap` taps a button, `state` long-polls what changed since a sequence number;
`calls` and `fail_next` look into and steer the Bot API side.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.playground.botapi.models import EmulatorError

if TYPE_CHECKING:
    from bot.playground.botapi.emulator import BotApiEmulator

WEBCHAT_DIR = Path(__file__).resolve().parent.parent / "webchat"


def add_routes(app: web.Application, emu: BotApiEmulator) -> None:
    app.router.add_get("/chat/api/state", _bound(emu, api_state))
    app.router.add_post("/chat/api/send", _bound(emu, api_send))
    app.router.add_post("/chat/api/tap", _bound(emu, api_tap))
    app.router.add_get("/chat/api/calls", _bound(emu, api_calls))
    app.router.add_post("/chat/api/fail_next", _bound(emu, api_fail_next))
    app.router.add_get("/chat/api/photo", _bound(emu, api_photo))
    app.router.add_post("/chat/api/sandbox_pay", _bound(emu, api_sandbox_pay))
    if emu.serve_webchat:
        app.router.add_get("/", index)
        app.router.add_static("/static/", WEBCHAT_DIR, show_index=False)


def _bound(emu: BotApiEmulator, handler: Any) -> Any:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(emu, request)
        except EmulatorError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)

    return handle


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise EmulatorError("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise EmulatorError("the request body must be a JSON object")
    return body


def _user_id(value: Any) -> int:
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        raise EmulatorError("user_id must be a positive whole number") from None
    if user_id <= 0:
        raise EmulatorError("user_id must be a positive whole number")
    return user_id


def chat_state(emu: BotApiEmulator, user_id: int, since: int = 0) -> dict[str, Any]:
    """What the web chat needs: messages changed after `since`, typing, notices."""
    return {
        "ok": True,
        "user_id": user_id,
        "seq": emu.seq,
        "bot": {"first_name": emu.bot_user["first_name"], "username": emu.bot_user["username"]},
        "typing": emu.is_typing(user_id),
        "sandbox_pay": emu.sandbox_pay is not None,
        "messages": [m.to_page() for m in emu.chats.get(user_id, []) if m.seq > since],
        "notices": [n for n in emu.notices.get(user_id, []) if n["seq"] > since],
    }


async def api_state(emu: BotApiEmulator, request: web.Request) -> web.Response:
    user_id = _user_id(request.query.get("user_id"))
    try:
        since = int(request.query.get("since", "0") or 0)
        wait = min(float(request.query.get("wait", "0") or 0), 25.0)
    except ValueError as error:
        raise EmulatorError(str(error)) from None
    if wait > 0 and emu.seq <= since:
        typing = emu.is_typing(user_id)
        with contextlib.suppress(TimeoutError):
            async with emu.changed:
                await asyncio.wait_for(
                    emu.changed.wait_for(
                        lambda: emu.seq > since or emu.closing or emu.is_typing(user_id) != typing
                    ),
                    wait,
                )
    return web.json_response(chat_state(emu, user_id, since))


async def api_send(emu: BotApiEmulator, request: web.Request) -> web.Response:
    body = await _json_body(request)
    user_id = _user_id(body.get("user_id"))
    text = body.get("text")
    if not isinstance(text, str):
        raise EmulatorError("text must be a string")
    first_name = body.get("first_name")
    language_code = body.get("language_code")
    msg = await emu.user_sends(
        user_id,
        text,
        first_name=str(first_name) if first_name else None,
        language_code=str(language_code) if language_code else None,
    )
    return web.json_response({"ok": True, "message": msg.to_page(), "seq": emu.seq})


async def api_tap(emu: BotApiEmulator, request: web.Request) -> web.Response:
    body = await _json_body(request)
    user_id = _user_id(body.get("user_id"))
    message_id = body.get("message_id")
    data = body.get("data")
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise EmulatorError("message_id must be a whole number")
    if not isinstance(data, str):
        raise EmulatorError("data must be a string")
    query_id = await emu.user_taps(user_id, message_id, data)
    return web.json_response({"ok": True, "callback_query_id": query_id})


async def api_calls(emu: BotApiEmulator, request: web.Request) -> web.Response:
    method = (request.query.get("method") or "").lower()
    try:
        since = int(request.query.get("since", "0") or 0)
    except ValueError:
        raise EmulatorError("since must be a whole number") from None
    calls = [c.as_json() for c in emu.calls[since:] if not method or c.method.lower() == method]
    return web.json_response({"ok": True, "calls": calls, "next": len(emu.calls)})


async def api_fail_next(emu: BotApiEmulator, request: web.Request) -> web.Response:
    body = await _json_body(request)
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
    emu.fail_next(method, times, retry_after=retry_after, status=status, description=body.get("description"))
    return web.json_response({"ok": True})


def _whole(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise EmulatorError(f"{name} must be a whole number") from None
    if isinstance(value, bool) or number <= 0:
        raise EmulatorError(f"{name} must be a whole number")
    return number


async def api_photo(emu: BotApiEmulator, request: web.Request) -> web.StreamResponse:
    """A photo the bot sent, for the web chat's <img>."""
    chat_id = _whole(request.query.get("chat_id"), "chat_id")
    msg = emu.message(chat_id, _whole(request.query.get("message_id"), "message_id"))
    data = emu.files.get(msg.photo["file_id"]) if msg.photo else None
    if data is None:
        raise EmulatorError("that message has no photo")
    kind = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    return web.Response(body=data, content_type=kind, headers={"Cache-Control": "no-store"})


async def api_sandbox_pay(emu: BotApiEmulator, request: web.Request) -> web.Response:
    """The demo's "pay this QR" (sandbox only): the gateway sandbox pays the photo's QR."""
    if emu.sandbox_pay is None:
        raise EmulatorError("no gateway sandbox here: a real QR is paid with a real wallet app")
    body = await _json_body(request)
    user_id = _user_id(body.get("user_id"))
    msg = emu.message(user_id, _whole(body.get("message_id"), "message_id"))
    if msg.photo is None or not msg.from_bot:
        raise EmulatorError("that message has no QR")
    said = await emu.sandbox_pay(msg)
    return web.json_response({"ok": True, "result": said})


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(WEBCHAT_DIR / "index.html", headers={"Cache-Control": "no-store"})
