"""Officers log in with their citizen ID; an issued password must be changed first; profile."""

import pytest
from django.contrib.auth.signals import user_login_failed
from django.urls import include, path, reverse
from rest_framework.decorators import api_view
from rest_framework.response import Response

from layers.models import Category, Officer, Role, RoleAssignment
from tests.factories import make_officer, make_team, new_citizen_id

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG_CHECK_DIGIT = "check digit is wrong"
WRONG_LOGIN = "Wrong citizen ID or password"


@api_view(["GET"])
def _api_probe(request):
    return Response({"ok": True})


# A urlconf for the first-login tests: the real site plus one /api/ endpoint that exists
# whatever the API app holds today, so "lifted" is a 200, not a 404.
urlpatterns = [
    path("api/_probe/", _api_probe),
    path("", include("gisapp.urls")),
]


def dashed(cid: str) -> str:
    return f"{cid[0]}-{cid[1:5]}-{cid[5:10]}-{cid[10:12]}-{cid[12]}"


def with_wrong_check_digit(cid: str) -> str:
    return cid[:12] + str((int(cid[12]) + 1) % 10)


@pytest.fixture
def failed_logins():
    seen = []

    def receiver(sender, credentials, **kwargs):
        seen.append(credentials.get("username"))

    user_login_failed.connect(receiver)
    yield seen
    user_login_failed.disconnect(receiver)


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


# --------------------------------------------------------------------------- log in


def test_login_page_is_thai_and_asks_for_the_citizen_id(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th">' in html
    assert 'name="username"' in html and 'inputmode="numeric"' in html


def test_login_with_plain_citizen_id(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    response = login(client, officer.citizen_id, officer.test_password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == officer.pk


@pytest.mark.parametrize("fmt", [dashed, lambda c: " ".join([c[:1], c[1:5], c[5:10], c[10:]])])
def test_login_accepts_dashes_and_spaces(client, fmt):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    response = login(client, fmt(officer.citizen_id), officer.test_password)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == officer.pk


@pytest.mark.usefixtures("english")  # checks the English wording
def test_bad_check_digit_is_told_before_any_password_is_tried(client, failed_logins):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    response = login(client, with_wrong_check_digit(officer.citizen_id), officer.test_password)
    assert response.status_code == 200
    html = response.content.decode()
    assert WRONG_CHECK_DIGIT in html.replace("&#x27;", "'")
    assert WRONG_LOGIN not in html
    assert failed_logins == []  # authenticate() was never called
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("english")  # checks the English wording
def test_too_short_citizen_id_is_told_so(client, failed_logins):
    response = login(client, "110170020341", "whatever")
    assert "13 digits" in response.content.decode()
    assert failed_logins == []


@pytest.mark.usefixtures("english")  # checks the English wording
def test_wrong_password_gets_the_generic_message(client, failed_logins):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    response = login(client, dashed(officer.citizen_id), "not-the-password")
    html = response.content.decode()
    assert WRONG_LOGIN in html
    assert WRONG_CHECK_DIGIT not in html
    assert failed_logins == [officer.citizen_id]  # normalised before authenticating
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("english")  # checks the English wording
def test_unknown_but_valid_citizen_id_gets_the_generic_message(client):
    response = login(client, new_citizen_id("5"), "Test-pass-2569")
    assert WRONG_LOGIN in response.content.decode()


@pytest.mark.usefixtures("english")  # checks the English wording
def test_inactive_account_is_refused(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901", is_active=False)
    response = login(client, officer.citizen_id, officer.test_password)
    assert response.status_code == 200
    assert "inactive" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # With a wrong password, nothing is said about the account's state.
    response = login(client, officer.citizen_id, "not-the-password")
    assert WRONG_LOGIN in response.content.decode()
    assert "inactive" not in response.content.decode()


def test_auth_url_names_still_work():
    assert reverse("login") == "/accounts/login/"
    assert reverse("logout") == "/accounts/logout/"
    assert reverse("password_change") == "/accounts/password_change/"
    assert reverse("password_change_done") == "/accounts/password_change/done/"


def test_logout(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --------------------------------------------------------------------------- first login


@pytest.mark.urls("tests.maps.test_accounts")
@pytest.mark.usefixtures("english")  # checks the English wording
def test_issued_password_must_be_changed_before_anything_opens(client):
    officer = make_officer(
        Role.DISTRICT_OFFICER, district="4901", password="Issued-2569x", must_change_password=True
    )
    response = login(client, officer.citizen_id, "Issued-2569x")
    assert response.status_code == 302

    # A page: redirected to the change form, remembering where the officer was going.
    response = client.get("/?tab=1&x=2")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("password_change") + "?next=")
    assert "%3Ftab%3D1%26x%3D2" in response["Location"]
    assert client.get(reverse("profile")).status_code == 302
    assert client.get("/admin/").status_code == 302

    # The API: a 403 with a JSON message, not a redirect to an HTML form.
    response = client.get("/api/_probe/")
    assert response.status_code == 403
    assert "change your issued password" in response.json()["detail"]

    # The change form itself opens.
    assert client.get(reverse("password_change")).status_code == 200

    # The new password must differ from the issued one.
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Issued-2569x",
            "new_password1": "Issued-2569x",
            "new_password2": "Issued-2569x",
        },
    )
    assert response.status_code == 200
    assert "must differ" in response.content.decode()
    officer.refresh_from_db()
    assert officer.must_change_password is True

    # A wrong current password is refused too.
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "guess",
            "new_password1": "Kaeng-Kung-77",
            "new_password2": "Kaeng-Kung-77",
        },
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.must_change_password is True and officer.check_password("Issued-2569x")

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Issued-2569x",
            "new_password1": "Kaeng-Kung-77",
            "new_password2": "Kaeng-Kung-77",
            "next": "/?tab=1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/?tab=1"
    officer.refresh_from_db()
    assert officer.must_change_password is False
    assert officer.check_password("Kaeng-Kung-77")

    # Lifted: still logged in (session hash updated), pages and the API open.
    assert client.get("/").status_code == 200
    assert client.get(reverse("profile")).status_code == 200
    assert client.get("/api/_probe/").json() == {"ok": True}


def test_password_change_rejects_an_offsite_next(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901", must_change_password=True)
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": officer.test_password,
            "new_password1": "Kaeng-Kung-77",
            "new_password2": "Kaeng-Kung-77",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_change_is_refused_to_anonymous(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --------------------------------------------------------------------------- profile


def test_profile_is_refused_to_anonymous(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("profile"), {"phone_office": "042611234"})
    assert response.status_code == 302


def test_profile_shows_roles_with_thai_area_names_teams_and_a_masked_id(client):
    team = make_team("490101")
    officer = make_officer(
        Role.TEAM_MEMBER,
        district="4901",
        teams=[team],
        title="นาย",
        first_name="สมศักดิ์",
        last_name="รักษ์ถิ่น",
        position="ปลัดอำเภอ",
        unit="ที่ทำการปกครองอำเภอเมืองมุกดาหาร",
    )

    RoleAssignment.objects.create(officer=officer, role=Role.PROVINCE_OFFICER, province_id="48")
    client.force_login(officer)
    html = client.get(reverse("profile")).content.decode()
    assert "นายสมศักดิ์ รักษ์ถิ่น" in html
    assert "ปลัดอำเภอ" in html and "ที่ทำการปกครองอำเภอเมืองมุกดาหาร" in html
    assert officer.masked_citizen_id in html
    assert officer.citizen_id not in html
    assert "เมืองมุกดาหาร" in html and "มุกดาหาร" in html  # district role's area
    assert "นครพนม" in html  # province role's area
    assert team.name in html
    assert reverse("password_change") in html


def test_profile_edit_saves_valid_contact_details(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    response = client.post(
        reverse("profile"),
        {"phone_office": "042 611 234", "phone_mobile": "0812345678", "email": "s@dopa.go.th"},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.phone_office, officer.phone_mobile, officer.email) == (
        "042 611 234",
        "0812345678",
        "s@dopa.go.th",
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"phone_office": "12345", "phone_mobile": "", "email": ""}, "phone_office"),
        ({"phone_office": "", "phone_mobile": "1812345678", "email": ""}, "phone_mobile"),
        ({"phone_office": "", "phone_mobile": "", "email": "not-an-address"}, "email"),
    ],
)
def test_profile_edit_refuses_bad_contact_details(client, data, field):
    officer = make_officer(
        Role.DISTRICT_OFFICER, district="4901", phone_office="042611234", email="old@dopa.go.th"
    )
    client.force_login(officer)
    response = client.post(reverse("profile"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    officer.refresh_from_db()
    assert (officer.phone_office, officer.email) == ("042611234", "old@dopa.go.th")


def test_profile_cannot_change_name_or_citizen_id(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901", first_name="เดิม")
    client.force_login(officer)
    other_id = new_citizen_id("8")
    client.post(
        reverse("profile"),
        {"phone_office": "042611234", "first_name": "ใหม่", "citizen_id": other_id},
    )
    officer.refresh_from_db()
    assert officer.first_name == "เดิม"
    assert not Officer.objects.filter(citizen_id=other_id).exists()


def test_nav_links_by_role(client):
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    plain = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(plain)
    html = client.get("/").content.decode()
    assert reverse("profile") in html
    assert reverse("registration_list") not in html
    assert "/admin/" not in html
    client.force_login(chief)
    assert reverse("registration_list") in client.get("/").content.decode()


# --------------------------------------------------------------------------- admin


@pytest.fixture
def admin_user():
    return Officer.objects.create_superuser(new_citizen_id("9"), "Admin-pass-2569")


def test_admin_is_refused_to_officers_without_staff(client):
    client.force_login(make_officer(Role.PROVINCE_OFFICER, province="49"))
    for url in ("/admin/", "/admin/layers/officer/", "/admin/boundaries/subdistrict/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/layers/officer/",
        "/admin/layers/roleassignment/",
        "/admin/layers/team/",
        "/admin/layers/category/",
        "/admin/layers/registrationrequest/",
        "/admin/layers/duplicatedecision/",
        "/admin/boundaries/province/",
        "/admin/boundaries/district/",
        "/admin/boundaries/subdistrict/",
        "/admin/boundaries/subdistrict/490101/change/",
        "/admin/boundaries/boundaryload/",
    ],
)
def test_admin_pages_open_for_an_admin(client, admin_user, url):
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_admin_officer_page_shows_no_password_hash(client, admin_user):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(admin_user)
    html = client.get(f"/admin/layers/officer/{officer.pk}/change/").content.decode()
    assert officer.citizen_id in html
    algorithm = officer.password.split("$")[0]
    assert officer.password not in html and algorithm not in html
    assert 'name="roles-0-role"' in html  # the role inline
    assert 'name="memberships-TOTAL_FORMS"' in html  # team memberships


def test_admin_adds_an_officer_with_an_issued_password_shown_once(client, admin_user):
    client.force_login(admin_user)
    cid = new_citizen_id("2")
    response = client.post(
        "/admin/layers/officer/add/",
        {
            "citizen_id": dashed(cid),
            "title": "นาย",
            "first_name": "ทดลอง",
            "last_name": "ระบบ",
            "is_active": "on",
            "date_joined_0": "2026-11-21",
            "date_joined_1": "10:00:00",
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-0-role": Role.DISTRICT_OFFICER,
            "roles-0-district": "4902",
            "roles-0-assigned_on": "2026-11-21",
            "roles-0-is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"]
    officer = Officer.objects.get(citizen_id=cid)
    (row,) = response.context["rows"]
    password = row[1]
    assert officer.check_password(password) and officer.must_change_password
    assert list(officer.roles.values_list("role", "province_id", "district_id")) == [
        (Role.DISTRICT_OFFICER, "49", "4902")  # the province follows the district
    ]
    assert (
        password not in client.get(f"/admin/layers/officer/{officer.pk}/change/").content.decode()
    )


def test_admin_role_needs_its_area(client, admin_user):
    officer = make_officer(None)
    client.force_login(admin_user)
    response = client.post(
        "/admin/layers/roleassignment/add/",
        {"officer": officer.pk, "role": Role.DISTRICT_CHIEF, "assigned_on": "2026-11-21"},
    )
    assert response.status_code == 200
    assert not officer.roles.exists()
    response = client.post(
        "/admin/layers/roleassignment/add/",
        {
            "officer": officer.pk,
            "role": Role.DISTRICT_CHIEF,
            "province": "48",
            "district": "4901",
            "assigned_on": "2026-11-21",
        },
    )
    assert response.status_code == 200
    assert not officer.roles.exists()


def test_admin_edits_sla_days_and_duplicate_settings_in_the_category_list(client, admin_user):

    cats = list(Category.objects.order_by("parent__sort_order", "sort_order", "code"))
    assert cats, "the category seed migration should have filled the tree"
    client.force_login(admin_user)
    data = {
        "form-TOTAL_FORMS": str(len(cats)),
        "form-INITIAL_FORMS": str(len(cats)),
        "_save": "Save",
    }
    for i, cat in enumerate(cats):
        data[f"form-{i}-id"] = cat.pk
        data[f"form-{i}-sla_days"] = "" if cat.sla_days is None else cat.sla_days
        data[f"form-{i}-duplicate_radius_m"] = cat.duplicate_radius_m
        data[f"form-{i}-duplicate_window_days"] = cat.duplicate_window_days
        if cat.is_active:
            data[f"form-{i}-is_active"] = "on"
    data["form-0-sla_days"] = "21"
    # The duplicate radius and window (issue 8) are edited the same way.
    data["form-0-duplicate_radius_m"] = "400"
    data["form-0-duplicate_window_days"] = "60"
    response = client.post("/admin/layers/category/?all=", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    cats[0].refresh_from_db()
    assert cats[0].sla_days == 21
    assert (cats[0].duplicate_radius_m, cats[0].duplicate_window_days) == (400, 60)
    data["form-0-duplicate_radius_m"] = "0"
    assert client.post("/admin/layers/category/?all=", data).status_code == 200  # refused


def test_admin_boundaries_are_read_only_with_no_map_widget(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/boundaries/subdistrict/490101/change/").content.decode()
    assert "olwidget" not in html.lower() and "openlayers" not in html.lower()
    assert "MultiPolygon" in html  # the plain text summary
    assert 'name="name_th"' not in html  # nothing editable
    assert client.get("/admin/boundaries/subdistrict/add/").status_code == 403
    response = client.post("/admin/boundaries/subdistrict/490101/delete/", {"post": "yes"})
    assert response.status_code == 403


def test_admin_registration_requests_are_read_only(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/layers/registrationrequest/add/").status_code == 403
