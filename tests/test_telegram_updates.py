"""Updates no flow asked for (bot/telegram/flows/fallback.py, errors.py, processor.py): edits,
re-deliveries, group chatter, photos, and a handler that fails."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.billers.base import Bill, Product
from bot.payments.models import EntryKind, TxState
from tests.core_fakes import PRODUCT, FakeBiller
from tests.tg_double import Chat
from tests.tg_setup import ADMIN, CUSTOMER, PLN_OK, Harness

GROUP = -100123


def in_group(chat: Chat, text: str) -> Any:
    msg: dict[str, Any] = {
        "message_id": 19,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "warung"},
        "from": chat.user,
        "text": text,
    }
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return chat._update(message=msg)


class BoomBiller(FakeBiller):
    async def inquire(self, product: Product, customer_number: str, ref_id: str, months: int = 1) -> Bill:
        raise RuntimeError("boom")


async def test_an_edited_topup_does_not_top_up_again(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    await admin.says(f"/topup {CUSTOMER} 50000 kas")
    assert bot.service.balance(CUSTOMER) == 50_000
    await admin.deliver(admin.message_update(f"/topup {CUSTOMER} 500000 kas", edits=1))
    assert bot.service.balance(CUSTOMER) == 50_000
    topups = [e for e in bot.service.statement(CUSTOMER, 50) if e.kind is EntryKind.TOPUP]
    assert len(topups) == 1
    assert "diedit tidak diproses" in admin.last()["text"]


async def test_an_edited_number_mid_flow_is_not_inquired(bot: Harness) -> None:
    chat = bot.chat()
    await chat.says("/bayar")
    await chat.clicks(chat.last(), "cat:pln")
    await chat.clicks(chat.last(), "prod:PLNPOSTPAID")
    await chat.deliver(chat.message_update(PLN_OK, edits=77))
    assert bot.service.history(CUSTOMER) == []
    assert "diedit" in chat.last()["text"]
    await chat.says(PLN_OK)  # the flow is still waiting for the number
    assert bot.service.history(CUSTOMER)[0].state is TxState.INQUIRED


async def test_a_photo_gets_told_what_the_bot_reads(bot: Harness) -> None:
    chat = bot.chat(CUSTOMER, "en", "Ann")
    msg = {
        "message_id": 5,
        "date": int(time.time()),
        "chat": {"id": CUSTOMER, "type": "private", "first_name": "Ann"},
        "from": chat.user,
        "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
    }
    await chat.deliver(chat._update(message=msg))
    assert "only reads text" in chat.last()["text"]


async def test_a_redelivered_update_is_acted_on_once(bot: Harness) -> None:
    admin = bot.chat(ADMIN, "id", "Op")
    topup = admin.message_update(f"/topup {CUSTOMER} 50000 kas")
    await admin.deliver(topup)
    await admin.deliver(topup)  # the same update_id again: a webhook retry, a polling restart
    assert bot.service.balance(CUSTOMER) == 50_000
    assert len(bot.api.sent("sendMessage", ADMIN)) == 1
    chat = bot.chat()
    line = chat.message_update(f"CEK.PLNPOSTPAID.{PLN_OK}")
    await chat.deliver(line)
    await chat.deliver(line)
    assert len(bot.service.history(CUSTOMER)) == 1


async def test_handled_updates_are_remembered_across_a_restart(tmp_path: Path) -> None:
    async with Harness(tmp_path) as first:
        admin = first.chat(ADMIN, "id", "Op")
        topup = admin.message_update(f"/topup {CUSTOMER} 50000 kas")
        await admin.deliver(topup)
    async with Harness(tmp_path) as second:
        again = second.chat(ADMIN, "id", "Op")
        await again.deliver(topup)
        assert second.service.balance(CUSTOMER) == 50_000
        await again.says(f"/topup {CUSTOMER} 1000 kas")  # a new update still works
        assert second.service.balance(CUSTOMER) == 51_000


async def test_group_chatter_and_other_bots_commands_get_no_answer(bot: Harness) -> None:
    chat = bot.chat()
    for text in ("halo semua, ada yang tahu jam buka?", "/start@other_bot", "/weather@other_bot jkt", "/foo"):
        await chat.deliver(in_group(chat, text))
    assert bot.api.sent("sendMessage", GROUP) == []
    await chat.deliver(in_group(chat, "cek plnpostpaid"))  # a try at a command: the grammar's help
    await chat.deliver(in_group(chat, "/foo@loket_test_bot"))
    texts = [c.params["text"] for c in bot.api.sent("sendMessage", GROUP)]
    assert texts[0].startswith("Format tidak dikenal") and texts[1].startswith("Perintah tidak dikenal")
    await chat.deliver(in_group(chat, "SAL"))
    assert bot.api.last_text(GROUP) == "Saldo Rp 0"


async def test_an_unexpected_error_is_answered_and_logged(tmp_path: Path) -> None:
    async with Harness(tmp_path) as bot:

        def broken(user_id: int) -> int:
            raise RuntimeError("ledger unavailable")

        bot.service.balance = broken  # type: ignore[method-assign]
        chat = bot.chat()
        await chat.says("/saldo")
        assert chat.last()["text"] == "Maaf, terjadi kesalahan. Coba lagi sebentar lagi."
        assert [type(e) for e in bot.errors] == [RuntimeError]


async def test_the_error_message_uses_the_language_picked_with_lang(tmp_path: Path) -> None:
    async with Harness(tmp_path, biller=BoomBiller()) as bot:
        chat = bot.chat(CUSTOMER, "id")
        await chat.says("/lang")
        await chat.clicks(chat.last(), "lang:en")
        await chat.says(f"CEK.{PRODUCT.code}.123456789012")
        assert chat.last()["text"] == "Sorry, something went wrong. Please try again shortly."
        assert [type(e) for e in bot.errors] == [RuntimeError]


async def test_each_update_looks_its_user_up_once(bot: Harness) -> None:
    bot.fund(CUSTOMER, 1_000_000)
    chat = bot.chat()
    await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
    ref = bot.service.history(CUSTOMER)[0].ref_id
    lookups: list[int] = []
    for name in ("get_user", "ensure_user"):
        real = getattr(bot.service, name)

        def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            lookups.append(args[0])
            return _real(*args, **kwargs)

        setattr(bot.service, name, counted)
    for line in ("/start", "/help", "SAL", f"/status {ref}", "MUTASI", "/history", "/cancel"):
        lookups.clear()
        await chat.says(line)
        assert lookups == [CUSTOMER], line
