"""Telegram's paid lane (bot/telegram/paid_lane.py): a new message that would queue over a second
at the free pace goes with allow_paid_broadcast, within the day's budget; a refusal is sent
again for free, once, and shuts the lane until tomorrow.

The lane spends the operator's Stars, so it gets the proof the money features get: a hypothesis
state machine over the real limiter (the budget is never overrun, every message is delivered
exactly once or fails with Telegram's own error, the free queue's count never leaks), and
bursts over real HTTP against the emulator holding the bot to Telegram's flood limits.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from telegram.error import BadRequest, Forbidden, TimedOut
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.playground.botapi import BotApiEmulator
from bot.playground.botapi.flood import NO_STARS, FloodControl
from bot.telegram.ops_jobs import send_daily_report
from bot.telegram.paid_lane import PAID_METHODS, PaidLane
from bot.telegram.ratelimit import LoketRateLimiter
from tests.tg_setup import ADMIN, CUSTOMER, PLN_OK, Harness

TOKEN = "123456:PAID-lane-test-token"
FIRST = 70_000


class Told:
    """The operators' notices a lane gives, as (key, values)."""

    def __init__(self) -> None:
        self.notices: list[tuple[str, dict[str, object]]] = []

    async def __call__(self, key: str, values: dict[str, object]) -> None:
        self.notices.append((key, values))

    def keys(self) -> list[str]:
        return [key for key, _ in self.notices]


def unpaced(lane: PaidLane) -> LoketRateLimiter:
    """The real limiter without the free pace's waiting (calls in a test need no 33 ms each)."""
    limiter = LoketRateLimiter(max_retries=0, chat_burst=10_000, chat_period=1.0, paid=lane)
    limiter._inner = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0)
    return limiter


# -- the decision, alone -------------------------------------------------------------------------


def test_off_by_default_and_at_zero() -> None:
    lane = PaidLane(0)
    lane.queued = 10_000
    assert not lane.enabled and not lane.choose("sendMessage", private=True)


def test_only_a_new_message_to_a_private_chat_behind_a_second_of_queue_goes_paid() -> None:
    lane = PaidLane(100)
    assert lane.threshold == 30  # a second at Telegram's free 30 a second
    lane.queued = 29
    assert not lane.choose("sendMessage", private=True)  # it would leave within a second: free
    lane.queued = 30
    assert not lane.choose("editMessageText", private=True)  # an edit cannot be paid
    assert not lane.choose("sendChatAction", private=True)
    assert not lane.choose("sendMessage", private=False)  # groups keep their own pace
    assert {m for m in PAID_METHODS if lane.choose(m, private=True)} == PAID_METHODS
    assert lane.sent_today == len(PAID_METHODS)


async def test_the_budget_is_a_jakarta_day_and_told_once_when_used_up() -> None:
    day = [date(2026, 12, 2)]
    lane = PaidLane(2, after=0, today=lambda: day[0])
    told = Told()
    lane.add_notice(told)
    for _ in range(2):
        assert lane.choose("sendMessage", private=True)
        await lane.sent()
    assert not lane.choose("sendMessage", private=True)  # used up: the free lane again
    assert told.keys() == ["paid_lane_spent"] and told.notices[0][1] == {"count": 2}
    day[0] += timedelta(days=1)
    assert lane.choose("sendMessage", private=True)  # a new day, a new budget
    await lane.sent()
    assert lane.sent_today == 1 and lane.sent_total == 3 and told.keys() == ["paid_lane_spent"]


async def test_a_restart_goes_on_with_the_days_count_not_a_fresh_budget() -> None:
    day = [date(2026, 12, 2)]
    kept: dict[str, object] = {}

    def save(state: dict[str, object]) -> None:
        kept["paid_lane"] = state

    lane = PaidLane(3, after=0, today=lambda: day[0])
    lane.remember(lambda: kept.get("paid_lane"), save)
    for _ in range(2):
        assert lane.choose("sendMessage", private=True)
        await lane.sent()
    assert kept["paid_lane"] == {"day": "2026-12-02", "sent": 2}
    again = PaidLane(3, after=0, today=lambda: day[0])  # the restarted bot
    again.remember(lambda: kept.get("paid_lane"), save)
    assert again.count_today() == 2  # what the day's report says, before any rush
    assert again.choose("sendMessage", private=True) and not again.choose("sendMessage", private=True)
    day[0] += timedelta(days=1)  # a count kept from yesterday is yesterday's
    tomorrow = PaidLane(3, after=0, today=lambda: day[0])
    tomorrow.remember(lambda: kept.get("paid_lane"), save)
    assert tomorrow.is_open() and tomorrow.sent_today == 0


# -- through the real limiter ------------------------------------------------------------------------


class FakeTelegram:
    """The callback the limiter calls: Telegram's answer chosen per call."""

    def __init__(self) -> None:
        self.delivered: list[tuple[int, bool]] = []  # (chat, paid) for each message Telegram took
        self.refuse_paid = False  # no Stars: a paid message is refused, a free one goes
        self.refuse_all = False  # the message itself is at fault (a blocked bot)
        self.time_out = False

    async def __call__(self, endpoint: str, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        paid = data.get("allow_paid_broadcast") is True
        if self.time_out:
            raise TimedOut("timed out")
        if self.refuse_all:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if paid and self.refuse_paid:
            raise BadRequest(NO_STARS)
        self.delivered.append((data["chat_id"], paid))
        return {"message_id": len(self.delivered)}


async def send(limiter: LoketRateLimiter, telegram: FakeTelegram, endpoint: str, chat_id: int) -> Any:
    data: dict[str, Any] = {"chat_id": chat_id, "text": "x"}
    return await limiter.process_request(telegram, (endpoint, data), {}, endpoint, data, None)


def rushing() -> tuple[PaidLane, Told, LoketRateLimiter, FakeTelegram]:
    """A lane on which every new message would queue a second (after=0), told to `Told`."""
    lane = PaidLane(10, after=0)
    told = Told()
    lane.add_notice(told)
    return lane, told, unpaced(lane), FakeTelegram()


async def test_a_refused_paid_message_goes_free_once_and_shuts_the_lane_for_the_day() -> None:
    lane, told, limiter, telegram = rushing()
    telegram.refuse_paid = True
    await send(limiter, telegram, "sendMessage", CUSTOMER)
    await send(limiter, telegram, "sendMessage", CUSTOMER)
    assert telegram.delivered == [(CUSTOMER, False), (CUSTOMER, False)]  # each once, free
    assert told.keys() == ["paid_lane_refused"]
    assert "not enough telegram stars" in str(told.notices[0][1]["error"]).lower()
    assert lane.sent_today == 0 and not lane.is_open() and lane.queued == 0


async def test_a_message_at_fault_fails_with_its_own_error_and_the_lane_stays_open() -> None:
    lane, told, limiter, telegram = rushing()
    telegram.refuse_all = True
    with pytest.raises(Forbidden):
        await send(limiter, telegram, "sendMessage", CUSTOMER)
    assert telegram.delivered == [] and told.notices == [] and lane.is_open() and lane.sent_today == 0


async def test_a_paid_message_that_timed_out_keeps_its_place_in_the_budget() -> None:
    """Telegram may have sent (and charged) it: the budget is a ceiling on what is spent."""
    lane, _, limiter, telegram = rushing()
    telegram.time_out = True
    with pytest.raises(TimedOut):
        await send(limiter, telegram, "sendMessage", CUSTOMER)
    assert lane.sent_today == 1 and lane.queued == 0


class PaidLaneMachine(RuleBasedStateMachine):
    """Any sequence of sends, Telegram answers, rushes and days, against a model of the lane:
    the day's budget is never overrun, each message reaches Telegram at most once (exactly once
    unless Telegram refuses the message itself), a refusal shuts the lane for that day only, the
    operators hear of it once a day, and the free queue's count never leaks."""

    PER_DAY = 3

    def __init__(self) -> None:
        super().__init__()
        self.day = date(2026, 12, 2)
        self.lane = PaidLane(self.PER_DAY, today=lambda: self.day)
        self.told = Told()
        self.lane.add_notice(self.told)
        self.limiter = unpaced(self.lane)
        self.telegram = FakeTelegram()
        self.rushing = False
        self.charged: dict[date, int] = {}  # the model: paid messages counted each day
        self.shut: set[date] = set()
        self.refusals_told = 0
        self.spent_told: set[date] = set()
        self.loop = asyncio.new_event_loop()  # one loop for the machine: its limiters live on it

    def teardown(self) -> None:
        self.loop.close()

    @rule(rush=st.booleans())
    def rush(self, rush: bool) -> None:
        self.rushing = rush
        self.lane.threshold = 0 if rush else 10**9  # every message would queue a second, or none

    @rule(refuse_paid=st.booleans(), refuse_all=st.booleans(), time_out=st.booleans())
    def telegram_answers(self, refuse_paid: bool, refuse_all: bool, time_out: bool) -> None:
        self.telegram.refuse_paid, self.telegram.refuse_all = refuse_paid, refuse_all
        self.telegram.time_out = time_out

    @rule()
    def next_day(self) -> None:
        self.day += timedelta(days=1)

    @rule(endpoint=st.sampled_from(["sendMessage", "sendPhoto", "editMessageText", "sendChatAction"]),
          chat=st.sampled_from([CUSTOMER, CUSTOMER + 1, -100_123]))  # fmt: skip
    def send(self, endpoint: str, chat: int) -> None:
        tg, day = self.telegram, self.day
        charged = self.charged.get(day, 0)
        goes_paid = (
            self.rushing and endpoint in PAID_METHODS and chat > 0
            and day not in self.shut and charged < self.PER_DAY
        )  # fmt: skip
        before = len(tg.delivered)
        try:
            self.loop.run_until_complete(send(self.limiter, tg, endpoint, chat))
        except TimedOut:
            assert tg.time_out and len(tg.delivered) == before
            if goes_paid:  # Telegram may have sent it: it stays counted
                self.charged[day] = charged + 1
            return
        except Forbidden:
            assert tg.refuse_all and not tg.time_out and len(tg.delivered) == before
            return  # the message was at fault: not charged, the lane stays open
        assert not tg.time_out and not tg.refuse_all
        assert len(tg.delivered) == before + 1  # exactly once
        assert tg.delivered[-1] == (chat, goes_paid and not tg.refuse_paid)
        if goes_paid and tg.refuse_paid:
            self.shut.add(day)
            self.refusals_told += 1
        elif goes_paid:
            self.charged[day] = charged + 1
            if self.charged[day] == self.PER_DAY:
                self.spent_told.add(day)

    @invariant()
    def the_lane_agrees_with_the_model(self) -> None:
        assert all(count <= self.PER_DAY for count in self.charged.values())
        assert self.lane.sent_today == self.charged.get(self.lane._day, 0)  # the day the lane last saw
        assert self.lane.queued == 0
        assert self.told.keys().count("paid_lane_refused") == self.refusals_told
        assert self.told.keys().count("paid_lane_spent") == len(self.spent_told)


TestPaidLaneMachine = PaidLaneMachine.TestCase
TestPaidLaneMachine.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# -- over real HTTP, against Telegram's flood limits ---------------------------------------------------


Burst = tuple[BotApiEmulator, PaidLane, Told]
# 429s a paced burst of 100 may still get here (0 on a quiet machine, up to 2 seen in CI); a
# limiter that does not pace gets ~50. Each 429 is retried: the customers' messages (checked
# once each in `burst`) are all delivered. bench_bot.py measures the pace on a quiet machine.
PACED = 5


async def burst(tmp_path: Path, per_day: int, allowance: int | None = None) -> Burst:
    """A hundred customers answered at the same instant, through the real limiter and PTB, to an
    emulator that answers 429 past Telegram's pace."""
    emulator = BotApiEmulator(TOKEN, webchat=False)
    await emulator.start()
    lane = PaidLane(per_day)
    told = Told()
    lane.add_notice(told)
    app = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url).rate_limiter(
        LoketRateLimiter(paid=lane)
    ).build()
    try:
        ids = [FIRST + i for i in range(100)]
        for user_id in ids:
            await emulator.user_sends(user_id, "/start")
        await app.initialize()
        # slack 15: this test's sends and the emulator share one event loop, on a machine that
        # may be running the rest of the suite, so a few calls may still arrive bunched: PACED
        emulator.flood = FloodControl(slack=15, paid_allowance=allowance)
        await asyncio.gather(*(app.bot.send_message(user_id, f"bill {user_id}") for user_id in ids))
        for user_id in ids:  # each customer has their answer, once
            assert [m.text for m in emulator.bot_messages(user_id)] == [f"bill {user_id}"]
    finally:
        await app.shutdown()
        await emulator.stop()
    return emulator, lane, told


async def test_a_burst_without_the_lane_waits_its_turn_at_telegrams_pace(tmp_path: Path) -> None:
    emulator, lane, told = await burst(tmp_path, per_day=0)
    flood = emulator.flood
    assert flood is not None
    assert (flood.free_sent, flood.paid_sent) == (100, 0) and flood.too_many <= PACED
    assert lane.sent_total == 0 and told.notices == []


async def test_a_burst_pays_only_for_what_would_wait_over_a_second(tmp_path: Path) -> None:
    emulator, lane, _ = await burst(tmp_path, per_day=1_000)
    flood = emulator.flood
    assert flood is not None and flood.too_many <= PACED
    # 30 go at once and 30 more within the second, free; the rest would have waited longer
    assert 25 <= flood.paid_sent <= 40 and flood.free_sent == 100 - flood.paid_sent
    assert lane.sent_total == lane.sent_today == flood.paid_sent
    paid = [c for c in emulator.calls if c.params.get("allow_paid_broadcast") is True]
    assert {c.method for c in paid} == {"sendMessage"} and len(paid) == flood.paid_sent


async def test_a_bot_without_stars_is_answered_for_free_and_told_once(tmp_path: Path) -> None:
    emulator, lane, told = await burst(tmp_path, per_day=1_000, allowance=5)
    flood = emulator.flood
    assert flood is not None
    assert flood.paid_sent == 5 and flood.free_sent == 95 and flood.too_many <= PACED
    assert told.keys() == ["paid_lane_refused"] and not lane.is_open()
    refused = [c for c in emulator.calls if not c.ok]
    assert len(refused) >= 1 and all(c.error == NO_STARS for c in refused)


async def test_the_bot_counts_paid_messages_and_reports_them(tmp_path: Path) -> None:
    """Wired in the app: the bill goes paid (a lane whose every message would queue), the metric
    counts it, the operator hears when the day's one paid message is used, and the day's report
    says what was paid."""
    lane = PaidLane(1, after=0)
    limiter = LoketRateLimiter(chat_burst=1000, chat_period=1.0, paid=lane)
    async with Harness(tmp_path, rate_limiter=limiter) as bot:
        bot.fund(CUSTOMER, 1_000_000)
        chat = bot.chat()
        await chat.says(f"CEK.PLNPOSTPAID.{PLN_OK}")
        await asyncio.sleep(0.2)
        sent = bot.api.sent("sendMessage", CUSTOMER)
        assert sent and sent[0].params.get("allow_paid_broadcast") is True
        assert bot.app.vitals.metrics.telegram_paid._value.get() == 1
        assert bot.app.bot_data["paid_lane"] == {"day": lane._day.isoformat(), "sent": 1}  # persisted
        told = [c.params["text"] for c in bot.api.sent("sendMessage", ADMIN)]
        assert any("Jatah 1 pesan Telegram berbayar" in text for text in told)
        await send_daily_report(bot.app)
        report = bot.api.sent("sendMessage", ADMIN)[-1].params["text"]
        assert "Pesan Telegram berbayar: 1 dari 1" in report
        assert bot.errors == []


async def test_a_call_cancelled_while_it_waits_its_turn_leaves_the_queue() -> None:
    """The free queue's count decides when money is spent: a call given up while waiting (a
    shutdown, a cancelled handler) must not stay counted."""
    lane = PaidLane(10)
    limiter, telegram = LoketRateLimiter(chat_burst=10_000, paid=lane), FakeTelegram()
    first = [asyncio.create_task(send(limiter, telegram, "sendMessage", FIRST + i)) for i in range(30)]
    await asyncio.gather(*first)  # Telegram's burst of 30: the free lane is empty now
    waiting = [asyncio.create_task(send(limiter, telegram, "sendMessage", FIRST + i)) for i in range(5)]
    await asyncio.sleep(0)
    assert lane.queued >= 4
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    assert lane.queued == 0


async def test_a_backlog_in_a_group_is_no_rush() -> None:
    """A group's messages wait for its 20 a minute; that queue says nothing of the bot's pace,
    so it never makes a private message go paid."""
    lane = PaidLane(10)
    limiter, telegram = LoketRateLimiter(chat_burst=10_000, paid=lane), FakeTelegram()
    group = [asyncio.create_task(send(limiter, telegram, "sendMessage", -100_200)) for _ in range(60)]
    await asyncio.sleep(0.05)  # 20 went, 40 wait for the group's pace
    assert lane.queued == 0
    await send(limiter, telegram, "sendMessage", CUSTOMER)
    assert telegram.delivered[-1] == (CUSTOMER, False) and lane.sent_total == 0
    for task in group:
        task.cancel()
    await asyncio.gather(*group, return_exceptions=True)
