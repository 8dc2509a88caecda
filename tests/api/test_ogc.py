"""OGC API – Features (/ogc/): the landing page and metadata, complaints scoped and paged by
key, boundaries public, every bad parameter a 400 in the standard's exception shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from boundaries.models import District, Subdistrict
from layers.models import Complaint, Role
from layers.selectors import ogc
from layers.selectors.mapdata import PUBLIC_FIELDS
from layers.services import workflow as wf
from tests.factories import make_complaint, make_officer
from tests.module_data import module_data

pytestmark = pytest.mark.django_db

ITEMS = "/ogc/collections/complaints/items"
BANGKOK = timezone.get_default_timezone()


def client_for(officer) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


def point_in(code: str):
    sub = Subdistrict.objects.get(code=code)
    p = sub.geom.point_on_surface
    return p.y, p.x


def build_world() -> dict:
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    cases = {}
    lat, lon = point_in("490101")
    for i in range(4):
        cases[f"a{i}"] = make_complaint(
            lat=lat,
            lon=lon,
            received_at=datetime(2025, 1, 10 + i, 9, 0, tzinfo=BANGKOK),
            created_by=desk,
        )
    lat2, lon2 = point_in(District.objects.get(code="4902").subdistricts.first().code)
    cases["d4902"] = make_complaint(lat=lat2, lon=lon2, category="debt", subcategory="debt-formal")
    sub48 = Subdistrict.objects.filter(province_id="48", geom__isnull=False).order_by("code")[0]
    lat3, lon3 = point_in(sub48.code)
    cases["p48"] = make_complaint(lat=lat3, lon=lon3, channel="phone")
    return {
        "desk": desk,
        "analyst": make_officer(Role.GIS_ANALYST, province="49"),
        "province": make_officer(Role.PROVINCE_OFFICER, province="49"),
        "central": make_officer(Role.CENTRAL_OFFICER),
        "no_role": make_officer(None),
        "cases": cases,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = str(tmp_path_factory.mktemp("ogc-media"))
    with module_data(django_db_blocker, build_world, media_root=media) as data:
        yield data


def numbers(body: dict) -> set[str]:
    return {f["id"] for f in body["features"]}


# --- Landing page and metadata -----------------------------------------------------------------


def test_the_landing_page_is_public_and_links_what_qgis_needs(db):
    response = Client().get("/ogc/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    links = {link["rel"]: link for link in response.json()["links"]}
    assert links["service-desc"]["href"].endswith("/api/schema/")
    assert links["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    assert links["conformance"]["href"].endswith("/ogc/conformance")
    assert links["data"]["href"].endswith("/ogc/collections")
    assert links["self"]["href"] == "http://testserver/ogc/"


def test_conformance_declares_core_geojson_oas30_and_queryables(db):
    classes = Client().get("/ogc/conformance").json()["conformsTo"]
    for name in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables" in classes


def test_the_collections_and_their_links(db):
    body = Client().get("/ogc/collections").json()
    assert [c["id"] for c in body["collections"]] == [
        "complaints",
        "provinces",
        "districts",
        "subdistricts",
    ]
    for collection in body["collections"]:
        minx, miny, maxx, maxy = collection["extent"]["spatial"]["bbox"][0]
        assert 97 < minx < maxx < 106 and 5 < miny < maxy < 21  # longitude first
        rels = {(link["rel"], link["type"]) for link in collection["links"]}
        assert ("items", "application/geo+json") in rels
        assert ("items", "application/geo+json-seq") in rels
        assert collection["crs"] == [ogc.CRS84]
    one = Client().get("/ogc/collections/subdistricts").json()
    assert one["id"] == "subdistricts"
    assert Client().get("/ogc/collections/lakes").status_code == 404


@pytest.mark.parametrize("collection", list(ogc.COLLECTIONS))
def test_queryables_and_schemas_are_json_schemas_of_the_collections_filters(db, collection):
    response = Client().get(f"/ogc/collections/{collection}/queryables")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    schema = response.json()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"http://testserver/ogc/collections/{collection}/queryables"
    names = set(schema["properties"]) - {"geometry", "received_at"}
    params = set(ogc.COLLECTIONS[collection].filters) - {"bbox", "datetime"}
    assert names == params
    described = Client().get(f"/ogc/collections/{collection}/schema").json()
    jsonschema.Draft202012Validator.check_schema(described)


def test_complaint_features_validate_against_the_collections_schema(world):
    schema = Client().get("/ogc/collections/complaints/schema").json()
    schema = {**schema, "properties": {k: v for k, v in schema["properties"].items()}}
    del schema["properties"]["geometry"]
    body = client_for(world["central"]).get(ITEMS).json()
    assert body["features"]
    for feature in body["features"]:
        jsonschema.validate(feature["properties"], schema)
        assert set(feature["properties"]) == set(schema["properties"])


def test_metadata_refuses_unknown_parameters_and_other_formats(db):
    response = Client().get("/ogc/collections?format=html")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "description", "fields"}
    assert Client().get("/ogc/?f=html").status_code == 400
    assert Client().get("/ogc/?f=json").status_code == 200


# --- Complaints: who sees what ------------------------------------------------------------------


def test_complaints_need_a_login_and_an_area(world):
    response = Client().get(ITEMS)
    assert response.status_code in (401, 403)
    assert "code" in response.json() and "description" in response.json()
    assert client_for(world["no_role"]).get(ITEMS).status_code == 403
    one = world["cases"]["a0"].tracking_no
    assert Client().get(f"{ITEMS}/{one}").status_code in (401, 403)
    assert client_for(world["no_role"]).get(f"{ITEMS}/{one}").status_code == 403


def test_each_officer_gets_the_complaints_of_their_jurisdiction(world):
    cases = {k: c.tracking_no for k, c in world["cases"].items()}
    desk = client_for(world["desk"]).get(ITEMS).json()
    assert numbers(desk) == {cases[f"a{i}"] for i in range(4)}
    province = client_for(world["province"]).get(ITEMS).json()
    assert numbers(province) == set(cases.values()) - {cases["p48"]}
    central = client_for(world["central"]).get(ITEMS).json()
    assert numbers(central) == set(cases.values())
    assert central["numberMatched"] == central["numberReturned"] == len(cases)
    # A province outside the jurisdiction is refused, not shown empty.
    response = client_for(world["desk"]).get(f"{ITEMS}?province=48")
    assert response.status_code == 403


def test_a_complaint_carries_the_export_columns_only_lon_first(world):
    case = world["cases"]["a0"]
    body = client_for(world["analyst"]).get(f"{ITEMS}/{case.tracking_no}")
    assert body.status_code == 200
    assert body["Content-Type"] == "application/geo+json"
    feature = body.json()
    assert feature["id"] == case.tracking_no
    expected = set(PUBLIC_FIELDS) - {"lon", "lat"}
    assert set(feature["properties"]) == expected
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == (round(case.location.x, 6), round(case.location.y, 6))
    text = body.content.decode()
    assert case.complainant_name not in text and case.description not in text


def test_a_complaint_outside_the_jurisdiction_is_not_found(world):
    other = world["cases"]["p48"].tracking_no
    assert client_for(world["desk"]).get(f"{ITEMS}/{other}").status_code == 404
    assert client_for(world["desk"]).get(f"{ITEMS}/2500-0000001").status_code == 404
    assert client_for(world["desk"]).get(f"{ITEMS}/{other}?f=xml").status_code == 400


# --- Paging ---------------------------------------------------------------------------------------


def test_pages_default_to_1000_and_allow_10000(world):
    body = client_for(world["central"]).get(ITEMS).json()
    assert ogc.DEFAULT_LIMIT == 1000 and ogc.MAX_LIMIT == 10_000
    assert body["numberReturned"] == 6 and "next" not in {x["rel"] for x in body["links"]}
    assert client_for(world["central"]).get(f"{ITEMS}?limit=10000").status_code == 200


def _follow(client, url: str) -> tuple[list[str], list[str]]:
    seen, urls = [], []
    while url:
        urls.append(url)
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else None
    return seen, urls


def test_next_links_carry_a_keyset_cursor_through_every_complaint_once(world):
    client = client_for(world["central"])
    seen, urls = _follow(client, f"{ITEMS}?limit=2")
    expected = sorted(Complaint.objects.values_list("tracking_no", flat=True))
    assert seen == expected  # ordered by id, none twice, none missed
    assert len(urls) == 3
    query = parse_qs(urlsplit(urls[1]).query)
    assert query["cursor"] == [expected[1]] and query["limit"] == ["2"]


def test_offset_is_accepted_and_its_next_link_switches_to_the_cursor(world):
    client = client_for(world["central"])
    expected = sorted(Complaint.objects.values_list("tracking_no", flat=True))
    response = client.get(f"{ITEMS}?limit=2&offset=2")
    body = response.json()
    assert [f["id"] for f in body["features"]] == expected[2:4]
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert parse_qs(urlsplit(links["next"]).query)["cursor"] == [expected[3]]
    assert "offset" not in parse_qs(urlsplit(links["next"]).query)
    assert parse_qs(urlsplit(links["prev"]).query).get("offset") is None  # back to offset 0
    assert 'rel="next"' in response["Link"]


def test_number_matched_is_left_out_above_the_exact_count_limit(world, monkeypatch):
    monkeypatch.setattr(ogc, "COUNT_EXACT_UP_TO", 3)
    body = client_for(world["central"]).get(f"{ITEMS}?limit=2").json()
    assert "numberMatched" not in body
    body = client_for(world["central"]).get(f"{ITEMS}?district=4902").json()
    assert body["numberMatched"] == 1


# --- Filters ----------------------------------------------------------------------------------


def test_property_filters_narrow_the_complaints(world):
    client = client_for(world["central"])
    cases = world["cases"]
    assert numbers(client.get(f"{ITEMS}?district=4902").json()) == {cases["d4902"].tracking_no}
    assert numbers(client.get(f"{ITEMS}?category=debt").json()) == {cases["d4902"].tracking_no}
    assert numbers(client.get(f"{ITEMS}?channel=phone").json()) == {cases["p48"].tracking_no}
    first = Complaint.objects.get(pk=cases["a0"].pk)
    wf.complaint_start(complaint=first, actor=world["desk"], expected_version=first.version)
    shown = numbers(client.get(f"{ITEMS}?status=in_progress").json())
    assert shown == {first.tracking_no}
    shown = numbers(client.get(f"{ITEMS}?status=in_progress,received").json())
    assert first.tracking_no in shown
    lat, lon = point_in("490101")
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    assert numbers(client.get(f"{ITEMS}?bbox={box}").json()) == {
        cases[f"a{i}"].tracking_no for i in range(4)
    }


def test_datetime_instants_and_intervals_with_open_ends(world):
    client = client_for(world["desk"])
    a = {i: world["cases"][f"a{i}"].tracking_no for i in range(4)}

    def shown(value):
        response = client.get(ITEMS, {"datetime": value})
        assert response.status_code == 200, response.json()
        return numbers(response.json())

    assert shown("2025-01-11T02:00:00Z") == {a[1]}  # 09:00 in Bangkok
    assert shown("2025-01-11") == {a[1]}  # the whole day (Bangkok)
    assert shown("2025-01-11T00:00:00+07:00/2025-01-12T23:59:59+07:00") == {a[1], a[2]}
    assert shown("2025-01-12T00:00:00Z/..") == {a[2], a[3]}
    assert shown("../2025-01-10T09:00:00+07:00") == {a[0]}
    assert shown("2025-01-12/") == {a[2], a[3]}
    assert shown("../..") == set(a.values())


@pytest.mark.parametrize(
    "query,param",
    [
        ("bbox=104,16,200,17", "bbox"),
        ("bbox=105,16,104,17", "bbox"),  # reversed
        ("bbox=104,17,105,16", "bbox"),
        ("bbox=104,16,105", "bbox"),
        ("bbox=104,16,0,105,17,10", "bbox"),  # 3D is not offered
        ("bbox-crs=EPSG:4326", "bbox-crs"),
        ("datetime=2025-02-01T00:00:00Z/2025-01-01T00:00:00Z", "datetime"),  # reversed
        ("datetime=2025-01-01T00:00:00", "datetime"),  # no time zone
        ("datetime=yesterday", "datetime"),
        ("datetime=a/b/c", "datetime"),
        ("datetime=0001-01-01T00:00:00%2B07:00", "datetime"),  # before year 1 in UTC
        ("datetime=../9999-12-31", "datetime"),  # its last instant is past year 9999
        ("province=99", "province"),
        ("district=4999", "district"),
        ("subdistrict=12345", "subdistrict"),
        ("category=cars", "category"),
        ("status=lost", "status"),
        ("channel=pigeon", "channel"),
        ("limit=10001", "limit"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("offset=100000000000000000000000", "offset"),
        ("offset=2&cursor=2569-0000001", "cursor"),
        ("cursor=abc", "cursor"),
        ("f=xml", "f"),
        ("colour=red", "params"),
        ("limit=5&limit=6", "limit"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(world, query, param):
    response = client_for(world["central"]).get(f"{ITEMS}?{query}")
    assert response.status_code == 400, (query, response.status_code)
    body = response.json()
    assert body["code"] == "invalid"
    assert body["description"]
    assert param in body["fields"], body
    assert all(message for messages in body["fields"].values() for message in messages)


def test_boundaries_refuse_the_complaints_filters(db):
    response = Client().get("/ogc/collections/provinces/items?status=closed")
    assert response.status_code == 400
    assert "params" in response.json()["fields"]
    response = Client().get("/ogc/collections/provinces/items?datetime=2025-01-01")
    assert response.status_code == 400


# --- Formats ------------------------------------------------------------------------------------


def _sequence(body: bytes) -> list[dict]:
    text = body.decode()
    assert text.startswith("\x1e") and text.endswith("\n")
    return [json.loads(record) for record in text.split("\x1e")[1:]]


def test_geojson_text_sequences_by_f_or_accept(world):
    client = client_for(world["central"])
    response = client.get(f"{ITEMS}?f=jsonseq&limit=2")
    assert response["Content-Type"] == "application/geo+json-seq"
    features = _sequence(response.content)
    assert len(features) == 2 and all(f["type"] == "Feature" for f in features)
    assert 'rel="next"' in response["Link"] and "cursor=" in response["Link"]
    response = client.get(ITEMS, HTTP_ACCEPT="application/geo+json-seq")
    assert len(_sequence(response.content)) == 6
    response = client.get(ITEMS, HTTP_ACCEPT="application/geo+json")
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["type"] == "FeatureCollection"
    response = client.get(ITEMS, HTTP_ACCEPT="text/html")  # no HTML: GeoJSON
    assert response["Content-Type"] == "application/geo+json"


def test_complaint_pages_are_not_cached_by_proxies(world):
    response = client_for(world["central"]).get(ITEMS)
    assert response["Cache-Control"] == "private, no-store"


# --- Boundaries (public) ---------------------------------------------------------------------------


def test_boundaries_are_public_features_with_codes_and_names(db):
    body = Client().get("/ogc/collections/provinces/items").json()
    codes = {f["id"] for f in body["features"]}
    assert {"48", "49"} <= codes
    assert body["numberMatched"] == len(codes)
    mukdahan = next(f for f in body["features"] if f["id"] == "49")
    assert mukdahan["properties"]["name_th"] == "มุกดาหาร"
    assert mukdahan["geometry"]["type"] == "MultiPolygon"
    lon, lat = mukdahan["geometry"]["coordinates"][0][0][0]
    assert 100 < lon < 106 and 14 < lat < 18  # longitude first


def test_boundary_filters_paging_and_single_features(db):
    client = Client()
    expected = sorted(
        Subdistrict.objects.filter(district_id="4901", geom__isnull=False).values_list(
            "code", flat=True
        )
    )
    seen, _urls = _follow(client, "/ogc/collections/subdistricts/items?district=4901&limit=3")
    assert seen == expected
    feature = client.get(f"/ogc/collections/subdistricts/items/{expected[0]}").json()
    assert feature["properties"]["district_code"] == "4901"
    assert feature["properties"]["province_code"] == "49"
    assert client.get("/ogc/collections/districts/items/9999").status_code == 404
    response = client.get("/ogc/collections/districts/items?province=49")
    assert {f["properties"]["province_code"] for f in response.json()["features"]} == {"49"}
    assert client.get("/ogc/collections/districts/items?province=77x").status_code == 400
    assert client.get("/ogc/collections/lakes/items").status_code == 404


def test_ogc_errors_say_what_is_wrong_in_thai_by_default(world):
    response = client_for(world["central"]).get(f"{ITEMS}?limit=99999")
    assert response.status_code == 400
    assert "10000" in response.json()["fields"]["limit"][0]
    assert settings.LANGUAGE_CODE == "th"


def test_the_received_filter_bounds_match_the_database(world):
    """datetime on received_at, inclusive at both ends (the standard's closed interval)."""
    case = Complaint.objects.get(pk=world["cases"]["a2"].pk)
    instant = case.received_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    body = client_for(world["desk"]).get(ITEMS, {"datetime": f"{instant}/{instant}"}).json()
    assert numbers(body) == {case.tracking_no}
    later = (case.received_at + timedelta(seconds=1)).isoformat()
    body = client_for(world["desk"]).get(ITEMS, {"datetime": f"{later}/.."}).json()
    assert case.tracking_no not in numbers(body)


def test_features_written_in_sql_equal_the_exports_features(world):
    """The page's SQL-built features carry the GeoJSON export's columns and values (the
    streamed export of the same officer's whole area), dates as the same instants."""
    officer = world["central"]
    body = client_for(officer).get(ITEMS).json()
    export = client_for(officer).get("/api/complaints.geojson", {"area": "all"})
    exported = json.loads(b"".join(export.streaming_content))["features"]
    expected = {feature["id"]: feature for feature in exported}
    assert len(body["features"]) == len(expected)
    for feature in body["features"]:
        export = expected[feature["id"]]
        assert feature["geometry"] == export["geometry"]
        assert list(feature["properties"]) == list(export["properties"])
        for name, value in feature["properties"].items():
            if name in ("received_at", "closed_at") and value is not None:
                assert value.endswith("+07:00")
                assert datetime.fromisoformat(value) == datetime.fromisoformat(
                    export["properties"][name]
                )
            else:
                assert value == export["properties"][name], name


def test_what_fails_before_a_view_is_json_too(db, settings):
    client = Client()
    response = client.get("/ogc/collections/complaints/itemz")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"code", "description"}  # the standard's exception
    response = client.get("/ogc/collections?x=%00")
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/open311/v2/requests.json", {"description": "ก" * 2048}, content_type="application/json"
    )
    assert response.status_code == 413
    [error] = response.json()  # GeoReport v2's errors list
    assert error["code"] == 413 and error["description"]
    response = client.get("/tiles/complaints/-1/0/0.pbf")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
