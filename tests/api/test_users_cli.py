"""`nguon users create|list`: the first admin of an organisation, made on the server's shell; the password is
read without echo (or from standard input) and shows nowhere."""

import json
from typing import Any

from fastapi import FastAPI
from typer.testing import CliRunner

from api.cli.main import app as cli
from tests.api.conftest import ROOT, Api
from tests.api.portal_client import Browser, portal_state

SECRET = "mật khẩu từ dòng lệnh"  # noqa: S105  (a test password)


def nguon(database_url: str, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["users", *args, "--database", database_url], input=stdin)


class TestUsersCli:
    """An account made on the command line signs in to the portal; refusals say why and make nothing."""

    def test_create_from_stdin_then_sign_in(self, app: FastAPI, api: Api, database_url: str) -> None:
        made = nguon(database_url, "create", "--organisation", ROOT, "--login", "Admin@IPVietnam", "--role", "admin",
                     "--password-stdin", stdin=SECRET + "\n")
        assert made.exit_code == 0, made.output
        assert "user admin@ipvietnam (admin) of ipvietnam created" in made.stdout
        assert SECRET not in made.output
        listed = nguon(database_url, "list", "--json")
        [person] = json.loads(listed.stdout)
        assert (person["login"], person["organisation"], person["role"], person["has_password"]) == (
            "admin@ipvietnam", ROOT, "admin", True)
        assert "password_hash" not in person
        assert "admin@ipvietnam" in nguon(database_url, "list", "--organisation", ROOT).stdout
        assert Browser(app).sign_in("admin@ipvietnam", SECRET).status_code == 303

    def test_the_prompt_asks_twice_and_does_not_echo(self, api: Api, database_url: str) -> None:
        made = nguon(database_url, "create", "--organisation", ROOT, "--login", "lan", stdin=f"{SECRET}\n{SECRET}\n")
        assert made.exit_code == 0, made.output
        assert SECRET not in made.output

    def test_refusals_make_nothing(self, api: Api, database_url: str) -> None:
        before = portal_state(api.engine)
        cases = [(("--organisation", "khong-co", "--login", "lan"), "organisation khong-co is not registered"),
                 (("--organisation", ROOT, "--login", "Nguyễn"), "a login is 3 to 100 characters"),
                 (("--organisation", ROOT, "--login", "lan", "--role", "owner"), "role 'owner' is not one of"),
                 (("--organisation", ROOT, "--login", "lan"), "a password has 8 to 256 characters; this one has 5")]
        for args, said in cases:
            stdin = "short\n" if said.startswith("a password") else SECRET + "\n"
            refused = nguon(database_url, "create", *args, "--password-stdin", stdin=stdin)
            assert refused.exit_code == 1, args
            assert said in refused.output
        assert portal_state(api.engine) == before
