"""Products, batches (claims, quotas, mass balance), events, recalls and serials."""

from datetime import UTC, datetime

import pytest

from registry.passport_tables import RegProductPassport
from registry.service import Draft, Registry
from registry.tables import RegBatch, RegBatchClaim, RegBatchInput, RegEvent, RegProduct, RegRight, RegSerial
from tests.registry.conftest import (
    COMMUNE,
    GI_CLAIM,
    GTIN,
    INSPECTOR,
    MARK_CLAIM,
    MARK_RIGHT,
    OTHER_COMMUNE,
    OTHER_GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    RIGHT,
    ROOT,
    Clock,
    grant,
    gtin,
    license_prefixes,
    make_batch,
    make_event,
    make_gi,
    make_mark,
    make_org,
    make_producer,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
    one,
    refused,
    rows,
    v2,
)

OLD_COMMUNE = {"code": COMMUNE["code"], "version": "2019-12-01"}
"""COMMUNE's code, cited from the administrative list before the 2025 reform: another place."""
THEIR_PREFIX = "893900"
THEIR_GTIN = gtin(900, prefix="0893900")
"""OTHER_PRODUCER's product, counted in pieces, under its own GS1 prefix THEIR_PREFIX."""


@pytest.fixture
def other_producer(registry: Registry, producer: str) -> str:
    make_producer(registry, OTHER_PRODUCER, THEIR_PREFIX)
    registry.submit_as(OTHER_PRODUCER, [make_product(gtin=THEIR_GTIN)])
    return OTHER_PRODUCER


@pytest.fixture
def inspector(registry: Registry) -> str:
    make_org(registry, INSPECTOR, ["inspector"])
    return INSPECTOR


class TestProductRegistered:
    """Producers register their products under a Vietnamese GTIN, each GTIN once."""

    def test_registers_the_product_for_its_producer(self, registry: Registry, producer: str) -> None:
        product = one(registry, RegProduct, gtin=GTIN)
        assert (product["producer"], product["unit"], product["name_vi"]) == (producer, "H87", "Bưởi Hoài Đức")

    def test_refuses_a_gtin_registered_before(self, registry: Registry, other_producer: str) -> None:
        refused(registry, other_producer, [make_product(unit="KGM")], "duplicate-product")

    def test_refuses_an_issuer_that_is_not_a_producer(self, registry: Registry, inspector: str) -> None:
        refused(registry, inspector, [make_product(gtin=OTHER_GTIN)], "role-not-allowed")

    def test_refuses_a_foreign_gtin(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_product(gtin="04006381333931")], "invalid-body")
        assert "GS1 prefix 400" in error.en

    def test_refuses_a_unit_outside_the_list(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_product(gtin=OTHER_GTIN, unit="kg")], "invalid-body")

    def test_counts_a_bottled_product_in_bottles(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_product(gtin=OTHER_GTIN, unit="XBO")])
        assert one(registry, RegProduct, gtin=OTHER_GTIN)["unit"] == "XBO"


GTIN8 = "00000089370018"
"""The GTIN-8 89370018 as a GTIN-14: GS1 Viet Nam assigns a GTIN-8 on its own, licensed as its 8 digits."""
NEXT_GTIN8 = "00000089370025"


class TestGtin8:
    """A GTIN-8 of GS1 Viet Nam (GS1-8 prefix 893) is registered by the holder of a licence for exactly it."""

    @pytest.fixture
    def holder(self, registry: Registry, producer: str) -> str:
        license_prefixes(registry, producer, "89370018")
        return producer

    def test_the_holder_registers_its_gtin8(self, registry: Registry, holder: str) -> None:
        registry.submit_as(holder, [make_product(gtin=GTIN8, unit="XPA")])
        product = one(registry, RegProduct, gtin=GTIN8)
        assert (product["producer"], product["licence"]) == (holder, "licence-89370018")

    def test_the_holder_cannot_register_the_next_gtin8(self, registry: Registry, holder: str) -> None:
        refused(registry, holder, [make_product(gtin=NEXT_GTIN8)], "gtin-not-licensed")

    def test_a_company_prefix_does_not_number_gtin8s(self, registry: Registry, producer: str) -> None:
        """PRODUCER's company prefix 893000 would hold 89300015 if a GTIN-8 had a company prefix; it has none."""
        refused(registry, producer, [make_product(gtin="00000089300015")], "gtin-not-licensed")

    def test_another_producer_cannot_register_someone_elses_gtin8(self, registry: Registry, holder: str,
                                                                    other_producer: str) -> None:
        refused(registry, other_producer, [make_product(gtin=GTIN8)], "gtin-not-licensed")

    def test_a_gtin8_of_another_country_is_refused(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_product(gtin="00000040012346")], "invalid-body")
        assert "GS1-8 prefix is 400" in error.en

    def test_a_gtin12_is_refused_as_gs1_us_numbering(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_product(gtin="00036000291452")], "invalid-body")
        assert "GTIN-12 (UPC-A) 036000291452, numbered by GS1 US" in error.en
        assert "GS1 Hoa Kỳ" in error.vi


PASSPORT_GTIN = gtin(7)
USAGE = {"vi": "Lắc đều trước khi dùng.", "en": "Shake well before use."}
WARNINGS = {"vi": "Chứa cá: người dị ứng với cá không dùng.", "en": "Contains fish: not for people allergic to it."}


def passport_product(**fields: object) -> Draft:
    """PASSPORT_GTIN by product.registered.v2, with a passport unless `fields` say otherwise."""
    return v2(make_product(gtin=PASSPORT_GTIN), **{
        "image": "ab" * 32, "shelf_life_days": 30, "standards": ["TCVN 5107:2018", "QCVN 8-2:2011/BYT"],
        "usage": USAGE, "warnings": WARNINGS, **fields})


class TestProductPassport:
    """product.registered.v2 records what a product's digital passport shows; its v1 body stays as it was."""

    def test_records_the_passport_beside_the_product(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [passport_product()])
        assert one(registry, RegProduct, gtin=PASSPORT_GTIN)["producer"] == producer
        assert one(registry, RegProductPassport, gtin=PASSPORT_GTIN) == {
            "gtin": PASSPORT_GTIN, "image": "ab" * 32, "shelf_life_days": 30,
            "standards": "TCVN 5107:2018\nQCVN 8-2:2011/BYT", "usage_vi": USAGE["vi"], "usage_en": USAGE["en"],
            "warnings_vi": WARNINGS["vi"], "warnings_en": WARNINGS["en"]}

    def test_every_field_of_the_passport_is_optional(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [passport_product(image=None, shelf_life_days=None, standards=None, usage=None,
                                                       warnings=None)])
        assert one(registry, RegProductPassport, gtin=PASSPORT_GTIN)["standards"] == ""

    def test_a_v1_body_refuses_the_fields_of_v2(self, registry: Registry, producer: str) -> None:
        _, body = passport_product()
        error = refused(registry, producer, [("product.registered.v1", body)], "invalid-body")
        assert "shelf_life_days: Extra inputs are not permitted" in error.en

    @pytest.mark.parametrize("fields", [
        {"shelf_life_days": 0}, {"shelf_life_days": 3661}, {"shelf_life_days": "30"}, {"shelf_life_days": True},
        {"standards": ["tcvn 5107:2018"]}, {"standards": ["TCVN 5107:2018", "TCVN 5107:2018"]},
        {"standards": ["TCVN  5107:2018\n"]}, {"standards": [f"TCVN {n}:2018" for n in range(21)]},
        {"usage": {"vi": "x" * 2001, "en": "x"}}, {"usage": {"vi": "Lắc đều."}}, {"warnings": {"vi": "", "en": "x"}},
        {"image": "AB" * 32}, {"image": "ab" * 31},
    ], ids=lambda fields: repr(fields)[:40])
    def test_refuses_a_passport_outside_its_bounds(self, registry: Registry, producer: str,
                                                   fields: dict[str, object]) -> None:
        refused(registry, producer, [passport_product(**fields)], "invalid-body")

    @pytest.mark.parametrize("code", ["TCVN 5107:2018", "QCVN 8-2:2011/BYT", "QCĐP 01:2020/HN", "ISO 22000:2018",
                                      "TCCS 01:2026/HL", "TCVN ISO 9001:2015"])
    def test_accepts_standards_as_they_are_cited(self, registry: Registry, producer: str, code: str) -> None:
        registry.submit_as(producer, [passport_product(standards=[code])])
        assert one(registry, RegProductPassport, gtin=PASSPORT_GTIN)["standards"] == code


class TestBatchExpiry:
    """A batch's expiry date: declared by batch.registered.v2, or its production date plus its product's shelf
    life; never before it was made."""

    def test_records_a_declared_expiry_date(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [v2(make_batch(), expires_on="2027-05-01")])
        assert one(registry, RegBatch, gtin=GTIN, lot="L1")["expires_on"] == "2027-05-01"

    def test_derives_it_from_the_products_shelf_life(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [passport_product(), make_batch(gtin=PASSPORT_GTIN, produced_on="2026-11-01")])
        assert one(registry, RegBatch, gtin=PASSPORT_GTIN, lot="L1")["expires_on"] == "2026-12-01"

    def test_a_declared_date_wins_over_the_shelf_life(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [passport_product(), v2(make_batch(gtin=PASSPORT_GTIN), expires_on="2026-11-20")])
        assert one(registry, RegBatch, gtin=PASSPORT_GTIN, lot="L1")["expires_on"] == "2026-11-20"

    def test_a_batch_of_a_product_without_a_shelf_life_has_none(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_batch(), v2(make_batch(lot="L2"))])
        assert {row["expires_on"] for row in rows(registry, RegBatch, gtin=GTIN)} == {None}

    def test_may_expire_on_the_day_it_was_made(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [v2(make_batch(produced_on="2026-11-01"), expires_on="2026-11-01")])
        assert one(registry, RegBatch, gtin=GTIN, lot="L1")["expires_on"] == "2026-11-01"

    def test_refuses_an_expiry_before_the_production_date(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [v2(make_batch(produced_on="2026-11-01"), expires_on="2026-10-31")],
                        "expiry-before-production")
        assert "expiry date 2026-10-31 is before production date 2026-11-01" in error.en
        assert "hạn sử dụng 31/10/2026 sớm hơn ngày sản xuất 01/11/2026" in error.vi

    def test_refuses_it_in_a_submission_of_several_with_nothing_appended(self, registry: Registry,
                                                                         producer: str) -> None:
        refused(registry, producer, [make_batch(lot="L0"), v2(make_batch(produced_on="2026-11-01"),
                                                               expires_on="2026-01-01")], "expiry-before-production")

    @pytest.mark.parametrize("expires_on", ["2027-02-30", "01/12/2027", "2027-1-5", "２０２７-01-05"])
    def test_refuses_a_date_that_is_not_one(self, registry: Registry, producer: str, expires_on: str) -> None:
        refused(registry, producer, [v2(make_batch(), expires_on=expires_on)], "invalid-body")

    def test_a_v1_body_refuses_an_expiry_date(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [("batch.registered.v1", v2(make_batch(), expires_on="2027-05-01")[1])],
                "invalid-body")


class TestBatchRegistered:
    """A producer registers lots of its own products, once per GTIN, with sane dates."""

    def test_registers_a_batch(self, registry: Registry, producer: str) -> None:
        [receipt] = registry.submit_as(producer, [make_batch(quantity="12.5")])
        batch = one(registry, RegBatch, gtin=GTIN, lot="L1")
        assert (batch["producer"], batch["quantity"], batch["used"], batch["serials"], batch["origin_code"],
                batch["origin_version"], batch["recalled_entry"], batch["entry"]) == (
            producer, "12.5", "0", 0, "09877", "2025-07-01", None, receipt.index)

    def test_refuses_an_issuer_that_is_not_a_producer(self, registry: Registry, producer: str,
                                                      association: str) -> None:
        refused(registry, association, [make_batch()], "role-not-allowed")

    def test_refuses_an_unknown_product(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_batch(gtin=OTHER_GTIN)], "unknown-product")

    def test_refuses_a_product_of_another_producer(self, registry: Registry, other_producer: str) -> None:
        error = refused(registry, other_producer, [make_batch()], "not-your-product")
        assert f"belongs to {PRODUCER}" in error.en

    def test_refuses_a_unit_other_than_the_products(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_batch(unit="KGM")], "unit-mismatch")
        assert "counted in H87, not KGM" in error.en

    def test_refuses_a_lot_registered_before_for_the_gtin(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_batch()])
        refused(registry, producer, [make_batch(quantity="5")], "duplicate-lot")

    def test_the_same_lot_is_fine_under_another_gtin(self, registry: Registry, other_producer: str) -> None:
        registry.submit_as(PRODUCER, [make_batch()])
        registry.submit_as(other_producer, [make_batch(gtin=THEIR_GTIN)])

    def test_refuses_a_production_date_after_the_day_of_registration(self, registry: Registry,
                                                                     producer: str) -> None:
        error = refused(registry, producer, [make_batch(produced_on="2026-11-27")], "date-in-future")
        assert "production date 2026-11-27 is after 2026-11-26, the day the registry records the statement" \
            in error.en

    def test_days_are_days_in_viet_nam(self, registry: Registry, producer: str, clock: Clock) -> None:
        clock.now = datetime(2026, 11, 26, 17, 30, tzinfo=UTC)  # 00:30 on 27 November in Hà Nội
        registry.submit_as(producer, [make_batch(produced_on="2026-11-27")])
        refused(registry, producer, [make_batch(lot="L2", produced_on="2026-11-28")], "date-in-future")

    def test_refuses_a_production_date_before_1900(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_batch(produced_on="1899-12-31")], "date-too-old")
        registry.submit_as(producer, [make_batch(produced_on="1900-01-01")])

    def test_refuses_an_impossible_production_date(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_batch(produced_on="2026-02-30")], "invalid-body")

    def test_refuses_a_zero_quantity(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_batch(quantity="0")], "invalid-body")

    def test_refuses_a_claim_made_twice(self, registry: Registry, gi: str) -> None:
        refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM, GI_CLAIM])], "repeated-claim")

    def test_refuses_an_input_listed_twice(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_batch(lot="IN")])
        item = {"gtin": GTIN, "lot": "IN", "quantity": "1"}
        refused(registry, producer, [make_batch(lot="OUT", inputs=[item, item])], "repeated-input")


class TestClaims:
    """A GI or mark claim needs a right of use in force on the production date and on the day of registration,
    a production date at most 30 days before registration, and for a GI an origin in its area."""

    def test_records_the_right_a_claim_rests_on(self, registry: Registry, gi: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(claims=[GI_CLAIM])])
        [claim] = rows(registry, RegBatchClaim, gtin=GTIN, lot="L1")
        assert (claim["subject_type"], claim["subject_id"], claim["right"]) == ("gi", gi, RIGHT)

    def test_refuses_a_claim_without_a_right(self, registry: Registry, gi: str, other_producer: str) -> None:
        error = refused(registry, other_producer, [make_batch(gtin=THEIR_GTIN, claims=[GI_CLAIM])],
                        "no-right-of-use")
        assert (f"Organisation {OTHER_PRODUCER} holds no right to use the GI “Hoai Duc pomelo” in force on 1 November "
                "2026 and on 26 November 2026") in error.en
        assert (f"Tổ chức {OTHER_PRODUCER} không có quyền sử dụng chỉ dẫn địa lý «Bưởi Hoài Đức» còn hiệu lực vào ngày "
                "01/11/2026 và ngày 26/11/2026 (ngày đăng ký lô)") == error.vi
        assert gi not in error.en + error.vi

    def test_refuses_a_claim_produced_before_the_right_starts(self, registry: Registry, producer: str) -> None:
        registry.submit_as(ROOT, [make_gi(), make_right(valid_from="2026-11-10")])
        refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM], produced_on="2026-11-05")], "no-right-of-use")
        registry.submit_as(PRODUCER, [make_batch(claims=[GI_CLAIM], produced_on="2026-11-10")])

    def test_refuses_a_claim_while_the_right_is_suspended_whatever_the_production_date(
            self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [make_right_change("suspended", effective_on="2026-11-10")])
        refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM], produced_on="2026-11-12")], "no-right-of-use")
        error = refused(registry, PRODUCER, [make_batch(lot="L0", claims=[GI_CLAIM], produced_on="2026-11-09")],
                        "no-right-of-use")
        assert "on 9 November 2026 and on 26 November 2026, when the batch is registered" in error.en

    def test_refuses_a_claim_produced_more_than_thirty_days_before_registration(self, registry: Registry,
                                                                              gi: str) -> None:
        error = refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM], produced_on="2026-10-26")],
                        "production-too-early")
        assert "more than 30 days before 2026-11-26" in error.en
        registry.submit_as(PRODUCER, [make_batch(claims=[GI_CLAIM], produced_on="2026-10-27")])

    def test_an_unclaimed_batch_may_be_registered_long_after_production(self, registry: Registry,
                                                                       producer: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(produced_on="2020-01-01")])

    def test_refuses_a_claim_under_a_revoked_right(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [make_right_change("revoked", effective_on="2026-10-01")])
        refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM])], "no-right-of-use")

    def test_refuses_an_origin_outside_the_area(self, registry: Registry, gi: str) -> None:
        error = refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM], origin=OTHER_COMMUNE)],
                        "origin-outside-area")
        assert ("Xã Hoài Đức (code 09832 of the list of 1 July 2025) is outside the area of the GI "
                "“Hoai Duc pomelo”") in error.en

    def test_refuses_the_same_commune_code_cited_from_another_administrative_version(
            self, registry: Registry, gi: str) -> None:
        error = refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM], origin=OLD_COMMUNE)],
                        "origin-outside-area")
        assert "code 09877 of the list of 1 December 2019" in error.en

    def test_an_unclaimed_batch_may_come_from_anywhere(self, registry: Registry, gi: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(origin=OLD_COMMUNE)])

    def test_refuses_claims_on_an_unknown_or_cancelled_gi(self, registry: Registry, gi: str) -> None:
        refused(registry, PRODUCER, [make_batch(claims=[{"type": "gi", "id": "vai-thieu"}])], "unknown-gi")
        registry.submit_as(ROOT, [("gi.cancelled.v1", {"gi": gi, "effective_on": "2026-01-01", "reason": "x"})])
        refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM])], "gi-cancelled")

    def test_follows_an_amended_area(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [("gi.amended.v1", {"gi": gi, "area": [{"commune": OLD_COMMUNE}]})])
        refused(registry, PRODUCER, [make_batch(claims=[GI_CLAIM])], "origin-outside-area")
        registry.submit_as(PRODUCER, [make_batch(claims=[GI_CLAIM], origin=OLD_COMMUNE)])

    def test_accepts_a_mark_claim_under_the_owners_right(self, registry: Registry, mark: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(claims=[MARK_CLAIM], origin=OLD_COMMUNE)])
        assert one(registry, RegBatchClaim, gtin=GTIN, lot="L1", subject_type="mark", subject_id=mark)["right"] \
            == MARK_RIGHT

    def test_refuses_a_mark_claim_outside_the_marks_term(self, registry: Registry, association: str,
                                                         producer: str) -> None:
        registry.submit_as(ROOT, [make_mark(valid_from="2016-11-20", valid_until="2026-11-20")])
        grant(registry, association, id=MARK_RIGHT, subject=MARK_CLAIM, valid_from="2020-06-01")
        refused(registry, PRODUCER, [make_batch(claims=[MARK_CLAIM], produced_on="2026-11-21")], "mark-not-in-force")
        error = refused(registry, PRODUCER, [make_batch(claims=[MARK_CLAIM], produced_on="2026-11-20")],
                        "mark-not-in-force")
        assert "not on 26 November 2026" in error.en

    def test_refuses_a_mark_claim_without_a_right(self, registry: Registry, mark: str, other_producer: str) -> None:
        refused(registry, other_producer, [make_batch(gtin=THEIR_GTIN, claims=[MARK_CLAIM])], "no-right-of-use")

    def test_a_batch_claims_a_gi_and_a_mark_together(self, registry: Registry, gi: str, mark: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(claims=[GI_CLAIM, MARK_CLAIM])])
        assert len(rows(registry, RegBatchClaim, gtin=GTIN, lot="L1")) == 2


class TestQuota:
    """Batches claimed under a right with a quota cannot together exceed it, counted in the quota's unit."""

    @pytest.fixture
    def quota(self, registry: Registry, producer: str) -> str:
        registry.submit_as(ROOT, [make_gi(), make_right(quota={"quantity": "250", "unit": "H87", "text": "250 quả"})])
        return RIGHT

    def test_counts_batches_against_the_quota_up_to_exactly_it(self, registry: Registry, quota: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(lot="A", quantity="200", claims=[GI_CLAIM])])
        assert one(registry, RegRight, id=quota)["quota_used"] == "200"
        error = refused(registry, PRODUCER, [make_batch(lot="B", quantity="60", claims=[GI_CLAIM])], "quota-exceeded")
        assert "would total 260 pieces; the quota is 250 pieces" in error.en
        assert error.vi.endswith("sẽ đạt 260 cái; hạn mức là 250 cái")
        assert RIGHT not in error.en + error.vi
        registry.submit_as(PRODUCER, [make_batch(lot="B", quantity="50", claims=[GI_CLAIM])])
        assert one(registry, RegRight, id=quota)["quota_used"] == "250"
        refused(registry, PRODUCER, [make_batch(lot="C", quantity="1", claims=[GI_CLAIM])], "quota-exceeded")

    def test_a_quota_is_exceeded_within_one_submission_too(self, registry: Registry, quota: str) -> None:
        refused(registry, PRODUCER, [make_batch(lot="A", quantity="200", claims=[GI_CLAIM]),
                                     make_batch(lot="B", quantity="51", claims=[GI_CLAIM])], "quota-exceeded")
        assert one(registry, RegRight, id=quota)["quota_used"] == "0"

    def test_unclaimed_batches_do_not_count(self, registry: Registry, quota: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(lot="A", quantity="1000")])
        assert one(registry, RegRight, id=quota)["quota_used"] == "0"

    def test_counts_decimal_quantities_exactly(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_product(gtin=OTHER_GTIN, unit="KGM")])
        registry.submit_as(ROOT, [make_gi(), make_right(quota={"quantity": "10", "unit": "KGM"})])
        for lot, quantity in [("A", "2.5"), ("B", "7.499999"), ("C", "0.000001")]:
            registry.submit_as(producer, [make_batch(gtin=OTHER_GTIN, unit="KGM", lot=lot, quantity=quantity,
                                                     claims=[GI_CLAIM])])
        assert one(registry, RegRight, id=RIGHT)["quota_used"] == "10"
        refused(registry, producer, [make_batch(gtin=OTHER_GTIN, unit="KGM", lot="D", quantity="0.000001",
                                                claims=[GI_CLAIM])], "quota-exceeded")

    def test_refuses_a_batch_counted_in_another_unit_than_the_quota(self, registry: Registry, producer: str) -> None:
        registry.submit_as(ROOT, [make_gi(), make_right(quota={"quantity": "500", "unit": "KGM"})])
        error = refused(registry, producer, [make_batch(claims=[GI_CLAIM])], "quota-unit")
        assert "counts its quota in kg, the batch in pieces" in error.en


def consume(lot: str, quantity: str, gtin: str = GTIN) -> dict[str, str]:
    return {"gtin": gtin, "lot": lot, "quantity": quantity}


class TestMassBalance:
    """A batch cannot give more than it holds; what outputs consume is recorded and subtracted."""

    @pytest.fixture
    def raw(self, registry: Registry, producer: str) -> str:
        """Lot RAW of GTIN (100 pieces), and OTHER_GTIN (kilograms) registered for the outputs."""
        registry.submit_as(producer, [make_product(gtin=OTHER_GTIN, unit="KGM"),
                                      make_batch(lot="RAW", quantity="100", produced_on="2026-10-01")])
        return "RAW"

    def output(self, lot: str, *inputs: dict[str, str], produced_on: str = "2026-11-01") -> Draft:
        return make_batch(gtin=OTHER_GTIN, unit="KGM", lot=lot, quantity="10", produced_on=produced_on,
                          inputs=list(inputs))

    def test_records_what_an_output_consumed(self, registry: Registry, raw: str) -> None:
        registry.submit_as(PRODUCER, [self.output("OUT1", consume(raw, "60"))])
        assert one(registry, RegBatch, gtin=GTIN, lot=raw)["used"] == "60"
        [item] = rows(registry, RegBatchInput, gtin=OTHER_GTIN, lot="OUT1")
        assert (item["input_gtin"], item["input_lot"], item["quantity"]) == (GTIN, raw, "60")

    def test_refuses_consuming_more_than_remains(self, registry: Registry, raw: str) -> None:
        registry.submit_as(PRODUCER, [self.output("OUT1", consume(raw, "60"))])
        error = refused(registry, PRODUCER, [self.output("OUT2", consume(raw, "40.000001"))], "mass-balance")
        assert f"input batch {GTIN}/{raw} has 40 H87 left; 40.000001 were consumed" in error.en

    def test_consuming_exactly_what_remains_works(self, registry: Registry, raw: str) -> None:
        registry.submit_as(PRODUCER, [self.output("OUT1", consume(raw, "60"))])
        registry.submit_as(PRODUCER, [self.output("OUT2", consume(raw, "40"))])
        assert one(registry, RegBatch, gtin=GTIN, lot=raw)["used"] == "100"
        refused(registry, PRODUCER, [self.output("OUT3", consume(raw, "0.000001"))], "mass-balance")

    def test_refuses_over_consumption_spread_over_one_submission(self, registry: Registry, raw: str) -> None:
        refused(registry, PRODUCER, [self.output("OUT1", consume(raw, "60")), self.output("OUT2", consume(raw, "41"))],
                "mass-balance")
        assert one(registry, RegBatch, gtin=GTIN, lot=raw)["used"] == "0"

    def test_an_output_may_consume_several_inputs(self, registry: Registry, raw: str) -> None:
        registry.submit_as(PRODUCER, [make_batch(lot="RAW2", quantity="5", produced_on="2026-10-02")])
        registry.submit_as(PRODUCER, [self.output("OUT1", consume(raw, "1.5"), consume("RAW2", "5"))])
        assert [(r["input_lot"], r["quantity"]) for r in rows(registry, RegBatchInput, gtin=OTHER_GTIN, lot="OUT1")] \
            == [(raw, "1.5"), ("RAW2", "5")]

    def test_refuses_an_unknown_input(self, registry: Registry, raw: str) -> None:
        refused(registry, PRODUCER, [self.output("OUT1", consume("NOPE", "1"))], "unknown-batch")

    def test_refuses_an_input_the_issuer_does_not_hold(self, registry: Registry, raw: str,
                                                       other_producer: str) -> None:
        out = make_batch(gtin=THEIR_GTIN, lot="OUT1", inputs=[consume(raw, "1")])
        error = refused(registry, other_producer, [out], "input-not-held")
        assert f"Organisation {OTHER_PRODUCER} does not hold input batch {raw} (GTIN {GTIN})" in error.en

    def test_an_input_shipped_to_the_issuer_is_held(self, registry: Registry, raw: str, other_producer: str) -> None:
        registry.submit_as(PRODUCER, [make_event(lot=raw, destination=other_producer)])
        registry.submit_as(other_producer, [make_batch(gtin=THEIR_GTIN, lot="OUT1", inputs=[consume(raw, "100")])])
        refused(registry, PRODUCER, [self.output("OUT2", consume(raw, "1"))], "mass-balance")

    def test_refuses_a_recalled_input(self, registry: Registry, raw: str) -> None:
        registry.submit_as(PRODUCER, [make_recall(lot=raw)])
        refused(registry, PRODUCER, [self.output("OUT1", consume(raw, "1"))], "input-recalled")

    def test_refuses_an_output_produced_before_its_input(self, registry: Registry, raw: str) -> None:
        refused(registry, PRODUCER, [self.output("OUT1", consume(raw, "1"), produced_on="2026-09-30")],
                "dates-out-of-order")

    def test_an_output_may_be_produced_on_its_inputs_day(self, registry: Registry, raw: str) -> None:
        registry.submit_as(PRODUCER, [self.output("OUT1", consume(raw, "1"), produced_on="2026-10-01")])


class TestBatchEvent:
    """Holders record events on a batch; inspectors may inspect any batch; times fall within the batch's life."""

    @pytest.fixture
    def lot(self, registry: Registry, producer: str) -> str:
        registry.submit_as(producer, [make_batch(produced_on="2026-11-01")])
        return "L1"

    def test_the_producer_ships_and_the_recipient_receives(self, registry: Registry, lot: str,
                                                          other_producer: str) -> None:
        place = {"commune": COMMUNE, "name": "Kho Hoài Đức"}
        [shipped] = registry.submit_as(PRODUCER, [make_event(destination=other_producer, source=PRODUCER,
                                                             place=place)])
        registry.submit_as(other_producer, [make_event(biz_step="receiving", disposition="in_progress",
                                                       event_time="2026-11-21T08:00:00Z")])
        events = rows(registry, RegEvent, gtin=GTIN, lot=lot)
        assert [(e["issuer"], e["biz_step"]) for e in events] == [(PRODUCER, "shipping"), (other_producer, "receiving")]
        assert (events[0]["entry"], events[0]["place_code"], events[0]["place_name"], events[0]["destination"]) == (
            shipped.index, "09877", "Kho Hoài Đức", other_producer)

    def test_refuses_an_organisation_that_neither_made_nor_received_the_batch(
            self, registry: Registry, lot: str, other_producer: str) -> None:
        refused(registry, other_producer, [make_event(biz_step="receiving")], "not-holder")

    def test_an_inspector_inspects_a_batch_it_does_not_hold(self, registry: Registry, lot: str,
                                                           inspector: str) -> None:
        registry.submit_as(inspector, [make_event(biz_step="inspecting", disposition="conformant")])
        assert rows(registry, RegEvent, gtin=GTIN, lot=lot)[0]["issuer"] == inspector

    def test_an_authority_may_inspect_too(self, registry: Registry, lot: str) -> None:
        registry.submit_as(ROOT, [make_event(biz_step="inspecting", disposition="non_conformant")])

    def test_refuses_an_unrelated_producer_inspecting(self, registry: Registry, lot: str,
                                                      other_producer: str) -> None:
        refused(registry, other_producer, [make_event(biz_step="inspecting")], "not-holder")

    def test_refuses_an_inspector_shipping_a_batch_it_does_not_hold(self, registry: Registry, lot: str,
                                                                   inspector: str) -> None:
        refused(registry, inspector, [make_event(biz_step="shipping")], "not-holder")

    def test_refuses_an_inspection_that_hands_the_batch_to_someone(self, registry: Registry, lot: str,
                                                                   inspector: str, other_producer: str) -> None:
        refused(registry, inspector, [make_event(biz_step="inspecting", destination=other_producer)], "not-holder")
        out = make_batch(gtin=THEIR_GTIN, lot="OUT", inputs=[consume(lot, "1")])
        refused(registry, other_producer, [out], "input-not-held")

    def test_refuses_an_event_before_production_in_viet_nam(self, registry: Registry, lot: str) -> None:
        # 16:59:59 UTC is 23:59:59 in Hà Nội on 31 October; 17:00 UTC is already 1 November there.
        refused(registry, PRODUCER, [make_event(event_time="2026-10-31T16:59:59Z")], "dates-out-of-order")
        registry.submit_as(PRODUCER, [make_event(event_time="2026-10-31T17:00:00Z")])

    def test_refuses_an_event_after_the_time_of_registration(self, registry: Registry, lot: str) -> None:
        refused(registry, PRODUCER, [make_event(event_time="2026-11-26T09:35:01Z")], "date-in-future")
        registry.submit_as(PRODUCER, [make_event(event_time="2026-11-26T09:35:00Z")])

    def test_refuses_an_unknown_destination(self, registry: Registry, lot: str) -> None:
        refused(registry, PRODUCER, [make_event(destination="coop-a")], "unknown-organisation")

    def test_refuses_an_event_on_an_unknown_batch(self, registry: Registry, lot: str) -> None:
        refused(registry, PRODUCER, [make_event(lot="L2")], "unknown-batch")


class TestBatchRecalled:
    """The producer or an authority recalls a batch, once."""

    @pytest.fixture
    def lot(self, registry: Registry, producer: str) -> str:
        registry.submit_as(producer, [make_batch()])
        return "L1"

    @pytest.mark.parametrize("issuer", [PRODUCER, ROOT])
    def test_the_producer_or_an_authority_recalls(self, registry: Registry, lot: str, issuer: str) -> None:
        [receipt] = registry.submit_as(issuer, [make_recall()])
        assert one(registry, RegBatch, gtin=GTIN, lot=lot)["recalled_entry"] == receipt.index

    def test_refuses_another_producer(self, registry: Registry, lot: str, other_producer: str) -> None:
        refused(registry, other_producer, [make_recall()], "not-yours")

    def test_refuses_an_inspector(self, registry: Registry, lot: str, inspector: str) -> None:
        refused(registry, inspector, [make_recall()], "role-not-allowed")

    def test_refuses_recalling_twice(self, registry: Registry, lot: str) -> None:
        registry.submit_as(PRODUCER, [make_recall()])
        refused(registry, ROOT, [make_recall()], "already-recalled")

    def test_refuses_an_unknown_batch(self, registry: Registry, lot: str) -> None:
        refused(registry, PRODUCER, [make_recall(lot="L2")], "unknown-batch")


class TestSerialsIssued:
    """Serials are issued under a batch by its producer, never more than the batch's quantity, never twice."""

    @pytest.fixture
    def lot(self, registry: Registry, producer: str) -> str:
        registry.submit_as(producer, [make_batch(quantity="5")])
        return "L1"

    def serials(self, registry: Registry) -> list[str]:
        return [r["serial"] for r in rows(registry, RegSerial, gtin=GTIN, lot="L1")]

    def test_a_counted_series_continues_where_the_last_ended(self, registry: Registry, lot: str) -> None:
        registry.submit_as(PRODUCER, [make_serials(count=2)])
        [receipt] = registry.submit_as(PRODUCER, [make_serials(count=3)])
        assert self.serials(registry) == ["S0000001", "S0000002", "S0000003", "S0000004", "S0000005"]
        assert one(registry, RegBatch, gtin=GTIN, lot=lot)["serials"] == 5
        assert one(registry, RegSerial, gtin=GTIN, lot=lot, serial="S0000005")["entry"] == receipt.index

    def test_refuses_a_count_beyond_the_quantity(self, registry: Registry, lot: str) -> None:
        error = refused(registry, PRODUCER, [make_serials(count=6)], "serials-exceed-quantity")
        assert "6 serials would exceed the batch quantity 5" in error.en
        registry.submit_as(PRODUCER, [make_serials(count=3)])
        refused(registry, PRODUCER, [make_serials(count=3)], "serials-exceed-quantity")

    def test_refuses_an_explicit_list_beyond_the_quantity(self, registry: Registry, lot: str) -> None:
        refused(registry, PRODUCER, [make_serials(count=None, serials=[f"X{i}" for i in range(6)])],
                "serials-exceed-quantity")

    def test_issues_an_explicit_list(self, registry: Registry, lot: str) -> None:
        registry.submit_as(PRODUCER, [make_serials(count=None, serials=["QR-B", "QR-A"])])
        assert self.serials(registry) == ["QR-A", "QR-B"]

    def test_refuses_an_explicit_serial_issued_before(self, registry: Registry, lot: str) -> None:
        registry.submit_as(PRODUCER, [make_serials(count=1)])
        refused(registry, PRODUCER, [make_serials(count=None, serials=["QR-A", "S0000001"])], "duplicate-serial")

    def test_refuses_a_count_that_would_reissue_an_explicit_serial(self, registry: Registry, lot: str) -> None:
        registry.submit_as(PRODUCER, [make_serials(count=None, serials=["S0000002"])])
        refused(registry, PRODUCER, [make_serials(count=1)], "duplicate-serial")

    def test_refuses_an_explicit_serial_issued_earlier_in_the_same_submission(self, registry: Registry,
                                                                             lot: str) -> None:
        refused(registry, PRODUCER, [make_serials(count=None, serials=["QR-A"]),
                                     make_serials(count=None, serials=["QR-A"])], "duplicate-serial")

    def test_refuses_a_serial_repeated_in_the_list(self, registry: Registry, lot: str) -> None:
        refused(registry, PRODUCER, [make_serials(count=None, serials=["A", "A"])], "invalid-body")

    def test_refuses_another_producer(self, registry: Registry, lot: str, other_producer: str) -> None:
        refused(registry, other_producer, [make_serials()], "not-your-batch")

    def test_refuses_a_non_producer(self, registry: Registry, lot: str, inspector: str) -> None:
        refused(registry, inspector, [make_serials()], "role-not-allowed")

    def test_a_fractional_quantity_bounds_the_count_below(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_product(gtin=OTHER_GTIN, unit="KGM"),
                                      make_batch(gtin=OTHER_GTIN, unit="KGM", lot="K", quantity="2.5")])
        registry.submit_as(producer, [make_serials(gtin=OTHER_GTIN, lot="K", count=2)])
        refused(registry, producer, [make_serials(gtin=OTHER_GTIN, lot="K", count=1)], "serials-exceed-quantity")
