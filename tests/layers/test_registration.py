"""The registration form (seed 001): public submission, approval by the right approver only."""

from datetime import date

import pytest
from django.urls import reverse

from boundaries.models import District, Province
from layers.forms.officers import RegistrationForm
from layers.models import (
    Officer,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
)
from layers.services.officers import (
    RegistrationAlreadyDecided,
    registration_approve,
    registration_submit,
)
from tests.factories import make_officer, new_citizen_id

# Messages are checked in English (the msgids); the site's default is Thai.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

REGISTER = "/accounts/register/"
LIST = "/accounts/registrations/"


def form_data(**overrides):
    data = {
        "citizen_id": new_citizen_id("1"),
        "title": "นางสาว",
        "first_name": "วิภา",
        "last_name": "ใจงาม",
        "position": "เจ้าพนักงานปกครอง",
        "level": "ชำนาญงาน",
        "unit": "ศูนย์ดำรงธรรมอำเภอ",
        "province": "49",
        "district": "4901",
        "permission_level": "district",
        "phone_office": "042611234",
        "phone_mobile": "0812345678",
        "email": "wipa@example.go.th",
        "date_assigned": "01/10/2569",
    }
    data.update(overrides)
    return data


def submit(**overrides) -> RegistrationRequest:
    """A pending request through the service, as the public form would file it."""

    data = form_data(**overrides)
    data["province"] = Province.objects.get(pk=data["province"])
    data["district"] = District.objects.get(pk=data["district"]) if data["district"] else None
    d, m, y = (int(x) for x in data["date_assigned"].split("/"))
    data["date_assigned"] = date(y - 543, m, d)
    return registration_submit(**data)


@pytest.fixture
def chief_4901():
    return make_officer(Role.DISTRICT_CHIEF, district="4901")


@pytest.fixture
def chief_4902():
    return make_officer(Role.DISTRICT_CHIEF, district="4902")


@pytest.fixture
def province_officer_49():
    return make_officer(Role.PROVINCE_OFFICER, province="49")


@pytest.fixture
def province_officer_48():
    return make_officer(Role.PROVINCE_OFFICER, province="48")


# --------------------------------------------------------------------------- submission


def test_register_page_is_public_and_has_every_field_of_the_form(client):
    response = client.get(REGISTER)
    assert response.status_code == 200
    html = response.content.decode()
    for name in form_data():
        assert f'name="{name}"' in html, name
    assert "นิคมคำสร้อย" in html  # a district of the sample, grouped under its province
    assert "<optgroup" in html


def test_valid_submission_is_pending_with_the_be_date_converted(client):
    data = form_data(citizen_id="1-1017-00203-41-7")
    response = client.post(REGISTER, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("register_done")
    req = RegistrationRequest.objects.get(citizen_id="1101700203417")
    assert req.status == RegistrationRequest.Status.PENDING
    assert req.date_assigned == date(2026, 10, 1)
    assert (req.province_id, req.district_id) == ("49", "4901")
    assert req.officer is None
    assert not Officer.objects.filter(citizen_id="1101700203417").exists()
    assert client.get(reverse("register_done")).status_code == 200


def test_district_outside_the_province_is_refused(client):
    response = client.post(REGISTER, form_data(province="48", district="4901"))
    assert response.status_code == 400
    assert "is not in the province" in str(response.context["form"].errors["district"])
    assert not RegistrationRequest.objects.exists()


def test_bad_citizen_id_is_refused(client):
    cid = new_citizen_id("1")
    bad = cid[:12] + str((int(cid[12]) + 1) % 10)
    response = client.post(REGISTER, form_data(citizen_id=bad))
    assert response.status_code == 400
    assert "check digit" in str(response.context["form"].errors["citizen_id"])
    assert not RegistrationRequest.objects.exists()


def test_district_level_without_a_district_is_refused(client):
    response = client.post(REGISTER, form_data(district=""))
    assert response.status_code == 400
    assert "must name their district" in str(response.context["form"].errors["district"])
    assert not RegistrationRequest.objects.exists()


def test_province_level_needs_no_district(client):
    response = client.post(REGISTER, form_data(permission_level="province", district=""))
    assert response.status_code == 302
    assert RegistrationRequest.objects.get().permission_level == PermissionLevel.PROVINCE


@pytest.mark.parametrize(
    "value, code",
    [
        ("01/10/2026", "ce_year"),  # a C.E. year: refused with a message, not guessed
        ("31/02/2569", "invalid"),
        ("2026-10-01", "invalid"),
        ("", "required"),
    ],
)
def test_date_assigned_must_be_a_be_date(client, value, code):
    response = client.post(REGISTER, form_data(date_assigned=value))
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["date_assigned"]
    assert [e.code for e in errors] == [code]
    assert not RegistrationRequest.objects.exists()


def test_ce_year_message_gives_the_be_year(client):
    response = client.post(REGISTER, form_data(date_assigned="01/10/2026"))
    assert "2026 is 2569" in str(response.context["form"].errors["date_assigned"])


def test_missing_office_phone_and_bad_phone_are_refused(client):
    response = client.post(REGISTER, form_data(phone_office="", phone_mobile="12"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "phone_office" in errors and "phone_mobile" in errors


def test_the_form_shows_dates_in_be():

    html = str(RegistrationForm(initial={"date_assigned": date(2026, 10, 1)})["date_assigned"])
    assert 'value="01/10/2569"' in html


def test_a_refused_form_keeps_what_was_typed(client):
    response = client.post(REGISTER, form_data(district="", date_assigned="1/10/2569"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="1/10/2569"' in html and 'value="วิภา"' in html


def test_a_second_identical_pending_request_is_refused(client):
    data = form_data()
    assert client.post(REGISTER, data).status_code == 302
    response = client.post(REGISTER, data)
    assert response.status_code == 400
    assert "already waiting" in response.content.decode()
    assert RegistrationRequest.objects.count() == 1


# --------------------------------------------------------------------------- who sees what


def test_each_approver_lists_only_their_level_and_area(
    client, chief_4901, chief_4902, province_officer_49, province_officer_48
):
    d4901 = submit(district="4901")
    d4902 = submit(district="4902")
    p49 = submit(permission_level="province", district="")
    p48 = submit(permission_level="province", province="48", district="4801")

    def listed(officer):
        client.force_login(officer)
        response = client.get(LIST)
        assert response.status_code == 200
        return {r.pk for r in response.context["requests"]}

    assert listed(chief_4901) == {d4901.pk}
    assert listed(chief_4902) == {d4902.pk}
    assert listed(province_officer_49) == {p49.pk}
    assert listed(province_officer_48) == {p48.pk}


@pytest.mark.parametrize("url_name", ["registration_list", "registration_detail"])
def test_registration_pages_refuse_anonymous(client, url_name):
    req = submit()
    url = reverse(url_name, args=[req.pk] if "detail" in url_name else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("action", ["registration_approve", "registration_reject"])
def test_decisions_refuse_anonymous(client, action):
    req = submit()
    response = client.post(reverse(action, args=[req.pk]), {"decision_note": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING


@pytest.mark.parametrize(
    "role, area",
    [
        (None, {}),  # logged in, no role
        (Role.DISTRICT_OFFICER, {"district": "4901"}),  # in the area, but not an approver
        (Role.GOVERNOR, {"province": "49"}),
        (Role.CENTRAL_OFFICER, {}),
    ],
)
def test_registration_pages_refuse_non_approvers(client, role, area):
    req = submit()
    client.force_login(make_officer(role, **area))
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("registration_detail", args=[req.pk])).status_code == 403
    response = client.post(reverse("registration_approve", args=[req.pk]))
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING
    assert not Officer.objects.filter(citizen_id=req.citizen_id).exists()


@pytest.mark.parametrize(
    "approver_fixture",
    ["chief_4902", "province_officer_49", "province_officer_48"],
)
def test_approving_someone_elses_area_is_refused(client, request, approver_fixture):
    # A district-level request of 4901: only the chief of 4901 may decide it. The province
    # officer of 49 is refused too: the district chief certifies district-level users.
    req = submit(district="4901")
    client.force_login(request.getfixturevalue(approver_fixture))
    assert client.get(reverse("registration_detail", args=[req.pk])).status_code == 403
    assert client.post(reverse("registration_approve", args=[req.pk])).status_code == 403
    response = client.post(reverse("registration_reject", args=[req.pk]), {"decision_note": "no"})
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING
    assert not Officer.objects.filter(citizen_id=req.citizen_id).exists()


def test_a_district_chief_cannot_approve_province_level(client, chief_4901):
    req = submit(permission_level="province", district="4901")
    client.force_login(chief_4901)
    assert client.post(reverse("registration_approve", args=[req.pk])).status_code == 403
    assert not Officer.objects.filter(citizen_id=req.citizen_id).exists()


def test_unknown_request_is_404_for_an_approver(client, chief_4901):
    client.force_login(chief_4901)
    assert client.get(reverse("registration_detail", args=[999999])).status_code == 404


def test_approve_is_post_only(client, chief_4901):
    req = submit()
    client.force_login(chief_4901)
    assert client.get(reverse("registration_approve", args=[req.pk])).status_code == 405


# --------------------------------------------------------------------------- approval


def test_chief_approves_a_district_request_and_the_account_must_change_its_password(
    client, chief_4901, mailoutbox, run_jobs
):
    req = submit(district="4901", date_assigned="15/09/2569")
    client.force_login(chief_4901)
    assert client.get(reverse("registration_detail", args=[req.pk])).status_code == 200
    response = client.post(reverse("registration_approve", args=[req.pk]))
    run_jobs()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["result"].password
    assert password and password in response.content.decode()

    officer = Officer.objects.get(citizen_id=req.citizen_id)
    assert officer.must_change_password is True
    assert officer.check_password(password)
    assert (officer.first_name, officer.last_name, officer.position) == (
        "วิภา",
        "ใจงาม",
        "เจ้าพนักงานปกครอง",
    )
    assert list(
        RoleAssignment.objects.filter(officer=officer).values_list(
            "role", "province_id", "district_id", "assigned_on"
        )
    ) == [(Role.DISTRICT_OFFICER, "49", "4901", date(2026, 9, 15))]
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.APPROVED
    assert (req.decided_by, req.officer) == (chief_4901, officer)

    # The password went out by the mail backend, to the address on the form only.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["wipa@example.go.th"]
    assert password in mailoutbox[0].body
    assert req.citizen_id not in mailoutbox[0].body

    # It is not shown again.
    html = client.get(reverse("registration_detail", args=[req.pk])).content.decode()
    assert password not in html

    # First login with the issued password: forced to change it before anything opens.
    client.logout()
    response = client.post("/accounts/login/", {"username": req.citizen_id, "password": password})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("password_change"))


def test_province_officer_approves_a_province_request(
    client, province_officer_49, mailoutbox, run_jobs
):
    req = submit(permission_level="province", district="", email="")
    client.force_login(province_officer_49)
    response = client.post(reverse("registration_approve", args=[req.pk]))
    assert response.status_code == 200
    officer = Officer.objects.get(citizen_id=req.citizen_id)
    assert list(
        RoleAssignment.objects.filter(officer=officer).values_list(
            "role", "province_id", "district_id"
        )
    ) == [(Role.PROVINCE_OFFICER, "49", None)]
    assert officer.must_change_password
    # No address given: nothing queued, nothing sent; the approver hands the password over.
    assert response.context["result"].email_queued is False
    assert run_jobs() == 0 and mailoutbox == []


def test_a_transfer_updates_the_existing_account_and_adds_the_role(client, chief_4902):
    existing = make_officer(Role.DISTRICT_OFFICER, district="4901", first_name="เดิม")
    old_hash = existing.password
    req = submit(citizen_id=existing.citizen_id, district="4902", first_name="ใหม่")
    client.force_login(chief_4902)
    response = client.post(reverse("registration_approve", args=[req.pk]))
    assert response.status_code == 200
    assert response.context["result"].created is False
    assert response.context["result"].password is None
    assert Officer.objects.filter(citizen_id=existing.citizen_id).count() == 1
    existing.refresh_from_db()
    assert existing.first_name == "ใหม่"
    assert existing.password == old_hash  # keeps their own password
    assert set(
        RoleAssignment.objects.filter(officer=existing).values_list("role", "district_id")
    ) == {(Role.DISTRICT_OFFICER, "4901"), (Role.DISTRICT_OFFICER, "4902")}


def test_a_returning_inactive_account_gets_a_fresh_issued_password(client, chief_4901):
    existing = make_officer(None, is_active=False)
    req = submit(citizen_id=existing.citizen_id)
    client.force_login(chief_4901)
    result = client.post(reverse("registration_approve", args=[req.pk])).context["result"]
    existing.refresh_from_db()
    assert existing.is_active and existing.must_change_password
    assert result.password and existing.check_password(result.password)
    assert not existing.check_password(existing.test_password)


def test_double_approval_is_refused(client, chief_4901):
    req = submit()
    client.force_login(chief_4901)
    first = client.post(reverse("registration_approve", args=[req.pk]))
    assert first.status_code == 200
    officer = Officer.objects.get(citizen_id=req.citizen_id)
    password_hash = officer.password
    second = client.post(reverse("registration_approve", args=[req.pk]))
    assert second.status_code == 409
    assert "already decided" in second.content.decode()
    officer.refresh_from_db()
    assert officer.password == password_hash  # the first issued password still stands
    assert RoleAssignment.objects.filter(officer=officer).count() == 1
    # Rejecting after approval is refused the same way.
    response = client.post(reverse("registration_reject", args=[req.pk]), {"decision_note": "x"})
    assert response.status_code == 409
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.APPROVED


def test_service_refuses_a_second_decision_even_from_a_stale_copy(chief_4901):
    req = submit()
    stale = RegistrationRequest.objects.get(pk=req.pk)
    registration_approve(request=req, approver=chief_4901)
    with pytest.raises(RegistrationAlreadyDecided):
        registration_approve(request=stale, approver=chief_4901)
    assert Officer.objects.filter(citizen_id=req.citizen_id).count() == 1


def test_an_approver_cannot_approve_their_own_request(client, chief_4901):
    req = submit(citizen_id=chief_4901.citizen_id)
    client.force_login(chief_4901)
    assert client.post(reverse("registration_approve", args=[req.pk])).status_code == 403
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING


# --------------------------------------------------------------------------- rejection


def test_rejection_needs_a_note_and_keeps_it(client, chief_4901):
    req = submit()
    client.force_login(chief_4901)
    url = reverse("registration_reject", args=[req.pk])
    response = client.post(url, {"decision_note": "  "})
    assert response.status_code == 400
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING

    response = client.post(url, {"decision_note": "ตำแหน่งไม่ตรงกับคำสั่งแต่งตั้ง"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.REJECTED
    assert req.decision_note == "ตำแหน่งไม่ตรงกับคำสั่งแต่งตั้ง"
    assert req.decided_by == chief_4901
    assert not Officer.objects.filter(citizen_id=req.citizen_id).exists()
    # Gone from the pending list, kept under "rejected".
    assert req.pk not in {r.pk for r in client.get(LIST).context["requests"]}
    rejected = client.get(LIST, {"status": "rejected"}).context["requests"]
    assert req.pk in {r.pk for r in rejected}
