"""The demo registry: every scenario it promises holds in the projections, and its log audits and replays clean."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from ledger.audit.store import audit
from ledger.core.note import NoteSigner
from ledger.store.log import Log
from ledger.store.sql import SqlStore, SqlView
from registry.custody import Custody
from registry.demo import DEMO_NOTE, DEMO_NOTE_VI, BatchKey, DemoSummary, load_demo
from registry.errors import ConflictError
from registry.held import RegImage
from registry.passport_tables import RegProductPassport
from registry.queries import right_active_on
from registry.service import Registry
from registry.state import Row, State, table_of
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegBatchInput,
    RegCertification,
    RegDelegation,
    RegEvent,
    RegGi,
    RegGiArea,
    RegMarkUser,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
    RegRight,
    RegRightChange,
    RegSerial,
)
from registry.values import check_vietnam_gtin
from registry.verdict.batch import verify_batch
from tests.registry.conftest import engine_of, live_digest, log_size, one, replayed_digest, rows

TODAY = date(2026, 12, 7)


def verdict(registry: Registry, key: BatchKey) -> dict[str, Any]:
    with registry.log.store.read() as view:
        assert isinstance(view, SqlView)
        return verify_batch(view, registry.log, key.gtin, key.lot, today=TODAY).to_json()


@pytest.fixture
def demo_registry(engine: Engine) -> Registry:
    return Registry(Log(SqlStore(engine), NoteSigner.generate("demo.nguon/log")), Custody.from_secret(b"test-secret"))


@pytest.fixture
def summary(demo_registry: Registry) -> DemoSummary:
    return load_demo(demo_registry)


def failed(document: dict[str, Any]) -> list[str]:
    return [r["code"] for r in document["reasons"] if not r["ok"]]


def every_row(registry: Registry, model: type[SQLModel]) -> list[Row]:
    with engine_of(registry).connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def batch(registry: Registry, key: BatchKey) -> Row:
    return one(registry, RegBatch, gtin=key.gtin, lot=key.lot)


def claims(registry: Registry, key: BatchKey) -> list[Row]:
    return rows(registry, RegBatchClaim, gtin=key.gtin, lot=key.lot)


def events(registry: Registry, key: BatchKey, biz_step: str) -> list[Row]:
    return rows(registry, RegEvent, gtin=key.gtin, lot=key.lot, biz_step=biz_step)


class TestSummary:
    """The summary lists what the demo wrote, grouped by the scenario each batch demonstrates."""

    def test_every_scenario_has_batches(self, summary: DemoSummary) -> None:
        for name in ("genuine", "transformed", "recalled", "recalled_input", "suspended_right", "no_claim", "expired"):
            assert getattr(summary, name), f"scenario {name} is empty"

    def test_scenario_batches_are_registered_batches(self, summary: DemoSummary) -> None:
        grouped = (summary.genuine + summary.transformed + summary.recalled + summary.recalled_input
                   + summary.suspended_right + summary.no_claim + summary.expired)
        assert set(grouped) <= set(summary.batches)
        assert len(set(grouped)) == len(grouped), "a batch is in two scenarios"

    def test_counts_match_the_log(self, demo_registry: Registry, summary: DemoSummary) -> None:
        assert summary.entries == log_size(demo_registry)
        assert len(every_row(demo_registry, RegOrganisation)) == len(summary.organisations) == 50
        assert len(summary.gis) == 4
        assert len(summary.marks) == 4

    def test_products_carry_vietnamese_gtins(self, summary: DemoSummary) -> None:
        for product in summary.products:
            assert check_vietnam_gtin(product.gtin) == product.gtin
            assert product.name_vi
            assert product.name_en

    def test_demo_notes_say_what_is_invented(self) -> None:
        assert "Invented" in DEMO_NOTE
        assert "Tự đặt" in DEMO_NOTE_VI


class TestIndications:
    """GIs, marks and rights as the issue describes them."""

    def test_gis_carry_their_certificate_numbers(self, demo_registry: Registry, summary: DemoSummary) -> None:
        certificates = {gi: one(demo_registry, RegGi, id=gi)["certificate"] for gi in summary.gis}
        assert certificates == {"la-tinh": "00132", "phu-quoc": "00001", "buon-ma-thuot": "00004",
                                "cao-phong": "00046"}
        assert one(demo_registry, RegGi, id="la-tinh")["granted_on"] == "2023-12-26"

    def test_la_tinh_area_cites_communes_before_and_after_the_2025_reform(self, demo_registry: Registry,
                                                                          summary: DemoSummary) -> None:
        area = rows(demo_registry, RegGiArea, gi="la-tinh")
        versions = {part["commune_version"] for part in area}
        assert versions == {"2019-12-01", "2025-07-01"}
        assert {part["stage"] for part in area} == {"raw_material", "finishing"}

    def test_com_vong_has_22_member_users(self, demo_registry: Registry, summary: DemoSummary) -> None:
        users = rows(demo_registry, RegMarkUser, mark="com-vong")
        assert len(users) == 22
        for user in users:
            assert "producer" in one(demo_registry, RegOrganisation, id=user["organisation"])["roles"]

    def test_quota_is_used_within_its_limit(self, demo_registry: Registry, summary: DemoSummary) -> None:
        quota_rights = [r for r in every_row(demo_registry, RegRight) if r["quota_quantity"] is not None]
        assert quota_rights
        for right in quota_rights:
            assert 0 < Decimal(right["quota_used"]) <= Decimal(right["quota_quantity"])


class TestScenarios:
    """Each batch demonstrates what its scenario says."""

    def test_genuine_batches_are_claimed_certified_and_shipped(self, demo_registry: Registry,
                                                               summary: DemoSummary) -> None:
        with engine_of(demo_registry).connect() as connection:
            state = State(connection)
            for key in summary.genuine:
                row = batch(demo_registry, key)
                assert claims(demo_registry, key), f"{key} claims no GI or mark"
                for claim in claims(demo_registry, key):
                    right = state.get(RegRight, id=claim["right"])
                    assert right is not None
                    assert right_active_on(state, right, row["produced_on"])
                certs = rows(demo_registry, RegCertification, subject_gtin=key.gtin, subject_lot=key.lot)
                assert any(c["result"] == "pass" for c in certs), f"{key} is not certified"
                assert events(demo_registry, key, "shipping"), f"{key} was not shipped"
                assert events(demo_registry, key, "receiving"), f"{key} was not received"
                assert row["recalled_entry"] is None

    def test_transformed_batch_records_its_inputs_and_what_they_gave(self, demo_registry: Registry,
                                                                     summary: DemoSummary) -> None:
        for key in summary.transformed:
            inputs = rows(demo_registry, RegBatchInput, gtin=key.gtin, lot=key.lot)
            assert len(inputs) >= 2
            for item in inputs:
                consumed = sum(Decimal(r["quantity"]) for r in rows(
                    demo_registry, RegBatchInput, input_gtin=item["input_gtin"], input_lot=item["input_lot"]))
                source = one(demo_registry, RegBatch, gtin=item["input_gtin"], lot=item["input_lot"])
                assert Decimal(source["used"]) == consumed
                assert Decimal(source["used"]) <= Decimal(source["quantity"])

    def test_recalled_batch_has_its_recall_entry(self, demo_registry: Registry, summary: DemoSummary) -> None:
        for key in summary.recalled:
            row = batch(demo_registry, key)
            assert row["recalled_entry"] is not None
            assert [e["disposition"] for e in events(demo_registry, key, "inspecting")] == ["non_conformant"]
            document = verdict(demo_registry, key)
            assert document["verdict"] == "recalled"
            assert document["batch"]["recall"]["reason"].startswith("Thu hồi tự nguyện")

    def test_a_batch_packed_from_the_recalled_one_before_its_recall_reads_as_a_warning(
            self, demo_registry: Registry, summary: DemoSummary) -> None:
        for key in summary.recalled_input:
            document = verdict(demo_registry, key)
            assert document["verdict"] == "warning"
            assert [r["code"] for r in document["reasons"] if not r["ok"]] == ["inputs-not-recalled"]
            [source] = document["inputs"]
            assert (source["gtin"], source["lot"]) in {(k.gtin, k.lot) for k in summary.recalled}
            assert source["recall"]["on"] > document["batch"]["produced_on"]

    def test_vietnamese_texts_hold_no_english_word(self) -> None:
        """What the demo says in Vietnamese (names, notes, reasons, specifications) is shown on Vietnamese pages,
        so it says "dữ liệu mẫu" and never "demo"."""
        timeline = (Path(__file__).parents[2] / "registry" / "demo_data" / "timeline.json").read_text("utf-8")
        assert "dữ liệu mẫu / demo" not in timeline
        assert "(dữ liệu mẫu)" in timeline

    def test_suspension_recorded_after_the_batch_covers_its_production_date(self, demo_registry: Registry,
                                                                            summary: DemoSummary) -> None:
        with engine_of(demo_registry).connect() as connection:
            state = State(connection)
            for key in summary.suspended_right:
                row = batch(demo_registry, key)
                (claim,) = claims(demo_registry, key)
                right = state.get(RegRight, id=claim["right"])
                assert right is not None
                assert right["status"] == "suspended"
                (change,) = rows(demo_registry, RegRightChange, right=claim["right"])
                assert change["action"] == "suspended"
                assert change["entry"] > row["entry"], "the suspension must be recorded after the batch"
                assert change["effective_on"] <= row["produced_on"]
                assert not right_active_on(state, right, row["produced_on"])

    def test_a_wrongful_suspension_retracted_leaves_the_batch_authentic_with_its_history(
            self, demo_registry: Registry, summary: DemoSummary) -> None:
        for key in summary.wrongly_suspended:
            document = verdict(demo_registry, key)
            assert document["verdict"] == "authentic"
            [retracted] = document["history"]
            assert retracted["kind"] == "right.suspended.v1"
            [by] = retracted["retracted_by"]
            assert by["issuer"] == retracted["issuer"] == "sokhcn-ha-noi"
            assert by["on"] > retracted["said_on"]

    def test_a_batch_made_under_a_right_since_expired_stays_authentic(self, demo_registry: Registry,
                                                                        summary: DemoSummary) -> None:
        for key in summary.expired_right:
            (claim,) = claims(demo_registry, key)
            right = one(demo_registry, RegRight, id=claim["right"])
            assert right["valid_until"] < TODAY.isoformat()
            assert verdict(demo_registry, key)["verdict"] == "authentic"

    def test_the_gift_boxes_carry_the_gi_through_their_inputs_without_charging_the_quota_again(
            self, demo_registry: Registry, summary: DemoSummary) -> None:
        for key in summary.transformed:
            (claim,) = claims(demo_registry, key)
            assert (claim["credit"], claim["charged"]) == ("200", "0")
            assert verdict(demo_registry, key)["verdict"] == "authentic"

    def test_every_producer_numbers_its_products_under_its_own_licence(self, demo_registry: Registry,
                                                                         summary: DemoSummary) -> None:
        for product in summary.products:
            registered = one(demo_registry, RegProduct, gtin=product.gtin)
            licence = one(demo_registry, RegPrefixLicence, id=registered["licence"])
            assert (licence["licensee"], product.gtin[1:].startswith(licence["prefix"])) == (product.producer, True)

    def test_two_provinces_authorities_act_within_their_delegations(self, demo_registry: Registry,
                                                                     summary: DemoSummary) -> None:
        delegations = {d["authority"]: d["provinces"] for d in every_row(demo_registry, RegDelegation)}
        assert delegations["sokhcn-ha-noi"] == "01"
        assert delegations["sokhcn-an-giang"] == "91"

    def test_a_batch_past_its_expiry_date_reads_warning(self, demo_registry: Registry, summary: DemoSummary) -> None:
        for key in summary.expired:
            document = verdict(demo_registry, key)
            assert (document["verdict"], failed(document)) == ("warning", ["not-expired"])
            assert document["batch"]["expires_on"] < TODAY.isoformat()
            assert document["batch"]["expiry_derived"] is True
            [reason] = [r for r in document["reasons"] if r["code"] == "not-expired"]
            assert reason["message"]["vi"].startswith("Đã hết hạn sử dụng từ ngày 10/11/2026")
            assert reason["message"]["en"].startswith("Expired since 10 November 2026")

    def test_genuine_batches_with_an_expiry_date_are_within_it(self, demo_registry: Registry,
                                                               summary: DemoSummary) -> None:
        dated = [key for key in summary.genuine if batch(demo_registry, key)["expires_on"] is not None]
        assert len(dated) >= 3
        for key in dated:
            document = verdict(demo_registry, key)
            assert document["verdict"] == "authentic", failed(document)
            assert any(r["code"] == "not-expired" and r["ok"] for r in document["reasons"])
        coffee = next(verdict(demo_registry, key) for key in dated if key.lot == "CF-2610-01")
        assert (coffee["batch"]["expires_on"], coffee["batch"]["expiry_derived"]) == ("2027-10-25", False)

    def test_every_product_shows_a_picture_the_registry_keeps(self, demo_registry: Registry,
                                                              summary: DemoSummary) -> None:
        kept = {row["sha256"]: row for row in every_row(demo_registry, RegImage)}
        for product in summary.products:
            passport = one(demo_registry, RegProductPassport, gtin=product.gtin)
            assert kept[passport["image"]]["media_type"] == "image/png"
            assert kept[passport["image"]]["organisation"] == product.producer
            assert all((passport["usage_vi"], passport["usage_en"]))

    def test_producers_give_their_address_and_identifiers(self, demo_registry: Registry,
                                                          summary: DemoSummary) -> None:
        for key in summary.genuine + summary.expired:
            producer = verdict(demo_registry, key)["producer"]
            address = producer["address"]
            assert all((address["street"], address["commune"], address["province"])), producer
            assert producer["tax_code"] is None or producer["tax_code"].startswith("99")
        fish_sauce = verdict(demo_registry, summary.genuine[0])
        assert fish_sauce["producer"]["address"] == {"street": "Tổ 4, khu phố 1, Dương Đông",
                                                     "commune": "Đặc khu Phú Quốc", "province": "Tỉnh An Giang"}
        assert fish_sauce["producer"]["tax_code"] == "9917000201"
        assert fish_sauce["product"]["standards"] == ["TCVN 5107:2018"]
        assert fish_sauce["product"]["warnings"]["vi"] == "Chứa cá cơm: người dị ứng với cá không dùng."

    def test_plain_batches_claim_nothing(self, demo_registry: Registry, summary: DemoSummary) -> None:
        for key in summary.no_claim:
            assert claims(demo_registry, key) == []

    def test_one_batch_has_a_serial_per_item(self, demo_registry: Registry, summary: DemoSummary) -> None:
        serialised = [b for b in summary.batches if batch(demo_registry, b)["serials"]]
        assert len(serialised) == 1
        (key,) = serialised
        serials = rows(demo_registry, RegSerial, gtin=key.gtin, lot=key.lot)
        assert len(serials) == int(batch(demo_registry, key)["quantity"])


class TestLog:
    """The demo's log is what an auditor accepts."""

    def test_audits_clean(self, demo_registry: Registry, summary: DemoSummary) -> None:
        with demo_registry.log.store.read() as view:
            report = audit(view, demo_registry.log.verifier)
        assert report.size == summary.entries

    def test_replay_rebuilds_the_same_projections(self, demo_registry: Registry, summary: DemoSummary,
                                                  tmp_path: Path) -> None:
        assert replayed_digest(demo_registry, tmp_path / "replay") == live_digest(demo_registry)

    def test_refuses_a_registry_that_is_not_empty(self, demo_registry: Registry, summary: DemoSummary) -> None:
        digest = live_digest(demo_registry)
        with pytest.raises(ConflictError) as caught:
            load_demo(demo_registry)
        assert caught.value.code == "demo-needs-empty-log"
        assert log_size(demo_registry) == summary.entries
        assert live_digest(demo_registry) == digest
