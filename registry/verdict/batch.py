"""The verdict document a consumer sees on scanning the QR code of a batch or of one item.

`verify_batch` finds the entries the verdict cites (`registry.verdict.evidence.cite`), proves each against one signed
checkpoint, and judges them with `registry.verdict.judge.judge`, the pure function that `nguon verify-bundle` runs on a
bundle's entries too. The result is a `registry.verdict.document.VerdictDocument`: the judged verdict with its
evidence (the checkpoint and an inclusion proof for every cited entry) and `outputs_truncated`.
"""

from datetime import date

from ledger.store.log import Log
from ledger.store.protocol import StoredCheckpoint
from ledger.store.sql import SqlView
from registry.state import State
from registry.verdict.checks import VERDICTS
from registry.verdict.cited import Cited, Logged
from registry.verdict.claims import claim_status
from registry.verdict.document import VerdictDocument
from registry.verdict.evidence import cite, prove
from registry.verdict.judge import judge
from registry.verdict.record import ScanStats

__all__ = ["VERDICTS", "ScanStats", "VerdictDocument", "claim_status", "verify_batch"]


def verify_batch(view: SqlView, log: Log, gtin: str, lot: str, *, serial: str | None = None,
                 scans: ScanStats | None = None, today: date,
                 checkpoint: StoredCheckpoint | None = None) -> VerdictDocument:
    """The verdict document for batch `lot` of `gtin` (and item `serial` of it, if given) on `today`.

    The projections are read on `view`'s own connection, so they and the checkpoint proved against describe
    the same log. Raises a ledger CorruptionError only when the stored log or projections are
    damaged. `checkpoint` (e.g. the latest witnessed one, its cosignatures appended) is what the evidence
    proves against when it covers every entry cited.
    """
    citations = cite(State(view.connection), gtin, lot)
    evidence, entries = prove(view, log, citations.indices, checkpoint)
    cited = Cited(Logged.from_json(entry) for entry in entries.values())
    verdict = judge(cited, gtin, lot, today=today.isoformat(), serial=serial, scans=scans)
    return VerdictDocument(verdict, citations.outputs_truncated, evidence)
