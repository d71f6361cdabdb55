"""The inquiry limit (bot/payments/limits.py): sliding minute and hour windows per user."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.billers.base import InquiryError, InvalidCustomerNumber
from bot.payments.limits import SWEEP_EVERY, InquiryLimited, InquiryLimiter
from tests.core_fakes import ADMIN, NO_BILL_NUMBER, OTHER, USER, Clock, FakeBiller, make_service, snapshot

NUMBER = "02112345678"


def admitted(limiter: InquiryLimiter, user: int, clock: Clock) -> int | None:
    """None when let in, else the seconds the refusal says to wait."""
    try:
        limiter.admit(user, clock())
    except InquiryLimited as refused:
        return refused.retry_after
    return None


def test_the_minute_window_slides():
    clock, limiter = Clock(), InquiryLimiter(per_minute=30, per_hour=300)
    for _ in range(30):  # one a second: a busy reseller
        assert admitted(limiter, USER, clock) is None
        clock.advance(1)
    assert admitted(limiter, USER, clock) == 30  # the first of them leaves the window at 60 s
    clock.advance(29.5)
    assert admitted(limiter, USER, clock) == 1  # rounded up: never "try again in 0 s"
    clock.advance(0.5)
    assert admitted(limiter, USER, clock) is None  # t=60: the first dropped out, one place
    assert admitted(limiter, USER, clock) == 1  # the second (t=1) leaves in a second
    clock.advance(1)
    assert admitted(limiter, USER, clock) is None


def test_the_hour_window_counts_what_the_minute_window_lets_through():
    clock, limiter = Clock(), InquiryLimiter(per_minute=30, per_hour=300)
    for _ in range(10):  # 30 a minute for ten minutes: the hour's 300
        for _ in range(30):
            assert admitted(limiter, USER, clock) is None
        clock.advance(60)
    with pytest.raises(InquiryLimited) as refused:
        limiter.admit(USER, clock())
    assert refused.value.window == "hour"
    assert refused.value.retry_after == 3600 - 600  # the first 30 leave the hour at 60 min
    clock.advance(3600 - 600 - 1)
    assert admitted(limiter, USER, clock) == 1
    clock.advance(1)
    for _ in range(30):  # the first minute's 30 have left the hour
        assert admitted(limiter, USER, clock) is None
    assert admitted(limiter, USER, clock) is not None


def test_refusals_are_not_counted_and_users_are_counted_apart():
    clock, limiter = Clock(), InquiryLimiter(per_minute=2, per_hour=0)
    assert admitted(limiter, USER, clock) is None and admitted(limiter, USER, clock) is None
    for _ in range(50):  # hammering while refused does not push the window back
        assert admitted(limiter, USER, clock) == 60
    assert admitted(limiter, OTHER, clock) is None  # someone else is not slowed down
    clock.advance(60)
    assert admitted(limiter, USER, clock) is None


@pytest.mark.parametrize("per_minute, per_hour, let_in", [(0, 5, 5), (5, 0, 5), (0, 0, 1000)])
def test_zero_turns_a_window_off(per_minute, per_hour, let_in):
    clock, limiter = Clock(), InquiryLimiter(per_minute=per_minute, per_hour=per_hour)
    assert [admitted(limiter, USER, clock) for _ in range(let_in)] == [None] * let_in
    if let_in < 1000:
        assert admitted(limiter, USER, clock) is not None


def test_idle_users_are_forgotten():
    clock, limiter = Clock(), InquiryLimiter(per_minute=30, per_hour=300)
    for user in range(SWEEP_EVERY - 1):
        limiter.admit(user, clock())
    assert limiter.users() == SWEEP_EVERY - 1
    clock.advance(3600)
    limiter.admit(USER, clock())  # the sweep runs every SWEEP_EVERY admissions
    assert limiter.users() == 1


# -- through the payment core -----------------------------------------------------------------------
@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def biller():
    return FakeBiller()


@pytest.fixture
def service(tmp_path, biller, clock):
    return make_service(tmp_path / "db.sqlite3", biller, clock)  # the defaults: 30 / min, 300 / h


async def test_a_user_past_the_limit_stores_nothing_and_calls_no_biller(service, biller, clock):
    for i in range(29):
        await service.inquire(USER, "TELKOMPSTN", f"0211234{i:04d}")
    with pytest.raises(InquiryError):  # a number without a bill: no row, but a biller call: counted
        await service.inquire(USER, "TELKOMPSTN", NO_BILL_NUMBER)
    with pytest.raises(InvalidCustomerNumber):  # refused before any call: not counted
        await service.inquire(USER, "TELKOMPSTN", "12ab")
    before, calls = snapshot(service.ledger.db), biller.inquiries
    with pytest.raises(InquiryLimited) as refused:
        await service.inquire(USER, "TELKOMPSTN", NUMBER)
    assert refused.value.retry_after == 60 and refused.value.window == "minute"
    assert snapshot(service.ledger.db) == before and biller.inquiries == calls == 30
    assert (await service.inquire(OTHER, "TELKOMPSTN", NUMBER)).user_id == OTHER  # others go on
    clock.advance(60)
    assert (await service.inquire(USER, "TELKOMPSTN", NUMBER)).user_id == USER


async def test_operators_are_not_limited(service, biller):
    for i in range(350):
        await service.inquire(ADMIN, "TELKOMPSTN", f"0211234{i:04d}")
    assert biller.inquiries == 350


async def test_the_limits_are_settings(tmp_path, biller, clock):
    svc = make_service(
        tmp_path / "db.sqlite3", biller, clock, INQUIRY_LIMIT_PER_MINUTE="0", INQUIRY_LIMIT_PER_HOUR="40"
    )
    for _ in range(40):
        await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    with pytest.raises(InquiryLimited) as refused:
        await svc.inquire(USER, "TELKOMPSTN", NUMBER)
    assert refused.value.window == "hour" and refused.value.retry_after == 3600
    clock.advance(timedelta(hours=1).total_seconds())
    await svc.inquire(USER, "TELKOMPSTN", NUMBER)
