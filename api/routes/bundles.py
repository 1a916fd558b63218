"""Offline bundles: everything a verdict relies on, as C2SP tlog-proofs under one signed checkpoint."""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, create_model

from api.deps import ServicesDep, ViewDep
from api.problems import ApiProblem
from ledger.core.encoding import canonical
from ledger.core.tlogproof import TlogProof
from registry.kinds import vietnam_today
from registry.verdict.document import VerdictDocument
from registry.verdict.shapes import FACTS, VERDICT, one_of

router = APIRouter(prefix="/api/v1/bundles", tags=["verification"])

BUNDLE_FORMAT = "c2sp.org/tlog-proof@v1"
BUNDLE = create_model(
    "Bundle", __config__=ConfigDict(extra="forbid", frozen=True),
    __doc__="A batch's verdict and facts as judged on `as_of`, and one C2SP tlog-proof per entry they rest on "
    "(the entry's RFC 8785 bytes in its extra line), all under one signed checkpoint.",
    format=(one_of(BUNDLE_FORMAT), ...), gtin=(str, ...), lot=(str, ...), as_of=(str, ...),
    verdict=(VERDICT, ...), facts=(FACTS, ...), checkpoint=(str, ...), proofs=(list[str], ...))


def bundle_of(document: VerdictDocument) -> dict[str, Any]:
    """The bundle of the verdict document of a registered batch: the verdict and its facts as judged on
    `as_of`, and one tlog-proof per cited entry, the entry in its extra line (see api.verify_bundle)."""
    verdict, checkpoint = document.verdict, document.evidence.checkpoint
    if verdict.batch is None:
        raise ValueError(f"a verdict {verdict.verdict!r} with no batch has no bundle; only a registered batch has one")
    proofs = [TlogProof(item.index, item.proof.hashes, checkpoint, canonical(item.entry)).to_text()
              for item in document.evidence.entries]
    return {"format": BUNDLE_FORMAT, "gtin": verdict.batch.gtin, "lot": verdict.batch.lot, "as_of": verdict.as_of,
            "verdict": verdict.verdict, "facts": verdict.to_json(), "checkpoint": checkpoint, "proofs": proofs}


@router.get("/01/{gtin}/10/{lot:path}", response_model=BUNDLE)
def bundle(view: ViewDep, services: ServicesDep, gtin: str, lot: str) -> Response:
    """The batch's verdict and facts, and the entries it cites, each a C2SP tlog-proof (entry bytes in `extra`)
    against the same signed checkpoint: `nguon verify-bundle` checks every proof and judges the entries again,
    with no network."""
    # A bundle is the evidence of the very verdict a scan of the code shows: one cached verdict serves both.
    document = services.batch_verdict(view, gtin, lot, vietnam_today(), services.published(view)).document
    if document.verdict.batch is None:
        raise ApiProblem(404, "unknown-batch", f"batch {gtin}/{lot} is not registered",
                         f"lô {gtin}/{lot} chưa được đăng ký")
    # Served as built: the model documents the shape; re-encoding through it would only cost time.
    return JSONResponse(bundle_of(document))
