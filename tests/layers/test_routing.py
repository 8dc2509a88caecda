"""Routing on intake: the team of the sub-district whose polygon holds the point, the district
queue without one, manual reassignment with a reason, and who is told (in-app and e-mail)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from boundaries.models import Subdistrict
from layers.models import ComplaintHistory, Notification, Status
from layers.selectors.scope import complaints_visible_to
from layers.services import workflow as wf
from tests.case_fixtures import build_cast
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

SECRET_NAME = "นางสาวลับมาก ไม่ควรเห็น"
SECRET_CID = "1101700230708"
SECRET_PHONE = "0898765432"
SECRET_TEXT = "รายละเอียดส่วนตัวของผู้ร้อง"


@pytest.fixture
def cast(settings):
    return build_cast(settings)


def secret_complaint(**fields):
    return make_complaint(
        complainant_name=SECRET_NAME,
        complainant_citizen_id=SECRET_CID,
        complainant_phone=SECRET_PHONE,
        description=SECRET_TEXT,
        **fields,
    )


def assert_no_personal_data(text: str):
    for secret in (SECRET_NAME, SECRET_CID, SECRET_PHONE, SECRET_TEXT):
        assert secret not in text


def test_a_case_goes_to_the_team_of_its_sub_district_and_the_team_is_told(
    cast, run_jobs, mailoutbox
):
    inactive = make_officer(Role.TEAM_MEMBER, district="4901", teams=[cast.team], email="x@ex.org")
    inactive.is_active = False
    inactive.save()
    case = secret_complaint(created_by=cast.district_officer)
    run_jobs()

    assert (case.status, case.assigned_team_id) == (Status.ASSIGNED, cast.team.pk)
    entry = ComplaintHistory.objects.get(complaint=case, kind="assigned")
    assert (entry.from_status, entry.to_status, entry.to_value) == (
        "received",
        "assigned",
        cast.team.name,
    )
    assert case.routing.team_id == cast.team.pk and not case.routing.to_district_queue
    assert case.routing.outside_actor_district is False

    # In-app: each active member of the team; nobody else.
    assert list(
        Notification.objects.filter(complaint=case).values_list("recipient", flat=True)
    ) == [cast.member.pk]
    # E-mail: one message per address (the member and the team's own address).
    assert sorted(m.to[0] for m in mailoutbox) == ["member@example.org", "team490101@example.org"]
    for message in mailoutbox:
        assert case.tracking_no in message.subject
        assert case.tracking_no in message.body
        assert case.category.name_th in message.body
        assert case.subdistrict.name_th in message.body
        assert f"/cases/{case.tracking_no}/" in message.body
        assert_no_personal_data(message.subject + message.body)
    assert_no_personal_data(Notification.objects.get(complaint=case).message)


def test_a_sub_district_without_a_team_stays_in_the_district_queue_and_its_officers_are_told(
    cast, run_jobs, mailoutbox
):
    second = make_officer(Role.DISTRICT_OFFICER, district="4901", email="second@example.org")

    no_team = Subdistrict.objects.get(code="490103")  # no team in the cast
    point = no_team.geom.point_on_surface
    # Recorded by the system (an import): nobody is left out as the actor.
    case = secret_complaint(lat=point.y, lon=point.x, created_by=None)
    run_jobs()

    assert (case.subdistrict_id, case.status, case.assigned_team) == (
        "490103",
        Status.RECEIVED,
        None,
    )
    assert case.routing.to_district_queue and case.routing.district_code == "4901"
    assert not ComplaintHistory.objects.filter(complaint=case, kind="assigned").exists()
    told = set(Notification.objects.filter(complaint=case).values_list("recipient", flat=True))
    assert told == {cast.district_officer.pk, second.pk}  # officers of 4901 only
    assert sorted(m.to[0] for m in mailoutbox) == ["district@example.org", "second@example.org"]
    for message in mailoutbox:
        assert_no_personal_data(message.subject + message.body)


def test_an_inactive_team_does_not_get_cases(cast):
    cast.team.is_active = False
    cast.team.save()
    case = make_complaint()
    assert (case.status, case.assigned_team) == (Status.RECEIVED, None)


def shared_vertex(code_a: str, code_b: str) -> tuple[float, float]:
    """A vertex of the line two sub-district polygons share, taken from the loaded data."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(p), ST_Y(p), ST_Covers(a.geom, p), ST_Covers(b.geom, p)
            FROM boundaries_subdistrict a, boundaries_subdistrict b,
                 LATERAL ST_StartPoint(ST_GeometryN(ST_LineMerge(ST_Intersection(a.geom, b.geom)), 1)) p
            WHERE a.code = %s AND b.code = %s
            """,
            [code_a, code_b],
        )
        lon, lat, in_a, in_b = cursor.fetchone()
    assert in_a and in_b, "the point must lie on both polygons"
    return lat, lon


def test_a_point_on_the_border_of_two_teams_goes_to_the_lowest_code_every_time(cast):
    # 490101 and 490102 share a border and both have a team in the cast.
    lat, lon = shared_vertex("490101", "490102")
    cases = [make_complaint(lat=lat, lon=lon) for _ in range(3)]
    assert {(c.subdistrict_id, c.assigned_team_id) for c in cases} == {("490101", cast.team.pk)}


def test_a_point_on_a_border_whose_lower_code_has_no_team_goes_to_that_district_queue(cast):
    # 490103 (no team) borders 490105; give 490105 a team: the point still goes to 490103.
    team_105 = make_team("490105")
    lat, lon = shared_vertex("490103", "490105")
    case = make_complaint(lat=lat, lon=lon)
    assert (case.subdistrict_id, case.assigned_team) == ("490103", None)
    assert case.assigned_team_id != team_105.pk


def test_a_pin_outside_the_officers_district_is_routed_to_the_district_that_holds_it(cast):
    case = make_complaint(created_by=cast.other_district_officer)  # 4902's officer, pin in 4901
    assert case.routing.outside_actor_district is True
    assert (case.routing.district_code, case.routing.team_id) == ("4901", cast.team.pk)
    assert case.routing.district_name == case.district.name_th


def test_manual_reassignment_needs_a_reason_and_tells_the_new_team(cast, run_jobs, mailoutbox):
    case = make_complaint()
    with pytest.raises(ValidationError) as missing:
        wf.complaint_assign(
            complaint=case,
            actor=cast.district_officer,
            expected_version=case.version,
            team=cast.team2,
        )
    assert "reason" in missing.value.message_dict

    case = wf.complaint_assign(
        complaint=case,
        actor=cast.district_officer,
        expected_version=case.version,
        team=cast.team2,
        reason="ทีมมุกดาหารติดภารกิจน้ำท่วม",
    )
    run_jobs()
    assert (case.status, case.assigned_team_id) == (Status.ASSIGNED, cast.team2.pk)
    entry = ComplaintHistory.objects.filter(complaint=case).order_by("-id").first()
    assert (entry.kind, entry.from_value, entry.to_value, entry.note, entry.actor_id) == (
        "reassigned",
        cast.team.name,
        cast.team2.name,
        "ทีมมุกดาหารติดภารกิจน้ำท่วม",
        cast.district_officer.pk,
    )
    assert Notification.objects.filter(complaint=case, recipient=cast.member2).exists()
    # The reassigned case is now the new team's, outside its own sub-district.
    assert case in complaints_visible_to(officer=cast.member2)
    assert wf.actions_available(complaint=case, officer=cast.member2) == ["start", "close", "note"]
    assert wf.actions_available(complaint=case, officer=cast.member) == []


def test_the_district_queue_case_assigned_by_hand_needs_no_reason(cast):

    point = Subdistrict.objects.get(code="490103").geom.point_on_surface
    case = make_complaint(lat=point.y, lon=point.x)
    case = wf.complaint_assign(
        complaint=case, actor=cast.district_officer, expected_version=case.version, team=cast.team
    )
    assert (case.status, case.assigned_team_id) == (Status.ASSIGNED, cast.team.pk)


def test_a_rolled_back_intake_tells_nobody(cast, run_jobs, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_complaint()
        raise RuntimeError("the form failed after saving")
    assert run_jobs() == 0  # no e-mail job was left queued
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_the_actor_is_not_told_about_their_own_assignment(cast, run_jobs, mailoutbox):
    # A team member who also records at the district desk pins a case in their own team's area.
    cast.member.roles.create(role=Role.DISTRICT_OFFICER, district_id="4901")
    recorder = type(cast.member).objects.get(pk=cast.member.pk)  # roles read afresh
    make_complaint(created_by=recorder)
    run_jobs()
    assert not Notification.objects.filter(recipient=cast.member).exists()
    assert [m.to for m in mailoutbox] == [["team490101@example.org"]]
