"""One error shape (issue 7, §2): the API answers ``{"detail", "code", "fields"}`` for every
refusal, pages answer a Thai page with the site's navigation, over-size bodies are a 413 on
every API endpoint, and Django's bare debug 400 page never reaches a user."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path

from layers.models import Complaint, Role
from tests.factories import MUKDAHAN_CITY, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

SHAPE = {"detail", "code", "fields"}


def boom(request):
    raise RuntimeError("a bug")


def too_big(request):
    raise RequestDataTooBig("too big")


def api_boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-boom/", boom),
    path("test-too-big/", too_big),
    path("api/test-boom/", api_boom),
    path("", include("gisapp.urls")),
]
handler400 = "maps.errors.handler400"
handler403 = "maps.errors.handler403"
handler404 = "maps.errors.handler404"
handler500 = "maps.errors.handler500"


@pytest.fixture
def officer():
    make_team("490101")
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


@pytest.fixture
def client(officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    return client


def api_paths(resolver=None, prefix=""):
    """Every API route as a concrete path (a tracking number where one is asked)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_paths(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            yield "/" + route.replace("<str:tracking_no>", "2569-0000001").replace("<int:pk>", "1")


def test_every_api_endpoint_answers_an_over_size_body_with_413_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    paths = sorted(set(api_paths()))
    assert len(paths) >= 12  # the resolver walk found the API
    body = json.dumps({"text": "ก" * (700 * 1024)})  # ~2 MB of UTF-8
    for url in paths:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 413, (url, response.status_code)
        data = response.json()
        assert set(data) == SHAPE and data["code"] == "too_large", url
        assert data["detail"]


def test_an_over_size_upload_is_413_with_nothing_written(client, officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REQUEST_MAX_UPLOAD_BYTES = 200 * 1024
    case = make_complaint(created_by=officer)
    photo = b"\xff\xd8\xff\xe0" + b"\x00" * (300 * 1024)

    for url in (f"/api/cases/{case.tracking_no}/actions/", f"/cases/{case.tracking_no}/act/"):
        response = client.post(
            url,
            {
                "action": "note",
                "version": case.version,
                "text": "x",
                "files": SimpleUploadedFile("big.jpg", photo, "image/jpeg"),
            },
        )
        assert response.status_code == 413, url
    assert Complaint.objects.get(pk=case.pk).version == case.version
    assert not any(tmp_path.rglob("*.jpg"))
    page = client.post(
        f"/cases/{case.tracking_no}/act/",
        {
            "action": "note",
            "version": case.version,
            "text": "x",
            "files": SimpleUploadedFile("big.jpg", photo, "image/jpeg"),
        },
    )
    assert 'id="error-page"' in page.content.decode() and 'lang="th"' in page.content.decode()


@pytest.mark.urls(__name__)
def test_request_data_too_big_raised_by_a_view_is_413(client):
    response = client.get("/test-too-big/")
    assert response.status_code == 413
    assert 'id="error-page"' in response.content.decode()


@pytest.mark.parametrize("debug", [True, False])
def test_djangos_bare_400_page_never_reaches_a_user(client, settings, debug):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"f{i}": "x" for i in range(50)}  # TooManyFieldsSent, read by the CSRF check
    response = client.post("/cases/new/", fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-page"' in html and 'lang="th"' in html
    assert "Traceback" not in html and "TooManyFieldsSent" not in html
    assert 'class="mainnav"' in html  # the site's navigation, the officer still logged in


def test_a_bad_host_gets_our_page_not_the_debug_page(settings):
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-page"' in html and "DisallowedHost" not in html


def test_thai_403_and_404_pages_with_the_navigation(client):
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    reader = Client()
    reader.force_login(analyst)
    forbidden = reader.get("/cases/new/")
    html = forbidden.content.decode()
    assert forbidden.status_code == 403
    assert 'lang="th"' in html and 'class="mainnav"' in html and 'id="error-page"' in html
    assert "คุณไม่มีสิทธิ์เปิดหน้านี้" in html
    assert "<h1>403 Forbidden</h1>" not in html

    missing = client.get("/cases/2500-9999999/")
    html = missing.content.decode()
    assert missing.status_code == 404
    assert 'lang="th"' in html and 'class="mainnav"' in html and "ไม่พบหน้าที่ต้องการ" in html
    # An address nobody routes, too.
    assert "ไม่พบหน้าที่ต้องการ" in client.get("/no/such/page/").content.decode()


@pytest.mark.urls(__name__)
def test_a_500_is_a_thai_page_on_pages_and_json_on_the_api(client, caplog):
    page = client.get("/test-boom/")
    html = page.content.decode()
    assert page.status_code == 500
    assert 'lang="th"' in html and "ระบบขัดข้อง" in html and "a bug" not in html
    api = client.get("/api/test-boom/")
    assert api.status_code == 500
    assert set(api.json()) == SHAPE and api.json()["code"] == "server_error"


def test_api_refusals_all_have_the_one_shape(client, officer):
    case = make_complaint(created_by=officer)
    anonymous = Client()
    answers = {
        "unknown path": client.get("/api/no/such/thing/"),
        "method": client.put("/api/cases/"),
        "anonymous": anonymous.get("/api/cases/"),
        "not found": client.get("/api/cases/2500-9999999/"),
        "bad filter": client.get("/api/cases/?district=' OR 1=1--"),
        "bad json": client.post(
            f"/api/cases/{case.tracking_no}/actions/", "{not json", content_type="application/json"
        ),
        "not an object": client.post(
            f"/api/cases/{case.tracking_no}/actions/", "[1, 2]", content_type="application/json"
        ),
        "media type": client.post(
            f"/api/cases/{case.tracking_no}/actions/", "x", content_type="text/csv"
        ),
        "nul": client.get("/api/cases/?province=4%009"),
    }
    expected = {
        "unknown path": 404,
        "method": 405,
        # A 401 with the Token challenge since the API takes personal tokens (issue 10).
        "anonymous": 401,
        "not found": 404,
        "bad filter": 400,
        "bad json": 400,
        "not an object": 400,
        "media type": 415,
        "nul": 400,
    }
    for name, response in answers.items():
        assert response.status_code == expected[name], (name, response.status_code)
        body = response.json()
        assert set(body) == SHAPE, (name, body)
        assert isinstance(body["detail"], str) and body["detail"], name
        assert isinstance(body["fields"], dict), name
    assert answers["bad filter"].json()["fields"]["district"]
    assert answers["anonymous"]["WWW-Authenticate"] == 'Token realm="api"'


def test_the_api_csrf_refusal_says_reload(officer):
    case = make_complaint(created_by=officer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(
        f"/api/cases/{case.tracking_no}/actions/",
        json.dumps({"action": "start", "version": case.version}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"


# --- The intake form: the same limits and strict numbers as the service ----------------------


def intake_post(client, **overrides):
    data = {
        "lat": str(MUKDAHAN_CITY[0]),
        "lon": str(MUKDAHAN_CITY[1]),
        "category": "land",
        "subcategory": "land-public-encroach",
        "channel": "walk_in",
        "complainant_name": "นายทดสอบ ข้อมูลยาว",
        "description": "บุกรุกที่สาธารณะ",
    }
    data.update(overrides)
    return client.post("/cases/new/", data)


def test_a_three_million_character_description_is_refused_by_the_form(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
    response = intake_post(client, description="ก" * 3_000_010)
    assert response.status_code == 400
    assert Complaint.objects.count() == 0
    html = response.content.decode()
    assert "กรุณากรอกไม่เกิน 20000 ตัวอักษร" in html  # Thai, with the limit


@pytest.mark.parametrize("lat", ["1_6.5", "16.5e0", "๑๖.๕", "inf", "nan"])
def test_the_intake_form_reads_plain_decimals_only(client, lat):
    response = intake_post(client, lat=lat)
    assert response.status_code == 400
    assert Complaint.objects.count() == 0
    assert intake_post(client).status_code == 302  # the same form with a plain decimal


def test_nul_and_length_messages_are_thai(client):
    response = intake_post(client, title="ก" * 201, accused_name="a\x00b")
    html = response.content.decode()
    assert response.status_code == 400
    assert "กรุณากรอกไม่เกิน 200 ตัวอักษร (ขณะนี้มี 201 ตัวอักษร)" in html
    assert "อักขระ NUL" in html


def test_password_rules_are_thai(officer):
    client = Client()
    client.force_login(officer)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": officer.test_password, "new_password1": "12345", "new_password2": "12345"},
    )
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "รหัสผ่านสั้นเกินไป ต้องมีอย่างน้อย 8 ตัวอักษร" in html
    assert "รหัสผ่านนี้เป็นตัวเลขทั้งหมด" in html
    assert "too short" not in html and "entirely numeric" not in html
