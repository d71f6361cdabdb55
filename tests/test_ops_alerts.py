"""Operator alerts through the real Application and the real IAK and Ayoconnect clients
(bot/ops/alerts.py): a biller refusing our credentials (IAK rc 100/102, Ayoconnect 401), a biller
answering nothing (told by the clock too), a low deposit, a flagged payment; each told once per
incident and again when it clears, each logged as one line when it starts and one when it ends.
The failed daily backup: tests/test_ops_daily_backup.py."""

from __future__ import annotations

import json
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


async def test_iak_refusing_our_ip_rc_102_is_the_credential_alarm_once_and_clears(tmp_path: Path) -> None:
    """IAK rc 102 (IP not whitelisted) over HTTP, as IAK answers it, to the real IAK client."""
    import httpx

    from bot.billers.iak import IAKClient

    answers = {"rc": "102"}

    def iak(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["commands"] != "inq-pasca":  # the price list: unreachable, the built-in list serves
            return httpx.Response(503, text="maintenance")
        message = {"102": "IP NOT ALLOWED", "14": "INCORRECT DESTINATION NUMBER"}[answers["rc"]]
        data = {"response_code": answers["rc"], "message": message, "ref_id": body["ref_id"]}
        return httpx.Response(200, json={"data": data, "meta": []})

    biller = IAKClient(
        username="0817", api_key="k3y-never-told", base_url="https://iak.test", timeout=2,
        transport=httpx.MockTransport(iak),
    )  # fmt: skip
    async with Harness(tmp_path, biller=biller) as bot:
        watch = bot.service.biller.watch
        chat = bot.chat(CUSTOMER)
        for number in ("541200000091", "541200000092"):
            await chat.says(f"CEK.PLNPOSTPAID.{number}")
        await watch.settle()
        (alert,) = _told(bot)
        assert alert.startswith("🚨 Biller iak MENOLAK kredensial/tanda tangan kita (kode 102)")
        answers["rc"] = "14"  # IAK reads our request again (a wrong number is an answer)
        await chat.says("CEK.PLNPOSTPAID.541200000093")
        await watch.settle()
        assert _told(bot)[1:] == ["✅ Biller iak menerima kredensial kita lagi."]
        assert all("k3y-never-told" not in text for text in bot.api.texts(ADMIN))
    await biller.aclose()


async def test_ayoconnect_refusing_us_with_401_is_the_credential_alarm_once_and_clears(
    tmp_path: Path,
) -> None:
    import httpx

    from bot.billers.ayoconnect import AyoconnectClient
    from bot.billers.catalog import ayoconnect_catalog
    from tests.ayoconnect_fake import BASE, PARTNER, SECRET, AyoconnectFake

    class Refusing(AyoconnectFake):
        refuse = True

        def handle(self, request: httpx.Request) -> httpx.Response:
            if self.refuse and request.url.path == "/api/v2/bill/check":
                return httpx.Response(401, json={"responseCode": 401, "message": {"EN": "Unauthorized"}})
            return super().handle(request)

    fake = Refusing()
    biller = AyoconnectClient(
        partner_id=PARTNER, api_secret=SECRET, base_url=BASE, timeout=2,
        transport=fake.transport(), products=ayoconnect_catalog(),
    )  # fmt: skip
    async with Harness(tmp_path, biller=biller) as bot:
        watch = bot.service.biller.watch
        chat = bot.chat(CUSTOMER)
        for _ in range(3):
            await chat.says("CEK.TELKOMPSTN.0215551234")
        await watch.settle()
        (alert,) = _told(bot)
        assert alert.startswith("🚨 Biller ayoconnect MENOLAK kredensial/tanda tangan kita")
        fake.refuse = False
        await chat.says("CEK.TELKOMPSTN.0215551234")
        await watch.settle()
        assert _told(bot)[1:] == ["✅ Biller ayoconnect menerima kredensial kita lagi."]
        assert bot.errors == []
    await biller.aclose()


async def test_a_silent_biller_is_told_by_the_clock_when_nobody_calls_it_again(tmp_path: Path) -> None:
    """An inquiry finds the biller silent, nobody asks it again: the alert still comes after N minutes."""
    from types import SimpleNamespace

    from bot.telegram import ops_jobs

    down = make_biller(
        make_settings(
            tmp_path, BILLER="iak", IAK_USERNAME="0817", IAK_API_KEY="k3y-never-logged",
            IAK_BASE_URL=f"http://127.0.0.1:{_closed_port()}", BILLER_TIMEOUT="2",
        )
    )  # fmt: skip
    async with Harness(tmp_path, biller=down, BILLER_SILENT_MINUTES="2") as bot:
        watch = bot.service.biller.watch
        now = [1000.0]
        watch.silence.clock = lambda: now[0]
        chat = bot.chat(CUSTOMER)
        await chat.says("CEK.PLNPOSTPAID.541200000071")
        tick = SimpleNamespace(application=bot.app)  # the job queue's every-5-seconds look
        now[0] += 119
        await ops_jobs._probe_telegram(tick)
        await watch.settle()
        assert _told(bot) == []
        now[0] += 2
        for _ in range(3):
            await ops_jobs._probe_telegram(tick)
        await watch.settle()
        (alert,) = _told(bot)
        assert alert.startswith("🚨 Biller iak tidak menjawab sejak 2 menit (inquiry failed: ConnectError)")
    await down.aclose()


async def test_a_flagged_payment_is_told_once_and_again_when_it_settles(tmp_path: Path) -> None:
    from tests.core_fakes import Clock
    from tests.tg_setup import PLN_PENDING

    clock = Clock()
    async with Harness(
        tmp_path, clock=clock, SANDBOX_PENDING_CHECKS="100000", STATUS_POLL_INTERVALS="60",
        STATUS_FOLLOW_HOURS="2",
    ) as bot:  # fmt: skip
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"BAYAR.PLNPOSTPAID.{PLN_PENDING}")
        ref = bot.service.history(CUSTOMER)[0].ref_id
        await chat.clicks(chat.last(), f"pay:{ref}")
        for _ in range(8):  # past the window: flagged, and no longer checked
            clock.advance(3600)
            await bot.service.follow_up_once()
        told = bot.api.texts(ADMIN)
        assert len(told) == 1 and told[0].startswith(f"⚠ Transaksi <code>{ref}</code>")
        op = bot.chat(ADMIN, "id", "Op")
        await op.says(f"/resolve {ref} success SN-7788")  # checked with the biller: it was paid
        cleared = [text for text in bot.api.texts(ADMIN) if text.startswith("✅ Transaksi")]
        assert len(cleared) == 1
        assert cleared[0].startswith(f"✅ Transaksi <code>{ref}</code> (PLNPOSTPAID {PLN_PENDING}, Rp ")
        assert cleared[0].endswith(") yang perlu dicek kini SUKSES.")
        await bot.service.retell()  # the owner's news told again: the operators are not
        assert len([text for text in bot.api.texts(ADMIN) if text.startswith("✅ Transaksi")]) == 1
        assert bot.errors == []
