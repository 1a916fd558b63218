"""Builders shared by every suite: the cast of a small registry, and valid statements about it.

`make_*` functions build a valid draft `(kind, body)` whose fields can be overridden (an override of None
removes the field); the HTTP API takes the body alone (`body(make_batch(lot="L2"))`). Dates are fixed for the
registry's test clock (26 November 2026); suites on the real clock override them.
"""

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from registry.values import gtin_check_digit

Body = dict[str, Any]
Draft = tuple[str, Body]

ROOT = "ipvietnam"
ROOT_NAMES = {"vi": "Cục Sở hữu trí tuệ", "en": "Intellectual Property Office of Viet Nam"}
PRODUCER = "coop-hoai-duc"
OTHER_PRODUCER = "coop-dien"
ASSOCIATION = "hiep-hoi-bat-trang"
INSPECTOR = "chi-cuc-qlcl"
CERTIFIER = "vietcert"
NUMBERING = "gs1-vietnam"
"""The numbering agency: licenses GS1 company prefixes."""

GI = "buoi-hoai-duc"
RIGHT = "right-hoai-duc"
MARK = "gom-bat-trang"
MARK_RIGHT = "right-gom"
COMMUNE = {"code": "09877", "version": "2025-07-01"}
"""A commune of the GI's area (An Khánh, Hà Nội), as the administrative list of 1 July 2025 numbers it."""
OTHER_COMMUNE = {"code": "09832", "version": "2025-07-01"}
"""Another commune of Hà Nội (Hoài Đức), outside the GI's area."""
FAR_COMMUNE = {"code": "31078", "version": "2025-07-01"}
"""A commune of An Giang (Phú Quốc special zone), another province."""
HANOI = "01"
AN_GIANG = "91"
PRODUCER_PREFIXES = ("893456", "893000")
"""GS1 company prefixes licensed to PRODUCER by the suites' set-ups: they hold GTIN and every gtin(n)."""
GI_CLAIM = {"type": "gi", "id": GI}
MARK_CLAIM = {"type": "mark", "id": MARK}
LOT = "L1"


def gtin(serial: int, prefix: str = "0893") -> str:
    """A GTIN-14 with a valid check digit: `prefix` (indicator digit and GS1 prefix), `serial`, check digit."""
    body = f"{prefix}{serial:0{13 - len(prefix)}d}"
    return body + str(gtin_check_digit(body))


GTIN = "08934567890120"
OTHER_GTIN = gtin(1)


def with_overrides(body: Body, overrides: Mapping[str, Any]) -> Body:
    """`body` with `overrides`; an override of None removes the field."""
    merged = {**body, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def body(draft: Draft) -> Body:
    """What the HTTP API's typed write routes take: the draft's body, its kind given by the route."""
    return draft[1]


def make_organisation(org_id: str, roles: Sequence[str] = ("producer",), **overrides: Any) -> Draft:
    body = {"id": org_id, "names": {"vi": f"Tổ chức {org_id}", "en": f"Organisation {org_id}"},
            "roles": list(roles), "commune": COMMUNE}
    return "organisation.registered.v1", with_overrides(body, overrides)


def v2(draft: Draft, **fields: Any) -> Draft:
    """`draft` as the second version of its kind (organisation.registered and .updated, product.registered,
    batch.registered), with `fields` that only that version has (an override of None removes a field)."""
    kind, body = draft
    return kind.removesuffix(".v1") + ".v2", with_overrides(body, fields)


def make_delegation(authority: str, provinces: Sequence[str] = (HANOI,), **overrides: Any) -> Draft:
    body = {"id": f"delegation-{authority}", "authority": authority, "provinces": list(provinces),
            "valid_from": "2020-01-01"}
    return "delegation.granted.v1", with_overrides(body, overrides)


def make_accreditation(certifier: str = CERTIFIER, **overrides: Any) -> Draft:
    body = {"id": f"accreditation-{certifier}", "certifier": certifier, "schemes": ["VietGAP", "TCVN 11041"],
            "valid_from": "2020-01-01", "valid_until": "2030-12-31"}
    return "accreditation.granted.v1", with_overrides(body, overrides)


def make_licence(holder: str, prefix: str, **overrides: Any) -> Draft:
    body = {"id": f"licence-{prefix}", "prefix": prefix, "licensee": holder, "valid_from": "2020-01-01"}
    return "prefix.licensed.v1", with_overrides(body, overrides)


def make_gi(**overrides: Any) -> Draft:
    body = {"id": GI, "certificate": "00132", "application": "6-2021-00042",
            "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "product": "pomelo", "manager": ROOT,
            "specification": "Pomelos grown on the alluvial soil of the Day river.", "granted_on": "2023-12-26",
            "area": [{"commune": COMMUNE, "stage": "raw_material"}]}
    return "gi.registered.v1", with_overrides(body, overrides)


def make_mark(**overrides: Any) -> Draft:
    body = {"id": MARK, "type": "collective", "certificate": "312345", "application": "4-2019-12345",
            "owner": ASSOCIATION, "names": {"vi": "Gốm Bát Tràng", "en": "Bat Trang ceramics"},
            "goods": "Ceramic tableware and vases", "nice_classes": [21], "valid_from": "2020-06-01",
            "valid_until": "2030-06-01"}
    return "mark.registered.v1", with_overrides(body, overrides)


def make_right(**overrides: Any) -> Draft:
    body = {"id": RIGHT, "holder": PRODUCER, "subject": GI_CLAIM, "valid_from": "2024-01-01"}
    return "right.granted.v1", with_overrides(body, overrides)


def make_right_change(action: str, **overrides: Any) -> Draft:
    """right.suspended / reinstated / revoked."""
    body = {"right": RIGHT, "effective_on": "2025-01-01", "reason": "Inspection found mislabelled fruit."}
    return f"right.{action}.v1", with_overrides(body, overrides)


def make_product(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "unit": "H87"}
    return "product.registered.v1", with_overrides(body, overrides)


def make_batch(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": LOT, "quantity": "100", "unit": "H87", "produced_on": "2026-11-01",
            "origin": COMMUNE}
    return "batch.registered.v1", with_overrides(body, overrides)


def make_event(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": LOT, "biz_step": "shipping", "disposition": "in_transit",
            "event_time": "2026-11-20T08:00:00Z"}
    return "batch.event.v1", with_overrides(body, overrides)


def make_recall(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": LOT, "reason": "Residue above the limit."}
    return "batch.recalled.v1", with_overrides(body, overrides)


def make_serials(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": LOT, "count": 3}
    return "serials.issued.v1", with_overrides(body, overrides)


def make_certification(**overrides: Any) -> Draft:
    body = {"id": "cert-1", "subject": {"type": "batch", "gtin": GTIN, "lot": LOT}, "scheme": "VietGAP",
            "result": "pass", "valid_from": "2026-11-01", "valid_until": "2027-11-01",
            "document_sha256": hashlib.sha256(b"audit report").hexdigest()}
    return "certification.issued.v1", with_overrides(body, overrides)


def make_correction(entry: int, **overrides: Any) -> Draft:
    body = {"entry": entry, "reason": "The quantity was mistyped."}
    return "correction.v1", with_overrides(body, overrides)
