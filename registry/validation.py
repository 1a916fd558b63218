"""Validation errors said in Vietnamese and English.

Pydantic says why a value was refused in English only. A refusal here carries both languages, so each error
is rewritten from its type and context (pydantic's `type` and `ctx`, which are stable across versions),
and the registry's own value rules raise `BilingualValueError`, which pydantic keeps as `ctx['error']`.
"""

from collections.abc import Iterable, Mapping
from typing import Any


class BilingualValueError(ValueError):
    """A value refused, with the reason in English (the exception's text) and in Vietnamese."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.vi = vi


_VI_BY_TYPE: dict[str, str] = {
    "missing": "thiếu trường này",
    "extra_forbidden": "không có trường nào tên như vậy",
    "string_type": "phải là một chuỗi ký tự",
    "int_type": "phải là một số nguyên",
    "int_parsing": "phải là một số nguyên",
    "float_type": "phải là một số",
    "bool_type": "phải là true hoặc false",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "string_pattern_mismatch": "không đúng dạng quy định ({pattern})",
    "string_too_short": "phải có ít nhất {min_length} ký tự",
    "string_too_long": "chỉ được có tối đa {max_length} ký tự",
    "too_short": "phải có ít nhất {min_length} phần tử",
    "too_long": "chỉ được có tối đa {max_length} phần tử",
    "literal_error": "phải là một trong các giá trị {expected}",
    "enum": "phải là một trong các giá trị {expected}",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "json_invalid": "không phải là JSON hợp lệ",
    "json_type": "không phải là JSON hợp lệ",
    "union_tag_invalid": "có loại {tag} không nằm trong các loại {expected_tags}",
    "frozen_instance": "không được sửa",
}
"""Vietnamese for the error types a request or statement body meets; any other reads as "giá trị không hợp
lệ" with its type named, so a new pydantic type never shows English inside Vietnamese text."""


def vietnamese(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) said in Vietnamese."""
    ctx = error.get("ctx") or {}
    reason = ctx.get("error")
    if isinstance(reason, BilingualValueError):
        return reason.vi
    template = _VI_BY_TYPE.get(str(error.get("type")))
    if template is None:
        return f"giá trị không hợp lệ ({error.get('type')})"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split(" {")[0]


def where(loc: Iterable[object]) -> str:
    """The field an error is about, as a dotted path without FastAPI's `body` or `query` prefix."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts)


def describe(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each error as {loc, msg (English, pydantic's own words), vi}: what an `errors` member of a problem lists."""
    return [{"loc": [str(p) for p in e["loc"]], "msg": str(e["msg"]), "vi": vietnamese(e)} for e in errors]


def summary(described: list[dict[str, Any]], limit: int = 5) -> tuple[str, str]:
    """(English, Vietnamese) sentences naming the first `limit` errors and where they are."""
    shown = described[:limit]
    en = "; ".join(f"{where(e['loc']) or 'body'}: {e['msg']}" for e in shown)
    vi = "; ".join(f"«{where(e['loc'])}» {e['vi']}" if where(e["loc"]) else e["vi"] for e in shown)
    more = len(described) - len(shown)
    if more > 0:
        en += f"; and {more} more"
        vi += f"; và {more} lỗi khác"
    return en, vi
