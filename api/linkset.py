"""The links a GS1 Digital Link resolves to (GS1-Conformant Resolver 1.2): one target per GS1 link type, the
RFC 9264 linkset that lists them, and the resolver description file; with the models that document both."""

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.digital_link import DigitalLink

GS1 = "https://gs1.org/voc/"
LINKSET_JSON = "application/linkset+json"
LINK_TYPES = {
    "pip": ("Product information page", "Trang thông tin sản phẩm", "text/html"),
    "traceability": ("Traceability: the verdict with evidence", "Truy xuất nguồn gốc: kết luận và bằng chứng",
                     "application/json"),
    "certificationInfo": ("Certifications of this product", "Chứng nhận của sản phẩm", "application/json"),
    "verificationService": ("Verify the registry's log offline: signed checkpoint",
                            "Tự kiểm chứng sổ cái: điểm kiểm tra đã ký", "text/plain"),
    "epcis": ("EPCIS 2.0 events of this batch, with their Event Hash IDs",
              "Các sự kiện EPCIS 2.0 của lô hàng, kèm mã băm sự kiện", "application/ld+json"),
}


def base_url(public_url: str) -> str:
    return public_url.rstrip("/")


def targets(public_url: str, link: DigitalLink) -> dict[str, str]:
    """The target of each link type for the code `link`."""
    base = base_url(public_url)
    uri = link.uri(base)
    return {
        "pip": uri,
        "traceability": uri,
        "certificationInfo": f"{base}/api/v1/certifications?subject_gtin={link.gtin14}",
        "verificationService": f"{base}/api/v1/log/checkpoint",
        "epcis": f"{base}/api/v1/batches/{link.gtin14}/{quote(link.lot, safe='')}/epcis",
    }


def linkset(public_url: str, link: DigitalLink) -> dict[str, Any]:
    """RFC 9264 linkset for one code: the anchor and one target per GS1 link type."""
    found = targets(public_url, link)
    entry: dict[str, Any] = {"anchor": link.uri(base_url(public_url))}
    for name, (title_en, title_vi, media) in LINK_TYPES.items():
        entry[GS1 + name] = [{"href": found[name], "title": title_en, "title*": [{"value": title_vi,
                                                                                  "language": "vi"}],
                              "type": media, "hreflang": ["vi", "en"]}]
    entry[GS1 + "defaultLink"] = [{"href": found["pip"], "title": LINK_TYPES["pip"][0], "type": "text/html"}]
    return {"linkset": [entry]}


class LinkTitle(BaseModel):
    """An RFC 8288 `title*`: the title in another language."""

    value: str
    language: str


class Link(BaseModel):
    """One target (RFC 9264 section 4.2.2)."""

    model_config = ConfigDict(populate_by_name=True)

    href: str
    title: str
    title_in: list[LinkTitle] | None = Field(default=None, alias="title*")
    type: str
    hreflang: list[str] | None = None


# One member per link type, named by its GS1 URI as the linkset writes it; built from LINK_TYPES so a new
# link type is documented as soon as it is served.
LinkContext = create_model(  # type: ignore[call-overload]  # pydantic types the field specs per call
    "LinkContext",
    __doc__="The links of one code (its `anchor`), by GS1 link type.",
    anchor=(str, ...),
    **{name: (list[Link], Field(alias=GS1 + name)) for name in (*LINK_TYPES, "defaultLink")},
)


class Linkset(BaseModel):
    """An RFC 9264 linkset (`application/linkset+json`)."""

    linkset: list[LinkContext]


class LinkTypeNamespace(BaseModel):
    namespace: str
    prefix: str


class Contact(BaseModel):
    name: str


class ResolverDescription(BaseModel):
    """The GS1 resolver description file (`/.well-known/gs1resolver`)."""

    name: str
    resolverRoot: str
    supportedPrimaryKeys: list[str]
    supportedLinkType: list[LinkTypeNamespace]
    linkTypeDefaultCanBeLinkset: bool
    supportedContextValuesEnumerated: list[str]
    contact: Contact


def resolver_description(public_url: str) -> ResolverDescription:
    return ResolverDescription(
        name="Nguồn — traceability and geographical-indication registry",
        resolverRoot=base_url(public_url),
        supportedPrimaryKeys=["01"],
        supportedLinkType=[LinkTypeNamespace(namespace=GS1, prefix="gs1:")],
        linkTypeDefaultCanBeLinkset=False,
        supportedContextValuesEnumerated=[],
        contact=Contact(name="Nguồn registry operator"),
    )
