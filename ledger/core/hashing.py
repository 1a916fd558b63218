"""RFC 9162 hashing: SHA-256 with domain-separated leaf (0x00) and node (0x01) prefixes."""

import hashlib
from typing import NewType

from ledger.core.errors import InvalidValueError

Hash = NewType("Hash", bytes)
"""A 32-byte SHA-256 digest."""

HASH_SIZE = 32
ZERO_HASH = Hash(bytes(HASH_SIZE))
"""The `prev` of entry 0."""
EMPTY_ROOT = Hash(hashlib.sha256(b"").digest())
"""RFC 9162 2.1.1: the root of the empty tree is the hash of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> Hash:
    """RFC 9162 2.1.1: MTH of a one-leaf tree, SHA-256(0x00 || data)."""
    return Hash(hashlib.sha256(_LEAF_PREFIX + data).digest())


def node_hash(left: bytes, right: bytes) -> Hash:
    """RFC 9162 2.1.1: SHA-256(0x01 || left || right)."""
    return Hash(hashlib.sha256(_NODE_PREFIX + left + right).digest())


def as_hash(value: bytes, what: str = "hash") -> Hash:
    """Return `value` as a Hash, or raise InvalidValueError when it is not 32 bytes."""
    if len(value) != HASH_SIZE:
        raise InvalidValueError(f"{what} has {len(value)} bytes; SHA-256 hashes have {HASH_SIZE}")
    return Hash(bytes(value))


def hash_from_hex(text: str, what: str = "hash") -> Hash:
    """Parse a lowercase hex hash, raising InvalidValueError with the value and the expectation."""
    # Checked digit by digit: bytes.fromhex skips whitespace, so "aa bb …" would give fewer than 32 bytes.
    if len(text) != 2 * HASH_SIZE or any(c not in "0123456789abcdef" for c in text):
        raise InvalidValueError(f"{what} {text!r} is not 64 lowercase hex digits")
    return Hash(bytes.fromhex(text))
