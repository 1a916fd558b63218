"""C2SP tlog-proof@v1: an offline-verifiable proof that an entry is in a log, under a signed checkpoint.

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry's RFC 8785 bytes>
    index <n>
    <base64 inclusion proof hash>…
    <blank line>
    <the signed checkpoint note, cosignatures included>

The `extra` line carries the entry itself, so the leaf hash is recomputed from it (tlog-proof: "additional
data necessary to reconstruct the record hash"); it is trusted only because that hash verifies.
"""

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.core.checkpoint import MAX_SIZE_DIGITS, Checkpoint, open_checkpoint
from ledger.core.errors import NoteError, ProofError
from ledger.core.hashing import Hash, leaf_hash
from ledger.core.note import Note, NoteVerifier
from ledger.core.proof import verify_inclusion

HEADER = "c2sp.org/tlog-proof@v1"


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} {text[:40]!r} is not standard base64") from exc


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: tuple[Hash, ...]
    checkpoint: str
    """The signed checkpoint note, verbatim."""
    extra: bytes | None = None

    def to_text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.hashes)
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def from_text(cls, text: str) -> "TlogProof":
        """Parse a tlog-proof; NoteError (with what was expected) when it is malformed."""
        head, sep, checkpoint = text.partition("\n\n")
        if not sep or not checkpoint:
            raise NoteError("tlog-proof has no blank line before its checkpoint")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise NoteError(f"tlog-proof starts with {lines[0][:40]!r}; expected {HEADER!r}")
        position = 1
        extra = None
        if position < len(lines) and lines[position].startswith("extra "):
            extra = _b64(lines[position][len("extra "):], "extra data")
            position += 1
        if position >= len(lines) or not lines[position].startswith("index "):
            raise NoteError("tlog-proof lacks its 'index N' line")
        number = lines[position][len("index "):]
        if not number.isascii() or not number.isdigit() or (number != "0" and number.startswith("0")) \
                or len(number) > MAX_SIZE_DIGITS:
            raise NoteError(f"tlog-proof index {number[:40]!r} is not a decimal without leading zeros of at most "
                            f"{MAX_SIZE_DIGITS} digits")
        hashes = []
        for line in lines[position + 1:]:
            raw = _b64(line, "proof hash")
            if len(raw) != 32:
                raise NoteError(f"proof hash has {len(raw)} bytes; SHA-256 hashes have 32")
            hashes.append(Hash(raw))
        return cls(int(number), tuple(hashes), checkpoint, extra)

    def verify(self, log_key: NoteVerifier, others: Iterable[NoteVerifier] = ()) -> tuple[Checkpoint, Note]:
        """Check the checkpoint's signature and that `extra` (the entry) is at `index` under its root.

        Raises NoteError, SignatureError, UnknownKeyError, ProofError or RootMismatchError.
        """
        checkpoint, note = open_checkpoint(self.checkpoint, log_key, others)
        if self.extra is None:
            raise ProofError("tlog-proof carries no entry in its extra line, so there is no leaf to check")
        verify_inclusion(leaf_hash(self.extra), self.index, checkpoint.size, self.hashes, checkpoint.root)
        return checkpoint, note
