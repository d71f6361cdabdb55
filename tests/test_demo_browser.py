"""`python -m bot demo` as a person meets it: the web chat in headless Chromium, a bill paid
through the buttons, the receipt read off the screen.

Chromium and chromedriver are Debian's (`.ci/run` installs them when missing). A developer
machine without them skips this test; under CI (CI=true) their absence is a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.playground.demo import DEMO_USER_ID, start_demo
from bot.telegram.render import rupiah

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
IN_CI = os.environ.get("CI") == "true"

if not IN_CI:
    pytest.importorskip("selenium.webdriver")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not IN_CI and not (CHROMIUM and CHROMEDRIVER), reason="needs Debian's chromium and chromium-driver"
    ),
]


@pytest.fixture
async def demo(tmp_path, monkeypatch) -> AsyncIterator[Any]:
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, DEMO_WALLET=1_000_000)
    emulator, runner = await start_demo(settings, port=0, database=tmp_path / "demo.sqlite3")
    try:
        yield emulator, runner
    finally:
        await runner.stop()
        await emulator.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    assert CHROMIUM and CHROMEDRIVER, "chromium and chromedriver must be installed (see .ci/run)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
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


async def until(driver: Any, condition: Callable[[Any], Any], timeout: float = 15) -> Any:
    wait = WebDriverWait(
        driver, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
    )
    return await asyncio.to_thread(wait.until, condition)


def button(label_part: str) -> Callable[[Any], Any]:
    """The newest inline button whose label contains `label_part`."""

    def find(driver: Any) -> Any:
        matches = [b for b in driver.find_elements(By.CSS_SELECTOR, "button.kb") if label_part in b.text]
        return matches[-1] if matches else False

    return find


def bubble_with(text: str) -> Callable[[Any], Any]:
    def find(driver: Any) -> Any:
        matches = [m for m in driver.find_elements(By.CSS_SELECTOR, ".msg.bot") if text in m.text]
        return matches[-1] if matches else False

    return find


async def click(driver: Any, label_part: str) -> None:
    element = await until(driver, button(label_part))
    await asyncio.to_thread(element.click)


async def send(driver: Any, text: str) -> None:
    def type_and_send(d: Any) -> None:
        box = d.find_element(By.ID, "text")
        box.clear()
        box.send_keys(text)
        d.find_element(By.ID, "send").click()

    await asyncio.to_thread(type_and_send, driver)


async def test_pay_a_bill_in_the_browser(demo, browser) -> None:
    emulator, runner = demo
    await asyncio.to_thread(browser.get, f"{emulator.url}/?user={DEMO_USER_ID}&name=Demo")
    await until(browser, lambda d: "online" in d.find_element(By.ID, "status").text)

    await send(browser, "/start")
    await until(browser, bubble_with("Selamat datang"))
    await click(browser, "Bayar tagihan")
    await click(browser, "Telkom / IndiHome")  # the category
    await until(browser, bubble_with("Pilih produk"))
    await click(browser, runner.service.biller.product("TELKOMPSTN").name)
    await until(browser, bubble_with("nomor pelanggan"))
    await send(browser, "6391601202")

    bill = await until(browser, bubble_with("Total"))
    bill_id = bill.get_attribute("id")
    ref = re.search(r"LK[0-9A-Z]{10,18}", bill.text).group(0)
    tx = runner.service.get(ref, DEMO_USER_ID)
    assert f"Total: {rupiah(tx.amount)}" in bill.text
    assert len(tx.bill.lines) == 3

    await click(browser, f"Bayar {rupiah(tx.amount)}")
    def receipt_shown(driver: Any) -> Any:
        element = driver.find_element(By.ID, bill_id)
        return element if "STRUK PEMBAYARAN" in element.text else False

    receipt = await until(browser, receipt_shown)
    text = receipt.text
    assert ref in text and "6391601202" in text and rupiah(tx.amount) in text
    assert receipt.find_elements(By.CSS_SELECTOR, "button.kb") == []  # no pay button left to tap again
    assert runner.service.balance(DEMO_USER_ID) == 1_000_000 - tx.amount


async def test_the_demo_shows_a_qr_and_pays_it_with_the_sandbox(demo, browser) -> None:
    """Issue 10: the QR appears in the web chat and the page's sandbox button pays it."""
    emulator, runner = demo
    await asyncio.to_thread(browser.get, f"{emulator.url}/?user={DEMO_USER_ID}&name=Demo")
    await until(browser, lambda d: "online" in d.find_element(By.ID, "status").text)
    before = runner.service.balance(DEMO_USER_ID)

    await send(browser, "/isi 50000")
    await until(browser, bubble_with("Pilih cara bayar"))
    await click(browser, "QRIS")

    def qr_shown(driver: Any) -> Any:
        bubbles = [
            m
            for m in driver.find_elements(By.CSS_SELECTOR, ".msg.bot")
            if m.find_elements(By.TAG_NAME, "img")
        ]
        if not bubbles:
            return False
        image = bubbles[-1].find_element(By.TAG_NAME, "img")
        loaded = driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)
        return bubbles[-1] if loaded else False

    qr = await until(browser, qr_shown)
    assert "Isi saldo dengan QRIS" in qr.text and "WIB" in qr.text
    qr_id = qr.get_attribute("id")
    pay = qr.find_element(By.CSS_SELECTOR, "button.sandbox-pay")
    assert "sandbox" in pay.text
    await asyncio.to_thread(pay.click)

    def paid(driver: Any) -> Any:
        element = driver.find_element(By.ID, qr_id)
        return element if "Saldo diisi" in element.text else False

    paid_qr = await until(browser, paid)
    assert paid_qr.find_elements(By.CSS_SELECTOR, "button.kb") == []  # no Cek / Batal left
    await until(browser, bubble_with("Saldo sekarang"))
    assert runner.service.balance(DEMO_USER_ID) == before + 50_000
