"""Merkle tree arithmetic against a naive reference written straight from the RFC 9162 definitions."""

import functools
import hashlib
import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledger.core.errors import ProofError, VerificationError
from ledger.core.hashing import EMPTY_ROOT, Hash, leaf_hash
from ledger.core.merkle import (
    BORDER,
    MAX_TREE_SIZE,
    CompactRange,
    NodeId,
    ProofNodes,
    border_roots,
    consistency_nodes,
    inclusion_path,
    inclusion_plan,
    range_nodes,
    root_from_range,
)
from ledger.core.proof import verify_consistency, verify_inclusion

MAX_SIZE = 3000
"""Every tree in this file is a prefix of one sequence of MAX_SIZE entries, so reference hashes are cached."""
SMALL_SIZE = 64
"""Up to this size, proofs are checked for every index and every pair of sizes."""


# --- The reference: RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1, on the entries D[begin:end] -----------------------


def entry(i: int) -> bytes:
    return f"entry {i}".encode()


def split(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


@functools.cache
def mth(begin: int, end: int) -> bytes:
    """MTH(D[begin:end]), RFC 9162 2.1.1."""
    n = end - begin
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entry(begin)).digest()
    k = split(n)
    return hashlib.sha256(b"\x01" + mth(begin, begin + k) + mth(begin + k, end)).digest()


def path(m: int, begin: int, end: int) -> list[bytes]:
    """PATH(m, D[begin:end]), RFC 9162 2.1.3.1."""
    n = end - begin
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*path(m, begin, begin + k), mth(begin + k, end)]
    return [*path(m - k, begin + k, end), mth(begin, begin + k)]


def subproof(m: int, begin: int, end: int, complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[begin:end], b), RFC 9162 2.1.4.1."""
    n = end - begin
    if m == n:
        return [] if complete else [mth(begin, end)]
    k = split(n)
    if m <= k:
        return [*subproof(m, begin, begin + k, complete), mth(begin + k, end)]
    return [*subproof(m - k, begin + k, end, False), mth(begin, begin + k)]


def reference_inclusion(index: int, size: int) -> list[bytes]:
    return path(index, 0, size)


def reference_consistency(old: int, new: int) -> list[bytes]:
    return subproof(old, 0, new, True)


# --- The tree under test -------------------------------------------------------------------------------------


def leaf(i: int) -> Hash:
    return leaf_hash(entry(i))


@functools.cache
def node_map() -> dict[NodeId, Hash]:
    """Every complete node of the MAX_SIZE tree, as CompactRange.append reports them."""
    tree = CompactRange()
    new_nodes: list[tuple[NodeId, Hash]] = []
    tree.extend((leaf(i) for i in range(MAX_SIZE)), new_nodes)
    return dict(new_nodes)


@functools.cache
def key_map() -> dict[int, Hash]:
    """node_map by storage key, as the store keeps it."""
    return {node.key: h for node, h in node_map().items()}


def inclusion_proof(index: int, size: int) -> list[Hash]:
    return inclusion_path(index, size, key_map(), borders(size))


@functools.cache
def borders(size: int) -> dict[int, Hash]:
    return border_roots(compact_range(size))


def consistency_proof(old: int, new: int) -> list[Hash]:
    nodes = consistency_nodes(old, new)
    return nodes.rehash([node_map()[node] for node in nodes.ids])


def flipped(proof: list[Hash], i: int, bit: int) -> list[Hash]:
    h = bytearray(proof[i])
    h[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:i], Hash(bytes(h)), *proof[i + 1 :]]


sizes = st.integers(1, MAX_SIZE)
index_and_size = sizes.flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n)))
old_and_new = st.integers(2, MAX_SIZE).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n)))


class TestReference:
    """The naive reference itself gives the RFC 9162 known answers, so it can judge the rest."""

    def test_empty_tree_hashes_the_empty_string(self) -> None:
        assert mth(0, 0) == EMPTY_ROOT == hashlib.sha256(b"").digest()

    def test_two_leaf_tree_hashes_its_leaves_with_the_node_prefix(self) -> None:
        assert mth(0, 2) == hashlib.sha256(b"\x01" + leaf(0) + leaf(1)).digest()

    def test_three_leaf_tree_splits_at_two(self) -> None:
        left = hashlib.sha256(b"\x01" + leaf(0) + leaf(1)).digest()
        assert mth(0, 3) == hashlib.sha256(b"\x01" + left + leaf(2)).digest()

    # RFC 9162 2.1.5 names the nodes of its 7-leaf example tree: leaves a b c d e f j, then g = (a, b),
    # h = (c, d), i = (e, f), k = (g, h), l = (i, j).

    def test_gives_the_rfc_example_audit_paths(self) -> None:
        b, c, f, j = leaf(1), leaf(2), leaf(5), leaf(6)
        g, h, i, k, l_ = mth(0, 2), mth(2, 4), mth(4, 6), mth(0, 4), mth(4, 7)
        assert mth(0, 7) == hashlib.sha256(b"\x01" + k + l_).digest()
        assert reference_inclusion(0, 7) == [b, h, l_]
        assert reference_inclusion(3, 7) == [c, g, l_]
        assert reference_inclusion(4, 7) == [f, j, k]
        assert reference_inclusion(6, 7) == [i, k]

    def test_gives_the_rfc_example_consistency_proofs(self) -> None:
        c, d, j = leaf(2), leaf(3), leaf(6)
        g, i, k, l_ = mth(0, 2), mth(4, 6), mth(0, 4), mth(4, 7)
        assert reference_consistency(3, 7) == [c, d, g, l_]
        assert reference_consistency(4, 7) == [l_]
        assert reference_consistency(6, 7) == [i, j, k]


class TestCompactRange:
    """CompactRange computes the RFC 9162 root of every prefix and reports each complete node once."""

    @settings(max_examples=25, deadline=None)
    @given(st.integers(0, MAX_SIZE))
    @example(0)
    @example(1)
    @example(2048)
    def test_root_equals_the_reference_at_every_prefix(self, size: int) -> None:
        tree = CompactRange()
        assert tree.root() == mth(0, 0)
        reported: list[NodeId] = []
        for i in range(size):
            new_nodes: list[tuple[NodeId, Hash]] = []
            tree.append(leaf(i), new_nodes)
            assert tree.root() == mth(0, i + 1)
            assert new_nodes[0] == (NodeId(0, i), leaf(i))
            for node, h in new_nodes:
                begin, end = node.coverage()
                assert end == i + 1, f"{node} reported after leaf {i} is not complete then"
                assert h == mth(begin, end)
            reported.extend(node for node, _ in new_nodes)
        assert len(reported) == len(set(reported))
        assert len(reported) == sum(size >> level for level in range(size.bit_length()))

    @settings(max_examples=25, deadline=None)
    @given(st.integers(0, MAX_SIZE), st.integers(0, 300))
    def test_resumes_from_the_hashes_of_its_range_nodes(self, size: int, more: int) -> None:
        tree = CompactRange(size, [node_map()[node] for node in range_nodes(0, size)])
        assert tree.root() == mth(0, size)
        end = min(size + more, MAX_SIZE)
        tree.extend(leaf(i) for i in range(size, end))
        assert (tree.size, tree.root()) == (end, mth(0, end))

    def test_refuses_hashes_that_do_not_fit_its_size(self) -> None:
        with pytest.raises(ProofError, match=r"^a compact range of size 5 has 2 hashes, got 1$"):
            CompactRange(5, [leaf(0)])

    def test_root_of_no_hashes_is_the_empty_root(self) -> None:
        assert root_from_range([]) == EMPTY_ROOT


class TestInclusionPath:
    """inclusion_plan + inclusion_path build the RFC 9162 PATH, which verifies and binds its claims."""

    @settings(max_examples=150, deadline=None)
    @given(index_and_size)
    @example((0, 1))
    @example((5, 8))
    @example((2047, 2048))
    @example((2048, 2049))
    @example((MAX_SIZE - 1, MAX_SIZE))
    def test_proof_equals_the_reference_path_and_verifies(self, case: tuple[int, int]) -> None:
        index, size = case
        complete = [NodeId.from_key(key) for _, key in inclusion_plan(index, size) if key != BORDER]
        assert all(node.coverage()[1] <= size for node in complete), "a proof node lies outside the tree"
        proof = inclusion_proof(index, size)
        assert proof == reference_inclusion(index, size)
        verify_inclusion(leaf(index), index, size, proof, mth(0, size))

    def test_every_proof_in_small_trees_equals_the_reference_path_and_verifies(self) -> None:
        # Random sizes up to MAX_SIZE rarely land on each small size; small trees hold most of the edge cases.
        for size in range(1, SMALL_SIZE + 1):
            root = mth(0, size)
            for index in range(size):
                proof = inclusion_proof(index, size)
                assert proof == reference_inclusion(index, size), f"index {index}, size {size}"
                verify_inclusion(leaf(index), index, size, proof, root)

    @settings(max_examples=30, deadline=None)
    @given(index_and_size)
    @example((1000, 2999))
    def test_every_single_bit_flip_of_a_proof_hash_is_refused(self, case: tuple[int, int]) -> None:
        index, size = case
        proof, root = inclusion_proof(index, size), mth(0, size)
        for i in range(len(proof)):
            for bit in range(256):
                with pytest.raises(VerificationError):
                    verify_inclusion(leaf(index), index, size, flipped(proof, i, bit), root)

    @settings(max_examples=50, deadline=None)
    @given(index_and_size, st.data())
    def test_another_index_is_refused(self, case: tuple[int, int], data: st.DataObject) -> None:
        index, size = case
        proof, root = inclusion_proof(index, size), mth(0, size)
        others = {index - 1, index + 1, index ^ 1, size, -1}
        if size > 1:
            others.add(data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other index"))
        for other in others - {index}:
            with pytest.raises(VerificationError):
                verify_inclusion(leaf(index), other, size, proof, root)

    @settings(max_examples=50, deadline=None)
    @given(index_and_size, st.data())
    def test_another_size_is_refused_with_that_size_root(self, case: tuple[int, int], data: st.DataObject) -> None:
        # The size is not hashed: a proof of leaf 5 in 8 also recomputes the root of 8 when told the size is 7.
        # So the claim refused is "leaf in the tree of the other size", checked against that tree's own root.
        index, size = case
        proof = inclusion_proof(index, size)
        others = {size - 1, size + 1, size * 2, size // 2, index}
        others.add(data.draw(st.integers(0, MAX_SIZE).filter(lambda n: n != size), label="other size"))
        for other in others - {size}:
            if other > MAX_SIZE:
                continue
            with pytest.raises(VerificationError):
                verify_inclusion(leaf(index), index, other, proof, mth(0, other))

    @settings(max_examples=50, deadline=None)
    @given(index_and_size)
    def test_truncated_or_extended_proofs_are_refused(self, case: tuple[int, int]) -> None:
        index, size = case
        proof, root = inclusion_proof(index, size), mth(0, size)
        variants = [[*proof, leaf(0)], [leaf(0), *proof]]
        if proof:
            variants += [proof[:-1], proof[1:], [*proof, *proof]]
        for variant in variants:
            with pytest.raises(ProofError, match="inclusion proof has"):
                verify_inclusion(leaf(index), index, size, variant, root)

    def test_refuses_an_index_outside_the_tree(self) -> None:
        with pytest.raises(ProofError, match=r"^index 9 out of range for tree size 8$"):
            inclusion_plan(9, 8)


def compact_range(size: int) -> CompactRange:
    return CompactRange(size, [node_map()[node] for node in range_nodes(0, size)])


class TestBorderRoots:
    """border_roots gives the hash of every incomplete rightmost node, the one a PATH may need."""

    @settings(max_examples=100, deadline=None)
    @given(st.integers(0, MAX_SIZE))
    @example(0)
    @example(1)
    @example(2048)
    @example(2047)
    def test_gives_the_reference_root_of_each_incomplete_rightmost_node(self, size: int) -> None:
        border = border_roots(compact_range(size))
        # Level l has an incomplete rightmost node exactly when size is not a multiple of 2**l; above the
        # root's level that node is the whole tree.
        assert set(border) == {level for level in range(1, size.bit_length() + 2) if size % (1 << level)}
        for level, h in border.items():
            assert h == mth((size >> level) << level, size), f"level {level} of size {size}"


class TestConsistencyNodes:
    """consistency_nodes + ProofNodes.rehash build the RFC 9162 PROOF, which verifies and binds its claims."""

    @settings(max_examples=150, deadline=None)
    @given(old_and_new)
    @example((1, 2))
    @example((3, 4))
    @example((6, 8))
    @example((1024, 2048))
    @example((2047, 2049))
    @example((MAX_SIZE - 1, MAX_SIZE))
    def test_proof_equals_the_reference_and_verifies(self, case: tuple[int, int]) -> None:
        old, new = case
        nodes = consistency_nodes(old, new)
        assert all(node.coverage()[1] <= new for node in nodes.ids), "a proof node lies outside the tree"
        proof = consistency_proof(old, new)
        assert proof == reference_consistency(old, new)
        verify_consistency(old, new, proof, mth(0, old), mth(0, new))

    def test_every_proof_in_small_trees_equals_the_reference_and_verifies(self) -> None:
        for new in range(2, SMALL_SIZE + 1):
            for old in range(1, new):
                proof = consistency_proof(old, new)
                assert proof == reference_consistency(old, new), f"sizes {old} to {new}"
                verify_consistency(old, new, proof, mth(0, old), mth(0, new))

    @settings(max_examples=30, deadline=None)
    @given(old_and_new)
    @example((1000, 2999))
    def test_every_single_bit_flip_of_a_proof_hash_is_refused(self, case: tuple[int, int]) -> None:
        old, new = case
        proof, old_root, new_root = consistency_proof(old, new), mth(0, old), mth(0, new)
        for i in range(len(proof)):
            for bit in range(256):
                with pytest.raises(VerificationError):
                    verify_consistency(old, new, flipped(proof, i, bit), old_root, new_root)

    @settings(max_examples=50, deadline=None)
    @given(old_and_new, st.data())
    def test_other_sizes_are_refused_with_their_roots(self, case: tuple[int, int], data: st.DataObject) -> None:
        # As for inclusion, sizes are not hashed; each claim is checked against the roots of the sizes it names.
        old, new = case
        proof = consistency_proof(old, new)
        claims = {(old - 1, new), (old + 1, new), (old, new - 1), (old, new + 1), (old * 2, new), (old, new * 2)}
        claims.add(data.draw(st.tuples(st.integers(0, MAX_SIZE), st.integers(0, MAX_SIZE)), label="other sizes"))
        for other_old, other_new in claims - {(old, new)}:
            if not 0 <= other_old <= MAX_SIZE or not 0 <= other_new <= MAX_SIZE:
                continue
            with pytest.raises(VerificationError):
                verify_consistency(other_old, other_new, proof, mth(0, other_old), mth(0, other_new))

    @settings(max_examples=50, deadline=None)
    @given(old_and_new)
    def test_truncated_or_extended_proofs_are_refused(self, case: tuple[int, int]) -> None:
        old, new = case
        proof, old_root, new_root = consistency_proof(old, new), mth(0, old), mth(0, new)
        for variant in ([*proof, leaf(0)], [leaf(0), *proof], proof[:-1], proof[1:]):
            with pytest.raises(ProofError, match="consistency proof"):
                verify_consistency(old, new, variant, old_root, new_root)

    def test_needs_no_nodes_between_equal_sizes(self) -> None:
        assert consistency_nodes(5, 5) == ProofNodes(())

    def test_needs_no_nodes_from_the_empty_tree(self) -> None:
        assert consistency_nodes(0, 5) == ProofNodes(())

    def test_refuses_an_old_size_beyond_the_new_size(self) -> None:
        with pytest.raises(ProofError, match=r"^old size 6 must be between 0 and new size 5$"):
            consistency_nodes(6, 5)


class TestProofNodes:
    """ProofNodes.rehash folds the ephemeral node and refuses a hash list of the wrong length."""

    def test_folds_its_ephemeral_range_right_to_left(self) -> None:
        # From 1 to 7: siblings up to [0, 4), then the ephemeral node over [4, 7) from (0, 6) and (1, 2).
        nodes = consistency_nodes(1, 7)
        assert nodes.ids == (NodeId(0, 1), NodeId(1, 1), NodeId(0, 6), NodeId(1, 2))
        assert (nodes.begin, nodes.end) == (2, 4)
        assert consistency_proof(1, 7) == [leaf(1), mth(2, 4), mth(4, 7)]

    def test_refuses_a_hash_count_that_differs_from_its_nodes(self) -> None:
        nodes = consistency_nodes(1, 7)
        with pytest.raises(ProofError, match=r"^got 3 hashes for 4 proof nodes$"):
            nodes.rehash([leaf(0)] * 3)


leaf_ranges = st.tuples(st.integers(0, MAX_TREE_SIZE), st.integers(0, MAX_TREE_SIZE)).map(
    lambda bounds: (min(bounds), max(bounds))
)


class TestRangeNodes:
    """range_nodes covers [begin, end) exactly, left to right, with the fewest aligned perfect subtrees."""

    @settings(max_examples=300, deadline=None)
    @given(leaf_ranges)
    @example((0, 0))
    @example((0, 1))
    @example((2, 6))
    @example((3, 3000))
    @example((0, MAX_TREE_SIZE))
    def test_covers_the_range_exactly_with_perfect_subtrees(self, bounds: tuple[int, int]) -> None:
        begin, end = bounds
        nodes = range_nodes(begin, end)
        at = begin
        for node in nodes:
            start, stop = node.coverage()
            assert start == at, f"{node} starts at {start}, expected {at}"
            at = stop
        assert at == end
        # Fewest nodes: no two neighbours are siblings that their parent would replace.
        for left, right in itertools.pairwise(nodes):
            assert not (left.level == right.level and left.index % 2 == 0), f"{left} and {right} are siblings"

    @settings(max_examples=100, deadline=None)
    @given(st.integers(0, MAX_TREE_SIZE))
    def test_prefix_has_one_node_per_set_bit_of_its_size(self, size: int) -> None:
        levels = [node.level for node in range_nodes(0, size)]
        assert levels == sorted((bit for bit in range(size.bit_length()) if size >> bit & 1), reverse=True)


class TestNodeId:
    """A node id round-trips through its storage key and relates to its parent and sibling."""

    @settings(max_examples=300)
    @given(st.integers(0, 48).flatmap(lambda level: st.tuples(st.just(level), st.integers(0, (1 << (48 - level)) - 1))))
    @example((0, 0))
    @example((0, MAX_TREE_SIZE - 1))
    @example((48, 0))
    def test_round_trips_through_its_key(self, ids: tuple[int, int]) -> None:
        node = NodeId(*ids)
        assert NodeId.from_key(node.key) == node

    def test_distinct_nodes_have_distinct_keys(self) -> None:
        nodes = [NodeId(level, index) for level in range(12) for index in range(64)]
        assert len({node.key for node in nodes}) == len(nodes)

    def test_parent_covers_the_node_and_its_sibling(self) -> None:
        node = NodeId(3, 5)
        assert node.coverage() == (40, 48)
        assert node.sibling().coverage() == (32, 40)
        assert node.parent() == node.sibling().parent() == NodeId(4, 2)
        assert node.parent().coverage() == (32, 48)
