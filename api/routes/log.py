"""The public log: checkpoint, key, entries and RFC 9162 proofs, in shapes any client can verify."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import PlainTextResponse

from api.deps import ServicesDep, ViewDep
from api.openapi import problem_responses
from api.outputs import ConsistencyProofOut, EntriesOut, EntryOut, ProofOut
from api.problems import ApiProblem
from ledger.core.encoding import MAX_SAFE_INTEGER, parse
from ledger.core.errors import InvalidValueError, ProofError
from ledger.core.tiles import Tile
from ledger.store.tiles import read_tile

MAX_PAGE = 1000
# Indices and tree sizes are JSON integers (at most 2**53 - 1, see ledger.core.encoding); larger ones overflow SQL.
Position = Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER)]
Size = Annotated[int, Query(ge=1, le=MAX_SAFE_INTEGER)]

router = APIRouter(prefix="/api/v1/log", tags=["log"])


@router.get("/checkpoint", response_class=PlainTextResponse, responses=problem_responses(503))
def checkpoint(view: ViewDep, services: ServicesDep) -> PlainTextResponse:
    """The latest published checkpoint (C2SP tlog-checkpoint in a signed note), with the witnesses'
    cosignatures when witnesses are configured."""
    published = services.published(view)
    if published is None:
        if view.head().size == 0:
            services.log.checkpoint(view)  # raises the ledger's "log is empty" error
        raise ApiProblem(503, "checkpoint-not-witnessed", "no checkpoint has been cosigned by the witness quorum "
                         "yet", "chưa có điểm kiểm tra nào được đủ số nhân chứng đồng ký", {"Retry-After": "1"})
    # tlog-tiles: the checkpoint changes with every append; tiles never do.
    return PlainTextResponse(published.note, headers={"Cache-Control": "no-cache"})


@router.get("/key", response_class=PlainTextResponse)
def key(services: ServicesDep) -> PlainTextResponse:
    """The log's verifier key, `name+hexid+base64key` (C2SP signed-note)."""
    return PlainTextResponse(services.log.verifier.to_text() + "\n")


def _item(index: int, hash_: bytes, data: bytes) -> dict[str, Any]:
    return {"index": index, "hash": hash_.hex(), "entry": parse(data)}


@router.get("/entries", response_model=EntriesOut)
def entries(view: ViewDep, start: Position = 0,
            limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> dict[str, Any]:
    """Entries from `start`, each `{"index", "hash", "entry"}`; `next` is where to continue, or null."""
    size = view.head().size
    rows = view.entries(start, min(start + limit, size))
    following = start + len(rows)
    return {"entries": [_item(r.index, r.hash, r.canonical) for r in rows],
            "next": following if following < size else None}


@router.get("/entries/{index}", response_model=EntryOut)
def entry(view: ViewDep, index: Annotated[int, Path(le=MAX_SAFE_INTEGER)]) -> dict[str, Any]:
    """One entry: `entry` is exactly the JSON whose RFC 8785 bytes were hashed."""
    rows = view.entries(index, index + 1) if index >= 0 else []
    if not rows:
        size = view.head().size
        raise ApiProblem(404, "unknown-entry", f"entry {index} does not exist; the log has {size} entries",
                         f"mục {index} không tồn tại; sổ cái có {size} mục")
    return _item(rows[0].index, rows[0].hash, rows[0].canonical)


@router.get("/proof/inclusion", response_model=ProofOut, responses=problem_responses(400))
def inclusion(view: ViewDep, services: ServicesDep, index: Position, size: Size | None = None) -> dict[str, Any]:
    """RFC 9162 inclusion proof of entry `index` in the tree of `size` entries (default: latest checkpoint)."""
    if size is None:
        size = services.log.checkpoint(view).size
    return services.log.inclusion(view, index, size).to_json()


@router.get("/proof/consistency", response_model=ConsistencyProofOut,
            responses=problem_responses(400))
def consistency(view: ViewDep, services: ServicesDep, old: Size, new: Size | None = None) -> dict[str, Any]:
    """RFC 9162 consistency proof from tree size `old` to `new` (default: latest checkpoint)."""
    return services.log.consistency(view, old, new).to_json()


@router.get("/tile/{path:path}", response_class=Response, responses={
    200: {"description": "The tile's hashes, or the bundle's length-prefixed entries",
          "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
    **problem_responses(400)})
def tile(view: ViewDep, path: str) -> Response:
    """C2SP tlog-tiles with `/api/v1/log` as the prefix: `tile/<L>/<N>[.p/<W>]` is a Merkle tree tile,
    `tile/entries/<N>[.p/<W>]` an entry bundle (big-endian uint16 length, then the entry's RFC 8785 bytes).
    Tiles never change, so they may be cached for good; the checkpoint is at `/api/v1/log/checkpoint`."""
    try:
        wanted = Tile.from_path(f"tile/{path}")
    except InvalidValueError as exc:
        raise ApiProblem(400, "tile-path-invalid", str(exc),
                         "đường dẫn không đúng dạng tile/<L>/<N>[.p/<W>] hoặc tile/entries/<N>[.p/<W>] "
                         "(c2sp.org/tlog-tiles)") from exc
    size = view.head().size
    try:
        data = read_tile(view, wanted, size)
    except ProofError as exc:
        raise ApiProblem(404, "tile-not-found", str(exc), f"{wanted.path} vượt quá {size} mục của sổ cái") from exc
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
