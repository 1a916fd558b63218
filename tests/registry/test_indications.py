"""Geographical indications, marks and rights to use them."""

from datetime import UTC, datetime

import pytest

from registry.queries import right_active_on
from registry.service import Registry
from registry.state import State
from registry.tables import RegGi, RegGiArea, RegMark, RegMarkUser, RegRight, RegRightChange
from tests.registry.conftest import (
    ASSOCIATION,
    COMMUNE,
    GI,
    GI_CLAIM,
    MARK,
    MARK_CLAIM,
    MARK_RIGHT,
    OTHER_COMMUNE,
    PRODUCER,
    RIGHT,
    ROOT,
    Clock,
    engine_of,
    grant,
    make_batch,
    make_gi,
    make_mark,
    make_org,
    make_right,
    make_right_change,
    one,
    refused,
    rows,
)

OLD_COMMUNE = {"code": "09877", "version": "2019-12-01"}
"""The same commune code as COMMUNE, cited from the administrative list before the 2025 reform."""


def amend(**body: object) -> tuple[str, dict[str, object]]:
    return "gi.amended.v1", {"gi": GI, **body}


class TestGiRegistered:
    """The root authority registers GIs with a manager and an area of communes cited with their list."""

    def test_registers_the_gi_and_its_area(self, registry: Registry) -> None:
        area = [{"commune": COMMUNE, "stage": "raw_material"}, {"commune": OLD_COMMUNE},
                {"commune": {**OTHER_COMMUNE, "name": "Xã Hoài Đức"}, "stage": "processing"}]
        [receipt] = registry.submit_as(ROOT, [make_gi(area=area)])
        gi = one(registry, RegGi, id=GI)
        assert (gi["certificate"], gi["manager"], gi["cancelled_on"], gi["entry"]) == ("00132", ROOT, None,
                                                                                        receipt.index)
        assert [(a["commune_code"], a["commune_version"], a["stage"]) for a in rows(registry, RegGiArea, gi=GI)] == [
            ("09832", "2025-07-01", "processing"), ("09877", "2019-12-01", None),
            ("09877", "2025-07-01", "raw_material")]

    @pytest.mark.parametrize(("commune", "code"), [
        ({"code": "99999", "version": "2025-07-01"}, "unknown-commune"),
        ({"code": "09892", "version": "2025-07-01"}, "unknown-commune"),
        ({"code": "00577", "version": "2031-01"}, "unknown-list-version"),
        ({"code": "00577", "version": "1999-12-31"}, "unknown-list-version"),
        ({"code": "9832", "version": "2025-07-01"}, "invalid-body"),
        ({"code": "０９８３２", "version": "2025-07-01"}, "invalid-body"),
        ({"code": "00577", "version": "2025-02-30"}, "invalid-body"),
        ({"code": "00577", "version": "2025-13"}, "invalid-body"),
    ])
    def test_refuses_a_commune_its_list_does_not_hold(self, registry: Registry, commune: dict[str, str],
                                                      code: str) -> None:
        refused(registry, ROOT, [make_gi(area=[{"commune": commune}])], code)

    def test_refuses_a_producer_registering_a_gi(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_gi()], "role-not-allowed")

    def test_refuses_a_certificate_registered_before(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [make_gi()])
        error = refused(registry, ROOT, [make_gi(id="vai-thieu")], "duplicate-certificate")
        assert "certificate 00132" in error.en

    def test_refuses_an_id_registered_before(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [make_gi()])
        refused(registry, ROOT, [make_gi(certificate="00133")], "duplicate-gi")

    def test_refuses_an_unknown_manager(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_gi(manager="hiep-hoi-buoi")], "unknown-organisation")

    def test_refuses_a_grant_date_after_the_statement(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_gi(granted_on="2026-12-01")], "date-in-future")

    def test_refuses_a_commune_listed_twice(self, registry: Registry) -> None:
        area = [{"commune": COMMUNE}, {"commune": {**COMMUNE, "name": "again"}, "stage": "processing"}]
        refused(registry, ROOT, [make_gi(area=area)], "repeated-commune")

    def test_refuses_an_application_number_of_another_form(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_gi(application="4-2021-00042")], "invalid-body")


class TestGiChanges:
    """Amendments, manager changes and cancellation, by authorities only."""

    def test_an_amendment_replaces_names_specification_and_area(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [amend(names={"vi": "Bưởi Diễn", "en": "Dien pomelo"}, specification="New.",
                                        area=[{"commune": OTHER_COMMUNE}])])
        row = one(registry, RegGi, id=gi)
        assert (row["name_en"], row["specification"]) == ("Dien pomelo", "New.")
        area = rows(registry, RegGiArea, gi=gi)
        assert [a["commune_code"] for a in area if a["removed_entry"] is None] == ["09832"]
        # The replaced commune stays, marked with the amending entry, so older origins are judged as they were.
        assert [a["commune_code"] for a in area if a["removed_entry"] is not None] == ["09877"]

    def test_an_amendment_may_keep_the_area(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [amend(specification="New.")])
        assert len(rows(registry, RegGiArea, gi=gi)) == 1

    def test_refuses_an_amendment_repeating_a_commune(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [amend(area=[{"commune": COMMUNE}, {"commune": COMMUNE}])], "repeated-commune")

    def test_refuses_a_producer_amending(self, registry: Registry, gi: str, producer: str) -> None:
        refused(registry, producer, [amend(specification="Mine now.")], "role-not-allowed")

    def test_refuses_amending_an_unknown_gi(self, registry: Registry) -> None:
        refused(registry, ROOT, [amend(specification="New.")], "unknown-gi")

    def test_changes_the_manager(self, registry: Registry, gi: str) -> None:
        make_org(registry, "hiep-hoi-buoi", ["association"])
        registry.submit_as(ROOT, [("gi.manager_changed.v1", {"gi": gi, "manager": "hiep-hoi-buoi"})])
        assert one(registry, RegGi, id=gi)["manager"] == "hiep-hoi-buoi"

    def test_refuses_an_unknown_new_manager(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [("gi.manager_changed.v1", {"gi": gi, "manager": "hiep-hoi-buoi"})],
                "unknown-organisation")

    def test_cancels_from_a_date(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [("gi.cancelled.v1", {"gi": gi, "effective_on": "2026-01-01", "reason": "x"})])
        assert one(registry, RegGi, id=gi)["cancelled_on"] == "2026-01-01"

    def test_refuses_a_cancellation_before_the_grant(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [("gi.cancelled.v1", {"gi": gi, "effective_on": "2023-12-25", "reason": "x"})],
                "dates-out-of-order")

    def test_a_cancelled_gi_takes_no_more_changes_or_rights(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [("gi.cancelled.v1", {"gi": gi, "effective_on": "2026-01-01", "reason": "x"})])
        refused(registry, ROOT, [("gi.cancelled.v1", {"gi": gi, "effective_on": "2026-02-01", "reason": "x"})],
                "gi-cancelled")
        refused(registry, ROOT, [amend(specification="New.")], "gi-cancelled")
        refused(registry, ROOT, [("gi.manager_changed.v1", {"gi": gi, "manager": ROOT})], "gi-cancelled")
        refused(registry, ROOT, [make_right(id="right-2")], "gi-cancelled")


class TestMarks:
    """Authorities register collective and certification marks for 10-year terms, renewed and cancelled."""

    def test_registers_a_mark_with_its_users(self, registry: Registry, association: str, producer: str) -> None:
        registry.submit_as(ROOT, [make_mark(nice_classes=[35, 21, 21], users=[producer, producer])])
        mark = one(registry, RegMark, id=MARK)
        assert (mark["owner"], mark["nice_classes"], mark["cancelled_on"]) == (association, "21,35", None)
        assert [u["organisation"] for u in rows(registry, RegMarkUser, mark=MARK)] == [producer]

    def test_an_authority_may_own_a_mark(self, registry: Registry) -> None:
        registry.submit_as(ROOT, [make_mark(owner=ROOT, type="certification")])
        assert one(registry, RegMark, id=MARK)["type"] == "certification"

    def test_refuses_a_producer_as_owner(self, registry: Registry, producer: str) -> None:
        error = refused(registry, ROOT, [make_mark(owner=producer)], "wrong-role")
        assert "association or an authority" in error.en

    def test_refuses_an_unknown_owner(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_mark()], "unknown-organisation")

    def test_refuses_an_unknown_user(self, registry: Registry, association: str) -> None:
        refused(registry, ROOT, [make_mark(users=["coop-a"])], "unknown-organisation")

    def test_refuses_an_association_registering_a_mark(self, registry: Registry, association: str) -> None:
        refused(registry, association, [make_mark()], "role-not-allowed")

    def test_refuses_a_certificate_or_id_registered_before(self, registry: Registry, association: str) -> None:
        registry.submit_as(ROOT, [make_mark()])
        refused(registry, ROOT, [make_mark(id="gom-chu-dau")], "duplicate-certificate")
        refused(registry, ROOT, [make_mark(certificate="312346")], "duplicate-mark")

    @pytest.mark.parametrize(("valid_from", "valid_until"), [("2020-06-01", "2030-06-01"),
                                                             ("2024-02-29", "2034-02-28"),
                                                             ("2020-06-01", "2020-06-02")])
    def test_accepts_a_term_of_up_to_ten_years(self, registry: Registry, association: str, valid_from: str,
                                               valid_until: str) -> None:
        registry.submit_as(ROOT, [make_mark(valid_from=valid_from, valid_until=valid_until)])

    @pytest.mark.parametrize(("valid_from", "valid_until"), [("2020-06-01", "2030-06-02"),
                                                             ("2024-02-29", "2034-03-01"),
                                                             ("2020-06-01", "2020-06-01"),
                                                             ("2020-06-01", "2019-06-01")])
    def test_refuses_a_term_longer_than_ten_years_or_empty(self, registry: Registry, association: str,
                                                           valid_from: str, valid_until: str) -> None:
        refused(registry, ROOT, [make_mark(valid_from=valid_from, valid_until=valid_until)], "mark-term")

    def test_renews_for_up_to_ten_more_years(self, registry: Registry, mark: str) -> None:
        registry.submit_as(ROOT, [("mark.renewed.v1", {"mark": mark, "valid_until": "2040-06-01"})])
        assert one(registry, RegMark, id=mark)["valid_until"] == "2040-06-01"

    @pytest.mark.parametrize("until", ["2040-06-02", "2030-06-01", "2029-01-01"])
    def test_refuses_a_renewal_past_ten_years_or_not_later(self, registry: Registry, mark: str, until: str) -> None:
        refused(registry, ROOT, [("mark.renewed.v1", {"mark": mark, "valid_until": until})], "mark-term")

    def test_refuses_the_owner_renewing_its_own_mark(self, registry: Registry, mark: str) -> None:
        refused(registry, ASSOCIATION, [("mark.renewed.v1", {"mark": mark, "valid_until": "2040-06-01"})],
                "role-not-allowed")

    def test_a_cancelled_mark_is_neither_renewed_nor_cancelled_again(self, registry: Registry, mark: str) -> None:
        cancel = ("mark.cancelled.v1", {"mark": mark, "effective_on": "2026-01-01", "reason": "not used"})
        registry.submit_as(ROOT, [cancel])
        assert one(registry, RegMark, id=mark)["cancelled_on"] == "2026-01-01"
        refused(registry, ROOT, [("mark.renewed.v1", {"mark": mark, "valid_until": "2040-06-01"})], "mark-cancelled")
        refused(registry, ROOT, [cancel], "mark-cancelled")
        refused(registry, ASSOCIATION, [make_right(id="right-3", subject=MARK_CLAIM)], "mark-cancelled")

    def test_refuses_a_cancellation_before_the_term(self, registry: Registry, mark: str) -> None:
        refused(registry, ROOT, [("mark.cancelled.v1", {"mark": mark, "effective_on": "2020-05-31", "reason": "x"})],
                "dates-out-of-order")

    def test_refuses_renewing_an_unknown_mark(self, registry: Registry) -> None:
        refused(registry, ROOT, [("mark.renewed.v1", {"mark": MARK, "valid_until": "2040-06-01"})], "unknown-mark")


class TestRightGranted:
    """GI rights are granted by authorities, mark rights by the mark's owner, always to a producer."""

    def test_an_authority_grants_a_gi_right_with_a_quota(self, registry: Registry, gi: str) -> None:
        quota = {"quantity": "2500", "unit": "H87", "text": "2,500 quả"}
        [receipt] = registry.submit_as(ROOT, [make_right(id="right-2", quota=quota, plot="Thửa 12",
                                                         valid_until="2030-12-31")])
        right = one(registry, RegRight, id="right-2")
        assert (right["holder"], right["status"], right["quota_quantity"], right["quota_unit"], right["quota_used"],
                right["entry"]) == (PRODUCER, "active", "2500", "H87", "0", receipt.index)

    def test_refuses_an_association_granting_a_gi_right(self, registry: Registry, gi: str, association: str) -> None:
        refused(registry, association, [make_right(id="right-2")], "out-of-scope")

    def test_refuses_a_producer_granting_itself_a_right(self, registry: Registry, gi: str) -> None:
        refused(registry, PRODUCER, [make_right(id="right-2")], "role-not-allowed")

    def test_the_mark_owner_grants_mark_rights_and_adds_a_user(self, registry: Registry, mark: str) -> None:
        assert one(registry, RegRight, id=MARK_RIGHT)["subject_type"] == "mark"
        assert [u["organisation"] for u in rows(registry, RegMarkUser, mark=mark)] == [PRODUCER]

    def test_an_authority_may_grant_mark_rights(self, registry: Registry, mark: str) -> None:
        make_org(registry, "coop-a")
        grant(registry, ROOT, id="right-3", holder="coop-a", subject=MARK_CLAIM)
        assert {u["organisation"] for u in rows(registry, RegMarkUser, mark=mark)} == {PRODUCER, "coop-a"}

    def test_refuses_another_association_granting_mark_rights(self, registry: Registry, mark: str) -> None:
        make_org(registry, "hiep-hoi-khac", ["association"])
        error = refused(registry, "hiep-hoi-khac", [make_right(id="right-3", subject=MARK_CLAIM)], "out-of-scope")
        assert "manage the rights to use the mark “Bat Trang ceramics”" in error.en

    def test_refuses_a_holder_that_is_not_a_producer(self, registry: Registry, gi: str, association: str) -> None:
        error = refused(registry, ROOT, [make_right(id="right-2", holder=association)], "wrong-role")
        assert "must be a producer" in error.en

    def test_refuses_an_unknown_holder(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [make_right(id="right-2", holder="coop-a")], "unknown-organisation")

    def test_refuses_an_unknown_subject(self, registry: Registry, producer: str) -> None:
        refused(registry, ROOT, [make_right()], "unknown-gi")
        refused(registry, ROOT, [make_right(subject=MARK_CLAIM)], "unknown-mark")

    def test_refuses_a_right_id_granted_before(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [make_right()], "duplicate-right-of-use")

    def test_refuses_a_window_ending_before_it_starts(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [make_right(id="right-2", valid_until="2023-12-31")], "invalid-body")


class TestRightChanges:
    """Suspend, reinstate and revoke follow the states active → suspended → active, and → revoked for good."""

    def status(self, registry: Registry) -> str:
        status: str = one(registry, RegRight, id=RIGHT)["status"]
        return status

    def test_suspends_reinstates_and_revokes(self, registry: Registry, gi: str) -> None:
        for action, day, status in [("suspended", "2025-01-01", "suspended"), ("reinstated", "2025-02-01", "active"),
                                    ("suspended", "2025-03-01", "suspended"), ("revoked", "2025-04-01", "revoked")]:
            registry.submit_as(ROOT, [make_right_change(action, effective_on=day)])
            assert self.status(registry) == status
        assert [c["action"] for c in rows(registry, RegRightChange, right=RIGHT)] == [
            "suspended", "reinstated", "suspended", "revoked"]

    def test_an_active_right_may_be_revoked_directly(self, registry: Registry, gi: str) -> None:
        registry.submit_as(ROOT, [make_right_change("revoked")])
        assert self.status(registry) == "revoked"

    @pytest.mark.parametrize(("history", "action", "code"), [
        ([], "reinstated", "right-not-suspended"),
        (["suspended"], "suspended", "right-not-active"),
        (["revoked"], "suspended", "right-not-active"),
        (["revoked"], "reinstated", "right-not-suspended"),
        (["revoked"], "revoked", "right-not-active/suspended"),
        (["suspended", "revoked"], "reinstated", "right-not-suspended"),
    ])
    def test_refuses_a_transition_the_status_does_not_allow(self, registry: Registry, gi: str, history: list[str],
                                                            action: str, code: str) -> None:
        for done in history:
            registry.submit_as(ROOT, [make_right_change(done)])
        error = refused(registry, ROOT, [make_right_change(action)], code)
        assert f"cannot be {action}" in error.en

    def test_refuses_a_change_before_the_right_starts(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [make_right_change("suspended", effective_on="2023-12-31")], "dates-out-of-order")

    def test_refuses_changing_an_unknown_right(self, registry: Registry, gi: str) -> None:
        refused(registry, ROOT, [make_right_change("suspended", right="right-9")], "unknown-right-of-use")

    def test_refuses_an_association_changing_a_gi_right(self, registry: Registry, gi: str, association: str) -> None:
        refused(registry, association, [make_right_change("suspended")], "out-of-scope")

    def test_the_mark_owner_changes_its_mark_rights(self, registry: Registry, mark: str) -> None:
        registry.submit_as(ASSOCIATION, [make_right_change("suspended", right=MARK_RIGHT)])
        assert one(registry, RegRight, id=MARK_RIGHT)["status"] == "suspended"

    def test_refuses_another_association_changing_mark_rights(self, registry: Registry, mark: str) -> None:
        make_org(registry, "hiep-hoi-khac", ["association"])
        refused(registry, "hiep-hoi-khac", [make_right_change("revoked", right=MARK_RIGHT)], "out-of-scope")

    def test_refuses_the_holder_changing_its_own_right(self, registry: Registry, gi: str) -> None:
        refused(registry, PRODUCER, [make_right_change("revoked")], "role-not-allowed")


class TestRightActiveOn:
    """Whether a right was in force on a day: inside its window, and not suspended or revoked on that day."""

    @pytest.fixture
    def history(self, registry: Registry, producer: str, clock: Clock) -> Registry:
        """The right's decisions, taken in advance on 15 July 2025 (a decision may name a later day)."""
        clock.now = datetime(2025, 7, 15, 2, tzinfo=UTC)
        registry.submit_as(ROOT, [
            make_gi(), make_right(valid_from="2025-08-01", valid_until="2026-12-31"),
            make_right_change("suspended", effective_on="2025-10-01"),
            make_right_change("reinstated", effective_on="2025-12-01"),
            make_right_change("revoked", effective_on="2026-03-01"),
        ])
        return registry

    @pytest.mark.parametrize(("day", "active"), [
        ("2025-07-31", False), ("2025-08-01", True), ("2025-09-30", True), ("2025-10-01", False),
        ("2025-11-30", False), ("2025-12-01", True), ("2026-02-28", True), ("2026-03-01", False),
        ("2027-01-01", False),
    ])
    def test_follows_the_window_and_the_changes(self, history: Registry, day: str, active: bool) -> None:
        with engine_of(history).connect() as connection:
            state = State(connection)
            right = state.get(RegRight, id=RIGHT)
            assert right is not None
            assert right_active_on(state, right, day) is active

    def test_an_open_ended_right_runs_on(self, registry: Registry, gi: str) -> None:
        with engine_of(registry).connect() as connection:
            state = State(connection)
            right = state.get(RegRight, id=RIGHT)
            assert right is not None
            assert right_active_on(state, right, "2099-12-31")

    def test_claims_on_the_subject_use_the_same_days(self, history: Registry, clock: Clock) -> None:
        # Each batch registered on its production day, so both days fall on the same side of every change.
        for lot, day, allowed in [("A", "2025-09-30", True), ("B", "2025-10-01", False), ("C", "2025-12-01", True),
                                  ("D", "2026-03-01", False)]:
            clock.now = datetime.fromisoformat(f"{day}T02:00:00+00:00")
            if allowed:
                history.submit_as(PRODUCER, [make_batch(lot=lot, produced_on=day, claims=[GI_CLAIM])])
            else:
                refused(history, PRODUCER, [make_batch(lot=lot, produced_on=day, claims=[GI_CLAIM])],
                        "no-right-of-use")
