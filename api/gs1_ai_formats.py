"""The GS1 Application Identifier table that GS1 Digital Link compression is defined over (data, not code).

Source: the tables `tableP`, `tableF` and `tableOpt` of GS1's reference implementation,
github.com/gs1/GS1DigitalLinkCompressionPrototype, src/GS1DigitalLinkToolkit.js at commit
21a894b65dc9c2ebd26868beee6a3d9343af4b99 (6 October 2025), which GS1 Digital Link Standard 1.1 (compression)
points to; the AI formats themselves are those of the GS1 General Specifications. One deliberate difference:
AI 7040 is N1 followed by exactly three characters (GS1 General Specifications, 3.8.x), which the prototype's
table writes with a key its coder ignores, so it would drop those three characters.

- PREFIX_LENGTH: for the first two digits of an AI, how many digits the AI has (tableP).
- FORMATS: each AI's value as parts, in order: ("N" digits or "X" characters, fixed length or not, length or
  maximum length) (tableF).
- SEQUENCES: the two-hex-digit codes standing for a common sequence of AIs whose values follow (tableOpt).
"""

from typing import Literal, NamedTuple


class Part(NamedTuple):
    """One component of an AI's value: digits ("N") or GS1 AI characters ("X"), of exactly or at most `length`."""

    kind: Literal["N", "X"]
    fixed: bool
    length: int


def _n(length: int) -> Part:
    return Part("N", True, length)


def _n_max(length: int) -> Part:
    return Part("N", False, length)


def _x(length: int) -> Part:
    return Part("X", True, length)


def _x_max(length: int) -> Part:
    return Part("X", False, length)


PREFIX_LENGTH: dict[str, int] = {
    **dict.fromkeys(("00", "01", "02", "10", "11", "12", "13", "15", "16", "17", "20", "21", "22", "30", "37",
                     "90", "91", "92", "93", "94", "95", "96", "97", "98", "99"), 2),
    **dict.fromkeys(("23", "24", "25", "40", "41", "42", "71"), 3),
    **dict.fromkeys(("31", "32", "33", "34", "35", "36", "39", "43", "70", "72", "80", "81", "82"), 4),
}

# Measures with a decimal point position (31nn-36nn): these third digits exist, each with positions 0-5.
_MEASURES = ("310", "311", "312", "313", "314", "315", "316", "320", "321", "322", "323", "324", "325", "326",
             "327", "328", "329", "330", "331", "332", "333", "334", "335", "336", "337", "340", "341", "342",
             "343", "344", "345", "346", "347", "348", "349", "350", "351", "352", "353", "354", "355", "356",
             "357", "360", "361", "362", "363", "364", "365", "366", "367", "368", "369")

_GROUPS: list[tuple[tuple[str, ...], tuple[Part, ...]]] = [
    (("00", "8006", "8017", "8018", "8026"), (_n(18),)),
    (("01", "02", "8001"), (_n(14),)),
    (("10", "21", "22", "243", "254", "420", "710", "711", "712", "713", "714", "4318", "7020", "7021", "7022",
      "7240", "8002", "8012"), (_x_max(20),)),
    (("11", "12", "13", "15", "16", "17", "4326", "7006", "8005",
      *(f"395{d}" for d in range(10)), *(f"{m}{d}" for m in _MEASURES for d in range(6))), (_n(6),)),
    (("20",), (_n(2),)),
    (("235",), (_n(3), _x_max(28))),
    (("242",), (_n_max(6),)),
    (("253",), (_n(13), _x_max(17))),
    (("255",), (_n(13), _n_max(12))),
    (("30", "37"), (_n_max(8),)),
    (tuple(f"39{t}{d}" for t in "02" for d in range(10)), (_n_max(15),)),
    (tuple(f"39{t}{d}" for t in "13" for d in range(10)), (_n(3), _n_max(15))),
    (("3940", "3941", "3942", "3943", "8111"), (_n(4),)),
    (("402",), (_n(17),)),
    (("410", "411", "412", "413", "414", "415", "416", "417", "7001"), (_n(13),)),
    (("421",), (_n(3), _x_max(9))),
    (("422", "424", "426"), (_n(3),)),
    (("423", "425"), (_n(3), _n_max(12))),
    (("427", "7008"), (_x_max(3),)),
    (("4300", "4301", "4310", "4311", "4320"), (_x_max(35),)),
    (("4302", "4303", "4304", "4305", "4306", "4312", "4313", "4314", "4315", "4316", "8110", "8112", "8200"),
     (_x_max(70),)),
    (("4307", "4317"), (_x(2),)),
    (("4309",), (_n(20),)),
    (("4321", "4322", "4323"), (_n(1),)),
    (("4324", "4325", "7003"), (_n(10),)),
    (("7004",), (_n_max(4),)),
    (("7005",), (_x_max(12),)),
    (("7007",), (_n(6), _n_max(6))),
    (("7009",), (_x_max(10),)),
    (("7010",), (_x_max(2),)),
    (tuple(f"703{d}" for d in range(10)), (_n(3), _x_max(27))),
    (("7040",), (_n(1), _x(3))),
    (("8003",), (_n(14), _x_max(16))),
    (("8007",), (_x_max(24),)),
    (("8008",), (_n(8), _n_max(4))),
    (("8009",), (_x_max(50),)),
    (("8011",), (_n_max(12),)),
    (("8019",), (_n_max(10),)),
    (("8020",), (_x_max(25),)),
    (("90", "240", "241", "250", "251", "400", "401", "403", "4308", "4319", "7002", "7023", "8004", "8010", "8013",
      *(f"723{d}" for d in range(10))), (_x_max(30),)),
    (tuple(f"9{d}" for d in range(1, 10)), (_x_max(90),)),
]

FORMATS: dict[str, tuple[Part, ...]] = {ai: parts for ais, parts in _GROUPS for ai in ais}

SEQUENCES: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"), "0E": ("01", "7003"),
    "0F": ("01", "30"), "1A": ("01", "10", "21", "17"), "1B": ("01", "15"), "1C": ("01", "11"),
    "1D": ("01", "16"), "1E": ("01", "91"), "1F": ("01", "10", "15"),
    **{f"2{h}": ("01", f"310{i}") for i, h in enumerate("ABCDEF")},
    **{f"3{h}": ("01", f"320{i}") for i, h in enumerate("ABCDEF")},
    "9A": ("8010", "8011"), "9B": ("8017", "8019"), "9C": ("8018", "8019"), "9D": ("414", "254"),
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{h}": ("255", f"394{i}") for i, h in enumerate("ABCD")},
}

# GS1 Digital Link URI Syntax 1.2, ABNF: each primary key and its key qualifiers, in path order. Every other AI
# is a data attribute, written in the query.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "01": ("22", "10", "21", "235"), "8006": ("22", "10", "21"), "414": ("254", "7040"), "417": ("7040",),
    "8010": ("8011",), "8017": ("8019",), "8018": ("8019",), "00": (), "253": (), "255": (), "401": (),
    "402": (), "8003": (), "8004": (), "8013": (),
}
