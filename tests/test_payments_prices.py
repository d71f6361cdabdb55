"""The operator's prices (bot/payments/prices.py) through the real core: precedence, events, and
that the amount debited is the amount the user confirmed, whatever happens to the rules later."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.payments.models import EntryKind, Role, TxState
from bot.payments.prices import ALL, InvalidPriceRule, ProductOff, pick, subject_of
from tests.core_fakes import ADMIN, OTHER, USER, FakeBiller, make_service, wallet_sums

NUMBER = "02112345678"
CODE = "TELKOMPSTN"
DEFAULT = 1500  # core_fakes' MARKUP

# (rules in force, role, expected markup): the most specific wins, user > role, product > all
PRECEDENCE = [
    ({}, "customer", DEFAULT),
    ({(ALL, "role:customer"): 2000}, "customer", 2000),
    ({(ALL, "role:customer"): 2000}, "reseller", DEFAULT),
    ({(ALL, "role:reseller"): 500}, "reseller", 500),
    ({(ALL, "role:reseller"): 500, (CODE, "role:reseller"): 700}, "reseller", 700),
    ({(CODE, "role:reseller"): 700, (ALL, f"user:{USER}"): 100}, "reseller", 100),
    ({(ALL, f"user:{USER}"): 100, (CODE, f"user:{USER}"): 0}, "reseller", 0),
    ({(CODE, f"user:{OTHER}"): 9}, "customer", DEFAULT),
    ({("PLNPOSTPAID", "role:customer"): 3}, "customer", DEFAULT),
    ({(ALL, "role:customer"): 4000}, "admin", 4000),  # operators are priced as customers
]


@pytest.mark.parametrize(("rules", "role", "expected"), PRECEDENCE)
def test_precedence_table(rules: dict[tuple[str, str], int], role: str, expected: int) -> None:
    assert pick(rules, CODE, USER, role, DEFAULT) == expected


SUBJECTS = st.sampled_from([f"user:{USER}", f"user:{OTHER}", "role:customer", "role:reseller"])
PRODUCTS = st.sampled_from([CODE, "PLNPOSTPAID", ALL])
RULES = st.dictionaries(st.tuples(PRODUCTS, SUBJECTS), st.integers(0, 50_000), max_size=10)


@settings(max_examples=300, deadline=None)
@given(rules=RULES, role=st.sampled_from(["customer", "reseller"]), extra=st.integers(0, 50_000))
def test_precedence_properties(rules: dict[tuple[str, str], int], role: str, extra: int) -> None:
    got = pick(rules, CODE, USER, role, DEFAULT)
    applying = [
        value
        for (product, subject), value in rules.items()
        if product in (CODE, ALL) and subject in (f"user:{USER}", f"role:{role}")
    ]
    assert got in applying if applying else got == DEFAULT
    # the user's own rule for this product always wins, whatever else is there
    assert pick({**rules, (CODE, f"user:{USER}"): extra}, CODE, USER, role, DEFAULT) == extra
    # a rule for another user, another role or another product changes nothing
    other_role = "reseller" if role == "customer" else "customer"
    for key in ((CODE, f"user:{OTHER}"), (ALL, f"role:{other_role}"), ("PLNPOSTPAID", f"user:{USER}")):
        assert pick({**rules, key: extra}, CODE, USER, role, DEFAULT) == got
    # any user rule beats every role rule
    if (ALL, f"user:{USER}") in rules and (CODE, f"user:{USER}") not in rules:
        assert got == rules[(ALL, f"user:{USER}")]


def test_subjects_are_roles_or_user_ids() -> None:
    assert subject_of("Reseller") == "role:reseller"
    assert subject_of(" customer ") == "role:customer"
    assert subject_of("1001") == "user:1001"
    for bad in ("admin", "", "-5", "0", "12a", "١٢"):
        with pytest.raises(InvalidPriceRule):
            subject_of(bad)


async def test_reseller_and_customer_pay_what_each_confirmed(tmp_path: Path) -> None:
    biller = FakeBiller()
    service = make_service(tmp_path / "l.sqlite3", biller)
    service.set_role(ADMIN, USER, Role.RESELLER)
    service.prices.set_rule(ADMIN, ALL, "role:customer", 3000)
    service.prices.set_rule(ADMIN, CODE, "role:reseller", 500)
    for user in (USER, OTHER):
        service.top_up(ADMIN, user, 1_000_000)
    reseller = await service.inquire(USER, CODE, NUMBER)
    customer = await service.inquire(OTHER, CODE, "02187654321")
    assert (reseller.bill_total, reseller.markup, reseller.amount) == (100_000, 500, 100_500)
    assert (customer.bill_total, customer.markup, customer.amount) == (100_000, 3000, 103_000)
    paid = [await service.pay(reseller.ref_id, USER), await service.pay(customer.ref_id, OTHER)]
    assert [tx.state for tx in paid] == [TxState.SUCCESS, TxState.SUCCESS]
    assert wallet_sums(service.ledger.db, USER)[EntryKind.DEBIT] == -100_500
    assert wallet_sums(service.ledger.db, OTHER)[EntryKind.DEBIT] == -103_000
    assert service.balance(USER) == 899_500 and service.balance(OTHER) == 897_000


async def test_a_price_change_after_the_bill_does_not_change_the_debit(tmp_path: Path) -> None:
    service = make_service(tmp_path / "l.sqlite3", FakeBiller())
    service.top_up(ADMIN, USER, 1_000_000)
    service.prices.set_rule(ADMIN, CODE, "role:customer", 2000)
    tx = await service.inquire(USER, CODE, NUMBER)
    assert tx.amount == 102_000
    service.prices.set_rule(ADMIN, CODE, "role:customer", 9000)
    service.prices.set_rule(ADMIN, CODE, f"user:{USER}", 0)
    assert service.prices.markup_for(CODE, USER) == 0
    paid = await service.pay(tx.ref_id, USER)
    assert paid.state is TxState.SUCCESS and paid.amount == 102_000
    assert service.balance(USER) == 1_000_000 - 102_000
    assert (await service.inquire(USER, CODE, NUMBER)).amount == 100_000  # a new bill: the new price


async def test_each_change_is_an_appended_event(tmp_path: Path) -> None:
    service = make_service(tmp_path / "l.sqlite3", FakeBiller())
    book = service.prices
    book.set_rule(ADMIN, "telkompstn", "role:reseller", 700)
    book.set_rule(ADMIN, CODE, "role:reseller", 900)
    book.set_rule(ADMIN, CODE, "role:reseller", None)  # removed: the default again
    assert [(c.product, c.old, c.new, c.actor_id) for c in book.changes()] == [
        (CODE, 900, None, ADMIN),
        (CODE, 700, 900, ADMIN),
        (CODE, None, 700, ADMIN),
    ]
    assert book.rules() == [] and book.markup_for(CODE, USER, "reseller") == DEFAULT
    db = service.ledger.db
    for sql in ("UPDATE price_events SET new = 1", "DELETE FROM price_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)


def test_only_operators_change_prices_and_amounts_are_whole_rupiah(tmp_path: Path) -> None:
    service = make_service(tmp_path / "l.sqlite3", FakeBiller())
    with pytest.raises(PermissionError):
        service.prices.set_rule(USER, ALL, "role:customer", 1)
    with pytest.raises(PermissionError):
        service.prices.switch(USER, CODE, False)
    for bad in (-1, 1.5, True, 10**13):
        with pytest.raises(InvalidPriceRule):
            service.prices.set_rule(ADMIN, ALL, "role:customer", bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidPriceRule):
        service.prices.set_rule(ADMIN, ALL, "role:admin", 1)
    assert service.prices.changes() == []


async def test_a_product_switched_off_takes_no_new_bills_but_a_shown_one_is_paid(tmp_path: Path) -> None:
    biller = FakeBiller()
    service = make_service(tmp_path / "l.sqlite3", biller)
    service.top_up(ADMIN, USER, 1_000_000)
    shown = await service.inquire(USER, CODE, NUMBER)
    assert service.prices.switch(ADMIN, CODE, False) and not service.prices.switch(ADMIN, CODE, False)
    asked = biller.inquiries
    with pytest.raises(ProductOff):
        await service.inquire(USER, CODE, NUMBER)
    assert biller.inquiries == asked  # the biller was never asked
    assert (await service.pay(shown.ref_id, USER)).state is TxState.SUCCESS
    service.prices.switch(ADMIN, CODE, True)
    assert (await service.inquire(USER, CODE, "02187654321")).state is TxState.INQUIRED
