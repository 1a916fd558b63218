"""Statement signatures: Ed25519 over a domain-separation prefix followed by JCS(statement)."""

import hashlib
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.core.errors import SignatureError
from ledger.core.types import Signature, Statement

STATEMENT_DOMAIN = b"nguon statement v1\n"
"""Prefix of every signed message, so a statement signature can never pass for another protocol's."""

KeyLookup = Callable[[str, str], Ed25519PublicKey]
"""(issuer, key_id) -> the issuer's public key; raises UnknownKeyError when there is none."""


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def statement_key_id(key: Ed25519PublicKey) -> str:
    """The id a signature gives for its key: hex of the first 8 bytes of SHA-256(raw public key)."""
    return hashlib.sha256(public_key_bytes(key)).digest()[:8].hex()


def signed_message(statement: Statement) -> bytes:
    return STATEMENT_DOMAIN + statement.canonical


def sign_statement(statement: Statement, key: Ed25519PrivateKey) -> Signature:
    return Signature(statement_key_id(key.public_key()), key.sign(signed_message(statement)))


def verify_statement(statement: Statement, signature: Signature, key: Ed25519PublicKey) -> None:
    """Raise SignatureError unless `signature` is `key`'s signature of `statement`."""
    if statement_key_id(key) != signature.key_id:
        raise SignatureError(f"signature names key {signature.key_id}, but the key given is {statement_key_id(key)}")
    try:
        key.verify(signature.value, signed_message(statement))
    except InvalidSignature as exc:
        raise SignatureError(
            f"signature of {statement.kind} by {statement.issuer} with key {signature.key_id} does not verify"
        ) from exc


def verify_with_lookup(statement: Statement, signature: Signature, lookup: KeyLookup) -> None:
    """Find the issuer's key through `lookup` and verify; raises UnknownKeyError or SignatureError."""
    verify_statement(statement, signature, lookup(statement.issuer, signature.key_id))
