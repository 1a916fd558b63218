"""Custodial keys: sealed at rest under NGUON_SECRET_KEY, bound to their organisation, never shown."""

import base64
import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from api.settings import SECRET_FILE, Settings, load_secret
from registry.custody import Custody
from registry.errors import DomainError
from registry.service import Registry
from registry.tables import RegKey
from tests.registry.conftest import (
    ROOT,
    SECRET,
    Clock,
    add_own_key,
    engine_of,
    entry_at,
    make_batch,
    make_organisation,
    one,
    refused,
    rows,
)


def sealed_row(registry: Registry, organisation: str) -> tuple[str, bytes]:
    with engine_of(registry).connect() as connection:
        key_id, sealed = connection.execute(
            text("SELECT key_id, sealed FROM reg_custodial_keys WHERE organisation = :o"), {"o": organisation}).one()
    return key_id, bytes(sealed)


def unseal_code(custody: Custody, registry: Registry, organisation: str, key_id: str) -> str:
    with engine_of(registry).connect() as connection, pytest.raises(DomainError) as caught:
        custody.sealed_key(connection, organisation, key_id)
    return caught.value.code


class TestSealing:
    """Private keys are stored encrypted, under associated data naming their organisation and key id."""

    def test_the_stored_key_does_not_contain_the_private_seed(self, registry: Registry, producer: str) -> None:
        key_id, sealed = sealed_row(registry, producer)
        with engine_of(registry).connect() as connection:
            private = registry.custody.sealed_key(connection, producer, key_id)
        seed = private.private_bytes_raw()
        assert seed not in sealed
        assert len(sealed) == 12 + 32 + 16  # nonce, encrypted seed, GCM tag
        public = base64.b64decode(one(registry, RegKey, key_id=key_id)["public_key"])
        assert private.public_key().public_bytes_raw() == public

    def test_creating_a_key_returns_only_its_public_half(self, registry: Registry) -> None:
        public_key = registry.create_custodial_key("coop-a")
        key_id, _ = sealed_row(registry, "coop-a")
        with engine_of(registry).connect() as connection:
            private = registry.custody.sealed_key(connection, "coop-a", key_id)
        assert base64.b64decode(public_key) == private.public_key().public_bytes_raw()

    def test_the_same_secret_unseals_after_a_restart(self, registry: Registry, producer: str) -> None:
        key_id, _ = sealed_row(registry, producer)
        with engine_of(registry).connect() as connection:
            Custody.from_secret(SECRET).sealed_key(connection, producer, key_id)

    def test_another_secret_cannot_unseal(self, registry: Registry, producer: str) -> None:
        key_id, _ = sealed_row(registry, producer)
        assert unseal_code(Custody.from_secret(b"another-secret"), registry, producer, key_id) \
            == "custodial-key-sealed"

    def test_a_registry_with_another_secret_signs_nothing(self, registry: Registry, producer: str) -> None:
        other = Registry(registry.log, Custody.from_secret(b"another-secret"), Clock())
        error = refused(other, producer, [make_batch()], "custodial-key-sealed")
        assert "NGUON_SECRET_KEY" in error.en

    def test_a_sealed_key_moved_to_another_organisation_does_not_unseal(self, registry: Registry,
                                                                        producer: str) -> None:
        key_id, _ = sealed_row(registry, producer)
        with engine_of(registry).begin() as connection:
            connection.execute(text("UPDATE reg_custodial_keys SET organisation = :o WHERE key_id = :k"),
                               {"o": "coop-a", "k": key_id})
        assert unseal_code(registry.custody, registry, "coop-a", key_id) == "custodial-key-sealed"

    def test_a_sealed_key_copied_under_another_key_id_does_not_unseal(self, registry: Registry,
                                                                      producer: str) -> None:
        _, sealed = sealed_row(registry, producer)
        with engine_of(registry).begin() as connection:
            connection.execute(text("INSERT INTO reg_custodial_keys (key_id, organisation, sealed, created_at) "
                                    "VALUES ('0123456789abcdef', :o, :s, '2026-11-26')"), {"o": producer, "s": sealed})
        assert unseal_code(registry.custody, registry, producer, "0123456789abcdef") == "custodial-key-sealed"

    def test_refuses_a_key_the_registry_does_not_hold(self, registry: Registry, producer: str) -> None:
        assert unseal_code(registry.custody, registry, producer, "0123456789abcdef") == "no-custodial-key"


class TestSigningKey:
    """The registry signs for an organisation with its newest active custodial key, or not at all."""

    def test_a_created_key_signs_nothing_until_registered(self, registry: Registry) -> None:
        registry.create_custodial_key("coop-a")
        registry.submit_as(ROOT, [make_organisation("coop-a")])
        refused(registry, "coop-a", [make_batch()], "no-custodial-key")

    def test_signs_with_the_newest_custodial_key(self, registry: Registry, producer: str) -> None:
        newer = registry.create_custodial_key(producer)
        registry.submit_as(ROOT, [("key.added.v1", {"organisation": producer, "public_key": newer,
                                                    "custodial": True})])
        [receipt] = registry.submit_as(producer, [("product.registered.v1", {
            "gtin": "08934567890137", "names": {"vi": "Bưởi", "en": "Pomelo"}, "unit": "H87"})])
        assert one(registry, RegKey, key_id=entry_at(registry, receipt.index).signature.key_id)["public_key"] == newer

    def test_a_revoked_custodial_key_no_longer_signs(self, registry: Registry, producer: str) -> None:
        [key] = rows(registry, RegKey, organisation=producer)
        registry.submit_as(ROOT, [("key.revoked.v1", {"organisation": producer, "key_id": key["key_id"],
                                                      "reason": "the coop now holds its own key"})])
        refused(registry, producer, [make_batch()], "no-custodial-key")

    def test_a_self_held_key_is_never_used_by_the_registry(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [make_organisation("coop-a")])
        add_own_key(registry, "coop-a")
        refused(registry, "coop-a", [make_batch()], "no-custodial-key")

class TestLoadSecret:
    """The sealing secret comes from NGUON_SECRET_KEY, else from data_dir/secret.key, made once with mode 0600."""

    @pytest.fixture(autouse=True)
    def no_secret_in_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("NGUON_SECRET_KEY", raising=False)

    def test_creates_a_private_secret_file_and_reuses_it(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path / "data")
        secret = load_secret(settings)
        path = tmp_path / "data" / SECRET_FILE
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert len(secret) == 64
        assert bytes.fromhex(secret.decode())
        assert load_secret(settings) == secret
        assert load_secret(Settings(data_dir=tmp_path / "data")) == secret
        assert [p.name for p in path.parent.iterdir()] == [SECRET_FILE]

    def test_creates_the_data_directory_private(self, tmp_path: Path) -> None:
        load_secret(Settings(data_dir=tmp_path / "a" / "data"))
        assert stat.S_IMODE(os.stat(tmp_path / "a" / "data").st_mode) & 0o077 == 0

    def test_each_data_directory_gets_its_own_secret(self, tmp_path: Path) -> None:
        assert load_secret(Settings(data_dir=tmp_path / "one")) != load_secret(Settings(data_dir=tmp_path / "two"))

    def test_nguon_secret_key_takes_precedence(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = Settings(data_dir=tmp_path / "data")
        load_secret(settings)
        monkeypatch.setenv("NGUON_SECRET_KEY", "from-the-environment")
        assert load_secret(Settings(data_dir=tmp_path / "data")) == b"from-the-environment"

    def test_a_configured_secret_writes_no_file(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path / "data", secret_key=SecretStr("configured"))
        assert load_secret(settings) == b"configured"
        assert not (tmp_path / "data").exists()


class TestRepr:
    """Neither Custody nor its settings show the secret."""

    def test_custody_repr_shows_no_secret(self) -> None:
        custody = Custody.from_secret(b"very-secret-value")
        assert repr(custody) == "Custody(<sealed>)"
        assert "very-secret-value" not in f"{custody!r} {custody!s}"

    def test_settings_repr_shows_no_secret(self) -> None:
        assert "very-secret-value" not in repr(Settings(secret_key=SecretStr("very-secret-value")))
