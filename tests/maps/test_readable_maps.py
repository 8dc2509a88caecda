"""Maps a person can read (issue 9): the base map setting and the self-hosted MBTiles tiles,
the area search by name, popups that link to cases only for those who may open them, area
figures, the heatmap page and the square grid endpoint (its counts against a hand count)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from boundaries.models import Subdistrict
from layers.models import Complaint, Status
from layers.selectors.filters import CaseFilter
from layers.selectors.mapdata import (
    GRID_SRID,
    complaint_grid,
    openable_tracking_numbers,
)
from maps import mapkit
from tests.factories import Role, make_complaint, make_officer

pytestmark = pytest.mark.django_db

SEARCH = "/api/boundaries/search"
GRID = "/api/maps/grid.geojson"
HEATMAP = "/maps/heatmap/"


def client_for(officer) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


def inside(code):
    point = Subdistrict.objects.get(code=code).geom.point_on_surface
    return point.y, point.x


def base_layers_of(html: str) -> dict:
    found = re.search(r"DamrongMap\.baseLayers\([\w]+, (\{.*?\})\),", html)
    assert found, "no DamrongMap.baseLayers call in the page"
    return json.loads(found.group(1))


# ---------------------------------------------------------------- the base map setting


def test_the_default_base_map_is_openstreetmap_with_its_attribution(settings):
    # What gisapp/settings.py gives when MAP_TILE_URL is not set (conftest empties it).
    settings.MAP_TILE_URL = settings.OSM_TILE_URL
    settings.MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    config = mapkit.base_map_config()
    assert "OpenStreetMap" in config["layers"][0].pop("name")
    assert config["layers"] == [
        {
            "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "© OpenStreetMap contributors",
            "max_zoom": 19,
        }
    ]
    assert config["none"]  # "no base map" is always offered


def test_settings_read_the_tile_url_from_the_environment(monkeypatch):
    """Unset: OpenStreetMap; set to empty: none (the boundaries are the base map)."""
    import importlib

    import gisapp.settings as module

    monkeypatch.delenv("MAP_TILE_URL", raising=False)
    monkeypatch.delenv("MAP_TILE_ATTRIBUTION", raising=False)
    default = importlib.reload(module)
    assert default.MAP_TILE_URL == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert default.MAP_TILE_ATTRIBUTION == "© OpenStreetMap contributors"
    monkeypatch.setenv("MAP_TILE_URL", "")
    empty = importlib.reload(module)
    assert empty.MAP_TILE_URL == "" and empty.MAP_TILE_ATTRIBUTION == ""
    monkeypatch.delenv("MAP_TILE_URL")
    importlib.reload(module)


def test_with_the_setting_empty_no_page_names_a_tile_layer(settings):
    settings.MAP_TILE_URL = ""
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    client = client_for(officer)
    for url in ("/maps/province/49/", f"{HEATMAP}?province=49", "/cases/new/"):
        html = client.get(url).content.decode()
        if "DamrongMap.baseLayers(" in html:
            assert base_layers_of(html)["layers"] == [], url
        assert "https://" not in html and "http://" not in html, url


# ---------------------------------------------------------------- MBTiles


def make_mbtiles(path, tiles: dict) -> None:
    """A tiny MBTiles file: ``tiles`` = {(z, x, y_xyz): bytes}."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name text, value text)")
    db.execute(
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
        "tile_data blob)"
    )
    db.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [
            ("name", "Test base"),
            ("format", "png"),
            ("attribution", "Test tiles ©"),
            ("maxzoom", "3"),
        ],
    )
    for (z, x, y), data in tiles.items():
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, data))
    db.commit()
    db.close()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_the_mbtiles_endpoint_serves_a_tile_and_404s_a_missing_one(settings, tmp_path):
    path = tmp_path / "base.mbtiles"
    make_mbtiles(path, {(2, 3, 1): PNG + b"tile-2-3-1"})
    settings.MAP_TILE_MBTILES = str(path)
    client = client_for(make_officer(Role.DISTRICT_OFFICER, district="4901"))
    response = client.get("/tiles/base/2/3/1.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG + b"tile-2-3-1"  # XYZ y=1 is TMS row 2 at zoom 2
    assert client.get("/tiles/base/2/3/2.png").status_code == 404  # no tile there
    assert client.get("/tiles/base/2/9/1.png").status_code == 404  # off the grid
    assert client.get("/tiles/base/40/0/0.png").status_code == 404
    # The maps offer it first, named and attributed from its metadata.
    config = mapkit.base_map_config()
    assert config["layers"][0]["url"] == "/tiles/base/{z}/{x}/{y}.png"
    assert config["layers"][0]["name"] == "Test base"
    assert config["layers"][0]["attribution"] == "Test tiles ©"
    assert config["layers"][0]["max_native_zoom"] == 3


def test_the_mbtiles_endpoint_without_a_file_is_404(settings):
    settings.MAP_TILE_MBTILES = ""
    client = client_for(make_officer(Role.DISTRICT_OFFICER, district="4901"))
    assert client.get("/tiles/base/0/0/0.png").status_code == 404
    settings.MAP_TILE_MBTILES = "/nonexistent/base.mbtiles"
    assert client.get("/tiles/base/0/0/0.png").status_code == 404


def test_outsiders_get_no_tiles(settings, tmp_path):
    path = tmp_path / "base.mbtiles"
    make_mbtiles(path, {(0, 0, 0): PNG})
    settings.MAP_TILE_MBTILES = str(path)
    anonymous = client_for(None).get("/tiles/base/0/0/0.png")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_for(make_officer(None)).get("/tiles/base/0/0/0.png").status_code == 403


# ---------------------------------------------------------------- area search


@pytest.fixture
def searcher():
    cache.clear()  # the throttle's counts
    return client_for(make_officer(Role.DISTRICT_OFFICER, district="4901"))


@pytest.mark.parametrize(
    "query, level, code",
    [
        ("มุกดาหาร", "province", "49"),
        ("Mukdahan", "province", "49"),
        ("mukdahan", "province", "49"),
        ("มุกดาหา", "province", "49"),  # a letter missing
        ("มุดาหาร", "province", "49"),  # another
        ("Mukdaharn", "province", "49"),  # romanised as people write it
        ("จ.มุกดาหาร", "province", "49"),
        ("อำเภอเมืองมุกดาหาร", "district", "4901"),
        ("Nakhon Phanom", "province", "48"),
        ("นครพนม", "province", "48"),
    ],
)
def test_area_search_finds_the_area(searcher, query, level, code):
    response = searcher.get(SEARCH, {"q": query})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results, query
    assert (results[0]["level"], results[0]["code"]) == (level, code), results[:3]
    hit = results[0]
    min_lon, min_lat, max_lon, max_lat = hit["bbox"]
    assert min_lon < hit["lon"] < max_lon and min_lat < hit["lat"] < max_lat


def test_area_search_gives_the_containing_areas_and_filters_by_level(searcher):
    results = searcher.get(SEARCH, {"q": "ศรีบุญเรือง", "level": "subdistrict"}).json()["results"]
    mine = [r for r in results if r["code"] == "490102"]
    assert mine and mine[0]["district_name_th"] == "เมืองมุกดาหาร"
    assert mine[0]["province_name_th"] == "มุกดาหาร"
    assert all(r["level"] == "subdistrict" for r in results)
    assert searcher.get(SEARCH, {"q": "xqzvw"}).json()["results"] == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": "ม"}, "q"),
        ({"q": "ม" * 101}, "q"),
        ({"q": "มุกดาหาร", "limit": "0"}, "limit"),
        ({"q": "มุกดาหาร", "limit": "21"}, "limit"),
        ({"q": "มุกดาหาร", "limit": "๕"}, "limit"),
        ({"q": "มุกดาหาร", "level": "village"}, "level"),
        ({"q": "มุกดาหาร", "qq": "x"}, "qq"),
    ],
)
def test_area_search_refuses_bad_parameters(searcher, params, field):
    response = searcher.get(SEARCH, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_area_search_is_throttled(settings, searcher):
    settings.BOUNDARY_SEARCH_PER_MINUTE = 3
    for _ in range(3):
        assert searcher.get(SEARCH, {"q": "มุกดาหาร"}).status_code == 200
    response = searcher.get(SEARCH, {"q": "มุกดาหาร"})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_the_public_may_search_areas_but_only_a_few_times_a_minute(settings):
    """Area names are public geography: the citizen's filing page (issue 11) searches them
    without an account, throttled per address."""
    cache.clear()
    settings.PUBLIC_LOOKUP_PER_MINUTE = 2
    anonymous = client_for(None)
    for _ in range(2):
        response = anonymous.get(SEARCH, {"q": "มุกดาหาร"})
        assert response.status_code == 200 and response.json()["results"]
    assert anonymous.get(SEARCH, {"q": "มุกดาหาร"}).status_code == 429
    cache.clear()
    response = client_for(make_officer(None)).get(SEARCH, {"q": "มุกดาหาร"})
    assert response.status_code == 200


# ---------------------------------------------------------------- popups and figures


def test_popups_link_only_to_cases_the_viewer_may_open():
    mine = make_complaint(*inside("490101"))
    other = make_complaint(*inside(Subdistrict.objects.filter(district_id="4902").first().code))
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    numbers = [mine.tracking_no, other.tracking_no]
    assert openable_tracking_numbers(officer=officer, tracking_numbers=numbers) == {
        mine.tracking_no
    }
    rows = [
        {
            "tracking_no": case.tracking_no,
            "lon": case.location.x,
            "lat": case.location.y,
            "category_code": "land",
            "category_name_th": "ที่ดิน",
            "subcategory_code": None,
            "status": case.status,
            "received_at": case.received_at,
        }
        for case in (mine, other)
    ]
    features, _ = mapkit.complaint_points(
        rows, openable=openable_tracking_numbers(officer=officer, tracking_numbers=numbers)
    )
    urls = {f["properties"]["tracking_no"]: f["properties"].get("url") for f in features}
    assert urls == {mine.tracking_no: f"/cases/{mine.tracking_no}/", other.tracking_no: None}
    # The province officer may open both.
    province = make_officer(Role.PROVINCE_OFFICER, province="49")
    assert openable_tracking_numbers(officer=province, tracking_numbers=numbers) == set(numbers)
    # An outsider none.
    assert openable_tracking_numbers(officer=make_officer(None), tracking_numbers=numbers) == set()


def test_the_province_map_links_its_points_and_gives_areas_their_figures():
    case = make_complaint(*inside("490101"))
    closed = make_complaint(*inside("490101"))
    Complaint.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED, close_result="resolved", closed_at=closed.received_at
    )
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    html = client_for(officer).get("/maps/province/49/").content.decode()
    assert f'"url":"/cases/{case.tracking_no}/"' in html
    # The sub-district's popup data: its figures (layers.metrics) and links a level down.
    data = re.search(r'"code":"490101"[^{}]*"figures":(\{[^{}]*\})', html)
    assert data, "no figures for 490101"
    figures = json.loads(data.group(1))
    assert figures["complaints"] == 2 and figures["closed"] == 1
    assert figures["share_closed"] == 50.0 and figures["open_backlog"] == 1
    assert "/cases/backlog/?subdistrict=490101" in html
    assert "/dashboards/4901/" in html
    # Place names and the search box are on the map.
    assert "DamrongMap.labels(" in html and '"name_th":"มุกดาหาร"' in html
    assert '"url":"/api/boundaries/search"' in html


# ---------------------------------------------------------------- the square grid


def hand_count(cell_m: int, codes: list[str]) -> dict[tuple[int, int], int]:
    """Counts per cell the slow, obvious way: PostGIS generates the grid over the cases'
    extent (ST_SquareGrid, EPSG:32647) and each square counts the cases it covers."""
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH pts AS (
                SELECT ST_Transform(location, {GRID_SRID}) AS g FROM layers_complaint
                WHERE tracking_no = ANY(%s)
            )
            SELECT h.i, h.j, count(*)
            FROM ST_SquareGrid(
                %s, (SELECT ST_Expand(ST_SetSRID(ST_Extent(g)::geometry, {GRID_SRID}), %s) FROM pts)
            ) h
            JOIN pts ON ST_Covers(h.geom, pts.g)
            GROUP BY 1, 2
            """,
            [codes, cell_m, cell_m],
        )
        return {(i, j): n for i, j, n in cur.fetchall()}


@pytest.mark.parametrize("cell_m", [1000, 5000, 40000])
def test_grid_counts_equal_a_hand_count(cell_m):
    cases = []
    for code in ("490101", "490102", "490103", "490201", "480101"):
        lat, lon = inside(code)
        for k in range(3):  # three cases a few hundred metres apart
            cases.append(make_complaint(lat + 0.002 * k, lon + 0.0015 * k))
    central = make_officer(Role.CENTRAL_OFFICER)
    # Fine cells over a box round the cases (the whole country in 1 km cells is too many).
    box = CaseFilter(bbox=(104.0, 16.0, 105.5, 17.6)) if cell_m < 5000 else CaseFilter()
    grid = complaint_grid(officer=central, filters=box, cell_m=cell_m)
    counted = {
        (f["properties"]["i"], f["properties"]["j"]): f["properties"]["count"]
        for f in grid["features"]
    }
    assert counted == hand_count(cell_m, [c.tracking_no for c in cases])
    assert grid["total"] == len(cases) == 15
    # Each polygon is the square PostGIS numbers (i, j).
    feature = grid["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert len(feature["geometry"]["coordinates"][0]) == 5


def test_the_grid_endpoint_is_scoped_to_the_viewer():
    make_complaint(*inside("490101"))
    make_complaint(*inside(Subdistrict.objects.filter(district_id="4902").first().code))
    make_complaint(*inside("480101"))

    def total(officer, **params):
        response = client_for(officer).get(GRID, {"cell": 5000, **params})
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/geo+json"
        return response.json()["total"]

    assert total(make_officer(Role.CENTRAL_OFFICER)) == 3
    assert total(make_officer(Role.PROVINCE_OFFICER, province="49")) == 2
    assert total(make_officer(Role.DISTRICT_OFFICER, district="4901")) == 1
    assert total(make_officer(Role.CENTRAL_OFFICER), province="48") == 1
    assert total(make_officer(Role.CENTRAL_OFFICER), status="closed") == 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "cell"),
        ({"cell": "50"}, "cell"),
        ({"cell": "200000"}, "cell"),
        ({"cell": "1e3"}, "cell"),
        ({"cell": "100"}, "cell"),  # the whole country in 100 m cells: too many
        ({"cell": "5000", "province": "4"}, "province"),
        ({"cell": "5000", "colour": "red"}, "params"),
        ({"cell": "5000", "bbox": "1,2,3"}, "bbox"),
    ],
)
def test_the_grid_endpoint_refuses_bad_parameters(params, field):
    response = client_for(make_officer(Role.CENTRAL_OFFICER)).get(GRID, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_outsiders_get_no_grid():
    make_complaint(*inside("480101"))
    assert client_for(None).get(GRID, {"cell": 5000}).status_code in (401, 403)
    assert client_for(make_officer(None)).get(GRID, {"cell": 5000}).status_code == 403
    governor = make_officer(Role.GOVERNOR, province="49")
    response = client_for(governor).get(GRID, {"cell": 5000, "province": "48"})
    assert response.status_code == 403


# ---------------------------------------------------------------- the heatmap page


def test_the_heatmap_page_of_a_province():
    cases = [make_complaint(*inside("490101")) for _ in range(3)]
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).get(HEATMAP)  # one province: that province
    assert response.status_code == 200
    html = response.content.decode()
    assert "L.heatLayer(" in html and "L.markerClusterGroup(" in html
    assert "/static/vendor/leaflet.heat-0.2.0/leaflet-heat.js" in html
    assert "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" in html
    assert "https://" not in html and "http://" not in html  # no CDN
    for case in cases:
        assert f'"url":"/cases/{case.tracking_no}/"' in html
    # The heat's weights add up to every case.
    heat = json.loads(re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    assert sum(cell[2] for cell in heat) == 3


def test_the_national_heatmap_draws_provinces_and_asks_for_the_grid():
    officer = make_officer(Role.CENTRAL_OFFICER)
    html = client_for(officer).get(HEATMAP).content.decode()
    assert '"url": "/api/maps/grid.geojson"' in html or '"url":"/api/maps/grid.geojson"' in html
    assert "damrong-province" in html and "L.heatLayer(" not in html


@pytest.mark.parametrize(
    "params", [{"province": "99"}, {"status": "lost"}, {"bbox": "1,2,3,4"}, {"x": "1"}]
)
def test_the_heatmap_page_refuses_bad_parameters(params):
    officer = make_officer(Role.CENTRAL_OFFICER)
    assert client_for(officer).get(HEATMAP, params).status_code == 400


def test_outsiders_get_no_heatmap():
    anonymous = client_for(None).get(HEATMAP)
    assert anonymous.status_code == 302
    assert client_for(make_officer(None)).get(HEATMAP).status_code == 403
    governor = make_officer(Role.GOVERNOR, province="49")
    assert client_for(governor).get(HEATMAP, {"province": "48"}).status_code == 403
