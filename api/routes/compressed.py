"""Compressed GS1 Digital Link requests (GS1-Conformant Resolver 1.2: a resolver "SHALL be able to decompress a
URI", and exposes the uncompressed URI in a Link header with rel owl:sameAs).

`/{segment}`, where the segment `api.compressed.looks_compressed` recognises, answers a 307 to the uncompressed
URI (the request's query kept) with `Link: <uncompressed>; rel="owl:sameAs"`; the resolver then answers that URI
as any other (a partly compressed one, `/01/{gtin}/{segment}`, is the resolver's: api/routes/resolver.py). A
segment that does not decode is a 400 like the resolver's others (a problem, or a page for
browsers). Any other single segment is not found. This router is registered after every other route of the app,
so it answers only paths no other route serves.
"""

from fastapi import APIRouter, HTTPException, Request, Response

from api.compressed import CompressedLinkError, decompress, looks_compressed
from api.deps import ServicesDep
from api.pages.consumer import wants_language
from api.routes.resolver import refused, same_as

router = APIRouter(tags=["resolver"])


@router.get("/{segment}", include_in_schema=False)
def resolve_compressed(request: Request, services: ServicesDep, segment: str) -> Response:
    """307 to the uncompressed Digital Link of a compressed one, or 400 if it does not decode."""
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("ascii", "replace")
    if not looks_compressed(raw):
        raise HTTPException(404, "Not Found")
    query = f"?{request.url.query}" if request.url.query else ""
    try:
        return same_as(services, decompress(raw + query))
    except CompressedLinkError as exc:
        return refused(request, exc, wants_language(request, request.query_params.get("lang")))


@router.head("/{segment}", include_in_schema=False)
def resolve_compressed_head(request: Request, services: ServicesDep, segment: str) -> Response:
    answer = resolve_compressed(request, services, segment)
    return Response(status_code=answer.status_code, headers=dict(answer.headers))
