"""Statements, signatures, entries and receipts: frozen types that validate when built.

An entry's JSON is `{"index", "logged_at", "prev", "signature", "statement"}`; its hash is the RFC 9162
leaf hash SHA-256(0x00 || JCS(entry)), which is both the chain link (`prev` of the next entry) and the
Merkle leaf.
"""

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledger.core.checkpoint import SignedCheckpoint
from ledger.core.encoding import canonical, parse
from ledger.core.errors import EncodingError, InvalidValueError
from ledger.core.hashing import Hash, as_hash, hash_from_hex, leaf_hash
from ledger.core.proof import InclusionProof

MAX_STATEMENT_BYTES = 0xFFFF - 512
"""So that every entry (the statement and at most ~320 bytes around it) fits the uint16 length of a C2SP
tlog-tiles entry bundle."""

_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+){0,6}")
_ISSUER = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
# [0-9], not \d: \d matches every Unicode decimal digit (full-width ２０２６ included), and a time written so
# would be logged, then exported where EPCIS and every other reader expect ASCII.
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")


def parse_timestamp(value: str, what: str = "timestamp") -> datetime:
    """Parse an RFC 3339 UTC timestamp written with `Z`, e.g. 2026-11-26T09:30:00Z."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise InvalidValueError(f"{what} {value!r} is not an RFC 3339 UTC time like 2026-11-26T09:30:00Z")
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidValueError(f"{what} {value!r} is not a real date and time") from exc


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision, e.g. 2026-11-26T09:30:00.123Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _match(pattern: re.Pattern[str], value: object, what: str, rule: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidValueError(f"{what} {value!r} is not valid; expected {rule}")


@dataclass(frozen=True)
class Statement:
    """What an issuer asserts. Its canonical bytes are computed (and so validated) when it is built."""

    kind: str
    issuer: str
    issued_at: str
    nonce: str
    body: Mapping[str, Any]
    canonical: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _match(_KIND, self.kind, "kind", "dotted lowercase words such as batch.registered")
        _match(_ISSUER, self.issuer, "issuer", "an organisation id of 1-64 lowercase letters, digits and '-'")
        parse_timestamp(self.issued_at, "issued_at")
        _match(_NONCE, self.nonce, "nonce", "8-64 characters from A-Z a-z 0-9 _ -")
        if not isinstance(self.body, Mapping):
            raise InvalidValueError(f"body must be a JSON object, got {type(self.body).__name__}")
        data = canonical(self.to_json())
        if len(data) > MAX_STATEMENT_BYTES:
            raise InvalidValueError(f"statement has {len(data)} canonical bytes; at most {MAX_STATEMENT_BYTES}")
        object.__setattr__(self, "canonical", data)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "issuer": self.issuer, "issued_at": self.issued_at, "nonce": self.nonce,
                "body": self.body}

    @classmethod
    def from_json(cls, doc: Any) -> "Statement":
        if not isinstance(doc, Mapping):
            raise InvalidValueError("statement must be a JSON object")
        extra = set(doc) - {"kind", "issuer", "issued_at", "nonce", "body"}
        if extra:
            raise InvalidValueError(f"statement has unknown fields {sorted(extra)}")
        return cls(doc.get("kind"), doc.get("issuer"), doc.get("issued_at"), doc.get("nonce"), doc.get("body"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Signature:
    """An Ed25519 signature over a statement by the issuer key `key_id` (see ledger.core.signing)."""

    key_id: str
    value: bytes

    def __post_init__(self) -> None:
        _match(_KEY_ID, self.key_id, "key_id", "16 lowercase hex digits")
        if len(self.value) != 64:
            raise InvalidValueError(f"Ed25519 signature has {len(self.value)} bytes; expected 64")

    def to_json(self) -> dict[str, str]:
        return {"key_id": self.key_id, "value": base64.b64encode(self.value).decode()}

    @classmethod
    def from_json(cls, doc: Any) -> "Signature":
        if not isinstance(doc, Mapping) or set(doc) != {"key_id", "value"}:
            raise InvalidValueError("signature must be an object with exactly key_id and value")
        try:
            value = base64.b64decode(doc["value"], validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise InvalidValueError("signature value is not standard base64") from exc
        return cls(doc["key_id"], value)


@dataclass(frozen=True)
class Entry:
    """The log's record of one accepted statement."""

    index: int
    prev: Hash
    logged_at: str
    statement: Statement
    signature: Signature
    canonical: bytes = field(init=False, repr=False, compare=False)
    hash: Hash = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or isinstance(self.index, bool) or self.index < 0:
            raise InvalidValueError(f"entry index {self.index!r} must be a non-negative integer")
        as_hash(self.prev, "prev")
        parse_timestamp(self.logged_at, "logged_at")
        # JCS of the entry, spliced from the statement's canonical bytes: keys in RFC 8785 order, and the
        # nested canonical form equals the standalone one (tests/ledger/test_types.py checks with rfc8785).
        data = b"".join((
            b'{"index":', str(self.index).encode(),
            b',"logged_at":"', self.logged_at.encode(),
            b'","prev":"', self.prev.hex().encode(),
            b'","signature":{"key_id":"', self.signature.key_id.encode(),
            b'","value":"', base64.b64encode(self.signature.value),
            b'"},"statement":', self.statement.canonical, b"}",
        ))
        object.__setattr__(self, "canonical", data)
        object.__setattr__(self, "hash", leaf_hash(data))

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "logged_at": self.logged_at, "prev": self.prev.hex(),
                "signature": self.signature.to_json(), "statement": self.statement.to_json()}

    @classmethod
    def from_json(cls, doc: Any) -> "Entry":
        if not isinstance(doc, Mapping) or set(doc) != {"index", "logged_at", "prev", "signature", "statement"}:
            raise InvalidValueError("entry must be an object with exactly index, logged_at, prev, signature, statement")
        prev = doc["prev"]
        if not isinstance(prev, str):
            raise InvalidValueError("entry prev must be a hex hash")
        return cls(doc["index"], hash_from_hex(prev, "prev"), doc["logged_at"],
                   Statement.from_json(doc["statement"]), Signature.from_json(doc["signature"]))

    @classmethod
    def from_canonical(cls, data: bytes) -> "Entry":
        """Parse stored entry bytes; raise EncodingError unless they are exactly the canonical form."""
        entry = cls.from_json(parse(data))
        if entry.canonical != data:
            raise EncodingError("entry bytes are not in RFC 8785 canonical form")
        return entry


@dataclass(frozen=True)
class Receipt:
    """What an append returns per entry: where it is, its hash, and proof against a signed checkpoint."""

    index: int
    entry_hash: Hash
    proof: InclusionProof
    checkpoint: SignedCheckpoint

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "hash": self.entry_hash.hex(), "proof": self.proof.to_json(),
                "checkpoint": self.checkpoint.note}
