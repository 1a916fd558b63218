"""product.updated.v2: a product's producer changes its names, unit or passport; nobody else, nothing else."""

from pathlib import Path
from typing import Any

import pytest

from registry.passport_tables import RegProductPassport
from registry.service import Draft, Registry
from registry.tables import RegBatch, RegHistory, RegProduct
from tests.registry.conftest import (
    GTIN,
    OTHER_PRODUCER,
    ROOT,
    add_own_key,
    gtin,
    live_digest,
    make_batch,
    make_producer,
    make_product,
    one,
    refused,
    refused_signed,
    replayed_digest,
    rows,
    v2,
)

WARNINGS = {"vi": "Chứa cá: người dị ứng với cá không dùng.", "en": "Contains fish: not for people allergic to it."}
SAUCE = gtin(8)
"""A fish sauce PRODUCER registers with a passport: 30 days' shelf life, one standard, counted in pieces."""


def update(gtin_: str = GTIN, **fields: Any) -> Draft:
    return "product.updated.v2", {"gtin": gtin_, **fields}


@pytest.fixture
def sauce(registry: Registry, producer: str) -> str:
    registry.submit_as(producer, [v2(make_product(gtin=SAUCE, names={"vi": "Nước mắm", "en": "Fish sauce"}),
                                     shelf_life_days=30, standards=["TCVN 5107:2018"], warnings=WARNINGS)])
    return SAUCE


@pytest.fixture
def rival(registry: Registry, producer: str) -> str:
    """OTHER_PRODUCER, a producer with a GS1 prefix of its own."""
    return make_producer(registry, OTHER_PRODUCER, "893900")


class TestUpdating:
    """A field given replaces its value; a field left out stays; each update is kept in the product's history."""

    def test_changes_the_unit_and_names_of_a_v1_product_and_gives_it_a_passport(self, registry: Registry,
                                                                                 producer: str) -> None:
        [receipt] = registry.submit_as(producer, [update(unit="XBO", names={"vi": "Nước mắm cốt",
                                                                           "en": "First-press fish sauce"},
                                                         shelf_life_days=720)])
        product = one(registry, RegProduct, gtin=GTIN)
        assert (product["unit"], product["name_vi"], product["producer"]) == ("XBO", "Nước mắm cốt", producer)
        assert one(registry, RegProductPassport, gtin=GTIN)["shelf_life_days"] == 720
        assert one(registry, RegHistory, entry=receipt.index) == {
            "entry": receipt.index, "subject_type": "product", "subject_id": GTIN, "action": "updated"}

    def test_leaves_what_it_does_not_give(self, registry: Registry, producer: str, sauce: str) -> None:
        registry.submit_as(producer, [update(sauce, usage={"vi": "Lắc đều.", "en": "Shake well."})])
        passport = one(registry, RegProductPassport, gtin=sauce)
        assert (passport["shelf_life_days"], passport["standards"], passport["warnings_vi"], passport["usage_en"]) \
            == (30, "TCVN 5107:2018", WARNINGS["vi"], "Shake well.")
        assert one(registry, RegProduct, gtin=sauce)["name_vi"] == "Nước mắm"

    def test_an_empty_list_of_standards_says_none(self, registry: Registry, producer: str, sauce: str) -> None:
        registry.submit_as(producer, [update(sauce, standards=[])])
        assert one(registry, RegProductPassport, gtin=sauce)["standards"] == ""

    def test_batches_keep_what_they_were_registered_with(self, registry: Registry, producer: str,
                                                         sauce: str) -> None:
        """A batch made under the old label keeps its unit and the expiry its label printed; new batches take
        the new unit and shelf life."""
        registry.submit_as(producer, [make_batch(gtin=sauce, lot="OLD", produced_on="2026-11-01")])
        registry.submit_as(producer, [update(sauce, unit="XBO", shelf_life_days=60)])
        registry.submit_as(producer, [make_batch(gtin=sauce, lot="NEW", unit="XBO", produced_on="2026-11-01")])
        old, new = one(registry, RegBatch, gtin=sauce, lot="OLD"), one(registry, RegBatch, gtin=sauce, lot="NEW")
        assert (old["unit"], old["expires_on"], new["unit"], new["expires_on"]) == (
            "H87", "2026-12-01", "XBO", "2026-12-31")
        refused(registry, producer, [make_batch(gtin=sauce, lot="AGAIN", produced_on="2026-11-01")], "unit-mismatch")

    def test_replay_rebuilds_the_same_projections(self, registry: Registry, producer: str, sauce: str,
                                                  tmp_path: Path) -> None:
        registry.submit_as(producer, [update(sauce, unit="XBO", image="cd" * 32), update(GTIN, standards=[
            "QCVN 8-2:2011/BYT"]), update(sauce, warnings={"vi": "Để xa tầm tay trẻ em.", "en": "Keep away from "
                                                           "children."})])
        assert replayed_digest(registry, tmp_path / "replay") == live_digest(registry)


class TestRefusals:
    """Every refusal leaves the log and the projections as they were (`refused` checks both)."""

    def test_a_rival_producer_cannot_update_anothers_product(self, registry: Registry, sauce: str,
                                                               rival: str) -> None:
        error = refused(registry, rival, [update(sauce, names={"vi": "Hàng nhái", "en": "Knock-off"})],
                        "not-your-product")
        assert "only the producer that registered it may update it" in error.en
        assert "chỉ nhà sản xuất đã đăng ký sản phẩm mới được cập nhật" in error.vi

    def test_an_authority_cannot_either(self, registry: Registry, sauce: str) -> None:
        refused(registry, ROOT, [update(sauce, shelf_life_days=1)], "role-not-allowed")

    def test_an_unknown_gtin(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [update(gtin(999), shelf_life_days=10)], "unknown-product")
        assert "chưa được đăng ký" in error.vi

    def test_an_empty_update(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [update()], "empty-update")
        assert error.vi == "bản cập nhật không thay đổi gì"

    @pytest.mark.parametrize("fields", [
        {"names": {"vi": "N" * 201, "en": "Fish sauce"}}, {"usage": {"vi": "x" * 2001, "en": "x"}},
        {"warnings": {"vi": "Chứa cá.", "en": ""}}, {"shelf_life_days": 0}, {"shelf_life_days": 3661},
        {"standards": ["TCVN 5107:2018"] * 2}, {"standards": ["TCVN 5107:2018"] * 21}, {"image": "AB" * 32},
        {"unit": "chai"}, {"usage": {"vi": "a\x00b", "en": "ab"}},
    ])
    def test_values_outside_their_bounds(self, registry: Registry, producer: str, sauce: str,
                                         fields: dict[str, Any]) -> None:
        refused(registry, producer, [update(sauce, **fields)], "invalid-body")

    @pytest.mark.parametrize("fields", [{"producer": OTHER_PRODUCER}, {"new_gtin": gtin(9)}, {"gtin": "08934"}])
    def test_the_gtin_and_the_producer_cannot_change(self, registry: Registry, producer: str,
                                                     fields: dict[str, Any]) -> None:
        refused(registry, producer, [("product.updated.v2", {"gtin": GTIN, "shelf_life_days": 5, **fields})],
                "invalid-body")

    def test_a_gtin_outside_viet_nam(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [update("04006381333931", shelf_life_days=5)], "invalid-body")

    def test_a_revoked_key_signs_no_update(self, registry: Registry, producer: str, sauce: str) -> None:
        key = add_own_key(registry, producer)
        registry.submit_as(ROOT, [("key.revoked.v1", {"organisation": producer, "key_id": key.key_id,
                                                      "reason": "Máy tính giữ khóa bị mất."})])
        refused_signed(registry, [key.sign(update(sauce, shelf_life_days=5))], "key-revoked")

    def test_a_rivals_own_key_cannot_sign_for_the_producer(self, registry: Registry, producer: str, sauce: str,
                                                            rival: str) -> None:
        key = add_own_key(registry, rival)
        refused_signed(registry, [key.sign(update(sauce, shelf_life_days=5), issuer=producer)], "unknown-key")

    def test_one_refused_update_takes_the_whole_batch_back(self, registry: Registry, producer: str,
                                                            sauce: str) -> None:
        refused(registry, producer, [update(sauce, shelf_life_days=5), update(gtin(999), shelf_life_days=5)],
                "unknown-product")
        assert rows(registry, RegHistory, subject_type="product") == []
