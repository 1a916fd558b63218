"""Statement signatures: Ed25519 over the domain prefix and JCS(statement), checked by key or by lookup."""

import hashlib
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.errors import SignatureError, UnknownKeyError
from ledger.core.signing import (
    STATEMENT_DOMAIN,
    sign_statement,
    signed_message,
    statement_key_id,
    verify_statement,
    verify_with_lookup,
)
from ledger.core.types import Signature, Statement


def make_statement(**overrides: Any) -> Statement:
    fields: dict[str, Any] = {
        "kind": "batch.registered",
        "issuer": "coop-bat-trang",
        "issued_at": "2026-11-26T09:30:00Z",
        "nonce": "n0nce-0001",
        "body": {"gtin": "08934567890128", "lot": "LOT-2026-11-A", "quantity": "12.5"},
    }
    return Statement(**{**fields, **overrides})


class FakeKeyring:
    """The issuers' registered keys, answering lookups as a registry would."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], Ed25519PublicKey] = {}

    def register(self, issuer: str, key: Ed25519PrivateKey) -> None:
        self.keys[issuer, statement_key_id(key.public_key())] = key.public_key()

    def lookup(self, issuer: str, key_id: str) -> Ed25519PublicKey:
        try:
            return self.keys[issuer, key_id]
        except KeyError:
            raise UnknownKeyError(f"no key {key_id} for issuer {issuer}") from None


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def flip_bit(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


class TestStatementKeyId:
    """A key id is the hex of the first 8 bytes of SHA-256 over the raw public key."""

    def test_is_the_sha256_prefix_of_the_raw_public_key(self) -> None:
        public = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert statement_key_id(public) == hashlib.sha256(raw).hexdigest()[:16]


class TestSignAndVerify:
    """A statement verifies under the key that signed it, and under nothing else."""

    def test_verifies_under_the_signing_key(self, key: Ed25519PrivateKey) -> None:
        statement = make_statement()
        signature = sign_statement(statement, key)
        assert signature.key_id == statement_key_id(key.public_key())
        verify_statement(statement, signature, key.public_key())

    def test_signs_the_domain_prefix_and_the_rfc8785_bytes(self, key: Ed25519PrivateKey) -> None:
        statement = make_statement()
        assert signed_message(statement) == b"nguon statement v1\n" + rfc8785.dumps(statement.to_json())
        key.public_key().verify(sign_statement(statement, key).value, STATEMENT_DOMAIN + statement.canonical)

    def test_signing_is_deterministic(self, key: Ed25519PrivateKey) -> None:
        assert sign_statement(make_statement(), key) == sign_statement(make_statement(), key)

    @settings(max_examples=40, deadline=None)
    @given(st.integers(0, 64 * 8 - 1))
    def test_refuses_a_signature_with_any_bit_flipped(self, bit: int) -> None:
        key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
        statement = make_statement()
        signature = sign_statement(statement, key)
        forged = Signature(signature.key_id, flip_bit(signature.value, bit))
        with pytest.raises(SignatureError, match=r"^signature of batch\.registered by coop-bat-trang with key "):
            verify_statement(statement, forged, key.public_key())

    def test_refuses_a_signature_over_another_statement(self, key: Ed25519PrivateKey) -> None:
        signature = sign_statement(make_statement(), key)
        with pytest.raises(SignatureError, match=r"does not verify$"):
            verify_statement(make_statement(nonce="n0nce-0002"), signature, key.public_key())

    def test_refuses_a_different_key_naming_both_ids(self, key: Ed25519PrivateKey) -> None:
        other = Ed25519PrivateKey.generate().public_key()
        signature = sign_statement(make_statement(), key)
        expected = rf"^signature names key {signature.key_id}, but the key given is {statement_key_id(other)}$"
        with pytest.raises(SignatureError, match=expected):
            verify_statement(make_statement(), signature, other)

    def test_refuses_a_signature_relabelled_with_another_key_id(self, key: Ed25519PrivateKey) -> None:
        other = Ed25519PrivateKey.generate().public_key()
        signature = sign_statement(make_statement(), key)
        relabelled = Signature(statement_key_id(other), signature.value)
        with pytest.raises(SignatureError, match=r"does not verify$"):
            verify_statement(make_statement(), relabelled, other)

    def test_refuses_a_signature_made_without_the_domain_prefix(self, key: Ed25519PrivateKey) -> None:
        statement = make_statement()
        raw = Signature(statement_key_id(key.public_key()), key.sign(statement.canonical))
        with pytest.raises(SignatureError, match=r"does not verify$"):
            verify_statement(statement, raw, key.public_key())


class TestVerifyWithLookup:
    """verify_with_lookup finds the issuer's key and lets the lookup's UnknownKeyError through."""

    def test_verifies_with_the_registered_key(self, key: Ed25519PrivateKey) -> None:
        keyring = FakeKeyring()
        keyring.register("coop-bat-trang", key)
        statement = make_statement()
        verify_with_lookup(statement, sign_statement(statement, key), keyring.lookup)

    def test_propagates_unknown_key_from_the_lookup(self, key: Ed25519PrivateKey) -> None:
        statement = make_statement()
        signature = sign_statement(statement, key)
        with pytest.raises(UnknownKeyError, match=rf"^no key {signature.key_id} for issuer coop-bat-trang$"):
            verify_with_lookup(statement, signature, FakeKeyring().lookup)

    def test_looks_the_key_up_under_the_statement_issuer(self, key: Ed25519PrivateKey) -> None:
        keyring = FakeKeyring()
        keyring.register("another-coop", key)
        statement = make_statement()
        with pytest.raises(UnknownKeyError):
            verify_with_lookup(statement, sign_statement(statement, key), keyring.lookup)

    def test_refuses_a_bad_signature_from_a_registered_key(self, key: Ed25519PrivateKey) -> None:
        keyring = FakeKeyring()
        keyring.register("coop-bat-trang", key)
        signature = sign_statement(make_statement(), key)
        with pytest.raises(SignatureError):
            verify_with_lookup(make_statement(nonce="n0nce-0002"), signature, keyring.lookup)
