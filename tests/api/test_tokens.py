"""Personal API tokens: created and revoked on the profile page (the key shown once, only its
digest stored), by the management command and in the admin; ``Authorization: Token`` and
``Bearer`` on the API with the officer's own scope and policy; revoked, expired, unknown and
malformed keys refused with a 401 in the core's shape; the last-used time; the password-change
and session-timeout rules; keys never logged."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from gunicorn.config import Config
from gunicorn.glogging import Logger

from boundaries.models import Subdistrict
from layers.errors import Forbidden, InvalidInput, TokenRefused
from layers.middleware import SESSION_SEEN, SESSION_STARTED
from layers.models import ApiToken, Role
from layers.services.tokens import api_token_authenticate, api_token_create
from tests.factories import make_complaint, make_officer
from tests.test_deploy import gunicorn_config

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHAPE = {"detail", "code", "fields"}
COMPLAINANT = "นายผู้ร้อง ทดสอบโทเคน"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


@pytest.fixture
def case(officer):
    return make_complaint(created_by=officer, complainant_name=COMPLAINANT)


def _p48_point():
    point = (
        Subdistrict.objects.filter(province_id="48", geom__isnull=False)
        .order_by("code")
        .first()
        .geom.point_on_surface
    )
    return point.y, point.x


def token_client(key: str, scheme: str = "Token", **kwargs) -> Client:
    return Client(HTTP_AUTHORIZATION=f"{scheme} {key}", **kwargs)


def new_key(officer, **kwargs) -> str:
    return api_token_create(officer=officer, name=kwargs.pop("name", "QGIS"), **kwargs)[1]


# --- Created, shown once, stored as a digest ---------------------------------------------------


def test_a_key_is_random_shown_once_and_stored_only_as_its_digest(officer):
    token, key = api_token_create(officer=officer, name="  QGIS at the office  ")
    assert key.startswith(f"dmr_{token.prefix}_") and len(key) == 53
    assert token.name == "QGIS at the office"
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(key in str(value) or key[13:] in str(value) for value in row.values())
    assert api_token_create(officer=officer, name="QGIS")[1] != key
    # Expiry: the default, a chosen number of days, never above the maximum.
    assert abs(token.expires_at - token.created_at - timedelta(days=90)) < timedelta(seconds=1)
    short, _ = api_token_create(officer=officer, name="one week", days=7)
    assert (short.expires_at - short.created_at).days == 7
    for days in (0, 366, "90.5", True, "๙๐"):
        with pytest.raises(InvalidInput) as exc:
            api_token_create(officer=officer, name="x", days=days)
        assert "days" in exc.value.fields
    for name in ("", "   ", "x" * 81, 12, "a\x00b"):
        with pytest.raises(InvalidInput) as exc:
            api_token_create(officer=officer, name=name)
        assert "name" in exc.value.fields


def test_an_officer_without_a_role_gets_no_token_and_the_number_is_capped(officer, settings):
    with pytest.raises(Forbidden):
        api_token_create(officer=make_officer(None), name="x")
    settings.API_TOKEN_MAX_PER_OFFICER = 2
    first, _ = api_token_create(officer=officer, name="a")
    api_token_create(officer=officer, name="b")
    with pytest.raises(InvalidInput) as exc:
        api_token_create(officer=officer, name="c")
    assert "working tokens" in exc.value.fields["name"][0]
    first.revoked_at = timezone.now()
    first.save()
    api_token_create(officer=officer, name="c")  # a revoked one no longer counts


def test_the_profile_page_creates_shows_once_lists_and_revokes(officer):
    client = Client()
    client.force_login(officer)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200 and 'id="token-form"' in page.content.decode()
    assert 'id="no-tokens"' in page.content.decode()

    created = client.post("/accounts/profile/tokens/", {"name": "QGIS office", "days": "30"})
    html = created.content.decode()
    token = ApiToken.objects.get(officer=officer)
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    key = html.split('id="new-token-key">')[1].split("<")[0]
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert (token.expires_at - token.created_at).days == 30
    # The key works, and is never shown again.
    assert token_client(key).get("/api/cases/").status_code == 200
    again = client.get("/accounts/profile/").content.decode()
    assert key not in again and key[13:] not in again
    assert token.display_key in again and "QGIS office" in again

    revoked = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302 and revoked["Location"].endswith("#api-tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == officer
    assert token_client(key).get("/api/cases/").status_code == 401


def test_the_profile_form_refuses_bad_input_and_others_tokens(officer):
    client = Client()
    client.force_login(officer)
    for data in ({"name": "", "days": "90"}, {"name": "x", "days": "1000"}, {"name": "x"}):
        response = client.post("/accounts/profile/tokens/", data)
        assert response.status_code == 400, data
        assert 'class="errorlist' in response.content.decode()
        assert 'id="new-token-key"' not in response.content.decode()
    assert not ApiToken.objects.exists()
    assert client.get("/accounts/profile/tokens/").status_code == 405

    other = make_officer(Role.DISTRICT_OFFICER, district="4902")
    theirs, _ = api_token_create(officer=other, name="theirs")
    assert client.post(f"/accounts/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert Client().post(f"/accounts/profile/tokens/{theirs.pk}/revoke/").status_code == 302


def test_an_officer_without_a_role_is_refused_on_the_page():
    client = Client()
    client.force_login(make_officer(None))
    response = client.post("/accounts/profile/tokens/", {"name": "x", "days": "90"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


# --- The API with a token -----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "bearer"])
def test_a_token_works_on_the_api_the_export_and_the_lookup(officer, case, scheme):
    client = token_client(new_key(officer), scheme)
    listed = client.get("/api/cases/")
    assert listed.status_code == 200
    assert [r["tracking_no"] for r in listed.json()["results"]] == [case.tracking_no]
    detail = client.get(f"/api/cases/{case.tracking_no}/").json()
    assert detail["personal"]["complainant_name"] == COMPLAINANT  # the officer's own policy
    export = client.get("/api/complaints.geojson?province=49")
    assert export.status_code == 200
    body = json.loads(b"".join(export.streaming_content))
    assert [f["id"] for f in body["features"]] == [case.tracking_no]
    lookup = client.get("/api/boundaries/lookup?lat=16.5435&lon=104.7235")
    assert lookup.status_code == 200 and lookup.json()["province_code"] == "49"


def test_a_token_needs_no_csrf_token_and_acts_as_its_officer(officer, case):
    client = token_client(new_key(officer), enforce_csrf_checks=True)
    response = client.post(
        f"/api/cases/{case.tracking_no}/actions/",
        json.dumps({"action": "note", "version": case.version, "text": "จากสคริปต์"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["notes"][0]["author"] == officer.get_full_name()


def test_a_token_acts_with_its_officers_scope(case):
    lat, lon = _p48_point()
    own = make_complaint(lat=lat, lon=lon)
    outsider = make_officer(Role.PROVINCE_OFFICER, province="48")
    client = token_client(new_key(outsider))
    listed = client.get("/api/cases/?page_size=200").json()["results"]
    assert [r["tracking_no"] for r in listed] == [own.tracking_no]
    assert client.get(f"/api/cases/{case.tracking_no}/").status_code == 404
    assert client.get("/api/complaints.geojson?province=49").status_code == 403
    geo = client.get("/api/cases.geojson").json()
    assert [f["id"] for f in geo["features"]] == [own.tracking_no]
    body = client.get(f"/api/cases/{case.tracking_no}/").content.decode()
    assert case.tracking_no not in body and COMPLAINANT not in body


def test_a_token_carries_its_officers_policy_the_analyst_sees_no_person(case):
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    by_token = token_client(new_key(analyst)).get(f"/api/cases/{case.tracking_no}/").json()
    session = Client()
    session.force_login(analyst)
    by_session = session.get(f"/api/cases/{case.tracking_no}/").json()
    assert by_token == by_session
    assert by_token["personal"] is None and by_token["description"] is None
    assert COMPLAINANT not in json.dumps(by_token, ensure_ascii=False)


def test_an_officer_whose_role_ended_gets_nothing_with_a_token(officer, case):
    client = token_client(new_key(officer))
    officer.roles.update(is_active=False)
    assert client.get("/api/cases/").status_code == 403
    assert client.get(f"/api/cases/{case.tracking_no}/").status_code == 403


# --- Refused keys ---------------------------------------------------------------------------------


def _refused(response, code: str):
    assert response.status_code == 401, response.content
    body = response.json()
    assert set(body) == SHAPE and body["code"] == code and body["detail"]
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_revoked_expired_unknown_and_malformed_keys_are_401_everywhere(officer, case):
    token, key = api_token_create(officer=officer, name="x")
    urls = [
        "/api/cases/",
        f"/api/cases/{case.tracking_no}/",
        "/api/complaints.geojson?province=49",
        "/api/cases.geojson",
        "/api/boundaries/lookup?lat=16.5&lon=104.7",
        # Public endpoints too: a program must learn that its key is bad.
        "/api/boundaries/provinces/",
        "/api/categories/",
    ]
    unknown = f"dmr_{token.prefix}_{'A' * 40}"
    for url in urls:
        _refused(token_client(unknown).get(url), "token_invalid")
        _refused(token_client("not-a-key").get(url), "token_invalid")
        _refused(Client(HTTP_AUTHORIZATION="Token").get(url), "token_invalid")
        _refused(Client(HTTP_AUTHORIZATION=f"Token {key} extra").get(url), "token_invalid")
        _refused(token_client("dmr_ñññññññ_" + "x" * 40).get(url), "token_invalid")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for url in urls:
        _refused(token_client(key).get(url), "token_expired")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    for url in urls:
        _refused(token_client(key).get(url), "token_revoked")
    # An action is refused before anything is read or written.
    response = token_client(key).post(
        f"/api/cases/{case.tracking_no}/actions/",
        json.dumps({"action": "note", "version": case.version, "text": "x"}),
        content_type="application/json",
    )
    _refused(response, "token_revoked")
    case.refresh_from_db()
    assert case.version == 1


def test_other_schemes_are_not_ours_and_no_credentials_is_a_401_with_the_challenge():
    response = Client(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").get("/api/cases/")
    _refused(response, "not_authenticated")
    _refused(Client().get("/api/cases/"), "not_authenticated")
    assert Client().get("/api/categories/").status_code == 200  # public: no header, no 401


def test_a_deactivated_officers_token_is_refused(officer):
    client = token_client(new_key(officer))
    officer.is_active = False
    officer.save()
    _refused(client.get("/api/cases/"), "token_invalid")


def test_must_change_password_blocks_tokens_until_the_password_is_changed(officer):
    client = token_client(new_key(officer))
    officer.must_change_password = True
    officer.save()
    response = client.get("/api/cases/")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert "WWW-Authenticate" not in response
    officer.must_change_password = False
    officer.save()
    assert client.get("/api/cases/").status_code == 200


def test_a_timed_out_session_does_not_lock_out_the_token_sent_with_it(officer, case):
    key = new_key(officer)
    client = token_client(key)
    client.force_login(officer)
    session = client.session
    stale = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session[SESSION_STARTED] = session[SESSION_SEEN] = stale
    session.save()
    response = client.get("/api/cases/")
    assert response.status_code == 200
    assert [r["tracking_no"] for r in response.json()["results"]] == [case.tracking_no]
    # Without a token the same stale session is the usual 401.
    browser = Client()
    browser.force_login(officer)
    session = browser.session
    session[SESSION_STARTED] = session[SESSION_SEEN] = stale
    session.save()
    expired = browser.get("/api/cases/")
    assert expired.status_code == 401 and expired.json()["code"] == "session_expired"


# --- Last used ------------------------------------------------------------------------------------


def test_last_used_is_written_at_most_every_few_minutes(officer, settings):
    settings.API_TOKEN_TOUCH_SECONDS = 300
    token, key = api_token_create(officer=officer, name="x")
    assert token.last_used_at is None
    client = token_client(key)
    client.get("/api/categories/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=10)
    client.get("/api/cases/")
    token.refresh_from_db()
    assert token.last_used_at == first  # within the interval: not written again
    earlier = timezone.now() - timedelta(minutes=4)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    client.get("/api/cases/")
    token.refresh_from_db()
    assert token.last_used_at == earlier
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=6))
    client.get("/api/cases/")
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=10)


def test_the_service_answers_each_refusal(officer):
    token, key = api_token_create(officer=officer, name="x")
    assert api_token_authenticate(key=key)[0] == officer
    later = timezone.now() + timedelta(days=91)
    with pytest.raises(TokenRefused) as exc:
        api_token_authenticate(key=key, now=later)
    assert exc.value.code == "token_expired" and exc.value.status == 401
    with pytest.raises(TokenRefused) as exc:
        api_token_authenticate(key=key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert exc.value.code == "token_invalid"


# --- The management command -------------------------------------------------------------------


def test_the_command_creates_lists_and_revokes(officer):
    out, err = io.StringIO(), io.StringIO()
    citizen = f"{officer.citizen_id[0]}-{officer.citizen_id[1:5]}-{officer.citizen_id[5:]}"
    call_command("api_token", "create", citizen, "--name", "GDAL nightly", "--days", "30",
                 stdout=out, stderr=err)  # fmt: skip
    key = out.getvalue().strip()
    token = ApiToken.objects.get(officer=officer)
    assert token.name == "GDAL nightly" and (token.expires_at - token.created_at).days == 30
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in err.getvalue() and "expires" in err.getvalue()
    assert token_client(key).get("/api/cases/").status_code == 200

    listing = io.StringIO()
    call_command("api_token", "list", officer.citizen_id, stdout=listing)
    assert token.display_key in listing.getvalue() and key not in listing.getvalue()

    call_command("api_token", "revoke", token.prefix, stdout=io.StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by is None
    _refused(token_client(key).get("/api/cases/"), "token_revoked")


def test_the_command_refuses_bad_input(officer):
    with pytest.raises(CommandError, match="No officer"):
        call_command("api_token", "create", "1234567890123", "--name", "x")
    with pytest.raises(CommandError, match="days"):
        call_command("api_token", "create", officer.citizen_id, "--name", "x", "--days", "999")
    with pytest.raises(CommandError, match="name"):
        call_command("api_token", "create", officer.citizen_id, "--name", " ")
    with pytest.raises(CommandError, match="No token"):
        call_command("api_token", "revoke", "nosuchpr")
    assert not ApiToken.objects.exists()


# --- The admin ------------------------------------------------------------------------------------


def test_the_admin_lists_and_revokes_but_never_shows_or_creates_keys(officer):
    admin = make_officer(None, is_staff=True, is_superuser=True)
    token, key = api_token_create(officer=officer, name="QGIS office")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/layers/apitoken/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "QGIS office" in html and token.display_key in html
    assert key not in html and key[13:] not in html and token.digest not in html
    change = client.get(f"/admin/layers/apitoken/{token.pk}/change/").content.decode()
    assert key[13:] not in change and token.digest not in change
    assert client.get("/admin/layers/apitoken/add/").status_code == 403
    response = client.post(
        "/admin/layers/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin
    # Officers who are not staff do not reach it.
    plain = Client()
    plain.force_login(officer)
    assert plain.get("/admin/layers/apitoken/").status_code == 302


# --- Keys stay out of logs ------------------------------------------------------------------------


def test_keys_never_reach_the_logs(officer, caplog):
    token, key = api_token_create(officer=officer, name="x")
    caplog.set_level(logging.DEBUG)
    token_client(key).get("/api/cases/")
    token_client(key + "x").get("/api/cases/")
    token_client(key).get("/api/cases/2500-0000000/")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    token_client(key).get("/api/cases/")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # the refusals were logged (path and status only)
    assert key[13:] not in text and token.digest not in text


def test_the_access_log_line_has_no_authorization_header(monkeypatch):
    """gunicorn's own logger, for a token request: the line has no header at all."""
    cfg = gunicorn_config(monkeypatch)
    config = Config()
    config.set("access_log_format", cfg["access_log_format"])
    key = "dmr_ABCDEFGH_" + "s" * 40
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/cases/",
        "PATH_INFO": "/api/cases/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_AUTHORIZATION": f"Token {key}",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    request = SimpleNamespace(headers=[("AUTHORIZATION", f"Token {key}")])
    atoms = Logger(config).atoms(response, request, environ, timedelta(seconds=0.1))
    line = cfg["access_log_format"] % atoms
    assert '"GET /api/cases/ HTTP/1.1" 200' in line
    assert "ssss" not in line and "Token" not in line
