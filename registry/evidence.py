"""What the registry records about one batch, and proof of every entry it comes from.

`gather` reads the projections (a handful of indexed queries) into a `Record`: the batch, its product and
producer, its GI and mark claims with the rights behind them, certifications, events, inputs one step back,
outputs one step forward, the serial asked about, and corrections of any of these. Every fact names the log
index of the entry it comes from (`entry`), and `Record.evidence` proves each such entry against the latest
signed checkpoint:

    {"checkpoint": "<signed note>", "entries": [{"index", "hash", "entry", "proof"}, ...]}

`check_evidence` is what a client does offline with that document and the log's public key. Judging the
facts is `registry.verdict`'s business.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.checkpoint import Checkpoint, open_checkpoint
from ledger.encoding import canonical, parse
from ledger.errors import EncodingError, InvalidValueError, ProofError, RootMismatchError, StoreError
from ledger.hashing import leaf_hash
from ledger.log import Log
from ledger.merkle import NodeId, inclusion_nodes
from ledger.note import NoteVerifier
from ledger.proof import InclusionProof
from ledger.store import ReadView, StoredCheckpoint
from registry.handlers.indications import in_area
from registry.state import Row, State, table_of
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegBatchInput,
    RegCertification,
    RegCorrection,
    RegEvent,
    RegGi,
    RegHistory,
    RegMark,
    RegOrganisation,
    RegProduct,
    RegRight,
    RegRightChange,
    RegSerial,
)

Doc = dict[str, Any]

MAX_OUTPUTS = 100
"""Outputs listed one step forward; a bulk batch may feed many more (`outputs_truncated` says so)."""


def names(row: Row) -> dict[str, str]:
    return {"vi": row["name_vi"], "en": row["name_en"]}


@dataclass
class Record:
    """The facts about one batch, as JSON-ready dicts; `batch` is None when no such batch is registered."""

    gtin: str
    lot: str
    batch: Doc | None = None
    product: Doc | None = None
    producer: Doc | None = None
    origin: Doc | None = None
    claims: list[Doc] = field(default_factory=list)
    certifications: list[Doc] = field(default_factory=list)
    events: list[Doc] = field(default_factory=list)
    inputs: list[Doc] = field(default_factory=list)
    outputs: list[Doc] = field(default_factory=list)
    outputs_truncated: bool = False
    serial: Doc | None = None
    corrections: list[Doc] = field(default_factory=list)
    evidence: Doc = field(default_factory=dict)
    entries: dict[int, Any] = field(default_factory=dict)
    """Parsed evidence entries by log index."""


_CORRECTION = ("entry", "corrected_entry", "replacement", "issuer", "reason")


def _exists(row: Row | None, what: str) -> Row:
    if row is None:
        raise StoreError(f"the projections lack {what}, which another row names; rebuild them with `nguon replay`")
    return row


class _Reader:
    """Reads facts through `State` and remembers the index of every entry they come from."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.indices: set[int] = set()

    def rely(self, *indices: int | None) -> None:
        self.indices.update(i for i in indices if i is not None)

    def history(self, subject_type: str, subject_id: str) -> list[Doc]:
        """Later changes of a registered subject; the verdict relies on them too."""
        rows = self.state.find(RegHistory, subject_type=subject_type, subject_id=subject_id)
        self.rely(*(r["entry"] for r in rows))
        return [{"entry": r["entry"], "action": r["action"]} for r in rows]

    def org(self, org_id: str) -> Doc:
        row = _exists(self.state.get(RegOrganisation, id=org_id), f"organisation {org_id}")
        self.rely(row["entry"])
        self.history("organisation", org_id)
        return {"id": org_id, "names": names(row)}

    def producer(self, org_id: str) -> Doc | None:
        row = self.state.get(RegOrganisation, id=org_id)
        if row is None:
            return None
        self.rely(row["entry"])
        commune = None if row["commune_code"] is None else {"code": row["commune_code"],
                                                            "version": row["commune_version"]}
        return {"id": org_id, "names": names(row), "commune": commune, "entry": row["entry"],
                "history": self.history("organisation", org_id)}

    def product(self, gtin: str) -> Doc | None:
        row = self.state.get(RegProduct, gtin=gtin)
        if row is None:
            return None
        self.rely(row["entry"])
        return {"gtin": gtin, "names": names(row), "unit": row["unit"], "producer": row["producer"],
                "entry": row["entry"]}

    def batch(self, row: Row) -> Doc:
        self.rely(row["entry"], row["recalled_entry"])
        recall = None if row["recalled_entry"] is None else {"entry": row["recalled_entry"]}
        return {"gtin": row["gtin"], "lot": row["lot"], "quantity": row["quantity"], "unit": row["unit"],
                "produced_on": row["produced_on"], "used": row["used"], "serials_issued": row["serials"],
                "recalled": recall is not None, "recall": recall, "entry": row["entry"]}

    def claim(self, claim: Row) -> Doc:
        right = _exists(self.state.get(RegRight, id=claim["right"]), f"right of use {claim['right']}")
        changes = self.state.find(RegRightChange, right=right["id"])
        self.rely(right["entry"], *(c["entry"] for c in changes))
        quota = None if right["quota_quantity"] is None else {
            "quantity": right["quota_quantity"], "unit": right["quota_unit"], "text": right["quota_text"],
            "used": right["quota_used"]}
        right_doc = {"id": right["id"], "holder": right["holder"], "valid_from": right["valid_from"],
                     "valid_until": right["valid_until"], "status_now": right["status"], "quota": quota,
                     "plot": right["plot"], "entry": right["entry"],
                     "changes": [{"action": c["action"], "effective_on": c["effective_on"], "reason": c["reason"],
                                  "entry": c["entry"]} for c in changes]}
        subject_id = claim["subject_id"]
        if claim["subject_type"] == "gi":
            gi = _exists(self.state.get(RegGi, id=subject_id), f"GI {subject_id}")
            self.rely(gi["entry"])
            changes_of_gi = self.history("gi", subject_id)
            return {"type": "gi", "id": subject_id, "names": names(gi), "certificate": gi["certificate"],
                    "application": gi["application"], "status": None, "right": right_doc, "product": gi["product"],
                    "specification": gi["specification"], "manager": self.org(gi["manager"]),
                    "granted_on": gi["granted_on"], "cancelled_on": gi["cancelled_on"], "entry": gi["entry"],
                    "history": changes_of_gi}
        mark = _exists(self.state.get(RegMark, id=subject_id), f"mark {subject_id}")
        self.rely(mark["entry"])
        changes_of_mark = self.history("mark", subject_id)
        return {"type": "mark", "id": subject_id, "names": names(mark), "certificate": mark["certificate"],
                "application": mark["application"], "status": None, "right": right_doc, "mark_type": mark["type"],
                "goods": mark["goods"], "nice_classes": [int(c) for c in mark["nice_classes"].split(",")],
                "owner": self.org(mark["owner"]), "valid_from": mark["valid_from"],
                "valid_until": mark["valid_until"], "cancelled_on": mark["cancelled_on"], "entry": mark["entry"],
                "history": changes_of_mark}

    def origin(self, batch: Row, claims: list[Doc]) -> Doc:
        origin: Doc = {"code": batch["origin_code"], "version": batch["origin_version"], "name": None, "areas": []}
        for claim in claims:
            if claim["type"] != "gi":
                continue
            code, version = batch["origin_code"], batch["origin_version"]
            area = in_area(self.state, claim["id"], code, version, at_entry=batch["entry"])
            now = in_area(self.state, claim["id"], code, version)
            for row in (area, now):
                if row is not None:
                    self.rely(row["added_entry"], row["removed_entry"])
            origin["areas"].append({"gi": claim["id"], "inside": area is not None, "inside_now": now is not None,
                                    "stage": None if area is None else area["stage"]})
            if area is not None and area["commune_name"]:
                origin["name"] = area["commune_name"]
        return origin

    def certification(self, row: Row) -> Doc:
        self.rely(row["entry"], row["revoked_entry"])
        return {"id": row["id"], "subject": row["subject_type"], "certifier": self.org(row["certifier"]),
                "scheme": row["scheme"], "result": row["result"], "valid_from": row["valid_from"],
                "valid_until": row["valid_until"], "revoked": row["revoked_entry"] is not None,
                "revoked_entry": row["revoked_entry"], "document_sha256": row["document_sha256"],
                "entry": row["entry"]}

    def certifications(self, gtin: str, lot: str, producer: str) -> list[Doc]:
        find = self.state.find
        rows = [*find(RegCertification, subject_type="batch", subject_gtin=gtin, subject_lot=lot),
                *find(RegCertification, subject_type="product", subject_gtin=gtin),
                *find(RegCertification, subject_type="producer", subject_org=producer)]
        return [self.certification(r) for r in rows]

    def events(self, gtin: str, lot: str) -> list[Doc]:
        rows = sorted(self.state.find(RegEvent, gtin=gtin, lot=lot), key=lambda e: (e["event_time"], e["entry"]))
        self.rely(*(e["entry"] for e in rows))
        return [{"type": "ObjectEvent", "action": "OBSERVE", "biz_step": e["biz_step"],
                 "disposition": e["disposition"], "event_time": e["event_time"],
                 "place": None if e["place_code"] is None and e["place_name"] is None else
                 {"code": e["place_code"], "version": e["place_version"], "name": e["place_name"]},
                 "source": e["source"], "destination": e["destination"], "issuer": e["issuer"], "note": e["note"],
                 "entry": e["entry"]} for e in rows]

    def inputs(self, gtin: str, lot: str) -> list[Doc]:
        docs = []
        for item in self.state.find(RegBatchInput, gtin=gtin, lot=lot):
            source = _exists(self.state.get(RegBatch, gtin=item["input_gtin"], lot=item["input_lot"]),
                             f"input batch {item['input_gtin']}/{item['input_lot']}")
            product = _exists(self.product(source["gtin"]), f"product {source['gtin']}")
            self.rely(source["entry"], source["recalled_entry"])
            docs.append({"gtin": source["gtin"], "lot": source["lot"], "quantity": item["quantity"],
                         "unit": source["unit"], "names": product["names"], "produced_on": source["produced_on"],
                         "producer": self.org(source["producer"]), "recalled": source["recalled_entry"] is not None,
                         "recalled_entry": source["recalled_entry"], "entry": source["entry"]})
        return docs

    def outputs(self, gtin: str, lot: str) -> tuple[list[Doc], bool]:
        rows = self.state.find(RegBatchInput, input_gtin=gtin, input_lot=lot)
        docs = []
        for item in rows[:MAX_OUTPUTS]:
            made = _exists(self.state.get(RegBatch, gtin=item["gtin"], lot=item["lot"]),
                           f"batch {item['gtin']}/{item['lot']}")
            product = _exists(self.product(made["gtin"]), f"product {made['gtin']}")
            self.rely(made["entry"])
            docs.append({"gtin": made["gtin"], "lot": made["lot"], "quantity": item["quantity"],
                         "names": product["names"], "produced_on": made["produced_on"],
                         "producer": made["producer"], "entry": made["entry"]})
        return docs, len(rows) > MAX_OUTPUTS

    def serial(self, gtin: str, lot: str, serial: str) -> Doc:
        row = self.state.get(RegSerial, gtin=gtin, lot=lot, serial=serial)
        self.rely(None if row is None else row["entry"])
        return {"serial": serial, "issued": row is not None, "entry": None if row is None else row["entry"]}

    def _corrections_of(self, indices: Iterable[int]) -> list[Row]:
        wanted = tuple(sorted(indices))
        if not wanted:
            return []
        connection = self.state.connection
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        # Only placeholder marks are interpolated; one driver statement instead of an expanding IN per call.
        sql = (f"SELECT {', '.join(_CORRECTION)} FROM {table_of(RegCorrection).name} "  # noqa: S608
               f"WHERE corrected_entry IN ({', '.join(mark for _ in wanted)}) ORDER BY entry")
        return [dict(zip(_CORRECTION, r, strict=True)) for r in connection.exec_driver_sql(sql, wanted)]

    def corrections(self) -> list[Doc]:
        """Corrections of the entries relied on so far; a correction itself corrected is marked retracted."""
        found = self._corrections_of(self.indices)
        retractions = {r["corrected_entry"]: r for r in self._corrections_of(c["entry"] for c in found)} \
            if found else {}
        docs = []
        for c in found:
            retraction = retractions.get(c["entry"])
            self.rely(c["entry"], c["replacement"], None if retraction is None else retraction["entry"])
            docs.append({"entry": c["entry"], "corrected_entry": c["corrected_entry"],
                         "replacement": c["replacement"], "issuer": c["issuer"], "reason": c["reason"],
                         "retracted_by": None if retraction is None else
                         {"entry": retraction["entry"], "reason": retraction["reason"]}})
        return docs


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as [start, stop) runs of consecutive indices, so entries are read a run at a time."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def inclusion_proofs(view: ReadView, log: Log, indices: Iterable[int], size: int) -> dict[int, InclusionProof]:
    """`Log.inclusion` of many entries in the tree of `size` entries, reading all their nodes in one query."""
    root = log.root_at(view, size)
    plans = {i: inclusion_nodes(i, size) for i in sorted(set(indices))}
    keys = [k for i, plan in plans.items() for k in (NodeId(0, i).key, *(n.key for n in plan.ids))]
    stored = dict(zip(keys, view.node_hashes(keys), strict=True))
    return {i: InclusionProof(i, size, stored[NodeId(0, i).key], root,
                              tuple(plan.rehash([stored[n.key] for n in plan.ids])))
            for i, plan in plans.items()}


def prove(view: ReadView, log: Log, indices: Iterable[int],
          checkpoint: StoredCheckpoint | None = None) -> tuple[Doc, dict[int, Any]]:
    """Evidence for `indices` against `checkpoint` (default: the latest signed one; a witnessed one carries
    its cosignatures), and the parsed entries by index. A checkpoint too small for the indices is passed over
    for the latest.

    Each proof is checked before it is handed out: a StoreError or RootMismatchError here means the stored
    entries and tree disagree (run `nguon audit`).
    """
    wanted = sorted(set(indices))
    latest = checkpoint if checkpoint is not None and (not wanted or wanted[-1] < checkpoint.size) \
        else log.checkpoint(view)
    if wanted and wanted[-1] >= latest.size:
        raise StoreError(f"entry {wanted[-1]} is beyond the latest checkpoint's tree of size {latest.size}")
    proofs = inclusion_proofs(view, log, wanted, latest.size)
    items: list[Doc] = []
    parsed: dict[int, Any] = {}
    for start, stop in _runs(wanted):
        stored = view.entries(start, stop)
        if [e.index for e in stored] != list(range(start, stop)):
            raise StoreError(f"entries {start} to {stop - 1} are not all stored")
        for e in stored:
            proof = proofs[e.index]
            if proof.leaf_hash != e.hash:
                raise StoreError(f"entry {e.index} has hash {e.hash.hex()}; the tree holds {proof.leaf_hash.hex()}")
            proof.verify()
            parsed[e.index] = parse(e.canonical)
            items.append({"index": e.index, "hash": e.hash.hex(), "entry": parsed[e.index],
                          "proof": proof.to_json()})
    return {"checkpoint": latest.note, "entries": items}, parsed


def gather(view: ReadView, log: Log, state: State, gtin: str, lot: str, serial: str | None = None,
           checkpoint: StoredCheckpoint | None = None) -> Record:
    """Everything the registry records about batch `lot` of `gtin` (or, if there is none, its product)."""
    reader = _Reader(state)
    record = Record(gtin, lot)
    record.product = reader.product(gtin)
    row = state.get(RegBatch, gtin=gtin, lot=lot)
    if row is None:
        if record.product is not None:
            record.producer = reader.producer(record.product["producer"])
    else:
        record.batch = reader.batch(row)
        _exists(record.product, f"product {gtin}")
        record.producer = reader.producer(row["producer"])
        _exists(record.producer, f"organisation {row['producer']}")
        record.claims = [reader.claim(c) for c in state.find(RegBatchClaim, gtin=gtin, lot=lot)]
        record.origin = reader.origin(row, record.claims)
        record.certifications = reader.certifications(gtin, lot, row["producer"])
        record.events = reader.events(gtin, lot)
        record.inputs = reader.inputs(gtin, lot)
        record.outputs, record.outputs_truncated = reader.outputs(gtin, lot)
        if serial is not None:
            record.serial = reader.serial(gtin, lot, serial)
    record.corrections = reader.corrections()
    record.evidence, record.entries = prove(view, log, reader.indices, checkpoint)
    recall = None if record.batch is None else record.batch["recall"]
    if recall is not None:
        statement = record.entries[recall["entry"]]["statement"]
        recall.update(issuer=statement["issuer"], reason=statement["body"]["reason"])
    return record


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
