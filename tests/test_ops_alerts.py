"""Operator alerts through the real Application and the real IAK client (bot/ops/alerts.py): a
biller refusing our credentials, a biller answering nothing, a low deposit; each told once per
incident and again when it clears, each logged as one line when it starts and one when it ends."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from bot.billers import make_biller
from bot.payments.models import TxState
from tests.tg_setup import ADMIN, CUSTOMER, Harness, make_settings

PLN_BAD_SIGNATURE = "530000000100"  # sandbox: the inquiry is answered rc 100 (invalid signature)


ALERTS = ("🚨 Biller", "✅ Biller", "⚠ Deposit", "✅ Deposit")


def _told(bot: Harness) -> list[str]:
    """The watch's alerts to the operator (other news, e.g. the product list loaded, left out)."""
    sent = [c.params["text"] for c in bot.api.sent("sendMessage", ADMIN)]
    return [text for text in sent if text.startswith(ALERTS)]


async def test_the_credential_alarm_fires_once_and_clears(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="loket.watch")
    watch = bot.service.biller.watch
    chat = bot.chat(CUSTOMER)
    for _ in range(3):  # every customer is refused; the operators hear it once
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_BAD_SIGNATURE}")
    await watch.settle()
    told = _told(bot)
    assert len(told) == 1
    assert told[0].startswith("🚨 Biller iak MENOLAK kredensial/tanda tangan kita (kode 100)")
    await chat.says("CEK.PLNPOSTPAID.541200000061")  # a bill: the credentials work again
    await chat.says("CEK.PLNPOSTPAID.541200000062")
    await watch.settle()
    told = _told(bot)
    assert len(told) == 2 and told[1] == "✅ Biller iak menerima kredensial kita lagi."
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_BAD_SIGNATURE}")  # a new incident: told again
    await watch.settle()
    assert len(_told(bot)) == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "loket.watch"]
    assert [line.split(":")[1] for line in lines] == [" started", " over after 0 s (was", " started"]
    assert all(line.startswith("biller iak refuses our credentials") for line in lines)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed when this returns: connections are refused


async def test_a_silent_biller_is_told_after_n_minutes_once_and_when_it_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="loket.watch")
    down = make_biller(
        make_settings(
            tmp_path, BILLER="iak", IAK_USERNAME="0817", IAK_API_KEY="k3y-never-logged",
            IAK_BASE_URL=f"http://127.0.0.1:{_closed_port()}", BILLER_TIMEOUT="2",
        )
    )  # fmt: skip
    async with Harness(tmp_path, biller=down, BILLER_SILENT_MINUTES="2") as bot:
        watch = bot.service.biller.watch
        now = [1000.0]
        for incident in (watch.silence, watch.credentials, watch.deposit_low):
            incident.clock = lambda: now[0]
        watch._clock = lambda: now[0]
        chat = bot.chat(CUSTOMER)
        await chat.says("CEK.PLNPOSTPAID.541200000071")
        now[0] += 119
        await chat.says("CEK.PLNPOSTPAID.541200000072")
        await watch.settle()
        assert _told(bot) == []  # not yet two minutes
        now[0] += 2
        for number in ("541200000073", "541200000074"):
            await chat.says(f"CEK.PLNPOSTPAID.{number}")
        await watch.settle()
        (alert,) = _told(bot)
        assert alert.startswith("🚨 Biller iak tidak menjawab sejak 2 menit (inquiry failed: ConnectError)")
        bot.service.biller.inner = make_biller(make_settings(tmp_path))  # the biller is back
        await chat.says("CEK.PLNPOSTPAID.541200000075")
        await watch.settle()
        assert _told(bot)[1:] == ["✅ Biller iak menjawab lagi."]
        await down.aclose()
        await bot.service.biller.inner.aclose()
    lines = [r.getMessage() for r in caplog.records if r.name == "loket.watch"]
    assert lines == [
        "biller iak not answering: started: inquiry failed: ConnectError",
        "biller iak not answering: over after 121 s (was: inquiry failed: ConnectError)",
    ]
    assert "k3y-never-logged" not in caplog.text


async def test_a_low_deposit_is_told_once_and_when_it_is_back(tmp_path: Path) -> None:
    async with Harness(tmp_path, DEPOSIT_ALERT_BELOW="999999999999") as bot:
        watch = bot.service.biller.watch
        bot.fund(CUSTOMER, 1_000_000)
        for number in ("541200000081", "541200000082"):
            tx = await bot.service.inquire(CUSTOMER, "PLNPOSTPAID", number)
            assert (await bot.service.pay(tx.ref_id, CUSTOMER)).state is TxState.SUCCESS
        await watch.settle()
        (alert,) = _told(bot)
        rows = bot.db.execute("SELECT amount FROM deposit_reports ORDER BY report_id").fetchall()
        assert len(rows) == 2  # two low reports, one alert: the first
        assert alert.startswith(f"⚠ Deposit di biller tinggal Rp {rows[0][0]:,}".replace(",", "."))
        watch.deposit_below = 1  # the operator topped the deposit up (or lowered the bar)
        tx = await bot.service.inquire(CUSTOMER, "PLNPOSTPAID", "541200000083")
        await bot.service.pay(tx.ref_id, CUSTOMER)
        await watch.settle()
        assert _told(bot)[1].startswith("✅ Deposit di biller kembali Rp ")
        assert bot.errors == []
