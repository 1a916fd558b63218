"""Quantities: a claimed batch charges its right's quota only for what its inputs carrying the same claim cannot
yield (registry.handlers.goods: `_credit`, `yield_of`, `_use_quota`), with the yields a GI declares
(gi.registered.v1 and gi.amended.v1)."""

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.service import Draft, Registry
from registry.tables import RegBatch, RegBatchClaim, RegGiYield, RegRight
from registry.values import decimal_text
from tests.registry.conftest import (
    GI,
    GI_CLAIM,
    GTIN,
    MARK_CLAIM,
    OTHER_PRODUCER,
    PRODUCER,
    PRODUCER_PREFIXES,
    RIGHT,
    ROOT,
    Clock,
    bootstrap,
    fresh_engine,
    gtin,
    live_digest,
    make_batch,
    make_event,
    make_gi,
    make_producer,
    make_product,
    make_right,
    new_registry,
    one,
    refused,
    replayed_digest,
    rows,
)

PIECES = GTIN
"""Fresh pomelos, counted in pieces (H87)."""
KILOS = gtin(1)
"""Pomelo pulp, in kilograms (KGM)."""
BOX = gtin(2)
"""Gift boxes (XBX)."""
GIFT = gtin(3)
"""A larger gift box (XBX), with a yield of its own."""
THEIR_PREFIX = "893900"
THEIRS = gtin(900, prefix="0893900")
"""OTHER_PRODUCER's pomelos, in pieces."""
UNITS = {PIECES: "H87", KILOS: "KGM", BOX: "XBX", GIFT: "XBX", THEIRS: "H87"}
TODAY = "2026-11-26"


def yield_(input_unit: str, output_unit: str, per_input: str, output_gtin: str | None = None) -> dict[str, str]:
    found = {"input_unit": input_unit, "output_unit": output_unit, "per_input": per_input}
    return found if output_gtin is None else {**found, "output_gtin": output_gtin}


def quota(quantity: str, unit: str = "H87") -> dict[str, str]:
    return {"quantity": quantity, "unit": unit}


def lot(name: str, quantity: str, product: str = PIECES, *inputs: tuple[str, str, str],
        claims: tuple[dict[str, str], ...] = (GI_CLAIM,)) -> Draft:
    """Lot `name` of `product`, claiming `claims`, made from `inputs` given as (gtin, lot, quantity)."""
    return make_batch(gtin=product, lot=name, quantity=quantity, unit=UNITS[product], produced_on=TODAY,
                      claims=list(claims), inputs=[{"gtin": g, "lot": n, "quantity": q} for g, n, q in inputs])


def claim(registry: Registry, name: str, product: str = PIECES, subject: dict[str, str] = GI_CLAIM) -> tuple[str, str]:
    """(credit, charged) of the claim of lot `name`."""
    row = one(registry, RegBatchClaim, gtin=product, lot=name, subject_type=subject["type"], subject_id=subject["id"])
    return row["credit"], row["charged"]


def used(registry: Registry, right: str = RIGHT) -> str:
    return str(one(registry, RegRight, id=right)["quota_used"])


@pytest.fixture
def products(registry: Registry, producer: str) -> Registry:
    """PRODUCER's products in pieces (PIECES), kilograms (KILOS) and boxes (BOX, GIFT)."""
    registry.submit_as(producer, [make_product(gtin=g, unit=UNITS[g]) for g in (KILOS, BOX, GIFT)])
    return registry


def declare(registry: Registry, yields: Sequence[dict[str, str]] = (), right_quota: dict[str, str] | None = None,
            **gi: Any) -> Registry:
    """The GI with `yields`, and RIGHT for PRODUCER with `right_quota`."""
    registry.submit_as(ROOT, [make_gi(yields=list(yields), **gi), make_right(quota=right_quota)])
    return registry


class TestSameUnit:
    """Between equal units a claimed input yields one for one: the output charges only what it holds beyond."""

    def test_a_hundred_from_sixty_claimed_charges_forty(self, products: Registry) -> None:
        declare(products, right_quota=quota("1000"))
        products.submit_as(PRODUCER, [lot("A", "60")])
        assert (claim(products, "A"), used(products)) == (("0", "60"), "60")
        products.submit_as(PRODUCER, [lot("B", "100", PIECES, (PIECES, "A", "60"))])
        assert (claim(products, "B"), used(products)) == (("60", "40"), "100")

    def test_an_output_within_what_its_inputs_yield_charges_nothing(self, products: Registry) -> None:
        declare(products, right_quota=quota("60"))
        products.submit_as(PRODUCER, [lot("A", "60"), lot("B", "30", PIECES, (PIECES, "A", "60"))])
        assert (claim(products, "B"), used(products)) == (("60", "0"), "60")

    def test_only_what_is_consumed_is_credited(self, products: Registry) -> None:
        declare(products)
        products.submit_as(PRODUCER, [lot("A", "100"), lot("B", "70", PIECES, (PIECES, "A", "50"))])
        assert claim(products, "B") == ("50", "20")

    def test_several_claimed_inputs_add_up_and_unclaimed_ones_give_nothing(self, products: Registry) -> None:
        declare(products)
        products.submit_as(PRODUCER, [lot("A", "30"), lot("A2", "20.5"), lot("RAW", "100", claims=()),
                                      lot("B", "80", PIECES, (PIECES, "A", "30"), (PIECES, "A2", "20.5"),
                                          (PIECES, "RAW", "100"))])
        assert claim(products, "B") == ("50.5", "29.5")

    def test_an_unclaimed_input_gives_no_credit(self, products: Registry) -> None:
        declare(products, right_quota=quota("150"))
        products.submit_as(PRODUCER, [lot("RAW", "60", claims=()), lot("B", "100", PIECES, (PIECES, "RAW", "60"))])
        assert (claim(products, "B"), used(products)) == (("0", "100"), "100")
        refused(products, PRODUCER, [lot("C", "60.5", PIECES, (PIECES, "B", "10"))], "quota-exceeded")
        products.submit_as(PRODUCER, [lot("C", "60", PIECES, (PIECES, "B", "10"))])
        assert (claim(products, "C"), used(products)) == (("10", "50"), "150")

    def test_an_input_claiming_another_subject_gives_no_credit(self, products: Registry, mark: str) -> None:
        declare(products)
        products.submit_as(PRODUCER, [lot("M", "60", claims=(MARK_CLAIM,)), lot("G", "40"),
                                      lot("B", "100", PIECES, (PIECES, "M", "60"), (PIECES, "G", "40"),
                                          claims=(GI_CLAIM, MARK_CLAIM))])
        assert claim(products, "B", subject=GI_CLAIM) == ("40", "60")
        assert claim(products, "B", subject=MARK_CLAIM) == ("60", "40")

    def test_a_claimed_lot_received_from_another_producer_gives_credit(self, products: Registry) -> None:
        declare(products)
        make_producer(products, OTHER_PRODUCER, THEIR_PREFIX)
        products.submit_as(ROOT, [make_right(id="right-2", holder=OTHER_PRODUCER, quota=quota("50"))])
        products.submit_as(OTHER_PRODUCER, [make_product(gtin=THEIRS), lot("T", "50", THEIRS),
                                            make_event(gtin=THEIRS, lot="T", destination=PRODUCER,
                                                       event_time=f"{TODAY}T01:00:00Z")])
        products.submit_as(PRODUCER, [lot("B", "80", PIECES, (THEIRS, "T", "50"))])
        assert (claim(products, "B"), used(products, "right-2")) == (("50", "30"), "50")

    def test_an_over_consumed_claimed_input_is_refused_and_charges_nothing(self, products: Registry) -> None:
        declare(products, right_quota=quota("1000"))
        products.submit_as(PRODUCER, [lot("A", "60")])
        refused(products, PRODUCER, [lot("B", "100", PIECES, (PIECES, "A", "60.000001"))], "mass-balance")
        assert used(products) == "60"

    def test_a_tiny_claimed_input_does_not_carry_a_huge_output_past_the_quota(self, products: Registry) -> None:
        declare(products, right_quota=quota("100"))
        products.submit_as(PRODUCER, [lot("TINY", "0.000001")])
        error = refused(products, PRODUCER, [lot("HUGE", "1000000", PIECES, (PIECES, "TINY", "0.000001"))],
                        "quota-exceeded")
        assert "would total 1,000,000 pieces; the quota is 100 pieces" in error.en
        assert used(products) == "0.000001"

    def test_the_quota_is_reached_exactly_and_then_holds(self, products: Registry) -> None:
        declare(products, right_quota=quota("100"))
        products.submit_as(PRODUCER, [lot("A", "40"), lot("B", "100", PIECES, (PIECES, "A", "40"))])
        assert (claim(products, "B"), used(products)) == (("40", "60"), "100")
        refused(products, PRODUCER, [lot("C", "100.000001", PIECES, (PIECES, "B", "100"))], "quota-exceeded")
        products.submit_as(PRODUCER, [lot("C", "100", PIECES, (PIECES, "B", "100"))])
        assert (claim(products, "C"), used(products)) == (("100", "0"), "100")


class TestYields:
    """Between different units a claimed input yields what the GI declares; a product's own yield beats the
    units' one; without a declared yield it yields nothing."""

    def test_a_declared_yield_between_units_gives_the_credit(self, products: Registry) -> None:
        declare(products, [yield_("H87", "KGM", "0.8")])
        products.submit_as(PRODUCER, [lot("A", "100"), lot("B", "100", KILOS, (PIECES, "A", "100"))])
        assert claim(products, "B", KILOS) == ("80", "20")

    def test_a_products_own_yield_beats_the_units_yield(self, products: Registry) -> None:
        declare(products, [yield_("KGM", "XBX", "0.4"), yield_("KGM", "XBX", "0.5", GIFT)])
        products.submit_as(PRODUCER, [lot("A", "20", KILOS), lot("B", "10", BOX, (KILOS, "A", "10")),
                                      lot("C", "10", GIFT, (KILOS, "A", "10"))])
        assert (claim(products, "B", BOX), claim(products, "C", GIFT)) == (("4", "6"), ("5", "5"))

    def test_a_products_own_yield_alone_leaves_other_products_without_one(self, products: Registry) -> None:
        declare(products, [yield_("KGM", "XBX", "0.5", GIFT)])
        products.submit_as(PRODUCER, [lot("A", "20", KILOS), lot("B", "10", BOX, (KILOS, "A", "10"))])
        assert claim(products, "B", BOX) == ("0", "10")

    def test_a_declared_yield_between_equal_units_replaces_one_for_one(self, products: Registry) -> None:
        declare(products, [yield_("KGM", "KGM", "0.3")])
        products.submit_as(PRODUCER, [lot("A", "100", KILOS), lot("B", "40", KILOS, (KILOS, "A", "100"))])
        assert claim(products, "B", KILOS) == ("30", "10")

    def test_without_a_yield_between_different_units_the_whole_batch_is_charged(self, products: Registry) -> None:
        declare(products, [yield_("H87", "KGM", "0.8")])
        products.submit_as(PRODUCER, [lot("A", "25", KILOS), lot("B", "10", BOX, (KILOS, "A", "25"))])
        assert claim(products, "B", BOX) == ("0", "10")

    def test_a_charge_in_another_unit_than_the_quotas_is_refused(self, products: Registry) -> None:
        declare(products, [yield_("KGM", "XBX", "0.4")], right_quota=quota("100", "KGM"))
        products.submit_as(PRODUCER, [lot("A", "30", KILOS), lot("B", "10", BOX, (KILOS, "A", "25"))])
        assert (claim(products, "B", BOX), used(products)) == (("10", "0"), "30")
        error = refused(products, PRODUCER, [lot("C", "3", BOX, (KILOS, "A", "5"))], "quota-unit")
        assert "counts its quota in kg, the batch in boxes; claimed inputs do not cover 1 box of the batch" in error.en

    def test_without_any_yield_a_charge_in_another_unit_is_refused(self, products: Registry) -> None:
        declare(products, right_quota=quota("100", "KGM"))
        products.submit_as(PRODUCER, [lot("A", "25", KILOS)])
        error = refused(products, PRODUCER, [lot("B", "10", BOX, (KILOS, "A", "25"))], "quota-unit")
        assert "claimed inputs do not cover 10 boxes" in error.en

    def test_marks_declare_no_yields(self, products: Registry, mark: str) -> None:
        products.submit_as(PRODUCER, [lot("A", "60", claims=(MARK_CLAIM,)),
                                      lot("B", "100", PIECES, (PIECES, "A", "30"), claims=(MARK_CLAIM,)),
                                      lot("C", "10", KILOS, (PIECES, "A", "30"), claims=(MARK_CLAIM,))])
        assert claim(products, "B", subject=MARK_CLAIM) == ("30", "70")
        assert claim(products, "C", KILOS, subject=MARK_CLAIM) == ("0", "10")

    def test_the_declared_yields_are_recorded(self, products: Registry) -> None:
        declare(products, [yield_("KGM", "XBX", "0.4") | {"text": "2,5 kg bưởi cho một hộp"},
                           yield_("KGM", "XBX", "0.5", GIFT)])
        found = {(r["input_unit"], r["output_unit"], r["output_gtin"]): (r["per_input"], r["text"], r["removed_entry"])
                 for r in rows(products, RegGiYield, gi=GI)}
        assert found == {("KGM", "XBX", ""): ("0.4", "2,5 kg bưởi cho một hộp", None),
                         ("KGM", "XBX", GIFT): ("0.5", None, None)}


class TestYieldRules:
    """A GI declares each yield once, with a positive quantity and known units and products."""

    @pytest.mark.parametrize("yields", [
        [yield_("KGM", "XBX", "0.4"), yield_("KGM", "XBX", "0.5")],
        [yield_("KGM", "XBX", "0.4", GIFT), yield_("KGM", "XBX", "0.4", GIFT)],
    ])
    def test_refuses_a_yield_given_twice(self, products: Registry, yields: list[dict[str, str]]) -> None:
        error = refused(products, ROOT, [make_gi(yields=yields)], "repeated-yield")
        assert "the yield from KGM to XBX is given twice" in error.en
        products.submit_as(ROOT, [make_gi()])
        refused(products, ROOT, [("gi.amended.v1", {"gi": GI, "yields": yields})], "repeated-yield")

    def test_the_same_units_for_another_product_are_not_a_repeat(self, products: Registry) -> None:
        products.submit_as(ROOT, [make_gi(yields=[yield_("KGM", "XBX", "0.4"), yield_("KGM", "XBX", "0.5", GIFT),
                                                  yield_("KGM", "XBX", "0.6", BOX), yield_("XBX", "KGM", "2.5")])])

    @pytest.mark.parametrize("bad", [yield_("KGM", "XBX", "0"), yield_("KGM", "XBX", "-1"), yield_("kg", "XBX", "1"),
                                     yield_("KGM", "XBX", "1e3"), yield_("KGM", "XBX", "１"),
                                     yield_("KGM", "XBX", "0.4", "04006381333931")])
    def test_refuses_a_yield_that_is_not_a_positive_quantity_between_known_units(self, products: Registry,
                                                                                bad: dict[str, str]) -> None:
        refused(products, ROOT, [make_gi(yields=[bad])], "invalid-body")


class TestAmendedYields:
    """gi.amended.v1 with yields replaces them for batches registered after it; without yields it keeps them."""

    @pytest.fixture
    def boxed(self, products: Registry) -> Registry:
        """The GI yields 0.4 box per kilogram; lot A of 100 kg, and box lot B1 made from 10 kg of it."""
        declare(products, [yield_("KGM", "XBX", "0.4")])
        products.submit_as(PRODUCER, [lot("A", "100", KILOS), lot("B1", "10", BOX, (KILOS, "A", "10"))])
        return products

    def amend(self, registry: Registry, **changes: Any) -> int:
        return registry.submit_as(ROOT, [("gi.amended.v1", {"gi": GI, **changes})])[0].index

    def test_new_yields_count_for_later_batches_only(self, boxed: Registry, tmp_path: Path) -> None:
        amended = self.amend(boxed, yields=[yield_("KGM", "XBX", "0.5")])
        boxed.submit_as(PRODUCER, [lot("B2", "10", BOX, (KILOS, "A", "10"))])
        assert (claim(boxed, "B1", BOX), claim(boxed, "B2", BOX)) == (("4", "6"), ("5", "5"))
        assert sorted((r["per_input"], r["removed_entry"]) for r in rows(boxed, RegGiYield, gi=GI)) == [
            ("0.4", amended), ("0.5", None)]
        assert replayed_digest(boxed, tmp_path) == live_digest(boxed)

    def test_an_empty_list_removes_every_yield(self, boxed: Registry) -> None:
        self.amend(boxed, yields=[])
        boxed.submit_as(PRODUCER, [lot("B2", "10", BOX, (KILOS, "A", "10")), lot("K", "10", KILOS, (KILOS, "A", "10"))])
        assert (claim(boxed, "B2", BOX), claim(boxed, "K", KILOS)) == (("0", "10"), ("10", "0"))
        assert rows(boxed, RegGiYield, gi=GI, removed_entry=None) == []

    def test_an_amendment_without_yields_keeps_them(self, boxed: Registry) -> None:
        self.amend(boxed, specification="Bưởi trồng trên đất phù sa sông Đáy, đóng hộp tại vùng.")
        boxed.submit_as(PRODUCER, [lot("B2", "10", BOX, (KILOS, "A", "10"))])
        assert claim(boxed, "B2", BOX) == ("4", "6")

    def test_a_yield_may_be_declared_again_after_it_was_replaced(self, boxed: Registry) -> None:
        self.amend(boxed, yields=[yield_("KGM", "XBX", "0.5")])
        self.amend(boxed, yields=[yield_("KGM", "XBX", "0.4")])
        boxed.submit_as(PRODUCER, [lot("B2", "10", BOX, (KILOS, "A", "10"))])
        assert claim(boxed, "B2", BOX) == ("4", "6")
        assert len(rows(boxed, RegGiYield, gi=GI)) == 3


class TestWithoutQuota:
    """A right without a quota takes any quantity; its claims still record credit and charge."""

    def test_any_quantity_is_taken_and_recorded(self, products: Registry) -> None:
        declare(products)
        products.submit_as(PRODUCER, [lot("A", "999999999999999"),
                                      lot("B", "999999999999999.5", PIECES, (PIECES, "A", "999999999999999"))])
        assert (claim(products, "A"), claim(products, "B"), used(products)) == (
            ("0", "999999999999999"), ("999999999999999", "0.5"), "0")

    def test_an_unclaimed_batch_records_no_claim(self, products: Registry) -> None:
        declare(products, right_quota=quota("10"))
        products.submit_as(PRODUCER, [lot("A", "500", claims=())])
        assert (rows(products, RegBatchClaim, gtin=PIECES, lot="A"), used(products)) == ([], "0")


# A model of claims, yields and quota over random transformation graphs.

PRODUCTS = (PIECES, KILOS, BOX, GIFT)
QUANTITIES = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(300), places=3)
YIELDS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5), places=3)
PAIRS = [(i, o) for i in ("H87", "KGM", "XBX") for o in ("H87", "KGM", "XBX")]


@dataclass
class Lot:
    unit: str
    quantity: Decimal
    claimed: bool
    used: Decimal = Decimal(0)


@dataclass
class Ledger:
    """What the rules should make of the batches drawn so far: their lots, the quota used and each claim's credit
    and charge."""

    quota: Decimal
    yields: dict[tuple[str, str, str], Decimal]
    lots: dict[tuple[str, str], Lot] = field(default_factory=dict)
    used: Decimal = Decimal(0)
    claims: dict[tuple[str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)

    def yield_of(self, source: str, unit: str, product: str) -> Decimal:
        found = self.yields.get((source, unit, product), self.yields.get((source, unit, "")))
        if found is not None:
            return found
        return Decimal(1) if source == unit else Decimal(0)

    def credit(self, product: str, inputs: list[tuple[tuple[str, str], Decimal]]) -> Decimal:
        """What `inputs` carrying the claim yield of `product`."""
        unit = UNITS[product]
        return sum((amount * self.yield_of(self.lots[key].unit, unit, product)
                    for key, amount in inputs if self.lots[key].claimed), Decimal(0))

    def outcome(self, product: str, quantity: Decimal, claimed: bool, credit: Decimal) -> tuple[str | None, Decimal]:
        """(refusal code or None, charge) of a batch of `quantity` with `credit`."""
        charge = max(quantity - credit, Decimal(0))
        if claimed and charge > 0 and UNITS[product] != "H87":
            return "quota-unit", charge
        if claimed and self.used + charge > self.quota:
            return "quota-exceeded", charge
        return None, charge


def draw_quantity(data: st.DataObject, credit: Decimal) -> Decimal:
    """A batch quantity: anything, or (when the inputs give credit) within it or a little beyond."""
    how = data.draw(st.sampled_from(["any", "within", "beyond"] if credit else ["any"]), label="quantity kind")
    if how == "within":
        share = data.draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2), label="share")
        return max((credit * share).quantize(Decimal("0.001"), rounding=ROUND_DOWN), Decimal("0.001"))
    if how == "beyond":
        return credit + data.draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3),
                                  label="beyond")
    return data.draw(QUANTITIES, label="quantity")


@contextmanager
def transformation_world(directory: Path, data: st.DataObject) -> Iterator[tuple[Registry, Ledger]]:
    """A registry of its own with PRODUCER's four products, the GI with drawn yields and RIGHT with a drawn quota
    in pieces; and the model."""
    with fresh_engine(directory) as engine:
        registry = new_registry(engine, Clock())
        bootstrap(registry)
        make_producer(registry, PRODUCER, *PRODUCER_PREFIXES)
        registry.submit_as(PRODUCER, [make_product(gtin=g, unit=UNITS[g]) for g in PRODUCTS])
        pairs = data.draw(st.lists(st.sampled_from(PAIRS), unique=True, max_size=5), label="yield pairs")
        yields = {(i, o, ""): data.draw(YIELDS, label=f"yield {i}->{o}") for i, o in pairs}
        if data.draw(st.booleans(), label="gift yield"):
            yields["KGM", "XBX", GIFT] = data.draw(YIELDS, label="gift yield")
        declared = [yield_(i, o, decimal_text(v), g or None) for (i, o, g), v in yields.items()]
        limit = data.draw(st.decimals(min_value=Decimal(1), max_value=Decimal(1000), places=3), label="quota")
        declare(registry, declared, quota(decimal_text(limit)))
        yield registry, Ledger(limit, yields)


class TestQuotaProperty:
    """On random transformation graphs with claims and yields, the registry charges what the model says, refuses
    what it says, and the quota is never exceeded: quota_used is the sum of what the claims charged."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_charges_never_exceed_the_quota(self, tmp_path: Path, data: st.DataObject) -> None:
        directory = tmp_path / secrets.token_hex(4)
        with transformation_world(directory, data) as (registry, ledger):
            for step in range(data.draw(st.integers(1, 12), label="batches")):
                product = data.draw(st.sampled_from(PRODUCTS), label="product")
                claimed = data.draw(st.sampled_from([True, True, True, False]), label="claimed")
                left = sorted(k for k, v in ledger.lots.items() if v.quantity > v.used)
                chosen = data.draw(st.lists(st.sampled_from(left), unique=True, max_size=3), label="inputs") \
                    if left else []
                inputs = []
                for key in chosen:
                    source = ledger.lots[key]
                    inputs.append((key, data.draw(st.one_of(st.just(source.quantity - source.used), st.decimals(
                        min_value=Decimal("0.001"), max_value=source.quantity - source.used, places=3)))))
                credit = ledger.credit(product, inputs)
                quantity = draw_quantity(data, credit)
                code, charge = ledger.outcome(product, quantity, claimed, credit)
                name = f"L{step}"
                draft = lot(name, decimal_text(quantity), product,
                            *[(g, n, decimal_text(a)) for (g, n), a in inputs], claims=(GI_CLAIM,) if claimed else ())
                if code is not None:
                    refused(registry, PRODUCER, [draft], code)
                    continue
                registry.submit_as(PRODUCER, [draft])
                ledger.lots[product, name] = Lot(UNITS[product], quantity, claimed)
                for key, amount in inputs:
                    ledger.lots[key].used += amount
                if claimed:
                    ledger.used += charge
                    ledger.claims[product, name] = (credit, charge)
            found = {(r["gtin"], r["lot"]): (Decimal(r["credit"]), Decimal(r["charged"]))
                     for r in rows(registry, RegBatchClaim)}
            assert found == ledger.claims
            total = sum((charged for _, charged in found.values()), Decimal(0))
            assert Decimal(used(registry)) == total == ledger.used <= ledger.quota
            for (product, name), expected in ledger.lots.items():
                assert Decimal(one(registry, RegBatch, gtin=product, lot=name)["used"]) == expected.used
            assert replayed_digest(registry, directory) == live_digest(registry)
