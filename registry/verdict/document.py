"""The verdict document: the judged verdict on a batch with the evidence behind it, one frozen value.

`registry.verdict.batch.verify_batch` builds a `VerdictDocument` once; the resolver, the consumer page, a
bundle and the CLI read its attributes, and `VerdictDocument.to_json` is the JSON the resolver serves:

    {**Verdict.to_json(), "outputs_truncated": bool,
     "evidence": {"checkpoint": "<signed note>", "entries": [{"index", "hash", "entry", "proof"}, ...]}}
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import InvalidValueError
from ledger.core.hashing import Hash
from ledger.core.proof import InclusionProof
from registry.verdict.record import Verdict


@dataclass(frozen=True)
class ProvedEntry:
    """One cited entry as the log serves it (`entry`, parsed JSON, not to be changed), its leaf hash, and
    its inclusion proof under the evidence's checkpoint."""

    index: int
    hash: Hash
    entry: Mapping[str, Any]
    proof: InclusionProof

    def __post_init__(self) -> None:
        if (self.proof.index, self.proof.leaf_hash) != (self.index, self.hash):
            raise InvalidValueError(f"entry {self.index} with hash {self.hash.hex()} has a proof of entry "
                                    f"{self.proof.index} with hash {self.proof.leaf_hash.hex()}; they must agree")

    @property
    def kind(self) -> str:
        """The statement kind of the entry."""
        return str(self.entry["statement"]["kind"])

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "hash": self.hash.hex(), "entry": self.entry, "proof": self.proof.to_json()}


@dataclass(frozen=True)
class Evidence:
    """The signed checkpoint (its note, cosignatures included) and every cited entry proved under it."""

    checkpoint: str
    entries: tuple[ProvedEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint, "entries": [e.to_json() for e in self.entries]}


@dataclass(frozen=True)
class VerdictDocument:
    """A verdict with its evidence, and whether the outputs it lists were cut short."""

    verdict: Verdict
    outputs_truncated: bool
    evidence: Evidence

    def to_json(self) -> dict[str, Any]:
        """The document as the resolver serves it (`Accept: application/json`)."""
        return {**self.verdict.to_json(), "outputs_truncated": self.outputs_truncated,
                "evidence": self.evidence.to_json()}
