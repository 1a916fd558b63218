"""Property-based fuzzing of every operation of the OpenAPI document, against a real server on a seeded registry.

Schemathesis generates requests that fit the schema (positive) and that break it (negative). Each is sent
with one of several credentials (ROOT's or PRODUCER's token, mostly; none, an unknown token or a wrong scheme
otherwise) and Accept headers; half of the positive cases of operations with path parameters name what the
registry holds (its batch, its producer), so reads and writes get past "not found". Every response must not be
a server error, and its status, media type, headers and body must be the ones the schema documents (refusals:
the `Problem` schema as application/problem+json).
"""

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode, checks
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup

from tests.e2e.conftest import Server
from tests.security.conftest import GTIN, LOT, PRODUCER, seed_server

EXAMPLES_PER_MODE = 30
"""Generated cases per operation and generation mode; operations with few possible inputs get fewer."""
MIN_REQUESTS = 2000

CHECKS: list[Callable[..., Any]] = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
ACCEPTS = ["*/*", "application/json", "application/linkset+json", "text/html", "application/problem+json"]
SEEDED_PATH = {"gtin": GTIN, "lot": LOT, "organisation_id": PRODUCER, "index": 1, "kind": "svg"}
"""Path parameters naming what the seeded registry holds."""
Operation = APIOperation[Any, Any, Any, Any]


def operations(schema: BaseSchema) -> Iterator[Operation]:
    """Every operation of the schema; the test fails on one Schemathesis cannot read."""
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"the schema holds an operation Schemathesis cannot read: {result.err()}")
        yield result.ok()


def cases(operation: Operation, mode: GenerationMode) -> st.SearchStrategy[Case[Operation]]:
    """Generated cases; half of the positive ones, where the path has parameters, name what the registry holds."""
    generated = operation.as_strategy(generation_mode=mode)
    known = {p.name: SEEDED_PATH[p.name] for p in operation.path_parameters if p.name in SEEDED_PATH}
    if mode is GenerationMode.NEGATIVE or not known:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=known))


@pytest.mark.slow
def test_every_operation_answers_as_its_schema_says_and_never_with_a_server_error(live_server: Server) -> None:
    tokens = seed_server(live_server)
    schema = schemathesis.openapi.from_url(f"{live_server.base_url}/openapi.json")
    root, producer = ({"Authorization": f"Bearer {t}"} for t in (tokens.root_token, tokens.producer_token))
    unknown = {"Authorization": f"Bearer ngn_{secrets.token_urlsafe(32)}"}
    wrong_scheme = {"Authorization": f"Basic {tokens.producer_token}"}
    credentials = st.sampled_from([root, root, producer, producer, {}, unknown, wrong_scheme])
    headers = st.builds(lambda auth, accept: {**auth, "Accept": accept}, credentials, st.sampled_from(ACCEPTS))
    sent = 0
    failures: list[str] = []

    with requests.Session() as session:
        for operation in operations(schema):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                # No shrinking: against a real server it is slow, and the report's curl command reproduces the case.
                @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck), database=None)
                @given(case=cases(operation, mode), extra=headers)
                def check(case: Case[Operation], extra: dict[str, str]) -> None:
                    nonlocal sent
                    response = case.call(base_url=live_server.base_url, session=session, headers=extra)
                    sent += 1
                    case.validate_response(response, checks=CHECKS, headers=extra)

                try:
                    check()
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request can be generated"
                except (Exception, FailureGroup) as exc:  # every operation runs; all failures are reported together
                    failures.append(f"{operation.label} ({mode.value}): {exc}")

    assert not failures, "\n\n".join(failures)
    assert sent >= MIN_REQUESTS, f"only {sent} requests were generated; expected at least {MIN_REQUESTS}"
