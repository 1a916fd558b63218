"""RFC 9162 proof verification against the transparency-dev probes, and the JSON shapes of proofs."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.core.errors import InvalidValueError, ProofError, RootMismatchError, VerificationError
from ledger.core.hashing import EMPTY_ROOT, Hash, leaf_hash
from ledger.core.proof import ConsistencyProof, InclusionProof, verify_consistency, verify_inclusion

RFC9162 = Path(__file__).parent.parent / "vectors" / "rfc9162"
OVERRIDDEN = RFC9162 / "consistency" / "additional" / "sizes-are-equal-one-and-proof-is-empty.json"
"""The one probe whose expectation we override: see "Decisions" in tests/vectors/README.md."""

INCLUSION_PROBES = sorted((RFC9162 / "inclusion").rglob("*.json"))
CONSISTENCY_PROBES = sorted((RFC9162 / "consistency").rglob("*.json"))


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def b64_list(texts: list[str] | None) -> list[bytes]:
    return [b64(t) for t in texts or []]


def probe_id(path: Path) -> str:
    return path.relative_to(RFC9162).as_posix()


def check_inclusion_probe(probe: dict[str, Any]) -> None:
    verify_inclusion(b64(probe["leafHash"]), probe["leafIdx"], probe["treeSize"], b64_list(probe["proof"]),
                     b64(probe["root"]))


def check_consistency_probe(probe: dict[str, Any]) -> None:
    verify_consistency(probe["size1"], probe["size2"], b64_list(probe["proof"]), b64(probe["root1"]),
                       b64(probe["root2"]))


def make_inclusion_proof(**overrides: Any) -> InclusionProof:
    """A valid proof of leaf 5 in a tree of 8 (inclusion/2/happy-path.json), with fields replaced."""
    probe = load(RFC9162 / "inclusion" / "2" / "happy-path.json")
    fields: dict[str, Any] = {
        "index": probe["leafIdx"],
        "size": probe["treeSize"],
        "leaf_hash": Hash(b64(probe["leafHash"])),
        "root": Hash(b64(probe["root"])),
        "hashes": tuple(Hash(h) for h in b64_list(probe["proof"])),
    }
    return InclusionProof(**{**fields, **overrides})


def make_consistency_proof(**overrides: Any) -> ConsistencyProof:
    """A valid proof from size 6 to size 8 (consistency/2/happy-path.json), with fields replaced."""
    probe = load(RFC9162 / "consistency" / "2" / "happy-path.json")
    fields: dict[str, Any] = {
        "old": probe["size1"],
        "new": probe["size2"],
        "old_root": Hash(b64(probe["root1"])),
        "new_root": Hash(b64(probe["root2"])),
        "hashes": tuple(Hash(h) for h in b64_list(probe["proof"])),
    }
    return ConsistencyProof(**{**fields, **overrides})


HASH_A = leaf_hash(b"a")
HASH_B = leaf_hash(b"b")


class TestVectorSet:
    """The copied probe set is complete, so no parametrised test runs empty."""

    def test_holds_all_inclusion_and_consistency_probes(self) -> None:
        assert (len(INCLUSION_PROBES), len(CONSISTENCY_PROBES)) == (98, 98)

    def test_overrides_exactly_one_probe_which_still_expects_success(self) -> None:
        assert OVERRIDDEN in CONSISTENCY_PROBES
        assert load(OVERRIDDEN)["wantErr"] is False


class TestInclusionVectors:
    """Every RFC 9162 inclusion probe verifies, or is refused, as it states."""

    @pytest.mark.parametrize("path", INCLUSION_PROBES, ids=probe_id)
    def test_probe_verifies_or_is_refused_as_stated(self, path: Path) -> None:
        probe = load(path)
        if probe["wantErr"]:
            with pytest.raises(VerificationError):
                check_inclusion_probe(probe)
        else:
            check_inclusion_probe(probe)


class TestConsistencyVectors:
    """Every RFC 9162 consistency probe verifies, or is refused, as it states, but for the one override."""

    @pytest.mark.parametrize("path", [p for p in CONSISTENCY_PROBES if p != OVERRIDDEN], ids=probe_id)
    def test_probe_verifies_or_is_refused_as_stated(self, path: Path) -> None:
        probe = load(path)
        if probe["wantErr"]:
            with pytest.raises(VerificationError):
                check_consistency_probe(probe)
        else:
            check_consistency_probe(probe)

    def test_refuses_equal_sizes_with_twelve_byte_roots_although_the_probe_accepts_them(self) -> None:
        # Decision (b): every hash must be 32 bytes. The probe's roots are the 12 bytes of "don't care 2".
        probe = load(OVERRIDDEN)
        assert (probe["size1"], probe["size2"], probe["proof"]) == (1, 1, [])
        with pytest.raises(ProofError, match=r"old root has 12 bytes; SHA-256 hashes have 32"):
            check_consistency_probe(probe)

    def test_accepts_equal_sizes_with_equal_full_length_roots(self) -> None:
        verify_consistency(1, 1, [], HASH_A, HASH_A)


class TestVerifyInclusion:
    """verify_inclusion raises with the value and the expectation, and never returns False."""

    def test_accepts_a_valid_proof(self) -> None:
        proof = make_inclusion_proof()
        assert verify_inclusion(proof.leaf_hash, proof.index, proof.size, proof.hashes, proof.root) is None

    def test_rejects_index_beyond_the_tree(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(ProofError, match=r"^index 9 out of range for tree size 8$"):
            verify_inclusion(proof.leaf_hash, 9, 8, proof.hashes, proof.root)

    def test_rejects_negative_index(self) -> None:
        with pytest.raises(ProofError, match=r"^index -1 out of range for tree size 8$"):
            verify_inclusion(HASH_A, -1, 8, [], HASH_A)

    def test_rejects_any_index_in_the_empty_tree(self) -> None:
        with pytest.raises(ProofError, match=r"^index 0 out of range for tree size 0$"):
            verify_inclusion(HASH_A, 0, 0, [], EMPTY_ROOT)

    def test_rejects_proof_with_trailing_hash(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(ProofError, match=r"^inclusion proof has 4 hashes; index 5 in a tree of size 8 needs 3$"):
            verify_inclusion(proof.leaf_hash, 5, 8, [*proof.hashes, HASH_A], proof.root)

    def test_rejects_proof_missing_its_last_hash(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(ProofError, match=r"^inclusion proof has 2 hashes; index 5 in a tree of size 8 needs 3$"):
            verify_inclusion(proof.leaf_hash, 5, 8, proof.hashes[:-1], proof.root)

    def test_rejects_short_leaf_hash(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(ProofError, match=r"^leaf hash has 31 bytes; SHA-256 hashes have 32$"):
            verify_inclusion(proof.leaf_hash[:31], 5, 8, proof.hashes, proof.root)

    def test_rejects_empty_proof_hash(self) -> None:
        proof = make_inclusion_proof()
        hashes = [proof.hashes[0], b"", proof.hashes[2]]
        with pytest.raises(ProofError, match=r"^proof hash 1 has 0 bytes; SHA-256 hashes have 32$"):
            verify_inclusion(proof.leaf_hash, 5, 8, hashes, proof.root)

    def test_rejects_long_root(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(ProofError, match=r"^root has 33 bytes; SHA-256 hashes have 32$"):
            verify_inclusion(proof.leaf_hash, 5, 8, proof.hashes, proof.root + b"\x00")

    def test_wrong_root_raises_root_mismatch_naming_both_roots(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(RootMismatchError) as caught:
            verify_inclusion(proof.leaf_hash, 5, 8, proof.hashes, HASH_A)
        assert caught.value.computed == proof.root
        assert caught.value.expected == HASH_A
        assert str(caught.value) == f"computed root {proof.root.hex()} does not match expected root {HASH_A.hex()}"

    def test_wrong_leaf_raises_root_mismatch(self) -> None:
        proof = make_inclusion_proof()
        with pytest.raises(RootMismatchError):
            verify_inclusion(HASH_A, 5, 8, proof.hashes, proof.root)


class TestVerifyConsistency:
    """verify_consistency raises with the value and the expectation, and never returns False."""

    def test_accepts_a_valid_proof(self) -> None:
        proof = make_consistency_proof()
        assert verify_consistency(6, 8, proof.hashes, proof.old_root, proof.new_root) is None

    def test_refuses_a_proof_from_the_empty_tree(self) -> None:
        with pytest.raises(ProofError, match=r"from the empty tree proves nothing; sizes must be 0 < old < new"):
            verify_consistency(0, 1, [], EMPTY_ROOT, HASH_A)

    def test_refuses_a_proof_from_the_empty_tree_even_with_hashes(self) -> None:
        with pytest.raises(ProofError, match=r"from the empty tree proves nothing"):
            verify_consistency(0, 2, [HASH_A], EMPTY_ROOT, HASH_B)

    def test_accepts_zero_to_zero_with_equal_roots_and_an_empty_proof(self) -> None:
        # Equal sizes only compare the roots (tests/vectors/README.md, decision (a)).
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)

    def test_rejects_old_size_beyond_new_size(self) -> None:
        with pytest.raises(ProofError, match=r"^old size 5 must be between 0 and new size 3$"):
            verify_consistency(5, 3, [], HASH_A, HASH_B)

    def test_rejects_negative_old_size(self) -> None:
        with pytest.raises(ProofError, match=r"^old size -1 must be between 0 and new size 3$"):
            verify_consistency(-1, 3, [], HASH_A, HASH_B)

    def test_rejects_hashes_between_equal_sizes(self) -> None:
        with pytest.raises(ProofError, match=r"^consistency proof between equal sizes 3 must be empty, has 1 hashes$"):
            verify_consistency(3, 3, [HASH_A], HASH_B, HASH_B)

    def test_equal_sizes_with_different_roots_raise_root_mismatch(self) -> None:
        with pytest.raises(RootMismatchError) as caught:
            verify_consistency(3, 3, [], HASH_A, HASH_B)
        assert (caught.value.computed, caught.value.expected) == (HASH_B, HASH_A)

    def test_rejects_proof_with_trailing_hash(self) -> None:
        proof = make_consistency_proof()
        with pytest.raises(ProofError, match=r"^consistency proof has 4 hashes; sizes 6 to 8 need 3$"):
            verify_consistency(6, 8, [*proof.hashes, HASH_A], proof.old_root, proof.new_root)

    def test_rejects_empty_proof_between_different_sizes(self) -> None:
        proof = make_consistency_proof()
        with pytest.raises(ProofError, match=r"^consistency proof has 0 hashes; sizes 6 to 8 need 3$"):
            verify_consistency(6, 8, [], proof.old_root, proof.new_root)

    def test_rejects_short_proof_hash(self) -> None:
        proof = make_consistency_proof()
        hashes = [*proof.hashes[:2], proof.hashes[2][:16]]
        with pytest.raises(ProofError, match=r"^proof hash 2 has 16 bytes; SHA-256 hashes have 32$"):
            verify_consistency(6, 8, hashes, proof.old_root, proof.new_root)

    def test_rejects_empty_new_root(self) -> None:
        proof = make_consistency_proof()
        with pytest.raises(ProofError, match=r"^new root has 0 bytes; SHA-256 hashes have 32$"):
            verify_consistency(6, 8, proof.hashes, proof.old_root, b"")

    def test_wrong_old_root_raises_root_mismatch(self) -> None:
        proof = make_consistency_proof()
        with pytest.raises(RootMismatchError) as caught:
            verify_consistency(6, 8, proof.hashes, HASH_A, proof.new_root)
        assert caught.value.expected == HASH_A

    def test_wrong_new_root_raises_root_mismatch(self) -> None:
        proof = make_consistency_proof()
        with pytest.raises(RootMismatchError) as caught:
            verify_consistency(6, 8, proof.hashes, proof.old_root, HASH_A)
        assert (caught.value.computed, caught.value.expected) == (proof.new_root, HASH_A)


class TestInclusionProof:
    """InclusionProof validates when built and round-trips through its JSON shape."""

    def test_verifies_against_its_own_root(self) -> None:
        make_inclusion_proof().verify()

    def test_verify_raises_for_a_wrong_root(self) -> None:
        with pytest.raises(RootMismatchError):
            make_inclusion_proof(root=HASH_A).verify()

    def test_writes_lowercase_hex_fields(self) -> None:
        proof = make_inclusion_proof()
        assert proof.to_json() == {
            "index": 5,
            "size": 8,
            "leaf_hash": proof.leaf_hash.hex(),
            "root": proof.root.hex(),
            "hashes": [h.hex() for h in proof.hashes],
        }

    def test_round_trips_through_json_text(self) -> None:
        proof = make_inclusion_proof()
        assert InclusionProof.from_json(json.loads(json.dumps(proof.to_json()))) == proof

    def test_round_trips_an_empty_proof(self) -> None:
        proof = InclusionProof(0, 1, HASH_A, HASH_A, ())
        assert InclusionProof.from_json(proof.to_json()) == proof
        proof.verify()

    @pytest.mark.parametrize("field", ["index", "size", "leaf_hash", "root", "hashes"])
    def test_refuses_json_missing_a_field(self, field: str) -> None:
        doc = make_inclusion_proof().to_json()
        del doc[field]
        with pytest.raises(InvalidValueError, match=f"^{field} must be"):
            InclusionProof.from_json(doc)

    def test_refuses_uppercase_hex(self) -> None:
        doc = make_inclusion_proof().to_json()
        doc["root"] = doc["root"].upper()
        with pytest.raises(InvalidValueError, match=r"^root '[0-9A-F]{64}' is not 64 lowercase hex digits$"):
            InclusionProof.from_json(doc)

    def test_refuses_non_hex_digits(self) -> None:
        doc = make_inclusion_proof().to_json()
        doc["leaf_hash"] = "zz" * 32
        with pytest.raises(InvalidValueError, match=r"^leaf_hash 'z{64}' is not 64 lowercase hex digits$"):
            InclusionProof.from_json(doc)

    def test_refuses_hex_with_whitespace_between_digits(self) -> None:
        # bytes.fromhex would skip the spaces and give a 31-byte hash.
        doc = make_inclusion_proof().to_json()
        doc["hashes"][1] = " " + doc["hashes"][1][:62] + " "
        with pytest.raises(InvalidValueError, match=r"^hashes\[1\] .* is not 64 lowercase hex digits$"):
            InclusionProof.from_json(doc)

    def test_refuses_a_short_hex_hash_in_the_list(self) -> None:
        doc = make_inclusion_proof().to_json()
        doc["hashes"][2] = doc["hashes"][2][:-2]
        with pytest.raises(InvalidValueError, match=r"^hashes\[2\] '[0-9a-f]{62}' is not 64 lowercase hex digits$"):
            InclusionProof.from_json(doc)

    def test_refuses_a_hash_list_element_that_is_not_text(self) -> None:
        doc = make_inclusion_proof().to_json()
        doc["hashes"][0] = 7
        with pytest.raises(InvalidValueError, match=r"^hashes\[0\] must be a hex string$"):
            InclusionProof.from_json(doc)

    def test_refuses_hashes_that_are_not_a_list(self) -> None:
        doc = make_inclusion_proof().to_json()
        doc["hashes"] = "".join(doc["hashes"])
        with pytest.raises(InvalidValueError, match=r"^hashes must be a list of hex hashes$"):
            InclusionProof.from_json(doc)

    @pytest.mark.parametrize("value", [-1, True, "5", None])
    def test_refuses_an_index_that_is_not_a_non_negative_integer(self, value: object) -> None:
        doc = make_inclusion_proof().to_json()
        doc["index"] = value
        with pytest.raises(InvalidValueError, match=f"^index must be a non-negative integer, got {value!r}$"):
            InclusionProof.from_json(doc)

    def test_refuses_an_index_outside_the_tree(self) -> None:
        doc = make_inclusion_proof().to_json()
        doc["index"] = 9
        with pytest.raises(InvalidValueError, match=r"^index 9 out of range for tree size 8$"):
            InclusionProof.from_json(doc)

    def test_cannot_be_built_with_a_short_root(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^root has 31 bytes; SHA-256 hashes have 32$"):
            make_inclusion_proof(root=Hash(HASH_A[:31]))


class TestConsistencyProof:
    """ConsistencyProof validates when built and round-trips through its JSON shape."""

    def test_verifies_against_its_own_roots(self) -> None:
        make_consistency_proof().verify()

    def test_verify_raises_for_a_truncated_proof(self) -> None:
        proof = make_consistency_proof()
        with pytest.raises(ProofError, match=r"^consistency proof has 2 hashes; sizes 6 to 8 need 3$"):
            make_consistency_proof(hashes=proof.hashes[:2]).verify()

    def test_writes_lowercase_hex_fields(self) -> None:
        proof = make_consistency_proof()
        assert proof.to_json() == {
            "old": 6,
            "new": 8,
            "old_root": proof.old_root.hex(),
            "new_root": proof.new_root.hex(),
            "hashes": [h.hex() for h in proof.hashes],
        }

    def test_round_trips_through_json_text(self) -> None:
        proof = make_consistency_proof()
        assert ConsistencyProof.from_json(json.loads(json.dumps(proof.to_json()))) == proof

    @pytest.mark.parametrize("field", ["old", "new", "old_root", "new_root", "hashes"])
    def test_refuses_json_missing_a_field(self, field: str) -> None:
        doc = make_consistency_proof().to_json()
        del doc[field]
        with pytest.raises(InvalidValueError, match=f"^{field} must be"):
            ConsistencyProof.from_json(doc)

    def test_refuses_uppercase_hex(self) -> None:
        doc = make_consistency_proof().to_json()
        doc["hashes"][0] = doc["hashes"][0].upper()
        with pytest.raises(InvalidValueError, match=r"^hashes\[0\] '[0-9A-F]{64}' is not 64 lowercase hex digits$"):
            ConsistencyProof.from_json(doc)

    def test_refuses_non_hex_digits(self) -> None:
        doc = make_consistency_proof().to_json()
        doc["new_root"] = "g" + doc["new_root"][1:]
        with pytest.raises(InvalidValueError, match=r"^new_root 'g[0-9a-f]{63}' is not 64 lowercase hex digits$"):
            ConsistencyProof.from_json(doc)

    def test_refuses_a_root_that_is_not_text(self) -> None:
        doc = make_consistency_proof().to_json()
        doc["old_root"] = None
        with pytest.raises(InvalidValueError, match=r"^old_root must be a hex hash, got None$"):
            ConsistencyProof.from_json(doc)

    def test_refuses_old_size_beyond_new_size(self) -> None:
        doc = make_consistency_proof().to_json()
        doc["old"] = 9
        with pytest.raises(InvalidValueError, match=r"^old size 9 must be between 0 and new size 8$"):
            ConsistencyProof.from_json(doc)
