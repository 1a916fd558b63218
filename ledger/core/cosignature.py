"""C2SP tlog-cosignature/v1 with Ed25519 (c2sp.org/tlog-cosignature; signed-note signature type 0x04).

A cosignature is a note signature line `— <cosigner name> base64(key id || timestamp || signature)`:
- key id: the first 4 bytes of SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key);
- timestamp: when the cosigner signed, POSIX seconds as a big-endian u64 of at most 2^63 - 1;
- signature: Ed25519 over `cosignature/v1\\ntime <timestamp>\\n` followed by the whole checkpoint body (the
  note text including extension lines and its final newline, without any signature lines).

Cosigner verifier keys are vkeys, `name+hexid+base64(0x04 || key)`. Signer keys are written
`PRIVATE+KEY+name+hexid+base64(0x04 || seed)`, like note signer keys with the cosignature type byte: the
spec leaves the private form open, this is the project's choice.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.core.checkpoint import Checkpoint, open_checkpoint
from ledger.core.errors import InvalidValueError, NoteError, SignatureError, UnknownKeyError
from ledger.core.note import (
    NamedKey,
    NamedSigner,
    NoteSignature,
    NoteVerifier,
    check_key_name,
    raw_public,
)

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1
_SIGNATURE_BYTES = 8 + 64


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidValueError(f"cosignature timestamp {timestamp} must be between 0 and 2^63 - 1")


def cosigned_message(text: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs for the checkpoint body `text` at `timestamp` (tlog-cosignature, Ed25519)."""
    _check_timestamp(timestamp)
    if not text.endswith("\n"):
        raise NoteError("checkpoint body must end with a newline")
    return f"{HEADER}time {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class Cosignature:
    """One parsed cosignature line: who (name and key id), when, and the 64-byte Ed25519 signature."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_timestamp(self.timestamp)
        if len(self.key_id) != 4 or len(self.signature) != 64:
            raise InvalidValueError(f"cosignature has a {len(self.key_id)}-byte key id and "
                                    f"{len(self.signature)}-byte signature; expected 4 and 64")

    def to_line(self) -> str:
        return NoteSignature(self.name, self.key_id, self.timestamp.to_bytes(8, "big") + self.signature).to_line()

    @classmethod
    def from_note_signature(cls, sig: NoteSignature) -> "Cosignature":
        """Read the timestamped signature of a parsed note signature line; NoteError if it is not one."""
        if len(sig.signature) != _SIGNATURE_BYTES:
            raise NoteError(f"cosignature by {sig.name} has {4 + len(sig.signature)} bytes; key id, timestamp and "
                            f"Ed25519 signature make {4 + _SIGNATURE_BYTES}")
        timestamp = int.from_bytes(sig.signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise NoteError(f"cosignature by {sig.name} has timestamp {timestamp}; at most 2^63 - 1 is allowed")
        return cls(sig.name, sig.key_id, timestamp, sig.signature[8:])

    @classmethod
    def from_line(cls, line: str) -> "Cosignature":
        """Parse `— name base64(...)` with or without its final newline; NoteError for anything else."""
        return cls.from_note_signature(NoteSignature.from_line(line))


@dataclass(frozen=True)
class CosignatureVerifier(NamedKey):
    """A cosigner's (witness's) Ed25519 public key with its name."""

    ALGORITHM = ALG_COSIGNATURE_V1
    WHAT = "cosigner key"
    TYPE = "cosignature/v1 Ed25519 (04)"

    def matches(self, name: str, key_id: bytes) -> bool:
        return name == self.name and key_id == self.key_id

    def verify(self, text: str, cosignature: Cosignature) -> None:
        """Raise unless `cosignature` is this key's cosignature of the checkpoint body `text`.

        UnknownKeyError when it names another key (name or key id), SignatureError when it does not verify.
        """
        if not self.matches(cosignature.name, cosignature.key_id):
            raise UnknownKeyError(f"cosignature by {cosignature.name}+{cosignature.key_id.hex()} is not from "
                                  f"the expected cosigner {self.name}+{self.key_id.hex()}")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                cosignature.signature, cosigned_message(text, cosignature.timestamp))
        except InvalidSignature as exc:
            raise SignatureError(f"cosignature by {self.name}+{self.key_id.hex()} at time {cosignature.timestamp} "
                                 "does not verify over this checkpoint") from exc

    def verify_line(self, text: str, line: str) -> int:
        """Verify one cosignature line over the checkpoint body `text`; its timestamp. Raises as `verify`,
        and NoteError for a malformed line."""
        cosignature = Cosignature.from_line(line)
        self.verify(text, cosignature)
        return cosignature.timestamp


@dataclass(frozen=True, repr=False)
class CosignatureSigner(NamedSigner):
    """A cosigner's Ed25519 private key with its name."""

    VERIFIER = CosignatureVerifier
    WHAT = "cosigner private key"

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, raw_public(self.private_key.public_key()))

    def sign(self, text: str, timestamp: int) -> Cosignature:
        """This key's cosignature of the checkpoint body `text` at `timestamp` (POSIX seconds)."""
        signature = self.private_key.sign(cosigned_message(text, timestamp))
        return Cosignature(self.name, self.verifier.key_id, timestamp, signature)

    def sign_line(self, text: str, timestamp: int) -> str:
        """The cosignature line (ending in a newline) this key adds to the checkpoint with body `text`."""
        return self.sign(text, timestamp).to_line()


@dataclass(frozen=True)
class CosignedCheckpoint:
    """A checkpoint verified against its log key, with the known cosigners whose cosignatures verified."""

    checkpoint: Checkpoint
    text: str
    cosignatures: tuple[tuple[CosignatureVerifier, Cosignature], ...]

    @property
    def witnesses(self) -> tuple[str, ...]:
        """Names of the cosigners that validly cosigned, in note order."""
        return tuple(verifier.name for verifier, _ in self.cosignatures)


def open_cosigned_checkpoint(note: str, log_key: NoteVerifier,
                             witnesses: Iterable[CosignatureVerifier]) -> CosignedCheckpoint:
    """Verify a checkpoint note signed by `log_key` and its cosignatures by `witnesses`.

    Lines from unknown keys are ignored (signed-note). A line naming a known witness (name and key id) must
    verify over this note's body: a cosignature moved from another checkpoint raises SignatureError, and so
    the whole note is refused. Raises as `open_checkpoint` for the log's own signature. A witness that cosigned
    twice counts once.
    """
    checkpoint, opened = open_checkpoint(note, log_key)
    known = list(witnesses)
    found: dict[str, tuple[CosignatureVerifier, Cosignature]] = {}
    for sig in opened.unverified:
        verifier = next((w for w in known if w.matches(sig.name, sig.key_id)), None)
        if verifier is None:
            continue
        cosignature = Cosignature.from_note_signature(sig)
        verifier.verify(opened.text, cosignature)
        found.setdefault(verifier.to_text(), (verifier, cosignature))
    return CosignedCheckpoint(checkpoint, opened.text, tuple(found.values()))
