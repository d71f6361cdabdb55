"""The web chat page in headless Chromium, talking to a real PTB bot through the emulator.

Selenium's calls block, so they run in a worker thread while the emulator and the bot share
the test's event loop. Skipped where Chromium, chromedriver or selenium are not installed
(`pip install -e .[dev]` and Debian's `chromium chromium-driver`).
"""

from __future__ import annotations

import asyncio
import html
import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.playground import BotApiEmulator

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="needs chromium and chromedriver"),
]

TOKEN = "6161:BROWSER"


def build_bot(base_url: str) -> Application:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        await asyncio.sleep(1.0)  # long enough for the page to show "mengetik…" (typing)
        name = html.escape(update.effective_user.first_name)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Bayar", callback_data="pay"),
                    InlineKeyboardButton("Batal", callback_data="no"),
                ]
            ]
        )
        await update.effective_message.reply_text(
            f"Halo <b>{name}</b>, tagihan &lt;script&gt;alert(1)&lt;/script&gt; <i>Rp 150.000</i>",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
        )

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Diproses")
        await query.edit_message_text(
            f"Dipilih: <code>{html.escape(query.data)}</code>", parse_mode=ParseMode.HTML
        )

    app = ApplicationBuilder().token(TOKEN).base_url(base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))
    return app


@pytest.fixture
async def running() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(TOKEN, bot_first_name="Loket Test")
    await emulator.start()
    app = build_bot(emulator.base_url)
    try:
        await app.initialize()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        await app.start()
        yield emulator
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await emulator.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
    ):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = await asyncio.to_thread(webdriver.Chrome, options=options, service=service)
    try:
        yield driver
    finally:
        await asyncio.to_thread(driver.quit)


async def until(driver: Any, condition: Callable[[Any], Any], timeout: float = 10) -> Any:
    """Wait in a thread; an element replaced mid-check (an edit re-renders its bubble) is retried."""
    wait = WebDriverWait(
        driver, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
    )
    return await asyncio.to_thread(wait.until, condition)


async def test_chat_in_the_browser(running: BotApiEmulator, browser: Any) -> None:
    await asyncio.to_thread(browser.get, f"{running.url}/?user=30001&name=Sri")
    await until(browser, lambda d: "online" in d.find_element(By.ID, "status").text)
    assert browser.find_element(By.ID, "bot-name").text == "Loket Test"
    assert "/start" in browser.find_element(By.ID, "empty").text  # an empty chat says how to begin
    assert not browser.find_element(By.ID, "notice").is_displayed()

    def type_and_send(driver: Any) -> None:
        driver.find_element(By.ID, "text").send_keys("/start")
        driver.find_element(By.ID, "send").click()

    await asyncio.to_thread(type_and_send, browser)
    user_bubble = await until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.user"))
    assert user_bubble[0].text.startswith("/start")
    assert not browser.find_element(By.ID, "empty").is_displayed()
    await until(browser, lambda d: d.find_element(By.ID, "status").text == "mengetik…")

    bot_bubble = (await until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.bot")))[0]
    bubble_id = bot_bubble.get_attribute("id")
    # The bot's HTML is rendered: bold and italic elements, and the escaped tag shown as text.
    assert bot_bubble.find_element(By.CSS_SELECTOR, "b").text == "Sri"
    assert bot_bubble.find_element(By.CSS_SELECTOR, "i").text == "Rp 150.000"
    assert "<script>alert(1)</script>" in bot_bubble.text
    assert browser.find_elements(By.CSS_SELECTOR, "#messages script") == []
    assert await until(browser, lambda d: d.find_element(By.ID, "status").text != "mengetik…")
    labels = [b.text for b in bot_bubble.find_elements(By.CSS_SELECTOR, "button.kb")]
    assert labels == ["Bayar", "Batal"]

    await asyncio.to_thread(bot_bubble.find_element(By.CSS_SELECTOR, "button.kb").click)
    edited = await until(
        browser, lambda d: d.find_element(By.ID, bubble_id).get_attribute("data-version") == "2" and d
    )
    bubble = edited.find_element(By.ID, bubble_id)
    assert bubble.find_element(By.CSS_SELECTOR, "code").text == "pay"
    assert "edited" in bubble.find_element(By.CSS_SELECTOR, ".meta").text
    assert bubble.find_elements(By.CSS_SELECTOR, "button.kb") == []  # the edit removed the keyboard
    assert len(browser.find_elements(By.CSS_SELECTOR, ".msg.bot")) == 1  # edited in place
    notice = await until(browser, lambda d: d.find_element(By.ID, "notice").text)
    assert notice == "Diproses"
    assert running.callback_queries and all(q["answered"] for q in running.callback_queries.values())
    console = await asyncio.to_thread(browser.get_log, "browser")
    assert [e for e in console if e["level"] in ("SEVERE", "WARNING")] == []  # e.g. no favicon 404


async def test_side_panel_fills_the_text_box(running: BotApiEmulator, browser: Any) -> None:
    await asyncio.to_thread(browser.get, f"{running.url}/?user=30002")
    examples = await until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#side .example"))
    example = next(e for e in examples if e.text == "6391601202")
    await asyncio.to_thread(example.click)
    assert browser.find_element(By.ID, "text").get_attribute("value") == "6391601202"

    # A double click sends at once; a bare number goes as a reseller check of its product,
    # which the bot understands anywhere (a bare number outside the guided flow it does not).
    await asyncio.to_thread(ActionChains(browser).double_click(example).perform)
    sent = await running.wait_for(30002, lambda m: not m.from_bot)
    assert sent.text == "CEK.TELKOMPSTN.6391601202"
    command = next(e for e in examples if e.text == "/start")
    await asyncio.to_thread(ActionChains(browser).double_click(command).perform)
    await running.wait_for_text(30002, "Halo")  # a command is sent as it is, and answered


async def test_a_page_on_another_site_cannot_chat_for_the_user(running: BotApiEmulator, browser: Any) -> None:
    """The attack itself: a page elsewhere posts an operator command to the emulator as text/plain
    (no preflight) and as JSON; the emulator refuses both, and the real page still works."""
    from aiohttp import web

    target = f"{running.url}/chat/api/send"
    attack = f"""<!doctype html><script>
      const body = JSON.stringify({{user_id: 20001, text: "/topup 20001 5000"}});
      window.results = [];
      fetch({target!r}, {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}}, body}})
        .then(() => window.results.push("plain sent"), () => window.results.push("plain failed"));
      fetch({target!r}, {{method: "POST", headers: {{"Content-Type": "application/json"}}, body}})
        .then(r => window.results.push("json " + r.status), () => window.results.push("json failed"));
    </script>"""
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=attack, content_type="text/html")

    site = web.Application()
    site.router.add_get("/", page)
    runner = web.AppRunner(site)
    await runner.setup()
    evil = web.TCPSite(runner, "127.0.0.1", 0)
    await evil.start()
    try:
        port = evil._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        await asyncio.to_thread(browser.get, f"http://127.0.0.1:{port}/")
        await until(browser, lambda d: len(d.execute_script("return window.results") or []) == 2)
        await asyncio.sleep(0.5)
        assert running.messages(20001) == [] and running.pending_updates == []
    finally:
        await runner.cleanup()
    await asyncio.to_thread(browser.get, f"{running.url}/?user=20001&name=Sri")  # the page itself works
    await until(browser, lambda d: "online" in d.find_element(By.ID, "status").text)
    await asyncio.to_thread(browser.find_element(By.ID, "text").send_keys, "/start")
    await asyncio.to_thread(lambda: browser.find_element(By.ID, "send").click())
    await until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.bot"))
