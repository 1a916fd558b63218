"""The facts a verdict states about a batch's parties and product, as frozen values built from the entries it cites.

Organisations, products with their GS1 prefix licence, recalls, a batch's registration, and the history of
retracted statements; `registry.verdict.rights` holds the GIs and marks a batch claims, the rights of use
behind them, and certifications. Each builder reads a `Cited` (no database) and every fact names the log index
of the entry it comes from (`entry`). `plain` turns facts into the JSON the verdict document carries.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from registry import places
from registry.images import image_url
from registry.kinds import (
    BATCH_REGISTERED,
    ORGANISATION_REGISTERED,
    ORGANISATION_UPDATED,
    PRODUCT_REGISTERED,
    PRODUCT_UPDATED,
)
from registry.schemas import (
    BatchRecalled,
    BatchRegistered,
    Correction,
    OrganisationRegistered,
    OrganisationRegisteredV2,
    OrganisationUpdated,
    OrganisationUpdatedV2,
    PrefixLicensed,
    PrefixRevoked,
    ProductRegistered,
    ProductRegisteredV2,
    ProductUpdated,
)
from registry.schemas import Texts as TextsBody
from registry.values import numbered_under
from registry.verdict.cited import Cited, Logged


def equals(field: str, value: object) -> Callable[[Any], bool]:
    """A predicate on statement bodies: `field` equals `value`."""
    return lambda body: bool(getattr(body, field) == value)


@cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def plain(value: Any) -> Any:
    """Facts as JSON values: dataclasses as objects, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _names(type(value))}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Names:
    vi: str
    en: str


@dataclass(frozen=True)
class Place:
    """A commune as a statement cites it (code and list version), named from the administrative list it cites
    (`registry.places`): `name` already says what it is ("Xã Bát Tràng", "Đặc khu Phú Quốc"); `province` is the
    code of its province from 1 July 2025 and `province_name` that province's name. Names are None for a code
    the list does not have."""

    code: str
    version: str
    name: str | None = None
    province: str | None = None
    province_name: str | None = None


def place(code: str, version: str) -> Place:
    """The commune `code` of the list in force on `version`, with its name and province's."""
    found = places.commune(code, version)
    if found is None:
        return Place(code, version)
    province = places.provinces().get(found.province)
    return Place(code, version, found.name, found.province, None if province is None else province.name)


@dataclass(frozen=True)
class Texts:
    """A text in Vietnamese and in English."""

    vi: str
    en: str


@dataclass(frozen=True)
class Change:
    entry: int
    action: str


@dataclass(frozen=True)
class Address:
    """Where an organisation is: the street as it gave it (house number, street, village), and the names of its
    commune and province in the administrative list its commune cites."""

    street: str | None
    commune: str | None
    province: str | None


def _address(commune: Place | None, street: str | None) -> Address | None:
    return None if commune is None else Address(street, commune.name, commune.province_name)


@dataclass(frozen=True)
class Organisation:
    id: str
    names: Names | None
    """None when the organisation's registration is not among the cited entries."""
    commune: Place | None = None
    entry: int | None = None
    history: tuple[Change, ...] = ()
    address: Address | None = None
    tax_code: str | None = None
    business_registration: str | None = None


def organisation(cited: Cited, org_id: str) -> Organisation:
    """An organisation as its registration and later updates describe it (a new commune replaces the address
    whole, street included)."""
    found = cited.first(ORGANISATION_REGISTERED, OrganisationRegistered, lambda b: b.id == org_id)
    if found is None:
        return Organisation(org_id, None)
    entry, body = found
    names = Names(body.names.vi, body.names.en)
    commune = None if body.commune is None else place(body.commune.code, body.commune.version)
    street, identifiers = _identity(body, None, {})
    history = []
    for update, changes in cited.all(ORGANISATION_UPDATED, OrganisationUpdated, lambda b: b.id == org_id):
        if changes.names is not None:
            names = Names(changes.names.vi, changes.names.en)
        if changes.commune is not None:
            commune = place(changes.commune.code, changes.commune.version)
            street = None
        street, identifiers = _identity(changes, street, identifiers)
        history.append(Change(update.index, "updated"))
    return Organisation(org_id, names, commune, entry.index, tuple(history), _address(commune, street),
                        identifiers.get("tax_code"), identifiers.get("business_registration"))


def _identity(body: OrganisationRegistered | OrganisationUpdated, street: str | None,
              identifiers: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """The street and identifiers after `body`, which gives them only in its second version."""
    if not isinstance(body, OrganisationRegisteredV2 | OrganisationUpdatedV2):
        return street, identifiers
    given = {"tax_code": body.tax_code, "business_registration": body.business_registration}
    return body.street or street, {**identifiers, **{k: v for k, v in given.items() if v is not None}}


@dataclass(frozen=True)
class Licence:
    id: str
    prefix: str
    licensee: str
    agency: Organisation
    valid_from: str
    valid_until: str | None
    revoked_on: str | None
    entry: int


@dataclass(frozen=True)
class Image:
    sha256: str
    url: str
    """Where the registry serves it, a path on its base URL."""


@dataclass(frozen=True)
class Product:
    gtin: str
    names: Names
    unit: str
    producer: str
    entry: int
    licence: Licence | None
    image: Image | None = None
    shelf_life_days: int | None = None
    standards: tuple[str, ...] = ()
    usage: Texts | None = None
    warnings: Texts | None = None
    history: tuple[Change, ...] = ()
    """Its updates (`product.updated.v2`), oldest first."""
    updated_on: str | None = None
    """The day in Viet Nam of its latest update: since then the product reads as it does here."""


def _texts(body: TextsBody | None) -> Texts | None:
    return None if body is None else Texts(body.vi, body.en)


def _updated(made: Product, changes: ProductUpdated) -> Product:
    """`made` with what an update gives; a field it leaves out stays."""
    new: dict[str, Any] = {}
    if changes.names is not None:
        new["names"] = Names(changes.names.vi, changes.names.en)
    if changes.unit is not None:
        new["unit"] = changes.unit
    if changes.image is not None:
        new["image"] = Image(changes.image, image_url(changes.image))
    if changes.shelf_life_days is not None:
        new["shelf_life_days"] = changes.shelf_life_days
    if changes.standards is not None:
        new["standards"] = tuple(changes.standards)
    if changes.usage is not None:
        new["usage"] = _texts(changes.usage)
    if changes.warnings is not None:
        new["warnings"] = _texts(changes.warnings)
    return dataclasses.replace(made, **new)


def product(cited: Cited, gtin: str, before: int | None = None) -> Product | None:
    """The product as its registration and its updates describe it: every cited update, or with `before` only
    those logged before that entry (what the product was when a batch was registered, the label it was made
    under). Updates are not retractable (`registry.handlers.corrections`), so every one is in effect."""
    found = cited.first(PRODUCT_REGISTERED, ProductRegistered, lambda b: b.gtin == gtin)
    if found is None:
        return None
    entry, body = found
    licence = None
    for granted, terms in cited.all("prefix.licensed.v1", PrefixLicensed,
                                    lambda b: b.licensee == entry.issuer and numbered_under(gtin, b.prefix)):
        revoked = cited.first("prefix.revoked.v1", PrefixRevoked, equals("licence", terms.id))
        licence = Licence(terms.id, terms.prefix, terms.licensee, organisation(cited, granted.issuer),
                          terms.valid_from, terms.valid_until, None if revoked is None else revoked[1].effective_on,
                          granted.index)
        break
    made = Product(gtin, Names(body.names.vi, body.names.en), body.unit, entry.issuer, entry.index, licence)
    if isinstance(body, ProductRegisteredV2):
        made = dataclasses.replace(
            made, image=None if body.image is None else Image(body.image, image_url(body.image)),
            shelf_life_days=body.shelf_life_days, standards=tuple(body.standards), usage=_texts(body.usage),
            warnings=_texts(body.warnings))
    # The registry refuses an update by anyone but the producer; a verifier of cited entries checks it again.
    for update, changes in cited.all(PRODUCT_UPDATED, ProductUpdated, lambda b: b.gtin == gtin):
        if update.issuer != entry.issuer or (before is not None and update.index >= before):
            continue
        made = dataclasses.replace(_updated(made, changes), history=(*made.history, Change(update.index, "updated")),
                                   updated_on=update.day)
    return made


@dataclass(frozen=True)
class Recall:
    entry: int
    issuer: str
    reason: str
    on: str


def recall(cited: Cited, gtin: str, lot: str) -> Recall | None:
    """The earliest recall of the batch in effect."""
    for entry, body in cited.live("batch.recalled.v1", BatchRecalled, lambda b: (b.gtin, b.lot) == (gtin, lot)):
        return Recall(entry.index, entry.issuer, body.reason, entry.day)
    return None


def batch_registration(cited: Cited, gtin: str, lot: str) -> tuple[Logged, BatchRegistered] | None:
    return cited.first(BATCH_REGISTERED, BatchRegistered, lambda b: (b.gtin, b.lot) == (gtin, lot))


@dataclass(frozen=True)
class Retraction:
    entry: int
    issuer: str
    reason: str
    on: str
    authority: bool
    """Made by an authority governing the subject, not by the retracted entry's own issuer."""


@dataclass(frozen=True)
class Retracted:
    """A statement that has no effect, what it was, and the corrections in effect that retract it."""

    entry: int
    kind: str
    issuer: str
    said_on: str
    retracted_by: tuple[Retraction, ...]


def history(cited: Cited) -> list[Retracted]:
    """Every cited statement that is retracted (corrections included: a correction itself retracted is what was
    said and taken back), with who retracted it and why."""
    found = []
    for entry in cited.entries:
        if entry.index not in cited.retracted:
            continue
        by = []
        for correction in cited.corrections_of.get(entry.index, []):
            if correction.index in cited.retracted:
                continue
            body = correction.body
            assert isinstance(body, Correction)  # noqa: S101
            by.append(Retraction(correction.index, correction.issuer, body.reason, correction.day,
                                 correction.issuer != entry.issuer))
        found.append(Retracted(entry.index, entry.kind, entry.issuer, entry.day, tuple(by)))
    return found
