"""Jurisdiction: the root's delegations and accreditations, and what each authority, GI manager, association and
certifier may govern with them (registry.handlers.scope and the handlers that ask it).

The world of most tests: the root (the IP office) delegates Hà Nội (01) to HA_NOI and An Giang (91) to AN_GIANG_DOST;
PRODUCER, the GI (area in Hà Nội) and the association owning MARK are in Hà Nội.
"""

import contextlib
from pathlib import Path

import pytest

from registry.errors import DomainError
from registry.queries import right_active_on
from registry.service import Draft, Registry
from registry.state import State
from registry.tables import (
    RegAccreditation,
    RegCertification,
    RegDelegation,
    RegKey,
    RegOrganisation,
    RegRight,
)
from tests.registry.conftest import (
    AN_GIANG,
    ASSOCIATION,
    CERTIFIER,
    COMMUNE,
    FAR_COMMUNE,
    GI,
    GI_CLAIM,
    GTIN,
    HANOI,
    MARK,
    MARK_CLAIM,
    MARK_RIGHT,
    NUMBERING,
    OTHER_COMMUNE,
    PRODUCER,
    RIGHT,
    ROOT,
    Clock,
    OwnKey,
    accredit,
    engine_of,
    live_digest,
    make_accreditation,
    make_batch,
    make_certification,
    make_delegation,
    make_gi,
    make_org,
    make_organisation,
    make_recall,
    make_right,
    make_right_change,
    numbering_agency,
    one,
    refused,
    replayed_digest,
    rows,
)

HA_NOI = "so-khcn-ha-noi"
AN_GIANG_DOST = "so-khcn-an-giang"
GI_OFFICE = "van-phong-chi-dan"
"""An authority delegated the GI by name only, no province."""
TWO_PROVINCE_GI = "vai-thieu-hai-tinh"
TWO_PROVINCE_CLAIM = {"type": "gi", "id": TWO_PROVINCE_GI}
HA_NOI_COOP = "htx-gia-lam"
AN_GIANG_COOP = "htx-phu-quoc"
OTHER_ASSOCIATION = "hiep-hoi-van-phuc"
TOMORROW = "2026-11-27"
TODAY = "2026-11-26"


def authority(registry: Registry, org_id: str, *delegations: Draft) -> str:
    """`org_id`, an authority without a commune registered by the root, with the delegations given."""
    make_org(registry, org_id, ["authority"], commune=None)
    if delegations:
        registry.submit_as(ROOT, list(delegations))
    return org_id


def withdrawal(scope_id: str, kind: str = "delegation") -> Draft:
    return f"{kind}.withdrawn.v1", {"id": scope_id, "reason": "Nhiệm vụ đã chuyển giao."}


def renamed(organisation: str) -> Draft:
    return "organisation.updated.v1", {"id": organisation, "names": {"vi": "Tên mới", "en": "New name"}}


def key_added(organisation: str) -> Draft:
    return "key.added.v1", {"organisation": organisation, "public_key": OwnKey(organisation).public_key}


def key_revoked(registry: Registry, organisation: str) -> Draft:
    """Revoke the first key of `organisation`."""
    key = rows(registry, RegKey, organisation=organisation)[0]["key_id"]
    return "key.revoked.v1", {"organisation": organisation, "key_id": key, "reason": "Khóa bị lộ."}


@pytest.fixture
def provinces(registry: Registry) -> Registry:
    """HA_NOI delegated Hà Nội and AN_GIANG_DOST delegated An Giang, each with a cooperative of its province."""
    authority(registry, HA_NOI, make_delegation(HA_NOI, [HANOI]))
    authority(registry, AN_GIANG_DOST, make_delegation(AN_GIANG_DOST, [AN_GIANG]))
    make_org(registry, HA_NOI_COOP, issuer=HA_NOI)
    make_org(registry, AN_GIANG_COOP, issuer=AN_GIANG_DOST, commune=FAR_COMMUNE)
    return registry


class TestDelegationGranted:
    """Only the root delegates, to an authority other than itself, provinces that exist and GIs and marks that do."""

    def test_the_root_delegates_provinces_gis_and_marks(self, registry: Registry, gi: str, mark: str) -> None:
        authority(registry, HA_NOI)
        [receipt] = registry.submit_as(ROOT, [make_delegation(HA_NOI, [AN_GIANG, HANOI], gis=[GI], marks=[MARK],
                                                              valid_until="2030-12-31")])
        row = one(registry, RegDelegation, id=f"delegation-{HA_NOI}")
        assert (row["authority"], row["provinces"], row["gis"], row["marks"], row["valid_from"], row["valid_until"],
                row["withdrawn_entry"], row["entry"]) == (HA_NOI, "01,91", GI, MARK, "2020-01-01", "2030-12-31",
                                                          None, receipt.index)

    def test_refuses_a_delegated_authority_delegating_even_within_its_own_provinces(self,
                                                                                     provinces: Registry) -> None:
        authority(provinces, "so-nong-nghiep")
        error = refused(provinces, HA_NOI, [make_delegation("so-nong-nghiep", [HANOI])], "root-only")
        assert f"only the root authority {ROOT} may delegate" in error.en

    def test_refuses_an_issuer_that_is_not_an_authority(self, registry: Registry, producer: str) -> None:
        refused(registry, producer, [make_delegation(producer)], "role-not-allowed")

    @pytest.mark.parametrize("roles", [["producer"], ["certifier"], ["association"], ["numbering_agency"]])
    def test_refuses_a_delegate_that_is_not_an_authority(self, registry: Registry, roles: list[str]) -> None:
        make_org(registry, "to-chuc-a", roles)
        error = refused(registry, ROOT, [make_delegation("to-chuc-a")], "wrong-role")
        assert "must have the role authority" in error.en

    def test_refuses_an_unknown_delegate(self, registry: Registry) -> None:
        refused(registry, ROOT, [make_delegation("so-khong-ton-tai")], "unknown-organisation")

    @pytest.mark.parametrize("codes", [["02"], [HANOI, "99"], ["00"]])
    def test_refuses_a_code_that_is_not_a_province_of_2025(self, registry: Registry, codes: list[str]) -> None:
        authority(registry, HA_NOI)
        error = refused(registry, ROOT, [make_delegation(HA_NOI, codes)], "unknown-province")
        assert "are not provinces of 1 July 2025" in error.en

    def test_refuses_a_province_listed_twice(self, registry: Registry) -> None:
        authority(registry, HA_NOI)
        refused(registry, ROOT, [make_delegation(HA_NOI, [HANOI, AN_GIANG, HANOI])], "repeated-province")

    @pytest.mark.parametrize("code", ["1", "001", "０１", "01\n"])
    def test_refuses_a_province_code_that_is_not_two_ascii_digits(self, registry: Registry, code: str) -> None:
        authority(registry, HA_NOI)
        refused(registry, ROOT, [make_delegation(HA_NOI, [code])], "invalid-body")

    def test_refuses_the_root_delegating_to_itself(self, registry: Registry) -> None:
        error = refused(registry, ROOT, [make_delegation(ROOT)], "self-delegation")
        assert "needs no delegation" in error.en

    def test_refuses_an_unknown_gi_or_mark(self, registry: Registry) -> None:
        authority(registry, HA_NOI)
        refused(registry, ROOT, [make_delegation(HA_NOI, [], gis=["buoi-khong-co"])], "unknown-gi")
        refused(registry, ROOT, [make_delegation(HA_NOI, [], marks=["nhan-khong-co"])], "unknown-mark")

    def test_refuses_a_delegation_that_names_nothing_or_ends_before_it_starts(self, registry: Registry) -> None:
        authority(registry, HA_NOI)
        refused(registry, ROOT, [make_delegation(HA_NOI, [])], "invalid-body")
        refused(registry, ROOT, [make_delegation(HA_NOI, valid_until="2019-12-31")], "invalid-body")

    def test_refuses_a_delegation_id_granted_before(self, provinces: Registry) -> None:
        refused(provinces, ROOT, [make_delegation(HA_NOI, [AN_GIANG])], "duplicate-delegation")


class TestDelegationWithdrawn:
    """Only the root withdraws a delegation, once; a withdrawn delegation gives no power."""

    def test_a_withdrawn_delegation_gives_no_power(self, provinces: Registry) -> None:
        [receipt] = provinces.submit_as(ROOT, [withdrawal(f"delegation-{HA_NOI}")])
        assert one(provinces, RegDelegation, id=f"delegation-{HA_NOI}")["withdrawn_entry"] == receipt.index
        error = refused(provinces, HA_NOI, [make_organisation("htx-moi")], "out-of-scope")
        assert "nothing (no delegation in force)" in error.en

    def test_refuses_withdrawing_twice(self, provinces: Registry) -> None:
        provinces.submit_as(ROOT, [withdrawal(f"delegation-{HA_NOI}")])
        refused(provinces, ROOT, [withdrawal(f"delegation-{HA_NOI}")], "already-withdrawn")

    def test_refuses_a_delegated_authority_withdrawing_any_delegation(self, provinces: Registry) -> None:
        refused(provinces, HA_NOI, [withdrawal(f"delegation-{AN_GIANG_DOST}")], "root-only")
        refused(provinces, HA_NOI, [withdrawal(f"delegation-{HA_NOI}")], "root-only")

    def test_refuses_an_unknown_delegation(self, provinces: Registry) -> None:
        refused(provinces, ROOT, [withdrawal("delegation-khong-co")], "unknown-delegation")

    def test_another_delegation_in_force_still_counts(self, provinces: Registry) -> None:
        provinces.submit_as(ROOT, [make_delegation(HA_NOI, [HANOI], id="delegation-ha-noi-2")])
        provinces.submit_as(ROOT, [withdrawal(f"delegation-{HA_NOI}")])
        provinces.submit_as(HA_NOI, [make_organisation("htx-moi")])


class TestDelegationInTime:
    """A delegation gives power from its valid_from to its valid_until, both days included, by the registry's day."""

    def test_no_power_before_valid_from(self, registry: Registry, clock: Clock) -> None:
        authority(registry, HA_NOI, make_delegation(HA_NOI, valid_from=TOMORROW))
        refused(registry, HA_NOI, [make_organisation("htx-moi")], "out-of-scope")
        clock.advance(days=1)
        registry.submit_as(HA_NOI, [make_organisation("htx-moi")])

    def test_no_power_after_valid_until(self, registry: Registry, clock: Clock) -> None:
        authority(registry, HA_NOI, make_delegation(HA_NOI, valid_until=TODAY))
        registry.submit_as(HA_NOI, [make_organisation("htx-hom-nay")])
        clock.advance(days=1)
        refused(registry, HA_NOI, [make_organisation("htx-ngay-mai")], "out-of-scope")
        refused(registry, HA_NOI, [renamed("htx-hom-nay")],
                "out-of-scope")

    def test_an_expired_delegation_no_longer_governs_rights(self, registry: Registry, gi: str, clock: Clock) -> None:
        authority(registry, HA_NOI, make_delegation(HA_NOI, valid_until=TODAY))
        registry.submit_as(HA_NOI, [make_right_change("suspended")])
        clock.advance(days=1)
        refused(registry, HA_NOI, [make_right_change("reinstated")], "out-of-scope")
        registry.submit_as(ROOT, [make_right_change("reinstated")])


class TestAccreditation:
    """Only the root accredits certifiers and withdraws accreditations."""

    def test_the_root_accredits_a_certifier_for_schemes_and_provinces(self, registry: Registry) -> None:
        make_org(registry, CERTIFIER, ["certifier"])
        [receipt] = registry.submit_as(ROOT, [make_accreditation(provinces=[AN_GIANG, HANOI])])
        row = one(registry, RegAccreditation, id=f"accreditation-{CERTIFIER}")
        assert (row["certifier"], row["schemes"], row["provinces"], row["withdrawn_entry"], row["entry"]) == (
            CERTIFIER, "VietGAP\nTCVN 11041", "01,91", None, receipt.index)

    def test_refuses_a_delegated_authority_accrediting_or_withdrawing(self, provinces: Registry) -> None:
        make_org(provinces, CERTIFIER, ["certifier"])
        refused(provinces, HA_NOI, [make_accreditation(provinces=[HANOI])], "root-only")
        provinces.submit_as(ROOT, [make_accreditation()])
        refused(provinces, HA_NOI, [withdrawal(f"accreditation-{CERTIFIER}", "accreditation")], "root-only")

    @pytest.mark.parametrize("roles", [["producer"], ["authority"], ["inspector"]])
    def test_refuses_an_accredited_body_that_is_not_a_certifier(self, registry: Registry, roles: list[str]) -> None:
        make_org(registry, "to-chuc-a", roles)
        refused(registry, ROOT, [make_accreditation("to-chuc-a")], "wrong-role")

    def test_refuses_unknown_or_repeated_provinces_and_repeated_schemes(self, registry: Registry) -> None:
        make_org(registry, CERTIFIER, ["certifier"])
        refused(registry, ROOT, [make_accreditation(provinces=["03"])], "unknown-province")
        refused(registry, ROOT, [make_accreditation(provinces=[HANOI, HANOI])], "repeated-province")
        refused(registry, ROOT, [make_accreditation(schemes=["VietGAP", "VietGAP"])], "bad-schemes")
        refused(registry, ROOT, [make_accreditation(schemes=["VietGAP\nGlobalGAP"])], "bad-schemes")

    def test_refuses_withdrawing_twice(self, registry: Registry) -> None:
        accredit(registry)
        registry.submit_as(ROOT, [withdrawal(f"accreditation-{CERTIFIER}", "accreditation")])
        refused(registry, ROOT, [withdrawal(f"accreditation-{CERTIFIER}", "accreditation")], "already-withdrawn")


class TestOrganisationsInScope:
    """A delegated authority registers and updates organisations of its provinces only, with roles the root need
    not confer."""

    def test_registers_an_organisation_with_a_commune_in_its_provinces(self, provinces: Registry) -> None:
        provinces.submit_as(HA_NOI, [make_organisation("htx-moi", commune=OTHER_COMMUNE)])
        assert one(provinces, RegOrganisation, id="htx-moi")["commune_code"] == OTHER_COMMUNE["code"]

    def test_refuses_a_commune_of_another_province(self, provinces: Registry) -> None:
        error = refused(provinces, HA_NOI, [make_organisation("htx-moi", commune=FAR_COMMUNE)], "out-of-scope")
        assert "provinces 01 (Thành phố Hà Nội)" in error.en
        assert "thẩm quyền" in error.vi

    def test_refuses_an_organisation_without_a_commune(self, provinces: Registry) -> None:
        refused(provinces, HA_NOI, [make_organisation("htx-moi", commune=None)], "out-of-scope")

    @pytest.mark.parametrize("roles", [["authority"], ["numbering_agency"], ["producer", "authority"]])
    def test_refuses_roles_only_the_root_confers(self, provinces: Registry, roles: list[str]) -> None:
        error = refused(provinces, HA_NOI, [make_organisation("to-chuc-a", roles)], "root-only")
        assert "only the root authority may register an organisation with the role" in error.en

    def test_the_root_registers_anyone_anywhere(self, provinces: Registry) -> None:
        provinces.submit_as(ROOT, [make_organisation("so-moi", ["authority"], commune=None),
                                   make_organisation("gs1-moi", ["numbering_agency"], commune=FAR_COMMUNE)])

    def test_an_authority_delegated_only_a_gi_registers_nobody(self, registry: Registry, gi: str) -> None:
        authority(registry, GI_OFFICE, make_delegation(GI_OFFICE, [], gis=[GI]))
        error = refused(registry, GI_OFFICE, [make_organisation("htx-moi")], "out-of-scope")
        assert "jurisdiction (the GI “Hoai Duc pomelo”)" in error.en

    def test_updates_an_organisation_of_its_provinces_and_moves_it_within_them(self, provinces: Registry) -> None:
        provinces.submit_as(HA_NOI, [("organisation.updated.v1", {
            "id": HA_NOI_COOP, "names": {"vi": "HTX Gia Lâm", "en": "Gia Lam cooperative"}, "roles": ["producer",
                                                                                                   "association"],
            "commune": OTHER_COMMUNE})])
        row = one(provinces, RegOrganisation, id=HA_NOI_COOP)
        assert (row["name_en"], row["roles"], row["commune_code"]) == ("Gia Lam cooperative", "association,producer",
                                                                       OTHER_COMMUNE["code"])

    def test_refuses_updating_an_organisation_of_another_province(self, provinces: Registry) -> None:
        refused(provinces, HA_NOI, [renamed(AN_GIANG_COOP)], "out-of-scope")
        refused(provinces, HA_NOI, [("organisation.updated.v1", {"id": AN_GIANG_COOP, "commune": COMMUNE})],
                "out-of-scope")

    def test_refuses_moving_an_organisation_out_of_its_provinces(self, provinces: Registry) -> None:
        error = refused(provinces, HA_NOI, [("organisation.updated.v1", {"id": HA_NOI_COOP, "commune": FAR_COMMUNE})],
                        "out-of-scope")
        assert "to a commune outside its provinces" in error.en

    def test_refuses_updating_an_organisation_without_a_commune(self, provinces: Registry) -> None:
        make_org(provinces, "htx-khong-xa", commune=None)
        refused(provinces, HA_NOI, [renamed("htx-khong-xa")],
                "out-of-scope")

    def test_refuses_conferring_or_touching_root_only_roles(self, provinces: Registry) -> None:
        refused(provinces, HA_NOI, [("organisation.updated.v1", {"id": HA_NOI_COOP, "roles": ["authority"]})],
                "root-only")
        make_org(provinces, "so-cu", ["authority"])  # an authority in Hà Nội, registered by the root
        refused(provinces, HA_NOI, [renamed("so-cu")],
                "root-only")
        refused(provinces, HA_NOI, [("organisation.updated.v1", {"id": "so-cu", "roles": ["producer"]})], "root-only")


class TestKeysInScope:
    """An organisation manages its own keys; the root anyone's; an authority those of organisations in its provinces,
    never another authority's or the numbering agency's."""

    def test_an_authority_adds_and_revokes_keys_of_organisations_in_its_provinces(self, provinces: Registry) -> None:
        revoke = key_revoked(provinces, HA_NOI_COOP)
        provinces.submit_as(HA_NOI, [key_added(HA_NOI_COOP), revoke])
        assert not one(provinces, RegKey, key_id=revoke[1]["key_id"])["active"]
        assert len(rows(provinces, RegKey, organisation=HA_NOI_COOP, active=True)) == 1

    def test_refuses_keys_of_organisations_outside_its_provinces(self, provinces: Registry) -> None:
        refused(provinces, HA_NOI, [key_added(AN_GIANG_COOP)], "out-of-scope")
        refused(provinces, HA_NOI, [key_revoked(provinces, AN_GIANG_COOP)], "out-of-scope")

    def test_refuses_keys_of_an_organisation_without_a_commune(self, provinces: Registry) -> None:
        make_org(provinces, "htx-khong-xa", commune=None)
        refused(provinces, HA_NOI, [key_added("htx-khong-xa")], "out-of-scope")

    def test_refuses_keys_of_another_authority(self, provinces: Registry) -> None:
        refused(provinces, HA_NOI, [key_added(AN_GIANG_DOST)], "root-only")
        refused(provinces, HA_NOI, [key_revoked(provinces, AN_GIANG_DOST)], "root-only")
        make_org(provinces, "so-trong-tinh", ["authority"])  # in Hà Nội, yet an authority
        refused(provinces, HA_NOI, [key_added("so-trong-tinh")], "root-only")

    def test_refuses_keys_of_the_numbering_agency_in_its_province(self, provinces: Registry) -> None:
        numbering_agency(provinces)  # registered with a commune of Hà Nội
        refused(provinces, HA_NOI, [key_added(NUMBERING)], "root-only")

    def test_refuses_a_producer_managing_another_organisations_keys(self, provinces: Registry) -> None:
        make_org(provinces, PRODUCER, issuer=HA_NOI)
        refused(provinces, PRODUCER, [key_added(HA_NOI_COOP)], "not-yours")
        refused(provinces, PRODUCER, [key_revoked(provinces, HA_NOI_COOP)], "not-yours")

    def test_an_organisation_and_the_root_manage_its_keys(self, provinces: Registry) -> None:
        provinces.submit_as(AN_GIANG_COOP, [key_added(AN_GIANG_COOP)])
        provinces.submit_as(ROOT, [key_added(AN_GIANG_COOP), key_added(HA_NOI), key_revoked(provinces, HA_NOI)])
        assert len(rows(provinces, RegKey, organisation=AN_GIANG_COOP, active=True)) == 3


@pytest.fixture
def two_province_gi(registry: Registry, producer: str) -> str:
    """TWO_PROVINCE_GI, managed by the root, its area in Hà Nội and An Giang."""
    registry.submit_as(ROOT, [make_gi(id=TWO_PROVINCE_GI, certificate="00200", area=[
        {"commune": COMMUNE, "stage": "raw_material"}, {"commune": FAR_COMMUNE, "stage": "processing"}])])
    return TWO_PROVINCE_GI


class TestGiRightsInScope:
    """A GI's rights of use are governed by the root, its manager, an authority delegated the GI by name or every
    province of its area."""

    def test_an_authority_of_the_gis_province_grants_suspends_reinstates_and_revokes(self, provinces: Registry,
                                                                                        gi: str) -> None:
        provinces.submit_as(HA_NOI, [make_right(id="right-moi", holder=HA_NOI_COOP),
                                     make_right_change("suspended", right="right-moi"),
                                     make_right_change("reinstated", right="right-moi"),
                                     make_right_change("revoked", right="right-moi")])
        assert one(provinces, RegRight, id="right-moi")["status"] == "revoked"

    @pytest.mark.parametrize("action", ["suspended", "reinstated", "revoked"])
    def test_refuses_an_authority_of_another_province(self, provinces: Registry, gi: str, action: str) -> None:
        if action == "reinstated":
            provinces.submit_as(ROOT, [make_right_change("suspended")])
        error = refused(provinces, AN_GIANG_DOST, [make_right_change(action)], "out-of-scope")
        assert "manage the rights to use the GI “Hoai Duc pomelo”" in error.en

    def test_refuses_an_authority_of_another_province_granting(self, provinces: Registry, gi: str) -> None:
        refused(provinces, AN_GIANG_DOST, [make_right(id="right-moi", holder=AN_GIANG_COOP)], "out-of-scope")

    def test_an_authority_delegated_the_gi_by_name_governs_its_rights_without_the_province(
            self, registry: Registry, gi: str) -> None:
        authority(registry, GI_OFFICE, make_delegation(GI_OFFICE, [], gis=[GI]))
        make_org(registry, "htx-moi")
        registry.submit_as(GI_OFFICE, [make_right(id="right-moi", holder="htx-moi"), make_right_change("suspended")])
        assert one(registry, RegRight, id=RIGHT)["status"] == "suspended"

    def test_a_gi_named_in_a_delegation_does_not_extend_to_another_gi(self, registry: Registry, gi: str,
                                                                      two_province_gi: str) -> None:
        authority(registry, GI_OFFICE, make_delegation(GI_OFFICE, [], gis=[GI]))
        refused(registry, GI_OFFICE, [make_right(id="right-moi", subject=TWO_PROVINCE_CLAIM)], "out-of-scope")

    def test_a_gi_spanning_two_provinces_is_not_governed_by_an_authority_of_one(self, provinces: Registry,
                                                                                 two_province_gi: str) -> None:
        draft = make_right(id="right-hai-tinh", subject=TWO_PROVINCE_CLAIM)
        refused(provinces, HA_NOI, [draft], "out-of-scope")
        refused(provinces, AN_GIANG_DOST, [draft], "out-of-scope")
        authority(provinces, "bo-khcn", make_delegation("bo-khcn", [AN_GIANG, HANOI]))
        provinces.submit_as("bo-khcn", [draft])

    def test_the_gis_manager_governs_its_rights_without_a_delegation(self, registry: Registry, producer: str) -> None:
        authority(registry, "ban-quan-ly")
        registry.submit_as(ROOT, [make_gi(manager="ban-quan-ly")])
        registry.submit_as("ban-quan-ly", [make_right(), make_right_change("suspended")])
        assert one(registry, RegRight, id=RIGHT)["status"] == "suspended"

    def test_an_association_managing_a_gi_governs_its_rights(self, registry: Registry, association: str,
                                                             producer: str) -> None:
        registry.submit_as(ROOT, [make_gi(manager=association)])
        registry.submit_as(association, [make_right()])

    def test_refuses_an_association_that_does_not_manage_the_gi(self, registry: Registry, gi: str,
                                                               association: str) -> None:
        refused(registry, association, [make_right(id="right-moi")], "out-of-scope")
        refused(registry, association, [make_right_change("suspended")], "out-of-scope")


    def test_a_new_manager_takes_over_and_the_old_one_loses_the_rights(self, registry: Registry, association: str,
                                                                       producer: str) -> None:
        registry.submit_as(ROOT, [make_gi(manager=association)])
        make_org(registry, OTHER_ASSOCIATION, ["association"])
        registry.submit_as(ROOT, [("gi.manager_changed.v1", {"gi": GI, "manager": OTHER_ASSOCIATION})])
        refused(registry, association, [make_right()], "out-of-scope")
        registry.submit_as(OTHER_ASSOCIATION, [make_right()])


class TestRootOnlyIndications:
    """GIs and marks themselves are the root's: no delegation passes on registering, amending or cancelling them."""

    @pytest.mark.parametrize("draft", [
        make_gi(id="gi-moi", certificate="00999"),
        ("gi.amended.v1", {"gi": GI, "specification": "Bưởi trồng ở bất cứ đâu."}),
        ("gi.manager_changed.v1", {"gi": GI, "manager": HA_NOI}),
        ("gi.cancelled.v1", {"gi": GI, "effective_on": TODAY, "reason": "Không còn sản xuất."}),
        ("mark.renewed.v1", {"mark": MARK, "valid_until": "2040-06-01"}),
        ("mark.cancelled.v1", {"mark": MARK, "effective_on": TODAY, "reason": "Không sử dụng."}),
    ], ids=lambda d: d[0])
    def test_refuses_an_authority_delegated_the_province_and_the_gi_and_mark(self, provinces: Registry, gi: str,
                                                                            mark: str, draft: Draft) -> None:
        provinces.submit_as(ROOT, [make_delegation(HA_NOI, [], id="delegation-ten", gis=[GI], marks=[MARK])])
        refused(provinces, HA_NOI, [draft], "root-only")


class TestRightStatus:
    """A right's recorded status says whether it is in force today, whatever order the changes' dates come in."""

    @pytest.mark.parametrize("changes", [
        [("suspended", "2026-11-20"), ("reinstated", "2026-11-10")],
        [("suspended", "2026-11-20"), ("reinstated", "2026-11-25"), ("suspended", "2026-11-22")],
    ], ids=["reinstated-from-before-the-suspension", "suspended-again-from-before-the-reinstatement"])
    def test_the_status_agrees_with_the_right_in_force_today(self, registry: Registry, gi: str,
                                                             changes: list[tuple[str, str]]) -> None:
        for action, effective_on in changes:
            # Refusing a change dated before the one it undoes would keep the two consistent as well.
            with contextlib.suppress(DomainError):
                registry.submit_as(ROOT, [make_right_change(action, effective_on=effective_on)])
        right = one(registry, RegRight, id=RIGHT)
        with engine_of(registry).connect() as connection:
            in_force = right_active_on(State(connection), right, TODAY)
        assert (right["status"], in_force) in {("active", True), ("suspended", False)}


class TestMarkRightsInScope:
    """A mark's rights of use are governed by the root, its owner, an authority delegated the mark by name or the
    owner's province; an association governs only its own mark."""

    def test_the_owner_governs_its_marks_rights(self, registry: Registry, mark: str) -> None:
        registry.submit_as(ASSOCIATION, [make_right_change("suspended", right=MARK_RIGHT)])

    def test_refuses_another_association(self, registry: Registry, mark: str) -> None:
        make_org(registry, OTHER_ASSOCIATION, ["association"])
        refused(registry, OTHER_ASSOCIATION, [make_right_change("suspended", right=MARK_RIGHT)], "out-of-scope")
        refused(registry, OTHER_ASSOCIATION, [make_right(id="right-khac", subject=MARK_CLAIM)], "out-of-scope")

    def test_an_authority_of_the_owners_province_governs_the_marks_rights(self, provinces: Registry,
                                                                          mark: str) -> None:
        provinces.submit_as(HA_NOI, [make_right_change("revoked", right=MARK_RIGHT)])
        refused(provinces, AN_GIANG_DOST, [make_right(id="right-khac", holder=AN_GIANG_COOP, subject=MARK_CLAIM)],
                "out-of-scope")

    def test_an_authority_delegated_the_mark_by_name_governs_its_rights(self, registry: Registry, mark: str) -> None:
        authority(registry, "cuc-nhan-hieu", make_delegation("cuc-nhan-hieu", [AN_GIANG], marks=[MARK]))
        registry.submit_as("cuc-nhan-hieu", [make_right_change("suspended", right=MARK_RIGHT)])


@pytest.fixture
def batches(provinces: Registry, producer: str, gi: str) -> Registry:
    """PRODUCER (Hà Nội) with lot HN from Hà Nội claiming the GI, lot AG from An Giang claiming nothing."""
    provinces.submit_as(PRODUCER, [make_batch(lot="HN", claims=[GI_CLAIM]), make_batch(lot="AG", origin=FAR_COMMUNE)])
    return provinces


class TestRecallsInScope:
    """An authority recalls batches whose origin lies in its provinces, or that claim a GI or mark delegated to it."""

    def test_an_authority_recalls_a_batch_from_its_province(self, batches: Registry) -> None:
        batches.submit_as(HA_NOI, [make_recall(lot="HN")])
        batches.submit_as(AN_GIANG_DOST, [make_recall(lot="AG")])

    def test_the_origin_decides_not_the_producers_address(self, batches: Registry) -> None:
        error = refused(batches, HA_NOI, [make_recall(lot="AG")], "out-of-scope")
        assert f"recall batch {GTIN}/AG" in error.en
        refused(batches, AN_GIANG_DOST, [make_recall(lot="HN")], "out-of-scope")

    def test_an_authority_delegated_a_claimed_gi_recalls_the_batch(self, batches: Registry) -> None:
        authority(batches, GI_OFFICE, make_delegation(GI_OFFICE, [], gis=[GI]))
        refused(batches, GI_OFFICE, [make_recall(lot="AG")], "out-of-scope")
        batches.submit_as(GI_OFFICE, [make_recall(lot="HN")])

    def test_an_authority_delegated_a_claimed_mark_recalls_the_batch(self, registry: Registry, mark: str) -> None:
        authority(registry, "cuc-nhan-hieu", make_delegation("cuc-nhan-hieu", [AN_GIANG], marks=[MARK]))
        registry.submit_as(PRODUCER, [make_batch(lot="GOM", claims=[MARK_CLAIM]), make_batch(lot="TRON")])
        refused(registry, "cuc-nhan-hieu", [make_recall(lot="TRON")], "out-of-scope")
        registry.submit_as("cuc-nhan-hieu", [make_recall(lot="GOM")])

    def test_refuses_another_producer_and_an_organisation_of_neither_role(self, batches: Registry) -> None:
        refused(batches, HA_NOI_COOP, [make_recall(lot="HN")], "not-yours")
        make_org(batches, OTHER_ASSOCIATION, ["association"], issuer=HA_NOI)
        refused(batches, OTHER_ASSOCIATION, [make_recall(lot="HN")], "role-not-allowed")


@pytest.fixture
def certifier(provinces: Registry, producer: str) -> str:
    """CERTIFIER, not yet accredited; PRODUCER (Hà Nội) with lot HN from Hà Nội and lot AG from An Giang, and
    AN_GIANG_COOP, a producer of An Giang."""
    make_org(provinces, CERTIFIER, ["certifier"])
    provinces.submit_as(PRODUCER, [make_batch(lot="HN"), make_batch(lot="AG", origin=FAR_COMMUNE)])
    return CERTIFIER


def certify(subject: dict[str, str], cert_id: str = "cert-1", scheme: str = "VietGAP") -> Draft:
    return make_certification(id=cert_id, subject=subject, scheme=scheme)


BATCH_HN = {"type": "batch", "gtin": GTIN, "lot": "HN"}
BATCH_AG = {"type": "batch", "gtin": GTIN, "lot": "AG"}
PRODUCT = {"type": "product", "gtin": GTIN}
PRODUCER_HN = {"type": "producer", "organisation": PRODUCER}
PRODUCER_AG = {"type": "producer", "organisation": AN_GIANG_COOP}


class TestCertifiersInScope:
    """A certifier certifies only under an accreditation in force for that exact scheme and, when the accreditation
    names provinces, for subjects in them."""

    def test_refuses_a_certifier_without_an_accreditation(self, provinces: Registry, certifier: str) -> None:
        error = refused(provinces, certifier, [certify(BATCH_HN)], "not-accredited")
        assert "holds no accreditation in force on 26 November 2026 for the scheme “VietGAP”" in error.en

    @pytest.mark.parametrize("scheme", ["GlobalGAP", "vietgap", "VietGAP ", "TCVN 11041:2017"])
    def test_refuses_a_scheme_not_accredited_exactly(self, provinces: Registry, certifier: str, scheme: str) -> None:
        accredit(provinces)
        refused(provinces, certifier, [certify(BATCH_HN, scheme=scheme)], "not-accredited")
        provinces.submit_as(certifier, [certify(BATCH_HN, scheme="TCVN 11041")])

    @pytest.mark.parametrize(("subject", "inside"), [(BATCH_HN, False), (BATCH_AG, True), (PRODUCT, False),
                                                     (PRODUCER_HN, False), (PRODUCER_AG, True)])
    def test_an_accreditation_naming_provinces_covers_subjects_there_only(
            self, provinces: Registry, certifier: str, subject: dict[str, str], inside: bool) -> None:
        accredit(provinces, provinces=[AN_GIANG])
        if inside:
            provinces.submit_as(certifier, [certify(subject)])
            assert one(provinces, RegCertification, id="cert-1")["certifier"] == certifier
        else:
            refused(provinces, certifier, [certify(subject)], "not-accredited")

    def test_an_accreditation_without_provinces_covers_all_of_viet_nam(self, provinces: Registry,
                                                                       certifier: str) -> None:
        accredit(provinces)
        make_org(provinces, "htx-khong-xa", commune=None)
        provinces.submit_as(certifier, [certify(s, f"cert-{n}") for n, s in enumerate(
            [BATCH_HN, BATCH_AG, PRODUCT, PRODUCER_AG, {"type": "producer", "organisation": "htx-khong-xa"}])])

    def test_a_subject_without_a_province_is_outside_every_named_province(self, provinces: Registry,
                                                                          certifier: str) -> None:
        accredit(provinces, provinces=[AN_GIANG, HANOI])
        make_org(provinces, "htx-khong-xa", commune=None)
        refused(provinces, certifier, [certify({"type": "producer", "organisation": "htx-khong-xa"})],
                "not-accredited")

    def test_a_second_accreditation_adds_to_the_first(self, provinces: Registry, certifier: str) -> None:
        accredit(provinces, provinces=[AN_GIANG])
        accredit(provinces, id="accreditation-ha-noi", schemes=["GlobalGAP"], provinces=[HANOI])
        refused(provinces, certifier, [certify(BATCH_HN)], "not-accredited")
        provinces.submit_as(certifier, [certify(BATCH_HN, scheme="GlobalGAP"), certify(BATCH_AG, "cert-2")])

    def test_refuses_after_withdrawal(self, provinces: Registry, certifier: str) -> None:
        accredit(provinces)
        provinces.submit_as(certifier, [certify(BATCH_HN)])
        provinces.submit_as(ROOT, [withdrawal(f"accreditation-{CERTIFIER}", "accreditation")])
        refused(provinces, certifier, [certify(BATCH_HN, "cert-2")], "not-accredited")

    def test_refuses_before_valid_from_and_after_valid_until(self, provinces: Registry, certifier: str,
                                                             clock: Clock) -> None:
        accredit(provinces, valid_from=TOMORROW, valid_until=TOMORROW)
        refused(provinces, certifier, [certify(BATCH_HN)], "not-accredited")
        clock.advance(days=1)
        provinces.submit_as(certifier, [certify(BATCH_HN)])
        clock.advance(days=1)
        refused(provinces, certifier, [certify(BATCH_HN, "cert-2")], "not-accredited")

    def test_the_root_revokes_any_certification_and_a_delegated_authority_none(self, provinces: Registry,
                                                                               certifier: str) -> None:
        accredit(provinces)
        provinces.submit_as(certifier, [certify(BATCH_HN), certify(BATCH_AG, "cert-2")])
        revoke = ("certification.revoked.v1", {"certification": "cert-1", "reason": "Hồ sơ giả."})
        refused(provinces, HA_NOI, [revoke], "not-your-certification")
        [receipt] = provinces.submit_as(ROOT, [revoke])
        assert one(provinces, RegCertification, id="cert-1")["revoked_entry"] == receipt.index

    def test_refuses_another_certifier_revoking(self, provinces: Registry, certifier: str) -> None:
        accredit(provinces)
        provinces.submit_as(certifier, [certify(BATCH_HN)])
        accredit(provinces, "vinacontrol")
        refused(provinces, "vinacontrol", [("certification.revoked.v1", {"certification": "cert-1",
                                                                         "reason": "x"})], "not-your-certification")


def test_a_world_of_scoped_decisions_replays_to_the_live_digest(batches: Registry, mark: str, clock: Clock,
                                                                 tmp_path: Path) -> None:
    """Delegations granted, used, expired and withdrawn, scoped rights, recalls, keys and certifications replay to
    the projections the live rules built."""
    registry = batches
    authority(registry, GI_OFFICE, make_delegation(GI_OFFICE, [], gis=[GI], valid_until=TODAY))
    registry.submit_as(GI_OFFICE, [make_right_change("suspended", effective_on=TODAY)])
    registry.submit_as(HA_NOI, [make_right_change("reinstated", effective_on=TODAY), make_recall(lot="HN"),
                                key_added(HA_NOI_COOP)])
    accredit(registry, provinces=[AN_GIANG])
    registry.submit_as(CERTIFIER, [certify(BATCH_AG)])
    registry.submit_as(ASSOCIATION, [make_right_change("suspended", right=MARK_RIGHT)])
    clock.advance(days=1)
    refused(registry, GI_OFFICE, [make_right_change("suspended", effective_on=TOMORROW)], "out-of-scope")
    registry.submit_as(ROOT, [withdrawal(f"delegation-{AN_GIANG_DOST}"),
                              withdrawal(f"accreditation-{CERTIFIER}", "accreditation")])
    refused(registry, AN_GIANG_DOST, [make_recall(lot="AG")], "out-of-scope")
    assert replayed_digest(registry, tmp_path) == live_digest(registry)
