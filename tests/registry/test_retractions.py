"""Corrections that retract earlier statements (registry.handlers.corrections): which statements, by whom, to
any depth, and their effect on the projections and on the verdict (registry.verdict.batch, registry.verdict.judge
and the history of registry.verdict.facts).

The world: the root delegates Hà Nội to HA_NOI and An Giang to AN_GIANG_DOST; PRODUCER (Hà Nội) holds the GI's
right and ships to CUSTOMER, which makes candied peel (CANDIED) from PRODUCER's lots.
"""

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.store.sql import SqlView
from registry.service import Draft, Registry
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegCertification,
    RegCorrection,
    RegEntry,
    RegEvent,
    RegRecall,
    RegRight,
    RegRightChange,
    RegSerial,
)
from registry.verdict.batch import verify_batch
from tests.registry.conftest import (
    AN_GIANG,
    CERTIFIER,
    GI,
    GI_CLAIM,
    GTIN,
    HANOI,
    MARK,
    PRODUCER,
    PRODUCER_PREFIXES,
    RIGHT,
    ROOT,
    Clock,
    OwnKey,
    accredit,
    bootstrap,
    fresh_engine,
    gtin,
    license_prefixes,
    live_digest,
    make_accreditation,
    make_batch,
    make_certification,
    make_correction,
    make_delegation,
    make_event,
    make_licence,
    make_mark,
    make_org,
    make_producer,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
    new_registry,
    numbering_agency,
    one,
    refused,
    replayed_digest,
    rows,
)

HA_NOI = "so-khcn-ha-noi"
AN_GIANG_DOST = "so-khcn-an-giang"
CUSTOMER = "cua-hang-mut"
CUSTOMER_PREFIX = "893920"
CANDIED = gtin(1, prefix="0893920")
BYSTANDER = "htx-ben-canh"
TODAY = date(2026, 11, 26)


def verdict(registry: Registry, gtin_: str = GTIN, lot: str = "L1", serial: str | None = None) -> dict[str, Any]:
    """The verdict document on `today` as a client receives it, through JSON."""
    log = registry.log
    with log.store.read() as view:
        assert isinstance(view, SqlView)
        document = verify_batch(view, log, gtin_, lot, serial=serial, today=TODAY).to_json()
    return json.loads(json.dumps(document, ensure_ascii=False))


def failing(document: dict[str, Any]) -> dict[str, str]:
    return {r["code"]: r["severity"] for r in document["reasons"] if not r["ok"]}


def history(document: dict[str, Any]) -> list[tuple[int, list[int]]]:
    """(retracted entry, [entries of the corrections retracting it]) of the verdict's history."""
    return [(h["entry"], [r["entry"] for r in h["retracted_by"]]) for h in document["history"]]


def submit(registry: Registry, issuer: str, draft: Draft) -> int:
    """Submit one draft as `issuer`; its log index."""
    return registry.submit_as(issuer, [draft])[0].index


def retract(registry: Registry, issuer: str, entry: int, reason: str = "Ghi nhầm.") -> int:
    return submit(registry, issuer, make_correction(entry, reason=reason))


def is_retracted(registry: Registry, entry: int) -> bool:
    return bool(one(registry, RegEntry, entry=entry)["retracted"])


def first_entry(registry: Registry, kind: str) -> int:
    return min(r["entry"] for r in rows(registry, RegEntry, kind=kind))


@pytest.fixture
def world(registry: Registry, producer: str, gi: str) -> Registry:
    """HA_NOI and AN_GIANG_DOST with their delegations, CUSTOMER with its product CANDIED, and BYSTANDER, another
    producer of Hà Nội."""
    for authority, province in ((HA_NOI, HANOI), (AN_GIANG_DOST, AN_GIANG)):
        make_org(registry, authority, ["authority"], commune=None)
        registry.submit_as(ROOT, [make_delegation(authority, [province])])
    make_org(registry, CUSTOMER, issuer=HA_NOI)
    make_org(registry, BYSTANDER, issuer=HA_NOI)
    license_prefixes(registry, CUSTOMER, CUSTOMER_PREFIX)
    registry.submit_as(CUSTOMER, [make_product(gtin=CANDIED, names={"vi": "Mứt bưởi", "en": "Candied pomelo"})])
    return registry


@pytest.fixture
def lot(world: Registry) -> int:
    """PRODUCER's lot L1 (100 pieces, claiming the GI); its registration's entry."""
    return submit(world, PRODUCER, make_batch(claims=[GI_CLAIM]))


class TestOnlyRetractableKinds:
    """Statements with their own way back are not retracted; the refusal names that way in both languages."""

    @pytest.fixture
    def said(self, world: Registry, gi: str) -> Registry:
        """One statement of every kind that cannot be retracted."""
        make_org(world, "hiep-hoi", ["association"])
        world.submit_as(ROOT, [("organisation.updated.v1", {"id": BYSTANDER, "roles": ["producer", "association"]}),
                               make_mark(owner="hiep-hoi"),
                               ("gi.amended.v1", {"gi": GI, "specification": "Bưởi trồng trên đất phù sa."}),
                               make_right(id="right-2", holder=BYSTANDER),
                               ("key.added.v1", {"organisation": BYSTANDER,
                                                 "public_key": OwnKey(BYSTANDER).public_key}),
                               make_delegation(HA_NOI, [AN_GIANG], id="delegation-2"),
                               ("delegation.withdrawn.v1", {"id": "delegation-2", "reason": "Hết nhiệm vụ."})])
        make_org(world, CERTIFIER, ["certifier"])
        world.submit_as(ROOT, [make_accreditation(),
                               ("accreditation.withdrawn.v1", {"id": f"accreditation-{CERTIFIER}", "reason": "x"})])
        key = rows(world, RegEntry, kind="key.added.v1")[0]["subject"].removeprefix("key:")
        world.submit_as(ROOT, [("key.revoked.v1", {"organisation": BYSTANDER, "key_id": key, "reason": "Lộ."})])
        world.submit_as(numbering_agency(world), [make_licence(BYSTANDER, "893930"),
                                                  ("prefix.revoked.v1", {"licence": "licence-893930",
                                                                         "effective_on": "2026-11-26",
                                                                         "reason": "Không nộp phí."})])
        world.submit_as(ROOT, [("mark.renewed.v1", {"mark": MARK, "valid_until": "2035-06-01"}),
                               ("gi.manager_changed.v1", {"gi": GI, "manager": HA_NOI})])
        return world

    DEFAULT = ("record a new statement of its kind that states what is right", "lập tuyên bố mới cùng loại")

    @pytest.mark.parametrize(("kind", "advice"), [
        ("organisation.registered.v1", DEFAULT),
        ("organisation.updated.v1", DEFAULT),
        ("key.added.v1", ("revoke the key (key.revoked.v1)", "thu hồi khóa (key.revoked.v1)")),
        ("key.revoked.v1", DEFAULT),
        ("gi.registered.v1", DEFAULT),
        ("gi.amended.v1", DEFAULT),
        ("gi.manager_changed.v1", DEFAULT),
        ("mark.registered.v1", DEFAULT),
        ("mark.renewed.v1", DEFAULT),
        ("right.granted.v1", ("revoke the right (right.revoked.v1)", "thu hồi quyền sử dụng (right.revoked.v1)")),
        ("product.registered.v1", ("stop registering batches of it", "ngừng đăng ký lô cho sản phẩm này")),
        ("prefix.licensed.v1", DEFAULT),
        ("prefix.revoked.v1", DEFAULT),
        ("delegation.granted.v1", DEFAULT),
        ("delegation.withdrawn.v1", DEFAULT),
        ("accreditation.granted.v1", DEFAULT),
        ("accreditation.withdrawn.v1", DEFAULT),
    ])
    def test_refuses_retracting_a_kind_with_its_own_way_back(self, said: Registry, kind: str,
                                                            advice: tuple[str, str]) -> None:
        entry = first_entry(said, kind)
        issuer = one(said, RegEntry, entry=entry)["issuer"]
        for who in {issuer, ROOT}:
            error = refused(said, who, [make_correction(entry)], "not-retractable")
            assert f"entry {entry} ({kind}) cannot be retracted; {advice[0]}" in error.en
            assert f"không thể rút lại mục {entry} ({kind}); hãy {advice[1]}" in error.vi

    def test_refuses_an_entry_not_in_the_log(self, world: Registry) -> None:
        refused(world, ROOT, [make_correction(10**6)], "correction-of-future")


class TestDepth:
    """Corrections nest to any depth: each undoes the one it names, so the first statement is in effect exactly when
    the chain above it is of even length."""

    @pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
    def test_the_chain_decides_whether_the_statement_is_in_effect(self, world: Registry, lot: int, depth: int,
                                                                  tmp_path: Path) -> None:
        chain = [lot]
        for _ in range(depth):
            chain.append(retract(world, PRODUCER, chain[-1]))
        assert [is_retracted(world, e) for e in chain] == [(depth - i) % 2 == 1 for i in range(depth + 1)]
        assert bool(one(world, RegBatch, gtin=GTIN, lot="L1")["retracted"]) == (depth % 2 == 1)
        document = verdict(world)
        assert document["verdict"] == ("invalid" if depth % 2 else "authentic"), failing(document)
        assert history(document) == [(chain[i], [chain[i + 1]]) for i in range(depth) if (depth - i) % 2 == 1]
        assert replayed_digest(world, tmp_path) == live_digest(world)

    def test_retract_the_retraction_then_a_third_level(self, world: Registry, lot: int) -> None:
        first = retract(world, PRODUCER, lot, "Lô không có thật.")
        assert failing(verdict(world)) == {"not-corrected": "invalid"}
        second = retract(world, PRODUCER, first, "Lô có thật.")
        document = verdict(world)
        assert (document["verdict"], document["batch"]["withdrawn"]) == ("authentic", False)
        assert history(document) == [(first, [second])]
        [entry] = document["history"]
        assert (entry["kind"], entry["retracted_by"][0]["reason"]) == ("correction.v1", "Lô có thật.")
        third = retract(world, PRODUCER, second, "Vẫn là không có thật.")
        document = verdict(world)
        assert failing(document) == {"not-corrected": "invalid"}
        assert history(document) == [(lot, [first]), (second, [third])]
        [reason] = [r for r in document["reasons"] if r["code"] == "not-corrected"]
        assert "on 26 November 2026: “Lô không có thật.”" in reason["message"]["en"]
        assert reason["entries"] == [lot, first]


class TestWhoRetracts:
    """A statement's issuer retracts it once while that retraction stands; an authority governing its subject
    retracts anyone's, and then decides."""

    def test_an_issuer_cannot_retract_the_same_entry_twice_while_the_first_stands(self, world: Registry,
                                                                                  lot: int) -> None:
        first = retract(world, PRODUCER, lot)
        error = refused(world, PRODUCER, [make_correction(lot, reason="Lần nữa.")], "already-corrected")
        assert f"Organisation {PRODUCER} has already retracted entry {lot}" in error.en
        retract(world, PRODUCER, first)
        again = retract(world, PRODUCER, lot, "Lần nữa.")
        assert is_retracted(world, lot)
        assert [c["entry"] for c in rows(world, RegCorrection, corrected_entry=lot)] == [first, again]

    @pytest.mark.parametrize("authority", [HA_NOI, ROOT])
    def test_a_governing_authority_retracts_and_the_issuer_can_no_longer_decide(self, world: Registry, lot: int,
                                                                                authority: str) -> None:
        decision = retract(world, authority, lot, "Lô không có thật.")
        assert one(world, RegCorrection, entry=decision)["authority"]
        error = refused(world, PRODUCER, [make_correction(lot, reason="Có thật.")], "decided-by-authority")
        assert f"an authority has ruled on entry {lot}" in error.en
        refused(world, PRODUCER, [make_correction(decision, reason="Không phục.")], "not-your-entry")
        assert is_retracted(world, lot)

    def test_an_authority_upholding_a_statement_binds_its_issuer(self, world: Registry, lot: int) -> None:
        own = retract(world, PRODUCER, lot)
        upheld = retract(world, HA_NOI, own, "Lô có thật, giữ nguyên.")
        assert not is_retracted(world, lot)
        refused(world, PRODUCER, [make_correction(lot)], "decided-by-authority")
        refused(world, PRODUCER, [make_correction(own)], "decided-by-authority")
        refused(world, PRODUCER, [make_correction(upheld)], "not-your-entry")
        assert verdict(world)["verdict"] == "authentic"

    def test_the_root_overrules_a_delegated_authority(self, world: Registry, lot: int) -> None:
        decision = retract(world, HA_NOI, lot)
        retract(world, ROOT, decision, "Sở quyết định sai.")
        assert not is_retracted(world, lot)

    def test_refuses_an_authority_of_another_province(self, world: Registry, lot: int) -> None:
        error = refused(world, AN_GIANG_DOST, [make_correction(lot)], "not-your-entry")
        assert f"entry {lot} was issued by Organisation {PRODUCER}" in error.en
        own = retract(world, PRODUCER, lot)
        refused(world, AN_GIANG_DOST, [make_correction(own)], "not-your-entry")

    def test_refuses_an_organisation_that_is_neither_issuer_nor_authority(self, world: Registry, lot: int) -> None:
        refused(world, BYSTANDER, [make_correction(lot)], "not-your-entry")
        refused(world, CUSTOMER, [make_correction(lot)], "not-your-entry")

    def test_an_authority_delegated_the_claimed_gi_governs_the_batch(self, world: Registry, lot: int) -> None:
        make_org(world, "van-phong-chi-dan", ["authority"], commune=None)
        world.submit_as(ROOT, [make_delegation("van-phong-chi-dan", [], gis=[GI])])
        unclaimed = submit(world, PRODUCER, make_batch(lot="TRON"))
        refused(world, "van-phong-chi-dan", [make_correction(unclaimed)], "not-your-entry")
        retract(world, "van-phong-chi-dan", lot)

    def test_an_authority_governing_the_gi_retracts_anothers_change_of_a_right(self, world: Registry) -> None:
        suspension = submit(world, ROOT, make_right_change("suspended"))
        refused(world, AN_GIANG_DOST, [make_correction(suspension)], "not-your-entry")
        decision = retract(world, HA_NOI, suspension)
        assert one(world, RegRight, id=RIGHT)["status"] == "active"
        retract(world, ROOT, decision, "Sở quyết định sai.")
        assert one(world, RegRight, id=RIGHT)["status"] == "suspended"

    def test_only_the_certifier_and_the_root_retract_a_certification(self, world: Registry, lot: int) -> None:
        accredit(world)
        issued = submit(world, CERTIFIER, make_certification())
        refused(world, HA_NOI, [make_correction(issued)], "not-your-entry")
        refused(world, PRODUCER, [make_correction(issued)], "not-your-entry")
        retract(world, ROOT, issued)
        refused(world, CERTIFIER, [make_correction(issued)], "decided-by-authority")

    def test_the_root_retracts_a_wrongful_suspension_of_a_right_to_a_gi_cancelled_since(
            self, world: Registry, lot: int, clock: Clock) -> None:
        """L1 was registered on 2026-11-26, before the GI was cancelled from 2026-11-27: a wrongful suspension
        backdated to before L1 is still the root's to retract after the cancellation."""
        suspension = submit(world, HA_NOI, make_right_change("suspended", effective_on="2026-10-01"))
        clock.advance(days=2)
        world.submit_as(ROOT, [("gi.cancelled.v1", {"gi": GI, "effective_on": "2026-11-27", "reason": "Hết vùng."})])
        assert verdict(world)["verdict"] == "invalid"
        retract(world, ROOT, suspension, "Đình chỉ nhầm.")
        document = verdict(world)
        assert document["verdict"] == "authentic", failing(document)


    def test_an_authority_whose_delegation_was_withdrawn_cannot_retract_its_own_decisions(
            self, world: Registry, lot: int) -> None:
        """A retraction is a decision with its author's scope: without jurisdiction, an authority's own
        suspension and recall stand; a producer retracts its own batch's statements without one."""
        suspension = submit(world, HA_NOI, make_right_change("suspended", effective_on="2026-11-20"))
        recall = submit(world, HA_NOI, make_recall())
        event = submit(world, PRODUCER, make_event())
        world.submit_as(ROOT, [("delegation.withdrawn.v1", {"id": f"delegation-{HA_NOI}", "reason": "Hết hạn."})])
        refused(world, HA_NOI, [make_correction(suspension)], "out-of-scope")
        refused(world, HA_NOI, [make_correction(recall)], "out-of-scope")
        retract(world, PRODUCER, event)
        retract(world, ROOT, suspension, "Cục quyết định.")
        assert one(world, RegRight, id=RIGHT)["status"] == "active"


class TestRetractedRecall:
    """A retracted recall has no effect; the batch may be recalled again, and the earliest recall in effect counts."""

    def test_a_retracted_recall_leaves_the_batch_not_recalled_and_a_new_recall_possible(self, world: Registry,
                                                                                          lot: int,
                                                                                          tmp_path: Path) -> None:
        first = submit(world, PRODUCER, make_recall())
        withdrawn = retract(world, PRODUCER, first, "Kết quả xét nghiệm nhầm mẫu.")
        assert one(world, RegBatch, gtin=GTIN, lot="L1")["recalled_entry"] is None
        assert one(world, RegRecall, entry=first)["retracted"]
        document = verdict(world)
        assert (document["verdict"], document["batch"]["recalled"]) == ("authentic", False)
        assert history(document) == [(first, [withdrawn])]
        second = submit(world, HA_NOI, make_recall(reason="Thanh tra phát hiện dư lượng."))
        assert one(world, RegBatch, gtin=GTIN, lot="L1")["recalled_entry"] == second
        retract(world, PRODUCER, withdrawn, "Mẫu đúng là của lô này.")
        assert one(world, RegBatch, gtin=GTIN, lot="L1")["recalled_entry"] == first
        document = verdict(world)
        assert (document["verdict"], document["batch"]["recall"]["entry"]) == ("recalled", first)
        assert replayed_digest(world, tmp_path) == live_digest(world)

    def test_the_producer_cannot_retract_an_authoritys_recall(self, world: Registry, lot: int) -> None:
        recall = submit(world, HA_NOI, make_recall())
        refused(world, PRODUCER, [make_correction(recall)], "not-your-entry")
        refused(world, AN_GIANG_DOST, [make_correction(recall)], "not-your-entry")
        retract(world, ROOT, recall)
        assert one(world, RegBatch, gtin=GTIN, lot="L1")["recalled_entry"] is None

    def test_a_retracted_recall_frees_the_batch_to_be_used_as_an_input(self, world: Registry, lot: int) -> None:
        recall = submit(world, PRODUCER, make_recall())
        output = make_batch(lot="OUT", inputs=[{"gtin": GTIN, "lot": "L1", "quantity": "10"}])
        refused(world, PRODUCER, [output], "input-recalled")
        retract(world, PRODUCER, recall)
        submit(world, PRODUCER, output)


def ship(registry: Registry, lot: str = "L1", to: str = CUSTOMER) -> int:
    return submit(registry, PRODUCER, make_event(lot=lot, destination=to, event_time="2026-11-26T01:00:00Z"))


def candied(lot: str = "M1", quantity: str = "10", source: str = "L1") -> Draft:
    return make_batch(gtin=CANDIED, lot=lot, quantity=quantity,
                      inputs=[{"gtin": GTIN, "lot": source, "quantity": quantity}])


class TestRetractedEvent:
    """A retracted event has no effect: its destination no longer holds the batch."""

    def test_the_destination_of_a_retracted_shipment_cannot_consume_or_hand_on_the_batch(self, world: Registry,
                                                                                         lot: int) -> None:
        shipped = ship(world)
        correction = retract(world, PRODUCER, shipped, "Gửi nhầm cửa hàng.")
        assert one(world, RegEvent, entry=shipped)["retracted"]
        refused(world, CUSTOMER, [candied()], "input-not-held")
        refused(world, CUSTOMER, [make_event(biz_step="shipping", destination=BYSTANDER)], "not-holder")
        document = verdict(world)
        assert (document["verdict"], document["events"]) == ("authentic", [])
        assert history(document) == [(shipped, [correction])]

    def test_retracting_the_retraction_hands_the_batch_over_again(self, world: Registry, lot: int) -> None:
        shipped = ship(world)
        correction = retract(world, PRODUCER, shipped)
        retract(world, PRODUCER, correction)
        submit(world, CUSTOMER, candied())
        assert [e["entry"] for e in verdict(world)["events"]] == [shipped]


class TestRetractedSerials:
    """Retracted serials are not issued for any verdict, yet stay counted: they are never issued again."""

    @pytest.fixture
    def serials(self, world: Registry) -> int:
        submit(world, PRODUCER, make_batch(quantity="5"))
        return submit(world, PRODUCER, make_serials(count=3))

    def test_an_item_of_retracted_serials_is_invalid(self, world: Registry, serials: int) -> None:
        correction = retract(world, PRODUCER, serials, "In nhầm tem.")
        assert {r["retracted"] for r in rows(world, RegSerial, gtin=GTIN, lot="L1")} == {True}
        document = verdict(world, serial="S0000002")
        assert (document["verdict"], failing(document)) == ("invalid", {"serial-issued": "invalid"})
        assert document["serial"] == {"serial": "S0000002", "issued": False, "entry": None}
        assert history(document) == [(serials, [correction])]
        assert verdict(world)["verdict"] == "authentic"

    def test_retracted_serials_stay_counted(self, world: Registry, serials: int) -> None:
        retract(world, PRODUCER, serials)
        refused(world, PRODUCER, [make_serials(count=None, serials=["S0000001"])], "duplicate-serial")
        refused(world, PRODUCER, [make_serials(count=3)], "serials-exceed-quantity")
        later = submit(world, PRODUCER, make_serials(count=2))
        assert sorted(r["serial"] for r in rows(world, RegSerial, gtin=GTIN, lot="L1", entry=later)) == [
            "S0000004", "S0000005"]
        assert verdict(world, serial="S0000005")["verdict"] == "authentic"
        assert verdict(world, serial="S0000001")["verdict"] == "invalid"
        assert verdict(world)["batch"]["serials_issued"] == 5

    def test_unretracted_serials_are_issued_again(self, world: Registry, serials: int, tmp_path: Path) -> None:
        retract(world, PRODUCER, retract(world, PRODUCER, serials))
        document = verdict(world, serial="S0000002")
        assert (document["verdict"], document["serial"]["entry"]) == ("authentic", serials)
        assert replayed_digest(world, tmp_path) == live_digest(world)


class TestRetractedCertification:
    """A retracted certification is gone from the verdict; a retracted revocation leaves it valid again."""

    @pytest.fixture
    def certified(self, world: Registry, lot: int) -> int:
        accredit(world)
        return submit(world, CERTIFIER, make_certification())

    def revoke(self, registry: Registry, reason: str = "Hồ sơ đánh giá sai.") -> int:
        return submit(registry, CERTIFIER, ("certification.revoked.v1", {"certification": "cert-1", "reason": reason}))

    def test_a_retracted_certification_is_gone_from_the_verdict(self, world: Registry, certified: int) -> None:
        correction = retract(world, CERTIFIER, certified)
        assert one(world, RegCertification, id="cert-1")["retracted"]
        document = verdict(world)
        assert (document["verdict"], document["certifications"]) == ("authentic", [])
        assert history(document) == [(certified, [correction])]

    def test_a_retracted_failed_certification_no_longer_invalidates_the_batch(self, world: Registry,
                                                                               lot: int) -> None:
        accredit(world)
        failed = submit(world, CERTIFIER, make_certification(result="fail"))
        assert verdict(world)["verdict"] == "invalid"
        retract(world, CERTIFIER, failed, "Nhầm kết quả với lô khác.")
        assert verdict(world)["verdict"] == "authentic"

    def test_a_retracted_revocation_leaves_the_certification_valid(self, world: Registry, certified: int) -> None:
        revoked = self.revoke(world)
        assert verdict(world)["verdict"] == "warning"
        correction = retract(world, CERTIFIER, revoked)
        assert one(world, RegCertification, id="cert-1")["revoked_entry"] is None
        document = verdict(world)
        assert document["verdict"] == "authentic", failing(document)
        [cert] = document["certifications"]
        assert (cert["status"], cert["revoked"], cert["revoked_entry"]) == ("valid", False, None)
        assert history(document) == [(revoked, [correction])]

    def test_the_earliest_revocation_in_effect_counts(self, world: Registry, certified: int, tmp_path: Path) -> None:
        first = self.revoke(world)
        withdrawn = retract(world, CERTIFIER, first)
        second = self.revoke(world, "Đánh giá lại: không đạt.")
        assert one(world, RegCertification, id="cert-1")["revoked_entry"] == second
        retract(world, CERTIFIER, withdrawn)
        assert one(world, RegCertification, id="cert-1")["revoked_entry"] == first
        assert verdict(world)["certifications"][0]["revoked_entry"] == first
        assert replayed_digest(world, tmp_path) == live_digest(world)


class TestRetractedBatchRegistration:
    """A retracted registration withdraws the batch; what it consumed and the quota it used stay used."""

    @pytest.fixture
    def quota(self, world: Registry) -> Registry:
        """A second GI right of PRODUCER's, with a quota of 500 pieces, replacing RIGHT."""
        world.submit_as(ROOT, [make_right_change("revoked", effective_on="2026-01-01"),
                               make_right(id="right-quota", quota={"quantity": "500", "unit": "H87"})])
        return world

    def test_the_verdict_is_invalid_and_names_the_retraction(self, world: Registry, lot: int) -> None:
        correction = retract(world, PRODUCER, lot, "Lô chưa từng sản xuất.")
        document = verdict(world)
        assert (document["verdict"], failing(document)) == ("invalid", {"not-corrected": "invalid"})
        assert document["batch"]["withdrawn"] is True
        [reason] = [r for r in document["reasons"] if r["code"] == "not-corrected"]
        assert "rút lại ngày 26/11/2026: «Lô chưa từng sản xuất.»" in reason["message"]["vi"]
        assert (reason["entries"], reason["subjects"]) == ([lot, correction],
                                                           [f"batch:{GTIN}/L1", f"organisation:{PRODUCER}"])

    def test_a_withdrawn_batch_is_neither_an_input_nor_given_serials(self, world: Registry, lot: int) -> None:
        retract(world, PRODUCER, lot)
        refused(world, PRODUCER, [make_batch(lot="OUT", inputs=[{"gtin": GTIN, "lot": "L1", "quantity": "1"}])],
                "input-withdrawn")
        error = refused(world, PRODUCER, [make_serials()], "batch-withdrawn")
        assert "was retracted" in error.en

    def test_its_consumption_and_quota_stay_used(self, quota: Registry, tmp_path: Path) -> None:
        submit(quota, PRODUCER, make_batch(lot="RAW", quantity="100"))
        made = submit(quota, PRODUCER, make_batch(lot="OUT", quantity="300", claims=[GI_CLAIM],
                                                  inputs=[{"gtin": GTIN, "lot": "RAW", "quantity": "60"}]))
        retract(quota, PRODUCER, made)
        assert one(quota, RegBatch, gtin=GTIN, lot="RAW")["used"] == "60"
        assert one(quota, RegRight, id="right-quota")["quota_used"] == "300"
        claim = one(quota, RegBatchClaim, gtin=GTIN, lot="OUT", subject_type="gi", subject_id=GI)
        assert (claim["right"], claim["charged"]) == ("right-quota", "300")
        refused(quota, PRODUCER, [make_batch(lot="AGAIN", quantity="201", claims=[GI_CLAIM])], "quota-exceeded")
        refused(quota, PRODUCER, [make_batch(lot="MORE", inputs=[{"gtin": GTIN, "lot": "RAW", "quantity": "41"}])],
                "mass-balance")
        submit(quota, PRODUCER, make_batch(lot="AGAIN", quantity="200", claims=[GI_CLAIM]))
        assert replayed_digest(quota, tmp_path) == live_digest(quota)


class TestRetractedRightChanges:
    """A right's status is recomputed from the changes in effect when one is retracted."""

    def change(self, registry: Registry, action: str, effective_on: str = "2026-11-20") -> int:
        return submit(registry, ROOT, make_right_change(action, effective_on=effective_on))

    def test_retracting_a_suspension_leaves_the_reinstatement_only(self, world: Registry, lot: int) -> None:
        suspended = self.change(world, "suspended", "2026-10-01")
        reinstated = self.change(world, "reinstated", "2026-11-26")
        assert verdict(world)["verdict"] == "invalid"
        correction = retract(world, ROOT, suspended, "Đình chỉ nhầm cơ sở.")
        assert one(world, RegRight, id=RIGHT)["status"] == "active"
        assert one(world, RegRightChange, entry=suspended)["retracted"]
        document = verdict(world)
        assert document["verdict"] == "authentic", failing(document)
        right = document["claims"][0]["right"]
        assert ([c["entry"] for c in right["changes"]], right["status_now"]) == ([reinstated], "active")
        assert history(document) == [(suspended, [correction])]

    def test_retracting_a_reinstatement_suspends_again(self, world: Registry) -> None:
        self.change(world, "suspended")
        reinstated = self.change(world, "reinstated", "2026-11-25")
        submit(world, PRODUCER, make_batch(lot="OK", claims=[GI_CLAIM], produced_on="2026-11-26"))
        retract(world, ROOT, reinstated)
        assert one(world, RegRight, id=RIGHT)["status"] == "suspended"
        refused(world, PRODUCER, [make_batch(lot="NO", claims=[GI_CLAIM], produced_on="2026-11-26")],
                "no-right-of-use")
        assert verdict(world, lot="OK")["verdict"] == "invalid"

    def test_retracting_a_revocation_restores_the_status_before_it(self, world: Registry) -> None:
        self.change(world, "suspended")
        revoked = self.change(world, "revoked")
        retract(world, ROOT, revoked)
        assert one(world, RegRight, id=RIGHT)["status"] == "suspended"
        self.change(world, "reinstated", "2026-11-26")
        submit(world, PRODUCER, make_batch(lot="OK", claims=[GI_CLAIM], produced_on="2026-11-26"))

    def test_a_retracted_suspension_lets_the_holder_claim_again(self, world: Registry, tmp_path: Path) -> None:
        suspended = self.change(world, "suspended", "2026-11-26")
        refused(world, PRODUCER, [make_batch(claims=[GI_CLAIM])], "no-right-of-use")
        retract(world, HA_NOI, suspended)
        submit(world, PRODUCER, make_batch(claims=[GI_CLAIM]))
        assert replayed_digest(world, tmp_path) == live_digest(world)


class TestHistory:
    """The verdict's history lists every retracted statement it cites, who retracted it, when and why."""

    def test_each_retraction_names_its_entry_issuer_reason_day_and_whether_an_authority_made_it(
            self, world: Registry, lot: int, clock: Clock) -> None:
        shipped = ship(world)
        clock.advance(days=1)
        own = retract(world, PRODUCER, shipped, "Gửi nhầm.")
        clock.advance(days=1)
        decision = retract(world, HA_NOI, lot, "Lô không có thật.")
        assert verdict(world)["history"] == [
            {"entry": lot, "kind": "batch.registered.v1", "issuer": PRODUCER, "said_on": "2026-11-26",
             "retracted_by": [{"entry": decision, "issuer": HA_NOI, "reason": "Lô không có thật.", "on": "2026-11-28",
                               "authority": True}]},
            {"entry": shipped, "kind": "batch.event.v1", "issuer": PRODUCER, "said_on": "2026-11-26",
             "retracted_by": [{"entry": own, "issuer": PRODUCER, "reason": "Gửi nhầm.", "on": "2026-11-27",
                               "authority": False}]}]

    def test_a_statement_retracted_twice_lists_both_retractions(self, world: Registry, lot: int) -> None:
        own = retract(world, PRODUCER, lot)
        decision = retract(world, HA_NOI, lot)
        document = verdict(world)
        assert history(document) == [(lot, [own, decision])]
        assert [r["authority"] for r in document["history"][0]["retracted_by"]] == [False, True]

    def test_a_retraction_retracted_is_listed_and_what_it_retracted_is_not(self, world: Registry, lot: int) -> None:
        own = retract(world, PRODUCER, lot)
        upheld = retract(world, HA_NOI, own)
        document = verdict(world)
        assert history(document) == [(own, [upheld])]
        assert document["history"][0]["retracted_by"][0]["authority"] is True


class TestContainment:
    """An organisation's retraction of its own statements never degrades another organisation's batch."""

    @pytest.fixture
    def chain(self, world: Registry, lot: int) -> dict[str, int]:
        """L1 shipped to CUSTOMER, which received it and made M1 from 10 of it."""
        shipped = ship(world)
        received = submit(world, CUSTOMER, make_event(biz_step="receiving", disposition="in_progress",
                                                      event_time="2026-11-26T02:00:00Z", source=PRODUCER))
        made = submit(world, CUSTOMER, candied())
        assert verdict(world)["verdict"] == verdict(world, CANDIED, "M1")["verdict"] == "authentic"
        return {"registered": lot, "shipped": shipped, "received": received, "made": made}

    def both_authentic(self, registry: Registry) -> tuple[dict[str, Any], dict[str, Any]]:
        supplier, customer = verdict(registry), verdict(registry, CANDIED, "M1")
        assert (supplier["verdict"], failing(supplier)) == ("authentic", {})
        assert (customer["verdict"], failing(customer)) == ("authentic", {})
        return supplier, customer

    def test_a_supplier_retracting_its_shipment_leaves_the_customers_output(self, world: Registry,
                                                                            chain: dict[str, int]) -> None:
        retract(world, PRODUCER, chain["shipped"])
        _, customer = self.both_authentic(world)
        assert [i["lot"] for i in customer["inputs"]] == ["L1"]

    def test_a_supplier_retracting_its_batch_leaves_the_customers_output(self, world: Registry,
                                                                         chain: dict[str, int]) -> None:
        retract(world, PRODUCER, chain["registered"])
        customer = verdict(world, CANDIED, "M1")
        assert (customer["verdict"], failing(customer)) == ("authentic", {})
        assert customer["inputs"][0]["withdrawn"] is True

    def test_a_customer_retracting_its_receipt_leaves_the_suppliers_batch(self, world: Registry,
                                                                          chain: dict[str, int]) -> None:
        correction = retract(world, CUSTOMER, chain["received"])
        supplier, _ = self.both_authentic(world)
        assert [e["entry"] for e in supplier["events"]] == [chain["shipped"]]
        assert history(supplier) == [(chain["received"], [correction])]

    def test_a_customer_retracting_its_output_leaves_the_suppliers_batch(self, world: Registry,
                                                                         chain: dict[str, int],
                                                                         tmp_path: Path) -> None:
        retract(world, CUSTOMER, chain["made"])
        supplier = verdict(world)
        assert (supplier["verdict"], failing(supplier), supplier["outputs"]) == ("authentic", {}, [])
        assert one(world, RegBatch, gtin=GTIN, lot="L1")["used"] == "10"
        assert replayed_digest(world, tmp_path) == live_digest(world)

    def test_a_supplier_retracting_its_recall_clears_the_customers_warning(self, world: Registry,
                                                                          chain: dict[str, int]) -> None:
        recall = submit(world, PRODUCER, make_recall())
        customer = verdict(world, CANDIED, "M1")
        assert (customer["verdict"], failing(customer)) == ("warning", {"inputs-not-recalled": "warning"})
        retract(world, PRODUCER, recall)
        self.both_authentic(world)

    def test_neither_side_retracts_the_others_statements(self, world: Registry, chain: dict[str, int]) -> None:
        for entry in (chain["registered"], chain["shipped"]):
            refused(world, CUSTOMER, [make_correction(entry)], "not-your-entry")
        for entry in (chain["received"], chain["made"]):
            refused(world, PRODUCER, [make_correction(entry)], "not-your-entry")


@dataclass
class Said:
    """A statement of the model: who said it, what it corrects (None for the batch registration) and whether an
    authority said it about another's statement."""

    issuer: str
    target: int | None
    authority: bool = False


@dataclass
class Corrections:
    """A model of the correction rules over one batch registration and the corrections about it."""

    said: dict[int, Said] = field(default_factory=dict)

    def corrections_of(self, entry: int) -> list[int]:
        return [i for i, s in self.said.items() if s.target == entry]

    def retracted(self, entry: int) -> bool:
        return any(not self.retracted(c) for c in self.corrections_of(entry))

    def tree(self, entry: int) -> list[int]:
        below = self.corrections_of(entry)
        return below + [i for c in below for i in self.tree(c)]

    def outcome(self, issuer: str, target: int) -> str | None:
        """The refusal code the rules give `issuer` correcting `target`, or None when they accept it."""
        own = self.said[target].issuer == issuer
        if not own and issuer == PRODUCER:
            return "not-your-entry"
        if own and any(self.said[c].authority for c in self.tree(target)):
            return "decided-by-authority"
        if any(not self.retracted(c) for c in self.corrections_of(target) if self.said[c].issuer == issuer):
            return "already-corrected"
        return None


@contextmanager
def small_world(directory: Path) -> Iterator[tuple[Registry, int]]:
    """A registry of its own: HA_NOI delegated Hà Nội, PRODUCER with its product and lot L1; L1's entry."""
    with fresh_engine(directory) as engine:
        registry = new_registry(engine, Clock())
        bootstrap(registry)
        make_org(registry, HA_NOI, ["authority"], commune=None)
        registry.submit_as(ROOT, [make_delegation(HA_NOI, [HANOI])])
        make_producer(registry, PRODUCER, *PRODUCER_PREFIXES)
        registry.submit_as(PRODUCER, [make_product()])
        yield registry, submit(registry, PRODUCER, make_batch())


class TestCorrectionTrees:
    """Random trees of corrections by the issuer, a delegated authority and the root follow the rules' model, and
    the projections, the verdict and replay agree on what is retracted."""

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_random_correction_trees_agree_with_the_model(self, tmp_path: Path, data: st.DataObject) -> None:
        directory = tmp_path / secrets.token_hex(4)
        with small_world(directory) as (registry, registered):
            model = Corrections({registered: Said(PRODUCER, None)})
            for step in range(data.draw(st.integers(1, 10), label="steps")):
                issuer = data.draw(st.sampled_from([PRODUCER, PRODUCER, HA_NOI, ROOT]), label="issuer")
                target = data.draw(st.sampled_from(sorted(model.said)), label="target")
                code = model.outcome(issuer, target)
                draft = make_correction(target, reason=f"Bước {step}.")
                if code is not None:
                    refused(registry, issuer, [draft], code)
                    continue
                index = submit(registry, issuer, draft)
                model.said[index] = Said(issuer, target, model.said[target].issuer != issuer)
                assert {e: is_retracted(registry, e) for e in model.said} == {
                    e: model.retracted(e) for e in model.said}
            withdrawn = model.retracted(registered)
            assert bool(one(registry, RegBatch, gtin=GTIN, lot="L1")["retracted"]) == withdrawn
            document = verdict(registry)
            assert (document["verdict"], document["batch"]["withdrawn"]) == (
                "invalid" if withdrawn else "authentic", withdrawn)
            assert history(document) == [
                (e, [c for c in model.corrections_of(e) if not model.retracted(c)])
                for e in sorted(model.said) if model.retracted(e)]
            assert [(h["entry"], [r["authority"] for r in h["retracted_by"]]) for h in document["history"]] == [
                (e, [model.said[c].authority for c in model.corrections_of(e) if not model.retracted(c)])
                for e in sorted(model.said) if model.retracted(e)]
            assert replayed_digest(registry, directory) == live_digest(registry)


def test_a_history_of_every_retraction_replays_to_the_live_digest(world: Registry, lot: int, clock: Clock,
                                                                  tmp_path: Path) -> None:
    """Retractions of every retractable kind, nested, overruled and undone, replay to the live projections."""
    accredit(world)
    certified = submit(world, CERTIFIER, make_certification())
    revoked = submit(world, CERTIFIER, ("certification.revoked.v1", {"certification": "cert-1", "reason": "Sai."}))
    shipped = ship(world)
    serials = submit(world, PRODUCER, make_serials())
    recall = submit(world, PRODUCER, make_recall())
    suspension = submit(world, HA_NOI, make_right_change("suspended", effective_on="2026-10-01"))
    clock.advance(days=1)
    for issuer, entry in ((CERTIFIER, revoked), (PRODUCER, shipped), (PRODUCER, serials), (PRODUCER, recall),
                          (HA_NOI, suspension)):
        retract(world, issuer, entry)
    undo = retract(world, ROOT, certified)
    retract(world, ROOT, undo)
    own = retract(world, PRODUCER, lot)
    retract(world, HA_NOI, own)
    document = verdict(world)
    assert document["verdict"] == "authentic", failing(document)
    assert replayed_digest(world, tmp_path) == live_digest(world)
