"""Verdicts on batches and items: every outcome, and evidence a client checks offline with ledger functions."""

import copy
import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from ledger.core.checkpoint import open_checkpoint
from ledger.core.encoding import canonical
from ledger.core.errors import InvalidValueError, ProofError, RootMismatchError, VerificationError
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSigner, NoteVerifier
from ledger.core.proof import InclusionProof
from ledger.store.log import Log
from ledger.store.sql import SqlStore, SqlView
from registry.custody import Custody
from registry.queries import right_active_on
from registry.service import Registry
from registry.values import gtin_check_digit
from registry.verdict.batch import ScanStats, claim_status, verify_batch
from registry.verdict.cited import Cited, Logged
from registry.verdict.document import ProvedEntry, VerdictDocument
from registry.verdict.evidence import check_evidence
from registry.verdict.facts import Change, Names, product
from registry.verdict.rights import Indication, Right, RightChangeFacts
from registry.verdict.shapes import DOCUMENT

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 26)
ROOT = "ipvietnam"
PRODUCER = "coop-hoai-duc"
PROCESSOR = "coop-mut-buoi"
CERTIFIER = "vietcert"
ASSOCIATION = "hiep-hoi-buoi"
MARK_ID = "buoi-hoai-duc-tap-the"
SHOP = "bigc-thang-long"
GI_ID = "buoi-hoai-duc"
RIGHT_ID = "right-hoai-duc"
COMMUNE = {"code": "09877", "version": "2025-07-01", "name": "Xã An Khánh"}
NUMBERING = "gs1-vietnam"


def _gtin(body: str) -> str:
    return body + str(gtin_check_digit(body))


GTIN = _gtin("0893456789012")
CANDIED = _gtin("0893457000013")
DATED = _gtin("0893456000017")
"""PRODUCER's fish sauce, registered with its passport (`TestPassport`)."""
"""Candied pomelo peel, made from pomelo batches (PROCESSOR's own GS1 prefix, 893457)."""


class World:
    """A registry with a GI over COMMUNE, a producer holding the right to use it, a processor, a certifier
    and a shop, all with custodial keys, on the test's own database and a clock that stands still."""

    def __init__(self, engine: Engine) -> None:
        def clock() -> datetime:
            return NOW

        self.signer = NoteSigner.generate("test.nguon/log")
        self.log = Log(SqlStore(engine), self.signer, clock)
        self.registry = Registry(self.log, Custody.from_secret(b"x"), clock)
        self.registry.bootstrap(ROOT, {"vi": "Cục Sở hữu trí tuệ", "en": "Intellectual Property Office of Viet Nam"})
        for org_id, roles in ((PRODUCER, ["producer"]), (PROCESSOR, ["producer"]), (CERTIFIER, ["certifier"]),
                              (SHOP, ["producer"]), (NUMBERING, ["numbering_agency"])):
            key = self.registry.create_custodial_key(org_id)
            self.submit(ROOT, ("organisation.registered.v1", {
                "id": org_id, "names": {"vi": f"Tổ chức {org_id}", "en": f"Organisation {org_id}"}, "roles": roles,
                "commune": {"code": COMMUNE["code"], "version": COMMUNE["version"]},
                "keys": [{"public_key": key, "custodial": True}]}))
        self.submit(NUMBERING, *[("prefix.licensed.v1", {"id": f"licence-{prefix}", "prefix": prefix,
                                                          "licensee": holder, "valid_from": "2020-01-01"})
                                 for holder, prefix in ((PRODUCER, "893456"), (PROCESSOR, "893457"))])
        self.submit(ROOT, ("accreditation.granted.v1", {"id": "accreditation", "certifier": CERTIFIER,
                                                        "schemes": ["VietGAP"], "valid_from": "2020-01-01",
                                                        "valid_until": "2030-12-31"}))
        self.submit(ROOT, ("gi.registered.v1", {
            "id": GI_ID, "certificate": "00132", "application": "6-2021-00042",
            "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "product": "pomelo", "manager": ROOT,
            "specification": "Pomelos grown on the alluvial soil of the Day river.", "granted_on": "2023-12-26",
            "area": [{"commune": COMMUNE, "stage": "raw_material"}]}))
        self.submit(ROOT, ("right.granted.v1", {"id": RIGHT_ID, "holder": PRODUCER,
                                                "subject": {"type": "gi", "id": GI_ID}, "valid_from": "2024-01-01"}))
        self.submit(PRODUCER, ("product.registered.v1", {
            "gtin": GTIN, "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "unit": "H87"}))
        self.submit(PROCESSOR, ("product.registered.v1", {
            "gtin": CANDIED, "names": {"vi": "Mứt vỏ bưởi", "en": "Candied pomelo peel"}, "unit": "H87"}))

    def submit(self, issuer: str, *drafts: tuple[str, dict[str, Any]]) -> int:
        """Submit drafts as `issuer`; the log index of the last."""
        return self.registry.submit_as(issuer, list(drafts))[-1].index

    def mark(self) -> None:
        """A collective mark owned by ASSOCIATION, with a right for PRODUCER to use it."""
        key = self.registry.create_custodial_key(ASSOCIATION)
        self.submit(ROOT, ("organisation.registered.v1", {
            "id": ASSOCIATION, "names": {"vi": "Hiệp hội Bưởi Hoài Đức", "en": "Hoai Duc Pomelo Association"},
            "roles": ["association"], "commune": {"code": COMMUNE["code"], "version": COMMUNE["version"]},
            "keys": [{"public_key": key, "custodial": True}]}),
            ("mark.registered.v1", {
                "id": MARK_ID, "type": "collective", "certificate": "312345", "application": "4-2019-12345",
                "owner": ASSOCIATION, "names": {"vi": "Bưởi Hoài Đức (tập thể)", "en": "Hoai Duc pomelo (collective)"},
                "goods": "Fresh pomelos", "nice_classes": [31], "valid_from": "2020-06-01",
                "valid_until": "2030-06-01"}))
        self.submit(ASSOCIATION, ("right.granted.v1", {"id": "right-mark", "holder": PRODUCER,
                                                       "subject": {"type": "mark", "id": MARK_ID},
                                                       "valid_from": "2020-06-01"}))

    def batch(self, lot: str = "L1", **overrides: Any) -> int:
        body = {"gtin": GTIN, "lot": lot, "quantity": "100", "unit": "H87", "produced_on": "2026-11-01",
                "origin": {"code": COMMUNE["code"], "version": COMMUNE["version"]},
                "claims": [{"type": "gi", "id": GI_ID}], **overrides}
        return self.submit(PRODUCER, ("batch.registered.v1", body))

    def certify(self, cert_id: str = "cert-1", lot: str = "L1", **overrides: Any) -> int:
        body = {"id": cert_id, "subject": {"type": "batch", "gtin": GTIN, "lot": lot}, "scheme": "VietGAP",
                "result": "pass", "valid_from": "2026-11-01", "valid_until": "2027-11-01",
                "document_sha256": hashlib.sha256(b"audit report").hexdigest(), **overrides}
        return self.submit(CERTIFIER, ("certification.issued.v1", body))

    def ship(self, lot: str = "L1", to: str = SHOP) -> int:
        return self.submit(PRODUCER, ("batch.event.v1", {
            "gtin": GTIN, "lot": lot, "biz_step": "shipping", "disposition": "in_transit",
            "event_time": "2026-11-20T08:00:00Z", "place": {"commune": COMMUNE}, "source": PRODUCER,
            "destination": to}))

    def document(self, lot: str = "L1", gtin: str = GTIN, **options: Any) -> VerdictDocument:
        options.setdefault("today", TODAY)
        with self.log.store.read() as view:
            assert isinstance(view, SqlView)
            return verify_batch(view, self.log, gtin, lot, **options)

    def verify(self, lot: str = "L1", gtin: str = GTIN, **options: Any) -> dict[str, Any]:
        """The verdict, as a client receives it: through JSON, in the shape the OpenAPI document gives it."""
        served: dict[str, Any] = json.loads(json.dumps(self.document(lot, gtin, **options).to_json(),
                                                       ensure_ascii=False))
        assert DOCUMENT.model_validate(served).model_dump(mode="json") == served
        return served


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def failing(document: dict[str, Any]) -> dict[str, str]:
    """Codes of the failing reasons, with the severity of each."""
    return {r["code"]: r["severity"] for r in document["reasons"] if not r["ok"]}


def reason(document: dict[str, Any], code: str) -> dict[str, Any]:
    [found] = [r for r in document["reasons"] if r["code"] == code]
    return found


def named_entries(facts: Any) -> set[int]:
    """Every log index the facts of a verdict name (everything outside `evidence`)."""
    keys = {"entry", "recalled_entry", "revoked_entry", "corrected_entry", "replacement"}
    found: set[int] = set()
    if isinstance(facts, dict):
        for key, value in facts.items():
            if key == "evidence":
                continue
            if key in keys and isinstance(value, int):
                found.add(value)
            else:
                found |= named_entries(value)
    elif isinstance(facts, list):
        for value in facts:
            found |= named_entries(value)
    return found


def check_offline(document: dict[str, Any], log_key: NoteVerifier) -> None:
    """What a client does with the evidence, using ledger functions only; raises VerificationError."""
    checkpoint, _ = open_checkpoint(document["evidence"]["checkpoint"], log_key)
    for item in document["evidence"]["entries"]:
        proof = InclusionProof.from_json(item["proof"])
        digest = leaf_hash(canonical(item["entry"]))
        if digest.hex() != item["hash"] or digest != proof.leaf_hash:
            raise ProofError(f"entry {item['index']} hashes to {digest.hex()}, not {item['hash']}")
        if (proof.index, proof.size, proof.root) != (item["index"], checkpoint.size, checkpoint.root):
            raise ProofError(f"entry {item['index']} is proved at another index, size or root than the checkpoint's")
        proof.verify()


def evidence_kinds(document: dict[str, Any]) -> set[str]:
    return {item["entry"]["statement"]["kind"] for item in document["evidence"]["entries"]}


class TestAuthentic:
    """A batch whose every recorded fact holds is authentic, and says why."""

    def test_certified_shipped_gi_batch_with_an_issued_serial_is_authentic(self, world: World) -> None:
        batch_entry = world.batch()
        world.certify()
        world.ship()
        world.submit(PRODUCER, ("serials.issued.v1", {"gtin": GTIN, "lot": "L1", "count": 3}))
        doc = world.verify(serial="S0000002", scans=ScanStats(scans=6, readers=2, days=2))
        assert doc["verdict"] == "authentic", failing(doc)
        assert {r["code"] for r in doc["reasons"]} >= {
            "batch-registered", "product-registered", "producer-registered", "claim-valid-at-production",
            "claim-valid-at-registration", "origin-in-area", "not-recalled", "certification-valid",
            "certification-passed", "not-corrected", "serial-issued", "scans-plausible"}
        assert all(r["message"]["vi"] and r["message"]["en"] for r in doc["reasons"])
        assert doc["batch"] | {"serial": "S0000002"} == doc["batch"]
        assert (doc["batch"]["quantity"], doc["batch"]["produced_on"], doc["batch"]["entry"]) == (
            "100", "2026-11-01", batch_entry)
        [claim] = doc["claims"]
        assert (claim["type"], claim["id"], claim["status"], claim["right"]["id"], claim["manager"]["id"]) == (
            "gi", GI_ID, "valid", RIGHT_ID, ROOT)
        assert doc["origin"]["areas"] == [{"gi": GI_ID, "inside": True, "inside_now": True, "stage": "raw_material"}]
        assert (doc["origin"]["name"], doc["origin"]["province"], doc["origin"]["province_name"]) == (
            "Xã An Khánh", "01", "Thành phố Hà Nội")
        assert doc["producer"]["commune"] == {"code": "09877", "version": "2025-07-01", "name": "Xã An Khánh",
                                              "province": "01", "province_name": "Thành phố Hà Nội"}
        assert (doc["batch"]["registered_on"], doc["batch"]["withdrawn"], doc["as_of"]) == (
            "2026-11-26", False, "2026-11-26")
        assert doc["organisations"][SHOP] == {"vi": f"Tổ chức {SHOP}", "en": f"Organisation {SHOP}"}
        assert doc["product"]["licence"]["prefix"] == "893456"
        [cert] = doc["certifications"]
        assert (cert["id"], cert["certifier"]["id"], cert["result"], cert["status"]) == (
            "cert-1", CERTIFIER, "pass", "valid")
        [event] = doc["events"]
        assert (event["biz_step"], event["source"], event["destination"]) == ("shipping", PRODUCER, SHOP)
        assert event["place"] == {"commune": doc["producer"]["commune"], "name": None}

    def test_evidence_proves_every_entry_the_facts_name(self, world: World) -> None:
        world.batch()
        world.certify()
        world.ship()
        doc = world.verify()
        proved = {item["index"] for item in doc["evidence"]["entries"]}
        assert named_entries(doc) <= proved
        assert evidence_kinds(doc) == {"organisation.registered.v1", "product.registered.v1", "gi.registered.v1",
                                       "right.granted.v1", "batch.registered.v1", "certification.issued.v1",
                                       "batch.event.v1", "prefix.licensed.v1"}
        check_offline(doc, world.log.verifier)
        checkpoint = check_evidence(doc["evidence"], world.log.verifier)
        assert {item["proof"]["size"] for item in doc["evidence"]["entries"]} == {checkpoint.size}

    def test_shows_inputs_one_step_back_and_outputs_one_step_forward(self, world: World) -> None:
        world.batch()
        world.ship(to=PROCESSOR)
        world.submit(PROCESSOR, ("batch.registered.v1", {
            "gtin": CANDIED, "lot": "M1", "quantity": "40", "unit": "H87", "produced_on": "2026-11-22",
            "origin": {"code": COMMUNE["code"], "version": COMMUNE["version"]},
            "inputs": [{"gtin": GTIN, "lot": "L1", "quantity": "30"}]}))
        made = world.verify("M1", CANDIED)
        assert made["verdict"] == "authentic", failing(made)
        [item] = made["inputs"]
        assert (item["gtin"], item["lot"], item["quantity"], item["producer"]["id"], item["recalled"]) == (
            GTIN, "L1", "30", PRODUCER, False)
        assert reason(made, "inputs-not-recalled")["ok"]
        source = world.verify("L1")
        assert [(o["gtin"], o["lot"], o["quantity"]) for o in source["outputs"]] == [(CANDIED, "M1", "30")]
        check_offline(made, world.log.verifier)

    def test_lists_at_most_a_hundred_outputs_and_says_so(self, world: World) -> None:
        world.batch(quantity="500")
        world.ship(to=PROCESSOR)
        world.submit(PROCESSOR, *[("batch.registered.v1", {
            "gtin": CANDIED, "lot": f"M{i}", "quantity": "1", "unit": "H87", "produced_on": "2026-11-22",
            "origin": {"code": COMMUNE["code"], "version": COMMUNE["version"]},
            "inputs": [{"gtin": GTIN, "lot": "L1", "quantity": "2"}]}) for i in range(101)])
        doc = world.verify()
        assert (len(doc["outputs"]), doc["outputs_truncated"]) == (100, True)
        check_offline(doc, world.log.verifier)

    def test_a_right_revoked_after_registration_leaves_the_claim_valid(self, world: World) -> None:
        world.batch()
        world.submit(ROOT, ("right.revoked.v1", {"right": RIGHT_ID, "effective_on": "2026-11-27",
                                                 "reason": "The cooperative leaves the GI."}))
        doc = world.verify()
        assert doc["verdict"] == "authentic", failing(doc)
        [claim] = doc["claims"]
        assert (claim["status"], claim["right"]["status_now"]) == ("valid", "revoked")
        assert "right.revoked.v1" in evidence_kinds(doc)

    def test_a_right_revoked_from_before_registration_makes_the_claim_invalid_from_that_day(self,
                                                                                          world: World) -> None:
        world.batch()
        world.submit(ROOT, ("right.revoked.v1", {"right": RIGHT_ID, "effective_on": "2026-11-10",
                                                 "reason": "A fraud found late."}))
        doc = world.verify()
        assert (doc["verdict"], failing(doc)) == ("invalid", {"claim-valid-at-registration": "invalid"})
        assert doc["claims"][0]["status"] == "valid"


    def test_a_batch_under_a_gi_and_a_collective_mark_shows_both(self, world: World) -> None:
        world.mark()
        world.batch(claims=[{"type": "gi", "id": GI_ID}, {"type": "mark", "id": MARK_ID}])
        doc = world.verify()
        assert doc["verdict"] == "authentic", failing(doc)
        mark = next(c for c in doc["claims"] if c["type"] == "mark")
        assert (mark["status"], mark["mark_type"], mark["goods"], mark["owner"]["id"], mark["nice_classes"]) == (
            "valid", "collective", "Fresh pomelos", ASSOCIATION, [31])
        assert {"mark.registered.v1", "right.granted.v1"} <= evidence_kinds(doc)
        assert "Nhãn hiệu tập thể" in [r for r in doc["reasons"] if r["code"] == "claim-valid-at-production"][1][
            "message"]["vi"]
        check_offline(doc, world.log.verifier)


class TestWarning:
    """Facts that call for care, without showing the product false, give a warning."""

    def test_a_recalled_input_gives_the_output_a_warning_with_the_inputs_recall(self, world: World) -> None:
        world.batch()
        world.ship(to=PROCESSOR)
        world.submit(PROCESSOR, ("batch.registered.v1", {
            "gtin": CANDIED, "lot": "M1", "quantity": "40", "unit": "H87", "produced_on": "2026-11-22",
            "origin": {"code": COMMUNE["code"], "version": COMMUNE["version"]},
            "inputs": [{"gtin": GTIN, "lot": "L1", "quantity": "30"}]}))
        recall = world.submit(PRODUCER, ("batch.recalled.v1", {"gtin": GTIN, "lot": "L1",
                                                               "reason": "Residue above limit."}))
        doc = world.verify("M1", CANDIED)
        assert (doc["verdict"], failing(doc)) == ("warning", {"inputs-not-recalled": "warning"})
        assert doc["inputs"][0]["recalled"] is True
        assert doc["inputs"][0]["recall"] == {"entry": recall, "issuer": PRODUCER, "reason": "Residue above limit.",
                                              "on": "2026-11-26"}
        message = reason(doc, "inputs-not-recalled")["message"]
        assert message["en"].startswith(f"Input batches: batch L1 of “Hoai Duc pomelo” (GTIN {GTIN}), recalled on 26 "
                                        "November 2026: “Residue above limit.”")
        assert message["vi"].startswith(f"Các lô đầu vào: lô L1 của sản phẩm «Bưởi Hoài Đức» (GTIN {GTIN}), bị thu "
                                        "hồi ngày 26/11/2026: «Residue above limit.»")
        assert (reason(doc, "inputs-not-recalled")["entries"], reason(doc, "inputs-not-recalled")["subjects"]) == (
            [recall], [f"batch:{GTIN}/L1", f"organisation:{PRODUCER}"])

    @pytest.mark.parametrize("scans", [ScanStats(scans=40, readers=25, days=5), ScanStats(scans=900, readers=300,
                                                                                           days=30)])
    def test_many_readers_on_many_days_give_a_warning_saying_why(self, world: World, scans: ScanStats) -> None:
        world.batch()
        world.submit(PRODUCER, ("serials.issued.v1", {"gtin": GTIN, "lot": "L1", "count": 3}))
        doc = world.verify(serial="S0000001", scans=scans)
        assert (doc["verdict"], failing(doc)) == ("warning", {"scans-plausible": "warning"})
        message = reason(doc, "scans-plausible")["message"]
        assert f"by {scans.readers} different readers on {scans.days} days in the last 30 days" in message["en"]
        assert f"bởi {scans.readers} người quét khác nhau trong {scans.days} ngày" in message["vi"]

    @pytest.mark.parametrize("scans", [ScanStats(scans=5000, readers=1, days=30), ScanStats(scans=80, readers=24,
                                                                                             days=30),
                                       ScanStats(scans=500, readers=500, days=4)])
    def test_one_reader_or_one_day_does_not_warn(self, world: World, scans: ScanStats) -> None:
        world.batch()
        world.submit(PRODUCER, ("serials.issued.v1", {"gtin": GTIN, "lot": "L1", "count": 3}))
        doc = world.verify(serial="S0000001", scans=scans)
        assert doc["verdict"] == "authentic", failing(doc)

    def test_a_revoked_certification_gives_a_warning(self, world: World) -> None:
        world.batch()
        world.certify()
        revoked = world.submit(CERTIFIER, ("certification.revoked.v1", {"certification": "cert-1",
                                                                        "reason": "Issued in error."}))
        doc = world.verify()
        assert (doc["verdict"], failing(doc)) == ("warning", {"certification-valid": "warning"})
        assert (doc["certifications"][0]["status"], doc["certifications"][0]["revoked_entry"]) == ("revoked", revoked)
        assert revoked in {item["index"] for item in doc["evidence"]["entries"]}

    def test_a_certification_expired_today_gives_a_warning(self, world: World) -> None:
        world.batch()
        world.certify()
        doc = world.verify(today=date(2027, 11, 2))
        assert (doc["verdict"], failing(doc)) == ("warning", {"certification-valid": "warning"})
        message = reason(doc, "certification-valid")["message"]
        assert message["vi"] == (f"Chứng nhận «VietGAP» cho lô hàng do Tổ chức {CERTIFIER} cấp có hiệu lực từ ngày "
                                 "01/11/2026 đến ngày 01/11/2027; hôm nay là ngày 02/11/2027")
        assert message["en"].endswith("is valid from 1 November 2026 to 1 November 2027; today is 2 November 2027")
        assert reason(doc, "certification-valid")["subjects"] == ["certification:cert-1", f"organisation:{CERTIFIER}"]

    def test_a_retracted_event_has_no_effect_and_shows_in_the_history(self, world: World) -> None:
        world.batch()
        event = world.ship()
        correction = world.submit(PRODUCER, ("correction.v1", {"entry": event, "reason": "Shipped to the wrong shop."}))
        doc = world.verify()
        assert doc["verdict"] == "authentic", failing(doc)
        assert doc["events"] == []
        assert doc["history"] == [{"entry": event, "kind": "batch.event.v1", "issuer": PRODUCER,
                                   "said_on": "2026-11-26", "retracted_by": [
                                       {"entry": correction, "issuer": PRODUCER, "reason": "Shipped to the wrong shop.",
                                        "on": "2026-11-26", "authority": False}]}]


class TestRecalled:
    """A batch that was itself recalled is `recalled`, whatever else holds or fails but its registration."""

    def test_a_recalled_batch_is_recalled_with_the_reason_and_day(self, world: World) -> None:
        world.batch()
        recall = world.submit(PRODUCER, ("batch.recalled.v1", {"gtin": GTIN, "lot": "L1",
                                                               "reason": "Dư lượng thuốc vượt ngưỡng."}))
        doc = world.verify()
        assert doc["verdict"] == "recalled"
        assert failing(doc) == {"not-recalled": "recalled"}
        assert doc["batch"]["recalled"] is True
        assert doc["batch"]["recall"] == {"entry": recall, "issuer": PRODUCER, "reason": "Dư lượng thuốc vượt ngưỡng.",
                                          "on": "2026-11-26"}
        message = reason(doc, "not-recalled")["message"]
        assert message["vi"] == (f"Lô L1 của sản phẩm «Bưởi Hoài Đức» (GTIN {GTIN}) đã bị Tổ chức {PRODUCER} thu hồi "
                                 "ngày 26/11/2026: «Dư lượng thuốc vượt ngưỡng.»; không được bán hoặc sử dụng lô đã bị "
                                 "thu hồi")
        assert message["en"].startswith(f"Batch L1 of “Hoai Duc pomelo” (GTIN {GTIN}) was recalled by Organisation "
                                        f"{PRODUCER} on 26 November 2026: “Dư lượng thuốc vượt ngưỡng.”")
        assert f"entry {recall}" not in message["en"]
        assert (reason(doc, "not-recalled")["entries"], reason(doc, "not-recalled")["subjects"]) == (
            [recall], [f"batch:{GTIN}/L1", f"organisation:{PRODUCER}"])
        assert recall in {item["index"] for item in doc["evidence"]["entries"]}

    def test_a_recall_outweighs_an_invalid_registration(self, world: World) -> None:
        registered = world.batch()
        world.submit(PRODUCER, ("batch.recalled.v1", {"gtin": GTIN, "lot": "L1", "reason": "Mislabelled."}))
        world.submit(PRODUCER, ("correction.v1", {"entry": registered, "reason": "Lot never made."}))
        doc = world.verify()
        assert doc["verdict"] == "recalled"
        assert failing(doc) == {"not-corrected": "invalid", "not-recalled": "recalled"}
        check_offline(doc, world.log.verifier)


class TestInvalid:
    """A batch whose claim, registration or serial does not hold is invalid."""

    def test_a_right_suspended_later_from_before_production_makes_the_claim_invalid(self, world: World) -> None:
        world.batch()
        suspension = world.submit(ROOT, ("right.suspended.v1", {"right": RIGHT_ID, "effective_on": "2026-10-01",
                                                                "reason": "Fruit from outside the area was sold."}))
        doc = world.verify()
        assert (doc["verdict"], failing(doc)) == ("invalid", {"claim-valid-at-production": "invalid",
                                                              "claim-valid-at-registration": "invalid"})
        [claim] = doc["claims"]
        assert (claim["status"], claim["status_at_registration"]) == ("suspended", "suspended")
        change = claim["right"]["changes"][0]
        assert (change["entry"], change["effective_on"], change["decided_on"]) == (suspension, "2026-10-01",
                                                                                    "2026-11-26")
        message = reason(doc, "claim-valid-at-production")["message"]
        assert message["en"] == (
            f"GI “Hoai Duc pomelo”: the right of Organisation {PRODUCER} to use it was suspended from 1 October 2026 "
            "by a decision of Intellectual Property Office of Viet Nam recorded on 26 November 2026 (“Fruit from "
            "outside the area was sold.”), no later than the production date, 1 November 2026; a batch may carry the "
            "GI only if it and the right to use it are in force on that date")
        assert message["vi"].startswith(
            f"Chỉ dẫn địa lý «Bưởi Hoài Đức»: quyền sử dụng của Tổ chức {PRODUCER} bị đình chỉ từ ngày 01/10/2026 "
            "theo quyết định của Cục Sở hữu trí tuệ ghi nhận ngày 26/11/2026 («Fruit from outside the area was "
            "sold.»), không muộn hơn ngày sản xuất 01/11/2026")
        found = reason(doc, "claim-valid-at-production")
        assert found["entries"] == [doc["claims"][0]["entry"], claim["right"]["entry"], suspension]
        assert found["subjects"] == [f"gi:{GI_ID}", f"right:{RIGHT_ID}", f"organisation:{PRODUCER}",
                                     f"organisation:{ROOT}"]
        assert reason(doc, "claim-valid-at-registration")["message"]["vi"] == (
            "Chỉ dẫn địa lý «Bưởi Hoài Đức»: cũng không có hiệu lực vào ngày đăng ký lô 26/11/2026")
        assert suspension in {item["index"] for item in doc["evidence"]["entries"]}

    def test_a_gi_cancelled_from_before_production_makes_the_claim_invalid(self, world: World) -> None:
        world.batch()
        world.submit(ROOT, ("gi.cancelled.v1", {"gi": GI_ID, "effective_on": "2026-06-01", "reason": "Annulled."}))
        doc = world.verify()
        assert doc["verdict"] == "invalid"
        assert doc["claims"][0]["status"] == "cancelled"

    def test_a_mark_cancelled_from_before_production_makes_the_claim_invalid(self, world: World) -> None:
        world.mark()
        world.batch(claims=[{"type": "mark", "id": MARK_ID}])
        world.submit(ROOT, ("mark.cancelled.v1", {"mark": MARK_ID, "effective_on": "2026-10-15",
                                                  "reason": "Not used for five years."}))
        doc = world.verify()
        assert (doc["verdict"], failing(doc)) == ("invalid", {"claim-valid-at-production": "invalid",
                                                              "claim-valid-at-registration": "invalid"})
        assert doc["claims"][0]["status"] == "cancelled"
        assert "đã bị hủy từ ngày 15/10/2026" in reason(doc, "claim-valid-at-production")["message"]["vi"]

    def test_a_corrected_batch_registration_is_invalid(self, world: World) -> None:
        registered = world.batch()
        correction = world.submit(PRODUCER, ("correction.v1", {"entry": registered, "reason": "Lot never made."}))
        doc = world.verify()
        assert (doc["verdict"], failing(doc)) == ("invalid", {"not-corrected": "invalid"})
        assert doc["batch"]["withdrawn"] is True
        assert doc["history"] == [{"entry": registered, "kind": "batch.registered.v1", "issuer": PRODUCER,
                                   "said_on": "2026-11-26", "retracted_by": [
                                       {"entry": correction, "issuer": PRODUCER, "reason": "Lot never made.",
                                        "on": "2026-11-26", "authority": False}]}]
        assert reason(doc, "not-corrected")["message"]["vi"] == (
            f"Việc đăng ký lô đã bị Tổ chức {PRODUCER} rút lại ngày 26/11/2026: «Lot never made.»; đăng ký của lô "
            "chính hãng phải còn hiệu lực")
        assert reason(doc, "not-corrected")["entries"] == [registered, correction]
        check_offline(doc, world.log.verifier)

    def test_a_retracted_correction_no_longer_counts(self, world: World) -> None:
        registered = world.batch()
        correction = world.submit(PRODUCER, ("correction.v1", {"entry": registered, "reason": "Mistake."}))
        retraction = world.submit(PRODUCER, ("correction.v1", {"entry": correction, "reason": "It was right."}))
        doc = world.verify()
        assert doc["verdict"] == "authentic", failing(doc)
        assert [(h["entry"], h["kind"], [r["entry"] for r in h["retracted_by"]]) for h in doc["history"]] == [
            (correction, "correction.v1", [retraction])]
        assert {correction, retraction} <= {item["index"] for item in doc["evidence"]["entries"]}

    def test_a_serial_never_issued_for_the_batch_is_invalid(self, world: World) -> None:
        world.batch()
        world.submit(PRODUCER, ("serials.issued.v1", {"gtin": GTIN, "lot": "L1", "count": 3}))
        doc = world.verify(serial="S0000009")
        assert (doc["verdict"], failing(doc)) == ("invalid", {"serial-issued": "invalid"})
        assert "S0000009" in reason(doc, "serial-issued")["message"]["vi"]

    def test_a_failed_certification_of_the_batch_is_invalid(self, world: World) -> None:
        world.batch()
        world.certify(result="fail")
        doc = world.verify()
        assert (doc["verdict"], failing(doc)) == ("invalid", {"certification-passed": "invalid"})

    def test_invalid_outweighs_a_warning(self, world: World) -> None:
        world.batch()
        world.certify(result="fail")
        world.submit(CERTIFIER, ("certification.issued.v1", {
            "id": "cert-producer", "subject": {"type": "producer", "organisation": PRODUCER}, "scheme": "VietGAP",
            "result": "fail", "valid_from": "2026-11-01", "valid_until": "2027-11-01",
            "document_sha256": hashlib.sha256(b"producer audit").hexdigest()}))
        doc = world.verify()
        assert doc["verdict"] == "invalid"
        assert sorted(r["severity"] for r in doc["reasons"] if not r["ok"]) == ["invalid", "warning"]


class TestUnknown:
    """A lot the registry does not know is unknown, with what it does know about the GTIN."""

    def test_an_unregistered_lot_of_a_registered_product_is_unknown(self, world: World) -> None:
        world.batch()
        doc = world.verify("FAKE-1")
        assert doc["verdict"] == "unknown"
        assert failing(doc) == {"batch-registered": "unknown"}
        assert reason(doc, "product-registered")["ok"]
        assert (doc["batch"], doc["product"]["gtin"], doc["producer"]["id"]) == (None, GTIN, PRODUCER)
        assert evidence_kinds(doc) == {"product.registered.v1", "organisation.registered.v1", "prefix.licensed.v1"}
        check_offline(doc, world.log.verifier)

    def test_an_unregistered_gtin_is_unknown(self, world: World) -> None:
        doc = world.verify("L1", _gtin("0893000000001"))
        assert doc["verdict"] == "unknown"
        assert failing(doc) == {"batch-registered": "unknown", "product-registered": "unknown"}
        assert (doc["product"], doc["evidence"]["entries"]) == (None, [])


class TestEvidence:
    """Evidence checks offline against the signed checkpoint, and tampering with it fails the check."""

    @pytest.fixture
    def doc(self, world: World) -> dict[str, Any]:
        world.batch()
        world.certify()
        world.ship()
        return world.verify()

    def test_a_changed_entry_no_longer_hashes_to_its_hash(self, world: World, doc: dict[str, Any]) -> None:
        tampered = copy.deepcopy(doc)
        [item] = [i for i in tampered["evidence"]["entries"] if i["index"] == doc["batch"]["entry"]]
        item["entry"]["statement"]["body"]["quantity"] = "100000"
        with pytest.raises(ProofError):
            check_offline(tampered, world.log.verifier)
        with pytest.raises(ProofError):
            check_evidence(tampered["evidence"], world.log.verifier)

    def test_a_changed_entry_with_its_hash_rewritten_fails_the_proof(self, world: World,
                                                                     doc: dict[str, Any]) -> None:
        tampered = copy.deepcopy(doc)
        item = tampered["evidence"]["entries"][-1]
        item["entry"]["statement"]["body"]["reason" if "reason" in item["entry"]["statement"]["body"]
                                            else "note"] = "forged"
        forged = leaf_hash(canonical(item["entry"])).hex()
        item["hash"] = item["proof"]["leaf_hash"] = forged
        with pytest.raises(RootMismatchError):
            check_offline(tampered, world.log.verifier)
        with pytest.raises(RootMismatchError):
            check_evidence(tampered["evidence"], world.log.verifier)

    def test_a_checkpoint_signed_by_another_key_is_refused(self, world: World, doc: dict[str, Any]) -> None:
        other = NoteSigner.generate("test.nguon/log").verifier
        with pytest.raises(VerificationError):
            check_offline(doc, other)
        with pytest.raises(VerificationError):
            check_evidence(doc["evidence"], other)

    def test_malformed_evidence_is_a_proof_error(self, world: World, doc: dict[str, Any]) -> None:
        tampered = copy.deepcopy(doc)
        del tampered["evidence"]["entries"][0]["proof"]["hashes"]
        with pytest.raises(ProofError):
            check_evidence(tampered["evidence"], world.log.verifier)


class TestVerdictDocument:
    """The verdict document is one typed value, built once and never changed in place."""

    def test_the_document_and_its_facts_are_frozen(self, world: World) -> None:
        world.batch()
        world.certify()
        document = world.document()
        assert document.verdict.batch is not None
        with pytest.raises(dataclasses.FrozenInstanceError):
            document.outputs_truncated = True  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            document.verdict.batch.recalled = True  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            document.evidence.entries[0].index = 99  # type: ignore[misc]
        assert isinstance(document.evidence.entries, tuple)

    def test_attributes_and_json_say_the_same(self, world: World) -> None:
        world.batch()
        document = world.document()
        served = world.verify()
        assert document.verdict.batch is not None
        assert (served["verdict"], served["batch"]["entry"]) == (document.verdict.verdict, document.verdict.batch.entry)
        assert [e["index"] for e in served["evidence"]["entries"]] == [e.index for e in document.evidence.entries]
        assert {e.kind for e in document.evidence.entries} == evidence_kinds(served)

    def test_an_entry_with_the_proof_of_another_is_refused(self, world: World) -> None:
        world.batch()
        first, second = world.document().evidence.entries[:2]
        with pytest.raises(InvalidValueError, match="must agree"):
            ProvedEntry(first.index, first.hash, first.entry, second.proof)


class TestPassport:
    """The verdict carries the data Vietnamese law asks a product's page to show, and warns of a batch past its
    expiry date."""

    @pytest.fixture
    def dated(self, world: World) -> World:
        """PRODUCER's address and identifiers, and DATED, a product with its passport (30 days' shelf life)."""
        world.submit(ROOT, ("organisation.updated.v2", {
            "id": PRODUCER, "commune": COMMUNE, "street": "Thôn La Tinh", "tax_code": "0101234567",
            "business_registration": "01H8000123"}))
        world.submit(PRODUCER, ("product.registered.v2", {
            "gtin": DATED, "names": {"vi": "Nước mắm", "en": "Fish sauce"}, "unit": "H87", "image": "ab" * 32,
            "shelf_life_days": 30, "standards": ["TCVN 5107:2018"], "usage": {"vi": "Lắc đều.", "en": "Shake well."},
            "warnings": {"vi": "Chứa cá.", "en": "Contains fish."}}))
        world.batch(gtin=DATED, claims=[], produced_on="2026-11-01")
        return world

    def test_the_product_shows_its_image_shelf_life_standards_usage_and_warnings(self, dated: World) -> None:
        doc = dated.verify(gtin=DATED)
        assert {k: doc["product"][k] for k in ("image", "shelf_life_days", "standards", "usage", "warnings")} == {
            "image": {"sha256": "ab" * 32, "url": f"/api/v1/images/{'ab' * 32}"}, "shelf_life_days": 30,
            "standards": ["TCVN 5107:2018"], "usage": {"vi": "Lắc đều.", "en": "Shake well."},
            "warnings": {"vi": "Chứa cá.", "en": "Contains fish."}}

    def test_the_producer_shows_its_address_by_name_and_its_identifiers(self, dated: World) -> None:
        producer = dated.verify(gtin=DATED)["producer"]
        assert (producer["address"], producer["tax_code"], producer["business_registration"]) == (
            {"street": "Thôn La Tinh", "commune": "Xã An Khánh", "province": "Thành phố Hà Nội"}, "0101234567",
            "01H8000123")

    def test_an_organisation_of_v1_shows_its_commune_as_its_address(self, world: World) -> None:
        world.batch()
        producer = world.verify()["producer"]
        assert (producer["address"], producer["tax_code"]) == (
            {"street": None, "commune": "Xã An Khánh", "province": "Thành phố Hà Nội"}, None)

    def test_a_batch_is_good_through_its_expiry_date(self, dated: World) -> None:
        doc = dated.verify(gtin=DATED, today=date(2026, 12, 1))
        assert (doc["verdict"], doc["batch"]["expires_on"], doc["batch"]["expiry_derived"]) == (
            "authentic", "2026-12-01", True)
        assert reason(doc, "not-expired")["message"]["vi"] == (
            f"Lô L1 của sản phẩm «Nước mắm» (GTIN {DATED}) còn hạn sử dụng đến hết ngày 01/12/2026 (tính 30 ngày từ "
            "ngày sản xuất 01/11/2026); hôm nay là ngày 01/12/2026")

    def test_a_batch_past_its_expiry_date_gives_a_warning_with_the_date(self, dated: World) -> None:
        doc = dated.verify(gtin=DATED, today=date(2026, 12, 2))
        assert (doc["verdict"], failing(doc)) == ("warning", {"not-expired": "warning"})
        message = reason(doc, "not-expired")["message"]
        assert message["vi"].startswith(f"Đã hết hạn sử dụng từ ngày 02/12/2026: lô L1 của sản phẩm «Nước mắm» (GTIN "
                                        f"{DATED}) chỉ được "
                                        "dùng đến hết ngày 01/12/2026")
        assert message["en"].startswith("Expired since 2 December 2026: the expiry date of batch L1")

    def test_an_updated_product_reads_as_it_is_now_with_the_day_of_its_update(self, dated: World) -> None:
        """The page shows the product's data in force now; the batch made before keeps the expiry its label
        printed (30 days), though the shelf life is 60 days since."""
        index = dated.submit(PRODUCER, ("product.updated.v2", {
            "gtin": DATED, "names": {"vi": "Nước mắm cốt", "en": "First-press fish sauce"}, "unit": "XBO",
            "shelf_life_days": 60, "warnings": {"vi": "Chứa cá và muối.", "en": "Contains fish and salt."}}))
        doc = dated.verify(gtin=DATED, today=date(2026, 12, 2))
        shown = doc["product"]
        assert (shown["names"]["vi"], shown["unit"], shown["shelf_life_days"], shown["warnings"]["en"],
                shown["usage"]["vi"], shown["history"], shown["updated_on"]) == (
            "Nước mắm cốt", "XBO", 60, "Contains fish and salt.", "Lắc đều.", [{"entry": index, "action": "updated"}],
            doc["batch"]["registered_on"])
        assert (doc["batch"]["expires_on"], doc["batch"]["unit"], failing(doc)) == (
            "2026-12-01", "H87", {"not-expired": "warning"})
        assert "product.updated.v2" in evidence_kinds(doc)
        assert index in named_entries(doc)

    def test_a_verifier_applies_only_the_producers_updates(self) -> None:
        """Reading entries alone, an update by anyone but the producer is no part of the product (the registry
        refuses one; a bundle of entries is checked again), and `before` gives the product a batch was made as."""
        def entry(index: int, kind: str, issuer: str, body: dict[str, Any]) -> Logged:
            return Logged.from_json({"index": index, "logged_at": "2026-11-20T03:00:00Z", "statement": {
                "kind": kind, "issuer": issuer, "issued_at": "2026-11-20T03:00:00Z", "nonce": "n", "body": body}})
        cited = Cited([
            entry(1, "product.registered.v1", PRODUCER, {"gtin": DATED, "names": {"vi": "Nước mắm", "en": "Fish "
                                                         "sauce"}, "unit": "H87"}),
            entry(2, "product.updated.v2", "ke-gian", {"gtin": DATED, "names": {"vi": "Giả", "en": "Fake"}}),
            entry(3, "product.updated.v2", PRODUCER, {"gtin": DATED, "shelf_life_days": 90})])
        made = product(cited, DATED)
        assert made is not None
        assert (made.names.vi, made.shelf_life_days, made.history, made.updated_on) == (
            "Nước mắm", 90, (Change(3, "updated"),), "2026-11-20")
        before = product(cited, DATED, before=3)
        assert before is not None
        assert (before.shelf_life_days, before.history) == (None, ())

    def test_a_declared_expiry_date_is_not_derived(self, dated: World) -> None:
        dated.submit(PRODUCER, ("batch.registered.v2", {
            "gtin": DATED, "lot": "L2", "quantity": "5", "unit": "H87", "produced_on": "2026-11-01",
            "origin": {"code": COMMUNE["code"], "version": COMMUNE["version"]}, "expires_on": "2026-11-15"}))
        doc = dated.verify("L2", gtin=DATED)
        assert (doc["batch"]["expires_on"], doc["batch"]["expiry_derived"], failing(doc)) == (
            "2026-11-15", False, {"not-expired": "warning"})
        assert "(tính" not in reason(doc, "not-expired")["message"]["vi"]

    def test_a_batch_without_an_expiry_date_is_not_checked_for_one(self, world: World) -> None:
        world.batch()
        doc = world.verify()
        assert doc["batch"]["expires_on"] is None
        assert "not-expired" not in {r["code"] for r in doc["reasons"]}

    def test_an_expired_batch_that_is_recalled_too_reads_recalled_and_says_both(self, dated: World) -> None:
        dated.submit(PRODUCER, ("batch.recalled.v1", {"gtin": DATED, "lot": "L1", "reason": "Nắp hở."}))
        doc = dated.verify(gtin=DATED, today=date(2026, 12, 5))
        assert failing(doc) == {"not-recalled": "recalled", "not-expired": "warning"}
        assert doc["verdict"] == "recalled"


class TestScanStats:
    """Scan statistics are counts."""

    def test_refuses_a_negative_count(self) -> None:
        with pytest.raises(ValueError, match="readers is -1"):
            ScanStats(scans=0, readers=-1, days=0)


_DAYS = st.dates(date(2024, 1, 1), date(2026, 12, 31)).map(date.isoformat)


class _Changes:
    """The one query right_active_on makes of State, answered from a list."""

    def __init__(self, changes: list[dict[str, Any]]) -> None:
        self.changes = changes

    def find(self, _model: object, **_where: object) -> list[dict[str, Any]]:
        return [dict(c) for c in self.changes]


@given(start=_DAYS, end=st.none() | _DAYS, day=_DAYS,
       changes=st.lists(st.tuples(st.sampled_from(["suspended", "reinstated", "revoked"]), _DAYS), max_size=4))
def test_claim_status_agrees_with_the_rule_batches_are_registered_under(
        start: str, end: str | None, day: str, changes: list[tuple[str, str]]) -> None:
    rows = [{"action": a, "effective_on": d, "reason": "r", "entry": 10 + i, "right": "r1", "retracted": False}
            for i, (a, d) in enumerate(changes)]
    right = Right("r1", "p", start, end, "active", None, None, ROOT, 1, tuple(
        RightChangeFacts(r["action"], r["effective_on"], "2026-01-01", "r", ROOT, r["entry"]) for r in rows))
    claim = Indication("gi", "g", Names("g", "g"), "00001", "6-2020-00001", 0, (), None)
    status = claim_status(claim, right, day)
    assert (status == "valid") == right_active_on(_Changes(rows), {"id": "r1", "valid_from": start,  # type: ignore[arg-type]
                                                                   "valid_until": end}, day)
