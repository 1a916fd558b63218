"""Who may say what: every statement kind x every role, through POST /api/v1/statements with a token.

Each cell registers a fresh organisation holding only that role (with a custodial key and an API token), lets
ROOT, PRODUCER, ASSOCIATION or CERTIFIER write what the statement needs, then submits one valid statement of
the kind as that organisation. A cell is allowed when the role is one of the kind's declared roles
(`registry.kinds.KINDS[kind].roles`; none declared means every role) AND the handler's owner rule can be met by
an organisation with that role in the cell's scenario:

    scenario                                        owner rule (handler)                         allowed
    organisation.registered / gi.* / mark.* (any)   none; declared roles only                    authority
    organisation.updated: itself, adding authority  none: a role cannot grant itself more         authority
    key.added / key.revoked: its own key            issuer is the organisation or an authority   every role
    key.added / key.revoked: another's key          same                                         authority
    right.*: a right to use a GI                    only an authority manages GI rights          authority
    right.*: a right to use its own mark            mark owner or an authority; owners are       association,
                                                    associations or authorities                  authority
    right.*: a right to use another's mark          same                                         authority
    product.registered                              none                                         producer
    batch.registered: its own product               product's producer                           producer
    batch.registered: another's product             same, no authority override                  none
    batch.event: a batch it holds                   holder (producer or a shipment's destination) every role
    batch.event: inspecting a batch it does not     inspector, certifier or authority may         inspector,
      hold                                          inspect without holding                      certifier, authority
    batch.event: shipping a batch it does not hold  only a holder hands a batch on                none
    batch.recalled: its own batch                   batch's producer or an authority             producer, authority
    batch.recalled: another's batch                 same                                         authority
    serials.issued: its own / another's batch       batch's producer, no authority override      producer / none
    certification.issued                            none                                         certifier
    certification.revoked: its own / another's      the certification's certifier only           certifier / none
    correction: its own / another's entry           entry's issuer or an authority               every role / authority

Allowed cells must answer 201; every other must answer 403 with the code of the rule that refused it, and append
nothing. Further tests cover missing, revoked and foreign tokens, revoked keys and replayed statements.
"""

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

import httpx
import pytest

from api.tokens import revoke_token
from ledger.types import Signature, Statement
from registry.handlers.goods import INSPECTING_ROLES
from registry.kinds import KINDS
from registry.schemas import Role
from registry.service import Draft
from tests.registry.conftest import (
    OwnKey,
    gtin,
    make_batch,
    make_certification,
    make_correction,
    make_event,
    make_gi,
    make_mark,
    make_organisation,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
)
from tests.security.conftest import GTIN, LOT, PRODUCER, ROOT, SeededApp, assert_problem, register, token

ROLES: tuple[str, ...] = get_args(Role)
ASSOCIATION = "hiep-hoi-bat-trang"
CERTIFIER = "vietcert"
MARK_OWNER_ROLES = frozenset({"association", "authority"})
"""Who may own a mark (registry.handlers.indications.mark_registered), and so manage rights to use it."""
REFUSALS = {"role-not-allowed", "not-yours", "not-your-product", "not-your-batch", "not-your-certification",
            "not-your-entry", "authority-only", "not-mark-owner", "not-holder"}
"""The codes of the rules on who may say what; a refused cell must be refused by one of them."""


class World:
    """The module's registry, and factories of what a cell's statement refers to, each with fresh ids."""

    def __init__(self, seeded: SeededApp) -> None:
        self.seeded = seeded
        self.registry = seeded.registry
        self._serial = itertools.count(100)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self._serial)}"

    def org(self, role: str) -> str:
        organisation = self.fresh(role)
        register(self.registry, organisation, (role,))
        return organisation

    def says(self, issuer: str, draft: Draft) -> int:
        """Append `draft` as `issuer` (setup that must succeed); its log index."""
        return self.registry.submit_as(issuer, [draft])[0].index

    def gtin(self) -> str:
        return gtin(next(self._serial))

    def product(self, producer: str) -> str:
        code = self.gtin()
        self.says(producer, make_product(gtin=code))
        return code

    def batch(self, producer: str) -> tuple[str, str]:
        code, lot = self.product(producer), self.fresh("L")
        self.says(producer, make_batch(gtin=code, lot=lot))
        return code, lot

    def gi_body(self, manager: str = ROOT) -> Mapping[str, Any]:
        n = next(self._serial)
        return make_gi(id=f"gi-{n}", certificate=f"{n:05d}", application=f"6-2021-{n:05d}", manager=manager)[1]

    def gi(self, manager: str = ROOT) -> str:
        body = self.gi_body(manager)
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


Prepare = Callable[[World, str, str], Mapping[str, Any]]
"""(world, actor, actor's role) -> the body of the statement the actor submits."""


@dataclass(frozen=True)
class Scenario:
    kind: str
    variant: str
    prepare: Prepare
    owners: frozenset[str] = frozenset(ROLES)
    """Roles whose holder can meet the handler's owner rule in this scenario."""

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


def _certification(world: World, certifier: str) -> str:
    cert_id = world.fresh("cert")
    world.says(certifier, make_certification(id=cert_id, subject={"type": "batch", "gtin": GTIN, "lot": LOT}))
    return cert_id


def _at(batch: tuple[str, str]) -> dict[str, str]:
    return {"gtin": batch[0], "lot": batch[1]}


def _own_batch(world: World, actor: str, role: str) -> tuple[str, str]:
    return world.batch(actor if role == "producer" else PRODUCER)


SCENARIOS = [
    # Parties
    Scenario("organisation.registered.v1", "new", lambda w, a, r: make_organisation(w.fresh("org"))[1]),
    Scenario("organisation.updated.v1", "itself-adding-authority",
             lambda w, a, r: {"id": a, "roles": sorted({r, "authority"})}),
    Scenario("key.added.v1", "own", lambda w, a, r: {"organisation": a, "public_key": OwnKey(a).public_key}),
    Scenario("key.added.v1", "anothers", lambda w, a, r: {"organisation": PRODUCER, "public_key": OwnKey(a).public_key},
             owners=frozenset({"authority"})),
    Scenario("key.revoked.v1", "own",
             lambda w, a, r: {"organisation": a, "key_id": w.own_key(a).key_id, "reason": "Lost."}),
    Scenario("key.revoked.v1", "anothers",
             lambda w, a, r: {"organisation": PRODUCER, "key_id": w.own_key(PRODUCER).key_id, "reason": "Lost."},
             owners=frozenset({"authority"})),
    # Geographical indications and marks
    Scenario("gi.registered.v1", "managed-by-itself", lambda w, a, r: w.gi_body(manager=a)),
    Scenario("gi.amended.v1", "managed-by-itself",
             lambda w, a, r: {"gi": w.gi(manager=a), "specification": "Pomelos of the Day river."}),
    Scenario("gi.manager_changed.v1", "to-itself", lambda w, a, r: {"gi": w.gi(), "manager": a}),
    Scenario("gi.cancelled.v1", "managed-by-itself",
             lambda w, a, r: {"gi": w.gi(manager=a), "effective_on": "2026-01-01", "reason": "No longer produced."}),
    Scenario("mark.registered.v1", "owned-by-itself-if-it-may-own", lambda w, a, r: w.mark_body(_mark_owner(a, r))),
    Scenario("mark.renewed.v1", "its-own",
             lambda w, a, r: {"mark": w.mark(_mark_owner(a, r)), "valid_until": "2035-06-01"}),
    Scenario("mark.cancelled.v1", "its-own", lambda w, a, r: {
        "mark": w.mark(_mark_owner(a, r)), "effective_on": "2026-01-01", "reason": "Not renewed."}),
    # Rights of use
    Scenario("right.granted.v1", "gi", lambda w, a, r: make_right(id=w.fresh("right"), subject=_gi_subject(w, a, r))[1],
             owners=frozenset({"authority"})),
    Scenario("right.granted.v1", "own-mark",
             lambda w, a, r: make_right(id=w.fresh("right"), subject=_own_mark_subject(w, a, r))[1],
             owners=MARK_OWNER_ROLES),
    Scenario("right.granted.v1", "anothers-mark",
             lambda w, a, r: make_right(id=w.fresh("right"), subject=_others_mark_subject(w, a, r))[1],
             owners=frozenset({"authority"})),
    *(Scenario(f"right.{action}.v1", variant, _right_change(action, status, subject), owners=owners)
      for action, status in (("suspended", "active"), ("reinstated", "suspended"), ("revoked", "active"))
      for variant, subject, owners in (("gi", _gi_subject, frozenset({"authority"})),
                                       ("own-mark", _own_mark_subject, MARK_OWNER_ROLES),
                                       ("anothers-mark", _others_mark_subject, frozenset({"authority"})))),
    # Goods
    Scenario("product.registered.v1", "new", lambda w, a, r: make_product(gtin=w.gtin())[1]),
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
             owners=frozenset({"authority"})),
    Scenario("serials.issued.v1", "own-batch", lambda w, a, r: make_serials(**_at(_own_batch(w, a, r)))[1],
             owners=frozenset({"producer"})),
    Scenario("serials.issued.v1", "anothers-batch", lambda w, a, r: make_serials(gtin=GTIN, lot=LOT)[1],
             owners=frozenset()),
    # Assurance
    Scenario("certification.issued.v1", "of-a-batch", lambda w, a, r: make_certification(
        id=w.fresh("cert"), subject={"type": "batch", "gtin": GTIN, "lot": LOT})[1]),
    Scenario("certification.revoked.v1", "own", lambda w, a, r: {"certification": _certification(
        w, a if r == "certifier" else CERTIFIER), "reason": "Issued in error."}, owners=frozenset({"certifier"})),
    Scenario("certification.revoked.v1", "anothers", lambda w, a, r: {
        "certification": _certification(w, CERTIFIER), "reason": "Issued in error."}, owners=frozenset()),
    Scenario("correction.v1", "own-entry", lambda w, a, r: make_correction(
        w.says(a, ("key.added.v1", {"organisation": a, "public_key": OwnKey(a).public_key})))[1]),
    Scenario("correction.v1", "anothers-entry", lambda w, a, r: make_correction(
        w.says(PRODUCER, ("key.added.v1", {"organisation": PRODUCER, "public_key": OwnKey(PRODUCER).public_key})))[1],
        owners=frozenset({"authority"})),
]


@pytest.fixture(scope="module")
def world(seeded_app: SeededApp) -> World:
    """The seeded registry with an association and a certifier besides ROOT and PRODUCER."""
    register(seeded_app.registry, ASSOCIATION, ("association",))
    register(seeded_app.registry, CERTIFIER, ("certifier",))
    return World(seeded_app)


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
        with world.seeded.nothing_appended():
            response = post_signed(world, key.sign(make_product(gtin=gtin(15))))
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
        with world.seeded.nothing_appended():
            response = post_signed(world, key.sign(make_product(gtin=gtin(16)), issuer=PRODUCER))
        assert_problem(response, 403, "unknown-key")

    def test_a_statement_with_a_signature_that_does_not_verify_is_refused(self, world: World) -> None:
        key = world.own_key(world.org("producer"))
        statement, signature = key.sign(make_product(gtin=gtin(17)))
        forged = {"statement": statement.to_json() | {"body": make_product(gtin=gtin(18))[1]},
                  "signature": signature.to_json()}
        with world.seeded.nothing_appended():
            response = world.seeded.client.post("/api/v1/statements", json=forged)
        assert_problem(response, 403, "bad-signature")

    def test_a_replayed_self_signed_statement_is_refused(self, world: World) -> None:
        key = world.own_key(world.org("producer"))
        signed = key.sign(make_product(gtin=gtin(19)))
        assert post_signed(world, signed).status_code == 201
        with world.seeded.nothing_appended():
            response = post_signed(world, signed)
        assert_problem(response, 409, "nonce-replayed")


def post_signed(world: World, signed: tuple[Statement, Signature]) -> httpx.Response:
    statement, signature = signed
    response: httpx.Response = world.seeded.client.post(
        "/api/v1/statements", json={"statement": statement.to_json(), "signature": signature.to_json()})
    return response
