"""Administrative units as reference data: a commune of either list, and where the reform of 1 July 2025 put it."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from api.problems import ApiProblem
from registry import places
from registry.errors import RuleViolationError
from registry.handlers.common import cited_commune
from registry.kinds import vietnam_today

router = APIRouter(prefix="/api/v1/places", tags=["places"])

CODE = r"^[0-9]{5}$"
VERSION = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"
"""The patterns of a cited commune's code and list version (registry.values.CommuneCode, ListVersion)."""


class Name(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vi: str
    en: str


class ProvinceOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: Name


class SuccessorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: Name
    partly: bool
    """The old commune was divided: other new communes took the rest of it."""


class PredecessorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: Name


class CommuneOut(BaseModel):
    """A commune of the list in force on `version` (`list_version`: 2025-07-01 or the older list's 2025-01-04), its
    province from 1 July 2025, and across the reform: for a commune of the older list the new communes it went
    into (`successors`; empty when the conversion table has no row for it), for one of 2025 the old communes it
    took in (`predecessors`). The other of the two is null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {
        "code": "00589", "version": "2025-01", "list_version": "2025-01-04",
        "name": {"vi": "Xã Kim Đức", "en": "Kim Đức commune"},
        "province": {"code": "01", "name": {"vi": "Thành phố Hà Nội", "en": "Hà Nội"}},
        "successors": [{"code": "00577", "name": {"vi": "Xã Bát Tràng", "en": "Bát Tràng commune"},
                        "partly": False}],
        "predecessors": None}})
    code: str
    version: str
    list_version: str
    name: Name
    province: ProvinceOut
    successors: list[SuccessorOut] | None
    predecessors: list[PredecessorOut] | None


def _name(name: str) -> dict[str, str]:
    return {"vi": name, "en": places.name_en(name)}


def commune_document(code: str, version: str, today: str) -> dict[str, Any]:
    """The CommuneOut of `code` in the list in force on `version`; RuleViolationError as a statement citing it
    would meet (`unknown-list-version`, `unknown-commune`)."""
    found = cited_commune(code, version, today, "the commune", "đơn vị hành chính")
    province = places.provinces()[found.province]
    before = found.list_version != places.REFORM
    return {
        "code": code, "version": version, "list_version": found.list_version, "name": _name(found.name),
        "province": {"code": province.code, "name": _name(province.name)},
        "successors": [{"code": s.commune.code, "name": _name(s.commune.name), "partly": s.partly}
                       for s in places.successors(code)] if before else None,
        "predecessors": None if before else [{"code": p.code, "name": _name(p.name)}
                                             for p in places.predecessors(code)],
    }


@router.get("/communes/{code}", response_model=CommuneOut)
def commune(code: Annotated[str, Path(pattern=CODE, description="five digits, leading zeros written")],
            version: Annotated[str | None, Query(pattern=VERSION, description="the day (YYYY-MM-DD) or month "
                                                 "(YYYY-MM) of the list cited; default today")] = None,
            ) -> dict[str, Any]:
    """A commune as the administrative list in force on `version` knows it, and where the reform of 1 July 2025
    put it: 00577 is Xã Đa Tốn in a list before that day (divided between Xã Bát Tràng and Xã Gia Lâm), and the
    new Xã Bát Tràng after it. 404 `unknown-commune` for a code that list lacks; 400 `unknown-list-version` for a
    list dated in the future or before 2004."""
    today = vietnam_today().isoformat()
    try:
        return commune_document(code, version or today, today)
    except RuleViolationError as exc:
        raise ApiProblem(404 if exc.code == "unknown-commune" else 400, exc.code, exc.en, exc.vi) from exc
