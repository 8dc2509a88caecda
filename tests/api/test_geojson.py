"""GET /api/complaints.geojson: RFC 7946, scoped by jurisdiction, no personal data."""

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from boundaries.models import Subdistrict
from layers.models import Complaint, Status
from layers.selectors.scope import complaints_visible_to
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

URL = "/api/complaints.geojson"
# Written into every test complaint; none of it may appear in an export.
SECRET_NAME = "นางสาวลับเฉพาะ ห้ามเผยแพร่"
SECRET_PHONE = "0899990001"
SECRET_ACCUSED = "นายผู้ถูกร้อง ทดสอบลับ"
SECRET_DESCRIPTION = "รายละเอียดส่วนตัวของผู้ร้องห้ามส่งออก"
PROPERTY_KEYS = {
    "tracking_no",
    "province_code",
    "district_code",
    "subdistrict_code",
    "category_code",
    "category_name_th",
    "category_name_en",
    "subcategory_code",
    "subcategory_name_th",
    "subcategory_name_en",
    "channel",
    "status",
    "received_at",
    "closed_at",
}


def inside(code):
    """A point surely inside the sub-district's polygon (PostGIS point on surface)."""
    point = Subdistrict.objects.get(code=code).geom.point_on_surface
    return point.y, point.x


def complaint_in(code, **fields):
    lat, lon = inside(code)
    fields.setdefault("complainant_name", SECRET_NAME)
    fields.setdefault("complainant_phone", SECRET_PHONE)
    fields.setdefault("accused_name", SECRET_ACCUSED)
    fields.setdefault("description", SECRET_DESCRIPTION)
    return make_complaint(lat, lon, **fields)


@pytest.fixture
def cases():
    """Complaints in two districts of Mukdahan (49) and one in Nakhon Phanom (48)."""
    other_4901 = Subdistrict.objects.filter(district_id="4901").exclude(code="490101").first()
    other_49 = Subdistrict.objects.filter(province_id="49").exclude(district_id="4901").first()
    in_48 = Subdistrict.objects.filter(province_id="48").first()
    made = {
        "4901": [
            complaint_in("490101"),
            complaint_in("490101", category="debt", subcategory="debt-informal"),
            complaint_in(other_4901.code, channel="hotline_1567"),
        ],
        "49-other": [
            complaint_in(other_49.code),
            complaint_in(other_49.code, category="other", subcategory_text="สุนัขจรจัดในหมู่บ้าน"),
        ],
        "48": [complaint_in(in_48.code)],
    }
    # One closed case, and one received long ago, for the status and since filters.
    closed = made["4901"][1]
    Complaint.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED, close_result="resolved", closed_at=timezone.now()
    )
    Complaint.objects.filter(pk=made["49-other"][0].pk).update(
        received_at=timezone.now() - timedelta(days=400)
    )
    return made


def get(officer, query):
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client.get(f"{URL}?{query}" if query else URL)


def body_of(response):
    return b"".join(response.streaming_content).decode("utf-8")


def fetch(officer, query):
    response = get(officer, query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    assert response.streaming  # built to stream, not to hold millions of rows in memory
    text = body_of(response)
    return text, json.loads(text)


def assert_rfc7946(collection, expected):
    """Check the collection feature by feature against the complaints it should hold."""
    assert set(collection) == {"type", "features"}  # no "crs", no foreign members
    assert collection["type"] == "FeatureCollection"
    by_tracking = {c.tracking_no: c for c in expected}
    assert len(collection["features"]) == len(by_tracking)
    for feature in collection["features"]:
        assert set(feature) == {"type", "id", "geometry", "properties"}
        assert feature["type"] == "Feature"
        complaint = by_tracking.pop(feature["id"])
        geometry = feature["geometry"]
        assert set(geometry) == {"type", "coordinates"}
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]  # RFC 7946: [longitude, latitude], WGS 84
        assert lon == pytest.approx(complaint.location.x, abs=1e-6)
        assert lat == pytest.approx(complaint.location.y, abs=1e-6)
        props = feature["properties"]
        assert set(props) == PROPERTY_KEYS
        complaint.refresh_from_db()
        assert props["tracking_no"] == complaint.tracking_no
        assert (props["province_code"], props["district_code"], props["subdistrict_code"]) == (
            complaint.province_id,
            complaint.district_id,
            complaint.subdistrict_id,
        )
        assert props["category_code"] == complaint.category.code
        assert props["category_name_th"] == complaint.category.name_th
        assert props["subcategory_code"] == (
            complaint.subcategory.code if complaint.subcategory else None
        )
        assert props["status"] == complaint.status
        assert props["channel"] == complaint.channel
        received = datetime.fromisoformat(props["received_at"])
        assert received == complaint.received_at
        assert received.utcoffset() == timedelta(hours=7)  # Bangkok local time, with offset
        if complaint.closed_at:
            assert datetime.fromisoformat(props["closed_at"]) == complaint.closed_at
        else:
            assert props["closed_at"] is None
    assert by_tracking == {}


def test_province_officer_gets_a_valid_collection_of_every_case_in_the_province(cases):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    text, collection = fetch(officer, "province=49")
    expected = cases["4901"] + cases["49-other"]
    assert_rfc7946(collection, expected)
    scoped = complaints_visible_to(officer=officer).filter(province_id="49").count()
    assert len(collection["features"]) == scoped == 5


def test_no_personal_data_in_the_export(cases):
    # A province officer is entitled to personal data on case pages, yet the export has none.
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    text, collection = fetch(officer, "province=49")
    assert collection["features"]
    citizen_ids = [c.complainant_citizen_id for c in cases["4901"] + cases["49-other"]]
    for secret in [SECRET_NAME, SECRET_PHONE, SECRET_ACCUSED, SECRET_DESCRIPTION, *citizen_ids]:
        assert secret
        assert secret not in text
    # The words written for an "Other" sub-category may name people: not exported either.
    assert "สุนัขจรจัด" not in text
    for key in ("complainant", "citizen", "phone", "accused", "description", "address"):
        assert key not in text


def test_district_officer_gets_only_their_district(cases):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    _, collection = fetch(officer, "province=49")
    assert_rfc7946(collection, cases["4901"])
    assert {f["properties"]["district_code"] for f in collection["features"]} == {"4901"}
    assert (
        len(collection["features"])
        == complaints_visible_to(officer=officer).filter(province_id="49").count()
    )
    # Asking for a neighbouring district of the same province narrows to nothing.
    other_district = cases["49-other"][0].district_id
    _, collection = fetch(officer, f"district={other_district}")
    assert collection["features"] == []


def test_team_member_gets_only_their_subdistrict(cases):
    team = make_team("490101")
    officer = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    _, collection = fetch(officer, "province=49")
    assert_rfc7946(collection, [c for c in cases["4901"] if c.subdistrict_id == "490101"])


def test_filters_narrow_the_collection(cases):
    officer = make_officer(Role.CENTRAL_OFFICER)
    _, collection = fetch(officer, "district=4901")
    assert_rfc7946(collection, cases["4901"])
    _, collection = fetch(officer, "subdistrict=490101")
    assert_rfc7946(collection, [c for c in cases["4901"] if c.subdistrict_id == "490101"])
    _, collection = fetch(officer, "province=49&status=closed")
    assert_rfc7946(collection, [cases["4901"][1]])
    _, collection = fetch(officer, "province=49&status=received,closed")
    assert len(collection["features"]) == 5
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    _, collection = fetch(officer, f"province=49&since={since}")
    assert_rfc7946(collection, cases["4901"] + cases["49-other"][1:])
    # Central sees the whole country, but the filter keeps to the province asked for.
    _, collection = fetch(officer, "province=48")
    assert_rfc7946(collection, cases["48"])


def test_anonymous_is_refused(cases):
    response = get(None, "province=49")
    assert response.status_code in (401, 403)
    assert b"FeatureCollection" not in response.content


@pytest.mark.parametrize(
    "role, area",
    [
        (Role.PROVINCE_OFFICER, {"province": "48"}),
        (Role.DISTRICT_OFFICER, {"district": "4801"}),
        (None, {}),
    ],
)
def test_officer_of_another_area_is_refused(cases, role, area):
    officer = make_officer(role, **area)
    for query in ("province=49", "district=4901", "subdistrict=490101"):
        response = get(officer, query)
        assert response.status_code == 403, query
        assert "49" in response.json()["detail"]
        assert not response.streaming


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "province"),
        ("status=closed", "province"),
        ("province=99", "province"),
        ("province=4", "province"),
        ("province=Mukdahan", "province"),
        ("district=9999", "district"),
        ("subdistrict=49010", "subdistrict"),
        ("province=49&district=4801", "area"),
        ("district=4901&subdistrict=490201", "area"),
        ("province=49&status=open", "status"),
        ("province=49&since=2025-02-30", "since"),
        ("province=49&since=21/11/2568", "since"),
        ("province=49&since=20250101", "since"),
    ],
)
def test_bad_parameters_are_400_with_a_message(cases, query, field):
    officer = make_officer(Role.CENTRAL_OFFICER)
    response = get(officer, query)
    assert response.status_code == 400
    body = response.json()
    assert field in body["fields"]
    assert body["fields"][field][0]  # a message saying what is wrong


# The case list answered 200 to these while the export answered 400 (issue 7): one filter
# parser for both now, so both refuse them, naming the same parameter.
@pytest.mark.parametrize(
    "query, field",
    [
        ("district=' OR 1=1--", "district"),
        ("province=" + "4" * 10_000, "province"),
        ("province=๔๙", "province"),
        ("province=49&district=4801", "area"),
        ("province=49&status=open", "status"),
        ("province=49&since=2025-02-30", "since"),
        ("province=49&bbox=foo", "bbox"),
        ("province=49&bbox=104.9,16.3,104.5,16.7", "bbox"),
        ("province=49&bbox=1_04.5,16.3,104.9,16.7", "bbox"),
        ("province=49&bbox=104.5,16.3,104.9", "bbox"),
        ("province=49&bbbox=104.5,16.3,104.9,16.7", "params"),
    ],
)
def test_the_case_list_and_the_export_refuse_the_same_filters(cases, query, field):
    client = Client()
    client.force_login(make_officer(Role.CENTRAL_OFFICER))
    for url in ("/api/cases/", URL):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, response.status_code)
        body = response.json()
        assert set(body) == {"detail", "code", "fields"}, url
        assert field in body["fields"], (url, body)


def test_bbox_narrows_the_list_and_the_export_alike(cases):
    client = Client()
    client.force_login(make_officer(Role.CENTRAL_OFFICER))
    inside = Complaint.objects.filter(province_id="49").order_by("pk").first()
    lon, lat = inside.location.x, inside.location.y
    box = f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"
    listed = client.get(f"/api/cases/?bbox={box}").json()["results"]
    exported = json.loads(b"".join(client.get(f"{URL}?province=49&bbox={box}").streaming_content))[
        "features"
    ]
    near = {
        c.tracking_no
        for c in Complaint.objects.all()
        if abs(c.location.x - lon) <= 0.0001 and abs(c.location.y - lat) <= 0.0001
    }
    assert {r["tracking_no"] for r in listed} == near
    assert {f["id"] for f in exported} == near
    assert inside.tracking_no in near
