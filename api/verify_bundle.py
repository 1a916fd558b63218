"""Checking an offline bundle with no network: every tlog-proof under one checkpoint signed by the log key, and the
verdict recomputed from the proved entries.

A bundle (GET /api/v1/bundles/01/{gtin}/10/{lot}) states a verdict (`verdict`) and the facts behind it (`facts`,
the judged document of `registry.verdict.judge`, as of the day `as_of`), and carries one C2SP tlog-proof per entry the
verdict cites, the entry's RFC 8785 bytes in the proof's extra line. Verifying it means: every proof holds under
the same checkpoint, signed by the log key and cosigned by every witness required; then the verdict is judged
again from the proved entries alone, with the same pure function the server uses, and must equal what the
bundle states, facts and all. An edited verdict or fact, an edited or dropped entry, a proof under another
checkpoint: each is refused.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.core.checkpoint import Checkpoint
from ledger.core.cosignature import CosignatureVerifier, open_cosigned_checkpoint
from ledger.core.encoding import parse
from ledger.core.errors import EncodingError, LedgerError, NoteError, VerificationError
from ledger.core.note import NoteVerifier
from ledger.core.tlogproof import TlogProof
from registry.verdict.cited import Cited, CitedError, Logged
from registry.verdict.judge import judge
from registry.verdict.record import Verdict


class BundleError(VerificationError):
    """Proof `position` (from 1) of a bundle failed; `cause` is the ledger's own error."""

    def __init__(self, position: int, cause: LedgerError) -> None:
        self.position = position
        self.cause = cause
        super().__init__(f"proof {position}: {cause}")


class VerdictMismatchError(VerificationError):
    """The verdict or facts a bundle states are not those its entries give."""


@dataclass(frozen=True)
class CheckedEntry:
    index: int
    kind: str
    issuer: str


@dataclass(frozen=True)
class CheckedBundle:
    """A bundle that verified: its checkpoint, its entries, and the verdict they give (equal to the stated one)."""

    checkpoint: Checkpoint
    entries: list[CheckedEntry]
    verdict: Verdict


def _read(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        texts = document["proofs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NoteError(f"{path} is not a bundle (a JSON object with a list of tlog-proofs): {exc}") from exc
    if not isinstance(texts, list) or not texts:
        raise NoteError(f"{path} holds no proofs")
    return document


def _proved(document: dict[str, Any], log_key: NoteVerifier,
            witness_keys: tuple[CosignatureVerifier, ...]) -> tuple[Checkpoint, list[dict[str, Any]]]:
    """The checkpoint every proof is under, and each proved entry, parsed."""
    first: Checkpoint | None = None
    entries = []
    for position, text in enumerate(document["proofs"]):
        try:
            proof = TlogProof.from_text(text)
            checkpoint, _ = proof.verify(log_key)
            cosigned = open_cosigned_checkpoint(proof.checkpoint, log_key, witness_keys)
            entry = parse(proof.extra or b"")
        except (LedgerError, EncodingError) as exc:
            raise BundleError(position + 1, exc) from exc
        except (TypeError, ValueError) as exc:
            raise NoteError(f"proof {position + 1} is not a tlog-proof: {exc}") from exc
        if first is None:
            first = checkpoint
            missing = [w.to_text() for w in witness_keys if w.name not in cosigned.witnesses]
            if missing:
                raise NoteError(f"the checkpoint is not cosigned by witness {', '.join(missing)}")
        elif checkpoint != first:
            raise NoteError(f"proof {position + 1} is under checkpoint size {checkpoint.size}; the bundle's first "
                            f"proof is under size {first.size}")
        if not isinstance(entry, dict) or entry.get("index") != proof.index:
            raise NoteError(f"proof {position + 1} proves index {proof.index}, but its entry says "
                            f"{entry.get('index') if isinstance(entry, dict) else entry!r}")
        entries.append(entry)
    assert first is not None  # noqa: S101  (_read refused a bundle without proofs)
    return first, entries


def _differences(stated: Any, found: Any, where: str = "") -> list[str]:
    """Where two JSON values differ, as paths (the first few)."""
    if isinstance(stated, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(stated) | set(found)):
            out += _differences(stated.get(key), found.get(key), f"{where}.{key}" if where else key)
        return out
    if isinstance(stated, list) and isinstance(found, list) and len(stated) == len(found):
        pairs = enumerate(zip(stated, found, strict=True))
        return [d for i, (a, b) in pairs for d in _differences(a, b, f"{where}[{i}]")]
    return [] if stated == found else [where or "(the whole document)"]


def verify_bundle(path: Path, log_key: NoteVerifier,
                  witness_keys: tuple[CosignatureVerifier, ...] = ()) -> CheckedBundle:
    """Verify every proof of the bundle at `path` and recompute its verdict; raise a VerificationError saying
    which proof failed, or which stated verdict or fact the entries do not give."""
    document = _read(path)
    checkpoint, raw = _proved(document, log_key, witness_keys)
    try:
        cited = Cited(Logged.from_json(entry) for entry in raw)
        gtin, lot, as_of = document["gtin"], document["lot"], document["as_of"]
        verdict = judge(cited, str(gtin), str(lot), today=str(as_of))
    except (CitedError, KeyError, TypeError, ValueError) as exc:
        raise VerdictMismatchError(f"the bundle's entries do not give a verdict: {exc}") from exc
    found = json.loads(json.dumps(verdict.to_json(), ensure_ascii=False))
    if document.get("verdict") != verdict.verdict:
        raise VerdictMismatchError(f"the bundle states the verdict {document.get('verdict')!r}; its entries give "
                                   f"{verdict.verdict!r}")
    differ = _differences(document.get("facts"), found)
    if differ:
        raise VerdictMismatchError(f"the bundle states facts its entries do not give: {', '.join(differ[:5])}")
    entries = [CheckedEntry(e.index, e.kind, e.issuer) for e in cited.entries]
    return CheckedBundle(checkpoint, entries, verdict)
