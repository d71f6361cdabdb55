"""A day's figures (bot/payments/figures.py) through the real core: what a user paid (bill +
markup = amount debited) and the operator's margin per product, from the biller's cost when it
told it, else from the bill total."""

from __future__ import annotations

from pathlib import Path

from bot.billers.base import NumberRule, Product, UnknownProduct
from bot.payments.figures import held, margins, paid
from bot.payments.models import TxState
from bot.payments.prices import ALL
from tests.core_fakes import ADMIN, OTHER, PRODUCT, USER, FakeBiller, make_service

PLN = Product(code="PLNPOSTPAID", name="PLN", category="pln", number_rule=NumberRule(min_length=6))


class TwoProductBiller(FakeBiller):
    def products(self) -> list[Product]:
        return [PRODUCT, PLN]

    def product(self, code: str) -> Product:
        for p in self.products():
            if p.code == code.upper():
                return p
        raise UnknownProduct(code)


async def test_what_a_user_paid_is_bill_plus_markup_of_the_successes(tmp_path: Path) -> None:
    biller = FakeBiller()
    service = make_service(tmp_path / "l.sqlite3", biller)
    service.top_up(ADMIN, USER, 1_000_000)
    service.prices.set_rule(ADMIN, ALL, f"user:{USER}", 700)
    for mode, number in (
        ("success", "021111"),
        ("success", "021112"),
        ("failed", "021113"),
        ("pending", "021114"),
    ):
        biller.pay_mode = mode
        tx = await service.inquire(USER, PRODUCT.code, number)
        await service.pay(tx.ref_id, USER)
    await service.inquire(USER, PRODUCT.code, "021115")  # shown, never paid
    _, txs = service.report(USER)
    done = paid(txs)
    assert (done.count, done.bill, done.markup, done.amount) == (2, 200_000, 1_400, 201_400)
    assert done.bill + done.markup == done.amount
    waiting = held(txs)
    assert (waiting.count, waiting.amount) == (1, 100_700)
    # the figures are what the wallet says: the successes and the open one debited, the failed refunded
    assert service.balance(USER) == 1_000_000 - done.amount - waiting.amount


async def test_margin_per_product_says_whether_the_biller_told_its_cost(tmp_path: Path) -> None:
    biller = TwoProductBiller(cost=98_500)
    service = make_service(tmp_path / "l.sqlite3", biller)
    for user in (USER, OTHER):
        service.top_up(ADMIN, user, 2_000_000)
    service.prices.set_rule(ADMIN, ALL, "role:customer", 2_000)
    service.prices.set_rule(ADMIN, PLN.code, f"user:{OTHER}", 500)

    async def pays(user: int, code: str, number: str) -> None:
        tx = await service.inquire(user, code, number)
        assert (await service.pay(tx.ref_id, user)).state is biller_state()

    def biller_state() -> TxState:
        return TxState.SUCCESS if biller.pay_mode == "success" else TxState.FAILED

    await pays(USER, PRODUCT.code, "021001")  # cost told: 102 000 - 98 500
    await pays(OTHER, PRODUCT.code, "021002")
    biller.cost = None
    await pays(USER, PRODUCT.code, "021003")  # no cost: 102 000 - 100 000
    await pays(USER, PLN.code, "531001")  # PLN, never a cost: 102 000 - 100 000
    await pays(OTHER, PLN.code, "531002")  # OTHER's own rule: 100 500 - 100 000
    biller.pay_mode = "failed"
    await pays(USER, PLN.code, "531003")  # refunded: no margin

    rows = {m.product_code: m for m in service.margins()}
    telkom, pln = rows[PRODUCT.code], rows[PLN.code]
    assert (telkom.count, telkom.paid, telkom.taken, telkom.by_cost) == (3, 306_000, 297_000, 2)
    assert (telkom.margin, telkom.basis) == (9_000, "mixed")
    assert (pln.count, pln.paid, pln.taken, pln.margin, pln.basis) == (2, 202_500, 200_000, 2_500, "bill")
    assert [m.product_code for m in service.margins()] == [PRODUCT.code, PLN.code]  # largest first
    # the sum of the margins is the day's profit the /stats figures already showed
    assert sum(m.margin for m in rows.values()) == service.stats().profit


async def test_only_told_costs_are_cost_and_a_day_without_success_has_no_margin(tmp_path: Path) -> None:
    biller = FakeBiller(cost=99_000)
    service = make_service(tmp_path / "l.sqlite3", biller)
    service.top_up(ADMIN, USER, 1_000_000)
    assert service.margins() == []
    tx = await service.inquire(USER, PRODUCT.code, "021001")
    assert service.margins() == []  # a bill shown is not a sale
    await service.pay(tx.ref_id, USER)
    (row,) = service.margins()
    assert (row.basis, row.taken, row.margin) == ("cost", 99_000, 2_500)
    assert margins([]) == []
