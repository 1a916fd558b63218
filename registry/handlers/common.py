"""Lookups and checks that several handlers share."""

from typing import Any

from ledger.core.types import parse_timestamp
from registry import places
from registry.errors import ConflictError, RuleViolationError, UnknownReferenceError
from registry.kinds import CLOCK_SKEW, Context
from registry.schemas import Commune
from registry.state import Row, State
from registry.tables import RegBatch, RegHistory, RegOrganisation
from registry.values import check_list_version, day_en, day_vi


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


def batch(state: State, gtin: str, lot: str) -> Row:
    return need(state, RegBatch, "batch", "lô hàng", gtin=gtin, lot=lot)


def not_before(earlier: str, later: str, what_en: str, what_vi: str) -> None:
    if later < earlier:
        raise RuleViolationError(
            "dates-out-of-order", f"{what_en}: {later} is before {earlier}", f"{what_vi}: {later} trước {earlier}"
        )


def not_after_day(ctx: Context, day: str, what_en: str, what_vi: str) -> None:
    """A day a statement reports must not lie after the day the log records it (in Viet Nam)."""
    if day > ctx.day:
        raise RuleViolationError(
            "date-in-future", f"{what_en} {day} is after {ctx.day}, the day the registry records the statement",
            f"{what_vi} {day} sau ngày {ctx.day}, ngày hệ thống ghi nhận tuyên bố")


def not_after_logged(ctx: Context, moment: str, what_en: str, what_vi: str) -> None:
    """A time a statement reports must not lie after the time the log records it (with the clock skew allowed)."""
    if parse_timestamp(moment, what_en) > ctx.logged + CLOCK_SKEW:
        raise RuleViolationError(
            "date-in-future", f"{what_en} {moment} is after the time the registry records the statement",
            f"{what_vi} {moment} muộn hơn thời điểm hệ thống ghi nhận tuyên bố")


def place(ctx: Context, commune: Commune, what_en: str, what_vi: str) -> places.Commune:
    """The commune as the administrative list it cites knows it (`cited_commune` on the day of registration)."""
    return cited_commune(commune.code, commune.version, ctx.day, what_en, what_vi)


def cited_commune(code: str, version: str, today: str, what_en: str, what_vi: str) -> places.Commune:
    """The commune `code` as the list in force on `version` knows it; RuleViolationError `unknown-list-version`
    when the list is dated after `today` or before the national code list began, `unknown-commune` when that list
    has no such code. The one rule for statements and for the places API alike."""
    day = places.version_day(version)
    try:
        check_list_version(version)
    except ValueError as exc:
        raise RuleViolationError("unknown-list-version", f"{what_en} cites the administrative list of {version!r}, "
                                 "which is not a real day", f"{what_vi} dẫn danh mục hành chính ngày {version!r}, "
                                 "một ngày không có trên lịch") from exc
    if day > today:
        raise RuleViolationError(
            "unknown-list-version", f"{what_en} cites the administrative list of {day_en(day)}, a day after today "
            f"({day_en(today)})", f"{what_vi} dẫn danh mục hành chính ngày {day_vi(day)}, sau ngày hôm nay "
            f"({day_vi(today)})")
    if day < places.EARLIEST_VERSION:
        raise RuleViolationError(
            "unknown-list-version", f"{what_en} cites the administrative list of {day_en(day)}, before the national "
            f"list of codes began ({day_en(places.EARLIEST_VERSION)})", f"{what_vi} dẫn danh mục hành chính ngày "
            f"{day_vi(day)}, trước khi có danh mục mã số quốc gia ({day_vi(places.EARLIEST_VERSION)})")
    found = places.commune(code, version)
    if found is None:
        raise RuleViolationError(
            "unknown-commune", f"{what_en} {code} is not a commune of the administrative list in force on "
            f"{day_en(day)}", f"{what_vi} mã {code} không có trong danh mục đơn vị hành chính áp dụng ngày "
            f"{day_vi(day)}")
    return found


def not_ancient(day: str, what_en: str, what_vi: str) -> None:
    if day < "1900-01-01":
        raise RuleViolationError(
            "date-too-old", f"{what_en} {day_en(day)} is before 1 January 1900",
            f"{what_vi} {day_vi(day)} trước ngày 01/01/1900")


def history(state: State, ctx: Context, subject_type: str, subject_id: str, action: str) -> None:
    """Record that entry `ctx.index` changed a registered subject, so verdicts can prove the change."""
    state.insert(RegHistory, entry=ctx.index, subject_type=subject_type, subject_id=subject_id, action=action)
