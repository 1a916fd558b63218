"""Product images: a producer uploads one (its bytes, with its token), and names its SHA-256 in a product statement;
anyone fetches it by that hash.

The type of an upload is what its first bytes say (PNG, JPEG or WebP); a Content-Type that says otherwise is
refused, never believed. What a hash names cannot change, so an image is served to be cached for good, and with
`nosniff` and a sandboxing policy so that no browser reads it as anything but the image it is.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status
from pydantic import BaseModel

from api.deps import OrganisationDep, ServicesDep, ViewDep
from api.openapi import problem_responses
from api.problems import ApiProblem
from registry import images

router = APIRouter(prefix="/api/v1", tags=["images"])

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_SHA256 = re.compile(r"[0-9a-f]{64}")
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff",
             "Content-Security-Policy": "default-src 'none'; sandbox"}


class ImageOut(BaseModel):
    """An image the registry keeps: name its `sha256` as a product's `image`."""

    sha256: str
    media_type: str
    width: int
    height: int
    url: str
    """Where it is served, a path on the registry's base URL."""


def _declared(request: Request) -> str | None:
    """The media type the client declares, if it declares one that says anything."""
    value = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return None if value in ("", "application/octet-stream") else value


@router.post("/images", status_code=status.HTTP_201_CREATED, response_model=ImageOut,
             responses={200: {"description": "The image was kept already", "model": ImageOut},
                        **problem_responses(415)},
             openapi_extra={"requestBody": {"required": True,
                                            "content": {media: _BINARY for media in images.MEDIA_TYPES}}})
def upload(request: Request, response: Response, organisation: OrganisationDep, services: ServicesDep,
           data: Annotated[bytes, Body(media_type="application/octet-stream")]) -> ImageOut:
    """Upload a product image: PNG, JPEG or WebP, at most 512 KiB and 4096 pixels a side, the bytes as the body
    (a producer's token). 201 with its SHA-256, or 200 when it was kept already."""
    try:
        image, new = services.registry.store_image(organisation, data, _declared(request))
    except images.ImageError as exc:
        raise ApiProblem(exc.status, exc.code, exc.en, exc.vi) from exc
    if not new:
        response.status_code = status.HTTP_200_OK
    return ImageOut(sha256=image.sha256, media_type=image.media_type, width=image.width, height=image.height,
                    url=images.image_url(image.sha256))


@router.get("/images/{sha256}", response_class=Response, responses={
    200: {"description": "The image's bytes, cacheable for good", "content": {m: _BINARY for m in images.MEDIA_TYPES}}})
def image(view: ViewDep, sha256: str) -> Response:
    """The image whose bytes have this SHA-256 (64 lowercase hex digits)."""
    found = images.load(view.connection, sha256) if _SHA256.fullmatch(sha256) else None
    if found is None:
        raise ApiProblem(404, "unknown-image", f"no image with SHA-256 {sha256[:64]} is kept here",
                         f"không có ảnh nào mang mã SHA-256 {sha256[:64]}")
    media_type, data = found
    return Response(data, media_type=media_type, headers={**IMMUTABLE, "ETag": f'"{sha256}"'})
