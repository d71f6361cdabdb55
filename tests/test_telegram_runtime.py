"""Running concerns: per-chat order and concurrency, 429 retries, persistence across a restart,
pending payments followed and their owners told, the runner's polling and webhook start-up."""

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
from bot.payments.models import TxState
from bot.telegram.app import BotRunner, run_bot
from bot.telegram.ratelimit import LoketRateLimiter
from tests.tg_double import TOKEN, FakeBotAPI
from tests.tg_setup import CUSTOMER, OTHER, Harness, make_settings

PLN_OK = "530000000000"
PLN_PENDING = "530000001039"
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


async def test_pending_payment_settles_after_restart_and_edits_the_bill(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    biller = make_biller(settings)  # the same sandbox: it remembers the payment
    async with Harness(tmp_path, biller=biller) as first:
        first.fund(CUSTOMER, 1_000_000)
        chat = first.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = first.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        assert first.service.get(ref, CUSTOMER).state is TxState.PENDING
        assert first.errors == []
    async with Harness(tmp_path, biller=biller) as second:
        second.api.messages[(CUSTOMER, bill["message_id"])] = bill  # the chat still shows the bill
        for _ in range(5):
            await second.service.recover()
            if second.service.get(ref, CUSTOMER).is_final:
                break
        assert second.service.get(ref, CUSTOMER).state is TxState.SUCCESS
        edits = second.api.sent("editMessageText", CUSTOMER)
        assert int(edits[-1].params["message_id"]) == bill["message_id"]
        assert "STRUK" in edits[-1].params["text"] and ref in edits[-1].params["text"]
        assert biller.simulator.payments() == {ref: 1}
        assert second.errors == []
    await biller.aclose()


async def test_settled_payment_sends_a_new_message_when_the_edit_fails(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        bot.api.gone.add(bill["message_id"])  # too old / deleted
        sent_before = len(bot.api.sent("sendMessage", CUSTOMER))
        for _ in range(5):
            await bot.service.refresh(ref, CUSTOMER)
            if bot.service.get(ref, CUSTOMER).is_final:
                break
        new = bot.api.sent("sendMessage", CUSTOMER)[sent_before:]
        assert len(new) == 1 and "STRUK" in new[0].params["text"] and ref in new[0].params["text"]
        assert bot.errors == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class RejectingAPI(FakeBotAPI):
    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kw: Any):
        return 401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'


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


async def test_settled_payment_also_tells_a_chat_that_moved_on(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        bill = chat.last()
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(bill, f"pay:{ref}")
        await chat.says("/saldo")  # the chat moved on: the bill is no longer the newest message
        sent_before = len(bot.api.sent("sendMessage", CUSTOMER))
        for _ in range(5):
            await bot.service.refresh(ref, CUSTOMER)
            if bot.service.get(ref, CUSTOMER).is_final:
                break
        assert "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"]  # edited in place
        new = bot.api.sent("sendMessage", CUSTOMER)[sent_before:]
        assert len(new) == 1 and ref in new[0].params["text"]  # and told below
        assert bot.errors == []


async def test_an_unexpected_error_is_answered_and_logged(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:

        def broken(user_id: int) -> int:
            raise RuntimeError("ledger unavailable")

        bot.service.balance = broken  # type: ignore[method-assign]
        chat = bot.chat()
        await chat.says("/saldo")
        assert chat.last()["text"] == "Maaf, terjadi kesalahan. Coba lagi sebentar lagi."
        assert [type(e) for e in bot.errors] == [RuntimeError]


async def test_payment_pending_past_the_follow_up_window_is_flagged_to_the_operators(tmp_path: Path) -> None:
    from tests.core_fakes import Clock
    from tests.tg_setup import ADMIN

    clock = Clock()
    async with Harness(
        tmp_path, clock=clock, SANDBOX_PENDING_CHECKS="100000", STATUS_POLL_INTERVALS="60",
        STATUS_FOLLOW_HOURS="2",
    ) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(chat.last(), f"pay:{ref}")
        for _ in range(6):  # 60 s, then hourly: the third hour is past the window
            clock.advance(3600)
            await bot.service.follow_up_once()
        tx = bot.service.get(ref, CUSTOMER)
        assert tx.state is TxState.PENDING and tx.flagged
        told = [c.params["text"] for c in bot.api.sent("sendMessage", ADMIN)]
        assert len(told) == 1 and ref in told[0] and "lebih dari 2 jam" in told[0]
        assert f"<code>/resolve {ref}</code> success" in told[0]  # how to close it
        assert bot.errors == []
