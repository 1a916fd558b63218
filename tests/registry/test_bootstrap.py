"""Entry 0: the root authority registers itself, with the key that signs the statement."""

from pathlib import Path

import pytest

from registry.errors import DomainError
from registry.service import Draft, Registry
from registry.tables import RegKey, RegOrganisation
from tests.registry.conftest import (
    ROOT,
    OwnKey,
    bootstrap,
    entry_at,
    live_digest,
    log_size,
    make_gi,
    make_organisation,
    make_product,
    one,
    refused,
    refused_signed,
    replayed_digest,
    rows,
)


def root_registration(key: OwnKey, org_id: str = ROOT, roles: tuple[str, ...] = ("authority",),
                      keys: list[OwnKey] | None = None) -> Draft:
    registered = [{"public_key": k.public_key} for k in (keys if keys is not None else [key])]
    return make_organisation(org_id, roles, keys=registered)


class TestBootstrap:
    """Registry.bootstrap and self-signed first statements."""

    def test_bootstrap_registers_the_root_authority_as_entry_zero(self, empty_registry: Registry) -> None:
        receipt = bootstrap(empty_registry)
        assert receipt.index == 0
        root = one(empty_registry, RegOrganisation, id=ROOT)
        assert (root["roles"], root["entry"]) == ("authority", 0)
        [key] = rows(empty_registry, RegKey, organisation=ROOT)
        assert (key["custodial"], key["active"], key["added_entry"]) == (True, True, 0)
        assert entry_at(empty_registry, 0).signature.key_id == key["key_id"]

    def test_the_root_authority_can_then_sign_through_the_registry(self, empty_registry: Registry) -> None:
        bootstrap(empty_registry)
        [receipt] = empty_registry.submit_as(ROOT, [make_gi(manager=ROOT)])
        assert receipt.index == 1

    def test_a_self_signed_root_registration_is_accepted(self, empty_registry: Registry, tmp_path: Path) -> None:
        key = OwnKey(ROOT)
        spare = OwnKey(ROOT)
        [receipt] = empty_registry.submit([key.sign(root_registration(key, keys=[spare, key]))])
        assert receipt.index == 0
        assert {k["key_id"] for k in rows(empty_registry, RegKey, organisation=ROOT)} == {key.key_id, spare.key_id}
        assert replayed_digest(empty_registry, tmp_path) == live_digest(empty_registry)

    def test_refuses_another_kind_at_entry_zero(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        refused_signed(empty_registry, [key.sign(make_gi())], "bootstrap-required")
        assert log_size(empty_registry) == 0

    def test_refuses_an_authority_registering_someone_else_at_entry_zero(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        refused_signed(empty_registry, [key.sign(root_registration(key, org_id="bo-nong-nghiep"))],
                       "bootstrap-required")

    def test_refuses_a_first_organisation_that_is_not_an_authority(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        refused_signed(empty_registry, [key.sign(root_registration(key, roles=("producer", "certifier")))],
                       "bootstrap-required")

    def test_refuses_a_root_registration_signed_with_a_key_it_does_not_register(
            self, empty_registry: Registry) -> None:
        key, other = OwnKey(ROOT), OwnKey(ROOT)
        error = refused_signed(empty_registry, [key.sign(root_registration(key, keys=[other]))], "bootstrap-key")
        assert key.key_id in error.en

    def test_refuses_a_root_registration_without_keys(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        refused_signed(empty_registry, [key.sign(root_registration(key, keys=[]))], "bootstrap-key")

    def test_refuses_a_root_registration_whose_signature_does_not_verify(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        statement, _ = key.sign(root_registration(key))
        _, signature = key.sign(root_registration(key))  # the same key over another statement (nonce)
        refused_signed(empty_registry, [(statement, signature)], "bad-signature")

    def test_refuses_a_root_registration_with_an_invalid_body(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        kind, body = root_registration(key)
        refused_signed(empty_registry, [key.sign((kind, {**body, "roles": []}))], "invalid-body")

    def test_a_refused_bootstrap_batch_appends_none_of_its_statements(self, empty_registry: Registry) -> None:
        key = OwnKey(ROOT)
        items = [key.sign(root_registration(key)), key.sign(make_organisation("coop-a", keys=[]))]
        items.append(key.sign(make_product()))  # the root authority is not a producer
        refused_signed(empty_registry, items, "role-not-allowed")
        assert log_size(empty_registry) == 0

    def test_the_registry_signs_for_nobody_before_bootstrap(self, empty_registry: Registry) -> None:
        empty_registry.create_custodial_key(ROOT)
        refused(empty_registry, ROOT, [make_organisation(ROOT, ["authority"])], "no-custodial-key")

    def test_a_second_root_is_an_unknown_issuer(self, registry: Registry) -> None:
        size = log_size(registry)
        other = OwnKey("bo-nong-nghiep")
        refused_signed(registry, [other.sign(root_registration(other, org_id="bo-nong-nghiep"))], "unknown-issuer")
        assert log_size(registry) == size == 1

    def test_bootstrapping_twice_is_refused(self, registry: Registry) -> None:
        digest = live_digest(registry)
        with pytest.raises(DomainError) as caught:
            bootstrap(registry)
        assert caught.value.code == "unknown-key"  # its new custodial key was never registered for ROOT
        assert (log_size(registry), live_digest(registry)) == (1, digest)
