"""Questions asked of the projections, by the rules and by readers alike (routes, verdicts, the demo).

Each takes a `State` on whatever connection the caller holds (a unit of work's, or a read view's) and only
reads: what a right's status is, whether it was in force on a day, which licence numbers a GTIN, who holds a
batch. The rules that decide what may be written stay in `registry.handlers`.
"""

from registry.state import Row, State
from registry.tables import RegEvent, RegGiArea, RegPrefixLicence, RegRecall, RegRightChange
from registry.values import numbered_under

STATUS_AFTER = {"suspended": "suspended", "reinstated": "active", "revoked": "revoked"}
"""A right's status after a change of each action."""


def roles_of(row: Row) -> set[str]:
    """The roles of an organisation's row."""
    return set(row["roles"].split(",")) if row["roles"] else set()


def current_area(state: State, gi_id: str) -> list[Row]:
    """The communes of a GI's area in force now."""
    return state.find(RegGiArea, gi=gi_id, removed_entry=None)


def in_area(state: State, gi_id: str, code: str, version: str, at_entry: int | None = None) -> Row | None:
    """The area row holding commune (code, version) now, or as it stood just before entry `at_entry`."""
    for row in state.find(RegGiArea, gi=gi_id, commune_code=code, commune_version=version):
        if at_entry is None:
            if row["removed_entry"] is None:
                return row
        elif row["added_entry"] < at_entry and (row["removed_entry"] is None or row["removed_entry"] >= at_entry):
            return row
    return None


def right_status(state: State, right_id: str) -> str:
    """A right's status after every change in force (not retracted), in the order they take effect (effective
    date, then the order recorded): the order `right_active_on` reads them in, so a change dated before an
    earlier-recorded one does not hide it."""
    changes = [c for c in state.find(RegRightChange, right=right_id) if not c["retracted"]]
    changes.sort(key=lambda c: (c["effective_on"], c["entry"]))
    return STATUS_AFTER[changes[-1]["action"]] if changes else "active"


def right_active_on(state: State, right: Row, day: str) -> bool:
    """Whether a right of use was in force on `day`: inside its window and not suspended or revoked then by a
    change in force (retracted changes have no effect)."""
    if day < right["valid_from"] or (right["valid_until"] is not None and day > right["valid_until"]):
        return False
    changes = [c for c in state.find(RegRightChange, right=right["id"])
               if c["effective_on"] <= day and not c["retracted"]]
    changes.sort(key=lambda c: (c["effective_on"], c["entry"]))
    return not changes or changes[-1]["action"] == "reinstated"


def licence_in_force(row: Row, day: str) -> bool:
    """Whether a GS1 company prefix licence was in force on `day`."""
    return row["valid_from"] <= day and (row["valid_until"] is None or day <= row["valid_until"]) \
        and (row["revoked_on"] is None or day < row["revoked_on"])


def licence_for(state: State, organisation_id: str, gtin: str, day: str) -> Row | None:
    """The licence in force on `day` under which `organisation_id` numbers `gtin`: a GS1 company prefix licensed
    to it that numbers the GTIN (`registry.values.numbered_under`: a GTIN-8 only under a licence of exactly its
    digits)."""
    for row in state.find(RegPrefixLicence, licensee=organisation_id):
        if numbered_under(gtin, row["prefix"]) and licence_in_force(row, day):
            return row
    return None


def holders(state: State, row: Row) -> set[str]:
    """Who holds a batch: its producer and every organisation it was shipped or handed to by an event in force."""
    events = state.find(RegEvent, gtin=row["gtin"], lot=row["lot"])
    return {row["producer"], *(e["destination"] for e in events if e["destination"] and not e["retracted"])}


def current_recall(state: State, gtin: str, lot: str) -> int | None:
    """The earliest recall of the batch in force (not retracted), or None."""
    entries = [r["entry"] for r in state.find(RegRecall, gtin=gtin, lot=lot) if not r["retracted"]]
    return min(entries) if entries else None
