"""C2SP tlog-proof@v1: text round trip, offline verification, and every refusal."""

import base64

import pytest

from ledger.core.checkpoint import Checkpoint
from ledger.core.errors import NoteError, ProofError, RootMismatchError, UnknownKeyError
from ledger.core.hashing import Hash, leaf_hash
from ledger.core.merkle import CompactRange, NodeId, border_roots, inclusion_path
from ledger.core.note import NoteSigner
from ledger.core.tlogproof import HEADER, TlogProof

SIGNER = NoteSigner.generate("test.nguon/log")
ENTRIES = [f'{{"index":{i}}}'.encode() for i in range(7)]


def make_proof(index: int = 3, **overrides: object) -> TlogProof:
    compact = CompactRange()
    nodes: list[tuple[NodeId, Hash]] = []
    compact.extend([leaf_hash(e) for e in ENTRIES], nodes)
    path = inclusion_path(index, len(ENTRIES), {n.key: h for n, h in nodes}, border_roots(compact))
    note = Checkpoint(SIGNER.name, len(ENTRIES), compact.root()).sign(SIGNER)
    fields: dict[str, object] = {"index": index, "hashes": tuple(path), "checkpoint": note, "extra": ENTRIES[index]}
    fields.update(overrides)
    return TlogProof(**fields)  # type: ignore[arg-type]


class TestTlogProof:
    """A proof names its entry, index and checkpoint, and verifies without a network."""

    def test_text_starts_with_the_header_and_round_trips(self) -> None:
        proof = make_proof()
        text = proof.to_text()
        assert text.startswith(f"{HEADER}\nextra {base64.b64encode(ENTRIES[3]).decode()}\nindex 3\n")
        assert TlogProof.from_text(text) == proof

    def test_verifies_against_the_log_key(self) -> None:
        checkpoint, _ = make_proof().verify(SIGNER.verifier)
        assert checkpoint.size == len(ENTRIES)

    def test_every_index_verifies(self) -> None:
        for index in range(len(ENTRIES)):
            TlogProof.from_text(make_proof(index).to_text()).verify(SIGNER.verifier)

    def test_refuses_another_entry_in_extra(self) -> None:
        with pytest.raises(RootMismatchError):
            make_proof(extra=ENTRIES[4]).verify(SIGNER.verifier)

    def test_refuses_a_moved_index(self) -> None:
        with pytest.raises((ProofError, RootMismatchError)):
            make_proof(index=4, hashes=make_proof(3).hashes, extra=ENTRIES[3]).verify(SIGNER.verifier)

    def test_refuses_a_checkpoint_signed_by_another_key(self) -> None:
        with pytest.raises(UnknownKeyError):
            make_proof().verify(NoteSigner.generate("test.nguon/log").verifier)

    def test_refuses_a_proof_without_its_entry(self) -> None:
        with pytest.raises(ProofError, match="no entry"):
            make_proof(extra=None).verify(SIGNER.verifier)

    @pytest.mark.parametrize(("text", "message"), [
        ("c2sp.org/tlog-proof@v2\nindex 0\n\nx", "expected 'c2sp.org/tlog-proof@v1'"),
        (f"{HEADER}\nextra !!\nindex 0\n\nx", "not standard base64"),
        (f"{HEADER}\nindex 01\n\nx", "leading zeros"),
        (f"{HEADER}\nindex １\n\nx", "not a decimal"),
        (f"{HEADER}\nindex {'9' * 21}\n\nx", "at most 20 digits"),
        (f"{HEADER}\nindex {'9' * 5000}\n\nx", "at most 20 digits"),
        (f"{HEADER}\n\nx", "index N"),
        (f"{HEADER}\nindex 0\nAAAA\n\nx", "32"),
        (f"{HEADER}\nindex 0", "blank line"),
    ])
    def test_refuses_malformed_text(self, text: str, message: str) -> None:
        with pytest.raises(NoteError, match=message):
            TlogProof.from_text(text)
