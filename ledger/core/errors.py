"""Errors raised by the ledger.

    LedgerError
    ├── EncodingError            a value cannot be canonicalised (float, huge int, bad type)
    ├── InvalidValueError        a type was built from a value that breaks its rules
    ├── VerificationError        something does not verify; the message says value and expectation
    │   ├── ProofError           an inclusion or consistency proof is malformed or does not fit its sizes
    │   ├── RootMismatchError    a proof or tree recomputes to another root than the one expected
    │   ├── SignatureError       a signature does not verify
    │   ├── UnknownKeyError      no key is known for a signer
    │   └── NoteError            a signed note or checkpoint text is malformed
    ├── StoreError               the caller asked for what the log's state does not allow (a checkpoint the
    │   │                        log does not have, a batch out of bounds): the caller's to change
    │   └── WriteConflictError   another writer moved the head during this write; retry
    ├── CorruptionError          stored data or a write breaks an invariant of the log: a bug or damage,
    │   │                        never the caller's doing (run `nguon log audit`)
    │   ├── HeadMismatchError    the stored head does not match the nodes it is built from
    │   ├── EntryMismatchError   a stored entry does not match the tree's leaf or proof for it
    │   ├── MissingDataError     a node, entry or tile the store should hold is not stored
    │   └── BrokenInvariantError a write that would break the log's shape (a gap, a replaced node)
    ├── UnsafePathError          a file or directory to be written is a symlink or not what it should be
    └── AuditError               an audit found the log inconsistent at `index`

Foreign exceptions (cryptography's `InvalidSignature`, `binascii.Error`, `ValueError` from `bytes.fromhex`)
are translated into these where they occur, so callers only ever branch on this tree. docs/errors.md draws
it whole, with the registry's and the API's errors and the HTTP status and problem code of each.
"""


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class EncodingError(LedgerError, ValueError):
    """A value cannot be put in RFC 8785 canonical form."""


class InvalidValueError(LedgerError, ValueError):
    """A ledger type was constructed from a value that breaks its rules."""


class VerificationError(LedgerError):
    """Something does not verify."""


class ProofError(VerificationError):
    """A proof is malformed or does not fit the sizes and indices it claims."""


class RootMismatchError(VerificationError):
    """A recomputed root differs from the expected one."""

    def __init__(self, computed: bytes, expected: bytes) -> None:
        self.computed = computed
        self.expected = expected
        super().__init__(f"computed root {computed.hex()} does not match expected root {expected.hex()}")


class SignatureError(VerificationError):
    """A signature does not verify against the key it names."""


class UnknownKeyError(VerificationError):
    """No key is known for the signer a signature names."""


class NoteError(VerificationError):
    """A signed note, verifier key or checkpoint body is malformed."""


class StoreError(LedgerError):
    """The caller asked for what the log's state does not allow; nothing is wrong with the log."""


class WriteConflictError(StoreError):
    """Another writer moved the log head during this write transaction; nothing was written."""


class CorruptionError(LedgerError):
    """Stored data or a write breaks an invariant of the log: a bug or damage, not the caller's doing."""


class HeadMismatchError(CorruptionError):
    """The stored log head disagrees with the data it summarises."""


class EntryMismatchError(CorruptionError):
    """A stored entry disagrees with the tree: its hash is not the tree's leaf, or its proof does not verify."""


class MissingDataError(CorruptionError):
    """A node, entry or tile that the store's head says it holds is not stored."""


class BrokenInvariantError(CorruptionError):
    """A write that would break the log's shape: a gap, a replaced node, a head not read first."""


class UnsafePathError(LedgerError):
    """A path to be written is a symlink, or a file where a directory should be (or the other way round)."""


class AuditError(LedgerError):
    """An audit found the log inconsistent; `index` is the first bad entry (or checkpoint size)."""

    def __init__(self, index: int, reason: str) -> None:
        self.index = index
        self.reason = reason
        super().__init__(f"entry {index}: {reason}")
