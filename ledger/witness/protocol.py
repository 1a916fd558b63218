"""The C2SP tlog-witness add-checkpoint exchange (c2sp.org/tlog-witness): the request body, the size a
witness reports with 409 Conflict, and the errors a witness refuses a request with.

    WitnessError                   (a LedgerError)  HTTP status in the tlog-witness protocol
    ├── MalformedRequestError      the body is not `old N`, proof lines, a blank line, a note      400
    ├── UnknownLogError            no log with the checkpoint's origin is configured               404
    ├── UntrustedCheckpointError   no signature on the checkpoint verifies with the log's key      403
    ├── SizeConflictError          `old` is not the size the witness last cosigned (`.size`)       409
    ├── WitnessForkError           same size as the stored checkpoint, another root (`.stored`,
    │                              `.submitted`: both signed notes, the evidence)                  409
    └── InconsistentError          the consistency proof does not verify                          422

Pure: no HTTP and no SQL here.
"""

import base64
import binascii
from dataclasses import dataclass

from ledger.core.errors import LedgerError
from ledger.core.hashing import HASH_SIZE, Hash

ADD_CHECKPOINT = "add-checkpoint"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 64 * 1024
"""A checkpoint with 16 signatures and 63 proof lines is a few kilobytes; anything much larger is refused."""


class WitnessError(LedgerError):
    """A witness refuses an add-checkpoint request."""


class MalformedRequestError(WitnessError):
    """The request body is not an add-checkpoint request."""


class UnknownLogError(WitnessError):
    """The checkpoint's origin names no log the witness is configured for."""


class UntrustedCheckpointError(WitnessError):
    """No signature on the checkpoint verifies with a key the witness trusts for its origin."""


class SizeConflictError(WitnessError):
    """The request's old size is not the size of the latest checkpoint the witness cosigned."""

    def __init__(self, size: int, old: int) -> None:
        self.size = size
        super().__init__(f"old size {old} does not match the size {size} of the latest checkpoint this witness "
                         "cosigned for the log; send a consistency proof from that size")


class WitnessForkError(WitnessError):
    """The log signed two checkpoints of the same size with different roots; both notes are the evidence."""

    def __init__(self, origin: str, size: int, stored: str, submitted: str) -> None:
        self.origin = origin
        self.size = size
        self.stored = stored
        self.submitted = submitted
        super().__init__(f"log {origin} signed two different checkpoints of size {size}: the submitted root differs "
                         "from the root this witness cosigned; the log has forked")


class InconsistentError(WitnessError):
    """The consistency proof from the stored checkpoint to the submitted one does not verify."""


def parse_size(text: str, what: str) -> int:
    """An ASCII decimal without leading zeros (except `0`); MalformedRequestError otherwise."""
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")) or len(text) > 19:
        raise MalformedRequestError(f"{what} {text!r} is not a decimal number without leading zeros")
    value = int(text)
    if value > 2**63 - 1:
        raise MalformedRequestError(f"{what} {value} exceeds 2^63 - 1")
    return value


@dataclass(frozen=True)
class AddCheckpointRequest:
    """The body of POST <prefix>/add-checkpoint: old size, consistency proof, signed checkpoint note."""

    old: int
    proof: tuple[Hash, ...]
    note: str

    def __post_init__(self) -> None:
        if self.old < 0:
            raise MalformedRequestError(f"old size {self.old} must be non-negative")
        if len(self.proof) > MAX_PROOF_LINES:
            raise MalformedRequestError(f"consistency proof has {len(self.proof)} lines; at most "
                                        f"{MAX_PROOF_LINES} are allowed")
        if any(len(h) != HASH_SIZE for h in self.proof):
            raise MalformedRequestError(f"every consistency proof hash must have {HASH_SIZE} bytes")
        if self.old == 0 and self.proof:
            raise MalformedRequestError("the consistency proof must be empty when the old size is 0")

    def to_text(self) -> str:
        lines = [f"old {self.old}", *(base64.b64encode(h).decode() for h in self.proof)]
        return "".join(f"{line}\n" for line in lines) + "\n" + self.note

    @classmethod
    def from_bytes(cls, body: bytes) -> "AddCheckpointRequest":
        """Parse a request body; MalformedRequestError when it breaks the tlog-witness format."""
        if len(body) > MAX_REQUEST_BYTES:
            raise MalformedRequestError(f"request body has {len(body)} bytes; at most {MAX_REQUEST_BYTES} are "
                                        "accepted")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedRequestError(f"request body is not UTF-8: {exc.reason} at byte {exc.start}") from exc
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise MalformedRequestError("request body needs an old size line, proof lines, an empty line and "
                                        "the checkpoint; no empty line found")
        old_line, *proof_lines = head.split("\n")
        if not old_line.startswith("old "):
            raise MalformedRequestError(f"first line {old_line[:40]!r} is not 'old <size>'")
        old = parse_size(old_line[4:], "old size")
        if len(proof_lines) > MAX_PROOF_LINES:
            raise MalformedRequestError(f"consistency proof has {len(proof_lines)} lines; at most "
                                        f"{MAX_PROOF_LINES} are allowed")
        proof = []
        for i, line in enumerate(proof_lines):
            try:
                raw = base64.b64decode(line, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise MalformedRequestError(f"proof line {i + 1} {line[:60]!r} is not standard base64") from exc
            if len(raw) != HASH_SIZE:
                raise MalformedRequestError(f"proof line {i + 1} holds {len(raw)} bytes; a SHA-256 hash has "
                                            f"{HASH_SIZE}")
            proof.append(Hash(raw))
        return cls(old, tuple(proof), note)


def size_response(size: int) -> str:
    """The body of a 409 Conflict: the stored size in decimal and a newline."""
    return f"{size}\n"


def parse_size_response(body: str) -> int:
    """The size in a 409 Conflict body; MalformedRequestError unless it is a decimal and a newline."""
    if not body.endswith("\n"):
        raise MalformedRequestError(f"conflict body {body[:40]!r} must be a decimal size and a newline")
    return parse_size(body[:-1], "witness size")
