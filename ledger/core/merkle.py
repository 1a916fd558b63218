"""RFC 9162 Merkle tree arithmetic on node ids and hashes; no storage.

A node is identified by (level, index): the perfect subtree of 2**level leaves starting at leaf
index * 2**level. Proof building is split in two, so that storage stays with the caller:
`inclusion_plan` / `consistency_nodes` say which nodes are needed and the caller fetches their hashes;
`inclusion_path` takes the one incomplete subtree an inclusion proof may need from `border_roots`, and
`ProofNodes.rehash` folds it for a consistency proof.
`CompactRange` appends leaves and reports every complete node it creates.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ledger.core.errors import ProofError
from ledger.core.hashing import EMPTY_ROOT, Hash, node_hash

_INDEX_BITS = 48
MAX_TREE_SIZE = 1 << _INDEX_BITS


class NodeId(NamedTuple):
    """The perfect subtree covering leaves [index << level, (index + 1) << level)."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: it is the node index

    @property
    def key(self) -> int:
        """A single integer naming the node, used as the storage key."""
        return (self.level << _INDEX_BITS) | self.index

    @classmethod
    def from_key(cls, key: int) -> "NodeId":
        return cls(key >> _INDEX_BITS, key & (MAX_TREE_SIZE - 1))

    def sibling(self) -> "NodeId":
        return NodeId(self.level, self.index ^ 1)

    def parent(self) -> "NodeId":
        return NodeId(self.level + 1, self.index >> 1)

    def coverage(self) -> tuple[int, int]:
        return self.index << self.level, (self.index + 1) << self.level


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The perfect subtrees that exactly cover leaves [begin, end), left to right."""
    nodes = []
    while begin < end:
        level = (begin & -begin).bit_length() - 1 if begin else (end - begin).bit_length() - 1
        while (1 << level) > end - begin:
            level -= 1
        nodes.append(NodeId(level, begin >> level))
        begin += 1 << level
    return nodes


@dataclass(frozen=True)
class ProofNodes:
    """Node ids whose hashes make a proof; ids[begin:end] fold into one ephemeral node (lowest level first)."""

    ids: tuple[NodeId, ...]
    begin: int = 0
    end: int = 0

    def rehash(self, hashes: Sequence[bytes]) -> list[Hash]:
        """Turn the hashes of `ids` (same order) into the proof's hash list."""
        if len(hashes) != len(self.ids):
            raise ProofError(f"got {len(hashes)} hashes for {len(self.ids)} proof nodes")
        out = [Hash(h) for h in hashes]
        if self.end - self.begin < 2:
            return out
        acc = out[self.begin]
        for i in range(self.begin + 1, self.end):
            acc = node_hash(out[i], acc)
        return [*out[: self.begin], acc, *out[self.end :]]

    def skip_first(self) -> "ProofNodes":
        if self.begin < self.end:
            return ProofNodes(self.ids[1:], self.begin - 1, self.end - 1)
        return ProofNodes(self.ids[1:])


def _path_nodes(index: int, level: int, size: int) -> ProofNodes:
    """Nodes proving that node (level, index) is part of the tree of `size` leaves, the node itself first."""
    # The fork is where the path to (level, index) leaves the path to the tree's right border; above it the
    # proof needs the incomplete subtree right of the fork and the complete subtrees left of it.
    inner = (index ^ (size >> level)).bit_length() - 1
    fork = NodeId(level + inner, index >> inner)
    begin, end = fork.coverage()
    node = NodeId(level, index)
    ids = [node]
    while node.level < fork.level:
        ids.append(node.sibling())
        node = node.parent()
    first = len(ids)
    ids.extend(reversed(range_nodes(end, size)))
    last = len(ids)
    ids.extend(reversed(range_nodes(0, begin)))
    if last - first < 2:
        first = last = 0
    return ProofNodes(tuple(ids), first, last)


def consistency_nodes(old: int, new: int) -> ProofNodes:
    """Nodes of the RFC 9162 2.1.4.1 consistency proof from tree size `old` to tree size `new`."""
    if not 0 <= old <= new:
        raise ProofError(f"old size {old} must be between 0 and new size {new}")
    if old in (0, new):
        return ProofNodes(())
    level = (old & -old).bit_length() - 1
    index = (old - 1) >> level
    nodes = _path_nodes(index, level, new)
    # A power-of-two old tree is a node the verifier already has as its root (RFC 9162 2.1.4.1).
    return nodes.skip_first() if index == 0 else nodes


def root_from_range(hashes: Sequence[bytes]) -> Hash:
    """The root of a tree from the hashes of `range_nodes(0, size)`, left to right."""
    if not hashes:
        return EMPTY_ROOT
    acc = Hash(hashes[-1])
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


@dataclass
class CompactRange:
    """The hashes of `range_nodes(0, size)`: enough to append leaves and compute roots in O(log size)."""

    size: int = 0
    hashes: list[Hash] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.hashes) != self.size.bit_count():
            want = self.size.bit_count()
            raise ProofError(f"a compact range of size {self.size} has {want} hashes, got {len(self.hashes)}")

    def append(self, leaf: Hash, new_nodes: list[tuple[NodeId, Hash]] | None = None) -> None:
        """Append one leaf hash; every complete node created (the leaf included) goes to `new_nodes`."""
        index = self.size
        self.size += 1
        h = leaf
        level = 0
        if new_nodes is not None:
            new_nodes.append((NodeId(0, index), h))
        while index & 1:
            h = node_hash(self.hashes.pop(), h)
            index >>= 1
            level += 1
            if new_nodes is not None:
                new_nodes.append((NodeId(level, index), h))
        self.hashes.append(h)

    def extend(self, leaves: Iterable[Hash], new_nodes: list[tuple[NodeId, Hash]] | None = None) -> None:
        for leaf in leaves:
            self.append(leaf, new_nodes)

    def root(self) -> Hash:
        return root_from_range(self.hashes)


def border_roots(compact: CompactRange) -> dict[int, Hash]:
    """For each level l at which the tree of `compact.size` leaves has an incomplete rightmost node, that
    node's hash: the root of leaves [(size >> l) << l, size), folded from the compact range's lower nodes."""
    roots: dict[int, Hash] = {}
    levels = [level for level in range(compact.size.bit_length()) if compact.size >> level & 1]
    # compact.hashes run from the highest level to the lowest; levels above ascend from the lowest.
    lowest_first = list(reversed(compact.hashes))
    acc: Hash | None = None
    for position, level in enumerate(levels):
        acc = lowest_first[position] if acc is None else node_hash(lowest_first[position], acc)
        upper = levels[position + 1] if position + 1 < len(levels) else compact.size.bit_length() + 1
        for above in range(level + 1, upper + 1):
            roots[above] = acc
    return roots


BORDER = -1
"""In `inclusion_plan`, the incomplete sibling at the tree's right border (see `border_roots`)."""


def inclusion_plan(index: int, size: int) -> list[tuple[int, int]]:
    """Which hashes make leaf `index`'s RFC 9162 2.1.3.1 inclusion proof in the tree of `size` leaves, leaf
    first: (level, storage key of the complete sibling at that level, or BORDER for the incomplete one).

    The one inclusion-proof algorithm: integers only, so that it stays cheap for the thousands of receipts of
    one append. Raises ProofError for an index outside the tree.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} out of range for tree size {size}")
    plan = []
    level = 0
    while (size - 1) >> level:
        sibling = (index >> level) ^ 1
        start = sibling << level
        if start < size:
            plan.append((level, (level << _INDEX_BITS) | sibling if start + (1 << level) <= size else BORDER))
        level += 1
    return plan


def inclusion_path(index: int, size: int, nodes: Mapping[int, Hash], border: Mapping[int, Hash],
                   plan: Sequence[tuple[int, int]] | None = None) -> list[Hash]:
    """The inclusion proof's hashes for `inclusion_plan(index, size)` (or `plan`, when the caller has it
    already), from complete nodes by storage key and the `border_roots` of the tree of `size` leaves."""
    steps = inclusion_plan(index, size) if plan is None else plan
    return [border[level] if key == BORDER else nodes[key] for level, key in steps]
