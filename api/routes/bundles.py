"""Offline bundles: everything a verdict relies on, as C2SP tlog-proofs under one signed checkpoint."""

from typing import Any

from fastapi import APIRouter

from api.deps import ServicesDep, ViewDep
from api.problems import ApiProblem
from ledger.core.encoding import canonical
from ledger.core.hashing import hash_from_hex
from ledger.core.tlogproof import TlogProof
from registry.kinds import vietnam_today

router = APIRouter(prefix="/api/v1/bundles", tags=["verification"])

BUNDLE_FORMAT = "c2sp.org/tlog-proof@v1"


def bundle_of(document: dict[str, Any]) -> dict[str, Any]:
    """The bundle of a verdict document: the verdict and its facts as judged on `as_of`, and one tlog-proof per
    cited entry, the entry in its extra line (see api.verify_bundle)."""
    checkpoint = document["evidence"]["checkpoint"]
    proofs = []
    for item in document["evidence"]["entries"]:
        hashes = tuple(hash_from_hex(h, "proof hash") for h in item["proof"]["hashes"])
        proofs.append(TlogProof(item["index"], hashes, checkpoint, canonical(item["entry"])).to_text())
    facts = {k: v for k, v in document.items() if k not in ("evidence", "outputs_truncated")}
    return {"format": BUNDLE_FORMAT, "gtin": document["batch"]["gtin"], "lot": document["batch"]["lot"],
            "as_of": document["as_of"], "verdict": document["verdict"], "facts": facts, "checkpoint": checkpoint,
            "proofs": proofs}


@router.get("/01/{gtin}/10/{lot:path}")
def bundle(view: ViewDep, services: ServicesDep, gtin: str, lot: str) -> dict[str, Any]:
    """The batch's verdict and facts, and the entries it cites, each a C2SP tlog-proof (entry bytes in `extra`)
    against the same signed checkpoint: `nguon verify-bundle` checks every proof and judges the entries again,
    with no network."""
    # A bundle is the evidence of the very verdict a scan of the code shows: one cached verdict serves both.
    document = services.batch_verdict(view, gtin, lot, vietnam_today(), services.published(view)).document
    if document["batch"] is None:
        raise ApiProblem(404, "unknown-batch", f"batch {gtin}/{lot} is not registered",
                         f"lô {gtin}/{lot} chưa được đăng ký")
    return bundle_of(document)
