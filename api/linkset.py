"""The links a GS1 Digital Link resolves to (GS1-Conformant Resolver 1.2): the levels of a code the registry
knows (an item, its batch, the product of its GTIN), one target per GS1 link type at each level, the RFC 9264
linkset that lists them in the shape GS1's linkset schema requires, and the resolver description file; with the
models that document both.

Pure: what the registry knows comes in as `Known`, and nothing here reads a database.
"""

from dataclasses import dataclass
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.digital_link import CodeRequest, DigitalLink

GS1 = "https://ref.gs1.org/voc/"
"""The GS1 Web Vocabulary, the namespace of the `gs1:` link types (GS1-Conformant Resolver 1.2, 2.14)."""
GS1_SPELLINGS = ("gs1:", GS1, "https://gs1.org/voc/", "https://www.gs1.org/voc/", "http://gs1.org/voc/")
"""How a request may name a GS1 link type: the CURIE, or the vocabulary's current or earlier addresses."""
LINKSET_JSON = "application/linkset+json"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
"""GS1's JSON-LD context for linksets, which turns a linkset served as JSON into JSON-LD."""
JSON_LD_CONTEXT = "http://www.w3.org/ns/json-ld#context"
PAGES = "/page"
"""Where a code's page is, `/page/01/…`: its default link, to which the resolver redirects a plain request
(GS1-Conformant Resolver 1.2, 2.6.1), so it is not the code's own URI."""


@dataclass(frozen=True)
class LinkType:
    en: str
    vi: str
    media: str
    languages: tuple[str, ...] = ()
    """The languages of the target (`hreflang`); empty for a target that has none, such as a log's checkpoint."""


LINK_TYPES = {
    "pip": LinkType("Product information page", "Trang thông tin sản phẩm", "text/html", ("vi", "en")),
    "traceability": LinkType("Traceability: the verdict with its evidence",
                             "Truy xuất nguồn gốc: kết luận kèm bằng chứng", "application/json", ("vi", "en")),
    "epcis": LinkType("EPCIS 2.0 events of this batch, with their Event Hash IDs",
                      "Các sự kiện EPCIS 2.0 của lô hàng, kèm mã băm của từng sự kiện", "application/ld+json"),
    "certificationInfo": LinkType("Certifications of this product", "Các chứng nhận của sản phẩm",
                                  "application/json"),
    "verificationService": LinkType("Check the registry's log yourself: its signed checkpoint",
                                    "Tự kiểm chứng sổ cái: điểm kiểm tra đã ký", "text/plain"),
}
"""The GS1 link types this resolver offers, each at the levels `levels` gives it."""


@dataclass(frozen=True)
class Names:
    vi: str
    en: str

    def __getitem__(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


@dataclass(frozen=True)
class Known:
    """What the registry holds for a requested code: the names of the product its GTIN is (None when no product
    has it) and whether the batch its lot names is registered."""

    product: Names | None
    batch: bool = False


@dataclass(frozen=True)
class Level:
    """One level of the tree that has links (GS1-Conformant Resolver 1.2, 2.5.9): its URI (`anchor`), what it
    is (`description`), and the target of each link type it offers; its default link is its `pip`."""

    anchor: str
    description: Names
    targets: dict[str, str]


def base_url(public_url: str) -> str:
    return public_url.rstrip("/")


def page_uri(base: str, path: str) -> str:
    """The page of the code at canonical `path` on `base`: its default link."""
    return f"{base}{PAGES}{path}"


def levels(public_url: str, request: CodeRequest, known: Known) -> list[Level]:
    """The levels of `request` the registry knows, most specific first: the item (a serial of a registered
    batch), the batch, the product; none when no product has the GTIN. A level the registry does not know is
    walked over, so an unknown lot answers with its GTIN's links. Each level's page (`pip`, its default link) is
    under PAGES; its verdict (`traceability`) is the code's own URI asked for JSON."""
    if known.product is None:
        return []
    base, name, gtin = base_url(public_url), known.product, request.gtin14
    found = []
    code = request.code()
    if code is not None and known.batch:
        batch = DigitalLink(gtin, code.lot)
        if code.serial is not None:
            found.append(Level(code.uri(base), Names(f"{name.vi}, lô {code.lot}, số sê-ri {code.serial}",
                                                     f"{name.en}, lot {code.lot}, serial {code.serial}"),
                               {"pip": page_uri(base, code.path()), "traceability": code.uri(base)}))
        found.append(Level(batch.uri(base), Names(f"{name.vi}, lô {code.lot}", f"{name.en}, lot {code.lot}"),
                           {"pip": page_uri(base, batch.path()), "traceability": batch.uri(base),
                            "epcis": f"{base}/api/v1/batches/{gtin}/{quote(code.lot, safe='')}/epcis"}))
    found.append(Level(f"{base}/01/{gtin}", name, {
        "pip": page_uri(base, f"/01/{gtin}"),
        "certificationInfo": f"{base}/api/v1/certifications?subject_gtin={gtin}",
        "verificationService": f"{base}/api/v1/log/checkpoint",
    }))
    return found


def link_type_name(asked: str) -> str:
    """The name of the GS1 link type a request's `linkType` names (`gs1:pip`, its URI, or `pip`)."""
    for spelling in GS1_SPELLINGS:
        if asked.startswith(spelling):
            return asked.removeprefix(spelling)
    return asked


def find(found: list[Level], name: str) -> tuple[Level, str] | None:
    """The most specific level offering link type `name` (`defaultLink` is each level's `pip`), and its target."""
    name = "pip" if name == "defaultLink" else name
    return next(((level, level.targets[name]) for level in found if name in level.targets), None)


def linkset(found: list[Level], language: str) -> dict[str, object]:
    """The RFC 9264 linkset of the levels `found`, one context each, titled in `language`; each level's default
    link carries only its target and title (GS1-Conformant Resolver 1.2, 2.5.8)."""
    contexts: list[dict[str, object]] = []
    for level in found:
        context: dict[str, object] = {"anchor": level.anchor, "itemDescription": level.description[language]}
        for name, target in level.targets.items():
            kind = LINK_TYPES[name]
            link: dict[str, object] = {"href": target, "title": getattr(kind, language), "type": kind.media}
            if kind.languages:
                link["hreflang"] = list(kind.languages)
            context[GS1 + name] = [link]
        context[GS1 + "defaultLink"] = [{"href": level.targets["pip"], "title": getattr(LINK_TYPES["pip"], language)}]
        contexts.append(context)
    return {"linkset": contexts}


class Link(BaseModel):
    """One target (RFC 9264 section 4.2.2, as GS1's linkset schema allows it)."""

    href: str
    title: str
    type: str | None = None
    hreflang: list[str] | None = None


# The anchor, its description, and one member per link type named by its GS1 URI as the linkset writes it; built
# from LINK_TYPES so a new link type is documented as soon as it is served. Every level has a page and a default.
LinkContext = create_model(  # type: ignore[call-overload]  # pydantic types the field specs per call
    "LinkContext",
    __doc__="The links of one level of a code (its `anchor`), by GS1 link type.",
    __config__=ConfigDict(populate_by_name=True),
    anchor=(str, ...),
    itemDescription=(str, ...),
    **{name: (list[Link], Field(alias=GS1 + name)) for name in ("pip", "defaultLink")},
    **{name: (list[Link] | None, Field(default=None, alias=GS1 + name)) for name in LINK_TYPES if name != "pip"},
)


class Linkset(BaseModel):
    """An RFC 9264 linkset (`application/linkset+json`): the levels of the code, most specific first."""

    linkset: list[LinkContext]


class LinkTypeNamespace(BaseModel):
    namespace: str
    prefix: str


class Contact(BaseModel):
    fn: str
    """The operator's name (vCard `fn`)."""


class ResolverDescription(BaseModel):
    """The GS1 resolver description file (`/.well-known/gs1resolver`)."""

    name: str
    resolverRoot: str
    supportedPrimaryKeys: list[str]
    supportedLinkType: list[LinkTypeNamespace]
    linkTypeDefaultCanBeLinkset: bool
    jsonLdContextLocation: str
    contact: Contact


def resolver_description(public_url: str) -> ResolverDescription:
    return ResolverDescription(
        name="Nguồn — traceability and geographical-indication registry",
        resolverRoot=base_url(public_url),
        supportedPrimaryKeys=["01"],
        supportedLinkType=[LinkTypeNamespace(namespace=GS1, prefix="gs1:")],
        linkTypeDefaultCanBeLinkset=False,
        jsonLdContextLocation=LINKSET_CONTEXT,
        contact=Contact(fn="Nguồn registry operator"),
    )
