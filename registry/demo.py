"""A demo registry: Vietnamese craft villages and GI products, written through the public Registry API.

`load_demo(registry)` bootstraps the IP Office of Viet Nam as root authority, which registers the provincial
authorities with their delegations (each its own province), GS1 Viet Nam and the certification centre; every
organisation gets a custodial key and is registered by the authority of its province. It then submits the
storyline of `demo_data/timeline.json` one step (one issuer, one `submit_as`, all or nothing) at a time, each
at the time the step gives: GIs, marks and an accreditation, a GS1 company prefix per producer, rights of use,
products and batches from August to November 2026, a transformation, shipments, certifications, inspections, a
wrongful suspension retracted, a backdated suspension, a recall (and gift boxes packed from the recalled
batch before it), an expired right and a batch past its expiry date; producers upload a picture of each product
first (`registry.demo_images`). The story runs on its
own clock, so that its entries are logged when the story says and every time rule holds as it would have.

    organisations.json  id, names, roles, commune (a key of `communes`), who registers it, for an authority the
                        provinces delegated to it, and optionally street, tax_code and business_registration
                        (registered by organisation.registered.v2)
    timeline.json       start (when the organisations are registered), communes, gtins (13-digit bodies; the
                        check digit is computed here), images (KEY: [shape, ground, figure] for
                        `registry.demo_images.picture`), scenarios (batch keys by what they demonstrate) and
                        steps: at (UTC), issuer, story and drafts [kind, body] or [kind, body, label]

Inside a body, a string "gtin:KEY" stands for that product's GTIN-14, "commune:KEY" for the commune object,
"sha256:TEXT" for the hex SHA-256 of TEXT (the certificate documents), "image:KEY" for the SHA-256 of that
picture (which the step's issuer uploads before the step), and "entry:LABEL" for the log index of the draft an
earlier step labelled LABEL.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from ledger.core.types import parse_timestamp
from registry.demo_images import picture
from registry.errors import ConflictError, DomainError
from registry.kinds import BATCH_REGISTERED, ORGANISATION_REGISTERED, PRODUCT_REGISTERED
from registry.service import Draft, Registry
from registry.values import gtin_check_digit

ROOT = "ipvietnam"

DEMO_NOTE = (
    "Demo data. Real: the names of the IP Office of Viet Nam and of the provincial and Hanoi departments; "
    "the GI certificate numbers 00132 (La Tinh, granted 2023-12-26), 00001 (Phu Quoc), 00004 (Buon Ma Thuot) "
    "and 00046 (Cao Phong); the grant years 2001 and 2005; the July 2025 merger of Kien Giang into An Giang and "
    "of Hoa Binh into Phu Tho; and commune codes as published in the administrative lists (codes were reused "
    "in the reform: 00577 was Da Ton commune before 1 July 2025 and is the new Bat Trang commune after it; the "
    "old Bat Trang commune was 00583). Invented: every producer, association, certifier, retailer and witness; "
    "the mark certificate and all application numbers; the exact grant days; GI specification summaries, yields "
    "and area lists; which post-reform commune a village now lies in; the delegations, the accreditation and "
    "the GS1 company prefixes; all rights, quotas, plots, GTINs, lots, quantities, shipments, certificates, "
    "inspections, the suspensions, the retraction and the recall; every street, tax code (all begin with 99) and "
    "registration number, every picture (drawn by code), shelf life, usage text and warning, and which standard "
    "each product applies (TCVN 5107:2018 fish sauce, TCVN 4193:2014 green coffee and TCVN 11892-1:2017 VietGAP "
    "are real standards; TCCS 01:2026/HL is invented)."
)
DEMO_NOTE_VI = (
    "Dữ liệu mẫu. Có thật: tên Cục Sở hữu trí tuệ và các Sở; số văn bằng chỉ dẫn địa lý 00132 (La Tinh, cấp "
    "ngày 26/12/2023), 00001 (Phú Quốc), 00004 (Buôn Ma Thuột), 00046 (Cao Phong); năm cấp 2001 và 2005; việc "
    "sáp nhập Kiên Giang vào An Giang và Hòa Bình vào Phú Thọ từ 1/7/2025; mã xã theo danh mục hành chính (mã "
    "được dùng lại sau sắp xếp: 00577 là xã Đa Tốn trước 1/7/2025 và là xã Bát Tràng mới sau đó; xã Bát Tràng "
    "cũ mang mã 00583). Tự đặt: mọi nhà sản xuất, hội, tổ chức chứng nhận, nhà phân phối, nhân chứng; số văn bằng "
    "nhãn hiệu và mọi số đơn; ngày cấp cụ thể; tóm tắt bản mô tả, định mức và danh sách vùng; việc làng nghề thuộc "
    "xã mới nào; các quyết định ủy quyền, công nhận và mã doanh nghiệp GS1; mọi quyền sử dụng, hạn mức, thửa đất, "
    "GTIN, số lô, số lượng, vận chuyển, chứng nhận, kiểm tra, đình chỉ, đính chính và thu hồi; mọi địa chỉ, mã số "
    "thuế (đều bắt đầu bằng 99) và số đăng ký kinh doanh, mọi hình ảnh (vẽ bằng chương trình), hạn sử dụng, hướng "
    "dẫn sử dụng và cảnh báo, và tiêu chuẩn áp dụng cho từng sản phẩm (TCVN 5107:2018 nước mắm, TCVN 4193:2014 cà "
    "phê nhân và TCVN 11892-1:2017 VietGAP là tiêu chuẩn có thật; TCCS 01:2026/HL là tự đặt)."
)


@dataclass(frozen=True)
class BatchKey:
    gtin: str
    lot: str


@dataclass(frozen=True)
class DemoProduct:
    gtin: str
    name_vi: str
    name_en: str
    producer: str


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote, for a UI's start page; every batch group is a tuple of (gtin, lot) keys."""

    organisations: tuple[str, ...]
    gis: tuple[str, ...]
    marks: tuple[str, ...]
    products: tuple[DemoProduct, ...]
    batches: tuple[BatchKey, ...]
    """Every batch, in log order."""
    genuine: tuple[BatchKey, ...]
    """GI or mark claims with a right in force at production, certified, shipped and received."""
    transformed: tuple[BatchKey, ...]
    """Made from input batches (pomelo gift boxes)."""
    recalled: tuple[BatchKey, ...]
    recalled_input: tuple[BatchKey, ...]
    """Made from a batch recalled after it was used (orange gift boxes): a warning, not recalled themselves."""
    suspended_right: tuple[BatchKey, ...]
    """Produced on a day on which the producer's right was suspended by a statement recorded after the batch."""
    wrongly_suspended: tuple[BatchKey, ...]
    """Under a right wrongly suspended and the suspension retracted: authentic, the history on the page."""
    expired_right: tuple[BatchKey, ...]
    """Made under a mark right that has expired since: still authentic."""
    expired: tuple[BatchKey, ...]
    """Past its expiry date (its production date plus its product's shelf life): a warning."""
    no_claim: tuple[BatchKey, ...]
    """Plain batches without GI or mark."""
    entries: int
    """The log's size after loading."""


def _data(name: str) -> Any:
    return json.loads((resources.files("registry") / "demo_data" / name).read_text(encoding="utf-8"))


class _Resolver:
    """Expands the "gtin:", "commune:", "sha256:", "image:" and "entry:" shorthands of the data files, and draws
    the pictures."""

    def __init__(self, gtins: Mapping[str, str], communes: Mapping[str, dict[str, str]],
                 pictures: Mapping[str, list[str]]) -> None:
        self.gtins = {key: body + str(gtin_check_digit(body)) for key, body in gtins.items()}
        self.communes = communes
        self.pictures = {key: picture(*spec) for key, spec in pictures.items()}
        self.labels: dict[str, int] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            prefix, _, rest = value.partition(":")
            if prefix == "gtin":
                return self._lookup(self.gtins, "product", rest)
            if prefix == "commune":
                return dict(self._lookup(self.communes, "commune", rest))
            if prefix == "sha256":
                return hashlib.sha256(rest.encode()).hexdigest()
            if prefix == "image":
                return hashlib.sha256(self._lookup(self.pictures, "picture", rest)).hexdigest()
            if prefix == "entry":
                return self._lookup(self.labels, "labelled entry", rest)
        return value

    @staticmethod
    def _lookup(table: Mapping[str, Any], what: str, key: str) -> Any:
        if key not in table:
            raise ValueError(f"demo data names {what} {key!r}; known: {', '.join(sorted(table))}")
        return table[key]


def _log_size(registry: Registry) -> int:
    with registry.log.store.read() as view:
        return view.head().size


class _StoryClock:
    """The demo's clock: it says the time of the story's current step."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _submit(registry: Registry, issuer: str, drafts: list[Draft], story: str) -> list[int]:
    """Submit the drafts as `issuer`; the log index of each."""
    try:
        return [receipt.index for receipt in registry.submit_as(issuer, drafts)]
    except DomainError as exc:
        exc.add_note(f"demo step of {issuer}: {story}")
        raise


def _register_organisations(registry: Registry, organisations: list[dict[str, Any]], resolve: _Resolver) -> None:
    """The root bootstraps itself; each registrar then registers its organisations in one submission, the root
    with the delegations of the authorities it registers."""
    root, *others = organisations
    registry.bootstrap(root["id"], root["names"])
    by_registrar: dict[str, list[Draft]] = {}
    delegations: list[Draft] = []
    for org in others:
        body: dict[str, Any] = {"id": org["id"], "names": org["names"], "roles": org["roles"]}
        if org.get("commune"):
            body["commune"] = resolve(f"commune:{org['commune']}")
        address: dict[str, Any] = {n: org[n] for n in ("street", "tax_code", "business_registration") if n in org}
        body.update(address)
        body["keys"] = [{"public_key": registry.create_custodial_key(org["id"]), "custodial": True}]
        kind = ORGANISATION_REGISTERED[1 if address else 0]
        by_registrar.setdefault(org["registered_by"], []).append((kind, body))
        if "delegation" in org:
            delegations.append(("delegation.granted.v1", {"id": f"uy-quyen-{org['id']}", "authority": org["id"],
                                                          "valid_from": "2025-07-01", **org["delegation"]}))
    by_registrar[root["id"]] = by_registrar.get(root["id"], []) + delegations
    for registrar, drafts in by_registrar.items():  # registrars come before the organisations they register
        _submit(registry, registrar, drafts, f"registering {len(drafts)} organisations")


def load_demo(registry: Registry) -> DemoSummary:
    """Write the demo into an empty registry and say what it wrote.

    Deterministic apart from keys and nonces (the story sets every time). Raises ConflictError if the log is not empty,
    and the first DomainError of a step the rules refuse (with a note naming the step); steps before it
    stay committed.
    """
    size = _log_size(registry)
    if size:
        raise ConflictError("demo-needs-empty-log", f"the demo loads into an empty registry; this log has {size} "
                            "entries", f"dữ liệu mẫu chỉ nạp vào sổ cái trống; sổ cái này đã có {size} mục")
    organisations = _data("organisations.json")
    timeline = _data("timeline.json")
    if organisations[0]["id"] != ROOT:
        raise ValueError(f"organisations.json must start with the root authority {ROOT}")
    resolve = _Resolver(timeline["gtins"], timeline["communes"], timeline["images"])
    clock = _StoryClock(parse_timestamp(timeline["start"]))
    story = Registry(registry.log, registry.custody, clock, group_limit=1)
    _register_organisations(story, organisations, resolve)

    gis: list[str] = []
    marks: list[str] = []
    products: list[DemoProduct] = []
    batches: list[BatchKey] = []
    for step in timeline["steps"]:
        clock.now = parse_timestamp(step["at"])
        for draft in step["drafts"]:
            named = str(draft[1].get("image", ""))
            if named.startswith("image:"):
                story.store_image(step["issuer"], resolve.pictures[named.removeprefix("image:")], "image/png")
        drafts: list[Draft] = [(draft[0], resolve(draft[1])) for draft in step["drafts"]]
        indices = _submit(story, step["issuer"], drafts, step["story"])
        resolve.labels.update({draft[2]: index for draft, index in zip(step["drafts"], indices, strict=True)
                               if len(draft) > 2})
        for kind, body in drafts:
            if kind == "gi.registered.v1":
                gis.append(body["id"])
            elif kind == "mark.registered.v1":
                marks.append(body["id"])
            elif kind in PRODUCT_REGISTERED:
                products.append(DemoProduct(body["gtin"], body["names"]["vi"], body["names"]["en"], step["issuer"]))
            elif kind in BATCH_REGISTERED:
                batches.append(BatchKey(body["gtin"], body["lot"]))

    def scenario(name: str) -> tuple[BatchKey, ...]:
        return scenarios()[name]

    return DemoSummary(
        organisations=tuple(org["id"] for org in organisations), gis=tuple(gis), marks=tuple(marks),
        products=tuple(products), batches=tuple(batches), genuine=scenario("genuine"),
        transformed=scenario("transformed"), recalled=scenario("recalled"),
        recalled_input=scenario("recalled_input"), suspended_right=scenario("suspended_right"),
        wrongly_suspended=scenario("wrongly_suspended"), expired_right=scenario("expired_right"),
        expired=scenario("expired"), no_claim=scenario("no_claim"), entries=_log_size(registry),
    )


def scenarios() -> dict[str, tuple[BatchKey, ...]]:
    """The demo's batches by the scenario they show, read from the data (no database needed)."""
    timeline = _data("timeline.json")
    resolve = _Resolver(timeline["gtins"], timeline["communes"], {})
    return {name: tuple(BatchKey(resolve(f"gtin:{product}"), lot) for product, lot in keys)
            for name, keys in timeline["scenarios"].items()}


def serialised() -> BatchKey | None:
    """The demo batch whose items carry serials, if any."""
    timeline = _data("timeline.json")
    resolve = _Resolver(timeline["gtins"], timeline["communes"], {})
    for step in timeline["steps"]:
        for kind, body, *_ in step["drafts"]:
            if kind == "serials.issued.v1":
                return BatchKey(resolve(body["gtin"]), body["lot"])
    return None
