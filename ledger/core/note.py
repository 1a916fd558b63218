"""C2SP signed-note with Ed25519 signatures (c2sp.org/signed-note).

A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
`— <key name> <base64(4-byte key id || signature)>`. The key id of an Ed25519 key is the first 4 bytes
of SHA-256(name || 0x0A || 0x01 || public key). Verifier keys are written `name+hexid+base64(0x01 || key)`,
signer keys `PRIVATE+KEY+name+hexid+base64(0x01 || seed)`.
"""

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.core.errors import InvalidValueError, NoteError, SignatureError, UnknownKeyError

ALG_ED25519 = 0x01
SIG_PREFIX = "— "
MAX_SIGNATURES = 100


def decode_base64(text: str, what: str) -> bytes:
    """Standard base64 `text`; NoteError quoting it as `what` otherwise (never use it on secrets)."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} {text!r} is not standard base64") from exc


def check_key_name(name: str) -> str:
    """Key names are non-empty and hold no Unicode spaces and no plus sign (signed-note, "Keys")."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise InvalidValueError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def parse_key_text(text: str, algorithm: int, what: str, expected: str) -> tuple[str, str, bytes]:
    """(name, hex key id, 32-byte key) of a `name+hexid+base64(type || key)` text whose type byte is
    `algorithm`; NoteError saying what is wrong otherwise. The caller checks the id against the key."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} {text!r} is not name+hexid+base64key")
    name, hex_id, encoded = parts
    try:
        check_key_name(name)
    except InvalidValueError as exc:
        raise NoteError(str(exc)) from exc
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise NoteError(f"{what} id {hex_id!r} is not 8 lowercase hex digits")
    raw = decode_base64(encoded, what)
    if not raw or raw[0] != algorithm:
        raise NoteError(f"{what} type {raw[:1].hex() or 'none'} is not {expected}")
    if len(raw) != 33:
        raise NoteError(f"Ed25519 {what} has {len(raw) - 1} key bytes; expected 32")
    return name, hex_id, raw[1:]


def key_id(name: str, public_key: bytes, algorithm: int = ALG_ED25519) -> bytes:
    """The 4-byte key id of an Ed25519 key named `name`, of signature type `algorithm`."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class NamedKey:
    """An Ed25519 public key with its name, for signatures of type `ALGORITHM` (signed-note "Keys"); written
    `name+hexid+base64(type || key)`."""

    ALGORITHM: ClassVar[int] = ALG_ED25519
    WHAT: ClassVar[str] = "verifier key"
    TYPE: ClassVar[str] = "Ed25519 (01)"

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.public_key) != 32:
            raise InvalidValueError(f"Ed25519 public key has {len(self.public_key)} bytes; expected 32")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key, self.ALGORITHM)

    def to_text(self) -> str:
        encoded = base64.b64encode(bytes([self.ALGORITHM]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_text(cls, text: str) -> Self:
        """Parse `name+hexid+base64(type || key)` of this class's type; raise NoteError for anything else."""
        name, hex_id, key = parse_key_text(text, cls.ALGORITHM, cls.WHAT, cls.TYPE)
        parsed = cls(name, key)
        if parsed.key_id.hex() != hex_id:
            raise NoteError(f"{cls.WHAT} id {hex_id} does not match its key (expected {parsed.key_id.hex()})")
        return parsed


@dataclass(frozen=True)
class NoteVerifier(NamedKey):
    """An Ed25519 public key with the name it signs notes under."""

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise SignatureError unless `signature` is this key's Ed25519 signature of `message`."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature as exc:
            raise SignatureError(f"signature by {self.name}+{self.key_id.hex()} does not verify") from exc


@dataclass(frozen=True, repr=False)
class NamedSigner:
    """An Ed25519 private key with its name; `VERIFIER` is the class of its public half. Never printed: repr
    shows only the verifier key. Written `PRIVATE+KEY+name+hexid+base64(type || seed)`, for key files only."""

    VERIFIER: ClassVar[type[NamedKey]] = NamedKey
    WHAT: ClassVar[str] = "private key"

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        check_key_name(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._public().to_text()!r})"

    @classmethod
    def generate(cls, name: str) -> Self:
        return cls(name, Ed25519PrivateKey.generate())

    def _public(self) -> NamedKey:
        return self.VERIFIER(self.name, raw_public(self.private_key.public_key()))

    def to_private_text(self) -> str:
        """The `PRIVATE+KEY+…` form, for the key file only. Never log or return it."""
        seed = self.private_key.private_bytes_raw()
        encoded = base64.b64encode(bytes([self.VERIFIER.ALGORITHM]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self._public().key_id.hex()}+{encoded}"

    @classmethod
    def from_private_text(cls, text: str) -> Self:
        """Parse the `PRIVATE+KEY+…` form; NoteError, which never quotes the text, for anything else."""
        what, algorithm = cls.WHAT, cls.VERIFIER.ALGORITHM
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError(f"{what} is not PRIVATE+KEY+name+hexid+base64key")
        _, _, name, hex_id, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            # Not _b64decode: its message quotes the text, and this text is (most of) a private key.
            raise NoteError(f"{what} is not standard base64") from exc
        if len(raw) != 33 or raw[0] != algorithm:
            raise NoteError(f"{what} is not an Ed25519 seed of type {algorithm:02x} "
                            f"({algorithm:02x} followed by 32 bytes)")
        try:
            signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        except InvalidValueError as exc:
            raise NoteError(str(exc)) from exc
        if signer._public().key_id.hex() != hex_id:
            raise NoteError(f"{what} id does not match its key")
        return signer


@dataclass(frozen=True, repr=False)
class NoteSigner(NamedSigner):
    """An Ed25519 private key with the name it signs notes under."""

    VERIFIER = NoteVerifier

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, raw_public(self.private_key.public_key()))

    def sign_line(self, text: str) -> str:
        """The signature line this key adds to a note with `text`."""
        return NoteSignature(self.name, self.verifier.key_id, self.private_key.sign(text.encode())).to_line()


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if "\n\n" in text or text.startswith("\n"):
        raise NoteError("note text must not hold blank lines")
    control = next((c for c in text if (c < " " and c != "\n") or c == "\x7f"), None)
    if control is not None:
        # c2sp.org/signed-note: the text is UTF-8 without control characters other than newline.
        raise NoteError(f"note text holds control character U+{ord(control):04X}; only newlines are allowed")


def sign_note(text: str, signers: Iterable[NoteSigner]) -> str:
    """Sign `text` with each signer; return the whole note."""
    _check_text(text)
    lines = [s.sign_line(text) for s in signers]
    if not lines:
        raise NoteError("a note needs at least one signature")
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line `— <key name> base64(4-byte key id || signature)`, of any signature type."""

    name: str
    key_id: bytes
    signature: bytes

    def to_line(self) -> str:
        """The line, ending in a newline."""
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"

    @classmethod
    def from_line(cls, line: str) -> "NoteSignature":
        """Parse one signature line, with or without its final newline; NoteError for anything else."""
        body = line[:-1] if line.endswith("\n") else line
        if "\n" in body:
            raise NoteError(f"signature line {line!r} holds more than one line")
        if not body.startswith(SIG_PREFIX):
            raise NoteError(f"signature line {line!r} does not start with '— '")
        fields = body[len(SIG_PREFIX) :].split(" ")
        if len(fields) != 2:
            raise NoteError(f"signature line {line!r} is not '— name signature'")
        name, encoded = fields
        try:
            check_key_name(name)
        except InvalidValueError as exc:
            raise NoteError(str(exc)) from exc
        raw = decode_base64(encoded, "signature")
        if len(raw) < 5:
            raise NoteError(f"signature by {name} has {len(raw)} bytes; at least 5 expected")
        return cls(name, raw[:4], raw[4:])


@dataclass(frozen=True)
class Note:
    """A parsed note: its text, the signatures that verified and those from keys not known."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    def verified_note(self) -> str:
        """The note with the signature lines that verified and no other: what to keep of a note one received,
        since lines from unknown keys may be anything their sender chose."""
        return self.text + "\n" + "".join(sig.to_line() for sig in self.verified)


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines, checking only the syntax."""
    if len(note.encode()) > 1_000_000:
        raise NoteError("note is larger than 1 MB")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("note has no signature block (text, a blank line, signature lines)")
    text, block = note[: cut + 1], note[cut + 2 :]
    _check_text(text)
    signatures = [NoteSignature.from_line(line) for line in block.split("\n")[:-1]]
    if not signatures:
        raise NoteError("note has no signature lines")
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(signatures)} signatures; at most {MAX_SIGNATURES} are accepted")
    return text, signatures


def open_note(note: str, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse and verify a signed note.

    Signatures from known keys (name and key id) must verify; others are kept as unverified. Raises
    NoteError for a malformed note, SignatureError for a known key whose signature fails, and
    UnknownKeyError when no known key signed the note.
    """
    text, signatures = split_note(note)
    known: Mapping[tuple[str, bytes], NoteVerifier] = {(v.name, v.key_id): v for v in verifiers}
    verified, unverified = [], []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.append(sig)
            continue
        verifier.verify(text.encode(), sig.signature)
        verified.append(sig)
    if not verified:
        names = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in signatures)
        raise UnknownKeyError(f"note is signed by {names}; none of them is a known key")
    return Note(text, tuple(verified), tuple(unverified))
