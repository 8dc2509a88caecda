"""Jurisdiction: which cases an officer may see. The one place every view, page and export asks.

Which *fields* of those cases a role may see is ``layers.policy``'s question.

A role is bound to an area (``RoleAssignment``); an officer may hold several roles and sees the
union of their areas. Nothing here trusts request parameters: filters from a request narrow
the scoped queryset, they never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from boundaries.models import Subdistrict
from layers.models import Complaint, ForwardTarget, Role, RoleAssignment, TeamMembership

COUNTRY_ROLES = {Role.CENTRAL_OFFICER, Role.ADMIN}
PROVINCE_ROLES = {Role.PROVINCE_OFFICER, Role.GOVERNOR}
DISTRICT_ROLES = {Role.DISTRICT_OFFICER, Role.DISTRICT_CHIEF}
# Roles that read and export only: never change a case.
READ_ONLY_ROLES = {Role.GIS_ANALYST, Role.GOVERNOR}


@dataclass(frozen=True)
class Jurisdiction:
    """The areas an officer's roles cover, flattened."""

    roles: frozenset[str] = frozenset()
    country: bool = False
    provinces: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    subdistricts: frozenset[str] = frozenset()
    team_ids: frozenset[int] = frozenset()
    # Roles by area, for questions like "is this officer a province officer of 49?"
    by_role: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.country or self.provinces or self.districts or self.subdistricts or self.team_ids
        )

    def covers_area(self, *, province: str, district: str, subdistrict: str) -> bool:
        return (
            self.country
            or province in self.provinces
            or district in self.districts
            or subdistrict in self.subdistricts
        )


def jurisdiction_for(officer) -> Jurisdiction:
    """The officer's jurisdiction from their active role assignments and team memberships.

    Cached on the officer object for the length of a request.
    """
    if officer is None or not officer.is_authenticated or not officer.is_active:
        return Jurisdiction()
    cached = getattr(officer, "_jurisdiction_cache", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    country = False
    provinces: set[str] = set()
    districts: set[str] = set()
    by_role: dict[str, set[str]] = {}
    for role, province_id, district_id in RoleAssignment.objects.filter(
        officer=officer, is_active=True
    ).values_list("role", "province_id", "district_id"):
        roles.add(role)
        area = district_id or province_id or "TH"
        by_role.setdefault(role, set()).add(area)
        if role in COUNTRY_ROLES:
            country = True
        elif role in PROVINCE_ROLES:
            if province_id:
                provinces.add(province_id)
        elif role in DISTRICT_ROLES:
            if district_id:
                districts.add(district_id)
        elif role == Role.GIS_ANALYST:
            if district_id:
                districts.add(district_id)
            elif province_id:
                provinces.add(province_id)
            else:
                country = True
        # TEAM_MEMBER: the area comes from team memberships below.
    subdistricts: set[str] = set()
    team_ids: set[int] = set()
    if Role.TEAM_MEMBER in roles:
        for team_id, subdistrict_id in TeamMembership.objects.filter(
            officer=officer, team__is_active=True
        ).values_list("team_id", "team__subdistrict_id"):
            team_ids.add(team_id)
            subdistricts.add(subdistrict_id)
    if officer.is_superuser:
        country = True
    result = Jurisdiction(
        roles=frozenset(roles),
        country=country,
        provinces=frozenset(provinces),
        districts=frozenset(districts),
        subdistricts=frozenset(subdistricts),
        team_ids=frozenset(team_ids),
        by_role={k: frozenset(v) for k, v in by_role.items()},
    )
    officer._jurisdiction_cache = result
    return result


def _areas_q(jurisdiction: Jurisdiction, *, subdistrict_field: str) -> Q:
    """Rows whose province, district or sub-district (named ``subdistrict_field``) is one of
    the jurisdiction's; nothing when it has none."""
    q = Q(pk__in=[])
    if jurisdiction.provinces:
        q |= Q(province_id__in=jurisdiction.provinces)
    if jurisdiction.districts:
        q |= Q(district_id__in=jurisdiction.districts)
    if jurisdiction.subdistricts:
        q |= Q(**{f"{subdistrict_field}__in": jurisdiction.subdistricts})
    return q


def scope_q(jurisdiction: Jurisdiction) -> Q | None:
    """A filter for complaints inside the jurisdiction; None means everything."""
    if jurisdiction.country:
        return None
    q = _areas_q(jurisdiction, subdistrict_field="subdistrict_id")
    if jurisdiction.team_ids:
        # A case reassigned by hand to a team outside its sub-district is still that team's.
        q |= Q(assigned_team_id__in=jurisdiction.team_ids)
    return q


def complaints_visible_to(*, officer, queryset: QuerySet | None = None) -> QuerySet:
    """Complaints the officer may see (an empty queryset for an outsider)."""
    qs = Complaint.objects.all() if queryset is None else queryset
    jurisdiction = jurisdiction_for(officer)
    if jurisdiction.is_empty:
        return qs.none()
    q = scope_q(jurisdiction)
    return qs if q is None else qs.filter(q)


def subdistricts_visible_to(*, officer) -> QuerySet:
    """The sub-districts of the officer's areas: every one for the whole country, none for an
    outsider. (A case reassigned by hand outside these still shows in the case lists.)"""
    jurisdiction = jurisdiction_for(officer)
    if jurisdiction.is_empty:
        return Subdistrict.objects.none()
    if jurisdiction.country:
        return Subdistrict.objects.all()
    return Subdistrict.objects.filter(_areas_q(jurisdiction, subdistrict_field="code"))


def officer_covers_province(officer, province_code: str) -> bool:
    """Whether the officer may see anything of this province (for province-level pages)."""
    j = jurisdiction_for(officer)
    if j.country or province_code in j.provinces:
        return True
    prefix = province_code
    return any(d.startswith(prefix) for d in j.districts) or any(
        s.startswith(prefix) for s in j.subdistricts
    )


# --- Who may act on a case -----------------------------------------------------------------
#
# Seeing a case (above) and acting on it are different questions. An officer acts on a case in
# one or more *capacities*; the workflow's transition table (``layers.services.workflow``) says
# which capacity may take which action from which status. Governors, GIS analysts and admins
# have no capacity: they read only.
CAPACITY_DISTRICT = "district"  # district officer / chief of the case's district
CAPACITY_TEAM = "team"  # member of the team the case is assigned to
# Whoever holds the case now: the province centre or the central level while it is (or, once
# closed, was last) forwarded up to them; otherwise the district centre. A case forwarded to an
# outside agency stays in the district's hands (the agency has no account here).
CAPACITY_HOLDER = "holder"
ACTING_DISTRICT_ROLES = {Role.DISTRICT_OFFICER, Role.DISTRICT_CHIEF}


def case_capacities(officer, complaint: Complaint) -> frozenset[str]:
    """The capacities in which ``officer`` may act on ``complaint`` (empty: read only or none).

    Assumes nothing about visibility; callers check ``complaints_visible_to`` first so that a
    case outside the jurisdiction is a 404, not a 403.
    """
    j = jurisdiction_for(officer)
    caps: set[str] = set()
    district_officer = any(
        complaint.district_id in j.by_role.get(role, ()) for role in ACTING_DISTRICT_ROLES
    )
    if district_officer:
        caps.add(CAPACITY_DISTRICT)
    if Role.TEAM_MEMBER in j.roles and complaint.assigned_team_id in j.team_ids:
        caps.add(CAPACITY_TEAM)
    held_by = complaint.forwarded_to
    if held_by == ForwardTarget.PROVINCE:
        if complaint.province_id in j.by_role.get(Role.PROVINCE_OFFICER, ()):
            caps.add(CAPACITY_HOLDER)
    elif held_by == ForwardTarget.CENTRAL:
        if Role.CENTRAL_OFFICER in j.roles:
            caps.add(CAPACITY_HOLDER)
    elif district_officer:
        caps.add(CAPACITY_HOLDER)
    return frozenset(caps)
