"""The duplicate and person-match API (issue 8): strict parameters, who may ask, what a match
outside the officer's jurisdiction shows, the throttle of the live person check."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.duplicates import PersonMatchThrottle
from layers import policy
from layers.models import DuplicateDecision
from tests.case_fixtures import build_cast
from tests.factories import MUKDAHAN_CITY, make_complaint, new_citizen_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"
SECRET = "นายลับเฉพาะ คนร้องซ้ำ"
NAKHON_PHANOM = (17.4075, 104.7786)  # 480101


@pytest.fixture
def cast(settings):
    return build_cast(settings)


def client_for(officer=None) -> APIClient:
    client = APIClient()
    if officer is not None:
        client.force_login(officer)
    return client


def check_url(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **extra):
    params = {"lat": lat, "lon": lon, "category": "utilities", "description": TEXT, **extra}
    return "/api/cases/duplicates/?" + "&".join(f"{k}={v}" for k, v in params.items())


def road(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **fields):
    return make_complaint(
        lat,
        lon,
        category="utilities",
        subcategory="utilities-roads",
        description=TEXT,
        **fields,
    )


def test_the_intake_check_answers_the_candidates_best_first(cast):
    case = road(complainant_name=SECRET)
    response = client_for(cast.district_officer).get(check_url(subcategory="utilities-roads"))
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert row["tracking_no"] == case.tracking_no
    assert row["likely"] is True and row["score"] == 1.0
    assert row["distance_m"] == 0 and row["days_apart"] == 0
    assert (row["district_code"], row["province_code"]) == ("4901", "49")
    assert row["visible"] is True and row["lat"] == pytest.approx(MUKDAHAN_CITY[0])
    assert SECRET not in response.content.decode() and TEXT not in response.content.decode()


def test_a_match_outside_the_jurisdiction_shows_only_the_allowed_fields(cast):
    """A case in Nakhon Phanom (48) found from a Mukdahan officer's check: tracking number,
    district, province, date, category, status and the comparison's measures; nothing else."""
    there = road(*NAKHON_PHANOM, complainant_name=SECRET)
    response = client_for(cast.district_officer).get(check_url(*NAKHON_PHANOM))
    (row,) = response.json()["results"]
    allowed = policy.MATCH_OUTSIDE_FIELDS["duplicate"]
    assert {k for k, v in row.items() if v is not None} <= allowed
    assert row["tracking_no"] == there.tracking_no and row["province_code"] == "48"
    assert row["visible"] is False and row["lat"] is None and row["subdistrict_code"] is None
    assert row["category_code"] == "utilities" and row["status"] and row["received_at"]
    # The province officer of 48 sees the same case in full.
    officer_48 = cast.other_province_officer
    (inside,) = client_for(officer_48).get(check_url(*NAKHON_PHANOM)).json()["results"]
    assert inside["visible"] is True and inside["subdistrict_code"] == there.subdistrict_id


@pytest.mark.parametrize(
    "query, field",
    [
        ("lat=16.5&lon=104.7", "category"),
        ("lat=16.5&lon=104.7&category=utilities-roads", "category"),
        ("lat=16.5&lon=104.7&category=utilities&subcategory=land-title", "subcategory"),
        ("lat=1_6.5&lon=104.7&category=utilities", "lat"),
        ("lon=104.7&category=utilities", "lat"),
        ("lat=16.5&lon=104.7&category=utilities&received_at=yesterday", "received_at"),
        ("lat=16.5&lon=104.7&category=utilities&radius=5000", "radius"),
    ],
)
def test_strict_parameters(cast, query, field):
    response = client_for(cast.district_officer).get("/api/cases/duplicates/?" + query)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_received_at_as_a_date_or_a_date_and_time(cast):
    road()
    client = client_for(cast.district_officer)
    for value in ("2020-01-01", "2020-01-01T10:00:00", "2020-01-01T10:00:00%2B07:00"):
        response = client.get(check_url(received_at=value))
        assert response.status_code == 200, (value, response.content)
        assert response.json()["results"] == []  # years before the case
    assert len(client.get(check_url()).json()["results"]) == 1


def test_outsiders_are_refused_on_every_endpoint(cast):
    case = road()
    urls = [
        check_url(),
        f"/api/cases/{case.tracking_no}/duplicates/",
        "/api/people/matches/?name=x",
    ]
    for url in urls:
        assert client_for().get(url).status_code == 401, url  # anonymous: log in (or a token)
        assert client_for(cast.no_role).get(url).status_code == 403, url
    # A case outside the officer's jurisdiction is not found (its existence not revealed).
    response = client_for(cast.other_province_officer).get(urls[1])
    assert response.status_code == 404
    # The live person check is for officers who record complaints.
    for reader in (cast.analyst, cast.governor, cast.chief, cast.member):
        assert client_for(reader).get(urls[2]).status_code == 403


def test_a_cases_duplicates_and_its_people(cast):
    cid = new_citizen_id("1")
    first = road(complainant_citizen_id=cid, accused_name="นายประสิทธิ์ มั่นคง")
    second = road(complainant_citizen_id=cid)
    elsewhere = make_complaint(
        *NAKHON_PHANOM,
        accused_name="ประสิทธิ์ มั่นคง",
        complainant_phone="",
        complainant_name="นางอื่น ต่างหาก",
    )
    url = f"/api/cases/{first.tracking_no}/duplicates/"
    data = client_for(cast.district_officer).get(url).json()
    assert [r["tracking_no"] for r in data["results"]] == [second.tracking_no]
    people = {(p["tracking_no"], p["role"], p["matched_on"], p["visible"]) for p in data["people"]}
    assert people == {
        (second.tracking_no, "complainant", "citizen_id", True),
        (elsewhere.tracking_no, "accused", "name", False),
    }
    outside = next(p for p in data["people"] if not p["visible"])
    assert outside["subdistrict_code"] is None and outside["province_code"] == "48"
    # The GIS analyst sees the places but no person.
    analyst = client_for(cast.analyst).get(url).json()
    assert analyst["people"] is None and len(analyst["results"]) == 1
    # A dismissed pair is not suggested again.
    DuplicateDecision.objects.create(case=first, candidate=second, decision="dismissed", score=1)
    assert client_for(cast.district_officer).get(url).json()["results"] == []
    assert client_for(cast.district_officer).get(url + "?x=1").status_code == 400


def test_the_live_person_check(cast):
    cid = new_citizen_id("1")
    case = make_complaint(complainant_citizen_id=cid, complainant_name=SECRET)
    client = client_for(cast.district_officer)
    response = client.get(f"/api/people/matches/?citizen_id={cid}")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["tracking_no"], row["matched_on"], row["visible"]) == (
        case.tracking_no,
        "citizen_id",
        True,
    )
    assert SECRET not in response.content.decode() and cid not in response.content.decode()
    assert client.get("/api/people/matches/?surname=x").status_code == 400
    assert client.get("/api/people/matches/?name=" + "ก" * 201).status_code == 400
    assert client.get("/api/people/matches/").json() == {"results": []}


def test_the_live_person_check_is_throttled(cast, monkeypatch):
    cache.clear()
    monkeypatch.setattr(PersonMatchThrottle, "THROTTLE_RATES", {"person_match": "3/min"})
    client = client_for(cast.district_officer)
    codes = [client.get("/api/people/matches/?name=สมชาย").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/people/matches/?name=สมชาย")
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
    # Per officer: another officer is not held up.
    assert client_for(cast.province_officer).get("/api/people/matches/").status_code == 200
    cache.clear()
