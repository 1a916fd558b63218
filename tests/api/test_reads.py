"""Reads of the registry: every list pages with `next` and filters; unknown ids are 404 problems; the public
lists of who may use a GI or mark say whether each right is in force."""

from typing import Any

import pytest

from registry.demo import DemoSummary
from registry.epcis import event_hash_ids
from tests.api.conftest import (
    ASSOCIATION,
    GI,
    GTIN,
    MARK,
    MARK_RIGHT,
    OTHER_COMMUNE,
    OTHER_PRODUCER,
    PRODUCER,
    RIGHT,
    Api,
    assert_problem,
    days_from_today,
    make_correction,
    make_event,
    make_mark,
    make_right,
    make_right_change,
)

LISTS = ["/organisations", "/keys", "/gis", "/marks", "/rights", "/products", "/batches", "/events",
         "/certifications", "/serials", "/corrections", "/delegations", "/prefix-licences"]
DEMO_PRODUCER = "gom-hong-phuc"
"""The demo's maker of vases, whose batch carries serials."""


@pytest.fixture
def registry(demo: tuple[Api, DemoSummary]) -> Api:
    """The demo registry, with two corrections by DEMO_PRODUCER of its own (retractable) entries: a batch
    registration and an event."""
    api, _summary = demo
    for item in api.get("/batches", producer=DEMO_PRODUCER)["items"][:1] + \
            api.get("/events", issuer=DEMO_PRODUCER)["items"][:1]:
        api.created("/corrections", make_correction(item["entry"]), as_=DEMO_PRODUCER)
    return api


def walk(api: Api, path: str, size: int, **filters: Any) -> list[dict[str, Any]]:
    """Every item of a list, page by page of `size`, following `next`."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = api.get(path, limit=size, offset=offset, **filters)
        assert len(page["items"]) == size or page["next"] is None
        items += page["items"]
        offset = page["next"]
    return items


class TestLists:
    """Lists page in primary-key order and filter on their columns."""

    @pytest.mark.parametrize("path", LISTS)
    def test_pages_follow_next_to_every_item_once(self, registry: Api, path: str) -> None:
        everything = registry.get(path, limit=500)
        assert everything["next"] is None
        assert len(everything["items"]) >= 2, f"the demo has too few items at {path}"
        size = max(1, len(everything["items"]) // 3)
        assert walk(registry, path, size) == everything["items"]

    def test_a_page_beyond_the_end_is_empty(self, registry: Api) -> None:
        assert registry.get("/organisations", offset=10_000) == {"items": [], "next": None}

    def test_batches_filter_by_producer_and_carry_gtin_and_lot(self, demo: tuple[Api, DemoSummary]) -> None:
        api, summary = demo
        products = {p.gtin for p in summary.products if p.producer == DEMO_PRODUCER}
        batches = walk(api, "/batches", 1, producer=DEMO_PRODUCER)
        assert batches
        assert {b["producer"] for b in batches} == {DEMO_PRODUCER}
        assert {(b["gtin"], b["lot"]) for b in batches} == \
            {(k.gtin, k.lot) for k in summary.batches if k.gtin in products}

    def test_batches_filter_by_gtin_and_production_date(self, demo: tuple[Api, DemoSummary]) -> None:
        api, summary = demo
        key = summary.recalled[0]
        batch = api.get(f"/batches/{key.gtin}/{key.lot}")
        [found] = api.get("/batches", gtin=key.gtin, produced_on=batch["produced_on"])["items"]
        assert (found["gtin"], found["lot"]) == (key.gtin, key.lot)

    def test_serials_filter_by_batch(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        [batch] = api.get("/batches", producer=DEMO_PRODUCER, limit=1)["items"]
        serials = walk(api, "/serials", 100, gtin=batch["gtin"], lot=batch["lot"])
        assert len(serials) == batch["serials"] > 0
        assert {(s["gtin"], s["lot"]) for s in serials} == {(batch["gtin"], batch["lot"])}

    def test_rights_filter_by_status(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        suspended = api.get("/rights", status="suspended")["items"]
        assert suspended
        assert {r["status"] for r in suspended} == {"suspended"}

    def test_keys_filter_by_organisation(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        keys = api.get("/keys", organisation=DEMO_PRODUCER)["items"]
        assert [(k["organisation"], k["custodial"], k["active"]) for k in keys] == [(DEMO_PRODUCER, True, True)]

    def test_an_unknown_filter_value_finds_nothing(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        assert api.get("/batches", producer="nobody") == {"items": [], "next": None}

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}])
    def test_page_bounds_are_checked(self, api: Api, params: dict[str, int]) -> None:
        assert_problem(api.client.get("/api/v1/batches", params=params), 422, "invalid-request")


class TestOne:
    """Single resources by id, and 404 problems naming what is not registered."""

    def test_an_organisation_comes_with_its_keys(self, api: Api, producer: str) -> None:
        organisation = api.get(f"/organisations/{PRODUCER}")
        assert (organisation["id"], len(organisation["keys"])) == (PRODUCER, 1)

    def test_a_gi_comes_with_its_area(self, api: Api, gi: str) -> None:
        found = api.get(f"/gis/{GI}")
        assert [a["commune_code"] for a in found["area"]] == ["09877"]

    def test_a_batch_by_gtin_and_lot(self, api: Api, batch: dict[str, Any]) -> None:
        assert api.get(f"/batches/{GTIN}/L1")["entry"] == batch["index"]

    @pytest.mark.parametrize("path", ["/organisations/nobody", "/gis/no-gi", "/gis/no-gi/users", "/marks/no-mark",
                                      "/marks/no-mark/users", "/products/08930000000019",
                                      f"/batches/{GTIN}/NO-LOT"])
    def test_an_unknown_id_is_a_404_problem(self, api: Api, producer: str, path: str) -> None:
        problem = assert_problem(api.client.get(f"/api/v1{path}"), 404, "not-found")
        assert path.removesuffix("/users").rsplit("/", 1)[-1] in problem["detail"]
        assert "chưa được đăng ký" in problem["message"]["vi"]


class TestUsers:
    """Who may use a GI or a mark, and whether each right is in force, today or on a given day."""

    @pytest.fixture
    def users(self, api: Api, gi: str) -> Api:
        """RIGHT (PRODUCER) suspended from 2026-10-01; OTHER_PRODUCER's right in force; one expired right."""
        api.register(OTHER_PRODUCER)
        api.register("coop-cu", commune=OTHER_COMMUNE)
        api.created("/rights", make_right(id="right-dien", holder=OTHER_PRODUCER, valid_from="2025-03-01"))
        api.created("/rights", make_right(id="right-cu", holder="coop-cu", valid_until="2025-12-31"))
        api.created("/rights/suspensions", make_right_change(effective_on="2026-10-01"))
        return api

    def in_force(self, api: Api, path: str, **params: str) -> dict[str, bool]:
        return {u["organisation"]: u["in_force"] for u in api.get(path, **params)["users"]}

    def test_lists_every_holder_with_status_and_names(self, users: Api) -> None:
        listing = users.get(f"/gis/{GI}/users")
        assert listing["gi"] == GI
        by_holder = {u["organisation"]: u for u in listing["users"]}
        assert set(by_holder) == {PRODUCER, OTHER_PRODUCER, "coop-cu"}
        assert (by_holder[PRODUCER]["right"], by_holder[PRODUCER]["status"]) == (RIGHT, "suspended")
        assert by_holder[OTHER_PRODUCER]["name_vi"] == f"Tổ chức {OTHER_PRODUCER}"

    def test_says_which_rights_are_in_force_today(self, users: Api) -> None:
        assert self.in_force(users, f"/gis/{GI}/users") == {PRODUCER: False, OTHER_PRODUCER: True, "coop-cu": False}

    def test_says_which_rights_were_in_force_before_the_suspension(self, users: Api) -> None:
        assert self.in_force(users, f"/gis/{GI}/users", on="2025-06-30") == \
            {PRODUCER: True, OTHER_PRODUCER: True, "coop-cu": True}
        assert self.in_force(users, f"/gis/{GI}/users", on="2026-09-30")[PRODUCER] is True
        assert self.in_force(users, f"/gis/{GI}/users", on="2026-10-01")[PRODUCER] is False

    def test_a_suspension_from_a_later_day_leaves_the_right_in_force_today(self, users: Api) -> None:
        users.created("/rights/suspensions", make_right_change(right="right-dien", effective_on=days_from_today(30)))
        assert [(u["status"], u["in_force"]) for u in users.get(f"/gis/{GI}/users")["users"]
                if u["organisation"] == OTHER_PRODUCER] == [("suspended", True)]

    def test_a_day_before_a_right_starts_is_not_in_force(self, users: Api) -> None:
        assert self.in_force(users, f"/gis/{GI}/users", on="2025-01-01")[OTHER_PRODUCER] is False

    def test_a_day_that_is_not_yyyy_mm_dd_is_refused(self, users: Api) -> None:
        assert_problem(users.client.get(f"/api/v1/gis/{GI}/users", params={"on": "1/10/2026"}), 422,
                       "invalid-request")

    def test_mark_users_list_members_and_rights(self, api: Api, producer: str) -> None:
        api.register(ASSOCIATION, ["association"])
        api.register(OTHER_PRODUCER)
        api.created("/marks", make_mark(users=[OTHER_PRODUCER]))
        api.created("/rights", make_right(id=MARK_RIGHT, subject={"type": "mark", "id": MARK}), as_=ASSOCIATION)
        api.created("/rights/suspensions", make_right_change(right=MARK_RIGHT, effective_on="2026-10-01"),
                    as_=ASSOCIATION)
        listing = api.get(f"/marks/{MARK}/users")
        assert (listing["mark"], set(listing["members"])) == (MARK, {OTHER_PRODUCER, PRODUCER})
        assert [(u["organisation"], u["status"], u["in_force"]) for u in listing["users"]] == \
            [(PRODUCER, "suspended", False)]
        assert self.in_force(api, f"/marks/{MARK}/users", on="2026-09-30") == {PRODUCER: True}


class TestEpcis:
    """GET /api/v1/batches/{gtin}/{lot}/epcis: the batch's events as EPCIS 2.0 JSON-LD with Event Hash IDs."""

    def test_a_batch_s_events_with_their_hash_ids(self, api: Api, batch: dict[str, Any]) -> None:
        shipped, inspected = f"{days_from_today(-2)}T08:00:00Z", f"{days_from_today(-1)}T09:30:00Z"
        api.created("/events", make_event(event_time=shipped), as_=PRODUCER)
        api.created("/events", make_event(biz_step="inspecting", disposition=None, event_time=inspected),
                    as_=PRODUCER)
        response = api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/ld+json"
        document = response.json()
        assert document["type"] == "EPCISDocument"
        events = document["epcisBody"]["eventList"]
        assert [(e["bizStep"], e["eventTime"]) for e in events] == [("shipping", shipped), ("inspecting", inspected)]
        assert {e["quantityList"][0]["epcClass"] for e in events} == {f"https://id.gs1.org/01/{GTIN}/10/L1"}
        assert [e["eventID"] for e in events] == event_hash_ids(events)

    def test_an_unknown_batch_is_not_found(self, api: Api, producer: str) -> None:
        assert_problem(api.client.get(f"/api/v1/batches/{GTIN}/NOPE/epcis"), 404, "not-found")

    def test_a_repeated_request_is_served_from_the_cache_with_a_new_creation_date(
            self, api: Api, batch: dict[str, Any]) -> None:
        api.created("/events", make_event(), as_=PRODUCER)
        cache = api.services.epcis
        first = api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis").json()
        hits, misses = cache.hits, cache.misses
        again = api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis").json()
        assert (cache.hits, cache.misses) == (hits + 1, misses)
        assert again["epcisBody"] == first["epcisBody"]
        assert again["creationDate"] >= first["creationDate"]
        assert first["creationDate"].endswith("Z")

    def test_a_new_event_is_in_the_next_document(self, api: Api, batch: dict[str, Any]) -> None:
        api.created("/events", make_event(), as_=PRODUCER)
        assert len(api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis").json()["epcisBody"]["eventList"]) == 1
        api.created("/events", make_event(biz_step="inspecting", disposition=None), as_=PRODUCER)
        events = api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis").json()["epcisBody"]["eventList"]
        assert [e["bizStep"] for e in events] == ["shipping", "inspecting"]
        assert [e["eventID"] for e in events] == event_hash_ids(events)
