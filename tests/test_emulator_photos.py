"""Photos in the Bot API emulator (the QRIS code is sent as one): sendPhoto with an upload,
editMessageCaption, Telegram's refusals, and the web chat's image and sandbox "pay this QR"."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest
import segno
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, ApplicationBuilder

from bot.playground import BotApiEmulator, EmulatorError

TOKEN = "4343:PHOTOTOKEN"
USER = 778


def png(text: str = "00020101021226") -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(TOKEN)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Application]:
    app = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url).build()
    await app.initialize()
    try:
        yield app
    finally:
        await app.shutdown()


async def test_a_photo_with_an_html_caption_and_buttons_then_its_caption_edited(emulator, bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Cek", callback_data="qcheck:LQ1")]])
    image = png()
    sent = await bot.bot.send_photo(
        USER, image, caption="<b>Bayar Rp 10.000</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert sent.photo and sent.photo[-1].width > 0 and sent.caption == "Bayar Rp 10.000" and sent.text is None
    stored = emulator.message(USER, sent.message_id)
    assert emulator.files[stored.photo["file_id"]] == image
    assert stored.button_labels() == ["Cek"]
    page = stored.to_page()
    assert page["photo"].startswith(f"/chat/api/photo?chat_id={USER}&message_id={sent.message_id}")

    edited = await bot.bot.edit_message_caption(
        chat_id=USER, message_id=sent.message_id, caption="✅ <b>Lunas</b>", parse_mode=ParseMode.HTML
    )
    assert edited.caption == "✅ Lunas" and edited.photo
    assert stored.version == 2 and stored.reply_markup is None  # the keyboard goes unless sent again
    with pytest.raises(BadRequest, match="not modified"):
        await bot.bot.edit_message_caption(
            chat_id=USER, message_id=sent.message_id, caption="✅ <b>Lunas</b>", parse_mode=ParseMode.HTML
        )
    again = await bot.bot.send_photo(USER, sent.photo[-1].file_id)  # by file_id, no caption
    assert again.photo and again.caption is None


async def test_what_telegram_refuses_about_photos(emulator, bot) -> None:
    text = await bot.bot.send_message(USER, "A text")
    photo = await bot.bot.send_photo(USER, png())
    with pytest.raises(BadRequest, match="no text in the message"):
        await bot.bot.edit_message_text("x", chat_id=USER, message_id=photo.message_id)
    with pytest.raises(BadRequest, match="no caption in the message"):
        await bot.bot.edit_message_caption(chat_id=USER, message_id=text.message_id, caption="x")
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.bot.send_photo(USER, png(), caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.bot.send_photo(USER, b"not an image at all")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.bot.send_photo(USER, "https://api.midtrans.com/v2/qris/x/qr-code")


async def test_the_web_chat_shows_the_photo_and_pays_a_qr_only_with_the_sandbox(emulator, bot) -> None:
    image = png()
    sent = await bot.bot.send_photo(USER, image, caption="Ref LQ123")
    page = emulator.message(USER, sent.message_id).to_page()
    async with httpx.AsyncClient(base_url=emulator.url, trust_env=False) as client:
        got = await client.get(page["photo"])
        assert got.status_code == 200 and got.content == image and got.headers["content-type"] == "image/png"
        state = (await client.get(f"/chat/api/state?user_id={USER}")).json()
        assert state["sandbox_pay"] is False
        refused = await client.post(
            "/chat/api/sandbox_pay", json={"user_id": USER, "message_id": sent.message_id}
        )
        assert refused.status_code == 400 and "no gateway sandbox" in refused.json()["error"]

        paid = []

        async def pay(msg):
            paid.append(msg.plain)
            return "paid"

        emulator.sandbox_pay = pay
        assert (await client.get(f"/chat/api/state?user_id={USER}")).json()["sandbox_pay"] is True
        answer = await client.post(
            "/chat/api/sandbox_pay", json={"user_id": USER, "message_id": sent.message_id}
        )
        assert answer.json() == {"ok": True, "result": "paid"} and paid == ["Ref LQ123"]
        text = await bot.bot.send_message(USER, "no photo here")
        nothing = await client.post(
            "/chat/api/sandbox_pay", json={"user_id": USER, "message_id": text.message_id}
        )
        assert nothing.status_code == 400 and paid == ["Ref LQ123"]
    with pytest.raises(EmulatorError):
        emulator.message(USER, 999)
