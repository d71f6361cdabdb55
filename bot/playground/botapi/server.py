"""The emulator's HTTP face: the Bot API at /bot<token>/<method>, the web chat under /chat/.

Every request is first checked to come from this machine's own pages and programs (see
`refusal`); a Bot API call is then decoded the way PTB encodes it, recorded, and answered by
its entry in the method tables (methods.py, updates.py), or by a failure queued with
`fail_next`.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.playground.botapi import methods, updates, webchat
from bot.playground.botapi.models import ApiCall, ApiError, UploadedFile, bad_request

if TYPE_CHECKING:
    from bot.playground.botapi.emulator import BotApiEmulator

log = logging.getLogger(__name__)

API = {**methods.METHODS, **updates.METHODS}
# Parameters Telegram treats as strings; every other form field PTB sends is JSON-encoded.
_TEXT_PARAMS = frozenset(
    {
        "text", "caption", "photo", "callback_query_id", "parse_mode", "url", "secret_token", "action",
        "language_code", "ip_address", "inline_message_id", "description", "short_description", "name",
        "title", "emoji",
    }
)  # fmt: skip
# Methods whose answer is an object the bot would parse (`true` would break it), or whose effect
# the chat would miss: they fail loudly. Loket sends none of them; one that starts to needs its
# method in a table first.
_UNSUPPORTED = frozenset(
    {
        "getchat", "getchatmember", "getchatadministrators", "getchatmembercount", "forwardmessage",
        "copymessage", "sendsticker", "sendaudio", "sendvideo", "sendvoice", "sendanimation",
        "sendlocation", "sendvenue", "sendcontact", "sendpoll", "senddice", "sendmediagroup",
        "stoppoll", "editmessagemedia", "editmessagelivelocation", "getuserprofilephotos",
        "createchatinvitelink", "sendinvoice", "getmydescription", "getmyname", "senddocument",
        "getfile", "editmessagereplymarkup", "getmycommands",
        "getwebhookinfo", "deletemessage", "deletemessages",
    }
)  # fmt: skip


def build_app(emu: BotApiEmulator) -> web.Application:
    app = web.Application(client_max_size=10 * 1024 * 1024, middlewares=[_same_origin_only(emu)])
    app.router.add_route("*", "/bot{token}/{method}", _api_handler(emu))
    webchat.add_routes(app, emu)
    return app


# -- only this machine's own pages and programs -----------------------------------------------------


def own_hosts(emu: BotApiEmulator) -> set[str]:
    names = {emu.host, "127.0.0.1", "localhost", "[::1]"}
    return {f"{name}:{emu.port}" for name in names}


def refusal(emu: BotApiEmulator, request: web.Request) -> str | None:
    """Why a request must be refused, or None.

    The web chat API runs the demo's operator commands as any user id it is given, so only the
    page the emulator serves may use it: a page on another site could otherwise POST `/topup`
    to 127.0.0.1 as text/plain (a "simple" request no browser stops), and a DNS name rebound
    to 127.0.0.1 could read the chats. So the Host must be the emulator's own address, an
    Origin (browsers send one with every cross-site POST) likewise, and the chat API's POSTs
    must be application/json, which no other site can send without asking.
    """
    hosts = own_hosts(emu)
    if request.host.lower() not in hosts:
        return "this server answers only at its own address (127.0.0.1 or localhost)"
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() not in {f"http://{host}" for host in hosts}:
        return "requests from other sites are refused"
    if (
        request.method == "POST"
        and request.path.startswith("/chat/api/")
        and request.content_type != "application/json"
    ):
        return "the request must be Content-Type: application/json"
    return None


def _same_origin_only(emu: BotApiEmulator) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        why = refusal(emu, request)
        if why is not None:
            log.warning("refused %s %s: %s", request.method, request.path.split("/bot", 1)[0] or "/", why)
            body = {"ok": False, "error_code": 403, "error": why, "description": f"Forbidden: {why}"}
            return web.json_response(body, status=403)
        return await handler(request)

    return middleware


# -- the Bot API -------------------------------------------------------------------------------------


async def read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters: query string, then a JSON body or form fields (JSON-decoded)."""
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad_request("the request body must be a JSON object")
            return {**raw, **body}
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an upload (sendPhoto): kept, never JSON-decoded
                raw[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
                continue
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
    return params


def _api_handler(emu: BotApiEmulator) -> Any:
    async def handle(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.match_info["token"].encode(), emu.token.encode()):
            unauthorized = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(unauthorized, status=401)
        method = request.match_info["method"]
        key = method.lower()
        try:
            params = await read_params(request)
        except ApiError as error:
            return web.json_response(error.body(), status=error.code)
        call = ApiCall(index=len(emu.calls), method=method, params=dict(params))
        emu.calls.append(call)
        try:
            failure = emu.next_failure(key)
            if failure is not None:
                extra = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                raise ApiError(failure.status, failure.description, extra)
            flooded = emu.flood.check(method, params) if emu.flood is not None else None
            if flooded is not None:  # past Telegram's pace (flood.py), when the emulator holds to it
                raise ApiError(*flooded)
            answer = API.get(key)
            if answer is not None:
                result = await answer(emu, params)
            elif key in _UNSUPPORTED:
                raise bad_request(f"method {method} is not supported by the Loket emulator")
            else:  # a setting kind of call (setMyDescription, logOut…): harmless, noted
                call.unknown = True
                emu.unknown_methods.append(method)
                result = True
        except ApiError as error:
            call.ok = False
            call.error = error.description
            await emu.notify_changed()
            return web.json_response(error.body(), status=error.code)
        await emu.notify_changed()
        return web.json_response({"ok": True, "result": result})

    return handle
