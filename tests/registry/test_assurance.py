"""Certifications by accredited certifiers, and corrections that retract an earlier entry."""

import pytest

from registry.service import Registry
from registry.tables import RegCertification, RegCorrection
from tests.registry.conftest import (
    CERTIFIER,
    GTIN,
    PRODUCER,
    ROOT,
    accredit,
    log_size,
    make_batch,
    make_certification,
    make_correction,
    make_org,
    one,
    refused,
    rows,
)


@pytest.fixture
def certifier(registry: Registry, producer: str) -> str:
    """CERTIFIER, accredited for VietGAP everywhere, and lot L1 of PRODUCER to certify."""
    accredit(registry, CERTIFIER)
    registry.submit_as(producer, [make_batch()])
    return CERTIFIER


class TestCertificationIssued:
    """Certifiers record results for a batch, a product or a producer that exist."""

    @pytest.mark.parametrize("subject", [{"type": "batch", "gtin": GTIN, "lot": "L1"},
                                         {"type": "product", "gtin": GTIN},
                                         {"type": "producer", "organisation": PRODUCER}])
    def test_records_a_certification_of_each_subject(self, registry: Registry, certifier: str,
                                                     subject: dict[str, str]) -> None:
        [receipt] = registry.submit_as(certifier, [make_certification(subject=subject, result="fail")])
        cert = one(registry, RegCertification, id="cert-1")
        assert (cert["certifier"], cert["subject_type"], cert["subject_gtin"], cert["subject_lot"],
                cert["subject_org"], cert["result"], cert["revoked_entry"], cert["entry"]) == (
            certifier, subject["type"], subject.get("gtin"), subject.get("lot"), subject.get("organisation"), "fail",
            None, receipt.index)

    @pytest.mark.parametrize(("subject", "code"), [
        ({"type": "batch", "gtin": GTIN, "lot": "L2"}, "unknown-batch"),
        ({"type": "product", "gtin": "08934567890137"}, "unknown-product"),
        ({"type": "producer", "organisation": "coop-a"}, "unknown-organisation"),
    ])
    def test_refuses_an_unknown_subject(self, registry: Registry, certifier: str, subject: dict[str, str],
                                        code: str) -> None:
        refused(registry, certifier, [make_certification(subject=subject)], code)

    @pytest.mark.parametrize("issuer", [PRODUCER, ROOT])
    def test_refuses_an_issuer_that_is_not_a_certifier(self, registry: Registry, certifier: str, issuer: str) -> None:
        refused(registry, issuer, [make_certification()], "role-not-allowed")

    def test_refuses_an_id_issued_before(self, registry: Registry, certifier: str) -> None:
        registry.submit_as(certifier, [make_certification()])
        refused(registry, certifier, [make_certification(result="fail")], "duplicate-certification")

    def test_refuses_a_validity_ending_before_it_starts(self, registry: Registry, certifier: str) -> None:
        refused(registry, certifier, [make_certification(valid_until="2026-10-31")], "dates-out-of-order")

    def test_refuses_a_document_hash_that_is_not_sha256_hex(self, registry: Registry, certifier: str) -> None:
        refused(registry, certifier, [make_certification(document_sha256="AB" * 32)], "invalid-body")


class TestCertificationRevoked:
    """The certifier that issued a certification, or the root authority, revokes it, once."""

    @pytest.fixture
    def cert(self, registry: Registry, certifier: str) -> str:
        registry.submit_as(certifier, [make_certification()])
        return "cert-1"

    def revoke(self, cert: str) -> tuple[str, dict[str, str]]:
        return "certification.revoked.v1", {"certification": cert, "reason": "The audit was not carried out."}

    def test_the_issuing_certifier_revokes(self, registry: Registry, cert: str) -> None:
        [receipt] = registry.submit_as(CERTIFIER, [self.revoke(cert)])
        assert one(registry, RegCertification, id=cert)["revoked_entry"] == receipt.index

    def test_refuses_another_certifier(self, registry: Registry, cert: str) -> None:
        make_org(registry, "quacert", ["certifier"])
        error = refused(registry, "quacert", [self.revoke(cert)], "not-your-certification")
        assert f"issued by Organisation {CERTIFIER}" in error.en

    def test_the_root_authority_revokes(self, registry: Registry, cert: str) -> None:
        [receipt] = registry.submit_as(ROOT, [self.revoke(cert)])
        assert one(registry, RegCertification, id=cert)["revoked_entry"] == receipt.index

    def test_refuses_a_non_certifier(self, registry: Registry, cert: str) -> None:
        refused(registry, PRODUCER, [self.revoke(cert)], "role-not-allowed")

    def test_refuses_revoking_twice(self, registry: Registry, cert: str) -> None:
        registry.submit_as(CERTIFIER, [self.revoke(cert)])
        refused(registry, CERTIFIER, [self.revoke(cert)], "already-revoked")

    def test_refuses_an_unknown_certification(self, registry: Registry, cert: str) -> None:
        refused(registry, CERTIFIER, [self.revoke("cert-9")], "unknown-certification")


class TestCorrection:
    """The original issuer or an authority governing the subject retracts an earlier entry; nothing is edited."""

    @pytest.fixture
    def entry(self, registry: Registry, producer: str) -> int:
        """The entry of PRODUCER's lot L1."""
        [receipt] = registry.submit_as(producer, [make_batch(quantity="1000")])
        return receipt.index

    def test_the_original_issuer_corrects_with_a_replacement(self, registry: Registry, entry: int) -> None:
        [replacement] = registry.submit_as(PRODUCER, [make_batch(lot="L1-R", quantity="100")])
        [receipt] = registry.submit_as(PRODUCER, [make_correction(entry, replacement=replacement.index)])
        correction = one(registry, RegCorrection, entry=receipt.index)
        assert (correction["corrected_entry"], correction["replacement"], correction["issuer"]) == (
            entry, replacement.index, PRODUCER)
        assert one(registry, RegCorrection, entry=receipt.index)["reason"] == "The quantity was mistyped."

    def test_an_authority_corrects_anyones_entry(self, registry: Registry, entry: int) -> None:
        registry.submit_as(ROOT, [make_correction(entry)])
        assert [c["issuer"] for c in rows(registry, RegCorrection, corrected_entry=entry)] == [ROOT]

    def test_refuses_another_organisation(self, registry: Registry, entry: int) -> None:
        make_org(registry, "coop-a")
        error = refused(registry, "coop-a", [make_correction(entry)], "not-your-entry")
        assert f"entry {entry} was issued by Organisation {PRODUCER}" in error.en

    def test_refuses_an_issuer_correcting_twice(self, registry: Registry, entry: int) -> None:
        registry.submit_as(PRODUCER, [make_correction(entry)])
        refused(registry, PRODUCER, [make_correction(entry, reason="Again.")], "already-corrected")

    def test_an_authority_corrects_an_entry_its_issuer_corrected_already(self, registry: Registry,
                                                                          entry: int) -> None:
        registry.submit_as(PRODUCER, [make_correction(entry)])
        registry.submit_as(ROOT, [make_correction(entry, reason="Decided by the office.")])
        assert [c["issuer"] for c in rows(registry, RegCorrection, corrected_entry=entry)] == [PRODUCER, ROOT]

    @pytest.mark.parametrize("ahead", [0, 1, 50])
    def test_refuses_correcting_itself_or_a_later_entry(self, registry: Registry, entry: int, ahead: int) -> None:
        refused(registry, PRODUCER, [make_correction(log_size(registry) + ahead)], "correction-of-future")

    def test_refuses_a_replacement_that_is_not_yet_in_the_log(self, registry: Registry, entry: int) -> None:
        refused(registry, PRODUCER, [make_correction(entry, replacement=log_size(registry))], "correction-of-future")

    def test_refuses_a_replacement_by_another_issuer(self, registry: Registry, entry: int) -> None:
        make_org(registry, "coop-a")
        by_root = log_size(registry) - 1
        refused(registry, PRODUCER, [make_correction(entry, replacement=by_root)], "replacement-of-another-issuer")

    def test_corrects_an_entry_earlier_in_the_same_submission(self, registry: Registry, entry: int) -> None:
        size = log_size(registry)
        registry.submit_as(PRODUCER, [make_batch(lot="L2"), make_correction(size)])
        assert one(registry, RegCorrection, entry=size + 1)["corrected_entry"] == size

    def test_refuses_retracting_a_kind_that_has_its_own_way_back(self, registry: Registry) -> None:
        error = refused(registry, ROOT, [make_correction(0, reason="Name misspelt.")], "not-retractable")
        assert "organisation.registered.v1" in error.en
        assert "cập nhật" in error.vi
