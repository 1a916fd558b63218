"""A batch's recorded events as an EPCIS 2.0 JSON-LD document, each event with its CBV 2.0 Event Hash ID.

Every `batch.event.v1` statement is an EPCIS ObjectEvent with action OBSERVE on the batch as an EPC class
(its GS1 Digital Link URI, `https://id.gs1.org/01/{gtin}/10/{lot}`), with the CBV 2.0 bizStep and
disposition it was recorded with, and the organisations it names as owning-party source and destination,
identified by their URL in this registry. The Event Hash ID (`ni:///sha-256;…?ver=CBV2.0`, CBV 2.0 section
8.9) is computed by GS1's reference implementation, `epcis-event-hash-generator`, over the event as
published here, so anyone holding the document can recompute it.

Only events are exported: a product's registration and its updates (`product.updated.v2`) are master data,
which EPCIS keeps outside its events (the product is named by its GTIN in the Digital Link URI), so an update
adds no event and changes no Event Hash ID.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
from epcis_event_hash_generator.json_to_py import event_list_from_epcis_document_json

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
"""The EPCIS 2.0 JSON-LD context (the hash generator carries a copy: no network is needed)."""
MEDIA_TYPE = "application/ld+json"


def lgtin_uri(gtin: str, lot: str) -> str:
    """The batch as a GS1 Digital Link URI on GS1's canonical domain (AI 10 percent-encoded)."""
    return f"https://id.gs1.org/01/{gtin}/10/{quote(lot, safe='')}"


def object_event(row: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """The ObjectEvent of one recorded event (a `reg_events` row), without its eventID."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": row["event_time"],
        "eventTimeZoneOffset": "+00:00",  # event times are recorded in UTC
        "action": "OBSERVE",
        "quantityList": [{"epcClass": lgtin_uri(row["gtin"], row["lot"])}],
        "bizStep": row["biz_step"],
    }
    if row["disposition"] is not None:
        event["disposition"] = row["disposition"]
    for role, organisation in (("source", row["source"]), ("destination", row["destination"])):
        if organisation is not None:
            event[f"{role}List"] = [{"type": "owning_party", role: f"{base_url}/api/v1/organisations/{organisation}"}]
    return event


def _document(events: list[dict[str, Any]], created: str) -> dict[str, Any]:
    return {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": created,
            "epcisBody": {"eventList": events}}


def event_hash_ids(events: list[dict[str, Any]]) -> list[str]:
    """The CBV 2.0 Event Hash ID of each event (an eventID present in them takes no part)."""
    if not events:
        return []
    bare = [{k: v for k, v in e.items() if k != "eventID"} for e in events]
    parsed = event_list_from_epcis_document_json(_document(bare, "2000-01-01T00:00:00.000Z"))
    hashes: list[str] = epcis_hashes_from_events(parsed)
    return hashes


def events_document(rows: Iterable[Mapping[str, Any]], base_url: str, created: str) -> dict[str, Any]:
    """An EPCISDocument of the events in `rows`, in the order given, each with its Event Hash ID as eventID."""
    events = [object_event(row, base_url) for row in rows]
    for event, hash_id in zip(events, event_hash_ids(events), strict=True):
        event["eventID"] = hash_id
    return _document(events, created)
