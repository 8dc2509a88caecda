"""The anti-corruption roles through the permission form (issue 11, seed 000).

A person applies on the public registration form as a provincial coordinator, a district
reporter or a member of the department's centre; the centre approves coordinators and
reporters, an administrator the centre; approval grants the role through ``assign_ac_role``
so the limits hold (two coordinators per province, one reporter per district), and a refusal
leaves nothing written. Pages are checked in Thai, the site's default.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from layers.models import (
    Officer,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
)
from tests.anticorruption_data import file_tip, make_ac_officer
from tests.factories import make_officer, new_citizen_id

pytestmark = pytest.mark.django_db

REGISTER = "/accounts/register/"
LIST = "/accounts/registrations/"
TIPS = "/anticorruption/tips/"
NEW_PASSWORD = "Own-pass-2569-x"


def form_data(**overrides) -> dict:
    data = {
        "citizen_id": new_citizen_id("1"),
        "title": "นางสาว",
        "first_name": "อรอนงค์",
        "last_name": "ผิวขำทดสอบ",
        "position": "เจ้าพนักงานปกครองปฏิบัติการ",
        "level": "ปฏิบัติการ",
        "unit": "ที่ทำการปกครองจังหวัดมุกดาหาร",
        "province": "49",
        "district": "",
        "permission_level": PermissionLevel.AC_COORDINATOR,
        "phone_office": "042611817",
        "phone_mobile": "0812345678",
        "email": "",
        "date_assigned": "01/02/2565",
    }
    data.update(overrides)
    return data


def logged_in(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def apply(**overrides) -> RegistrationRequest:
    """Apply through the public form, as the person would."""
    data = form_data(**overrides)
    response = Client().post(REGISTER, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return RegistrationRequest.objects.get(citizen_id=data["citizen_id"])


def issued_password(html: str) -> str:
    match = re.search(r'class="mono issued-password">([^<]+)<', html)
    assert match, "no issued password on the approval page"
    return match.group(1)


@pytest.mark.parametrize(
    "level, area, tip",
    [
        # A district office's official: the province's coordinators handle it.
        (PermissionLevel.AC_COORDINATOR, {"district": ""}, {"accused_level": "district"}),
        # A village or sub-district official of 4902: the district's reporter.
        (
            PermissionLevel.AC_REPORTER,
            {"district": "4902"},
            {"accused_level": "local", "district": "4902"},
        ),
    ],
)
def test_apply_approve_and_the_role_works_on_the_tips_page(level, area, tip):
    receipt = file_tip(**tip)
    other = file_tip(accused_level="district", province="48", district="4801")
    centre = make_ac_officer(Role.AC_CENTRE)
    req = apply(permission_level=level, **area)
    assert req.status == RegistrationRequest.Status.PENDING

    # The ordinary approvers of the area neither see nor decide it.
    for role, where in (
        (Role.PROVINCE_OFFICER, {"province": "49"}),
        (Role.DISTRICT_CHIEF, {"district": "4902"}),
    ):
        client = logged_in(make_officer(role, **where))
        assert req.last_name not in client.get(LIST).content.decode()
        assert client.get(f"{LIST}{req.pk}/").status_code == 403
        assert client.post(f"{LIST}{req.pk}/approve/").status_code == 403

    # The centre sees it in its list and approves it; the password is shown once.
    client = logged_in(centre)
    listed = client.get(LIST).content.decode()
    assert req.last_name in listed
    response = client.post(f"{LIST}{req.pk}/approve/")
    assert response.status_code == 200
    password = issued_password(response.content.decode())
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.APPROVED and req.decided_by == centre

    officer = Officer.objects.get(citizen_id=req.citizen_id)
    (assignment,) = RoleAssignment.objects.filter(officer=officer)
    expected_role = {
        PermissionLevel.AC_COORDINATOR: Role.AC_COORDINATOR,
        PermissionLevel.AC_REPORTER: Role.AC_REPORTER,
    }[level]
    assert (assignment.role, assignment.is_active) == (expected_role, True)
    assert assignment.province_id == "49"
    assert assignment.district_id == (area["district"] or None)
    assert assignment.assigned_on == date(2022, 2, 1)

    # The new officer logs in with the issued password, must change it, then works the tips.
    person = Client()
    response = person.post("/accounts/login/", {"username": req.citizen_id, "password": password})
    assert response.status_code == 302
    assert person.get(TIPS).status_code == 302  # to the password change first
    response = person.post(
        "/accounts/password_change/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = person.get(TIPS)
    assert page.status_code == 200
    html = page.content.decode()
    assert receipt.tracking_no in html
    assert other.tracking_no not in html  # another province's tip: not theirs
    # The role adds nothing of the ordinary complaints.
    assert person.get("/cases/").status_code == 403


def test_a_third_coordinator_is_refused_with_a_thai_reason_and_nothing_is_written(mailoutbox):
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    centre = make_ac_officer(Role.AC_CENTRE)
    client = logged_in(centre)
    officers_before = Officer.objects.count()

    # A new person: no account is left behind.
    req = apply(email="third@example.go.th")
    response = client.post(f"{LIST}{req.pk}/approve/")
    assert response.status_code == 409
    html = response.content.decode()
    assert "จังหวัดนี้มีผู้ประสานงานครบ 2 คนแล้ว" in html
    assert "คำขอยังรอการพิจารณา" in html
    assert 'class="mono issued-password"' not in html
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING and req.officer is None
    assert Officer.objects.count() == officers_before
    assert not Officer.objects.filter(citizen_id=req.citizen_id).exists()
    assert mailoutbox == []
    coordinators = RoleAssignment.objects.filter(
        role=Role.AC_COORDINATOR, province_id="49", is_active=True
    )
    assert coordinators.count() == 2

    # An officer who has an account already: the account is left as it was.
    existing = make_officer(Role.DISTRICT_OFFICER, district="4901", phone_office="042600000")
    req2 = apply(citizen_id=existing.citizen_id, phone_office="042699999")
    assert client.post(f"{LIST}{req2.pk}/approve/").status_code == 409
    existing.refresh_from_db()
    assert existing.phone_office == "042600000"
    assert set(RoleAssignment.objects.filter(officer=existing).values_list("role", flat=True)) == {
        Role.DISTRICT_OFFICER
    }

    # A coordinator who leaves frees the place: the same request is then approved.
    leaving = coordinators.first()
    leaving.is_active = False
    leaving.save()
    assert client.post(f"{LIST}{req.pk}/approve/").status_code == 200
    assert RoleAssignment.objects.filter(
        role=Role.AC_COORDINATOR,
        province_id="49",
        is_active=True,
        officer__citizen_id=req.citizen_id,
    ).exists()


def test_a_second_reporter_of_a_district_is_refused():
    make_ac_officer(Role.AC_REPORTER, district="4901")
    client = logged_in(make_ac_officer(Role.AC_CENTRE))
    req = apply(permission_level=PermissionLevel.AC_REPORTER, district="4901")
    response = client.post(f"{LIST}{req.pk}/approve/")
    assert response.status_code == 409
    assert "อำเภอนี้มีผู้รายงานแล้ว" in response.content.decode()
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING
    assert not Officer.objects.filter(citizen_id=req.citizen_id).exists()


def test_the_centre_approves_coordinators_and_reporters_an_administrator_the_centre():
    centre = make_ac_officer(Role.AC_CENTRE)
    admin = make_officer(Role.ADMIN)
    coordinator = make_ac_officer(Role.AC_COORDINATOR, province="49")
    joining = apply(permission_level=PermissionLevel.AC_CENTRE)
    reporter = apply(permission_level=PermissionLevel.AC_REPORTER, district="4902")

    # The centre does not grow itself; a coordinator decides nothing.
    assert logged_in(centre).get(f"{LIST}{joining.pk}/").status_code == 403
    assert logged_in(centre).post(f"{LIST}{joining.pk}/approve/").status_code == 403
    assert logged_in(coordinator).get(LIST).status_code == 403
    assert logged_in(coordinator).post(f"{LIST}{reporter.pk}/approve/").status_code == 403
    # The administrator decides the centre's members, not the channel's area roles.
    assert logged_in(admin).get(f"{LIST}{reporter.pk}/").status_code == 403
    listed = logged_in(admin).get(LIST).content.decode()
    assert joining.last_name in listed
    assert logged_in(admin).post(f"{LIST}{joining.pk}/approve/").status_code == 200
    member = Officer.objects.get(citizen_id=joining.citizen_id)
    assert RoleAssignment.objects.filter(
        officer=member, role=Role.AC_CENTRE, province=None, district=None, is_active=True
    ).exists()
    # An outsider and a visitor are refused.
    assert logged_in(make_officer(None)).get(f"{LIST}{reporter.pk}/").status_code == 403
    assert Client().get(f"{LIST}{reporter.pk}/").status_code == 302
    # The centre's home links the requests waiting for it.
    assert 'id="link-registrations"' in logged_in(centre).get("/").content.decode()
    assert 'id="link-registrations"' not in logged_in(coordinator).get("/").content.decode()


def test_a_reporter_must_name_the_district_and_the_form_keeps_what_was_typed():
    data = form_data(permission_level=PermissionLevel.AC_REPORTER, district="")
    response = Client().post(REGISTER, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "ผู้รายงานเรื่องร้องเรียนการทุจริตระดับอำเภอต้องระบุอำเภอ" in html
    assert data["last_name"] in html and data["phone_office"] in html
    assert not RegistrationRequest.objects.filter(citizen_id=data["citizen_id"]).exists()
    # The form offers the three anti-corruption levels, labelled in Thai.
    page = Client().get(REGISTER).content.decode()
    for value in ("ac_coordinator", "ac_reporter", "ac_centre"):
        assert f'value="{value}"' in page
    assert "ผู้ประสานงานระดับจังหวัด" in page
