"""The authorisation matrix's portal column: every statement kind x every role, submitted the way every form of
the portal submits (api.portal.statements.submit, with the signed-in person), decides exactly as the API's column
(tests/security/test_authorisation_matrix.py) and records the person with each accepted entry; a viewer of any
organisation is refused every statement, and a refusal appends nothing and records nobody."""

import itertools

import pytest
from sqlalchemy import select
from starlette.requests import Request

from api.portal.accounts import create_user
from api.portal.sessions import Signed
from api.portal.statements import submit
from api.portal.tables import PortalSubmission
from api.portal.web import Refused
from ledger.store.engines import write_transaction
from registry.errors import DomainError
from tests.security.conftest import ROOT, SeededApp
from tests.security.test_authorisation_matrix import REFUSALS, ROLES, SCENARIOS, Scenario, World, world

__all__ = ["world"]  # the matrix's module-scoped registry, on this module's own database

_submissions = PortalSubmission.__table__  # type: ignore[attr-defined]
_people = itertools.count()


def person(seeded: SeededApp, organisation: str, role: str, portal_role: str) -> Signed:
    """A new person of `organisation` with `portal_role`, signed in (the session itself is not the point here)."""
    with write_transaction(seeded.engine) as connection:
        user = create_user(connection, organisation, f"nguoi-{next(_people)}@{organisation}", portal_role)
    return Signed(user, "", frozenset({role}))


def request(seeded: SeededApp) -> Request:
    return Request({"type": "http", "app": seeded.app, "headers": []})


def recorded(seeded: SeededApp) -> list[tuple[int, str]]:
    with seeded.engine.connect() as connection:
        return [(int(e), str(u)) for e, u in connection.execute(
            select(_submissions.c.entry, _submissions.c.user_id).order_by(_submissions.c.entry))]


@pytest.mark.parametrize(("scenario", "role"), [(s, r) for s in SCENARIOS for r in ROLES],
                         ids=[f"{s.kind}:{s.variant}:{r}" for s in SCENARIOS for r in ROLES])
def test_a_clerk_may_submit_exactly_what_the_api_allows_and_is_recorded(world: World, scenario: Scenario,
                                                                       role: str) -> None:
    actor = world.org(role)
    body = scenario.prepare(world, actor, role)
    clerk = person(world.seeded, actor, role, "clerk")
    before = recorded(world.seeded)
    if role in scenario.allowed:
        receipt = submit(request(world.seeded), clerk, [(scenario.kind, body)])[0]
        assert receipt.index == world.seeded.size() - 1
        assert recorded(world.seeded) == [*before, (receipt.index, clerk.user.id)]
        return
    with world.seeded.nothing_appended(), pytest.raises(DomainError) as refused:
        submit(request(world.seeded), clerk, [(scenario.kind, body)])
    assert refused.value.code in REFUSALS, refused.value
    assert recorded(world.seeded) == before, "a refused statement recorded its submitter"


ALLOWED = [(s, sorted(s.allowed)[0]) for s in SCENARIOS if s.allowed]


@pytest.mark.parametrize(("scenario", "role"), ALLOWED, ids=[f"{s.kind}:{s.variant}:{r}" for s, r in ALLOWED])
def test_a_viewer_may_submit_nothing_even_what_the_organisation_may(world: World, scenario: Scenario,
                                                                   role: str) -> None:
    actor = world.org(role)
    body = scenario.prepare(world, actor, role)
    viewer = person(world.seeded, actor, role, "viewer")
    before = recorded(world.seeded)
    with world.seeded.nothing_appended(), pytest.raises(Refused) as refused:
        submit(request(world.seeded), viewer, [(scenario.kind, body)])
    assert (refused.value.status, refused.value.key) == (403, "viewer_refused")
    assert recorded(world.seeded) == before
    admin = person(world.seeded, actor, role, "admin")
    assert submit(request(world.seeded), admin, [(scenario.kind, body)])[0].index == world.seeded.size() - 1


ROOT_SCENARIOS = [s for s in SCENARIOS if s.root]


@pytest.mark.parametrize("scenario", ROOT_SCENARIOS, ids=[f"{s.kind}:{s.variant}" for s in ROOT_SCENARIOS])
def test_what_only_the_root_may_say_a_clerk_of_the_root_may(world: World, scenario: Scenario) -> None:
    body = scenario.prepare(world, ROOT, "authority")
    clerk = person(world.seeded, ROOT, "authority", "clerk")
    receipt = submit(request(world.seeded), clerk, [(scenario.kind, body)])[0]
    assert receipt.index == world.seeded.size() - 1
    assert recorded(world.seeded)[-1] == (receipt.index, clerk.user.id)
