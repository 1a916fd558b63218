"""Checking an offline bundle with no network: every tlog-proof under one checkpoint signed by the log key."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.checkpoint import Checkpoint
from ledger.cosignature import CosignatureVerifier, open_cosigned_checkpoint
from ledger.encoding import parse
from ledger.errors import LedgerError, NoteError, VerificationError
from ledger.note import NoteVerifier
from ledger.tlogproof import TlogProof


class BundleError(VerificationError):
    """Proof `position` (from 1) of a bundle failed; `cause` is the ledger's own error."""

    def __init__(self, position: int, cause: LedgerError) -> None:
        self.position = position
        self.cause = cause
        super().__init__(f"proof {position}: {cause}")


@dataclass(frozen=True)
class CheckedEntry:
    index: int
    kind: str
    issuer: str


def verify_bundle(path: Path, log_key: NoteVerifier,
                  witness_keys: tuple[CosignatureVerifier, ...] = ()) -> tuple[Checkpoint, list[CheckedEntry]]:
    """Verify every proof of the bundle at `path`; raise a LedgerError saying which proof failed and why.

    All proofs must carry the same checkpoint; each witness key given must have cosigned it (C2SP
    tlog-cosignature).
    """
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        texts = document["proofs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NoteError(f"{path} is not a bundle (a JSON object with a list of tlog-proofs): {exc}") from exc
    if not isinstance(texts, list) or not texts:
        raise NoteError(f"{path} holds no proofs")
    checked: list[CheckedEntry] = []
    first: Checkpoint | None = None
    for position, text in enumerate(texts):
        try:
            proof = TlogProof.from_text(text)
            checkpoint, _ = proof.verify(log_key)
            cosigned = open_cosigned_checkpoint(proof.checkpoint, log_key, witness_keys)
        except LedgerError as exc:
            raise BundleError(position + 1, exc) from exc
        if first is None:
            first = checkpoint
            missing = [w.to_text() for w in witness_keys if w.name not in cosigned.witnesses]
            if missing:
                raise NoteError(f"the checkpoint is not cosigned by witness {', '.join(missing)}")
        elif checkpoint != first:
            raise NoteError(f"proof {position + 1} is under checkpoint size {checkpoint.size}; the bundle's first "
                            f"proof is under size {first.size}")
        entry = parse(proof.extra or b"")
        checked.append(CheckedEntry(proof.index, entry["statement"]["kind"], entry["statement"]["issuer"]))
    assert first is not None  # noqa: S101  (texts is non-empty)
    return first, checked
