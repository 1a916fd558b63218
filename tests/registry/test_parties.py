"""Organisations and keys, and the checks every statement passes: issuer, key, signature, time, nonce, body."""

from datetime import timedelta
from pathlib import Path

import pytest

from ledger.core.signing import sign_statement
from ledger.core.types import Signature
from registry.service import Registry
from registry.tables import RegKey, RegOrganisation
from tests.registry.conftest import (
    COMMUNE,
    HANOI,
    NOW,
    PRODUCER,
    PRODUCER_PREFIXES,
    ROOT,
    OwnKey,
    add_own_key,
    entry_at,
    license_prefixes,
    live_digest,
    log_size,
    make_batch,
    make_delegation,
    make_org,
    make_organisation,
    make_product,
    one,
    refused,
    refused_signed,
    replayed_digest,
    rows,
    v2,
)

OTHER_COMMUNE = {"code": "00577", "version": "2025-07-01"}
"""Bát Tràng, Hà Nội."""


class TestOrganisationRegistered:
    """Authorities register organisations within their jurisdiction, each id once."""

    def test_an_authority_registers_an_organisation_with_sorted_roles(self, registry: Registry) -> None:
        commune = {**COMMUNE, "name": "Xã An Khánh"}
        [receipt] = registry.submit_as(ROOT, [make_organisation("coop-a", ["producer", "association"],
                                                                commune=commune)])
        row = one(registry, RegOrganisation, id="coop-a")
        assert (row["roles"], row["commune_code"], row["commune_version"], row["entry"]) == (
            "association,producer", "09877", "2025-07-01", receipt.index)

    def test_a_new_authority_registers_organisations_in_the_provinces_delegated_to_it(self,
                                                                                        registry: Registry) -> None:
        make_org(registry, "so-khcn-ha-noi", ["authority"])
        refused(registry, "so-khcn-ha-noi", [make_organisation("coop-a")], "out-of-scope")
        registry.submit_as(ROOT, [make_delegation("so-khcn-ha-noi", [HANOI])])
        make_org(registry, "coop-a", issuer="so-khcn-ha-noi")
        assert one(registry, RegOrganisation, id="coop-a")["roles"] == "producer"

    def test_refuses_a_producer_registering_an_organisation(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_organisation("coop-a")], "role-not-allowed")
        assert "coop-hoai-duc (producer) may not issue organisation.registered.v1; it needs one of authority" \
            in error.en

    def test_refuses_a_duplicate_id(self, registry: Registry, producer: str) -> None:
        refused(registry, ROOT, [make_organisation(producer, ["inspector"])], "duplicate-organisation")

    def test_refuses_a_duplicate_id_within_one_batch(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_organisation("coop-a"), make_organisation("coop-a")], "duplicate-organisation")

    def test_refuses_a_repeated_role(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_organisation("coop-a", ["producer", "producer"])], "repeated-role")

    def test_refuses_a_key_registered_twice(self, registry: Registry) -> None:
        key = OwnKey("coop-a")
        keys = [{"public_key": key.public_key}, {"public_key": key.public_key}]
        refused(registry, ROOT, [make_organisation("coop-a", keys=keys)], "duplicate-key")

    def test_refuses_a_key_of_another_organisation(self, registry: Registry) -> None:
        key = add_own_key(registry, ROOT)
        refused(registry, ROOT, [make_organisation("coop-a", keys=[{"public_key": key.public_key}])],
                "duplicate-key")


class TestOrganisationUpdated:
    """Only authorities update organisations, and an update changes something."""

    def test_an_authority_changes_roles_and_names(self, registry: Registry, producer: str) -> None:
        registry.submit_as(ROOT, [("organisation.updated.v1", {"id": producer, "roles": ["producer", "witness"],
                                                               "names": {"vi": "HTX", "en": "Coop"}})])
        row = one(registry, RegOrganisation, id=producer)
        assert (row["roles"], row["name_en"]) == ("producer,witness", "Coop")

    def test_new_roles_take_effect_for_the_next_statement(self, registry: Registry, producer: str) -> None:
        registry.submit_as(ROOT, [("organisation.updated.v1", {"id": producer, "roles": ["inspector"]})])
        refused(registry, producer, [make_product(gtin="08934567890137")], "role-not-allowed")

    def test_refuses_a_producer_updating_itself(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [("organisation.updated.v1", {"id": producer, "roles": ["authority"]})],
                "role-not-allowed")

    def test_refuses_an_unknown_organisation(self, registry: Registry) -> None:
        refused(registry, ROOT, [("organisation.updated.v1", {"id": "coop-a", "roles": ["producer"]})],
                "unknown-organisation")

    def test_refuses_an_update_that_changes_nothing(self, registry: Registry, producer: str) -> None:
        refused(registry, ROOT, [("organisation.updated.v1", {"id": producer})], "empty-update")


class TestOrganisationAddressAndIdentifiers:
    """organisation.registered.v2 and .updated.v2 give an organisation's street and identifiers, checked at the
    edge; one tax code belongs to one organisation."""

    def test_records_the_street_tax_code_and_business_registration(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [v2(make_organisation("coop-a"), street="Số 9 xóm 3, thôn Giang Cao",
                                     tax_code="0101234567-001", business_registration="01H8000123")])
        row = one(registry, RegOrganisation, id="coop-a")
        assert (row["street"], row["tax_code"], row["business_registration"], row["commune_code"]) == (
            "Số 9 xóm 3, thôn Giang Cao", "0101234567-001", "01H8000123", COMMUNE["code"])

    def test_refuses_a_street_without_its_commune(self, registry: Registry) -> None:
        error = refused(registry, ROOT, [v2(make_organisation("coop-a", commune=None), street="Thôn Đông")],
                        "invalid-body")
        assert "give the commune with it" in error.en

    def test_refuses_a_commune_the_administrative_list_does_not_have(self, registry: Registry) -> None:
        refused(registry, ROOT, [v2(make_organisation("coop-a", commune={"code": "99999", "version": "2025-07-01"}),
                                    street="Thôn Đông")], "unknown-commune")

    @pytest.mark.parametrize("tax_code", ["0101234567", "0101234567-001"])
    def test_accepts_a_tax_code_of_ten_digits_or_a_branch(self, registry: Registry, tax_code: str) -> None:
        registry.submit_as(ROOT, [v2(make_organisation("coop-a"), tax_code=tax_code)])
        assert one(registry, RegOrganisation, id="coop-a")["tax_code"] == tax_code

    @pytest.mark.parametrize("tax_code", ["010123456", "01012345678", "0101234567-01", "0101234567-0001",
                                          "0101234567001", "０１０１２３４５６７", "٠١٠١٢٣٤٥٦٧", "0101234567 ",
                                          "MST0101234567", "010123456７"])
    def test_refuses_a_tax_code_of_another_shape(self, registry: Registry, tax_code: str) -> None:
        error = refused(registry, ROOT, [v2(make_organisation("coop-a"), tax_code=tax_code)], "invalid-body")
        assert "must be 10 digits" in error.en

    @pytest.mark.parametrize("number", ["01h8000123", "01H 8000123", "0" * 31, "-01H8000123", "01H8000123\n"])
    def test_refuses_a_business_registration_number_of_another_shape(self, registry: Registry, number: str) -> None:
        refused(registry, ROOT, [v2(make_organisation("coop-a"), business_registration=number)], "invalid-body")

    def test_refuses_a_tax_code_another_organisation_holds(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [v2(make_organisation("coop-a"), tax_code="0101234567")])
        error = refused(registry, ROOT, [v2(make_organisation("coop-b"), tax_code="0101234567")],
                        "duplicate-tax-code")
        assert error.vi == "mã số thuế 0101234567 đã được đăng ký cho Tổ chức coop-a"
        refused(registry, ROOT, [v2(("organisation.updated.v1", {"id": ROOT}), tax_code="0101234567")],
                "duplicate-tax-code")

    def test_an_organisation_may_give_its_own_tax_code_again(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [v2(make_organisation("coop-a"), tax_code="0101234567")])
        registry.submit_as(ROOT, [v2(("organisation.updated.v1", {"id": "coop-a"}), tax_code="0101234567",
                                     business_registration="01H8000123")])
        assert one(registry, RegOrganisation, id="coop-a")["business_registration"] == "01H8000123"

    def test_an_update_replaces_the_address_whole(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [v2(make_organisation("coop-a"), street="Thôn La Tinh", tax_code="0101234567")])
        registry.submit_as(ROOT, [v2(("organisation.updated.v1", {"id": "coop-a"}), commune=OTHER_COMMUNE,
                                     street="Số 1 Giang Cao")])
        row = one(registry, RegOrganisation, id="coop-a")
        assert (row["commune_code"], row["street"], row["tax_code"]) == ("00577", "Số 1 Giang Cao", "0101234567")
        registry.submit_as(ROOT, [("organisation.updated.v1", {"id": "coop-a", "commune": COMMUNE})])
        row = one(registry, RegOrganisation, id="coop-a")
        assert (row["commune_code"], row["street"]) == (COMMUNE["code"], None)

    def test_refuses_an_update_giving_a_street_alone(self, registry: Registry, producer: str) -> None:
        refused(registry, ROOT, [v2(("organisation.updated.v1", {"id": producer}), street="Thôn Đông")],
                "invalid-body")

    def test_a_v1_body_refuses_the_fields_of_v2(self, registry: Registry) -> None:
        refused(registry, ROOT, [("organisation.registered.v1", v2(make_organisation("coop-a"),
                                                                   tax_code="0101234567")[1])], "invalid-body")


class TestIssuerAndKey:
    """A statement's issuer is registered and signs with one of its own active keys."""

    def test_accepts_a_statement_signed_with_a_self_held_key(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        [receipt] = registry.submit([key.sign(make_batch())])
        assert entry_at(registry, receipt.index).signature.key_id == key.key_id
        assert not one(registry, RegKey, key_id=key.key_id)["custodial"]

    def test_refuses_an_unknown_issuer(self, registry: Registry) -> None:
        stranger = OwnKey("coop-a")
        error = refused_signed(registry, [stranger.sign(make_product())], "unknown-issuer")
        assert "coop-a is not a registered organisation" in error.en

    def test_refuses_an_unregistered_key(self, registry: Registry, producer: str) -> None:
        refused_signed(registry, [OwnKey(producer).sign(make_batch())], "unknown-key")

    def test_refuses_a_key_of_another_organisation(self, registry: Registry, producer: str) -> None:
        roots_key = add_own_key(registry, ROOT)
        refused_signed(registry, [roots_key.sign(make_batch(), issuer=producer)], "unknown-key")

    def test_refuses_a_signature_that_does_not_verify(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        statement, signature = key.sign(make_batch())
        forged = Signature(signature.key_id, bytes([signature.value[0] ^ 1]) + signature.value[1:])
        refused_signed(registry, [(statement, forged)], "bad-signature")

    def test_refuses_a_signature_by_another_key_under_a_registered_key_id(self, registry: Registry,
                                                                            producer: str) -> None:
        key = add_own_key(registry, producer)
        statement, _ = key.sign(make_batch())
        other = sign_statement(statement, OwnKey(producer).private)
        refused_signed(registry, [(statement, Signature(key.key_id, other.value))], "bad-signature")

    def test_refuses_a_role_the_issuer_lacks_even_when_self_signed(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        refused_signed(registry, [key.sign(make_organisation("coop-a"))], "role-not-allowed")


class TestKeyRotation:
    """Keys are added and revoked by statements; a revoked key signs nothing new, and its old entries stand."""

    @pytest.fixture
    def old_key(self, registry: Registry) -> OwnKey:
        key = OwnKey(PRODUCER)
        registry.submit_as(ROOT, [make_organisation(PRODUCER, keys=[{"public_key": key.public_key}])])
        license_prefixes(registry, PRODUCER, *PRODUCER_PREFIXES)
        registry.submit([key.sign(make_product())])
        return key

    def test_rotation_refuses_the_old_key_accepts_the_new_and_replays(self, registry: Registry, old_key: OwnKey,
                                                                    tmp_path: Path) -> None:
        new_key = OwnKey(PRODUCER)
        registry.submit([old_key.sign(("key.added.v1", {"organisation": PRODUCER, "public_key": new_key.public_key}))])
        [revocation] = registry.submit([new_key.sign(("key.revoked.v1", {
            "organisation": PRODUCER, "key_id": old_key.key_id, "reason": "rotated"}))])
        row = one(registry, RegKey, key_id=old_key.key_id)
        assert (row["active"], row["revoked_entry"]) == (False, revocation.index)

        error = refused_signed(registry, [old_key.sign(make_batch())], "key-revoked")
        assert f"revoked at entry {revocation.index}" in error.en
        registry.submit([new_key.sign(make_batch())])
        assert replayed_digest(registry, tmp_path) == live_digest(registry)

    def test_an_authority_may_revoke_a_key_of_an_organisation(self, registry: Registry, old_key: OwnKey) -> None:
        registry.submit_as(ROOT, [("key.revoked.v1", {"organisation": PRODUCER, "key_id": old_key.key_id,
                                                      "reason": "reported stolen"})])
        refused_signed(registry, [old_key.sign(make_batch())], "key-revoked")

    def test_a_statement_revoking_its_own_key_is_its_last(self, registry: Registry, old_key: OwnKey) -> None:
        revoke = old_key.sign(("key.revoked.v1", {"organisation": PRODUCER, "key_id": old_key.key_id,
                                                  "reason": "lost"}))
        refused_signed(registry, [revoke, old_key.sign(make_batch())], "key-revoked")
        registry.submit([revoke])
        refused_signed(registry, [old_key.sign(make_batch())], "key-revoked")

    def test_refuses_revoking_a_key_twice(self, registry: Registry, old_key: OwnKey) -> None:
        body = {"organisation": PRODUCER, "key_id": old_key.key_id, "reason": "lost"}
        registry.submit_as(ROOT, [("key.revoked.v1", body)])
        refused(registry, ROOT, [("key.revoked.v1", body)], "key-already-revoked")

    def test_refuses_revoking_a_key_under_another_organisation(self, registry: Registry, old_key: OwnKey) -> None:
        make_org(registry, "coop-a")
        refused(registry, ROOT, [("key.revoked.v1", {"organisation": "coop-a", "key_id": old_key.key_id,
                                                     "reason": "lost"})], "key-of-another-organisation")

    def test_refuses_revoking_an_unknown_key(self, registry: Registry, old_key: OwnKey) -> None:
        refused(registry, ROOT, [("key.revoked.v1", {"organisation": PRODUCER, "key_id": "0123456789abcdef",
                                                     "reason": "lost"})], "unknown-key")

    def test_refuses_an_organisation_adding_keys_to_another(self, registry: Registry, old_key: OwnKey) -> None:
        make_org(registry, "coop-a")
        body = {"organisation": "coop-a", "public_key": OwnKey("coop-a").public_key}
        refused_signed(registry, [old_key.sign(("key.added.v1", body))], "not-yours")

    def test_refuses_an_organisation_revoking_keys_of_another(self, registry: Registry, old_key: OwnKey) -> None:
        make_org(registry, "coop-a")
        [key] = [r["key_id"] for r in rows(registry, RegKey, organisation="coop-a")]
        refused_signed(registry, [old_key.sign(("key.revoked.v1", {"organisation": "coop-a", "key_id": key,
                                                                  "reason": "spite"}))], "not-yours")

    def test_refuses_adding_a_key_to_an_unknown_organisation(self, registry: Registry) -> None:
        refused(registry, ROOT, [("key.added.v1", {"organisation": "coop-a",
                                                   "public_key": OwnKey("coop-a").public_key})],
                "unknown-organisation")


class TestStatementChecks:
    """Time, nonce, kind and body: checked for every statement, self-signed or signed by the registry."""

    def test_refuses_the_same_signed_statement_twice(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        item = key.sign(make_batch())
        registry.submit([item])
        error = refused_signed(registry, [item], "nonce-replayed")
        assert item[0].nonce in error.en

    def test_refuses_a_repeated_nonce_within_one_batch(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        first = key.sign(make_batch(lot="L1"), nonce="nonce-0001")
        second = key.sign(make_batch(lot="L2"), nonce="nonce-0001")
        refused_signed(registry, [first, second], "nonce-replayed")

    def test_the_same_nonce_is_fine_for_another_issuer(self, registry: Registry, producer: str) -> None:
        mine, roots = add_own_key(registry, producer), add_own_key(registry, ROOT)
        registry.submit([mine.sign(make_batch(), nonce="nonce-0001")])
        registry.submit([roots.sign(make_organisation("coop-a"), nonce="nonce-0001")])

    def test_refuses_a_statement_issued_in_the_future(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        item = key.sign(make_batch(), issued_at=NOW + timedelta(minutes=6))
        error = refused_signed(registry, [item], "issued-in-future")
        assert item[0].issued_at in error.en

    def test_tolerates_five_minutes_of_clock_skew(self, registry: Registry, producer: str) -> None:
        key = add_own_key(registry, producer)
        registry.submit([key.sign(make_batch(), issued_at=NOW + timedelta(minutes=5))])

    def test_accepts_a_statement_signed_up_to_a_day_before_it_is_logged(self, registry: Registry,
                                                                        producer: str) -> None:
        key = add_own_key(registry, producer)
        registry.submit([key.sign(make_batch(), issued_at=NOW - timedelta(hours=24))])

    def test_refuses_a_statement_signed_more_than_a_day_before_it_is_logged(self, registry: Registry,
                                                                            producer: str) -> None:
        key = add_own_key(registry, producer)
        item = key.sign(make_batch(), issued_at=NOW - timedelta(hours=24, milliseconds=1))
        error = refused_signed(registry, [item], "issued-too-long-ago")
        assert "more than 24 hours before" in error.en
        assert "hãy ký lại tuyên bố" in error.vi

    @pytest.mark.parametrize("kind", ["batch.teleported.v1", "batch.registered", "batch.registered.v3"])
    def test_refuses_an_unknown_kind(self, registry: Registry, producer: str, kind: str) -> None:
        error = refused(registry, producer, [(kind, make_batch()[1])], "unknown-kind")
        assert "batch.registered.v1" in error.en

    def test_refuses_an_invalid_body_naming_the_field(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_product(gtin="08934567890121")], "invalid-body")
        assert "product.registered.v1 body is invalid: gtin:" in error.en
        assert "check digit 1; the GS1 check digit is 0" in error.en
        assert "gtin" in error.vi

    def test_an_invalid_body_names_nested_fields_and_every_problem(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_batch(origin={"code": "x", "version": "2025-07-01"}, lot="A B")],
                        "invalid-body")
        assert "origin.code:" in error.en
        assert "lot: Value error, lot 'A B' has a space" in error.en

    def test_refuses_an_unknown_field_naming_it(self, registry: Registry, producer: str) -> None:
        error = refused(registry, producer, [make_batch(colour="red")], "invalid-body")
        assert "colour: Extra inputs are not permitted" in error.en

    def test_a_refusal_anywhere_in_a_batch_appends_none_of_it(self, registry: Registry, producer: str) -> None:
        size = log_size(registry)
        refused(registry, producer, [make_batch(lot="L1"), make_batch(lot="L2"), make_batch(lot="L1")],
                "duplicate-lot")
        [receipt] = registry.submit_as(producer, [make_batch(lot="L1")])
        assert receipt.index == size
