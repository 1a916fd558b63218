"""`nguon tokens create|list|revoke`: an operator's hands on API tokens, with the database's authority."""

import json
from typing import Any

from typer.testing import CliRunner

from api.cli.main import app
from api.tokens import organisation_of
from tests.api.conftest import PRODUCER, ROOT, Api


def nguon(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["tokens", *args, "--database", database_url])


def listed(database_url: str, organisation: str) -> list[dict[str, Any]]:
    result = nguon(database_url, "list", "--org", organisation, "--json")
    assert result.exit_code == 0, result.output
    tokens: list[dict[str, Any]] = json.loads(result.stdout)
    return tokens


class TestTokensCli:
    """Tokens made on the command line are listed by id and prefix, and revoked by id."""

    def test_create_list_and_revoke(self, api: Api, producer: str, database_url: str) -> None:
        made = nguon(database_url, "create", "--org", PRODUCER, "--label", "máy quét kho")
        assert made.exit_code == 0, made.output
        token = made.stdout.strip()
        assert token.startswith("ngn_")
        [info] = [t for t in listed(database_url, PRODUCER) if t["label"] != "test"]
        assert (info["label"], info["prefix"], info["revoked_at"]) == ("máy quét kho", token[4:10], None)
        assert info["id"] in made.output
        table = nguon(database_url, "list", "--org", PRODUCER)
        assert info["id"] in table.stdout
        assert f"ngn_{info['prefix']}…" in table.stdout
        assert token[4:] not in table.stdout

        revoked = nguon(database_url, "revoke", info["id"])
        assert revoked.exit_code == 0, revoked.output
        assert f"token {info['id']} of {PRODUCER} revoked" in revoked.stdout
        assert [t["revoked_at"] is None for t in listed(database_url, PRODUCER) if t["id"] == info["id"]] == [False]
        with api.engine.connect() as connection:
            assert organisation_of(connection, token) is None

    def test_revoking_an_unknown_or_revoked_token_fails(self, api: Api, database_url: str) -> None:
        unknown = nguon(database_url, "revoke", "0123456789ab")
        assert (unknown.exit_code, "there is no token 0123456789ab" in unknown.output) == (1, True)
        nguon(database_url, "create", "--org", ROOT)
        [info] = listed(database_url, ROOT)
        assert nguon(database_url, "revoke", info["id"]).exit_code == 0
        again = nguon(database_url, "revoke", info["id"])
        assert (again.exit_code, "already revoked" in again.output) == (1, True)

    def test_an_unregistered_organisation_has_no_tokens(self, api: Api, database_url: str) -> None:
        for args in (("create", "--org", "nobody"), ("list", "--org", "nobody")):
            result = nguon(database_url, *args)
            assert (result.exit_code, "organisation nobody is not registered" in result.output) == (1, True)
