"""Sessions of logged-in officers (issue 7): an idle time-out, an absolute lifetime of a working
day, and no session write on every request."""

import time

import pytest
from django.conf import settings as django_settings

from layers.middleware import SESSION_SEEN, SESSION_STARTED
from tests.factories import Role, make_officer

pytestmark = pytest.mark.django_db

IDLE_TH = "ไม่มีการใช้งานเกิน"  # "without activity for more than"
LIFETIME_TH = "ชั่วโมงแล้ว"  # "… hours already"


@pytest.fixture
def officer_client(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    client.officer = officer
    return client


def set_stamps(client, *, started_ago: int, seen_ago: int):
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now - started_ago
    session[SESSION_SEEN] = now - seen_ago
    session.save()


def stamps(client):
    session = client.session
    return session[SESSION_STARTED], session[SESSION_SEEN]


def test_the_defaults_are_thirty_minutes_and_a_working_day():
    assert django_settings.SESSION_IDLE_MINUTES == 30
    assert django_settings.SESSION_MAX_HOURS == 10
    assert django_settings.SESSION_COOKIE_AGE == 10 * 3600


def test_login_stamps_the_session(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    before = int(time.time())
    client.post(
        "/accounts/login/", {"username": officer.citizen_id, "password": officer.test_password}
    )
    started, seen = stamps(client)
    assert before <= started == seen <= int(time.time())


def test_an_active_officer_stays_logged_in(officer_client):
    set_stamps(officer_client, started_ago=9 * 3600, seen_ago=29 * 60)
    assert officer_client.get("/").status_code == 200
    assert "_auth_user_id" in officer_client.session


def test_idle_for_longer_than_the_setting_logs_out_with_a_thai_message(officer_client):
    set_stamps(officer_client, started_ago=3600, seen_ago=31 * 60)
    response = officer_client.get("/cases/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcases%2F%3Fpage%3D2"
    assert "_auth_user_id" not in officer_client.session
    page = officer_client.get(response["Location"]).content.decode()
    assert IDLE_TH in page and "30 นาที" in page


def test_the_idle_time_is_a_setting(officer_client, settings):
    settings.SESSION_IDLE_MINUTES = 5
    set_stamps(officer_client, started_ago=600, seen_ago=6 * 60)
    assert officer_client.get("/").status_code == 302
    assert "_auth_user_id" not in officer_client.session


def test_a_working_day_ends_the_session_however_active(officer_client):
    set_stamps(officer_client, started_ago=10 * 3600 + 60, seen_ago=10)
    response = officer_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = officer_client.get(response["Location"]).content.decode()
    assert LIFETIME_TH in page and "10" in page


def test_the_api_answers_401_json_after_a_time_out(officer_client):
    set_stamps(officer_client, started_ago=3600, seen_ago=31 * 60)
    response = officer_client.get("/api/cases/queue/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "session_expired" and IDLE_TH in response.json()["detail"]
    # Logged out: the next call is refused as anonymous.
    assert officer_client.get("/api/cases/queue/").status_code in (401, 403)


def test_a_post_after_a_time_out_changes_nothing_and_goes_to_the_login(officer_client):
    set_stamps(officer_client, started_ago=3600, seen_ago=31 * 60)
    response = officer_client.post("/accounts/profile/", {"phone_office": "042611234"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    officer_client.officer.refresh_from_db()
    assert officer_client.officer.phone_office == ""


def test_the_session_is_not_written_on_every_request(officer_client):
    set_stamps(officer_client, started_ago=600, seen_ago=5)
    before = stamps(officer_client)
    for _ in range(3):
        response = officer_client.get("/")
        assert response.status_code == 200
        assert django_settings.SESSION_COOKIE_NAME not in response.cookies  # not saved
    assert stamps(officer_client) == before
    # A minute later the last-seen stamp moves (one write), the start does not.
    set_stamps(officer_client, started_ago=600, seen_ago=61)
    started, _ = stamps(officer_client)
    response = officer_client.get("/")
    assert django_settings.SESSION_COOKIE_NAME in response.cookies
    new_started, new_seen = stamps(officer_client)
    assert new_started == started and int(time.time()) - new_seen <= 2


def test_anonymous_pages_are_untouched(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert SESSION_SEEN not in client.session
