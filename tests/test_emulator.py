"""The Bot API emulator driven by a real python-telegram-bot 22.8 Application over HTTP.

The bot here is a throwaway: a ConversationHandler (start → tap "Pay bill" → type a number),
a few commands that make the mistakes Telegram punishes, and AIORateLimiter(max_retries=3)
so a 429 is retried the way the production bot does it.
"""

from __future__ import annotations

import asyncio
import html
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.playground import BotApiEmulator, EmulatorError, EmulatorTimeout, SimulatedUser

TOKEN = "4242:TESTTOKEN"
USER = 777
ASK_NUMBER = 1


def build_bot(base_url: str, token: str = TOKEN, *, errors: list[BaseException] | None = None) -> Application:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Pay bill", callback_data="pay")]])
        name = html.escape(update.effective_user.first_name)
        await update.effective_message.reply_text(
            f"Welcome <b>{name}</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        return ConversationHandler.END

    async def pay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await update.callback_query.answer("Okay")
        await update.callback_query.edit_message_text("Send the customer number")
        return ASK_NUMBER

    async def number(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        text = html.escape(update.effective_message.text)
        await update.effective_message.reply_text(
            f"Number <code>{text}</code> noted", parse_mode=ParseMode.HTML
        )
        return ConversationHandler.END

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await update.effective_message.reply_text("Cancelled")
        return ConversationHandler.END

    async def mistake(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mistake <kind>: make one of the classic mistakes, then report what Telegram said."""
        kind = context.args[0] if context.args else ""
        chat = update.effective_chat.id
        try:
            if kind == "long":
                await context.bot.send_message(chat, "x" * 4097)
            elif kind == "same":
                sent = await context.bot.send_message(chat, "Same")
                await sent.edit_text("Same")
            elif kind == "html":
                await context.bot.send_message(chat, "Total < 5 <div>", parse_mode=ParseMode.HTML)
            elif kind == "data":
                keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Big", callback_data="d" * 65)]])
                await context.bot.send_message(chat, "Buttons", reply_markup=keyboard)
        except BadRequest as error:
            await context.bot.send_message(chat, f"Telegram said: {error.message}")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if errors is not None and context.error is not None:
            errors.append(context.error)

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CallbackQueryHandler(pay, pattern="^pay$")],
            states={ASK_NUMBER: [MessageHandler(filters.TEXT & ~filters.COMMAND, number)]},
            fallbacks=[CommandHandler("cancel", cancel)],
        )
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("mistake", mistake))
    app.add_error_handler(on_error)
    return app


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(TOKEN, bot_username="throwaway_bot", bot_first_name="Throwaway")
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def bot_errors() -> list[BaseException]:
    return []


@pytest.fixture
async def polling_bot(
    emulator: BotApiEmulator, bot_errors: list[BaseException]
) -> AsyncIterator[Application]:
    app = build_bot(emulator.base_url, errors=bot_errors)
    await app.initialize()
    try:
        await app.updater.start_polling(timeout=1, poll_interval=0)
        await app.start()
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    assert bot_errors == []


async def test_polling_round_trip(emulator: BotApiEmulator, polling_bot: Application) -> None:
    await emulator.user_sends(USER, "/start", first_name="Sri <Rahayu>")
    reply = await emulator.wait_for_text(USER, "Welcome", timeout=5)

    assert reply.plain == "Welcome Sri <Rahayu>"
    assert reply.text == "Welcome <b>Sri &lt;Rahayu&gt;</b>"
    assert reply.entities == [{"type": "bold", "offset": 8, "length": 12}]
    assert reply.button_labels() == ["Pay bill"]
    assert isinstance(reply.date, int) and abs(reply.date - time.time()) < 60
    methods = [c.method for c in emulator.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert "sendMessage" in methods
    send = emulator.calls_of("sendMessage")[0]
    assert send.params["chat_id"] == USER  # JSON-decoded, not the string "777"
    assert send.params["reply_markup"] == {
        "inline_keyboard": [[{"callback_data": "pay", "text": "Pay bill"}]]
    }
    # The user's message reached the bot as a command (bot_command entity at offset 0).
    assert emulator.messages(USER)[0].entities == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_updates_are_confirmed_by_offset(emulator: BotApiEmulator, polling_bot: Application) -> None:
    await emulator.user_sends(USER, "/start")
    await emulator.wait_for_text(USER, "Welcome")
    # ids start from the clock (they keep growing across runs, as Telegram's do); the bot
    # confirms the one it handled by asking for the next
    await emulator.wait_for_call("getUpdates", predicate=lambda c: int(c.params.get("offset") or 0) > 10**12)
    assert emulator.pending_updates == []


async def test_tap_answers_and_edits_in_place(emulator: BotApiEmulator, polling_bot: Application) -> None:
    user = SimulatedUser(emulator, USER, "Sri")
    await user.says("/start")
    menu = await user.waits_for("Welcome")
    count_before = len(user.messages())

    query_id = await user.taps("Pay bill")
    edited = await user.waits_for_edit(menu.message_id)

    assert edited is menu and edited.message_id == menu.message_id
    assert edited.plain == "Send the customer number"
    assert edited.version == 2 and edited.edits[0]["plain"] == "Welcome Sri"
    assert edited.reply_markup is None  # an edit that does not resend the keyboard removes it
    assert len(user.messages()) == count_before  # edited, not re-sent
    await emulator.wait_for_call("answerCallbackQuery")
    assert emulator.callback_queries[query_id]["answer"]["text"] == "Okay"

    await user.says("6391601201")
    reply = await user.waits_for("noted")
    assert reply.plain == "Number 6391601201 noted"
    assert emulator.calls_of("sendChatAction")[0].params == {"chat_id": USER, "action": "typing"}


async def test_callback_query_carries_message_and_chat_instance(emulator: BotApiEmulator) -> None:
    await emulator.user_sends(USER, "/start")
    async with httpx.AsyncClient(base_url=emulator.url) as client:
        url = f"/bot{TOKEN}/sendMessage"
        markup = '{"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}'
        sent = (await client.post(url, data={"chat_id": "777", "text": "Hi", "reply_markup": markup})).json()
        await emulator.user_taps(USER, sent["result"]["message_id"], "go")
        updates = (await client.post(f"/bot{TOKEN}/getUpdates", data={"offset": "0"})).json()["result"]
    query = updates[-1]["callback_query"]
    assert query["chat_instance"] and query["data"] == "go" and query["from"]["id"] == USER
    assert query["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    with pytest.raises(EmulatorError, match="never had a button"):
        await emulator.user_taps(USER, sent["result"]["message_id"], "forged")


async def test_message_too_long(emulator: BotApiEmulator, polling_bot: Application) -> None:
    await emulator.user_sends(USER, "/mistake long")
    said = await emulator.wait_for_text(USER, "Telegram said")
    assert said.plain == "Telegram said: Message is too long"
    assert emulator.calls_of("sendMessage")[0].error == "Bad Request: message is too long"
    # Exactly 4096 characters is allowed, counted in UTF-16 units like Telegram.
    await polling_bot.bot.send_message(USER, "y" * 4096)
    with pytest.raises(BadRequest, match="too long"):
        await polling_bot.bot.send_message(USER, "😀" * 2049)


async def test_message_not_modified(emulator: BotApiEmulator, polling_bot: Application) -> None:
    await emulator.user_sends(USER, "/mistake same")
    said = await emulator.wait_for_text(USER, "Telegram said")
    assert said.plain.startswith("Telegram said: Message is not modified")


async def test_bad_html_rejected(emulator: BotApiEmulator, polling_bot: Application) -> None:
    await emulator.user_sends(USER, "/mistake html")
    said = await emulator.wait_for_text(USER, "Telegram said")
    # PTB capitalizes Telegram's description: "can't parse entities: Unsupported start tag …".
    assert said.plain == 'Telegram said: Can\'t parse entities: unsupported start tag "" at byte offset 6'
    assert emulator.calls_of("sendMessage")[0].error == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 6'
    )
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await polling_bot.bot.send_message(USER, "<b>open", parse_mode=ParseMode.HTML)
    ok = await polling_bot.bot.send_message(
        USER, "&lt;b&gt; &amp; R&D <i>fine</i>", parse_mode=ParseMode.HTML
    )
    assert ok.text == "<b> & R&D fine"


async def test_callback_data_over_64_bytes_rejected(
    emulator: BotApiEmulator, polling_bot: Application
) -> None:
    await emulator.user_sends(USER, "/mistake data")
    said = await emulator.wait_for_text(USER, "Telegram said")
    assert said.plain == "Telegram said: Button_data_invalid"


async def test_wrong_token_rejected(emulator: BotApiEmulator) -> None:
    app = build_bot(emulator.base_url, token="4242:WRONG")
    try:
        with pytest.raises(InvalidToken):
            await app.initialize()
    finally:
        await app.shutdown()
    assert emulator.calls == []  # refused before anything was recorded


async def test_429_then_the_message_still_arrives(
    emulator: BotApiEmulator, polling_bot: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB's rate limiter reads retry_after; opt in to timedelta
    emulator.fail_next("sendMessage", times=1, retry_after=0.3)
    started = time.monotonic()
    await emulator.user_sends(USER, "/start")
    await emulator.wait_for_text(USER, "Welcome")
    elapsed = time.monotonic() - started

    sends = emulator.calls_of("sendMessage")
    assert [c.ok for c in sends] == [False, True]
    assert sends[0].error == "Too Many Requests: retry after 0.3"
    assert elapsed >= 0.3  # the rate limiter waited retry_after before trying again
    assert len(emulator.bot_messages(USER)) == 1


async def test_unknown_method_is_harmless(emulator: BotApiEmulator, polling_bot: Application) -> None:
    result = await polling_bot.bot.set_my_description("Loket")
    assert result is True
    assert emulator.unknown_methods == ["setMyDescription"]
    with pytest.raises(BadRequest, match="not supported"):
        await polling_bot.bot.get_chat(USER)


async def test_commands_are_kept_per_language(emulator: BotApiEmulator, polling_bot: Application) -> None:
    menu = [("start", "Main menu"), ("cancel", "Stop")]
    await polling_bot.bot.set_my_commands(menu, language_code="en")
    [(key, commands)] = emulator.commands.items()
    assert '"en"' in key
    assert [(c["command"], c["description"]) for c in commands] == menu
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await polling_bot.bot.set_my_commands([("Start", "Capital letters")])


async def test_what_the_bot_never_sends_fails_loudly(
    emulator: BotApiEmulator, polling_bot: Application
) -> None:
    """The emulator has only the methods Loket sends: one it starts to send is noticed at once."""
    sent = await polling_bot.bot.send_message(USER, "Temporary")
    with pytest.raises(BadRequest, match=r"(?i)not supported by the Loket emulator"):
        await polling_bot.bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)not supported by the Loket emulator"):
        await polling_bot.bot.send_document(USER, b"%PDF-1.4 receipt", filename="receipt.pdf")
    with pytest.raises(BadRequest, match=r"(?i)reply keyboards are not supported"):
        await polling_bot.bot.send_message(USER, "Menu", reply_markup=ReplyKeyboardMarkup([["SAL"]]))
    assert [m.plain for m in emulator.bot_messages(USER)] == ["Temporary"]


async def test_answering_a_callback_twice_is_refused(
    emulator: BotApiEmulator, polling_bot: Application
) -> None:
    sent = await polling_bot.bot.send_message(
        USER, "Tap", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    )
    query_id = await emulator.user_taps(USER, sent.message_id, "a")
    await polling_bot.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await polling_bot.bot.answer_callback_query(query_id)


async def test_long_poll_waits_and_wakes(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.url, timeout=5) as client:
        started = time.monotonic()
        empty = (await client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "1", "offset": "0"})).json()
        assert empty == {"ok": True, "result": []}
        assert 0.9 <= time.monotonic() - started < 3

        async def later() -> None:
            await asyncio.sleep(0.2)
            await emulator.user_sends(USER, "hello")

        started = time.monotonic()
        task = asyncio.create_task(later())
        woken = (await client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "5"})).json()
        await task
        assert time.monotonic() - started < 2
        assert woken["result"][0]["message"]["text"] == "hello"
        next_id = woken["result"][0]["update_id"] + 1
        confirmed = (await client.get(f"/bot{TOKEN}/getUpdates", params={"offset": str(next_id)})).json()
        assert confirmed["result"] == []


async def test_method_names_are_case_insensitive_and_401_on_wrong_token(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.url) as client:
        me = (await client.get(f"/bot{TOKEN}/GETME")).json()
        assert me["result"]["username"] == "throwaway_bot" and me["result"]["id"] == 4242
        refused = await client.get("/bot4242:nope/getMe")
        assert refused.status_code == 401 and refused.json()["description"] == "Unauthorized"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_delivers_with_secret(
    emulator: BotApiEmulator, bot_errors: list[BaseException]
) -> None:
    app = build_bot(emulator.base_url, errors=bot_errors)
    port = _free_port()
    await app.initialize()
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            secret_token="s3cr3t-Token",
            webhook_url=f"http://127.0.0.1:{port}/tg",
        )
        await app.start()
        set_call = emulator.calls_of("setWebhook")[0]
        assert set_call.params["url"] == f"http://127.0.0.1:{port}/tg"
        assert emulator.webhook_url.endswith("/tg")

        await emulator.user_sends(USER, "/start")
        await emulator.wait_for_text(USER, "Welcome")
        assert emulator.calls_of("getUpdates") == []
        assert emulator.webhook_deliveries[-1]["status"] == 200  # PTB accepted the secret header
        async with httpx.AsyncClient(base_url=emulator.url) as client:
            conflict = await client.post(f"/bot{TOKEN}/getUpdates")
            assert conflict.status_code == 409
            assert emulator.pending_updates == []  # delivered and confirmed
            calls = (await client.get("/chat/api/calls", params={"method": "setWebhook"})).json()["calls"]
            assert calls[0]["params"]["secret_token"] == "***"
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    assert bot_errors == []


async def test_wait_for_times_out_with_the_chat_shown(emulator: BotApiEmulator) -> None:
    await emulator.user_sends(USER, "anyone there?")
    with pytest.raises(EmulatorTimeout, match="anyone there"):
        await emulator.wait_for_text(USER, "never", timeout=0.2)
