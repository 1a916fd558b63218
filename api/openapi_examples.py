"""An example request for every write operation of the OpenAPI document, so /docs shows a body that works: the
cast of a Hà Nội pomelo cooperative, its GI and a Bát Tràng mark (valid bodies; a test checks each against its
operation's schema)."""

from typing import Any

from fastapi import FastAPI

COMMUNE = {"code": "09877", "version": "2025-07-01", "name": "Xã An Khánh"}
GTIN, LOT = "08934567890120", "HD-2611-01"
SHA256 = "9f2b5d1c4e3a7b6d8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"
NAMES = {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}

BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/organisations": {"id": "coop-hoai-duc", "names": {"vi": "Hợp tác xã Bưởi Hoài Đức",
                                                                "en": "Hoai Duc Pomelo Cooperative"},
                              "roles": ["producer"], "commune": COMMUNE},
    "/api/v1/organisations/updates": {"id": "coop-hoai-duc", "names": {"vi": "Hợp tác xã Nông nghiệp Hoài Đức",
                                                                        "en": "Hoai Duc Agricultural Cooperative"}},
    "/api/v1/keys": {"organisation": "coop-hoai-duc", "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                     "custodial": False},
    "/api/v1/keys/revocations": {"organisation": "coop-hoai-duc", "key_id": "5f3c9a1b2d4e6f70",
                                 "reason": "Máy tính giữ khóa bị mất."},
    "/api/v1/gis": {"id": "buoi-hoai-duc", "certificate": "00132", "application": "6-2021-00042", "names": NAMES,
                    "product": "bưởi", "manager": "sokhcn-ha-noi",
                    "specification": "Bưởi trồng trên đất phù sa ven sông Đáy.", "granted_on": "2023-12-26",
                    "area": [{"commune": COMMUNE, "stage": "raw_material"}]},
    "/api/v1/gis/amendments": {"gi": "buoi-hoai-duc",
                               "specification": "Bưởi trồng trên đất phù sa ven sông Đáy, thu hoạch từ tháng 9."},
    "/api/v1/gis/manager-changes": {"gi": "buoi-hoai-duc", "manager": "hiep-hoi-buoi-hoai-duc"},
    "/api/v1/gis/cancellations": {"gi": "buoi-hoai-duc", "effective_on": "2027-01-01",
                                  "reason": "Vùng trồng không còn đáp ứng điều kiện của chỉ dẫn địa lý."},
    "/api/v1/marks": {"id": "gom-bat-trang", "type": "collective", "certificate": "312345",
                      "application": "4-2019-12345", "owner": "hiep-hoi-bat-trang",
                      "names": {"vi": "Gốm Bát Tràng", "en": "Bat Trang ceramics"},
                      "goods": "Đồ gốm gia dụng và bình hoa", "nice_classes": [21], "valid_from": "2020-06-01",
                      "valid_until": "2030-06-01", "users": ["gom-hong-phuc"]},
    "/api/v1/marks/renewals": {"mark": "gom-bat-trang", "valid_until": "2040-06-01"},
    "/api/v1/marks/cancellations": {"mark": "gom-bat-trang", "effective_on": "2027-01-01",
                                    "reason": "Chủ sở hữu xin chấm dứt hiệu lực văn bằng."},
    "/api/v1/rights": {"id": "right-hoai-duc", "holder": "coop-hoai-duc",
                       "subject": {"type": "gi", "id": "buoi-hoai-duc"}, "valid_from": "2026-01-01",
                       "valid_until": "2030-12-31", "quota": {"quantity": "2500", "unit": "KGM", "text": "2,5 tấn"}},
    "/api/v1/rights/suspensions": {"right": "right-hoai-duc", "effective_on": "2026-11-15",
                                   "reason": "Đoàn kiểm tra phát hiện bưởi ngoài vùng được dán nhãn."},
    "/api/v1/rights/reinstatements": {"right": "right-hoai-duc", "effective_on": "2026-12-01",
                                      "reason": "Hợp tác xã đã khắc phục sau kiểm tra."},
    "/api/v1/rights/revocations": {"right": "right-hoai-duc", "effective_on": "2027-01-01",
                                   "reason": "Vi phạm lặp lại sau khi được khôi phục quyền."},
    "/api/v1/products": {"gtin": GTIN, "names": NAMES, "unit": "KGM"},
    "/api/v1/products/updates": {"gtin": GTIN, "shelf_life_days": 45, "warnings": {
        "vi": "Bảo quản nơi khô ráo, thoáng mát; không dùng quả đã dập hoặc có mùi lạ.",
        "en": "Keep in a cool, dry place; do not eat fruit that is bruised or smells unusual."}},
    "/api/v1/batches": {"gtin": GTIN, "lot": LOT, "quantity": "1200", "unit": "KGM", "produced_on": "2026-11-20",
                        "origin": {"code": "09877", "version": "2025-07-01"},
                        "claims": [{"type": "gi", "id": "buoi-hoai-duc"}]},
    "/api/v1/events": {"gtin": GTIN, "lot": LOT, "biz_step": "shipping", "disposition": "in_transit",
                       "event_time": "2026-11-21T01:30:00Z", "place": {"commune": COMMUNE},
                       "source": "coop-hoai-duc", "destination": "sieu-thi-ha-noi"},
    "/api/v1/recalls": {"gtin": GTIN, "lot": LOT, "reason": "Phát hiện dư lượng thuốc bảo vệ thực vật vượt mức."},
    "/api/v1/serials": {"gtin": GTIN, "lot": LOT, "count": 100, "prefix": "HD26"},
    "/api/v1/certifications": {"id": "vietgap-hd-2611", "subject": {"type": "batch", "gtin": GTIN, "lot": LOT},
                               "scheme": "VietGAP", "result": "pass", "valid_from": "2026-11-20",
                               "valid_until": "2027-11-20", "document_sha256": SHA256},
    "/api/v1/certifications/revocations": {"certification": "vietgap-hd-2611",
                                           "reason": "Kết quả đánh giá lại không đạt."},
    "/api/v1/corrections": {"entry": 42, "reason": "Số lượng bị nhập nhầm.", "replacement": 43},
    "/api/v1/delegations": {"id": "delegation-ha-noi", "authority": "sokhcn-ha-noi", "provinces": ["01"],
                            "valid_from": "2026-06-01"},
    "/api/v1/delegations/withdrawals": {"id": "delegation-ha-noi", "reason": "Chuyển giao thẩm quyền về Cục."},
    "/api/v1/accreditations": {"id": "accreditation-vietcert", "certifier": "vietcert", "schemes": ["VietGAP"],
                               "valid_from": "2026-01-01", "valid_until": "2030-12-31"},
    "/api/v1/accreditations/withdrawals": {"id": "accreditation-vietcert",
                                           "reason": "Tổ chức chứng nhận không gia hạn chỉ định."},
    "/api/v1/prefix-licences": {"id": "licence-893456", "prefix": "893456", "licensee": "coop-hoai-duc",
                                "valid_from": "2026-06-01"},
    "/api/v1/prefix-licences/revocations": {"licence": "licence-893456", "effective_on": "2027-01-01",
                                            "reason": "Doanh nghiệp không nộp phí duy trì mã."},
    "/api/v1/statements": {"kind": "batch.recalled.v1",
                           "body": {"gtin": GTIN, "lot": LOT, "reason": "Bao bì bị rách trong khi vận chuyển."}},
    "/api/v1/tokens": {"label": "máy in nhãn ở xưởng", "organisation": "coop-hoai-duc"},
    "/api/v1/keys/custodial": {"organisation": "coop-hoai-duc"},
}
"""A JSON body per write operation, by path (every write is a POST)."""

CSV = (f"gtin,lot,quantity,unit,produced_on,origin_code,origin_version,claims,inputs\n"
       f"{GTIN},HD-2611-02,800,KGM,2026-11-21,09877,2025-07-01,gi:buoi-hoai-duc,\n"
       f"{GTIN},HD-2611-03,650,KGM,2026-11-22,09877,2025-07-01,gi:buoi-hoai-duc,\n")
OTHER_MEDIA = {"/api/v1/batches/import": ("text/csv", CSV)}
"""Bodies of writes that take another media type than JSON."""


def add_examples(document: dict[str, Any]) -> None:
    """Put the example of every write operation into `document`'s request bodies."""
    for path, operations in document["paths"].items():
        body = operations.get("post", {}).get("requestBody")
        if body is None:
            continue
        if path in OTHER_MEDIA:
            media, example = OTHER_MEDIA[path]
            body.setdefault("content", {}).setdefault(media, {"schema": {"type": "string"}})["example"] = example
        elif path in BODIES:
            body["content"]["application/json"]["example"] = BODIES[path]


def install(app: FastAPI) -> None:
    """Make `app.openapi` add the examples (after the other installers, whose documents it extends)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        add_examples(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its schema
