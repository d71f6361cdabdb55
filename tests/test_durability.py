"""Start-up and durability: a private database, one bot per database, clear start-up errors."""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import os
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.billers import make_biller
from bot.payments.models import TxState
from bot.playground import BotApiEmulator
from bot.telegram.app import BotRunner
from storage.db import connect, migrate, open_database, schema_version
from storage.migrations import LATEST_VERSION
from storage.persistence import SQLitePersistence
from tests.e2e_harness import TOKEN, Process, base_env
from tests.tg_double import Chat, FakeBotAPI
from tests.tg_setup import ADMIN, CUSTOMER, OTHER, make_settings


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the usual umask, under which SQLite alone makes 0644 files
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_private(tmp_path, umask_022):
    path = tmp_path / "data" / "loket.sqlite3"
    db = open_database(path)
    db.execute("INSERT INTO ptb_data (kind, key, data) VALUES ('bot', '', '{}')")  # -wal and -shm exist
    assert mode(path.parent) == 0o700
    for file in (path, path.with_name("loket.sqlite3-wal"), path.with_name("loket.sqlite3-shm")):
        assert file.exists() and mode(file) == 0o600, file
    db.conn.close()


def test_an_existing_database_others_can_read_is_named_once(tmp_path, umask_022, caplog):
    path = tmp_path / "loket.sqlite3"
    open_database(path).conn.close()
    path.chmod(0o644)
    caplog.set_level(logging.WARNING, logger="storage.db")
    open_database(path).conn.close()
    open_database(path).conn.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "storage.db"]
    assert len(warnings) == 1, warnings
    assert str(path) in warnings[0] and "0644" in warnings[0] and "chmod 600" in warnings[0]
    assert mode(path) == 0o644  # named, not changed behind the operator's back


def test_a_private_database_gets_no_warning(tmp_path, umask_022, caplog):
    path = tmp_path / "loket.sqlite3"
    caplog.set_level(logging.WARNING, logger="storage.db")
    open_database(path).conn.close()
    open_database(path).conn.close()
    assert [r for r in caplog.records if r.name == "storage.db"] == []


# -- one bot per database ----------------------------------------------------------------------


async def _polling(tg: BotApiEmulator, bot: Process, getme_before: int, timeout: float = 30) -> None:
    """Wait until the bot process is up: it asked getMe and then polled."""
    for _ in range(int(timeout / 0.05)):
        if len(tg.calls_of("getMe")) > getme_before and tg.calls_of("getUpdates"):
            return
        assert bot.proc is not None and bot.proc.returncode is None, bot.output[-3000:]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot did not start polling:\n{bot.output[-3000:]}")


@pytest.mark.e2e
async def test_a_second_bot_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    async with BotApiEmulator(TOKEN, webchat=False) as tg:
        env = base_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=tg.base_url,
            DATABASE_PATH=str(tmp_path / "data" / "loket.sqlite3"),
            BILLER="sandbox",
        )
        first = await Process([sys.executable, "-m", "bot"], env, tmp_path, tmp_path / "first.log").start()
        try:
            await _polling(tg, first, 0)
            assert first.proc is not None
            getme = len(tg.calls_of("getMe"))
            second = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                out, err = await asyncio.wait_for(second.communicate(), 30)
            except TimeoutError:
                second.kill()
                await second.wait()
                raise AssertionError("a second bot on the same database kept running") from None
            said = err.decode()
            assert second.returncode == 2, said
            assert out == b"" and said.count("\n") == 1 and "Traceback" not in said, said
            lock = tmp_path / "data" / "loket.sqlite3.lock"
            assert said.startswith("DATABASE_PATH: ") and str(lock) in said, said
            assert f"process {first.proc.pid} holds" in said, said
            assert len(tg.calls_of("getMe")) == getme  # it never spoke to Telegram
            assert stat.S_IMODE(lock.stat().st_mode) == 0o600
            assert first.proc.returncode is None  # the first one is untouched
        finally:
            await first.kill()  # SIGKILL: the kernel lets go of the lock, nothing stale is left

        third = await Process([sys.executable, "-m", "bot"], env, tmp_path, tmp_path / "third.log").start()
        try:
            await _polling(tg, third, len(tg.calls_of("getMe")))
        finally:
            assert await third.stop() == 0, third.output[-3000:]


# -- start-up errors: one line naming the setting or file, exit code 2 ------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on: the bot must stop before Telegram
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drop_file_override() -> None:
    """In the child: root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH honours a file's mode."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_cli(cwd: Path, *, read_only_user: bool = False, **settings: str) -> subprocess.CompletedProcess[str]:
    env = base_env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=f"http://127.0.0.1:{_closed_port()}/bot", **settings
    )
    preexec = _drop_file_override if read_only_user and os.geteuid() == 0 else None
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
        preexec_fn=preexec,
    )  # fmt: skip


def _loket_database(path: Path, fill: int = 0) -> None:
    db = open_database(path)
    if fill:
        db.execute("BEGIN")
        for i in range(fill):
            db.execute("INSERT INTO ptb_data (kind, key, data) VALUES ('user', ?, ?)", [str(i), "x" * 200])
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)


def _folder(path: Path) -> None:
    path.mkdir()


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"name,amount\nbudi,50000\n" * 100)


def _truncated(path: Path) -> None:
    _loket_database(path, fill=5000)
    os.truncate(path, path.stat().st_size // 2)


def _read_only(path: Path) -> None:
    _loket_database(path)
    path.chmod(0o400)


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_folder, "is a folder, not a database file"),
        (_not_a_database, "is not a SQLite database (a damaged file, or another kind of file)"),
        (_truncated, "is damaged (database disk image is malformed): restore it from a backup"),
        (_read_only, "cannot be written: the file or its folder is read-only for this user"),
    ],
)
def test_an_unusable_database_path_is_one_line_naming_it(tmp_path: Path, make, why) -> None:
    path = tmp_path / "loket.sqlite3"
    make(path)
    before = path.read_bytes() if path.is_file() else None
    read_only = make is _read_only
    if read_only:
        probe = subprocess.run(
            [sys.executable, "-c", f"open({str(path)!r}, 'r+b')"],
            capture_output=True,
            preexec_fn=_drop_file_override if os.geteuid() == 0 else None,
        )
        if probe.returncode == 0:
            pytest.skip("this machine lets the test's user write a 0400 file")
    proc = run_cli(tmp_path, read_only_user=read_only, DATABASE_PATH=str(path))
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stdout == "" and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stderr == f"DATABASE_PATH: {path} {why}\n"
    if before is not None:
        assert path.read_bytes() == before  # looked at, never changed


def test_a_webhook_secret_telegram_would_refuse_is_named_at_start(tmp_path: Path) -> None:
    for secret in ("my secret!", "x" * 257, "rahasia/2026"):
        proc = run_cli(
            tmp_path,
            DATABASE_PATH=str(tmp_path / "loket.sqlite3"),
            WEBHOOK_URL="https://loket.example/telegram",
            WEBHOOK_SECRET=secret,
        )
        assert proc.returncode == 2, proc.stderr[-3000:]
        assert proc.stderr == (
            "Configuration error: WEBHOOK_SECRET: Telegram allows only A-Z, a-z, 0-9, _ and - in it,"
            " 1 to 256 characters\n"
        )
        assert secret not in proc.stdout + proc.stderr
    assert not (tmp_path / "loket.sqlite3").exists()  # stopped before anything was opened


# -- a lock held by another program (a backup, the sqlite3 shell) ----------------------------------
PLN_OK = "530000000000"


class HookedAPI(FakeBotAPI):
    """The fake Bot API, calling `hook(method, params)` as each request arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.hook: Any = None

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kw: Any):
        if self.hook is not None and request_data is not None:
            self.hook(url.rsplit("/", 1)[-1], dict(request_data.parameters))
        return await super().do_request(url, method, request_data, *args, **kw)


class OutsideLock:
    """Another program's write lock on the database, as `BEGIN IMMEDIATE` in the sqlite3 shell."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.held = False

    def take(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.conn.execute("ROLLBACK")
            self.held = False


class TakesTheLockWhilePaying:
    """The sandbox biller; while its pay request is on its way, another program takes the lock."""

    def __init__(self, inner: Any, lock: OutsideLock, hold: float) -> None:
        self.inner, self.lock, self.hold = inner, lock, hold

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def pay(self, bill: Any) -> Any:
        result = await self.inner.pay(bill)
        self.lock.take()
        asyncio.get_running_loop().call_later(self.hold, self.lock.release)
        return result


async def until(check: Any, timeout: float = 10, what: str = "") -> Any:
    for _ in range(int(timeout / 0.02)):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or check}")


class Bot:
    """BotRunner (the production wiring) over the fake Bot API; updates go through PTB's queue."""

    def __init__(self, tmp: Path, biller: Any = None) -> None:
        self.settings = make_settings(tmp)  # DATABASE_BUSY_TIMEOUT_MS: the default
        self.api = HookedAPI()
        self.runner = BotRunner(self.settings, request=self.api, biller=biller)

    async def __aenter__(self) -> Bot:
        await self.runner.start()
        assert self.runner.application is not None
        self.app = self.runner.application
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.stop()

    @property
    def service(self) -> Any:
        return self.runner.service

    def chat(self, user_id: int, language: str) -> Chat:
        return Chat(self.app, self.api, user_id, language)

    async def send(self, update: Any) -> None:
        await self.app.update_queue.put(update)

    def texts(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.api.sent("sendMessage", chat_id)]

    async def said(self, chat_id: int, needle: str, after: int = 0, timeout: float = 10) -> str:
        return await until(
            lambda: next((text for text in self.texts(chat_id)[after:] if needle in text), None),
            timeout,
            f"{needle!r} in chat {chat_id}",
        )

    async def bill(self, chat: Chat) -> tuple[dict[str, Any], str]:
        await self.send(chat.message_update(f"/pay PLNPOSTPAID {PLN_OK}"))

        def shown() -> dict[str, Any] | None:
            if not self.api.sent("sendMessage", chat.user_id):
                return None
            last = chat.last()
            return last if any(d.startswith("pay:") for d in chat.buttons(last)) else None

        message = await until(shown, what="the bill")
        pay = next(data for data in chat.buttons(message) if data.startswith("pay:"))
        return message, pay[4:]


def _payments(bot: Bot) -> dict[str, int]:
    return bot.service.biller.simulator.payments()


async def test_a_locked_database_answers_try_again_at_once_and_nothing_is_half_done(tmp_path: Path) -> None:
    async with Bot(tmp_path) as bot:
        bot.service.top_up(ADMIN, CUSTOMER, 1_000_000, "test")
        customer, operator = bot.chat(CUSTOMER, "id"), bot.chat(ADMIN, "en")
        bill, ref = await bot.bill(customer)
        balance = bot.service.balance(CUSTOMER)
        lock = OutsideLock(bot.settings.database_path)
        lock.take()
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            seen = len(bot.texts(ADMIN))
            await bot.send(operator.message_update("/topup 1001 50000 setoran"))
            await bot.said(ADMIN, "Loket is busy for a moment. Please try again shortly.", seen)
            assert loop.time() - started < 2  # not the 30 s the database used to wait
            seen = len(bot.texts(CUSTOMER))
            started = loop.time()
            await bot.send(customer.click_update(bill, f"pay:{ref}"))
            await bot.said(CUSTOMER, "Loket sedang sibuk sesaat. Silakan coba lagi", seen)
            assert loop.time() - started < 2
        finally:
            lock.release()
        # nothing half-done: no pay request, no debit, the bill still payable with its buttons
        assert _payments(bot) == {}
        assert bot.service.balance(CUSTOMER) == balance
        assert bot.service.get(ref, CUSTOMER).state is TxState.INQUIRED
        assert [e.to_state for e in bot.service.events(ref, CUSTOMER)] == [TxState.INQUIRED]
        assert f"pay:{ref}" in customer.buttons(bot.api.message(CUSTOMER, bill["message_id"]))
        # released: the same taps work, once
        seen = len(bot.texts(ADMIN))
        await bot.send(operator.message_update("/topup 1001 50000 setoran"))
        await bot.said(ADMIN, "Topped up", seen)
        await bot.send(customer.click_update(bill, f"pay:{ref}"))
        await until(lambda: "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"], what="receipt")
        assert _payments(bot) == {ref: 1}
        tx = bot.service.get(ref, CUSTOMER)
        assert tx.state is TxState.SUCCESS
        assert bot.service.balance(CUSTOMER) == balance + 50_000 - tx.amount


async def test_a_lock_taken_as_pay_is_tapped_gives_the_bill_back_unpaid(tmp_path: Path) -> None:
    async with Bot(tmp_path) as bot:
        bot.service.top_up(ADMIN, CUSTOMER, 1_000_000, "test")
        customer = bot.chat(CUSTOMER, "id")
        bill, ref = await bot.bill(customer)
        balance = bot.service.balance(CUSTOMER)
        lock = OutsideLock(bot.settings.database_path)

        def at_answer(method: str, params: dict[str, Any]) -> None:
            if method == "answerCallbackQuery" and not lock.held:
                lock.take()  # after the update was taken in, before the payment is recorded

        bot.api.hook = at_answer
        try:
            await bot.send(customer.click_update(bill, f"pay:{ref}"))
            shown = await until(
                lambda: "belum ada yang dibayar" in bot.api.message(CUSTOMER, bill["message_id"])["text"],
                what="the bill again",
            )
            assert shown and lock.held
            again = bot.api.message(CUSTOMER, bill["message_id"])
            assert customer.buttons(again) == [f"pay:{ref}", f"cancel:{ref}"] and PLN_OK in again["text"]
        finally:
            bot.api.hook = None
            lock.release()
        assert _payments(bot) == {} and bot.service.balance(CUSTOMER) == balance
        assert [e.to_state for e in bot.service.events(ref, CUSTOMER)] == [TxState.INQUIRED]
        await bot.send(customer.click_update(bill, f"pay:{ref}"))
        await until(lambda: "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"], what="receipt")
        assert _payments(bot) == {ref: 1}


async def test_a_lock_taken_while_the_biller_pays_loses_no_answer(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    lock = OutsideLock(settings.database_path)  # the file exists once the bot has opened it
    sandbox = make_biller(settings)
    slow_lock = TakesTheLockWhilePaying(sandbox, lock, hold=1.5)
    async with Bot(tmp_path, biller=slow_lock) as bot:
        bot.service.top_up(ADMIN, CUSTOMER, 1_000_000, "test")
        customer, other = bot.chat(CUSTOMER, "id"), bot.chat(OTHER, "en")
        bill, ref = await bot.bill(customer)
        await bot.send(customer.click_update(bill, f"pay:{ref}"))
        await until(lambda: lock.held, what="the lock")
        seen = len(bot.texts(OTHER))
        await bot.send(other.message_update("/help"))  # another chat is served meanwhile
        await bot.said(OTHER, "busy", seen)
        receipt = await until(
            lambda: "STRUK" in bot.api.message(CUSTOMER, bill["message_id"])["text"], what="receipt"
        )
        assert receipt and not lock.held
        events = bot.service.events(ref, CUSTOMER)
        assert [(e.to_state, e.cause) for e in events][-1] == (TxState.SUCCESS, "pay_answer")
        assert sandbox.simulator.payments() == {ref: 1}
        assert not any("sibuk" in text for text in bot.texts(CUSTOMER))
    await sandbox.aclose()


async def test_a_chat_step_written_while_locked_is_kept_and_survives_a_restart(tmp_path: Path) -> None:
    async with Bot(tmp_path) as bot:
        customer = bot.chat(CUSTOMER, "id")
        lock = OutsideLock(bot.settings.database_path)

        def at_menu(method: str, params: dict[str, Any]) -> None:
            if method == "sendMessage" and "cat:" in json.dumps(params.get("reply_markup")) and not lock.held:
                lock.take()  # the step is answered; its state is written after the handler

        bot.api.hook = at_menu
        try:
            await bot.send(customer.message_update("/bayar"))
            await until(lambda: lock.held, what="the lock")
            await asyncio.sleep(1)  # the bot tries to write the step meanwhile
            rows = "SELECT count(*) FROM ptb_conversations WHERE name = 'pay'"
            assert lock.conn.execute(rows).fetchone()[0] == 0
        finally:
            bot.api.hook = None
            lock.release()
        await until(lambda: lock.conn.execute(rows).fetchone()[0] == 1, timeout=5, what="the kept write")
        assert bot.app.persistence.pending_writes == 0
        menu = customer.last()
    async with Bot(tmp_path) as again:  # a restart: the step is read back from the database
        customer = again.chat(CUSTOMER, "id")
        await again.send(customer.click_update(menu, "cat:pln"))
        await until(
            lambda: again.api.sent("editMessageText", CUSTOMER)
            and "prod:PLNPOSTPAID" in json.dumps(again.api.sent("editMessageText", CUSTOMER)[-1].params),
            what="the products of the category",
        )


# -- the PTB tables: one definition, in the migrations ---------------------------------------------
# What storage/persistence.py created itself before v6 (no CHECK on kind, state NOT NULL).
OLD_PERSISTENCE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ptb_data (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, "
    "PRIMARY KEY (kind, key))",
    "CREATE TABLE IF NOT EXISTS ptb_conversations (name TEXT NOT NULL, key TEXT NOT NULL, "
    "state TEXT NOT NULL, PRIMARY KEY (name, key))",
    "CREATE TABLE IF NOT EXISTS telegram_updates (update_id INTEGER PRIMARY KEY, received_at TEXT NOT NULL)",
)
PTB_TABLES = ("ptb_data", "ptb_conversations", "telegram_updates")


def _schema(db: Any) -> dict[str, str]:
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").fetchall()
    return dict(rows)


def test_the_persistence_creates_no_table_the_migrations_make_them(tmp_path: Path) -> None:
    db = open_database(tmp_path / "loket.sqlite3")
    made = _schema(db)
    assert set(PTB_TABLES) <= set(made)
    SQLitePersistence(db)
    assert _schema(db) == made
    assert "CHECK (kind IN ('user', 'chat', 'bot'))" in made["ptb_data"]
    assert "state TEXT NOT NULL" in made["ptb_conversations"]
    assert "telegram_updates_received" in made
    fresh = open_database(tmp_path / "other.sqlite3")  # a path opens (and migrates) the database
    assert _schema(SQLitePersistence(tmp_path / "other.sqlite3").conn) == _schema(fresh)


@pytest.mark.parametrize("made_by", ["old persistence before v2", "migration v2"])
def test_existing_ptb_tables_get_the_one_definition_and_keep_their_rows(tmp_path: Path, made_by: str) -> None:
    path = tmp_path / "old.sqlite3"
    old = connect(path)
    if made_by == "migration v2":
        migrate(old, target=5)
        old.execute(OLD_PERSISTENCE_SCHEMA[2])  # the persistence made this one
    else:
        migrate(old, target=1)
        for statement in OLD_PERSISTENCE_SCHEMA:
            old.execute(statement)
    old.execute("INSERT INTO ptb_data VALUES ('user', '1001', '{\"pay_category\": \"pln\"}')")
    old.execute("INSERT INTO ptb_conversations VALUES ('pay', '[1001, 1001]', '1')")
    old.execute("INSERT INTO telegram_updates VALUES (42, '2026-03-01T03:00:00+00:00')")
    old.conn.close()
    db = open_database(path)
    assert schema_version(db) == LATEST_VERSION
    reference = _schema(open_database(tmp_path / "new.sqlite3"))
    now = _schema(db)
    for table in PTB_TABLES:
        assert now[table] == reference[table], table
    assert db.execute("SELECT * FROM ptb_data").fetchall() == [("user", "1001", '{"pay_category": "pln"}')]
    assert db.execute("SELECT * FROM ptb_conversations").fetchall() == [("pay", "[1001, 1001]", "1")]
    assert not SQLitePersistence(db).first_delivery(42)  # still known as handled
