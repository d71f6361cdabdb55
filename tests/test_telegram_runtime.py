"""Running the bot: chats in order and side by side, Telegram's flood limits, a restart in the
middle of a conversation, BotRunner with polling and webhooks, start-up failures."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import InvalidToken

from bot.billers import make_biller
from bot.telegram.app import BotRunner, run_bot
from bot.telegram.ratelimit import LoketRateLimiter
from tests.tg_double import TOKEN, Call, FakeBotAPI
from tests.tg_setup import CUSTOMER, OTHER, PLN_OK, Harness, make_settings

LATENCY = 3.0


class SlowBiller:
    """The sandbox biller with a real, slow inquiry (as a busy biller would be)."""

    def __init__(self, inner: Any, delay: float) -> None:
        self._inner = inner
        self.delay = delay
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def inquire(self, product: Any, number: str, ref_id: str, months: int = 1) -> Any:
        await asyncio.sleep(self.delay)
        return await self._inner.inquire(product, number, ref_id)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RejectingAPI(FakeBotAPI):
    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kw: Any):
        return 401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'


async def test_other_chats_never_wait_and_one_chat_stays_in_order(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    slow = SlowBiller(make_biller(settings), LATENCY)
    async with Harness(tmp_path, biller=slow) as bot:
        a, b = bot.chat(CUSTOMER), bot.chat(OTHER)
        started = time.monotonic()
        a_task = asyncio.create_task(a.says(f"CEK.PLNPOSTPAID.{PLN_OK}"))
        a_next = asyncio.create_task(a.says("/start"))  # same chat: must wait for the bill
        await asyncio.sleep(0.05)
        await b.says("/start")
        b_answered = bot.api.sent("sendMessage", OTHER)[0].at - started
        assert b_answered < 0.5
        assert bot.api.sent("sendMessage", CUSTOMER) == []  # A's inquiry is still running
        await asyncio.sleep(1.2)  # "typing…" once an inquiry takes longer than about a second
        assert bot.api.sent("sendChatAction", CUSTOMER)[0].params["action"] == "typing"  # ...and shown
        await asyncio.gather(a_task, a_next)
        a_sent = bot.api.sent("sendMessage", CUSTOMER)
        assert a_sent[0].at - started >= LATENCY
        assert "Ref=" in a_sent[0].params["text"] and "Selamat datang" in a_sent[1].params["text"]
        assert bot.errors == []
        await slow._inner.aclose()


async def test_429_is_retried_and_the_message_arrives(tmp_path: Path) -> None:
    async with Harness(tmp_path, rate_limiter=LoketRateLimiter()) as bot:
        bot.api.fail_429 = 1
        chat = bot.chat()
        await chat.says("/start")
        attempts = bot.api.sent("sendMessage", CUSTOMER)
        assert len(attempts) == 2
        assert attempts[1].at - attempts[0].at >= 1.0  # waited retry_after
        assert "Selamat datang" in chat.last()["text"]
        assert bot.errors == []


async def test_per_chat_limiter_spaces_a_burst() -> None:
    limiter = LoketRateLimiter(chat_burst=2, chat_period=1.0)
    await limiter.initialize()
    times: list[float] = []

    async def send(*args: Any, **kwargs: Any) -> bool:
        times.append(time.monotonic())
        return True

    for _ in range(4):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 5}, None)
    await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 6}, None)
    await limiter.shutdown()
    assert times[3] - times[0] >= 0.9  # the 3rd and 4th waited for the chat's bucket
    assert times[4] - times[3] < 0.3  # another chat did not


async def test_a_restart_continues_the_conversation(tmp_path: Path) -> None:
    async with Harness(tmp_path) as first:
        chat = first.chat()
        await chat.says("/bayar")
        await chat.clicks(chat.last(), "cat:pln")
        await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
        # written at once, not at the 60-second flush
        rows = list(first.db.query("SELECT name, key, state FROM ptb_conversations"))
        assert rows == [{"name": "pay", "key": json.dumps([CUSTOMER, CUSTOMER]), "state": "2"}]
        assert first.errors == []
    async with Harness(tmp_path) as second:
        chat = second.chat()
        await chat.says(PLN_OK)  # the number step survived the restart
        tx = second.service.history(CUSTOMER)[0]
        assert chat.buttons(chat.last()) == [f"pay:{tx.ref_id}", f"cancel:{tx.ref_id}"]
        assert list(second.db.query("SELECT * FROM ptb_conversations")) == []
        assert second.errors == []


async def test_runner_polls_sets_commands_and_stops(tmp_path: Path) -> None:
    api = FakeBotAPI()
    runner = BotRunner(make_settings(tmp_path), request=api)
    await runner.start()
    try:
        await asyncio.sleep(0.2)
        assert runner.application is not None and runner.application.running
        langs = {c.params.get("language_code") for c in api.sent("setMyCommands")}
        assert langs == {None, "en"}
        assert api.sent("getUpdates")
    finally:
        await runner.stop()
    assert not runner.application.running


class SlowMenuAPI(FakeBotAPI):
    """Telegram slow on setMyCommands (3 s each), or refusing it with 502 Bad Gateway."""

    def __init__(self, *, refuse: bool = False) -> None:
        super().__init__()
        self.refuse = refuse

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/setMyCommands"):
            self.calls.append(Call("setMyCommands", {}))
            if self.refuse:
                return self._error(502, "Bad Gateway")
            await asyncio.sleep(3.0)
        return await super().do_request(url, method, *args, **kwargs)


async def test_the_first_getupdates_does_not_wait_for_the_command_menu(tmp_path: Path) -> None:
    api = SlowMenuAPI()
    runner = BotRunner(make_settings(tmp_path), request=api)
    t0 = time.monotonic()
    await asyncio.wait_for(runner.start(), 10)
    try:
        while not api.sent("getUpdates"):
            await asyncio.sleep(0.01)
        assert time.monotonic() - t0 < 2.0  # two setMyCommands would have taken 6 s first
        assert api.sent("setMyCommands")  # on its way beside the chat
    finally:
        await asyncio.wait_for(runner.stop(), 10)  # the menu still being set does not hold the stop


async def test_a_refused_command_menu_does_not_stop_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api = SlowMenuAPI(refuse=True)
    runner = BotRunner(make_settings(tmp_path), request=api)
    await runner.start()
    try:
        await asyncio.sleep(0.3)
        assert runner.application is not None and runner.application.running
        assert api.sent("getUpdates")
        assert "the command menu could not be set (setMyCommands)" in caplog.text
        assert TOKEN not in caplog.text
    finally:
        await runner.stop()


async def test_runner_webhook_checks_the_secret_token(tmp_path: Path) -> None:
    api = FakeBotAPI()
    port = _free_port()
    settings = make_settings(
        tmp_path,
        WEBHOOK_URL="https://loket.example/telegram",
        WEBHOOK_SECRET="hook-secret-123",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    runner = BotRunner(settings, request=api)
    await runner.start()
    try:
        hook = api.sent("setWebhook")[0].params
        assert hook["url"] == "https://loket.example/telegram" and hook["secret_token"] == "hook-secret-123"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": CUSTOMER, "type": "private"},
                "from": {"id": CUSTOMER, "is_bot": False, "first_name": "Budi"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient(trust_env=False) as client:
            refused = await client.post(url, json=update)
            assert refused.status_code == 403
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            assert wrong.status_code == 403
            ok = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret-123"}
            )
            assert ok.status_code == 200
        for _ in range(50):
            if api.sent("sendMessage", CUSTOMER):
                break
            await asyncio.sleep(0.05)
        assert "Selamat datang" in api.sent("sendMessage", CUSTOMER)[0].params["text"]
    finally:
        await runner.stop()


async def test_rejected_token_never_appears_in_the_error(tmp_path: Path) -> None:
    runner = BotRunner(make_settings(tmp_path), request=RejectingAPI())
    with pytest.raises(InvalidToken) as caught:
        await runner.start()
    await runner.stop()
    assert TOKEN not in str(caught.value) and "TEST-token" not in str(caught.value)
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value)


def test_run_bot_without_token_suggests_the_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path, TELEGRAM_BOT_TOKEN="")
    assert run_bot(settings) == 2
    out = capsys.readouterr()
    assert "python -m bot demo" in out.err and ".env" in out.err and out.out == ""
    assert out.err.count("\n") == 1


def test_run_bot_with_telegram_unreachable_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = make_settings(tmp_path, TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot")
    assert run_bot(settings) == 1
    out = capsys.readouterr()
    said = out.out + out.err
    assert said.startswith(f"Cannot reach the Telegram Bot API at 127.0.0.1:{port} (TELEGRAM_BASE_URL)")
    assert said.count("\n") == 1 and "Traceback" not in said
    assert TOKEN not in said and TOKEN.split(":")[1] not in said
