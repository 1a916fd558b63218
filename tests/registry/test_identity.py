"""Product identity: GS1 company prefix licences from the numbering agency (registry.handlers.jurisdiction) and
products numbered inside a prefix licensed to their producer (registry.queries.licence_for)."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.store.sql import SqlView
from registry.queries import licence_for
from registry.service import Draft, Registry
from registry.state import State
from registry.tables import RegPrefixLicence, RegProduct
from registry.verdict.batch import verify_batch
from tests.registry.conftest import (
    ASSOCIATION,
    CERTIFIER,
    GTIN,
    NUMBERING,
    PRODUCER,
    ROOT,
    Clock,
    engine_of,
    gtin,
    live_digest,
    make_batch,
    make_licence,
    make_org,
    make_producer,
    make_product,
    numbering_agency,
    one,
    refused,
    replayed_digest,
)

COMPANY = "cong-ty-a"
RIVAL = "cong-ty-b"
PREFIX = "893555"
INSIDE = gtin(1, prefix="0893555")
"""A GTIN-14 inside PREFIX, indicator digit 0."""
TODAY = "2026-11-26"
TOMORROW = "2026-11-27"


def licence(holder: str = COMPANY, prefix: str = PREFIX, **overrides: Any) -> Draft:
    return make_licence(holder, prefix, **overrides)


def revocation(licence_id: str = f"licence-{PREFIX}", effective_on: str = TODAY) -> Draft:
    return "prefix.revoked.v1", {"licence": licence_id, "effective_on": effective_on,
                                 "reason": "Doanh nghiệp không nộp phí duy trì."}


def with_indicator(indicator: str, reference: str = "00001", prefix: str = PREFIX) -> str:
    """A GTIN-14 with `indicator` digit, `prefix`, `reference` and its check digit."""
    return gtin(int(reference), prefix=indicator + prefix)


@pytest.fixture
def companies(registry: Registry) -> Registry:
    """COMPANY and RIVAL, producers without prefixes, and the numbering agency."""
    make_producer(registry, COMPANY)
    make_producer(registry, RIVAL)
    numbering_agency(registry)
    return registry


def verdict(registry: Registry, gtin_: str, lot: str) -> dict[str, Any]:
    log = registry.log
    with log.store.read() as view:
        assert isinstance(view, SqlView)
        document = verify_batch(view, log, gtin_, lot, today=date(2026, 11, 26)).to_json()
    return json.loads(json.dumps(document, ensure_ascii=False))


class TestPrefixLicensed:
    """Only the numbering agency licenses GS1 company prefixes: 893 and 3 to 9 more ASCII digits, to producers."""

    def test_the_numbering_agency_licenses_a_prefix_to_a_producer(self, companies: Registry) -> None:
        [receipt] = companies.submit_as(NUMBERING, [licence(valid_until="2030-12-31")])
        row = one(companies, RegPrefixLicence, id=f"licence-{PREFIX}")
        assert (row["prefix"], row["licensee"], row["valid_from"], row["valid_until"], row["revoked_on"],
                row["revoked_entry"], row["entry"]) == (PREFIX, COMPANY, "2020-01-01", "2030-12-31", None, None,
                                                        receipt.index)

    @pytest.mark.parametrize("issuer", [ROOT, COMPANY, CERTIFIER])
    def test_refuses_an_issuer_that_is_not_the_numbering_agency(self, companies: Registry, issuer: str) -> None:
        make_org(companies, CERTIFIER, ["certifier"])
        error = refused(companies, issuer, [licence()], "role-not-allowed")
        assert "needs one of numbering_agency" in error.en

    @pytest.mark.parametrize("roles", [["association"], ["certifier"], ["authority"], ["inspector"]])
    def test_refuses_a_licensee_that_is_not_a_producer(self, companies: Registry, roles: list[str]) -> None:
        make_org(companies, "to-chuc-a", roles)
        error = refused(companies, NUMBERING, [licence("to-chuc-a")], "wrong-role")
        assert "the licensee to-chuc-a must have the role producer" in error.en

    def test_refuses_the_numbering_agency_licensing_itself(self, companies: Registry) -> None:
        refused(companies, NUMBERING, [licence(NUMBERING)], "wrong-role")

    def test_refuses_an_unknown_licensee(self, companies: Registry) -> None:
        refused(companies, NUMBERING, [licence("cong-ty-ma")], "unknown-organisation")

    def test_refuses_a_licence_id_used_before(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence()])
        refused(companies, NUMBERING, [licence(RIVAL, "893666", id=f"licence-{PREFIX}")], "duplicate-prefix-licence")

    @pytest.mark.parametrize("prefix", ["893123", "8931234", "893123456789"])
    def test_accepts_prefixes_of_six_to_twelve_digits(self, companies: Registry, prefix: str) -> None:
        companies.submit_as(NUMBERING, [licence(prefix=prefix)])

    @pytest.mark.parametrize("prefix", [
        "89312", "8931234567890", "894123", "0893123", "893", "893abc", "893 123", "893-123", "893123\n",
        "893１２３", "８９３123", "893١٢٣",
    ])
    def test_refuses_a_prefix_that_is_not_893_and_three_to_nine_ascii_digits(self, companies: Registry,
                                                                              prefix: str) -> None:
        refused(companies, NUMBERING, [licence(prefix=prefix, id="licence-x")], "invalid-body")

    def test_refuses_a_validity_ending_before_it_starts(self, companies: Registry) -> None:
        refused(companies, NUMBERING, [licence(valid_from="2026-01-02", valid_until="2026-01-01")], "invalid-body")


class TestPrefixOverlaps:
    """Nested prefixes (one starts with the other) cannot be licensed for periods that share a day."""

    @pytest.mark.parametrize(("first", "second"), [(PREFIX, "8935551"), ("8935551", PREFIX), (PREFIX, PREFIX),
                                                   ("893555", "893555123456")])
    def test_refuses_a_prefix_nested_with_one_in_force(self, companies: Registry, first: str, second: str) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, first, id="licence-1")])
        error = refused(companies, NUMBERING, [licence(RIVAL, second, id="licence-2")], "prefix-overlaps")
        assert f"overlaps prefix {first} licensed to {COMPANY} (licence licence-1)" in error.en

    def test_refuses_nesting_even_for_the_same_company(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, PREFIX, id="licence-1")])
        refused(companies, NUMBERING, [licence(COMPANY, "8935551", id="licence-2")], "prefix-overlaps")

    @pytest.mark.parametrize("second", ["893556", "8935561", "893554999", "893556123456"])
    def test_accepts_prefixes_that_do_not_nest(self, companies: Registry, second: str) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, PREFIX, id="licence-1"),
                                        licence(RIVAL, second, id="licence-2")])

    @pytest.mark.parametrize(("valid_from", "accepted"), [("2025-01-01", True), ("2024-12-31", False)])
    def test_a_licence_may_start_once_the_other_has_ended(self, companies: Registry, valid_from: str,
                                                          accepted: bool) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, PREFIX, id="licence-1", valid_until="2024-12-31")])
        draft = licence(RIVAL, "8935551", id="licence-2", valid_from=valid_from)
        if accepted:
            companies.submit_as(NUMBERING, [draft])
        else:
            refused(companies, NUMBERING, [draft], "prefix-overlaps")

    @pytest.mark.parametrize(("valid_until", "accepted"), [("2024-12-31", True), ("2025-01-01", False)])
    def test_a_licence_may_end_before_the_other_starts(self, companies: Registry, valid_until: str,
                                                       accepted: bool) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, PREFIX, id="licence-1", valid_from="2025-01-01")])
        draft = licence(RIVAL, "8935551", id="licence-2", valid_from="2020-01-01", valid_until=valid_until)
        if accepted:
            companies.submit_as(NUMBERING, [draft])
        else:
            refused(companies, NUMBERING, [draft], "prefix-overlaps")

    @pytest.mark.parametrize(("valid_from", "accepted"), [("2026-06-01", True), ("2026-05-31", False)])
    def test_a_licence_may_start_on_the_effective_date_of_the_others_revocation(
            self, companies: Registry, valid_from: str, accepted: bool) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, PREFIX, id="licence-1"),
                                        revocation("licence-1", "2026-06-01")])
        draft = licence(RIVAL, PREFIX, id="licence-2", valid_from=valid_from)
        if accepted:
            companies.submit_as(NUMBERING, [draft])
        else:
            refused(companies, NUMBERING, [draft], "prefix-overlaps")

    def test_a_company_renews_its_prefix_for_the_next_period(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(id="licence-1", valid_until="2025-12-31"),
                                        licence(id="licence-2", valid_from="2026-01-01")])
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE)])
        assert one(companies, RegProduct, gtin=INSIDE)["licence"] == "licence-2"


class TestPrefixRevoked:
    """The numbering agency revokes a licence once, from a day not before it began."""

    def test_records_the_revocation(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence()])
        [receipt] = companies.submit_as(NUMBERING, [revocation(effective_on="2026-12-01")])
        row = one(companies, RegPrefixLicence, id=f"licence-{PREFIX}")
        assert (row["revoked_on"], row["revoked_entry"]) == ("2026-12-01", receipt.index)

    def test_refuses_revoking_twice(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(), revocation()])
        error = refused(companies, NUMBERING, [revocation(effective_on="2027-01-01")], "already-revoked")
        assert f"licence licence-{PREFIX} was already revoked" in error.en

    def test_refuses_an_unknown_licence(self, companies: Registry) -> None:
        refused(companies, NUMBERING, [revocation("licence-khong-co")], "unknown-prefix-licence")

    def test_refuses_a_revocation_before_the_licence_began(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence()])
        refused(companies, NUMBERING, [revocation(effective_on="2019-12-31")], "dates-out-of-order")

    @pytest.mark.parametrize("issuer", [ROOT, COMPANY])
    def test_refuses_an_issuer_that_is_not_the_numbering_agency(self, companies: Registry, issuer: str) -> None:
        companies.submit_as(NUMBERING, [licence()])
        refused(companies, issuer, [revocation()], "role-not-allowed")

    def test_refuses_another_numbering_agency(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence()])
        make_org(companies, "to-chuc-ma-so-khac", ["numbering_agency"])
        error = refused(companies, "to-chuc-ma-so-khac", [revocation()], "not-your-licence")
        assert f"was granted by {NUMBERING}" in error.en


class TestProductRegistered:
    """A product's GTIN lies inside a prefix licensed to its producer and in force on the day of registration."""

    def test_records_the_licence_it_is_numbered_under(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_product(gtin=gtin(7))])
        assert one(registry, RegProduct, gtin=GTIN)["licence"] == "licence-893456"
        assert one(registry, RegProduct, gtin=gtin(7))["licence"] == "licence-893000"

    def test_refuses_a_gtin_inside_another_companys_prefix(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY)])
        error = refused(companies, RIVAL, [make_product(gtin=INSIDE)], "gtin-not-licensed")
        assert f"GTIN {INSIDE} is not inside a GS1 company prefix licensed to Organisation {RIVAL}" in error.en
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE)])

    def test_refuses_a_gtin_inside_no_licensed_prefix(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY)])
        refused(companies, COMPANY, [make_product(gtin=gtin(1, prefix="0893556"))], "gtin-not-licensed")

    def test_refuses_a_gtin_before_the_licence_begins(self, companies: Registry, clock: Clock) -> None:
        companies.submit_as(NUMBERING, [licence(valid_from=TOMORROW)])
        refused(companies, COMPANY, [make_product(gtin=INSIDE)], "gtin-not-licensed")
        clock.advance(days=1)
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE)])

    def test_refuses_a_gtin_after_the_licence_ends(self, companies: Registry, clock: Clock) -> None:
        companies.submit_as(NUMBERING, [licence(valid_until=TODAY)])
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE)])
        clock.advance(days=1)
        refused(companies, COMPANY, [make_product(gtin=gtin(2, prefix="0893555"))], "gtin-not-licensed")

    def test_refuses_a_gtin_from_the_effective_date_of_a_revocation(self, companies: Registry, clock: Clock) -> None:
        companies.submit_as(NUMBERING, [licence(), revocation(effective_on=TOMORROW)])
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE)])
        clock.advance(days=1)
        refused(companies, COMPANY, [make_product(gtin=gtin(2, prefix="0893555"))], "gtin-not-licensed")

    def test_refuses_a_gtin_under_a_licence_revoked_from_a_past_day(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(), revocation(effective_on="2026-01-01")])
        refused(companies, COMPANY, [make_product(gtin=INSIDE)], "gtin-not-licensed")

    @pytest.mark.parametrize("indicator", list("12345678"))
    def test_gtin14_indicator_digits_fall_inside_the_same_prefix(self, companies: Registry, indicator: str) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY)])
        case = with_indicator(indicator)
        assert (case[0], case[1:13]) == (indicator, INSIDE[1:13])
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE), make_product(gtin=case, unit="XBX")])
        assert one(companies, RegProduct, gtin=case)["licence"] == f"licence-{PREFIX}"
        refused(companies, RIVAL, [make_product(gtin=with_indicator(indicator, "00002"))], "gtin-not-licensed")

    def test_a_prefix_passed_to_another_company_numbers_only_the_new_holders_products(self,
                                                                                       companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY, "893555", valid_until="2024-12-31", id="licence-1"),
                                        licence(RIVAL, "8935551", valid_from="2025-01-01", id="licence-2")])
        refused(companies, COMPANY, [make_product(gtin=gtin(1, prefix="08935551"))], "gtin-not-licensed")
        companies.submit_as(RIVAL, [make_product(gtin=gtin(1, prefix="08935551"))])
        assert one(companies, RegProduct, gtin=gtin(1, prefix="08935551"))["licence"] == "licence-2"


class TestLicenceFor:
    """licence_for: the producer's licence whose prefix the GTIN's digits after the indicator start with, in force
    on the day (valid_from and valid_until included, the revocation's effective date excluded)."""

    @pytest.mark.parametrize(("day", "found"), [("2024-12-31", False), ("2025-01-01", True), ("2025-06-30", True),
                                                ("2025-07-01", False), ("2030-01-01", False)])
    def test_follows_the_licence_period_and_its_revocation(self, companies: Registry, day: str, found: bool) -> None:
        companies.submit_as(NUMBERING, [licence(valid_from="2025-01-01", valid_until="2025-12-31"),
                                        revocation(effective_on="2025-07-01")])
        with engine_of(companies).connect() as connection:
            row = licence_for(State(connection), COMPANY, with_indicator("3"), day)
        assert (row["id"] if row else None) == (f"licence-{PREFIX}" if found else None)

    def test_only_the_licensees_own_licences_count(self, companies: Registry) -> None:
        companies.submit_as(NUMBERING, [licence(COMPANY)])
        with engine_of(companies).connect() as connection:
            assert licence_for(State(connection), RIVAL, INSIDE, TODAY) is None
            assert licence_for(State(connection), COMPANY, INSIDE, TODAY) is not None


class TestVerdictShowsTheLicensee:
    """A verdict names the prefix licence its product was registered under, its licensee and the agency."""

    def test_the_product_facts_carry_the_licence(self, registry: Registry, producer: str) -> None:
        registry.submit_as(producer, [make_batch()])
        document = verdict(registry, GTIN, "L1")
        assert document["verdict"] == "authentic"
        found = document["product"]["licence"]
        assert (found["id"], found["prefix"], found["licensee"], found["agency"]["id"], found["revoked_on"]) == (
            "licence-893456", "893456", PRODUCER, NUMBERING, None)
        assert document["organisations"][NUMBERING]["en"] == f"Organisation {NUMBERING}"

    def test_the_verdict_cites_the_licence_of_the_registration_not_an_earlier_one(self,
                                                                                 companies: Registry) -> None:
        [old, new] = companies.submit_as(NUMBERING, [licence(id="licence-1", valid_until="2025-12-31"),
                                                     licence(id="licence-2", valid_from="2026-01-01")])
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE), make_batch(gtin=INSIDE)])
        found = verdict(companies, INSIDE, "L1")["product"]["licence"]
        assert (found["id"], found["entry"], found["valid_from"]) == ("licence-2", new.index, "2026-01-01")
        assert old.index != new.index

    def test_a_later_revocation_shows_on_the_verdict_and_leaves_the_product(self, companies: Registry,
                                                                            tmp_path: Path) -> None:
        companies.submit_as(NUMBERING, [licence()])
        companies.submit_as(COMPANY, [make_product(gtin=INSIDE), make_batch(gtin=INSIDE)])
        companies.submit_as(NUMBERING, [revocation(effective_on=TOMORROW)])
        found = verdict(companies, INSIDE, "L1")["product"]["licence"]
        assert (found["id"], found["revoked_on"]) == (f"licence-{PREFIX}", TOMORROW)
        assert one(companies, RegProduct, gtin=INSIDE)["licence"] == f"licence-{PREFIX}"
        make_org(companies, ASSOCIATION, ["association"])
        refused(companies, NUMBERING, [licence(ASSOCIATION, "893777", id="licence-x")], "wrong-role")
        assert replayed_digest(companies, tmp_path) == live_digest(companies)
