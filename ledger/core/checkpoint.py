"""C2SP tlog-checkpoint: the body of a signed note naming a log's origin, size and root."""

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.core.errors import InvalidValueError, NoteError
from ledger.core.hashing import Hash, as_hash
from ledger.core.note import Note, NoteSigner, NoteVerifier, open_note, sign_note

MAX_SIZE_DIGITS = 20
"""A tree size is a uint64 in tlog-checkpoint (at most 20 decimal digits); longer ones are refused unread."""


@dataclass(frozen=True)
class Checkpoint:
    """Origin, tree size and root hash; `extensions` are the optional extra lines of the body."""

    origin: str
    size: int
    root: Hash
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or self.origin != self.origin.strip():
            raise InvalidValueError(f"checkpoint origin {self.origin!r} must be one non-empty line")
        if self.size < 0:
            raise InvalidValueError(f"checkpoint size {self.size} must be non-negative")
        as_hash(self.root, "checkpoint root")
        for line in self.extensions:
            if not line or "\n" in line:
                raise InvalidValueError(f"checkpoint extension line {line!r} must be one non-empty line")

    def to_text(self) -> str:
        body = f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"
        return body + "".join(f"{line}\n" for line in self.extensions)

    @classmethod
    def from_text(cls, text: str) -> "Checkpoint":
        """Parse a checkpoint body; raise NoteError when it is not origin, size and base64 root lines."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint body needs origin, size and root lines, each ending in a newline")
        origin, size_text, root_text, *extensions = lines[:-1]
        if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")) \
                or len(size_text) > MAX_SIZE_DIGITS:
            raise NoteError(f"checkpoint size {size_text[:40]!r} is not a decimal number without leading zeros of at "
                            f"most {MAX_SIZE_DIGITS} digits")
        try:
            root = base64.b64decode(root_text, validate=True)
            return cls(origin, int(size_text), Hash(root), tuple(extensions))
        except (ValueError, InvalidValueError) as exc:
            raise NoteError(f"checkpoint is malformed: {exc}") from exc

    def sign(self, signer: NoteSigner, *cosigners: NoteSigner) -> str:
        """The signed note of this checkpoint; the log key (named like the origin) signs first."""
        if signer.name != self.origin:
            raise InvalidValueError(f"log key {signer.name!r} must be named like the origin {self.origin!r}")
        return sign_note(self.to_text(), [signer, *cosigners])


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with the note text that carries its signatures."""

    checkpoint: Checkpoint
    note: str


def open_checkpoint(note: str, log_key: NoteVerifier, others: Iterable[NoteVerifier] = ()) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint: the log key must have signed it and the origin must be its name."""
    opened = open_note(note, [log_key, *others])
    if not any(s.name == log_key.name and s.key_id == log_key.key_id for s in opened.verified):
        raise NoteError(f"checkpoint is not signed by the log key {log_key.to_text()}")
    checkpoint = Checkpoint.from_text(opened.text)
    if checkpoint.origin != log_key.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log key's name {log_key.name!r}")
    return checkpoint, opened
