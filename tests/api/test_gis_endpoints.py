"""The GIS endpoints of issue 10: the case list as GeoJSON pages (django-rest-framework-gis),
the distance filter, boundaries per level with simplification (public), the category tree
(public), strict paging; outsiders refused and bad parameters answered with a 400 naming
them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from boundaries.models import District, Province, Subdistrict
from layers.models import Category, Role
from layers.services.tokens import api_token_create
from tests.factories import make_complaint, make_officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MUKDAHAN = (16.5435, 104.7235)  # lat, lon (the factories' default point, in 490101)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def logged_in(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def officer():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


def _coords(geometry) -> list:
    out = []

    def walk(value):
        if value and isinstance(value[0], (int, float)):
            out.append(value)
        else:
            for v in value:
                walk(v)

    walk(geometry["coordinates"])
    return out


# --- /api/cases.geojson ---------------------------------------------------------------------------


def test_the_case_list_as_geojson_pages_matches_the_json_list(officer):
    cases = [make_complaint(created_by=officer, lat=16.5435 + i / 1000) for i in range(3)]
    client = logged_in(officer)
    response = client.get("/api/cases.geojson?page_size=2")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["count"] == 3
    assert body["next"] and body["previous"] is None
    listed = client.get("/api/cases/?page_size=2").json()["results"]
    for feature, row in zip(body["features"], listed, strict=True):
        assert feature["type"] == "Feature" and feature["id"] == row["tracking_no"]
        assert feature["geometry"] == {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        assert feature["properties"] == {k: v for k, v in row.items() if k not in ("lat", "lon")}
    second = client.get(body["next"]).json()
    assert [f["id"] for f in second["features"]] == [cases[0].tracking_no]
    # Longitude first, 6 decimals at most.
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert 97 < lon < 106 and 5 < lat < 21
    assert all(len(str(c).split(".")[-1]) <= 6 for c in (lon, lat))


def test_the_geojson_list_takes_the_lists_filters(officer):
    near = make_complaint(created_by=officer)
    far = make_complaint(created_by=officer, lat=16.60, lon=104.70)
    client = logged_in(officer)

    def ids(query):
        response = client.get(f"/api/cases.geojson?{query}")
        assert response.status_code == 200, response.content
        return {f["id"] for f in response.json()["features"]}

    assert ids("") == {near.tracking_no, far.tracking_no}
    assert ids("bbox=104.72,16.54,104.73,16.55") == {near.tracking_no}
    assert ids("status=assigned,received") == {near.tracking_no, far.tracking_no}
    assert ids("status=closed") == set()
    assert ids("channel=phone") == set()
    assert ids("subdistrict=490101") == {near.tracking_no} | (
        {far.tracking_no} if far.subdistrict_id == "490101" else set()
    )


def test_the_distance_filter_is_metres_on_the_spheroid(officer):
    case = make_complaint(created_by=officer)  # at 104.7235, 16.5435
    # 0.0045° of latitude north is about 498 m (110.6 km per degree at 16.5° N).
    point = "104.7235,16.5480"
    client = logged_in(officer)

    def found(query):
        response = client.get(f"/api/cases/?{query}")
        assert response.status_code == 200, response.content
        return [r["tracking_no"] for r in response.json()["results"]]

    assert found(f"point={point}&dist=480") == []
    assert found(f"point={point}&dist=520") == [case.tracking_no]
    # East-west: 0.0047° of longitude at 16.5° N is about 502 m.
    assert found("point=104.7282,16.5435&dist=490") == []
    assert found("point=104.7282,16.5435&dist=515") == [case.tracking_no]
    geo = client.get(f"/api/cases.geojson?point={point}&dist=520").json()
    assert [f["id"] for f in geo["features"]] == [case.tracking_no]


@pytest.mark.parametrize(
    "query,field",
    [
        ("bbox=104.9,16.3,104.5,16.7", "bbox"),  # reversed
        ("bbox=104.5,16.3,104.9", "bbox"),
        ("bbox=-200,16.3,104.9,16.7", "bbox"),  # out of range
        ("bbox=nan,16.3,104.9,16.7", "bbox"),
        ("since=2025-02-01&until=2025-01-01", "until"),  # reversed dates
        ("since=01/02/2025", "since"),
        ("province=99", "province"),  # unknown code
        ("district=4901&province=48", "area"),
        ("category=no-such", "category"),
        ("status=lost", "status"),
        ("point=104.7,16.5", "dist"),
        ("dist=500", "point"),
        ("point=104.7&dist=500", "point"),
        ("point=104.7,16.5&dist=0", "dist"),
        ("point=104.7,16.5&dist=100001", "dist"),
        ("point=104.7,16.5&dist=1e3", "dist"),
        ("page_size=201", "page_size"),  # above the maximum
        ("page_size=abc", "page_size"),
        ("page=0", "page"),
        ("page=2", "page"),  # past the last page
        ("page=1&page=2", "page"),
        ("in_bbox=1,2,3,4", "params"),  # drf-gis's name: not ours, refused not ignored
    ],
)
@pytest.mark.parametrize("url", ["/api/cases/", "/api/cases.geojson"])
def test_bad_parameters_are_a_400_naming_them(officer, url, query, field):
    make_complaint(created_by=officer)
    response = logged_in(officer).get(f"{url}?{query}")
    assert response.status_code == 400, (query, response.status_code)
    body = response.json()
    assert body["code"] == "invalid" and body["fields"][field], (query, body)
    assert body["fields"][field][0]  # a message


def test_the_geojson_list_refuses_outsiders(officer):
    make_complaint(created_by=officer)
    assert Client().get("/api/cases.geojson").status_code == 401
    assert logged_in(make_officer(None)).get("/api/cases.geojson").status_code == 403
    outsider = make_officer(Role.PROVINCE_OFFICER, province="48")
    body = logged_in(outsider).get("/api/cases.geojson").json()
    assert body["count"] == 0 and body["features"] == []
    revoked, key = api_token_create(officer=officer, name="x")
    revoked.revoked_at = revoked.created_at
    revoked.save()
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/cases.geojson").status_code == 401


def test_the_analyst_gets_the_points_but_no_free_text(officer):
    make_complaint(created_by=officer, title="หัวเรื่องที่พิมพ์เอง", subcategory_text="")
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    feature = logged_in(analyst).get("/api/cases.geojson").json()["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["forwarded_agency"] is None
    assert "หัวเรื่องที่พิมพ์เอง" not in json.dumps(feature, ensure_ascii=False)


# --- /api/boundaries/<level>/ ---------------------------------------------------------------------


def test_boundaries_per_level_are_public_geojson_pages():
    client = Client()
    provinces = client.get("/api/boundaries/provinces/")
    assert provinces.status_code == 200
    assert provinces["Content-Type"] == "application/geo+json"
    assert "public" in provinces["Cache-Control"]
    body = provinces.json()
    assert body["type"] == "FeatureCollection"
    codes = [f["id"] for f in body["features"]]
    assert codes == sorted(
        Province.objects.filter(geom__isnull=False).values_list("code", flat=True)
    )
    assert {"48", "49"} <= set(codes)
    feature = body["features"][codes.index("49")]
    assert feature["properties"]["code"] == "49" and feature["properties"]["name_th"] == "มุกดาหาร"
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = _coords(feature["geometry"])[0]
    assert 100 < lon < 106 and 15 < lat < 18  # longitude first

    districts = client.get("/api/boundaries/districts/?province=49").json()
    assert {f["id"] for f in districts["features"]} == set(
        District.objects.filter(province_id="49").values_list("code", flat=True)
    )
    assert all(f["properties"]["province"] == "49" for f in districts["features"])
    subs = client.get("/api/boundaries/subdistricts/?district=4901&page_size=1000").json()
    expected = set(
        Subdistrict.objects.filter(district_id="4901", geom__isnull=False).values_list(
            "code", flat=True
        )
    )
    assert {f["id"] for f in subs["features"]} == expected and subs["count"] == len(expected)
    assert all(f["properties"]["district"] == "4901" for f in subs["features"])


def test_boundaries_are_simplified_by_tolerance_or_zoom():
    client = Client()

    def vertices(query):
        response = client.get(f"/api/boundaries/provinces/?bbox=104.3,16.0,105.0,17.0&{query}")
        assert response.status_code == 200, response.content
        features = {f["id"]: f for f in response.json()["features"]}
        return len(_coords(features["49"]["geometry"]))

    raw = vertices("")
    assert vertices("tolerance=0.01") < raw / 3
    assert vertices("tolerance=0") == raw
    assert vertices("zoom=6") < vertices("zoom=12") <= raw


def test_boundaries_page_and_narrow_by_bbox():
    client = Client()
    first = client.get("/api/boundaries/districts/?province=49&page_size=2").json()
    assert len(first["features"]) == 2 and first["count"] > 2 and first["next"]
    second = client.get(first["next"]).json()
    assert {f["id"] for f in first["features"]}.isdisjoint(f["id"] for f in second["features"])
    near = client.get("/api/boundaries/subdistricts/?bbox=104.72,16.54,104.725,16.545").json()
    assert "490101" in {f["id"] for f in near["features"]}
    assert len(near["features"]) < 6


@pytest.mark.parametrize(
    "url,field",
    [
        ("/api/boundaries/provinces/?tolerance=0.5", "tolerance"),
        ("/api/boundaries/provinces/?tolerance=-1", "tolerance"),
        ("/api/boundaries/provinces/?tolerance=abc", "tolerance"),
        ("/api/boundaries/provinces/?zoom=23", "zoom"),
        ("/api/boundaries/provinces/?zoom=1.5", "zoom"),
        ("/api/boundaries/provinces/?zoom=5&tolerance=0.01", "zoom"),
        ("/api/boundaries/provinces/?province=49", "params"),  # provinces take no parent
        ("/api/boundaries/districts/?district=4901", "params"),
        ("/api/boundaries/districts/?province=99", "province"),
        ("/api/boundaries/subdistricts/?province=49&district=4801", "area"),
        ("/api/boundaries/subdistricts/?bbox=105,17,104,16", "bbox"),
        ("/api/boundaries/provinces/?page_size=1001", "page_size"),
        ("/api/boundaries/provinces/?page=9", "page"),
        ("/api/boundaries/provinces/?format=json", "params"),
    ],
)
def test_bad_boundary_parameters_are_a_400_naming_them(url, field):
    response = Client().get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["fields"][field][0], url


def test_an_unknown_level_is_404():
    response = Client().get("/api/boundaries/villages/")
    assert response.status_code == 404
    assert "provinces" in response.json()["detail"]


# --- /api/categories/ -----------------------------------------------------------------------------


def test_the_category_tree_is_public():
    response = Client().get("/api/categories/")
    assert response.status_code == 200
    results = response.json()["results"]
    mains = Category.objects.filter(parent__isnull=True, is_active=True)
    assert [c["code"] for c in results] == list(
        mains.order_by("sort_order", "code").values_list("code", flat=True)
    )
    land = next(c for c in results if c["code"] == "land")
    assert land["name_th"] and land["name_en"]
    assert "land-public-encroach" in {s["code"] for s in land["subcategories"]}
    assert any(c["is_other"] for c in results)
    # Every code listed is one the case filter takes.
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    for category in results:
        assert logged_in(officer).get(f"/api/cases/?category={category['code']}").status_code == 200


def test_the_category_tree_takes_no_parameters_and_hides_inactive_ones():
    assert Client().get("/api/categories/?lang=en").status_code == 400
    Category.objects.filter(code="land").update(is_active=False)
    codes = [c["code"] for c in Client().get("/api/categories/").json()["results"]]
    assert "land" not in codes


def test_public_endpoints_hold_no_case(officer):
    case = make_complaint(created_by=officer)
    for url in ("/api/boundaries/subdistricts/?district=4901", "/api/categories/"):
        assert case.tracking_no not in Client().get(url).content.decode()
