"""EPCIS 2.0 JSON-LD of a batch's events, with CBV 2.0 Event Hash IDs from GS1's reference implementation."""

import hashlib
from typing import Any

from epcis_event_hash_generator.hash_generator import derive_prehashes_from_events
from epcis_event_hash_generator.json_to_py import event_list_from_epcis_document_json

from registry.epcis import CONTEXT, event_hash_ids, events_document, lgtin_uri, object_event

BASE = "https://nguon.example"


def row(**overrides: Any) -> dict[str, Any]:
    """A recorded event as the `reg_events` projection holds it."""
    return {"entry": 7, "gtin": "08939901000012", "lot": "BT-2608-01", "issuer": "gom-hong-phuc",
            "biz_step": "shipping", "disposition": "in_transit", "event_time": "2026-11-20T08:00:00Z",
            "place_code": None, "place_version": None, "place_name": None, "source": "gom-hong-phuc",
            "destination": "ipvietnam", "note": None, **overrides}


class TestObjectEvent:
    """A recorded event becomes an ObjectEvent (OBSERVE) on the batch as an EPC class, in CBV 2.0 terms."""

    def test_maps_every_recorded_field(self) -> None:
        assert object_event(row(), BASE) == {
            "type": "ObjectEvent", "eventTime": "2026-11-20T08:00:00Z", "eventTimeZoneOffset": "+00:00",
            "action": "OBSERVE", "quantityList": [{"epcClass": "https://id.gs1.org/01/08939901000012/10/BT-2608-01"}],
            "bizStep": "shipping", "disposition": "in_transit",
            "sourceList": [{"type": "owning_party", "source": f"{BASE}/api/v1/organisations/gom-hong-phuc"}],
            "destinationList": [{"type": "owning_party", "destination": f"{BASE}/api/v1/organisations/ipvietnam"}],
        }

    def test_leaves_out_what_was_not_recorded(self) -> None:
        event = object_event(row(disposition=None, source=None, destination=None), BASE)
        assert set(event) == {"type", "eventTime", "eventTimeZoneOffset", "action", "quantityList", "bizStep"}

    def test_percent_encodes_the_lot_in_the_digital_link(self) -> None:
        assert lgtin_uri("08939901000012", "A/1%") == "https://id.gs1.org/01/08939901000012/10/A%2F1%25"


class TestEventHashId:
    """The eventID is the CBV 2.0 Event Hash of the event as published."""

    def test_is_the_sha256_of_the_cbv_pre_hash_string(self) -> None:
        event = object_event(row(), BASE)
        document = {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                    "creationDate": "2026-11-27T00:00:00.000Z", "epcisBody": {"eventList": [event]}}
        [pre_hash] = derive_prehashes_from_events(event_list_from_epcis_document_json(document))
        # CBV 2.0 8.9: bare CBV values expanded to their Web URIs, the time with milliseconds.
        assert pre_hash.startswith("eventType=ObjectEventeventTime=2026-11-20T08:00:00.000Z"
                                   "eventTimeZoneOffset=+00:00")
        assert "bizStep=https://ref.gs1.org/cbv/BizStep-shipping" in pre_hash
        assert "disposition=https://ref.gs1.org/cbv/Disp-in_transit" in pre_hash
        digest = hashlib.sha256(pre_hash.encode()).hexdigest()
        assert event_hash_ids([event]) == [f"ni:///sha-256;{digest}?ver=CBV2.0"]

    def test_does_not_depend_on_key_order_or_an_existing_event_id(self) -> None:
        event = object_event(row(), BASE)
        shuffled = {"eventID": "ni:///sha-256;00?ver=CBV2.0", **dict(reversed(list(event.items())))}
        assert event_hash_ids([shuffled]) == event_hash_ids([event])

    def test_changes_with_any_recorded_fact(self) -> None:
        ids = {event_hash_ids([object_event(r, BASE)])[0] for r in (
            row(), row(biz_step="receiving"), row(disposition="in_progress"), row(event_time="2026-11-20T08:00:01Z"),
            row(destination="vietcert"), row(lot="BT-2608-02"))}
        assert len(ids) == 6


class TestDocument:
    """An EPCISDocument holds the events in the order given, each with its own eventID."""

    def test_holds_each_event_with_its_hash_id(self) -> None:
        rows = [row(), row(entry=9, biz_step="receiving", disposition="in_progress", event_time="2026-11-21T09:00:00Z")]
        document = events_document(rows, BASE, "2026-11-27T10:00:00.000Z")
        assert (document["@context"], document["type"], document["schemaVersion"]) == ([CONTEXT], "EPCISDocument",
                                                                                        "2.0")
        events = document["epcisBody"]["eventList"]
        assert [e["bizStep"] for e in events] == ["shipping", "receiving"]
        assert [e["eventID"] for e in events] == event_hash_ids(events)
        assert len({e["eventID"] for e in events}) == 2

    def test_a_batch_without_events_is_an_empty_document(self) -> None:
        assert events_document([], BASE, "2026-11-27T10:00:00.000Z")["epcisBody"]["eventList"] == []
