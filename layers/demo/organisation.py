"""The demo organisation: sub-district teams (ชปต.) in the demo provinces and one account of
every role per demo province, with a known password. Development only (``DJANGO_ENV``
development): ``DemoRefused`` otherwise.

The demo provinces are Mukdahan (49) and Nakhon Phanom (48); a few sub-districts are left
without a team so that the district-queue fallback shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from boundaries.models import District, Province, Subdistrict
from layers.models import Officer, Role, RoleAssignment, Team, TeamMembership
from layers.selectors.scope import ACTING_DISTRICT_ROLES
from layers.validators import citizen_id_check_digit

# Development only: printed by ``demo_logins`` and in the README.
DEMO_PASSWORD = "Damrong-demo-2569"
# Province → the district of its district-level demo accounts.
DEMO_PROVINCES = {"49": "4901", "48": "4801"}
# A district with at least this many sub-districts leaves its highest-coded one without a team.
TEAMLESS_MIN_SUBDISTRICTS = 5

ROLE_ORDER = [
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_CHIEF,
    Role.TEAM_MEMBER,
    Role.PROVINCE_OFFICER,
    Role.GOVERNOR,
    Role.CENTRAL_OFFICER,
    Role.GIS_ANALYST,
    Role.ADMIN,
]
# title, first name, position, level, unit ({district}/{province}: Thai names).
ACCOUNT_PROFILES = {
    Role.DISTRICT_OFFICER: (
        "นาย",
        "สมชาย",
        "เจ้าพนักงานปกครองชำนาญการ",
        "ชำนาญการ",
        "ศูนย์ดำรงธรรมอำเภอ{district}",
    ),
    Role.DISTRICT_CHIEF: ("นาย", "วิรัช", "นายอำเภอ{district}", "", "ที่ว่าการอำเภอ{district}"),
    Role.TEAM_MEMBER: (
        "นาย",
        "ธนพล",
        "ปลัดอำเภอ (หัวหน้าชุดปฏิบัติการประจำตำบล)",
        "ปฏิบัติการ",
        "ชุดปฏิบัติการประจำตำบล อำเภอ{district}",
    ),
    Role.PROVINCE_OFFICER: (
        "นาง",
        "สุภาวดี",
        "เจ้าพนักงานปกครองชำนาญการพิเศษ",
        "ชำนาญการพิเศษ",
        "ศูนย์ดำรงธรรมจังหวัด{province}",
    ),
    Role.GOVERNOR: ("นาย", "ชัยวัฒน์", "ผู้ว่าราชการจังหวัด{province}", "", "ศาลากลางจังหวัด{province}"),
    Role.CENTRAL_OFFICER: (
        "นางสาว",
        "พิมพ์ชนก",
        "นักวิเคราะห์นโยบายและแผน",
        "ชำนาญการ",
        "ศูนย์ดำรงธรรม กรมการปกครอง (ส่วนกลาง)",
    ),
    Role.GIS_ANALYST: (
        "นาย",
        "ภูมิ",
        "นักวิชาการแผนที่ภาพถ่าย",
        "ปฏิบัติการ",
        "ที่ทำการปกครองจังหวัด{province}",
    ),
    Role.ADMIN: ("นาย", "ปกครอง", "ผู้ดูแลระบบ", "", "ศูนย์เทคโนโลยีสารสนเทศ กรมการปกครอง"),
}
DEMO_LAST_NAME = "สาธิตระบบ"


class DemoRefused(Exception):
    """Demo accounts were asked for outside development."""


def require_development() -> None:
    if not settings.DEVELOPMENT:
        raise DemoRefused(
            f"Demo accounts exist only in development, and DJANGO_ENV is {settings.DJANGO_ENV!r}: "
            "refused. (Demo complaints alone, without accounts, can be made with --no-accounts.)"
        )


def demo_citizen_id(province: str, role: str) -> str:
    """The fixed, valid citizen ID of a demo account: 1-<province>-0000000-<role no>-<check>.

    >>> demo_citizen_id("49", Role.DISTRICT_OFFICER)
    '1490000000013'
    """
    first12 = f"1{province}0000000{ROLE_ORDER.index(role) + 1:02d}"
    return first12 + str(citizen_id_check_digit(first12))


@dataclass(frozen=True)
class DemoLogin:
    role: str
    province: str
    area: str
    citizen_id: str
    password: str
    exists: bool


@dataclass
class OrganisationReport:
    provinces: list[str] = field(default_factory=list)
    teams: int = 0
    teamless: list[str] = field(default_factory=list)
    accounts: int = 0
    skipped_provinces: list[str] = field(default_factory=list)


def _teamless_subdistricts(province: str) -> set[str]:
    by_district: dict[str, list[str]] = {}
    for code, district in (
        Subdistrict.objects.filter(province_id=province, geom__isnull=False)
        .order_by("code")
        .values_list("code", "district_id")
    ):
        by_district.setdefault(district, []).append(code)
    return {codes[-1] for codes in by_district.values() if len(codes) >= TEAMLESS_MIN_SUBDISTRICTS}


def _team_member_subdistricts(district: str, teamless: set[str]) -> list[str]:
    codes = Subdistrict.objects.filter(district_id=district, geom__isnull=False).order_by("code")
    return [c for c in codes.values_list("code", flat=True) if c not in teamless][:2]


@transaction.atomic
def demo_organisation_seed(*, provinces=None) -> OrganisationReport:
    """Teams and one account per role for each demo province present in the database.

    Re-running updates in place (the same teams, accounts, roles and password).
    """
    require_development()
    report = OrganisationReport()
    password_hash = make_password(DEMO_PASSWORD)  # one hash for all: PBKDF2 is slow on purpose
    for province_code, district_code in (provinces or DEMO_PROVINCES).items():
        province = Province.objects.filter(code=province_code).first()
        district = District.objects.filter(code=district_code).first()
        if province is None or district is None:
            report.skipped_provinces.append(province_code)
            continue
        report.provinces.append(province_code)
        teamless = _teamless_subdistricts(province_code)
        report.teamless.extend(sorted(teamless))
        teams = {}
        for sub in Subdistrict.objects.filter(province_id=province_code, geom__isnull=False):
            if sub.code in teamless:
                continue
            teams[sub.code], _ = Team.objects.update_or_create(
                subdistrict=sub,
                defaults={
                    "district_id": sub.district_id,
                    "name": f"ชปต. ตำบล{sub.name_th} ({sub.code})",
                    "email": f"team-{sub.code}@demo.invalid",
                    "is_active": True,
                },
            )
        report.teams += len(teams)
        names = {"province": province.name_th, "district": district.name_th}
        for role in ROLE_ORDER:
            title, first, position, level, unit = ACCOUNT_PROFILES[role]
            officer, _ = Officer.objects.update_or_create(
                citizen_id=demo_citizen_id(province_code, role),
                defaults={
                    "title": title,
                    "first_name": first,
                    "last_name": DEMO_LAST_NAME,
                    "position": position.format(**names),
                    "level": level,
                    "unit": unit.format(**names),
                    "email": f"demo-{role.replace('_', '-')}-{province_code}@demo.invalid",
                    "password": password_hash,
                    "must_change_password": False,
                    "is_active": True,
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                },
            )
            if role in (Role.CENTRAL_OFFICER, Role.ADMIN):
                area = {"province_id": None, "district_id": None}
            elif role in (Role.PROVINCE_OFFICER, Role.GOVERNOR, Role.GIS_ANALYST):
                area = {"province_id": province_code, "district_id": None}
            else:
                area = {"province_id": province_code, "district_id": district_code}
            RoleAssignment.objects.update_or_create(
                officer=officer, role=role, **area, defaults={"is_active": True}
            )
            if role == Role.TEAM_MEMBER:
                for code in _team_member_subdistricts(district_code, teamless):
                    TeamMembership.objects.update_or_create(
                        team=teams[code], officer=officer, defaults={"is_leader": True}
                    )
            report.accounts += 1
    return report


def _area_label(role: str, province: Province | None, district: District | None, officer):
    if role in (Role.CENTRAL_OFFICER, Role.ADMIN):
        return "ทั้งประเทศ"
    if province is None:
        return "?"
    if role in (Role.PROVINCE_OFFICER, Role.GOVERNOR, Role.GIS_ANALYST):
        return f"จ.{province.name_th} ({province.code})"
    if district is None:
        return "?"
    if role == Role.TEAM_MEMBER and officer is not None:
        subs = (
            TeamMembership.objects.filter(officer=officer)
            .order_by("team__subdistrict_id")
            .values_list("team__subdistrict__name_th", "team__subdistrict_id")
        )
        return "ชปต. " + ", ".join(f"ต.{name} ({code})" for name, code in subs)
    return f"อ.{district.name_th} ({district.code})"


def demo_logins() -> list[DemoLogin]:
    """The demo accounts with their known password (development only)."""
    require_development()
    rows = []
    for province_code, district_code in DEMO_PROVINCES.items():
        province = Province.objects.filter(code=province_code).first()
        district = District.objects.filter(code=district_code).first()
        for role in ROLE_ORDER:
            cid = demo_citizen_id(province_code, role)
            officer = Officer.objects.filter(citizen_id=cid, is_active=True).first()
            rows.append(
                DemoLogin(
                    role=role,
                    province=province_code,
                    area=_area_label(role, province, district, officer),
                    citizen_id=cid,
                    password=DEMO_PASSWORD,
                    exists=officer is not None,
                )
            )
    return rows


def demo_actor_keys() -> dict[str, int]:
    """The demo accounts that act on demo cases, by what they hold, for the history of the
    generated cases: ``district:<code>`` (the district officer, else the chief), ``team:<id>``
    (a member of the team), ``province:<code>`` (the province officer) and ``central`` (a
    central officer). Empty without demo accounts: the cases' steps then have no actor.

    These are the capacities of ``layers.selectors.scope.case_capacities`` ("district", "team",
    and "holder": the province or central level while the case is forwarded up to it, else
    the district); the replay test checks every generated actor against that function.
    """
    cids = {
        demo_citizen_id(province, role): (n, role)
        for n, (province, role) in enumerate(
            (province, role) for province in DEMO_PROVINCES for role in ROLE_ORDER
        )
    }
    officers = dict(
        Officer.objects.filter(citizen_id__in=cids, is_active=True).values_list("pk", "citizen_id")
    )
    keys: dict[str, int] = {}
    order = sorted(officers, key=lambda pk: cids[officers[pk]][0])
    assignments: dict[int, list[tuple[str, str | None, str | None]]] = {}
    for officer, role, province, district in RoleAssignment.objects.filter(
        officer__in=order, is_active=True
    ).values_list("officer_id", "role", "province_id", "district_id"):
        assignments.setdefault(officer, []).append((role, province, district))
    teams: dict[int, list[int]] = {}
    for officer, team in TeamMembership.objects.filter(
        officer__in=order, team__is_active=True
    ).values_list("officer_id", "team_id"):
        teams.setdefault(officer, []).append(team)
    for officer in order:
        for role, province, district in assignments.get(officer, ()):
            if role in ACTING_DISTRICT_ROLES and district:
                keys.setdefault(f"district:{district}", officer)
            elif role == Role.PROVINCE_OFFICER and province:
                keys.setdefault(f"province:{province}", officer)
            elif role == Role.CENTRAL_OFFICER:
                keys.setdefault("central", officer)
            elif role == Role.TEAM_MEMBER:
                for team in teams.get(officer, ()):
                    keys.setdefault(f"team:{team}", officer)
    return keys
