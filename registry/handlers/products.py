"""Products: registration under the producer's own GS1 licence, and updates of their names and passport data."""

from registry.errors import NotAllowedError, RuleViolationError
from registry.handlers import names
from registry.handlers.common import absent, history, need
from registry.kinds import PRODUCT_UPDATED, Context, kind
from registry.passport_tables import RegProductPassport
from registry.queries import licence_for
from registry.schemas import ProductRegistered, ProductRegisteredV2, ProductUpdated, Texts
from registry.state import State
from registry.tables import RegProduct


@kind("product.registered.v2", ProductRegisteredV2, roles=("producer",), subject=lambda b: f"product:{b.gtin}")
@kind("product.registered.v1", ProductRegistered, roles=("producer",), subject=lambda b: f"product:{b.gtin}")
def product_registered(state: State, ctx: Context, body: ProductRegistered) -> None:
    absent(state, RegProduct, "product", "sản phẩm", gtin=body.gtin)
    licence = licence_for(state, ctx.issuer, body.gtin, ctx.day)
    if licence is None:
        who_en, who_vi = names.org(state, ctx.issuer)
        raise NotAllowedError(
            "gtin-not-licensed", f"GTIN {body.gtin} is not inside a GS1 company prefix licensed to {who_en} and "
            "in force today; a product's GTIN is numbered under its producer's own prefix",
            f"GTIN {body.gtin} không thuộc mã doanh nghiệp GS1 nào đang cấp cho {who_vi}; mã sản phẩm phải "
            "được đánh theo mã doanh nghiệp của chính nhà sản xuất")
    state.insert(RegProduct, gtin=body.gtin, producer=ctx.issuer, name_vi=body.names.vi, name_en=body.names.en,
                 unit=body.unit, licence=licence["id"], entry=ctx.index)
    if isinstance(body, ProductRegisteredV2):
        state.insert(RegProductPassport, gtin=body.gtin, image=body.image, shelf_life_days=body.shelf_life_days,
                     standards="\n".join(body.standards), **_passport_texts(body))


def _passport_texts(body: ProductRegisteredV2 | ProductUpdated) -> dict[str, str | None]:
    """The usage and warnings columns a body gives (a text left out of an update is not among them)."""
    given: tuple[tuple[str, Texts | None], ...] = (("usage", body.usage), ("warnings", body.warnings))
    if isinstance(body, ProductUpdated):
        given = tuple((name, text) for name, text in given if text is not None)
    return {f"{name}_{lang}": None if text is None else getattr(text, lang) for name, text in given
            for lang in ("vi", "en")}


@kind(PRODUCT_UPDATED, ProductUpdated, roles=("producer",), subject=lambda b: f"product:{b.gtin}")
def product_updated(state: State, ctx: Context, body: ProductUpdated) -> None:
    """Its producer changes a product's names, unit or passport data; the GTIN and the producer stay. Batches
    already registered keep what they were registered with (their unit, their expiry date); the verdict and the
    pages show the product as it is now, with the day of each update (`registry.verdict.facts.product`)."""
    product = need(state, RegProduct, "product", "sản phẩm", gtin=body.gtin)
    if product["producer"] != ctx.issuer:
        owner_en, owner_vi = names.org(state, product["producer"])
        raise NotAllowedError("not-your-product", f"product {body.gtin} belongs to {owner_en}; only the producer "
                              "that registered it may update it", f"sản phẩm {body.gtin} thuộc về {owner_vi}; chỉ "
                              "nhà sản xuất đã đăng ký sản phẩm mới được cập nhật")
    given = body.changes()
    if not given:
        raise RuleViolationError("empty-update", "the update changes nothing", "bản cập nhật không thay đổi gì")
    own: dict[str, object] = {}
    if body.names is not None:
        own.update(name_vi=body.names.vi, name_en=body.names.en)
    if body.unit is not None:
        own["unit"] = body.unit
    if own:
        state.update(RegProduct, {"gtin": body.gtin}, **own)
    passport: dict[str, object] = {name: given[name] for name in ("image", "shelf_life_days") if name in given}
    if body.standards is not None:
        passport["standards"] = "\n".join(body.standards)
    passport.update(_passport_texts(body))
    if passport:
        if state.get(RegProductPassport, gtin=body.gtin) is None:
            # A product registered by v1 has no passport row until it is first given passport data.
            state.insert(RegProductPassport, gtin=body.gtin, **passport)
        else:
            state.update(RegProductPassport, {"gtin": body.gtin}, **passport)
    history(state, ctx, "product", body.gtin, "updated")
