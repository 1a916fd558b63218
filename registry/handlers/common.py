"""Lookups and checks that several handlers share."""

from datetime import date
from typing import Any

from registry.errors import ConflictError, NotAllowedError, RuleViolationError, UnknownReferenceError
from registry.kinds import Context
from registry.state import Row, State
from registry.tables import RegBatch, RegHistory, RegOrganisation


def need(state: State, model: Any, label_en: str, label_vi: str, **pk: Any) -> Row:
    """The row with this key, or UnknownReferenceError naming what is missing."""
    row = state.get(model, **pk)
    if row is None:
        key = ", ".join(f"{v}" for v in pk.values())
        raise UnknownReferenceError(
            f"unknown-{label_en.lower().replace(' ', '-')}",
            f"{label_en} {key} is not registered",
            f"{label_vi} {key} chưa được đăng ký",
        )
    return row


def absent(state: State, model: Any, label_en: str, label_vi: str, **pk: Any) -> None:
    """ConflictError when a row with this key exists already."""
    if state.get(model, **pk) is not None:
        key = ", ".join(f"{v}" for v in pk.values())
        raise ConflictError(
            f"duplicate-{label_en.lower().replace(' ', '-')}",
            f"{label_en} {key} is already registered",
            f"{label_vi} {key} đã được đăng ký",
        )


def organisation(state: State, org_id: str) -> Row:
    return need(state, RegOrganisation, "organisation", "tổ chức", id=org_id)


def roles_of(row: Row) -> set[str]:
    return set(row["roles"].split(",")) if row["roles"] else set()


def require_role(state: State, org_id: str, role: str, what_en: str, what_vi: str) -> Row:
    row = organisation(state, org_id)
    if role not in roles_of(row):
        raise RuleViolationError(
            "wrong-role",
            f"{what_en} {org_id} must have the role {role}; it has {row['roles'] or 'none'}",
            f"{what_vi} {org_id} phải có vai trò {role}; hiện có {row['roles'] or 'không có'}",
        )
    return row


def require_issuer(ctx: Context, allowed: str, what_en: str, what_vi: str) -> None:
    """NotAllowedError unless the issuer is `allowed` or an authority."""
    if ctx.issuer != allowed and "authority" not in ctx.roles:
        raise NotAllowedError(
            "not-yours",
            f"{ctx.issuer} may not {what_en}; only {allowed} or an authority may",
            f"{ctx.issuer} không được {what_vi}; chỉ {allowed} hoặc cơ quan quản lý được phép",
        )


def batch(state: State, gtin: str, lot: str) -> Row:
    return need(state, RegBatch, "batch", "lô hàng", gtin=gtin, lot=lot)


def not_before(earlier: str, later: str, what_en: str, what_vi: str) -> None:
    if later < earlier:
        raise RuleViolationError(
            "dates-out-of-order", f"{what_en}: {later} is before {earlier}", f"{what_vi}: {later} trước {earlier}"
        )


def not_after_issue(ctx: Context, day: str, what_en: str, what_vi: str) -> None:
    """Dates a statement reports must not lie after the day it was issued (a day of slack for time zones)."""
    if date.fromisoformat(day[:10]).toordinal() > ctx.issued_on.toordinal() + 1:
        raise RuleViolationError(
            "date-in-future",
            f"{what_en} {day} is after the statement's issue date {ctx.issued_on.isoformat()}",
            f"{what_vi} {day} sau ngày lập tuyên bố {ctx.issued_on.isoformat()}",
        )


def not_ancient(day: str, what_en: str, what_vi: str) -> None:
    if day < "1900-01-01":
        raise RuleViolationError(
            "date-too-old", f"{what_en} {day} is before 1900-01-01", f"{what_vi} {day} trước ngày 1900-01-01"
        )


def history(state: State, ctx: Context, subject_type: str, subject_id: str, action: str) -> None:
    """Record that entry `ctx.index` changed a registered subject, so verdicts can prove the change."""
    state.insert(RegHistory, entry=ctx.index, subject_type=subject_type, subject_id=subject_id, action=action)
