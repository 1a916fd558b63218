"""The projection of a product's digital passport (Decree 37/2026/NĐ-CP): what `product.registered.v2` adds to a
product, one row per product registered by that kind. Rebuilt by `registry.replay` like every projection."""

from sqlmodel import Field, SQLModel


class RegProductPassport(SQLModel, table=True):
    __tablename__ = "reg_product_passports"
    gtin: str = Field(primary_key=True)
    image: str | None = None
    """The SHA-256 (hex) of the product's image (`registry.held.RegImage`)."""
    shelf_life_days: int | None = None
    standards: str = ""
    """The standards it applies, one per line."""
    usage_vi: str | None = None
    usage_en: str | None = None
    warnings_vi: str | None = None
    warnings_en: str | None = None
