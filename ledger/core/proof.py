"""RFC 9162 proof verification and the JSON shapes of proofs.

Verification functions raise and never return False: `ProofError` when a proof is malformed or its
indices and sizes do not fit, `RootMismatchError` when it recomputes to another root.

Two edge cases are decided here (tests/vectors/README.md lists them):
- a consistency proof from size 0 is refused: every tree extends the empty tree, so such a proof proves
  nothing, and a client asking for one has lost its checkpoint;
- every hash (leaf, root, proof element) must be 32 bytes; zero-length or short hashes are refused
  before any hashing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import InvalidValueError, ProofError, RootMismatchError
from ledger.core.hashing import HASH_SIZE, Hash, as_hash, hash_from_hex, node_hash


def _check_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise ProofError(f"proof hash {i} has {len(h)} bytes; SHA-256 hashes have {HASH_SIZE}")


def _check_len(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} has {len(value)} bytes; SHA-256 hashes have {HASH_SIZE}")


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the inclusion proof of `index` in a tree of `size` leaves has."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> Hash:
    """RFC 9162 2.1.3.2: the root that `proof` gives for `leaf_hash` at `index` in a tree of `size`."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} out of range for tree size {size}")
    _check_len("leaf hash", leaf_hash)
    _check_hashes(proof)
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes; index {index} in a tree of size {size} needs {want}"
        )
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return Hash(r)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that `leaf_hash` is leaf `index` of the tree of `size` leaves whose root is `root`.

    Raises ProofError for a malformed proof and RootMismatchError when the proof leads to another root.
    """
    _check_len("root", root)
    computed = root_from_inclusion(leaf_hash, index, size, proof)
    if computed != root:
        raise RootMismatchError(computed, bytes(root))


def consistency_proof_length(old: int, new: int) -> int:
    """How many hashes the consistency proof from `old` to `new` has (0 < old < new)."""
    shift = (old & -old).bit_length() - 1
    inner = ((old - 1) ^ (new - 1)).bit_length() - shift
    border = ((old - 1) >> (inner + shift)).bit_count()
    seed = 0 if old == 1 << shift else 1
    return seed + inner + border


def verify_consistency(
    old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that the tree of `new` leaves with `new_root` extends the tree of `old` leaves with `old_root`.

    Raises ProofError for a malformed proof or impossible sizes (including old == 0, see the module note)
    and RootMismatchError when the proof leads to other roots.
    """
    _check_len("old root", old_root)
    _check_len("new root", new_root)
    _check_hashes(proof)
    if not 0 <= old <= new:
        raise ProofError(f"old size {old} must be between 0 and new size {new}")
    if old == new:
        if proof:
            raise ProofError(f"consistency proof between equal sizes {old} must be empty, has {len(proof)} hashes")
        if old_root != new_root:
            raise RootMismatchError(bytes(new_root), bytes(old_root))
        return
    if old == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing; sizes must be 0 < old < new")
    want = consistency_proof_length(old, new)
    if len(proof) != want:
        raise ProofError(f"consistency proof has {len(proof)} hashes; sizes {old} to {new} need {want}")
    path = list(proof)
    # RFC 9162 2.1.4.2 step 2: a power-of-two old tree is its own first node.
    if old & (old - 1) == 0:
        path.insert(0, bytes(old_root))
    fn, sn = old - 1, new - 1
    # step 4
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if fr != old_root:
        raise RootMismatchError(fr, bytes(old_root))
    if sr != new_root:
        raise RootMismatchError(sr, bytes(new_root))


def _hex_list(value: Any, what: str) -> tuple[Hash, ...]:
    if not isinstance(value, list):
        raise InvalidValueError(f"{what} must be a list of hex hashes")
    return tuple(hash_from_hex(h, f"{what}[{i}]") if isinstance(h, str) else _bad(what, i) for i, h in enumerate(value))


def _bad(what: str, i: int) -> Hash:
    raise InvalidValueError(f"{what}[{i}] must be a hex string")


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidValueError(f"{key} must be a non-negative integer, got {value!r}")
    return value


def _hex(doc: Mapping[str, Any], key: str) -> Hash:
    value = doc.get(key)
    if not isinstance(value, str):
        raise InvalidValueError(f"{key} must be a hex hash, got {value!r}")
    return hash_from_hex(value, key)


@dataclass(frozen=True)
class InclusionProof:
    """That leaf `leaf_hash` is at `index` in the tree of `size` leaves with root `root`."""

    index: int
    size: int
    leaf_hash: Hash
    root: Hash
    hashes: tuple[Hash, ...]

    def __post_init__(self) -> None:
        as_hash(self.leaf_hash, "leaf hash")
        as_hash(self.root, "root")
        if not 0 <= self.index < self.size:
            raise InvalidValueError(f"index {self.index} out of range for tree size {self.size}")

    def verify(self) -> None:
        """Raise ProofError or RootMismatchError unless the proof holds for its own root."""
        verify_inclusion(self.leaf_hash, self.index, self.size, self.hashes, self.root)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "root": self.root.hex(),
            "hashes": [h.hex() for h in self.hashes],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "InclusionProof":
        if not isinstance(doc, Mapping):
            raise InvalidValueError("an inclusion proof must be a JSON object")
        return cls(_int(doc, "index"), _int(doc, "size"), _hex(doc, "leaf_hash"), _hex(doc, "root"),
                   _hex_list(doc.get("hashes"), "hashes"))


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree of `new` leaves with `new_root` extends the tree of `old` leaves with `old_root`."""

    old: int
    new: int
    old_root: Hash
    new_root: Hash
    hashes: tuple[Hash, ...]

    def __post_init__(self) -> None:
        as_hash(self.old_root, "old root")
        as_hash(self.new_root, "new root")
        if not 0 <= self.old <= self.new:
            raise InvalidValueError(f"old size {self.old} must be between 0 and new size {self.new}")

    def verify(self) -> None:
        verify_consistency(self.old, self.new, self.hashes, self.old_root, self.new_root)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "hashes": [h.hex() for h in self.hashes],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "ConsistencyProof":
        if not isinstance(doc, Mapping):
            raise InvalidValueError("a consistency proof must be a JSON object")
        return cls(_int(doc, "old"), _int(doc, "new"), _hex(doc, "old_root"), _hex(doc, "new_root"),
                   _hex_list(doc.get("hashes"), "hashes"))
