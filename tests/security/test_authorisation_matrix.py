"""Who may say what: every statement kind x every role, through POST /api/v1/statements with a token.

Each cell registers a fresh organisation holding only that role (with a custodial key and an API token; in
COMMUNE, in Hà Nội), lets ROOT, PRODUCER, ASSOCIATION, CERTIFIER or NUMBERING write what the statement needs,
then submits one valid statement of the kind as that organisation. An authority of a cell is a provincial
authority: the root delegates Hà Nội (HANOI) to it, where everything of the scenarios lies unless a scenario
says "in another province" (An Giang). A producer of a cell is licensed a GS1 company prefix of its own, and a
certifier accredited, when its scenario needs it. A cell is allowed when the role is one of the kind's declared
roles (`registry.kinds.KINDS[kind].roles`; none declared means every role) AND the handler's owner rule can be
met by an organisation with that role in the cell's scenario:

    scenario                                        owner rule (handler)                         allowed
    organisation.registered: in its province        an authority within its delegation           authority
    organisation.registered: in another province,   same; root-only roles and organisations      none (root)
      with a root-only role, or without a commune   without a commune are the root's
    organisation.updated: itself, adding authority  only the root touches authorities            none
    organisation.updated: an organisation in its    an authority within its delegation           authority
      province / in another province                                                             / none (root)
    key.added / key.revoked: its own key            issuer is the organisation, or an authority  every role
    key.added / key.revoked: another's key in its   governing the organisation's province        authority
      province / in another province                                                             / none (root)
    gi.* / mark.* (any)                             the root's alone                             none (root)
    delegation.* / accreditation.*                  the root's alone                             none (root)
    prefix.licensed / prefix.revoked: its own       the numbering agency's; a licence is revoked numbering_agency
      licence / another agency's licence            by the agency that granted it                / none
    right.*: a right to use a GI in its province    the GI's manager, or an authority delegated  authority
                                                    its whole area (or the GI)
    right.*: a right to use a GI it manages         same                                         association,
                                                                                                 authority
    right.*: a right to use a GI in another         same                                         none (root)
      province
    right.*: a right to use its own mark            mark owner, or an authority delegated the    association,
                                                    owner's province (or the mark); owners are   authority
                                                    associations or authorities
    right.*: a right to use another's mark          same                                         authority
    product.registered: inside / outside its        GTIN inside a prefix licensed to the issuer  producer / none
      licensed prefix
    product.updated: its own / another's product    product's producer, no authority override    producer / none
    batch.registered: its own product               product's producer                           producer
    batch.registered: another's product             same, no authority override                  none
    batch.event: a batch it holds                   holder (producer or a shipment's destination) every role
    batch.event: inspecting a batch it does not     inspector, certifier or authority may         inspector,
      hold                                          inspect without holding                      certifier, authority
    batch.event: shipping a batch it does not hold  only a holder hands a batch on                none
    batch.recalled: its own batch                   batch's producer, or an authority governing  producer, authority
                                                    the batch's origin
    batch.recalled: another's batch / from          same                                         authority /
      another province                                                                           none (root)
    serials.issued: its own / another's batch       batch's producer, no authority override      producer / none
    certification.issued: within / outside its      a certifier accredited for the scheme        certifier / none
      accreditation
    certification.revoked: its own / another's      the certification's certifier (or the root)  certifier / none
    correction: its own / another's entry / an      entry's issuer, or an authority governing    every role /
      entry about another province                  the entry's subject                          authority / none
                                                                                                 (root)
    every .v2 kind (organisation.registered, organisation.updated, product.registered, batch.registered):
      one scenario each, whose rule is its v1's: one handler applies both versions

Allowed cells must answer 201; every other must answer 403 with the code of the rule that refused it, and append
nothing. What only the root may do ("none (root)") is then submitted by ROOT itself, which must be allowed.
Further tests cover missing, revoked and foreign tokens, revoked keys and replayed statements.
"""

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

import httpx
import pytest

from api.tokens import revoke_token
from ledger.core.types import Signature, Statement
from registry.handlers.goods import INSPECTING_ROLES
from registry.kinds import KINDS
from registry.schemas import Role
from registry.service import Draft
from tests.factories import (
    FAR_COMMUNE,
    NUMBERING,
    PRODUCER_PREFIXES,
    gtin,
    make_accreditation,
    make_batch,
    make_certification,
    make_correction,
    make_delegation,
    make_event,
    make_gi,
    make_licence,
    make_mark,
    make_organisation,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
)
from tests.registry.conftest import OwnKey
from tests.security.conftest import GTIN, LOT, PRODUCER, ROOT, SeededApp, assert_problem, register, token

ROLES: tuple[str, ...] = get_args(Role)
ASSOCIATION = "hiep-hoi-bat-trang"
CERTIFIER = "vietcert"
MARK_OWNER_ROLES = frozenset({"association", "authority"})
"""Who may own a mark (registry.handlers.indications.mark_registered), and so manage rights to use it."""
REFUSALS = {"role-not-allowed", "not-yours", "not-your-product", "not-your-batch", "not-your-certification",
            "not-your-entry", "authority-only", "not-mark-owner", "not-holder", "root-only", "out-of-scope",
            "gtin-not-licensed", "not-accredited", "not-your-licence"}
"""The codes of the rules on who may say what; a refused cell must be refused by one of them."""


class World:
    """The module's registry, and factories of what a cell's statement refers to, each with fresh ids."""

    def __init__(self, seeded: SeededApp) -> None:
        self.seeded = seeded
        self.registry = seeded.registry
        self._serial = itertools.count(100)
        self._prefixes = {PRODUCER: PRODUCER_PREFIXES[1]}
        """The GS1 company prefix each producer numbers its new products in."""
        self._items: dict[str, itertools.count[int]] = {}

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self._serial)}"

    def org(self, role: str, *, delegated: bool = True, **overrides: Any) -> str:
        """A new organisation with `role`, registered by ROOT (in COMMUNE unless overridden); an authority gets
        a delegation of HANOI unless `delegated` is false."""
        organisation = self.fresh(role.replace("_", "-"))
        register(self.registry, organisation, (role,), **overrides)
        if role == "authority" and delegated:
            self.says(ROOT, make_delegation(organisation))
        return organisation

    def says(self, issuer: str, draft: Draft) -> int:
        """Append `draft` as `issuer` (setup that must succeed); its log index."""
        return self.registry.submit_as(issuer, [draft])[0].index

    def new_prefix(self) -> str:
        """A GS1 company prefix of 9 digits that no licence holds and that nests with no licensed one."""
        return f"8937{next(self._serial):05d}"

    def prefix(self, producer: str) -> str:
        """The GS1 company prefix of `producer`, licensed by NUMBERING on first use."""
        if producer not in self._prefixes:
            self._prefixes[producer] = self.new_prefix()
            self.says(NUMBERING, make_licence(producer, self._prefixes[producer]))
        return self._prefixes[producer]

    def gtin(self, producer: str = PRODUCER) -> str:
        """A new GTIN inside a GS1 company prefix licensed to `producer`."""
        prefix = self.prefix(producer)
        item = next(self._items.setdefault(producer, itertools.count(100)))
        return gtin(item, prefix=f"0{prefix}")

    def product(self, producer: str) -> str:
        code = self.gtin(producer)
        self.says(producer, make_product(gtin=code))
        return code

    def batch(self, producer: str, **overrides: Any) -> tuple[str, str]:
        code, lot = self.product(producer), self.fresh("L")
        self.says(producer, make_batch(gtin=code, lot=lot, **overrides))
        return code, lot

    def gi_body(self, manager: str = ROOT, **overrides: Any) -> Mapping[str, Any]:
        n = next(self._serial)
        return make_gi(id=f"gi-{n}", certificate=f"{n:05d}", application=f"6-2021-{n:05d}", manager=manager,
                       **overrides)[1]

    def gi(self, manager: str = ROOT, **overrides: Any) -> str:
        body = self.gi_body(manager, **overrides)
        self.says(ROOT, ("gi.registered.v1", body))
        return str(body["id"])

    def mark_body(self, owner: str) -> Mapping[str, Any]:
        n = next(self._serial)
        return make_mark(id=f"mark-{n}", certificate=str(n), application=f"4-2019-{n:05d}", owner=owner)[1]

    def mark(self, owner: str) -> str:
        body = self.mark_body(owner)
        self.says(ROOT, ("mark.registered.v1", body))
        return str(body["id"])

    def right(self, subject: dict[str, str], status: str = "active") -> str:
        right_id = self.fresh("right")
        self.says(ROOT, make_right(id=right_id, holder=PRODUCER, subject=subject))
        if status == "suspended":
            self.says(ROOT, make_right_change("suspended", right=right_id))
        return right_id

    def own_key(self, organisation: str) -> OwnKey:
        key = OwnKey(organisation)
        self.says(ROOT, ("key.added.v1", {"organisation": organisation, "public_key": key.public_key}))
        return key

    def accredited(self, certifier: str) -> str:
        """`certifier`, accredited by ROOT for VietGAP and TCVN 11041 everywhere."""
        self.says(ROOT, make_accreditation(certifier))
        return certifier

    def delegation(self) -> str:
        """A delegation of HANOI by ROOT to a new authority; its id."""
        delegation_id = self.fresh("delegation")
        self.says(ROOT, make_delegation(self.org("authority", delegated=False), id=delegation_id))
        return delegation_id

    def accreditation(self) -> str:
        """An accreditation by ROOT of a new certifier; its id."""
        accreditation_id = self.fresh("accreditation")
        self.says(ROOT, make_accreditation(self.org("certifier"), id=accreditation_id))
        return accreditation_id

    def licence(self, agency: str = NUMBERING) -> str:
        """A licence by `agency` of a new prefix to PRODUCER; its id."""
        kind, body = make_licence(PRODUCER, self.new_prefix())
        self.says(agency, (kind, body))
        return str(body["id"])


Prepare = Callable[[World, str, str], Mapping[str, Any]]
"""(world, actor, actor's role) -> the body of the statement the actor submits."""


@dataclass(frozen=True)
class Scenario:
    kind: str
    variant: str
    prepare: Prepare
    owners: frozenset[str] = frozenset(ROLES)
    """Roles whose holder can meet the handler's owner rule in this scenario."""
    root: bool = False
    """Whether this is what only the root may do, which ROOT itself must then be allowed to do."""

    @property
    def allowed(self) -> frozenset[str]:
        declared = KINDS[self.kind].roles or frozenset(ROLES)
        return declared & self.owners


def _mark_owner(actor: str, role: str) -> str:
    return actor if role in MARK_OWNER_ROLES else ASSOCIATION


def _right_change(action: str, status: str, subject: Callable[[World, str, str], dict[str, str]]) -> Prepare:
    def prepare(world: World, actor: str, role: str) -> Mapping[str, Any]:
        return make_right_change(action, right=world.right(subject(world, actor, role), status))[1]
    return prepare


def _gi_subject(world: World, _actor: str, _role: str) -> dict[str, str]:
    return {"type": "gi", "id": world.gi()}


def _own_mark_subject(world: World, actor: str, role: str) -> dict[str, str]:
    return {"type": "mark", "id": world.mark(_mark_owner(actor, role))}


def _others_mark_subject(world: World, _actor: str, _role: str) -> dict[str, str]:
    return {"type": "mark", "id": world.mark(ASSOCIATION)}


def _held_batch(world: World, actor: str, role: str) -> tuple[str, str]:
    """A batch the actor holds: its own if it is a producer, else PRODUCER's shipped to it."""
    if role == "producer":
        return world.batch(actor)
    code, lot = world.batch(PRODUCER)
    world.says(PRODUCER, make_event(gtin=code, lot=lot, destination=actor, event_time="2026-11-10T08:00:00Z"))
    return code, lot


def _own_entry(world: World, actor: str, role: str) -> int:
    """A retractable entry of the actor's: an event on a batch it holds."""
    return world.says(actor, make_event(**_at(_held_batch(world, actor, role)), biz_step="receiving"))


def _anothers_entry(world: World, **batch: Any) -> int:
    """A retractable entry of PRODUCER's: an event on a batch of its own."""
    return world.says(PRODUCER, make_event(**_at(world.batch(PRODUCER, **batch))))


def _product(world: World, actor: str, role: str) -> Mapping[str, Any]:
    """A product in the producer's own prefix (licensed to it), or, for other roles, in PRODUCER's."""
    return make_product(gtin=world.gtin(actor if role == "producer" else PRODUCER))[1]


def _tax_code(world: World) -> str:
    """A tax code no organisation holds yet."""
    return f"9901{world.fresh('t').removeprefix('t-'):>06}"


def _certifying(scheme: str) -> Prepare:
    """A certification of the seeded batch under `scheme`, by an actor accredited (for VietGAP and TCVN 11041)
    if it is a certifier."""
    def prepare(world: World, actor: str, role: str) -> Mapping[str, Any]:
        if role == "certifier":
            world.accredited(actor)
        return make_certification(id=world.fresh("cert"), subject={"type": "batch", "gtin": GTIN, "lot": LOT},
                                  scheme=scheme)[1]
    return prepare


def _certification(world: World, certifier: str) -> str:
    cert_id = world.fresh("cert")
    world.says(certifier, make_certification(id=cert_id, subject={"type": "batch", "gtin": GTIN, "lot": LOT}))
    return cert_id


def _at(batch: tuple[str, str]) -> dict[str, str]:
    return {"gtin": batch[0], "lot": batch[1]}


def _own_batch(world: World, actor: str, role: str) -> tuple[str, str]:
    return world.batch(actor if role == "producer" else PRODUCER)


def _far_gi_subject(world: World, _actor: str, _role: str) -> dict[str, str]:
    return {"type": "gi", "id": world.gi(area=[{"commune": FAR_COMMUNE, "stage": "raw_material"}])}


def _managed_gi_subject(world: World, actor: str, _role: str) -> dict[str, str]:
    return {"type": "gi", "id": world.gi(manager=actor)}


NOBODY: frozenset[str] = frozenset()
AUTHORITY = frozenset({"authority"})
GI_MANAGER_ROLES = frozenset({"association", "authority"})
"""Roles of the cell's actor that, as a GI's manager, may manage the GI's rights of use (the declared roles of
right.*)."""


def _root_only(kind: str, variant: str, prepare: Prepare) -> Scenario:
    return Scenario(kind, variant, prepare, owners=NOBODY, root=True)


def _granting(subject: Callable[[World, str, str], dict[str, str]]) -> Prepare:
    def prepare(world: World, actor: str, role: str) -> Mapping[str, Any]:
        return make_right(id=world.fresh("right"), subject=subject(world, actor, role))[1]
    return prepare


def _rights(variant: str, subject: Callable[[World, str, str], dict[str, str]], owners: frozenset[str]) \
        -> list[Scenario]:
    """The scenarios of granting, suspending, reinstating and revoking a right to use `subject`; with no owners
    among the cells' roles, what only the root may do."""
    changes = [(f"right.{action}.v1", _right_change(action, status, subject))
               for action, status in (("suspended", "active"), ("reinstated", "suspended"), ("revoked", "active"))]
    return [Scenario(kind, variant, prepare, owners=owners, root=not owners)
            for kind, prepare in [("right.granted.v1", _granting(subject)), *changes]]


SCENARIOS = [
    # Parties
    Scenario("organisation.registered.v1", "in-its-province", lambda w, a, r: make_organisation(w.fresh("org"))[1]),
    _root_only("organisation.registered.v1", "in-another-province",
               lambda w, a, r: make_organisation(w.fresh("org"), commune=FAR_COMMUNE)[1]),
    _root_only("organisation.registered.v1", "with-a-root-only-role",
               lambda w, a, r: make_organisation(w.fresh("org"), ["numbering_agency"])[1]),
    _root_only("organisation.registered.v1", "without-a-commune",
               lambda w, a, r: make_organisation(w.fresh("org"), commune=None)[1]),
    Scenario("organisation.registered.v2", "in-its-province-with-its-address", lambda w, a, r: make_organisation(
        w.fresh("org"), street="Số 1 phố Vạn Phúc", tax_code=_tax_code(w))[1]),
    Scenario("organisation.updated.v2", "its-identifiers-in-its-province", lambda w, a, r: {
        "id": PRODUCER, "tax_code": _tax_code(w)}, owners=AUTHORITY),
    Scenario("organisation.updated.v1", "itself-adding-authority",
             lambda w, a, r: {"id": a, "roles": sorted({r, "authority"})}, owners=NOBODY),
    Scenario("organisation.updated.v1", "in-its-province", lambda w, a, r: {
        "id": PRODUCER, "names": {"vi": f"HTX {w.fresh('ten')}", "en": f"Co-op {w.fresh('name')}"}}, owners=AUTHORITY),
    _root_only("organisation.updated.v1", "in-another-province", lambda w, a, r: {
        "id": w.org("producer", commune=FAR_COMMUNE), "names": {"vi": "HTX Phú Quốc", "en": "Phu Quoc co-op"}}),
    Scenario("key.added.v1", "own", lambda w, a, r: {"organisation": a, "public_key": OwnKey(a).public_key}),
    Scenario("key.added.v1", "anothers", lambda w, a, r: {"organisation": PRODUCER, "public_key": OwnKey(a).public_key},
             owners=AUTHORITY),
    _root_only("key.added.v1", "anothers-in-another-province", lambda w, a, r: {
        "organisation": w.org("producer", commune=FAR_COMMUNE), "public_key": OwnKey(a).public_key}),
    Scenario("key.revoked.v1", "own",
             lambda w, a, r: {"organisation": a, "key_id": w.own_key(a).key_id, "reason": "Lost."}),
    Scenario("key.revoked.v1", "anothers",
             lambda w, a, r: {"organisation": PRODUCER, "key_id": w.own_key(PRODUCER).key_id, "reason": "Lost."},
             owners=AUTHORITY),
    _root_only("key.revoked.v1", "anothers-in-another-province", lambda w, a, r: (lambda far: {
        "organisation": far, "key_id": w.own_key(far).key_id, "reason": "Lost."})(
        w.org("producer", commune=FAR_COMMUNE))),
    # Jurisdiction: the root's alone
    _root_only("delegation.granted.v1", "to-another-authority",
               lambda w, a, r: make_delegation(w.org("authority", delegated=False), id=w.fresh("delegation"))[1]),
    _root_only("delegation.withdrawn.v1", "anothers",
               lambda w, a, r: {"id": w.delegation(), "reason": "The department was merged."}),
    _root_only("accreditation.granted.v1", "of-a-certifier",
               lambda w, a, r: make_accreditation(w.org("certifier"), id=w.fresh("accreditation"))[1]),
    _root_only("accreditation.withdrawn.v1", "of-a-certifier",
               lambda w, a, r: {"id": w.accreditation(), "reason": "The accreditation body suspended it."}),
    # Product identity: the numbering agency's
    Scenario("prefix.licensed.v1", "to-a-producer", lambda w, a, r: make_licence(PRODUCER, w.new_prefix())[1]),
    Scenario("prefix.revoked.v1", "its-own-licence",
             lambda w, a, r: {"licence": w.licence(a if r == "numbering_agency" else NUMBERING),
                              "effective_on": "2026-01-01", "reason": "Fees unpaid."}),
    Scenario("prefix.revoked.v1", "another-agencys-licence",
             lambda w, a, r: {"licence": w.licence(), "effective_on": "2026-01-01", "reason": "Fees unpaid."},
             owners=NOBODY),
    # Geographical indications and marks: the root's alone
    _root_only("gi.registered.v1", "managed-by-itself", lambda w, a, r: w.gi_body(manager=a)),
    _root_only("gi.amended.v1", "managed-by-itself",
               lambda w, a, r: {"gi": w.gi(manager=a), "specification": "Pomelos of the Day river."}),
    _root_only("gi.manager_changed.v1", "to-itself", lambda w, a, r: {"gi": w.gi(), "manager": a}),
    _root_only("gi.cancelled.v1", "managed-by-itself", lambda w, a, r: {
        "gi": w.gi(manager=a), "effective_on": "2026-01-01", "reason": "No longer produced."}),
    _root_only("mark.registered.v1", "owned-by-itself-if-it-may-own",
               lambda w, a, r: w.mark_body(_mark_owner(a, r))),
    _root_only("mark.renewed.v1", "its-own",
               lambda w, a, r: {"mark": w.mark(_mark_owner(a, r)), "valid_until": "2035-06-01"}),
    _root_only("mark.cancelled.v1", "its-own", lambda w, a, r: {
        "mark": w.mark(_mark_owner(a, r)), "effective_on": "2026-01-01", "reason": "Not renewed."}),
    # Rights of use
    *_rights("gi", _gi_subject, AUTHORITY),
    *_rights("gi-it-manages", _managed_gi_subject, GI_MANAGER_ROLES),
    *_rights("gi-in-another-province", _far_gi_subject, NOBODY),
    *_rights("own-mark", _own_mark_subject, MARK_OWNER_ROLES),
    *_rights("anothers-mark", _others_mark_subject, AUTHORITY),
    # Goods
    Scenario("product.registered.v1", "inside-its-prefix", _product),
    Scenario("product.registered.v1", "outside-its-prefixes", lambda w, a, r: make_product(gtin=w.gtin())[1],
             owners=NOBODY),
    Scenario("product.registered.v2", "inside-its-prefix-with-its-passport", lambda w, a, r: {
        **_product(w, a, r), "shelf_life_days": 90, "standards": ["TCVN 5107:2018"]}),
    Scenario("product.updated.v2", "own-product", lambda w, a, r: {
        "gtin": w.product(a) if r == "producer" else GTIN, "unit": "XBO", "warnings": {
            "vi": "Chứa cá.", "en": "Contains fish."}}, owners=frozenset({"producer"})),
    Scenario("product.updated.v2", "anothers-product", lambda w, a, r: {"gtin": GTIN, "shelf_life_days": 30},
             owners=frozenset()),
    Scenario("batch.registered.v2", "own-product-with-its-expiry", lambda w, a, r: make_batch(
        gtin=w.product(a) if r == "producer" else GTIN, lot=w.fresh("L"), expires_on="2027-11-01")[1],
        owners=frozenset({"producer"})),
    Scenario("batch.registered.v1", "own-product", lambda w, a, r: make_batch(
        gtin=w.product(a) if r == "producer" else GTIN, lot=w.fresh("L"))[1], owners=frozenset({"producer"})),
    Scenario("batch.registered.v1", "anothers-product", lambda w, a, r: make_batch(gtin=GTIN, lot=w.fresh("L"))[1],
             owners=frozenset()),
    Scenario("batch.event.v1", "held",
             lambda w, a, r: make_event(**_at(_held_batch(w, a, r)), biz_step="receiving")[1]),
    Scenario("batch.event.v1", "inspecting-not-held", lambda w, a, r: make_event(
        gtin=GTIN, lot=LOT, biz_step="inspecting", disposition=None)[1], owners=frozenset(INSPECTING_ROLES)),
    Scenario("batch.event.v1", "shipping-not-held", lambda w, a, r: make_event(gtin=GTIN, lot=LOT, destination=a)[1],
             owners=frozenset()),
    Scenario("batch.recalled.v1", "own-batch", lambda w, a, r: make_recall(**_at(_own_batch(w, a, r)))[1],
             owners=frozenset({"producer", "authority"})),
    Scenario("batch.recalled.v1", "anothers-batch", lambda w, a, r: make_recall(**_at(w.batch(PRODUCER)))[1],
             owners=AUTHORITY),
    _root_only("batch.recalled.v1", "from-another-province",
               lambda w, a, r: make_recall(**_at(w.batch(PRODUCER, origin=FAR_COMMUNE)))[1]),
    Scenario("serials.issued.v1", "own-batch", lambda w, a, r: make_serials(**_at(_own_batch(w, a, r)))[1],
             owners=frozenset({"producer"})),
    Scenario("serials.issued.v1", "anothers-batch", lambda w, a, r: make_serials(gtin=GTIN, lot=LOT)[1],
             owners=frozenset()),
    # Assurance
    Scenario("certification.issued.v1", "within-its-accreditation", _certifying("VietGAP")),
    Scenario("certification.issued.v1", "outside-its-accreditation", _certifying("GlobalG.A.P."), owners=NOBODY),
    Scenario("certification.revoked.v1", "own", lambda w, a, r: {"certification": _certification(
        w, w.accredited(a) if r == "certifier" else CERTIFIER), "reason": "Issued in error."},
        owners=frozenset({"certifier"})),
    Scenario("certification.revoked.v1", "anothers", lambda w, a, r: {
        "certification": _certification(w, CERTIFIER), "reason": "Issued in error."}, owners=frozenset()),
    Scenario("correction.v1", "own-entry", lambda w, a, r: make_correction(_own_entry(w, a, r))[1]),
    Scenario("correction.v1", "anothers-entry", lambda w, a, r: make_correction(_anothers_entry(w))[1],
             owners=AUTHORITY),
    _root_only("correction.v1", "anothers-entry-in-another-province",
               lambda w, a, r: make_correction(_anothers_entry(w, origin=FAR_COMMUNE))[1]),
]


@pytest.fixture(scope="module")
def world(seeded_app: SeededApp) -> World:
    """The seeded registry with an association and an accredited certifier besides ROOT, PRODUCER and
    NUMBERING."""
    register(seeded_app.registry, ASSOCIATION, ("association",))
    register(seeded_app.registry, CERTIFIER, ("certifier",))
    world = World(seeded_app)
    world.accredited(CERTIFIER)
    return world


def submit(world: World, organisation: str, kind: str, body: Mapping[str, Any]) -> httpx.Response:
    """POST a draft to /api/v1/statements with a new token of `organisation`."""
    auth = {"Authorization": f"Bearer {token(world.seeded.engine, organisation)}"}
    response: httpx.Response = world.seeded.client.post("/api/v1/statements", json={"kind": kind, "body": body},
                                                        headers=auth)
    return response


def test_every_kind_has_a_scenario() -> None:
    assert {s.kind for s in SCENARIOS} == set(KINDS)


@pytest.mark.parametrize(("scenario", "role"), [(s, r) for s in SCENARIOS for r in ROLES],
                         ids=[f"{s.kind}:{s.variant}:{r}" for s in SCENARIOS for r in ROLES])
def test_a_statement_is_accepted_only_from_the_roles_and_owners_its_rules_allow(world: World, scenario: Scenario,
                                                                               role: str) -> None:
    actor = world.org(role)
    body = scenario.prepare(world, actor, role)
    if role in scenario.allowed:
        response = submit(world, actor, scenario.kind, body)
        assert response.status_code == 201, response.text
        assert response.json()["index"] == world.seeded.size() - 1
        return
    with world.seeded.nothing_appended():
        response = submit(world, actor, scenario.kind, body)
    problem = assert_problem(response, 403)
    assert problem["code"] in REFUSALS, problem


ROOT_SCENARIOS = [s for s in SCENARIOS if s.root]


@pytest.mark.parametrize("scenario", ROOT_SCENARIOS, ids=[f"{s.kind}:{s.variant}" for s in ROOT_SCENARIOS])
def test_what_no_other_organisation_may_say_the_root_may(world: World, scenario: Scenario) -> None:
    body = scenario.prepare(world, ROOT, "authority")
    response = submit(world, ROOT, scenario.kind, body)
    assert response.status_code == 201, response.text
    assert response.json()["index"] == world.seeded.size() - 1


class TestCredentials:
    """Writes need a live token of the organisation they speak for, or a live key of the issuer, once."""

    def test_a_write_without_a_token_is_refused(self, world: World) -> None:
        with world.seeded.nothing_appended():
            typed = world.seeded.client.post("/api/v1/products", json=make_product(gtin=gtin(11))[1])
            draft = world.seeded.client.post("/api/v1/statements", json={"kind": "product.registered.v1",
                                                                         "body": make_product(gtin=gtin(11))[1]})
        assert_problem(typed, 401, "token-required")
        assert_problem(draft, 401, "token-required")
        assert typed.headers["www-authenticate"].startswith("Bearer")

    @pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "ngn_x", "Bearer ngn_" + "x" * 43,
                                        "Bearer ngn_" + "x" * 200, "Bearer not-a-token"])
    def test_a_write_with_a_token_that_is_not_one_is_refused(self, world: World, header: str) -> None:
        with world.seeded.nothing_appended():
            response = world.seeded.client.post("/api/v1/products", json=make_product(gtin=gtin(12))[1],
                                                headers={"Authorization": header})
        assert_problem(response, 401)

    def test_a_refused_registration_leaves_no_custodial_key_behind(self, world: World) -> None:
        with world.seeded.nothing_appended():
            response = world.seeded.client.post(
                "/api/v1/organisations", json=make_organisation("self-made-authority", ["authority"])[1],
                headers={"Authorization": f"Bearer {world.seeded.tokens.producer_token}"})
        assert_problem(response, 403, "role-not-allowed")

    def test_a_revoked_token_is_refused(self, world: World) -> None:
        producer = world.org("producer")
        revoked = token(world.seeded.engine, producer)
        with world.seeded.engine.begin() as connection:
            assert revoke_token(connection, revoked)
        with world.seeded.nothing_appended():
            response = world.seeded.client.post("/api/v1/products", json=make_product(gtin=gtin(13))[1],
                                                headers={"Authorization": f"Bearer {revoked}"})
        assert_problem(response, 401, "token-invalid")

    def test_a_token_whose_custodial_key_was_revoked_cannot_sign(self, world: World) -> None:
        producer = world.org("producer")
        key_id = world.seeded.client.get(f"/api/v1/organisations/{producer}").json()["keys"][0]["key_id"]
        world.says(ROOT, ("key.revoked.v1", {"organisation": producer, "key_id": key_id, "reason": "Lost."}))
        with world.seeded.nothing_appended():
            response = submit(world, producer, "product.registered.v1", make_product(gtin=gtin(14))[1])
        assert_problem(response, 403, "no-custodial-key")

    def test_a_statement_signed_with_a_revoked_key_is_refused(self, world: World) -> None:
        producer = world.org("producer")
        key = world.own_key(producer)
        world.says(ROOT, ("key.revoked.v1", {"organisation": producer, "key_id": key.key_id, "reason": "Lost."}))
        signed = signed_now(key, make_product(gtin=world.gtin(producer)))
        with world.seeded.nothing_appended():
            response = post_signed(world, signed)
        assert_problem(response, 403, "key-revoked")

    def test_a_token_cannot_write_about_what_another_organisation_owns(self, world: World) -> None:
        other = world.org("producer")
        code = world.product(other)
        with world.seeded.nothing_appended():
            response = world.seeded.client.post(
                "/api/v1/batches", json=make_batch(gtin=code, lot="L1")[1],
                headers={"Authorization": f"Bearer {world.seeded.tokens.producer_token}"})
        assert_problem(response, 403, "not-your-product")

    def test_a_key_cannot_sign_for_another_organisation(self, world: World) -> None:
        key = world.own_key(world.org("producer"))
        signed = signed_now(key, make_product(gtin=world.gtin()), issuer=PRODUCER)
        with world.seeded.nothing_appended():
            response = post_signed(world, signed)
        assert_problem(response, 403, "unknown-key")

    def test_a_statement_with_a_signature_that_does_not_verify_is_refused(self, world: World) -> None:
        producer = world.org("producer")
        key = world.own_key(producer)
        statement, signature = signed_now(key, make_product(gtin=world.gtin(producer)))
        forged = {"statement": statement.to_json() | {"body": make_product(gtin=world.gtin(producer))[1]},
                  "signature": signature.to_json()}
        with world.seeded.nothing_appended():
            response = world.seeded.client.post("/api/v1/statements", json=forged)
        assert_problem(response, 403, "bad-signature")

    def test_a_replayed_self_signed_statement_is_refused(self, world: World) -> None:
        producer = world.org("producer")
        key = world.own_key(producer)
        signed = signed_now(key, make_product(gtin=world.gtin(producer)))
        assert post_signed(world, signed).status_code == 201
        with world.seeded.nothing_appended():
            response = post_signed(world, signed)
        assert_problem(response, 409, "nonce-replayed")


def signed_now(key: OwnKey, draft: Draft, issuer: str | None = None) -> tuple[Statement, Signature]:
    """`draft` signed with `key`, issued now: the registry (on the real clock) takes statements issued within the
    last 24 hours."""
    return key.sign(draft, issuer=issuer, issued_at=datetime.now(UTC))


def post_signed(world: World, signed: tuple[Statement, Signature]) -> httpx.Response:
    statement, signature = signed
    response: httpx.Response = world.seeded.client.post(
        "/api/v1/statements", json={"statement": statement.to_json(), "signature": signature.to_json()})
    return response
