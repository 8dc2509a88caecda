"""Point → area on the session's real boundaries (Mukdahan 49 and Nakhon Phanom 48).

Every expected answer is derived from the raw sub-district polygons with PostGIS, never
typed in: points on surfaces, vertices shared by two polygons, a piece edge on a cut line.
"""

from __future__ import annotations

import random

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from boundaries import point_index
from boundaries.models import Subdistrict
from boundaries.selectors import area_for_point
from boundaries.services.bulk import assign_areas_to_points
from tests.factories import MUKDAHAN_CITY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["in_process", "postgis"])
def lookup_path(request, settings):
    """Every test here runs twice: look-ups answered by this process's in-memory copy of the
    lookup table, and by PostGIS (as when the pieces are too many to hold in memory)."""
    if request.param == "postgis":
        settings.BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES = 0
    point_index.forget()
    yield request.param
    assert (point_index.current().tree is None) == (request.param == "postgis")
    point_index.forget()


def fetch(query, params=()):
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else cur.rowcount


def covering_codes(lon: float, lat: float) -> list[str]:
    """The sub-districts whose raw polygons cover the point (the reference answer)."""
    rows = fetch(
        "SELECT code FROM boundaries_subdistrict "
        "WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY code",
        [lon, lat],
    )
    return [code for (code,) in rows]


def test_a_point_inside_each_subdistrict_finds_it_with_its_district_and_province():
    rows = fetch(
        """
        SELECT s.code, s.name_th, s.name_en, s.geom_quality, d.code, d.name_th, d.name_en,
               p.code, p.name_th, p.name_en,
               ST_X(ST_PointOnSurface(s.geom)), ST_Y(ST_PointOnSurface(s.geom))
        FROM boundaries_subdistrict s
        JOIN boundaries_district d ON d.code = s.district_id
        JOIN boundaries_province p ON p.code = s.province_id
        WHERE s.geom IS NOT NULL ORDER BY s.code
        """
    )
    assert {r[7] for r in rows} == {"48", "49"} and len(rows) > 53
    for *names, lon, lat in rows:
        match = area_for_point(point=Point(lon, lat, srid=4326))
        assert match.inside
        assert (
            match.subdistrict_code,
            match.subdistrict_name_th,
            match.subdistrict_name_en,
            match.geom_quality,
            match.district_code,
            match.district_name_th,
            match.district_name_en,
            match.province_code,
            match.province_name_th,
            match.province_name_en,
        ) == tuple(names)
        assert (match.lat, match.lon) == (lat, lon)


def test_the_factories_point_is_in_mueang_mukdahan():
    match = area_for_point(point=Point(MUKDAHAN_CITY[1], MUKDAHAN_CITY[0], srid=4326))
    assert covering_codes(MUKDAHAN_CITY[1], MUKDAHAN_CITY[0]) == [match.subdistrict_code]
    assert (match.subdistrict_code, match.province_name_en) == ("490101", "Mukdahan")


def shared_vertices(where: str, limit: int):
    """Vertices of one sub-district's polygon that a neighbour's polygon also covers."""
    return fetch(
        f"""
        SELECT DISTINCT ON (a.code, b.code) a.code, b.code, ST_X(v.geom), ST_Y(v.geom)
        FROM boundaries_subdistrict a
        CROSS JOIN LATERAL ST_DumpPoints(a.geom) v
        JOIN boundaries_subdistrict b
          ON b.code <> a.code AND b.geom && a.geom AND ST_Covers(b.geom, v.geom)
        WHERE {where}
        ORDER BY a.code, b.code, v.path
        LIMIT %s
        """,
        [limit],
    )


@pytest.mark.parametrize(
    "where",
    [
        "a.province_id = '49' AND b.province_id = '49'",  # two sub-districts of one district
        "a.province_id = '49' AND b.province_id = '48'",  # the line between two provinces
    ],
)
def test_a_point_on_a_shared_border_gets_one_stable_answer_the_lowest_code(where):
    vertices = shared_vertices(where, 25)
    assert len(vertices) >= 5
    for a, b, lon, lat in vertices:
        covering = covering_codes(lon, lat)
        assert {a, b} <= set(covering)  # really on the border: both raw polygons hold it
        answers = {
            area_for_point(point=Point(lon, lat, srid=4326)).subdistrict_code for _ in range(3)
        }
        assert answers == {min(covering)}


def test_a_point_on_a_subdivision_cut_line_gets_its_subdistrict():
    # Two pieces of one sub-district sharing an edge: ST_Subdivide cut there, along a
    # constant x or y. Take the middle of that edge, away from every real border.
    rows = fetch(
        """
        SELECT p1.subdistrict_id, p1.id, p2.id, ST_AsText(seg.geom)
        FROM boundaries_subdistrictpiece p1
        JOIN boundaries_subdistrictpiece p2
          ON p2.subdistrict_id = p1.subdistrict_id AND p2.id > p1.id AND p2.geom && p1.geom
        CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Intersection(p1.geom, p2.geom), 2)) seg
        WHERE p1.province_code = '49'
        ORDER BY p1.subdistrict_id, p1.id, p2.id
        """
    )
    assert rows, "the sample should have sub-districts cut into several pieces"
    tested = 0
    for code, id1, id2, wkt in rows:
        (x0, y0), (x1, y1) = (
            tuple(map(float, pair.split())) for pair in wkt[len("LINESTRING(") : -1].split(",")[:2]
        )
        if x0 == x1:
            lon, lat = x0, (y0 + y1) / 2
        elif y0 == y1:
            lon, lat = (x0 + x1) / 2, y0
        else:
            continue
        on_both = fetch(
            "SELECT count(*) FROM boundaries_subdistrictpiece WHERE id IN (%s, %s) "
            "AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [id1, id2, lon, lat],
        )[0][0]
        if on_both != 2 or covering_codes(lon, lat) != [code]:
            continue  # the cut meets a real border here; the border test covers that
        inside = fetch(
            "SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
            "FROM boundaries_subdistrict WHERE code = %s",
            [lon, lat, code],
        )[0][0]
        assert inside  # in the polygon's interior: only the cut passes here
        for _ in range(2):
            assert area_for_point(point=Point(lon, lat, srid=4326)).subdistrict_code == code
        tested += 1
        if tested == 10:
            break
    assert tested >= 3


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (16.60, 105.00),  # Laos, across the Mekong from Mukdahan
        (8.00, 97.00),  # the Andaman Sea
        (0.0, 0.0),
        (-89.9, 179.9),
    ],
)
def test_a_point_outside_gets_inside_false(lat, lon):
    assert covering_codes(lon, lat) == []
    match = area_for_point(point=Point(lon, lat, srid=4326))
    assert not match.inside
    assert match.subdistrict_code is None and match.province_code is None
    assert match.as_dict()["inside"] is False


def test_odd_points_never_raise():
    assert not area_for_point(point=Point(float("nan"), float("nan"), srid=4326)).inside
    assert not area_for_point(point=Point(srid=4326)).inside  # empty
    # A point in another reference system is transformed first (UTM 48N, Mukdahan city).
    utm = Point(MUKDAHAN_CITY[1], MUKDAHAN_CITY[0], srid=4326).transform(32648, clone=True)
    assert area_for_point(point=utm).subdistrict_code == "490101"
    # No SRID means WGS 84.
    assert area_for_point(point=Point(MUKDAHAN_CITY[1], MUKDAHAN_CITY[0])).inside


def test_lookup_and_bulk_agree_with_st_covers_on_raw_polygons_for_1000_random_points():
    ((minx, miny, maxx, maxy),) = fetch(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(geom) e FROM boundaries_subdistrict) x"
    )
    rng = random.Random(20240521)
    points = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(1000)]

    # The reference, set-based: the lowest code among the raw polygons that cover each point.
    reference = dict(
        fetch(
            """
            SELECT pt.i, (SELECT min(s.code) FROM boundaries_subdistrict s
                          WHERE ST_Covers(s.geom, ST_SetSRID(ST_MakePoint(pt.x, pt.y), 4326)))
            FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS pt(i, x, y)
            """,
            [list(range(1000)), [p[0] for p in points], [p[1] for p in points]],
        )
    )
    looked_up = {
        i: area_for_point(point=Point(x, y, srid=4326)).subdistrict_code
        for i, (x, y) in enumerate(points)
    }
    assert looked_up == reference
    inside = sum(code is not None for code in reference.values())
    assert 300 < inside < 1000  # both inside and outside points were tried

    # The set-based assignment gives the same answers, codes of all three levels.
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE lookup_points (id int PRIMARY KEY, location geometry(Point, 4326), "
            "subdistrict_code varchar(6), district_code varchar(4), province_code varchar(2))"
        )
        cur.execute(
            "INSERT INTO lookup_points (id, location) SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) "
            "FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS pt(i, x, y)",
            [list(range(1000)), [p[0] for p in points], [p[1] for p in points]],
        )
    parents = dict(Subdistrict.objects.values_list("code", "district_id"))
    for strategy in ("per_point", "per_piece"):
        fetch(
            "UPDATE lookup_points SET subdistrict_code = NULL, district_code = NULL, province_code = NULL"
        )
        assert assign_areas_to_points(table="lookup_points", strategy=strategy) == inside
        rows = fetch("SELECT id, subdistrict_code, district_code, province_code FROM lookup_points")
        for i, sub, dist, prov in rows:
            assert sub == reference[i], (strategy, i)
            if sub is not None:
                assert (dist, prov) == (parents[sub], parents[sub][:2])
    # A second run with only_missing touches nothing: every point inside already has codes.
    assert assign_areas_to_points(table="lookup_points") == 0
