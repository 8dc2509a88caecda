"""The sub-district team's phone page /team/ and its JSON (issue 3, "Sub-district team")."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.db.models.functions import Distance, PointOnSurface
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from boundaries.models import Subdistrict
from layers.models import Attachment, CaseNote, Complaint, ComplaintHistory, Status
from layers.services.workflow import complaint_assign, complaint_close, complaint_start
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_complaint, make_officer, make_team

# Messages are checked in English (the msgids); the site's default is Thai.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOME = "/team/"
API = "/api/team/cases"
API_MAP = "/api/team/cases.geojson"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def inside(code, shift=0.0):
    p = Subdistrict.objects.annotate(p=PointOnSurface("geom")).get(code=code).p
    return p.y + shift, p.x


def case_url(complaint):
    return reverse("team_case", args=[complaint.tracking_no])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def world():
    """Team 490101 with a member; two of its cases, a case of a neighbouring team (490102),
    a case of another district (4902) and one of another province (48)."""
    team = make_team("490101")
    neighbour_team = make_team("490102")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    district_officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    lat, lon = inside("490101")
    ours_a = make_complaint(lat=lat, lon=lon, title="คดี ก", complainant_name="นางสาวลับ เฉพาะ")
    lat_b, lon_b = inside("490101", shift=0.004)
    ours_b = make_complaint(lat=lat_b, lon=lon_b, title="คดี ข")
    neighbour = make_complaint(*inside("490102"), title="ของทีมข้างเคียง")
    other_district = make_complaint(*inside("490201"), title="อำเภออื่น")
    other_province = make_complaint(*inside("480101"), title="จังหวัดอื่น")
    assert ours_a.assigned_team == team and ours_b.assigned_team == team
    assert neighbour.assigned_team == neighbour_team
    return {
        "team": team,
        "member": member,
        "district_officer": district_officer,
        "ours": [ours_a, ours_b],
        "others": [neighbour, other_district, other_province],
    }


def tracking_numbers(api_json):
    return {c["tracking_no"] for c in api_json["open"] + api_json["closed"]}


# --- My cases ---------------------------------------------------------------------------------


def test_team_page_lists_only_the_teams_cases(client, world):
    client.force_login(world["member"])
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    for case in world["ours"]:
        assert case.tracking_no in html
    for case in world["others"]:
        assert case.tracking_no not in html
    # The list carries no personal data.
    assert "นางสาวลับ" not in html
    body = client.get(API).json()
    assert tracking_numbers(body) == {c.tracking_no for c in world["ours"]}
    assert "นางสาวลับ" not in str(body)


def test_open_cases_come_first_and_closed_ones_after(client, world):
    first, second = world["ours"]
    complaint_close(
        complaint=first,
        actor=world["district_officer"],
        expected_version=Complaint.objects.get(pk=first.pk).version,
        result="resolved",
        note="ไกล่เกลี่ยสำเร็จ",
    )
    client.force_login(world["member"])
    body = client.get(API).json()
    assert [c["tracking_no"] for c in body["open"]] == [second.tracking_no]
    assert [c["tracking_no"] for c in body["closed"]] == [first.tracking_no]
    assert body["open_total"] == 1
    html = client.get(HOME).content.decode()
    assert html.index(second.tracking_no) < html.index(first.tracking_no)


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_nearest_first_with_geography_distances(client, world):
    a, b = world["ours"]
    client.force_login(world["member"])
    # Stand right at case b: it must come first, at ~0 m.
    here = Point(b.location.x, b.location.y + 0.0001, srid=4326)
    body = post_json(client, API, {"lat": here.y, "lon": here.x, "sort": "nearest"}).json()
    assert body["sort"] == "nearest"
    assert body["position"] == {"lat": here.y, "lon": here.x}
    assert [c["tracking_no"] for c in body["open"]] == [b.tracking_no, a.tracking_no]
    # The distances agree with PostGIS's spheroid distance computed another way.
    expected = dict(
        Complaint.objects.filter(pk__in=[a.pk, b.pk])
        .annotate(d=Distance("location", here, spheroid=True))
        .values_list("tracking_no", "d")
    )
    for c in body["open"]:
        assert abs(c["distance_m"] - expected[c["tracking_no"]].m) <= 1.0
    # Oldest first, the default.
    body = post_json(client, API, {"lat": here.y, "lon": here.x}).json()
    assert [c["tracking_no"] for c in body["open"]] == [a.tracking_no, b.tracking_no]
    # A form body works as well as JSON.
    body = client.post(API, {"lat": here.y, "lon": here.x, "sort": "nearest"}).json()
    assert [c["tracking_no"] for c in body["open"]] == [b.tracking_no, a.tracking_no]
    # Nearest without a position falls back to oldest.
    assert client.get(API, {"sort": "nearest"}).json()["sort"] == "oldest"
    assert post_json(client, API, {"sort": "nearest"}).json()["sort"] == "oldest"


def test_a_position_in_the_address_is_refused_not_read(client, world):
    """Addresses end up in access logs: the API refuses a position there instead of using it."""
    client.force_login(world["member"])
    b = world["ours"][1]
    for params in ({"lat": b.location.y, "lon": b.location.x}, {"lat": "16.5"}, {"lon": "104"}):
        response = client.get(API, {**params, "sort": "nearest"})
        assert response.status_code == 400
        assert "POST" in response.json()["fields"]["lat"][0]
    # Without a position, a GET still lists the cases.
    response = client.get(API)
    assert response.status_code == 200 and response.json()["position"] is None


def test_the_page_reads_a_posted_position_and_never_one_in_the_address(client, world):
    a, b = world["ours"]
    client.force_login(world["member"])
    # An old bookmark with a position in the address: listed oldest first, position ignored.
    html = client.get(HOME, {"lat": b.location.y, "lon": b.location.x}).content.decode()
    assert html.index(a.tracking_no) < html.index(b.tracking_no)
    assert set(re.findall(r'class="dist">([^<]*)<', html)) == {""}  # no distances
    # The page's own form (the fallback without the script) posts the position in its body.
    response = client.post(
        HOME, {"lat": f"{b.location.y:.6f}", "lon": f"{b.location.x:.6f}", "sort": "nearest"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(b.tracking_no) < html.index(a.tracking_no)
    assert all(re.findall(r'class="dist">([^<]*)<', html))  # every case with its distance
    assert f'value="{b.location.y:.6f}"' in html  # kept for the next sort button
    # Without a position, the sort buttons still work.
    response = client.post(HOME, {"sort": "oldest"})
    assert response.status_code == 200
    # A position that makes no sense: said so, nothing sorted by it.
    response = client.post(HOME, {"lat": "north", "lon": "104.7", "sort": "nearest"})
    assert response.status_code == 400
    assert "msg-warning" in response.content.decode()


def test_map_data_is_the_teams_open_cases_without_personal_data(client, world):
    first, second = world["ours"]
    complaint_close(
        complaint=first,
        actor=world["district_officer"],
        expected_version=Complaint.objects.get(pk=first.pk).version,
        result="resolved",
        note="จบ",
    )
    client.force_login(world["member"])
    body = client.get(API_MAP).json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["tracking_no"] for f in body["features"]] == [second.tracking_no]
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert (round(lon, 6), round(lat, 6)) == (
        round(second.location.x, 6),
        round(second.location.y, 6),
    )
    assert "complainant" not in str(body) and "นางสาวลับ" not in str(body)


def test_bad_position_or_sort_is_a_400(client, world):
    client.force_login(world["member"])
    response = post_json(client, API, {"lat": "x", "lon": "104.7"})
    assert response.status_code == 400 and "lat" in response.json()["fields"]
    response = post_json(client, API, {"lat": "16.5"})
    assert response.status_code == 400 and "lon" in response.json()["fields"]
    response = post_json(client, API, {"sort": "random"})
    assert response.status_code == 400 and "sort" in response.json()["fields"]
    response = client.get(API, {"sort": "random"})
    assert response.status_code == 400 and "sort" in response.json()["fields"]
    response = post_json(client, API, [16.5, 104.7])
    assert response.status_code == 400
    response = client.post(API, "{not json", content_type="application/json")
    assert response.status_code == 400


# --- One case: note, photo, GPS, status ---------------------------------------------------------


def test_note_with_photo_and_gps_is_saved_through_the_page(client, world, media):
    case = world["ours"][0]
    version = Complaint.objects.get(pk=case.pk).version
    client.force_login(world["member"])
    page = client.get(case_url(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert f'name="version" value="{version}"' in html
    response = client.post(
        case_url(case),
        {
            "action": "note",
            "version": version,
            "text": "ลงพื้นที่ตรวจสอบแล้ว พบรั้วรุกล้ำจริง",
            "visit_lat": "16.544100",
            "visit_lon": "104.722900",
            "visit_accuracy_m": "8",
            "files": [SimpleUploadedFile("site.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    note = CaseNote.objects.get(complaint=case)
    assert note.author == world["member"]
    assert (round(note.visit_location.y, 6), round(note.visit_location.x, 6)) == (
        16.5441,
        104.7229,
    )
    assert note.visit_accuracy_m == 8
    attachment = Attachment.objects.get(note=note)
    assert attachment.kind == "photo" and attachment.complaint_id == case.pk
    assert [p.read_bytes() for p in media.rglob("*") if p.is_file()] == [PNG]
    assert Complaint.objects.get(pk=case.pk).version == version + 1
    after = client.get(case_url(case)).content.decode()
    assert "ลงพื้นที่ตรวจสอบแล้ว" in after and "16.54410" in after


def test_bad_photo_refuses_the_whole_note(client, world, media):
    case = world["ours"][0]
    version = Complaint.objects.get(pk=case.pk).version
    client.force_login(world["member"])
    response = client.post(
        case_url(case),
        {
            "action": "note",
            "version": version,
            "text": "หมายเหตุ",
            "files": [SimpleUploadedFile("photo.jpg", b"not an image\n" * 20)],
        },
    )
    assert response.status_code == 400
    assert "photo.jpg" in response.content.decode()
    assert CaseNote.objects.count() == 0 and Attachment.objects.count() == 0
    assert [p for p in media.rglob("*") if p.is_file()] == []
    assert Complaint.objects.get(pk=case.pk).version == version


def test_status_changes_through_the_page(client, world):
    case = world["ours"][0]
    client.force_login(world["member"])
    version = Complaint.objects.get(pk=case.pk).version
    response = client.post(case_url(case), {"action": "start", "version": version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS

    # Closing needs a result and a note.
    response = client.post(
        case_url(case), {"action": "close", "version": case.version, "result": "", "note": ""}
    )
    assert response.status_code == 400
    assert Complaint.objects.get(pk=case.pk).status == Status.IN_PROGRESS

    response = client.post(
        case_url(case),
        {"action": "close", "version": case.version, "result": "resolved", "note": "ยุติแล้ว"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.close_result == "resolved"
    assert list(
        ComplaintHistory.objects.filter(complaint=case).values_list("to_status", flat=True)
    )[-2:] == [Status.IN_PROGRESS, Status.CLOSED]


def test_stale_version_shows_the_clear_message_and_writes_nothing(client, world):
    case = world["ours"][0]
    client.force_login(world["member"])
    seen = Complaint.objects.get(pk=case.pk).version
    # Someone at the district starts the case after the phone loaded the page.
    complaint_start(complaint=case, actor=world["district_officer"], expected_version=seen)
    history_before = ComplaintHistory.objects.filter(complaint=case).count()
    response = client.post(
        case_url(case), {"action": "note", "version": seen, "text": "บันทึกจากหน้าเก่า"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert CaseNote.objects.count() == 0
    assert ComplaintHistory.objects.filter(complaint=case).count() == history_before
    # The page now carries the current version, so a retry can succeed.
    assert f'name="version" value="{seen + 1}"' in html


def test_unknown_action_is_refused(client, world):
    case = world["ours"][0]
    client.force_login(world["member"])
    version = Complaint.objects.get(pk=case.pk).version
    response = client.post(case_url(case), {"action": "forward", "version": version})
    assert response.status_code == 400
    assert Complaint.objects.get(pk=case.pk).version == version


# --- Who may use it ---------------------------------------------------------------------------


def test_anonymous_is_refused_everywhere(client, world):
    case = world["ours"][0]
    for url in (HOME, case_url(case)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(case_url(case), {"action": "start", "version": 1})
    assert response.status_code == 302
    for url in (API, API_MAP):
        assert client.get(url).status_code in (401, 403)
    assert client.post(API, {"lat": "16.5", "lon": "104.7"}).status_code in (401, 403)
    assert client.post(HOME, {"lat": "16.5", "lon": "104.7"}).status_code == 302
    assert Complaint.objects.get(pk=case.pk).status == Status.ASSIGNED


@pytest.mark.parametrize(
    "role,area",
    [
        (None, {}),
        (Role.DISTRICT_OFFICER, {"district": "4901"}),
        (Role.GOVERNOR, {"province": "49"}),
        (Role.GIS_ANALYST, {"province": "49"}),
        (Role.TEAM_MEMBER, {"district": "4901"}),  # the role but no team
    ],
)
def test_officers_without_a_team_are_refused(client, world, role, area):
    case = world["ours"][0]
    client.force_login(make_officer(role, **area))
    assert client.get(HOME).status_code == 403
    assert client.get(case_url(case)).status_code == 403
    assert client.post(case_url(case), {"action": "start", "version": 1}).status_code == 403
    assert client.get(API).status_code == 403
    assert client.post(API, {"lat": "16.5", "lon": "104.7"}).status_code == 403
    assert client.post(HOME, {"lat": "16.5", "lon": "104.7"}).status_code == 403
    assert client.get(API_MAP).status_code == 403
    assert Complaint.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_member_of_another_team_cannot_open_or_change_our_cases(client, world):
    other_team = make_team("480101")
    outsider = make_officer(Role.TEAM_MEMBER, district="4801", teams=[other_team])
    case = world["ours"][0]
    client.force_login(outsider)
    assert client.get(case_url(case)).status_code == 404
    version = Complaint.objects.get(pk=case.pk).version
    assert client.post(case_url(case), {"action": "start", "version": version}).status_code == 404
    theirs = make_complaint(*inside("480101", shift=0.001), title="ของทีมนครพนม")
    assert theirs.assigned_team == other_team
    body = client.get(API).json()
    assert tracking_numbers(body) == {theirs.tracking_no}
    assert Complaint.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_a_case_reassigned_to_another_team_leaves_my_cases(client, world):

    a, b = world["ours"]
    neighbour_team = world["others"][0].assigned_team
    complaint_assign(
        complaint=b,
        actor=world["district_officer"],
        expected_version=Complaint.objects.get(pk=b.pk).version,
        team=neighbour_team,
        reason="ทีมข้างเคียงอยู่ใกล้กว่า",
    )
    client.force_login(world["member"])
    assert tracking_numbers(client.get(API).json()) == {a.tracking_no}
    assert [f["id"] for f in client.get(API_MAP).json()["features"]] == [a.tracking_no]


# --- On a phone, in the browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_page_at_360_renders_list_and_map_offline(live_server, live_data):

    team = make_team("490101")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    lat, lon = inside("490101")
    far = make_complaint(lat=lat, lon=lon, title="รั้วรุกล้ำทางสาธารณะ")
    near = make_complaint(lat=lat + 0.006, lon=lon, title="ไฟส่องสว่างดับทั้งซอย")
    make_complaint(*inside("490102"), title="ไม่ใช่ของทีมนี้")
    with open_browser() as browser:
        # The phone stands next to the second (newer) case: nearest first puts it on top.
        page = new_page(browser, live_server.url, mobile=True, geolocation=(lat + 0.0062, lon))
        # Every request the pages and their script make, to check where the position goes.
        sent = []
        page.on("request", lambda r: sent.append((r.method, r.url, r.post_data or "")))
        login(page, live_server.url, member)
        response = page.goto(f"{live_server.url}{HOME}")
        assert response.status == 200
        page.locator("#open-cases .case-item .dist").first.filter(has_text="m").wait_for()
        items = page.locator("#open-cases .case-item")
        assert items.count() == 2
        assert [items.nth(i).get_attribute("data-tracking") for i in range(2)] == [
            near.tracking_no,
            far.tracking_no,
        ]
        assert (
            page.locator(".seg button[data-sort=nearest]").get_attribute("aria-current") == "true"
        )
        # Both cases on the map, plus the "you are here" dot.
        page.wait_for_function("() => window.damrongTeam.cases.getLayers().length === 2")
        assert page.locator("#team-map path.leaflet-interactive").count() >= 3
        # Fits a 360 px phone: nothing wider than the screen.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        box = page.locator("#team-map").bounding_box()
        assert box["width"] <= 360 and box["height"] >= 200
        screenshot(page, "team_360")
        # The sort buttons redraw the list in place (the script's POST, not the form's).
        page.click(".seg button[data-sort=oldest]")
        page.wait_for_function(
            "t => document.querySelector('#open-cases .case-item').dataset.tracking === t",
            arg=far.tracking_no,
        )
        assert page.url == f"{live_server.url}{HOME}"
        page.click(".seg button[data-sort=nearest]")
        page.wait_for_function(
            "t => document.querySelector('#open-cases .case-item').dataset.tracking === t",
            arg=near.tracking_no,
        )
        page.locator(f'.case-item[data-tracking="{near.tracking_no}"] a').click()
        page.wait_for_selector("#note-form")
        assert page.locator("#note-form input[type=file][capture]").count() == 1
        page.click("#visit-gps")
        page.locator("#visit-gps-out").filter(has_text="±").wait_for()
        assert abs(float(page.input_value("#visit-lat")) - (lat + 0.0062)) < 1e-5
        screenshot(page, "team_case_360")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert page.blocked_requests == []
        assert page.console_errors == []
    # No request put the position in its address (access logs keep addresses)...
    assert sent
    for method, url, _body in sent:
        query = parse_qs(urlsplit(url).query)
        assert not {"lat", "lon", "latitude", "longitude"} & set(query), (method, url)
        assert f"{lat + 0.0062:.4f}" not in url, (method, url)
    # ...it went in the body of the script's POSTs to the API.
    api_posts = [json.loads(body) for method, url, body in sent if method == "POST" and API in url]
    assert len(api_posts) >= 2
    assert all(abs(p["lat"] - (lat + 0.0062)) < 1e-5 for p in api_posts)
    assert {p["sort"] for p in api_posts} == {"nearest", "oldest"}
