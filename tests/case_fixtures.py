"""A cast of officers around one case, for the workflow, routing, case API and case page tests.

The case sits in sub-district 490101 (อ.เมืองมุกดาหาร 4901, จ.มุกดาหาร 49), worked by the team of
490101. Around it: everyone who may act on it, everyone who may only read it, and outsiders of
every kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.models import Complaint, ComplaintHistory, Officer, Role, Team
from tests.factories import make_complaint, make_officer, make_team


@dataclass
class Cast:
    team: Team  # 490101, the case's team
    team2: Team  # 490102, same district, another team
    member: Officer
    member2: Officer  # member of team2
    district_officer: Officer
    chief: Officer
    province_officer: Officer
    governor: Officer
    analyst: Officer
    central: Officer
    other_district_officer: Officer  # 4902, same province
    other_province_officer: Officer  # 48 Nakhon Phanom
    no_role: Officer

    def roles(self) -> dict[str, Officer]:
        return {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name[:4] != "team"
        }


def build_cast(settings=None) -> Cast:
    """Pass pytest-django's ``settings`` to use a fast password hasher for the eleven officers
    (the production one would spend seconds on them)."""
    if settings is not None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    team = make_team("490101", email="team490101@example.org")
    team2 = make_team("490102")
    return Cast(
        team=team,
        team2=team2,
        member=make_officer(
            Role.TEAM_MEMBER, district="4901", teams=[team], email="member@example.org"
        ),
        member2=make_officer(Role.TEAM_MEMBER, district="4901", teams=[team2]),
        district_officer=make_officer(
            Role.DISTRICT_OFFICER, district="4901", email="district@example.org"
        ),
        chief=make_officer(Role.DISTRICT_CHIEF, district="4901"),
        province_officer=make_officer(
            Role.PROVINCE_OFFICER, province="49", email="province@example.org"
        ),
        governor=make_officer(Role.GOVERNOR, province="49"),
        analyst=make_officer(Role.GIS_ANALYST, province="49"),
        central=make_officer(Role.CENTRAL_OFFICER),
        other_district_officer=make_officer(Role.DISTRICT_OFFICER, district="4902"),
        other_province_officer=make_officer(Role.PROVINCE_OFFICER, province="48"),
        no_role=make_officer(None),
    )


def put_in_state(case: Complaint, *, status: str, forwarded_to: str = "", team=...) -> Complaint:
    """Arrange a case in a given state directly (test set-up, not the workflow under test)."""
    fields = {"status": status, "forwarded_to": forwarded_to}
    fields["forwarded_agency"] = "สำนักงานที่ดินจังหวัด" if forwarded_to == "agency" else ""
    if status == "closed":
        fields.update(close_result="resolved", close_note="แก้ไขแล้ว")
    else:
        fields.update(close_result="", close_note="", closed_at=None)
    if team is not ...:
        fields["assigned_team"] = team
    Complaint.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def history_count(case) -> int:
    return ComplaintHistory.objects.filter(complaint=case).count()


def snapshot(case) -> tuple:
    """Everything an action may change, to prove a refused action changed nothing."""
    case = Complaint.objects.get(pk=case.pk)
    return (
        case.status,
        case.version,
        case.assigned_team_id,
        case.forwarded_to,
        case.forwarded_agency,
        case.close_result,
        case.close_note,
        case.closed_at,
        case.due_at,
        history_count(case),
        case.notes.count(),
        case.attachments.count(),
    )


__all__ = ["Cast", "build_cast", "make_complaint", "put_in_state", "snapshot"]
