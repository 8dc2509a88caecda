"""Vector tiles /tiles/{layer}/{z}/{x}/{y}.pbf: decoded with mapbox-vector-tile, scoped,
filtered, capped, cached, and revalidated by ETag (304) that changes with the data."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from django.test import Client
from django.utils import timezone

from boundaries.models import District, Province, Subdistrict
from layers.models import Complaint, Status, TileCache
from layers.selectors.tiles import TILE_COLUMNS, tile_bounds
from tests.factories import Role, make_complaint, make_officer

pytestmark = pytest.mark.django_db

SECRET_NAME = "นายลับ แผนที่"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def point_in(code: str):
    point = Subdistrict.objects.get(code=code).geom.point_on_surface
    return point.x, point.y


@pytest.fixture
def cases():
    lon, lat = point_in("490101")
    other = Subdistrict.objects.filter(province_id="49").exclude(district_id="4901").first()
    made = {
        "a": make_complaint(lat, lon, complainant_name=SECRET_NAME),
        "b": make_complaint(lat, lon, category="debt", subcategory="debt-informal"),
        "c": make_complaint(*reversed(point_in(other.code))),
        "d": make_complaint(
            *reversed(point_in(Subdistrict.objects.filter(province_id="48").first().code))
        ),
    }
    Complaint.objects.filter(pk=made["b"].pk).update(
        status=Status.CLOSED, close_result="resolved", closed_at=timezone.now()
    )
    return made


# z=5 holds Mukdahan and Nakhon Phanom in one tile.
WIDE = tile_of(104.7, 16.8, 5)


def url(layer, zxy, query=""):
    z, x, y = zxy
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf" + (f"?{query}" if query else "")


def client_for(officer) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


def features(response, layer="complaints") -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    return decoded[layer]["features"] if layer in decoded else []


def numbers(response) -> set[str]:
    return {f["properties"]["tracking_no"] for f in features(response)}


def test_a_complaints_tile_decodes_with_the_scoped_complaints_and_public_columns(cases):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).get(url("complaints", WIDE))
    found = features(response)
    assert {f["properties"]["tracking_no"] for f in found} == {cases[k].tracking_no for k in "abc"}
    for feature in found:
        assert set(feature["properties"]) <= set(TILE_COLUMNS)
        assert feature["geometry"]["type"] == "Point"
    assert SECRET_NAME.encode() not in response.content
    a = next(f for f in found if f["properties"]["tracking_no"] == cases["a"].tracking_no)
    assert a["properties"]["status"] == "received"
    assert a["properties"]["received_at"].endswith("+07:00")
    assert response["X-Tile-Features"] == "3"


def test_the_features_sit_where_the_complaints_are(cases):
    z, x, y = tile_of(*point_in("490101"), 14)
    found = features(
        client_for(make_officer(Role.CENTRAL_OFFICER)).get(url("complaints", (z, x, y)))
    )
    assert {f["properties"]["tracking_no"] for f in found} == {
        cases["a"].tracking_no,
        cases["b"].tracking_no,
    }
    west, south, east, north = tile_bounds(z, x, y)
    lon, lat = point_in("490101")
    px, py = found[0]["geometry"]["coordinates"]
    # Tile units: x from the west edge, y from the south (mapbox-vector-tile flips y).
    assert px / 4096 == pytest.approx((lon - west) / (east - west), abs=0.01)
    assert 0 <= py <= 4096


def test_tiles_are_scoped_to_the_viewers_jurisdiction(cases):
    district = make_officer(Role.DISTRICT_OFFICER, district="4901")
    assert numbers(client_for(district).get(url("complaints", WIDE))) == {
        cases["a"].tracking_no,
        cases["b"].tracking_no,
    }
    neighbour = make_officer(Role.PROVINCE_OFFICER, province="48")
    assert numbers(client_for(neighbour).get(url("complaints", WIDE))) == {cases["d"].tracking_no}
    # Asking for a province outside the jurisdiction is refused, not answered empty.
    response = client_for(neighbour).get(url("complaints", WIDE, "province=49"))
    assert response.status_code == 403
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    assert len(numbers(client_for(analyst).get(url("complaints", WIDE)))) == 3


def test_outsiders_get_no_complaints_tile(cases):
    response = client_for(None).get(url("complaints", WIDE))
    assert response.status_code in (401, 403)
    assert not response.content.startswith(b"\x1a")
    response = client_for(make_officer(None)).get(url("complaints", WIDE))
    assert response.status_code == 403


def test_filters_narrow_the_tile_and_are_in_its_etag(cases):
    client = client_for(make_officer(Role.CENTRAL_OFFICER))
    everything = client.get(url("complaints", WIDE))
    closed = client.get(url("complaints", WIDE, "status=closed"))
    assert numbers(closed) == {cases["b"].tracking_no}
    assert closed["ETag"] != everything["ETag"]
    assert numbers(client.get(url("complaints", WIDE, "category=debt&district=4901"))) == {
        cases["b"].tracking_no
    }
    assert numbers(client.get(url("complaints", WIDE, "province=48"))) == {cases["d"].tracking_no}


@pytest.mark.parametrize(
    "path, query, field, status",
    [
        ("complaints/25/0/0", "", "z", 400),
        ("complaints/3/8/0", "", "x", 400),
        ("complaints/3/0/8", "", "y", 400),
        ("complaints/5/25/14", "bbox=105,17,104,16", "bbox", 400),
        ("complaints/5/25/14", "bbox=104,17,195,18", "bbox", 400),
        ("complaints/5/25/14", "since=2026-02-01&until=2026-01-01", "until", 400),
        ("complaints/5/25/14", "district=9999", "district", 400),
        ("complaints/5/25/14", "personal=true", "personal", 400),
        ("complaints/5/25/14", "zoom=3", "params", 400),
        ("provinces/5/25/14", "status=closed", "params", 400),
        ("roads/5/25/14", "", None, 404),
    ],
)
def test_bad_tile_requests_say_what_is_wrong(cases, path, query, field, status):
    client = client_for(make_officer(Role.CENTRAL_OFFICER))
    response = client.get(f"/tiles/{path}.pbf" + (f"?{query}" if query else ""))
    assert response.status_code == status
    body = response.json()
    assert body["detail"]
    if field:
        assert field in body["fields"], body


def test_an_etag_answers_304_and_changes_when_a_complaint_changes(cases):
    client = client_for(make_officer(Role.PROVINCE_OFFICER, province="49"))
    first = client.get(url("complaints", WIDE))
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    again = client.get(url("complaints", WIDE), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    # A complaint changes: a new ETag, the old one no longer matches, the tile shows it.
    Complaint.objects.filter(pk=cases["a"].pk).update(status=Status.IN_PROGRESS)
    changed = client.get(url("complaints", WIDE), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    statuses = {
        f["properties"]["tracking_no"]: f["properties"]["status"] for f in features(changed)
    }
    assert statuses[cases["a"].tracking_no] == "in_progress"
    # A new complaint in the tile: new ETag again.
    lon, lat = point_in("490101")
    make_complaint(lat, lon)
    assert client.get(url("complaints", WIDE))["ETag"] != changed["ETag"]


def test_a_change_in_another_province_keeps_a_tile_cached(cases):
    # A tile in the south of Mukdahan whose box misses Nakhon Phanom's bounding box.
    sub = min(Subdistrict.objects.filter(province_id="49"), key=lambda s: s.geom.point_on_surface.y)
    lon, lat = sub.geom.point_on_surface.x, sub.geom.point_on_surface.y
    zxy = tile_of(lon, lat, 12)
    west, south_lat, east, north = tile_bounds(*zxy, margin=64 / 4096)
    p48 = Province.objects.get(code="48").geom.extent
    assert north < p48[1] or south_lat > p48[3] or east < p48[0] or west > p48[2]
    client = client_for(make_officer(Role.CENTRAL_OFFICER))
    before = client.get(url("complaints", zxy))["ETag"]
    Complaint.objects.filter(pk=cases["d"].pk).update(status=Status.IN_PROGRESS)  # in 48
    assert client.get(url("complaints", zxy))["ETag"] == before
    Complaint.objects.filter(pk=cases["c"].pk).update(status=Status.IN_PROGRESS)  # in 49
    assert client.get(url("complaints", zxy))["ETag"] != before


def test_rendered_tiles_are_cached_by_key(cases):
    client = client_for(make_officer(Role.PROVINCE_OFFICER, province="49"))
    first = client.get(url("complaints", WIDE))
    assert first["X-Tile-Cache"] == "miss"
    second = client.get(url("complaints", WIDE))
    assert second["X-Tile-Cache"] == "hit"
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert TileCache.objects.filter(layer="complaints").count() == 1
    # Another officer with the same jurisdiction shares the cached tile...
    same = client_for(make_officer(Role.PROVINCE_OFFICER, province="49")).get(
        url("complaints", WIDE)
    )
    assert same["X-Tile-Cache"] == "hit" and same["ETag"] == first["ETag"]
    # ...one with another jurisdiction does not.
    other = client_for(make_officer(Role.DISTRICT_OFFICER, district="4901")).get(
        url("complaints", WIDE)
    )
    assert other["X-Tile-Cache"] == "miss" and other["ETag"] != first["ETag"]


def test_features_per_tile_are_capped(cases, settings):
    settings.TILES_MAX_FEATURES = 2
    response = client_for(make_officer(Role.CENTRAL_OFFICER)).get(url("complaints", WIDE))
    assert len(features(response)) == 2
    assert response["X-Tile-Capped"] == "1"


@pytest.mark.parametrize(
    "layer, model, keys",
    [
        ("provinces", Province, {"code", "name_th", "name_en"}),
        ("districts", District, {"code", "name_th", "name_en", "province_code"}),
        (
            "subdistricts",
            Subdistrict,
            {"code", "name_th", "name_en", "province_code", "district_code"},
        ),
    ],
)
def test_boundary_tiles_are_public_with_names_and_codes(layer, model, keys):
    response = Client().get(url(layer, WIDE))
    found = features(response, layer)
    codes = {f["properties"]["code"] for f in found}
    expected = set(
        model.objects.filter(geom__isnull=False, code__regex=r"^(48|49)").values_list(
            "code", flat=True
        )
    )
    assert expected <= codes
    assert all(set(f["properties"]) == keys for f in found)
    mukdahan = next(f for f in found if f["properties"]["code"].startswith("49"))
    assert mukdahan["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert response["Cache-Control"] == "public, max-age=3600"
    assert Client().get(url(layer, WIDE), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_boundary_tile_etag_changes_when_the_boundaries_are_loaded_again():
    from tests.conftest import load_test_boundaries

    before = Client().get(url("provinces", WIDE))["ETag"]
    load_test_boundaries()
    after = Client().get(url("provinces", WIDE))
    assert after["ETag"] != before and after["X-Tile-Cache"] == "miss"
