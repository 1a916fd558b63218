"""What the resolver's tests share: the demo's codes and the headers clients send (the demo registry resolved by a
client at CLIENT_ADDRESS is the `resolver` fixture of conftest.py)."""

from typing import Any

from api.digital_link import DigitalLink
from registry.demo import BatchKey, scenarios, serialised
from tests.api.conftest import RESOLVER_CLIENT

GS1 = "https://ref.gs1.org/voc/"
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
"""What a browser sends."""
CLIENT_ADDRESS = RESOLVER_CLIENT[0]
DEMO_PRODUCER = "gom-hong-phuc"
"""The demo's maker of vases, whose batch carries serials."""
UNKNOWN_GTIN = "08930000000019"
"""A GTIN with a right check digit that no demo product has."""


def path(key: BatchKey, serial: str | None = None) -> str:
    return DigitalLink(key.gtin, key.lot, serial).path()


def item() -> BatchKey:
    key = serialised()
    assert key is not None, "the demo has a serialised batch"
    return key


def genuine() -> BatchKey:
    return scenarios()["genuine"][0]


def failing(document: dict[str, Any]) -> list[str]:
    return [r["code"] for r in document["reasons"] if not r["ok"]]


def wrong_check_digit(gtin: str) -> str:
    return gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
