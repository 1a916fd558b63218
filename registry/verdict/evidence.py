"""Which log entries a verdict on a batch cites, and proof of each of them.

`cite` finds the entries through the subject index the registry keeps (`reg_entries`: every entry with what it
is about), so that a verdict cites every entry about each subject it relies on, corrections included. `prove`
proves each cited entry against one signed checkpoint (`registry.verdict.document.Evidence`).

`check_evidence` is what a client does offline with that evidence as JSON and the log's public key. What the entries
mean is `registry.verdict.judge`'s business, which reads them alone.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.core.checkpoint import Checkpoint, open_checkpoint
from ledger.core.encoding import canonical, parse
from ledger.core.errors import EncodingError, InvalidValueError, MissingDataError, ProofError, RootMismatchError
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteVerifier
from ledger.core.proof import InclusionProof
from ledger.store.log import Log
from ledger.store.protocol import ReadView, StoredCheckpoint
from registry.kinds import BATCH_REGISTERED
from registry.state import State
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegBatchInput,
    RegCertification,
    RegEntry,
    RegEvent,
    RegGi,
    RegMark,
    RegProduct,
)
from registry.verdict.document import Evidence, ProvedEntry

MAX_OUTPUTS = 100
"""Outputs cited one step forward; a bulk batch may feed many more (`outputs_truncated` says so)."""

_BATCH_ITSELF = (*BATCH_REGISTERED, "batch.recalled.v1", "correction.v1")
"""What a verdict needs of an input batch: its registration, its recalls, and their corrections."""
_REGISTRATION = (*BATCH_REGISTERED, "correction.v1")


@dataclass
class Citations:
    """The indices of the entries a verdict cites, found through the subject index (`reg_entries`)."""

    state: State
    indices: set[int] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    outputs_truncated: bool = False

    def subject(self, subject: str, kinds: tuple[str, ...] | None = None, *, issuers: bool = False) -> None:
        """Every entry about `subject` (of `kinds` only, when given): its statements and their corrections; with
        `issuers`, the organisations that issued them are named too."""
        for row in self.state.find(RegEntry, subject=subject):
            if kinds is None or row["kind"] in kinds:
                self.indices.add(row["entry"])
                if issuers:
                    self.organisations.add(row["issuer"])

    def close(self) -> None:
        """Cite the registration and updates of every organisation named so far: their names are facts."""
        for org in self.organisations:
            self.subject(f"organisation:{org}")


def cite(state: State, gtin: str, lot: str) -> Citations:
    """The entries a verdict on batch `lot` of `gtin` relies on: every entry about the batch, its product and
    producer (with its GS1 prefix licence), the GIs and marks it claims with the rights behind them, its
    certifications, its inputs one step back and up to MAX_OUTPUTS outputs one step forward, and the
    organisations all these name. Every correction of a cited entry is about the same subject, so it is cited
    too."""
    cited = Citations(state)
    product = state.get(RegProduct, gtin=gtin)
    if product is not None:
        cited.subject(f"product:{gtin}")
        cited.organisations.add(product["producer"])
        if product["licence"]:
            cited.subject(f"licence:{product['licence']}", issuers=True)
    row = state.get(RegBatch, gtin=gtin, lot=lot)
    if row is None:
        cited.close()
        return cited
    cited.subject(f"batch:{gtin}/{lot}", issuers=True)
    for event in state.find(RegEvent, gtin=gtin, lot=lot):
        cited.organisations.update(party for party in (event["source"], event["destination"]) if party)
    for claim in state.find(RegBatchClaim, gtin=gtin, lot=lot):
        cited.subject(f"right:{claim['right']}", issuers=True)
        cited.subject(f"{claim['subject_type']}:{claim['subject_id']}")
        owner = state.get(RegGi, id=claim["subject_id"]) if claim["subject_type"] == "gi" else \
            state.get(RegMark, id=claim["subject_id"])
        if owner is not None:
            cited.organisations.add(owner["manager"] if claim["subject_type"] == "gi" else owner["owner"])
    find = state.find
    for cert in (*find(RegCertification, subject_type="batch", subject_gtin=gtin, subject_lot=lot),
                 *find(RegCertification, subject_type="product", subject_gtin=gtin),
                 *find(RegCertification, subject_type="producer", subject_org=row["producer"])):
        cited.subject(f"certification:{cert['id']}", issuers=True)
    for item in find(RegBatchInput, gtin=gtin, lot=lot):
        source = state.get(RegBatch, gtin=item["input_gtin"], lot=item["input_lot"])
        cited.subject(f"batch:{item['input_gtin']}/{item['input_lot']}", _BATCH_ITSELF)
        cited.subject(f"product:{item['input_gtin']}")
        if source is not None:
            cited.organisations.add(source["producer"])
    outputs = find(RegBatchInput, input_gtin=gtin, input_lot=lot)
    cited.outputs_truncated = len(outputs) > MAX_OUTPUTS
    for item in outputs[:MAX_OUTPUTS]:
        cited.subject(f"batch:{item['gtin']}/{item['lot']}", _REGISTRATION)
        cited.subject(f"product:{item['gtin']}")
    cited.close()
    return cited


def prove(view: ReadView, log: Log, indices: Iterable[int],
          checkpoint: StoredCheckpoint | None = None) -> tuple[Evidence, dict[int, Any]]:
    """Evidence for `indices` against `checkpoint` (default: the latest signed one; a witnessed one carries
    its cosignatures), and the parsed entries by index. A checkpoint too small for the indices is passed over
    for the latest.

    Each proof is checked before it is handed out: a CorruptionError here means the stored
    entries and tree disagree (run `nguon log audit`).
    """
    wanted = sorted(set(indices))
    latest = checkpoint if checkpoint is not None and (not wanted or wanted[-1] < checkpoint.size) \
        else log.checkpoint(view)
    if wanted and wanted[-1] >= latest.size:
        # The projections cite an entry the log does not hold: they and the log disagree.
        raise MissingDataError(f"entry {wanted[-1]} is beyond the latest checkpoint's tree of size {latest.size}")
    items: list[ProvedEntry] = []
    parsed: dict[int, Any] = {}
    for e, proof in log.proven_entries(view, wanted, latest.size):
        parsed[e.index] = parse(e.canonical)
        items.append(ProvedEntry(e.index, e.hash, parsed[e.index], proof))
    return Evidence(latest.note, tuple(items)), parsed


def check_evidence(evidence: Mapping[str, Any], log_key: NoteVerifier) -> Checkpoint:
    """Check a verdict's evidence offline, as any client can; return the checkpoint it is proved against.

    The checkpoint must be signed by `log_key`; every entry must hash (RFC 9162 leaf hash of its RFC 8785
    bytes) to its `hash`, and its proof must lead from that hash at its index to the checkpoint's root and
    size. Raises NoteError, ProofError or RootMismatchError (all ledger VerificationError).
    """
    try:
        checkpoint, _ = open_checkpoint(evidence["checkpoint"], log_key)
        for item in evidence["entries"]:
            proof = InclusionProof.from_json(item["proof"])
            digest = leaf_hash(canonical(item["entry"]))
            if digest.hex() != item["hash"] or digest != proof.leaf_hash:
                raise ProofError(f"entry {item['index']} hashes to {digest.hex()}; the evidence says {item['hash']} "
                                 f"and its proof {proof.leaf_hash.hex()}")
            if item["entry"].get("index") != item["index"] or proof.index != item["index"]:
                raise ProofError(f"entry {item['index']} is stated at index {item['entry'].get('index')} and proved "
                                 f"at {proof.index}; all three must agree")
            if proof.size != checkpoint.size:
                raise ProofError(f"entry {item['index']} is proved in a tree of size {proof.size}; the checkpoint "
                                 f"has size {checkpoint.size}")
            if proof.root != checkpoint.root:
                raise RootMismatchError(proof.root, checkpoint.root)
            proof.verify()
    except (KeyError, TypeError, AttributeError, InvalidValueError, EncodingError) as exc:
        raise ProofError(f"evidence is malformed: {exc!r}") from exc
    return checkpoint
