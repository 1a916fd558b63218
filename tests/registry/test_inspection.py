"""The registry's part of the inspector's audit: the key history its own entries record, and the replay's
refusals named at their entry."""

import base64
from pathlib import Path

import pytest

from api.migrations import upgrade
from ledger.audit.auditor import audit_log
from ledger.audit.signatures import KeyRegistration, KeyRevocation
from ledger.core.errors import AuditError
from ledger.core.types import Entry
from registry.inspection import REGISTRY_KEYS, key_changes, replay_fresh
from registry.service import Registry
from registry.state import State
from registry.tables import RegKey
from tests.registry.conftest import (
    PRODUCER,
    PRODUCER_PREFIXES,
    ROOT,
    add_own_key,
    engine_of,
    entry_at,
    log_size,
    make_batch,
    make_org,
    make_producer,
    make_product,
)


def registered_keys(registry: Registry) -> dict[str, str]:
    """key id -> organisation, as the registry's projections hold them."""
    with engine_of(registry).connect() as connection:
        return {row["key_id"]: row["organisation"] for row in State(connection).find(RegKey)}


class TestKeyChanges:
    """Every key the registry records is learnt from the entry that registers it, and revocations likewise."""

    def test_keys_learnt_from_the_log_are_the_registry_s_keys(self, registry: Registry) -> None:
        make_org(registry, PRODUCER)
        own = add_own_key(registry, PRODUCER)
        learnt: dict[str, str] = {}
        for index in range(log_size(registry)):
            for change in key_changes(entry_at(registry, index)):
                assert isinstance(change, KeyRegistration)
                learnt[change.key_id] = change.organisation
        assert learnt == registered_keys(registry)
        assert learnt[own.key_id] == PRODUCER

    def test_a_revocation_names_the_key_and_its_organisation(self, registry: Registry) -> None:
        make_org(registry, PRODUCER)
        own = add_own_key(registry, PRODUCER)
        registry.submit_as(ROOT, [("key.revoked.v1", {"organisation": PRODUCER, "key_id": own.key_id,
                                                      "reason": "The key file was lost."})])
        last = entry_at(registry, log_size(registry) - 1)
        assert key_changes(last) == [KeyRevocation(PRODUCER, own.key_id)]

    def test_other_kinds_change_no_key(self, registry: Registry) -> None:
        make_producer(registry, PRODUCER, *PRODUCER_PREFIXES)
        [receipt] = registry.submit_as(PRODUCER, [make_product()])
        assert key_changes(entry_at(registry, receipt.index)) == []

    def test_every_key_kind_is_a_marker_of_its_entries(self, registry: Registry) -> None:
        make_org(registry, PRODUCER)
        add_own_key(registry, PRODUCER)
        for index in range(log_size(registry)):
            data = entry_at(registry, index).canonical
            assert any(marker in data for marker in REGISTRY_KEYS.markers)

    def test_the_registry_s_log_verifies_against_its_key_history(self, registry: Registry) -> None:
        make_producer(registry, PRODUCER, *PRODUCER_PREFIXES)
        own = add_own_key(registry, PRODUCER)
        registry.submit_as(PRODUCER, [make_product()])
        registry.submit([own.sign(make_batch())])
        with registry.log.store.read() as view:
            result = audit_log(view, registry.log.verifier, REGISTRY_KEYS)
        assert result.signatures == log_size(registry) == 8

    def test_a_public_key_is_its_raw_bytes(self, registry: Registry) -> None:
        [change] = key_changes(entry_at(registry, 0))
        assert isinstance(change, KeyRegistration)
        body = entry_at(registry, 0).statement.body
        assert change.public_key == base64.b64decode(body["keys"][0]["public_key"])


class TestReplayFresh:
    """The replay names the first entry the rules refuse."""

    def test_a_clean_log_replays_to_a_digest(self, registry: Registry, tmp_path: Path) -> None:
        with registry.log.store.read() as view:
            assert len(replay_fresh(view, tmp_path, upgrade)) == 64

    def test_a_replayed_nonce_is_refused_at_its_entry(self, registry: Registry, tmp_path: Path) -> None:
        make_org(registry, PRODUCER)
        again: Entry = entry_at(registry, 1)
        with registry.log.store.write() as txn:  # the operator, around the rules
            registry.log.append_verified(txn, [(again.statement, again.signature)])
        with registry.log.store.read() as view, pytest.raises(AuditError) as caught:
            replay_fresh(view, tmp_path, upgrade)
        assert caught.value.index == 2
        assert caught.value.reason.startswith("the registry's rules refuse it on replay: nonce ")
