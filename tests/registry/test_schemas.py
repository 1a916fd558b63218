"""Statement bodies: strict pydantic models that refuse unknown fields and check their own shape."""

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from registry.kinds import KINDS
from registry.schemas import (
    BatchEvent,
    BatchRegistered,
    CertSubject,
    Commune,
    Correction,
    OrganisationRegistered,
    ProductRegistered,
    RightGranted,
    SerialsIssued,
)
from tests.registry.conftest import (
    make_batch,
    make_certification,
    make_event,
    make_gi,
    make_mark,
    make_organisation,
    make_product,
    make_right,
    make_serials,
)


def errors(model: type[BaseModel], body: Mapping[str, Any]) -> list[ErrorDetails]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return caught.value.errors()


class TestFactories:
    """The test factories build bodies every kind accepts."""

    @pytest.mark.parametrize("draft", [make_organisation("coop-a"), make_gi(), make_mark(), make_right(),
                                       make_product(), make_batch(), make_event(), make_serials(),
                                       make_certification()])
    def test_factory_bodies_validate(self, draft: tuple[str, dict[str, Any]]) -> None:
        kind, body = draft
        KINDS[kind].body.model_validate(body)


class TestUnknownFields:
    """Every body, at every depth, refuses fields it does not define."""

    def test_refuses_an_unknown_top_level_field(self) -> None:
        _, body = make_organisation("coop-a", colour="green")
        [error] = errors(OrganisationRegistered, body)
        assert (error["type"], error["loc"]) == ("extra_forbidden", ("colour",))

    def test_refuses_an_unknown_nested_field(self) -> None:
        _, body = make_batch(origin={"code": "09877", "version": "2025-07-01", "province": "Ha Noi"})
        [error] = errors(BatchRegistered, body)
        assert (error["type"], error["loc"]) == ("extra_forbidden", ("origin", "province"))

    def test_refuses_an_unknown_language_in_names(self) -> None:
        _, body = make_product(names={"vi": "Bưởi", "en": "Pomelo", "fr": "Pamplemousse"})
        [error] = errors(ProductRegistered, body)
        assert error["loc"] == ("names", "fr")


class TestStrictness:
    """Values keep their JSON types: nothing is coerced."""

    def test_refuses_a_number_where_a_decimal_string_is_due(self) -> None:
        _, body = make_batch(quantity=100)
        [error] = errors(BatchRegistered, body)
        assert error["loc"] == ("quantity",)

    def test_refuses_a_string_where_a_number_is_due(self) -> None:
        _, body = make_serials(count="3")
        assert any(e["loc"] == ("count",) for e in errors(SerialsIssued, body))

    def test_refuses_an_unknown_role(self) -> None:
        _, body = make_organisation("coop-a", ["producer", "farmer"])
        [error] = errors(OrganisationRegistered, body)
        assert error["loc"] == ("roles", 1)

    def test_refuses_a_business_step_outside_cbv(self) -> None:
        _, body = make_event(biz_step="teleporting")
        [error] = errors(BatchEvent, body)
        assert error["loc"] == ("biz_step",)

    def test_refuses_an_event_time_that_is_not_utc(self) -> None:
        _, body = make_event(event_time="2026-11-20T08:00:00+07:00")
        [error] = errors(BatchEvent, body)
        assert error["loc"] == ("event_time",)

    @pytest.mark.parametrize("version", ["2025", "25-07", "2025-07-01T00:00"])
    def test_refuses_a_commune_without_a_dated_administrative_version(self, version: str) -> None:
        assert errors(Commune, {"code": "09877", "version": version})[0]["loc"] == ("version",)

    @pytest.mark.parametrize("code", ["9877", "009877", "0987a", "０９８７７", "09877 "])
    def test_refuses_a_commune_code_that_is_not_five_ascii_digits(self, code: str) -> None:
        assert errors(Commune, {"code": code, "version": "2025-07-01"})[0]["loc"] == ("code",)

    @pytest.mark.parametrize("version", ["２０２５-07-01", "2025-０7-01"])
    def test_refuses_a_version_written_with_other_digits(self, version: str) -> None:
        assert errors(Commune, {"code": "09877", "version": version})[0]["loc"] == ("version",)

    def test_bodies_are_frozen(self) -> None:
        product = ProductRegistered.model_validate(make_product()[1])
        with pytest.raises(ValidationError):
            product.unit = "KGM"  # type: ignore[misc]

    def test_refuses_a_negative_correction_entry(self) -> None:
        assert errors(Correction, {"entry": -1, "reason": "typo"})[0]["loc"] == ("entry",)


class TestRightWindow:
    """A right of use ends no earlier than it starts, or not at all."""

    def test_refuses_an_end_before_the_start(self) -> None:
        _, body = make_right(valid_from="2025-01-01", valid_until="2024-12-31")
        [error] = errors(RightGranted, body)
        assert "valid_until 2024-12-31 is before valid_from 2025-01-01" in error["msg"]

    @pytest.mark.parametrize("until", ["2025-01-01", "2035-01-01", None])
    def test_accepts_an_end_on_or_after_the_start_or_none(self, until: str | None) -> None:
        right = RightGranted.model_validate(make_right(valid_from="2025-01-01", valid_until=until)[1])
        assert right.valid_until == until


class TestCertSubject:
    """A certification's subject has exactly the fields its type needs."""

    @pytest.mark.parametrize("subject", [
        {"type": "batch", "gtin": "08934567890120", "lot": "L1"},
        {"type": "product", "gtin": "08934567890120"},
        {"type": "producer", "organisation": "coop-a"},
    ])
    def test_accepts_each_shape(self, subject: dict[str, str]) -> None:
        assert CertSubject.model_validate(subject).type == subject["type"]

    @pytest.mark.parametrize(("subject", "message"), [
        ({"type": "batch", "gtin": "08934567890120"}, "a batch subject has exactly gtin, lot; got gtin"),
        ({"type": "product", "gtin": "08934567890120", "lot": "L1"},
         "a product subject has exactly gtin; got gtin, lot"),
        ({"type": "producer", "organisation": "coop-a", "gtin": "08934567890120"},
         "a producer subject has exactly organisation; got gtin, organisation"),
        ({"type": "producer"}, "a producer subject has exactly organisation; got"),
    ])
    def test_refuses_missing_or_extra_fields(self, subject: dict[str, str], message: str) -> None:
        [error] = errors(CertSubject, subject)
        assert message in error["msg"]


class TestSerialsIssued:
    """Serials come either as a count (with an optional prefix) or as an explicit list without repeats."""

    def test_refuses_both_forms(self) -> None:
        _, body = make_serials(count=2, serials=["A1", "A2"])
        assert "give either count" in errors(SerialsIssued, body)[0]["msg"]

    def test_refuses_neither_form(self) -> None:
        _, body = make_serials(count=None)
        assert "give either count" in errors(SerialsIssued, body)[0]["msg"]

    def test_refuses_a_repeated_serial(self) -> None:
        _, body = make_serials(count=None, serials=["A1", "A2", "A1"])
        assert "repeats a serial" in errors(SerialsIssued, body)[0]["msg"]

    def test_refuses_a_count_of_zero(self) -> None:
        assert errors(SerialsIssued, make_serials(count=0)[1])[0]["loc"] == ("count",)

    def test_a_counted_series_continues_after_start(self) -> None:
        serials = SerialsIssued.model_validate(make_serials(count=3, prefix="HD")[1])
        assert serials.expand(4) == ["HD0000005", "HD0000006", "HD0000007"]

    def test_a_counted_series_without_prefix_uses_s(self) -> None:
        assert SerialsIssued.model_validate(make_serials(count=1)[1]).expand(0) == ["S0000001"]

    def test_an_explicit_list_expands_to_itself(self) -> None:
        serials = SerialsIssued.model_validate(make_serials(count=None, serials=["B", "A"])[1])
        assert serials.expand(10) == ["B", "A"]
