"""Reading officers: the profile page, and which registration requests an officer may decide.

Who approves a registration follows the department's form (seed 001): the district chief
certifies a district-level user of their district, the province officer a province-level user
of their province. The areas come from ``jurisdiction_for`` (the one scope selector), never
from request parameters.

The anti-corruption levels (seed 000) are decided centrally, not by area. The department's
letter (มท 0322/ว 2214) has each province collect the forms of its two coordinators and its
districts' reporters and send them, certified, to the department's anti-corruption centre
(ศูนย์ปฏิบัติการต่อต้านการทุจริต), which sets the rights: so the centre (``ac_centre``)
approves coordinators and reporters. The ordinary approvers (district chief, province officer)
do not: the channel is kept apart from the ordinary complaints, and the accused may be in
their own office. A request to join the centre itself has nobody above it in the form, and a
centre member sees every tip in the country: it is approved by an administrator, never by
the centre (which would otherwise grow itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from boundaries.selectors import without_geoms
from layers.models import (
    AC_LEVEL_ROLES,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
)
from layers.selectors.scope import jurisdiction_for


@dataclass(frozen=True)
class ApproverAreas:
    """Districts whose district-level requests, and provinces whose province-level requests,
    an officer may decide."""

    districts: frozenset[str] = frozenset()
    provinces: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.districts or self.provinces)


def registration_approver_areas(*, officer) -> ApproverAreas:
    by_role = jurisdiction_for(officer).by_role
    return ApproverAreas(
        districts=frozenset(by_role.get(Role.DISTRICT_CHIEF, ())),
        provinces=frozenset(by_role.get(Role.PROVINCE_OFFICER, ())),
    )


def registration_ac_levels_decided_by(*, officer) -> frozenset[str]:
    """The anti-corruption permission levels whose requests the officer decides (see above)."""
    if officer is None or not officer.is_authenticated:
        return frozenset()
    roles = jurisdiction_for(officer).roles
    levels = set()
    if Role.AC_CENTRE in roles:
        levels |= {PermissionLevel.AC_COORDINATOR, PermissionLevel.AC_REPORTER}
    if (officer.is_superuser and officer.is_active) or Role.ADMIN in roles:
        levels.add(PermissionLevel.AC_CENTRE)
    return frozenset(levels)


def officer_is_registration_approver(officer) -> bool:
    return bool(registration_approver_areas(officer=officer)) or bool(
        registration_ac_levels_decided_by(officer=officer)
    )


def registrations_visible_to(*, officer, status: str | None = None) -> QuerySet:
    """Registration requests the officer may see and decide (none for anyone else).

    Only the level each role certifies: a district chief does not see province-level requests
    of their province, nor a province officer the district-level ones (their district chief
    decides those).
    """
    areas = registration_approver_areas(officer=officer)
    ac_levels = registration_ac_levels_decided_by(officer=officer)
    qs = without_geoms(
        RegistrationRequest.objects.select_related("decided_by"), "province", "district"
    )
    if not areas and not ac_levels:
        return qs.none()
    q = Q(pk__in=[])
    if ac_levels:
        q |= Q(permission_level__in=ac_levels)
    if areas.districts:
        q |= Q(permission_level=PermissionLevel.DISTRICT, district_id__in=areas.districts)
    if areas.provinces:
        q |= Q(permission_level=PermissionLevel.PROVINCE, province_id__in=areas.provinces)
    qs = qs.filter(q)
    if status:
        qs = qs.filter(status=status)
    return qs


def registration_can_decide(*, officer, request: RegistrationRequest) -> bool:
    if request.permission_level in AC_LEVEL_ROLES:
        return request.permission_level in registration_ac_levels_decided_by(officer=officer)
    areas = registration_approver_areas(officer=officer)
    if request.permission_level == PermissionLevel.DISTRICT:
        return request.district_id is not None and request.district_id in areas.districts
    return request.province_id in areas.provinces


@dataclass(frozen=True)
class RoleRow:
    role: str
    role_label: str
    area_label: str
    assigned_on: object


@dataclass(frozen=True)
class TeamRow:
    name: str
    subdistrict: str
    district: str
    is_leader: bool


def officer_roles(*, officer) -> list[RoleRow]:
    """The officer's active roles with their areas named in Thai, for the profile page."""
    rows = []
    assignments = RoleAssignment.objects.filter(officer=officer, is_active=True)
    for ra in without_geoms(assignments, "province", "district", "district__province").order_by(
        "role", "province_id", "district_id"
    ):
        if ra.district_id:
            area = _("district %(district)s, province %(province)s") % {
                "district": ra.district.name_th,
                "province": ra.district.province.name_th,
            }
        elif ra.province_id:
            area = _("province %(province)s") % {"province": ra.province.name_th}
        else:
            area = _("the whole country")
        rows.append(
            RoleRow(
                role=ra.role,
                role_label=str(ra.get_role_display()),
                area_label=area,
                assigned_on=ra.assigned_on,
            )
        )
    return rows


def officer_teams(*, officer) -> list[TeamRow]:
    return [
        TeamRow(
            name=m.team.name,
            subdistrict=m.team.subdistrict.name_th,
            district=m.team.district.name_th,
            is_leader=m.is_leader,
        )
        for m in without_geoms(
            officer.memberships.select_related("team"), "team__subdistrict", "team__district"
        ).order_by("team__subdistrict_id")
    ]
