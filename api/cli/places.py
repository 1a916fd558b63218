"""`nguon places CODE`: a commune of either administrative list, and where the reform of 1 July 2025 put it."""

import re
from typing import Annotated, Any

import typer

from api.cli.common import err, in_user_language
from api.routes.places import CODE, VERSION, commune_document
from registry import places
from registry.errors import RuleViolationError
from registry.kinds import vietnam_today
from registry.values import day_en, day_vi


def _named(item: dict[str, Any], vi: bool) -> str:
    return f"{item['name']['vi']} (mã {item['code']})" if vi else f"{item['name']['en']} (code {item['code']})"


def describe(document: dict[str, Any], vi: bool) -> list[str]:
    """The lines `nguon places` prints for a CommuneOut (api.routes.places), in Vietnamese or English."""
    lines = [f"{_named(document, vi)}, {document['province']['name']['vi' if vi else 'en']}"]
    listed = document["list_version"]
    if listed == places.REFORM:
        lines.append(f"Danh mục từ ngày {day_vi(listed)}" if vi else f"List in force from {day_en(listed)}")
        before = ", ".join(_named(p, vi) for p in document["predecessors"])
        if before:
            lines.append(f"Hình thành từ: {before}" if vi else f"Formed from: {before}")
    else:
        lines.append(f"Danh mục trước ngày {day_vi(places.REFORM)} (áp dụng ngày {day_vi(listed)})" if vi
                     else f"List before {day_en(places.REFORM)} (in force on {day_en(listed)})")
        after = document["successors"]
        named = ", ".join(_named(s, vi) for s in after)
        if not after:
            lines.append("Bảng chuyển đổi không có đơn vị này" if vi else "Not in the conversion table")
        elif after[0]["partly"]:
            lines.append(f"Nay chia vào: {named}" if vi else f"Now divided between: {named}")
        else:
            lines.append(f"Nay thuộc: {named}" if vi else f"Now part of: {named}")
    return lines


def places_command(
        code: Annotated[str, typer.Argument(help="The commune's five-digit code, e.g. 00577.")],
        version: Annotated[str | None, typer.Option(help="The day (YYYY-MM-DD) or month (YYYY-MM) of the list "
                                                    "cited (default: today).")] = None) -> None:
    """Print a commune of the administrative list in force on --version (default today), with its province, and
    where the reform of 1 July 2025 put it: the new communes an old one went into, or the old ones a new one took
    in. In Vietnamese under a Vietnamese locale (LANG=vi_VN.UTF-8), else in English."""
    vi = in_user_language("en", "vi") == "vi"
    today = vietnam_today().isoformat()
    if not re.fullmatch(CODE.strip("^$"), code) or (version is not None and not re.fullmatch(VERSION.strip("^$"),
                                                                                              version)):
        err.print(in_user_language("a commune code is five digits and a version YYYY-MM-DD or YYYY-MM",
                                   "mã đơn vị hành chính gồm năm chữ số, phiên bản danh mục viết YYYY-MM-DD hoặc "
                                   "YYYY-MM"), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    try:
        document = commune_document(code, version or today, today)
    except RuleViolationError as exc:
        err.print(exc.vi if vi else exc.en, style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    for line in describe(document, vi):
        typer.echo(line)
