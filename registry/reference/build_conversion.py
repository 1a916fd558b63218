"""Write communes-conversion-2025-07-01.csv from the National Statistics Office's conversion table.

    python registry/reference/build_conversion.py BangChuyendoiĐVHCmoi_cu_final.xlsx

Reads the sheet "Tổng hợp_không merge" (one row per old commune and new commune, no merged cells) with the
standard library only, and keeps each row whose old code is in communes-before-2025-07-01.csv and whose new code
is in communes-2025-07-01.csv. Prints every row it drops or corrects, so README.md can say what and why; it fails
if a kept row's new commune lies outside the old commune's province_after. Written once by hand, not at run time.
"""

import csv
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).parent
SHEET = "xl/worksheets/sheet2.xml"
"""The second sheet, "Tổng hợp_không merge ", in the workbook's order."""
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

CORRECTIONS = {
    # (old code as printed, old name as printed) -> the code of the commune of that name in the same district.
    # In each case the printed code belongs to another commune that the table converts in a row of its own, and the
    # named commune has no other row: the code, not the name, is the slip.
    ("00553", "Xã Đặng Xá"): "00556",
    ("01615", "Xã Mỹ Hưng"): "01651",
    ("02485", "Xã Phú Thịnh"): "02482",
}


def _column(ref: str) -> int:
    number = 0
    for letter in re.sub(r"[^A-Z]", "", ref):
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


def sheet_rows(workbook: Path) -> list[list[str]]:
    """The cells of SHEET as text, row by row (Office Open XML, ECMA-376 part 1 §18.3 and §18.4)."""
    # The workbook is the one named in README.md, read by hand: no untrusted XML (ruff S314).
    with zipfile.ZipFile(workbook) as z:
        strings = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))  # noqa: S314
        shared = ["".join(t.text or "" for t in si.iter(MAIN + "t")) for si in strings.findall(MAIN + "si")]
        root = ElementTree.fromstring(z.read(SHEET))  # noqa: S314
    rows = []
    for row in root.iter(MAIN + "row"):
        cells: dict[int, str] = {}
        for cell in row.findall(MAIN + "c"):
            value = cell.find(MAIN + "v")
            if value is not None and value.text is not None:
                cells[_column(cell.get("r", "A"))] = shared[int(value.text)] if cell.get("t") == "s" else value.text
        rows.append([" ".join(cells.get(i, "").split()) for i in range(max(cells, default=-1) + 1)])
    return rows


def _code(text: str) -> str:
    """A code as a five-digit string: cells stored as numbers lost their leading zeros (1558 for 01558)."""
    return text.zfill(5) if text.isdigit() else ""


def main(workbook: Path) -> None:
    with open(HERE / "communes-before-2025-07-01.csv", encoding="utf-8") as f:
        before = {r["code"]: r for r in csv.DictReader(f)}
    with open(HERE / "communes-2025-07-01.csv", encoding="utf-8") as f:
        after = {r["code"]: r for r in csv.DictReader(f)}
    pairs: list[tuple[str, str]] = []
    for row in sheet_rows(workbook)[2:]:
        if len(row) < 6 or not row[2]:
            continue  # a province's heading row
        new, old_name = _code(row[2]), row[3]
        old = CORRECTIONS.get((_code(row[4]), old_name), _code(row[4]))
        if old != _code(row[4]):
            print(f"corrected: {row[4]} {old_name} -> {old}, into {new} {row[1]}")
        if old not in before or new not in after:
            print(f"dropped: old {row[4] or '(none)'} {old_name or '(none)'} -> new {new} {row[1]} ({row[5]})")
            continue
        if before[old]["province_after"] != after[new]["province"]:
            raise SystemExit(f"{old} is in province {before[old]['province_after']}, {new} in {after[new]['province']}")
        pairs.append((old, new))
    successors: dict[str, set[str]] = defaultdict(set)
    for old, new in pairs:
        successors[old].add(new)
    with open(HERE / "communes-conversion-2025-07-01.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["old_code", "new_code", "partly"])
        for old, new in sorted(set(pairs)):
            out.writerow([old, new, "1" if len(successors[old]) > 1 else "0"])
    print(f"rows kept: {len(set(pairs))}; old communes: {len(successors)}; split: "
          f"{sum(len(s) > 1 for s in successors.values())}; new communes: {len({n for _, n in pairs})}")
    print("old communes without a row:", ", ".join(sorted(set(before) - set(successors))))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
