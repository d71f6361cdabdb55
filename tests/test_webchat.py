"""The emulator's JSON API (what the web chat page and out-of-process tests use) and the page.

Everything goes over real HTTP with httpx, the way the browser and a subprocess test do; the
"bot" here is played by raw Bot API calls, so these tests do not depend on PTB.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.playground import BotApiEmulator, EmulatorError, SimulatedUser
from bot.playground.botapi import WEBCHAT_DIR

TOKEN = "5151:WEBCHAT"
USER = 20001


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(TOKEN)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def client(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.url, timeout=10) as http:
        yield http


async def bot_call(client: httpx.AsyncClient, method: str, **params: object) -> dict:
    """A Bot API call encoded the way PTB does it: strings as is, everything else as JSON."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return (await client.post(f"/bot{TOKEN}/{method}", data=form)).json()


async def test_send_queues_an_update_for_the_bot(client: httpx.AsyncClient) -> None:
    sent = await client.post("/chat/api/send", json={"user_id": USER, "text": "/start", "first_name": "Demo"})
    assert sent.status_code == 200
    assert sent.json()["message"]["from"] == "user"

    updates = (await bot_call(client, "getUpdates", offset=0))["result"]
    message = updates[0]["message"]
    assert message["text"] == "/start"
    assert message["from"] == {"id": USER, "is_bot": False, "first_name": "Demo"}
    assert message["chat"] == {"id": USER, "type": "private", "first_name": "Demo"}
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_state_shows_bot_html_buttons_and_edits(client: httpx.AsyncClient) -> None:
    await client.post("/chat/api/send", json={"user_id": USER, "text": "hi"})
    keyboard = {"inline_keyboard": [[{"text": "Bayar", "callback_data": "pay:1"}]]}
    sent = await bot_call(
        client,
        "sendMessage",
        chat_id=USER,
        text="Total <b>Rp 150.000</b>",
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    message_id = sent["result"]["message_id"]
    assert sent["result"]["reply_markup"] == keyboard  # echoed back, as Telegram does

    state = (await client.get("/chat/api/state", params={"user_id": USER})).json()
    bot_msg = state["messages"][-1]
    assert bot_msg["from"] == "bot" and bot_msg["message_id"] == message_id == 2
    assert bot_msg["text"] == "Total <b>Rp 150.000</b>" and bot_msg["plain"] == "Total Rp 150.000"
    assert bot_msg["rich"] == ["Total ", {"tag": "b", "children": ["Rp 150.000"]}]
    assert bot_msg["buttons"] == [[{"text": "Bayar", "callback_data": "pay:1"}]]
    assert bot_msg["version"] == 1

    seq = state["seq"]
    await bot_call(client, "editMessageText", chat_id=USER, message_id=message_id, text="Lunas")
    changed = (await client.get("/chat/api/state", params={"user_id": USER, "since": seq})).json()
    assert [m["message_id"] for m in changed["messages"]] == [message_id]  # only what changed
    assert changed["messages"][0]["plain"] == "Lunas" and changed["messages"][0]["version"] == 2
    assert changed["messages"][0]["buttons"] == []


async def test_state_long_polls_until_something_changes(
    emulator: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    state = (await client.get("/chat/api/state", params={"user_id": USER})).json()

    async def bot_replies_later() -> None:
        await asyncio.sleep(0.3)
        await bot_call(client, "sendMessage", chat_id=USER, text="Halo")

    started = time.monotonic()
    task = asyncio.create_task(bot_replies_later())
    waited = (
        await client.get("/chat/api/state", params={"user_id": USER, "since": state["seq"], "wait": 5})
    ).json()
    await task
    assert 0.25 <= time.monotonic() - started < 3
    assert [m["plain"] for m in waited["messages"]] == ["Halo"]


async def test_typing_and_callback_notice(client: httpx.AsyncClient) -> None:
    await client.post("/chat/api/send", json={"user_id": USER, "text": "hi"})
    await bot_call(client, "sendChatAction", chat_id=USER, action="typing")
    state = (await client.get("/chat/api/state", params={"user_id": USER})).json()
    assert state["typing"] is True

    keyboard = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    sent = await bot_call(client, "sendMessage", chat_id=USER, text="Lanjut?", reply_markup=keyboard)
    state = (await client.get("/chat/api/state", params={"user_id": USER})).json()
    assert state["typing"] is False  # a message ends the typing indicator

    tapped = await client.post(
        "/chat/api/tap", json={"user_id": USER, "message_id": sent["result"]["message_id"], "data": "ok"}
    )
    query_id = tapped.json()["callback_query_id"]
    update = (await bot_call(client, "getUpdates", offset=0))["result"][-1]
    assert update["callback_query"]["id"] == query_id
    assert update["callback_query"]["message"]["message_id"] == sent["result"]["message_id"]
    answered = await bot_call(client, "answerCallbackQuery", callback_query_id=query_id, text="Diproses")
    assert answered == {"ok": True, "result": True}
    state = (await client.get("/chat/api/state", params={"user_id": USER})).json()
    assert [n["text"] for n in state["notices"]] == ["Diproses"]


async def test_calls_and_fail_next_over_http(client: httpx.AsyncClient) -> None:
    armed = await client.post(
        "/chat/api/fail_next", json={"method": "sendMessage", "times": 1, "retry_after": 2}
    )
    assert armed.json() == {"ok": True}
    refused = await client.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": str(USER), "text": "x"})
    assert refused.status_code == 429
    assert refused.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }
    accepted = await bot_call(client, "sendMessage", chat_id=USER, text="x")
    assert accepted["ok"] is True

    calls = (await client.get("/chat/api/calls", params={"method": "sendMessage"})).json()
    assert [(c["method"], c["ok"]) for c in calls["calls"]] == [("sendMessage", False), ("sendMessage", True)]
    assert calls["calls"][1]["params"] == {"chat_id": USER, "text": "x"}
    later = (await client.get("/chat/api/calls", params={"since": calls["next"]})).json()
    assert later["calls"] == []

    await client.post("/chat/api/fail_next", json={"method": "sendMessage", "status": 403})
    blocked = await client.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": str(USER), "text": "x"})
    assert blocked.status_code == 403 and "blocked" in blocked.json()["description"]


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/chat/api/send", {"user_id": 0, "text": "hi"}, "user_id"),
        ("/chat/api/send", {"user_id": "abc", "text": "hi"}, "user_id"),
        ("/chat/api/send", {"user_id": USER, "text": "   "}, "empty"),
        ("/chat/api/send", {"user_id": USER}, "text"),
        ("/chat/api/tap", {"user_id": USER, "message_id": 99, "data": "x"}, "no message 99"),
        ("/chat/api/tap", {"user_id": USER, "message_id": "1", "data": "x"}, "message_id"),
        ("/chat/api/fail_next", {"method": "", "times": 1}, "method"),
        ("/chat/api/fail_next", {"method": "sendMessage", "times": 0}, "times"),
        ("/chat/api/fail_next", {"method": "sendMessage", "status": 200}, "status"),
    ],
)
async def test_bad_input_is_a_clear_400(client: httpx.AsyncClient, path: str, body: dict, error: str) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 400
    assert response.json()["ok"] is False and error in response.json()["error"]


async def test_not_json_is_a_clear_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/chat/api/send", content=b"user_id=1", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "JSON" in response.json()["error"]


OPERATOR_LINE = json.dumps({"user_id": USER, "text": "/topup 20001 5000"})
EVIL = "https://evil.example"


@pytest.mark.parametrize(
    ("path", "headers", "why"),
    [
        # what a page on any site can send to 127.0.0.1 without the browser asking first
        ("/chat/api/send", {"Content-Type": "text/plain"}, "application/json"),
        ("/chat/api/send", {"Content-Type": "application/x-www-form-urlencoded"}, "application/json"),
        ("/chat/api/send", {"Content-Type": "text/plain", "Origin": EVIL}, "other sites"),
        ("/chat/api/send", {"Content-Type": "application/json", "Origin": EVIL}, "other sites"),
        ("/chat/api/send", {"Content-Type": "application/json", "Origin": "null"}, "other sites"),
        ("/chat/api/tap", {"Content-Type": "text/plain"}, "application/json"),
        ("/chat/api/fail_next", {"Content-Type": "text/plain"}, "application/json"),
    ],
)
async def test_cross_site_requests_cannot_use_the_chat(
    emulator: BotApiEmulator, client: httpx.AsyncClient, path: str, headers: dict[str, str], why: str
) -> None:
    refused = await client.post(path, content=OPERATOR_LINE.encode(), headers=headers)
    assert refused.status_code == 403 and why in refused.json()["error"]
    assert emulator.pending_updates == [] and emulator.messages(USER) == []
    assert emulator._failures == {}


async def test_another_host_name_is_refused_even_for_reading(
    emulator: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    """A site whose name is made to point at 127.0.0.1 (DNS rebinding) is not the emulator."""
    await client.post("/chat/api/send", json={"user_id": USER, "text": "rahasia"})
    rebound = {"Host": f"evil.example:{emulator.port}"}
    for response in (
        await client.get("/chat/api/state", params={"user_id": USER}, headers=rebound),
        await client.get("/", headers=rebound),
        await client.post("/chat/api/send", content=OPERATOR_LINE.encode(), headers=rebound),
        await client.post(f"/bot{TOKEN}/getUpdates", headers=rebound),
    ):
        assert response.status_code == 403 and "rahasia" not in response.text
    other_site = {"Origin": "http://evil.example"}
    response = await client.get("/chat/api/state", params={"user_id": USER}, headers=other_site)
    assert response.status_code == 403 and "rahasia" not in response.text
    assert len(emulator.pending_updates) == 1


async def test_the_page_own_address_is_welcome_by_either_name(
    emulator: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    for name in ("127.0.0.1", "localhost"):
        own = {"Host": f"{name}:{emulator.port}", "Origin": f"http://{name}:{emulator.port}"}
        sent = await client.post("/chat/api/send", json={"user_id": USER, "text": name}, headers=own)
        assert sent.status_code == 200, sent.text
        state = await client.get("/chat/api/state", params={"user_id": USER}, headers=own)
        assert state.status_code == 200 and name in state.text
    assert (await client.get("/")).status_code == 200  # programs (tests, curl) send no Origin


async def test_user_cannot_tap_their_own_message(client: httpx.AsyncClient) -> None:
    sent = (await client.post("/chat/api/send", json={"user_id": USER, "text": "hi"})).json()
    tap = await client.post(
        "/chat/api/tap", json={"user_id": USER, "message_id": sent["message"]["message_id"], "data": "x"}
    )
    assert tap.status_code == 400 and "own message" in tap.json()["error"]


async def test_chats_are_private_per_user(client: httpx.AsyncClient) -> None:
    await bot_call(client, "sendMessage", chat_id=USER, text="for 20001")
    await bot_call(client, "sendMessage", chat_id=USER + 1, text="for 20002")
    mine = (await client.get("/chat/api/state", params={"user_id": USER})).json()
    assert [m["plain"] for m in mine["messages"]] == ["for 20001"]
    negative = await bot_call(client, "sendMessage", chat_id=-100, text="group?")
    assert negative == {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}


async def test_page_and_static_files_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for needle in ('id="messages"', 'id="text"', 'id="send"', "/static/app.js", "/static/style.css"):
        assert needle in html
    for number in ("6391601201", "6391601208", "127246500101", "6391600000", "6391601999", "SAL"):
        assert number in html
    assert "CEK.TELKOMPSTN.6391601201" in html and "BAYAR.TELKOMPSTN.6391601202" in html
    assert "530000000002" in html  # PLN, as the demo's console lists it
    assert '<link rel="icon" href="data:,">' in html  # no favicon request, no 404 in the console
    # Every bare test number sits in a list naming its product (double click sends CEK.<product>.<n>).
    for block in re.findall(r"<ul[^>]*>.*?</ul>", html, flags=re.S):
        if re.search(r'class="example">[0-9]+<', block):
            assert re.match(r'<ul data-product="[A-Z]+">', block), block[:80]
    script = await client.get("/static/app.js")
    assert script.status_code == 200 and "/chat/api/state" in script.text
    assert (await client.get("/static/style.css")).status_code == 200


def test_page_reaches_nothing_outside() -> None:
    """No CDN, no external fonts or scripts: the playground works with the network unplugged."""
    for path in WEBCHAT_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text) + re.findall(
            r"@import|url\(\s*['\"]?(?:https?:)?//", text
        )
        assert external == [], f"{path.name} loads something from the network"


def test_page_script_never_injects_html() -> None:
    """The bot's text is rendered with DOM calls only; innerHTML would let markup through."""
    script = (WEBCHAT_DIR / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


async def test_simulated_user_reads_like_the_conversation(
    emulator: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    user = SimulatedUser(emulator, USER, "Demo")
    await user.says("/start")
    keyboard = {"inline_keyboard": [[{"text": "Cek tagihan", "callback_data": "inq"}]]}
    await bot_call(client, "sendMessage", chat_id=USER, text="Menu", reply_markup=keyboard)
    menu = await user.waits_for("Menu")
    assert user.buttons() == ["Cek tagihan"]

    await user.taps("Cek tagihan")
    update = (await bot_call(client, "getUpdates", offset=0))["result"][-1]
    assert update["callback_query"]["data"] == "inq"
    await bot_call(
        client, "editMessageText", chat_id=USER, message_id=menu.message_id, text="Nomor pelanggan?"
    )
    edited = await user.waits_for("Nomor pelanggan")
    assert edited.message_id == menu.message_id and user.last_message() is menu
    # A second tap on the keyboard that was just removed is still possible (a fast double tap).
    await user.taps_data(menu.message_id, "inq")
    with pytest.raises(EmulatorError, match="no button"):
        await user.taps("Bayar")
