"""The in-process copy of the lookup table (boundaries/point_index.py): it answers as PostGIS
does, asks PostGIS nothing between re-checks, and never keeps pieces the table no longer has
or that only one uncommitted transaction can see.
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.contrib.gis.geos import Point
from django.db import connection, connections, transaction

from boundaries import point_index
from boundaries.models import SubdistrictPiece
from boundaries.selectors import area_for_point, area_for_point_in_postgis
from boundaries.services.bulk import assign_areas_to_points
from boundaries.services.loading import load_boundaries
from tests.boundaries.test_loader import feature, write_copy
from tests.boundaries.test_lookup import fetch

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_index(settings):
    """An empty in-process index before and after the test, with the production re-check."""
    settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 3600
    point_index.forget()
    yield
    point_index.forget()


def surface_points(province: str, limit: int = 40) -> list[tuple[str, float, float]]:
    return fetch(
        "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
        "FROM boundaries_subdistrict WHERE province_id = %s AND geom IS NOT NULL "
        "ORDER BY code LIMIT %s",
        [province, limit],
    )


def stamp() -> tuple:
    return tuple(fetch("SELECT version, token::text FROM boundaries_lookup_version")[0])


def name_en_at(x: float, y: float) -> str | None:
    return area_for_point(point=Point(x, y, srid=4326)).subdistrict_name_en


@pytest.fixture
def other_connection():
    """A second connection to the test database that commits at once (another process)."""
    cfg = connection.settings_dict
    conn = psycopg.connect(
        dbname=cfg["NAME"],
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        autocommit=True,
    )
    yield conn
    conn.close()


def test_the_index_answers_as_postgis_and_asks_it_nothing_between_rechecks(
    fresh_index, django_assert_num_queries
):
    points = surface_points("49") + surface_points("48")
    assert len(points) > 60
    area_for_point(point=Point(points[0][1], points[0][2], srid=4326))  # reads the table
    snap = point_index.current()
    assert snap.tree is not None and snap.pieces == SubdistrictPiece.objects.count()
    assert snap.stamp == stamp()
    with django_assert_num_queries(0):
        answers = [area_for_point(point=Point(x, y, srid=4326)) for _, x, y in points]
    for (code, x, y), match in zip(points, answers, strict=True):
        assert match.subdistrict_code == code
        assert tuple(match.as_dict().values())[3:] == area_for_point_in_postgis(x, y)


def test_a_change_committed_by_another_connection_is_read_at_the_next_recheck(
    fresh_index, monkeypatch, other_connection, django_assert_num_queries
):
    code, x, y = surface_points("49")[0]
    before = name_en_at(x, y)
    snap = point_index.current()
    rename = (
        "UPDATE boundaries_subdistrictpiece SET subdistrict_name_en = %s WHERE subdistrict_id = %s"
    )
    other_connection.execute(rename, ["Changed elsewhere", code])
    try:
        assert stamp() != snap.stamp  # the trigger stamped the committed change
        # Within the re-check interval the copy is used as it was read...
        with django_assert_num_queries(0):
            assert name_en_at(x, y) == before
        # ...and at the next re-check the new stamp makes the process read the table again.
        later = point_index.time.monotonic() + 3601
        monkeypatch.setattr(point_index.time, "monotonic", lambda: later)
        assert name_en_at(x, y) == "Changed elsewhere"
        assert point_index.current() is not snap
    finally:
        other_connection.execute(rename, [before, code])
    monkeypatch.setattr(point_index.time, "monotonic", lambda: later + 3601)
    assert name_en_at(x, y) == before


def test_an_uncommitted_change_is_answered_by_postgis_and_never_shared(settings):
    settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 0  # as in the test suite: check every time
    point_index.forget()
    code, x, y = surface_points("49")[1]
    name = name_en_at(x, y)
    shared = point_index.current()
    seen_by_other_thread = []

    def other_thread():
        try:
            seen_by_other_thread.append(name_en_at(x, y))
        finally:
            connections.close_all()

    with pytest.raises(RuntimeError), transaction.atomic():
        SubdistrictPiece.objects.filter(subdistrict_id=code).update(subdistrict_name_en="Tmp")
        assert name_en_at(x, y) == "Tmp"  # this transaction sees its own change...
        assert point_index.current().tree is None  # ...from PostGIS, not from a copy
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        raise RuntimeError("roll back")
    assert seen_by_other_thread == [name]  # other connections never saw the change
    assert point_index.current() is shared  # the process copy was neither replaced...
    assert name_en_at(x, y) == name  # ...nor left holding the rolled-back names
    point_index.forget()


def test_the_same_sequence_number_with_another_token_is_read_again(fresh_index, settings):
    settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 0
    code, x, y = surface_points("49")[2]
    name_en_at(x, y)
    snap = point_index.current()
    # As after a database is created again or restored: the number repeats, the token differs.
    fetch("UPDATE boundaries_lookup_version SET token = gen_random_uuid()")
    again = point_index.current()
    assert again is not snap and again.stamp[0] == snap.stamp[0]
    assert again.stamp[1] != snap.stamp[1]


def test_a_missing_stamp_row_costs_one_read_not_one_per_check(
    fresh_index, settings, django_assert_num_queries
):
    settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 0
    code, x, y = surface_points("49")[3]
    fetch("DELETE FROM boundaries_lookup_version")
    assert area_for_point(point=Point(x, y, srid=4326)).subdistrict_code == code
    with django_assert_num_queries(3):  # the stamp check each time, nothing read again
        for _ in range(3):
            assert area_for_point(point=Point(x, y, srid=4326)).subdistrict_code == code


def test_a_boundary_load_drops_the_loading_process_copy_at_commit(
    fresh_index, tmp_path, django_capture_on_commit_callbacks
):
    code, x, y = next(p for p in surface_points("49") if p[0] == "490102")
    assert name_en_at(x, y) != "Renamed by the loader"

    def rename(layers):
        feature(layers, code)["properties"]["name_en"] = "Renamed by the loader"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        load_boundaries(source_dir=write_copy(tmp_path / "renamed", rename), progress=False)
    assert point_index.forget in callbacks
    assert point_index._snapshot is None  # dropped: the next look-up reads the table


def test_pieces_above_the_vertex_limit_are_left_to_postgis(
    fresh_index, settings, django_assert_num_queries
):
    settings.BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES = 100  # far fewer than the sample has
    code, x, y = surface_points("49")[2]
    assert area_for_point(point=Point(x, y, srid=4326)).subdistrict_code == code
    snap = point_index.current()
    assert snap.tree is None and snap.vertices > 100 and snap.pieces > 0
    with django_assert_num_queries(1):  # the look-up itself, in PostGIS
        assert area_for_point(point=Point(x, y, srid=4326)).subdistrict_code == code
    settings.BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES = 0  # off: not even the stamp is read
    with django_assert_num_queries(1):
        assert area_for_point(point=Point(x, y, srid=4326)).subdistrict_code == code


@pytest.mark.parametrize("path", ["in_process", "postgis"])
def test_a_point_on_an_outer_edge_that_no_piece_covers_is_inside(path, settings):
    """ST_Subdivide re-computes the edges it cuts: a point on a sub-district's edge, between
    two vertices, can fall a rounding error outside every piece while the raw polygon covers
    it. It must not be "outside Thailand" (intake would refuse it)."""
    if path == "postgis":
        settings.BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES = 0
    point_index.forget()
    gaps = fetch(
        """
        WITH seg AS (
            SELECT (ST_DumpSegments(geom)).geom AS g FROM boundaries_subdistrict
            WHERE province_id IN ('48', '49') AND geom IS NOT NULL
        ), pt AS (
            SELECT DISTINCT ST_LineInterpolatePoint(g, f) AS p
            FROM seg, (VALUES (0.5), (0.333333)) AS v(f)
        )
        SELECT ST_X(p), ST_Y(p),
               (SELECT min(subdistrict_id) FROM boundaries_subdistrictpiece
                WHERE ST_DWithin(geom, p, %s))
        FROM pt
        WHERE NOT EXISTS (SELECT 1 FROM boundaries_subdistrictpiece WHERE ST_Covers(geom, p))
          AND EXISTS (SELECT 1 FROM boundaries_subdistrict WHERE ST_Covers(geom, p))
        ORDER BY 1, 2
        LIMIT 30
        """,
        [point_index.EDGE_TOLERANCE],
    )
    assert len(gaps) >= 5, "the sample should have edge points the pieces miss by a rounding"
    fetch(
        "CREATE TEMP TABLE edge_points (id int PRIMARY KEY, location geometry(Point, 4326), "
        "subdistrict_code varchar(6), district_code varchar(4), province_code varchar(2))"
    )
    for i, (x, y, nearest) in enumerate(gaps):
        assert nearest is not None
        match = area_for_point(point=Point(x, y, srid=4326))
        assert match.inside and match.subdistrict_code == nearest
        fetch(
            "INSERT INTO edge_points (id, location) VALUES (%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [i, x, y],
        )
    # The bulk assignment gives them the same codes.
    assert assign_areas_to_points(table="edge_points") == len(gaps)
    assert [r[0] for r in fetch("SELECT subdistrict_code FROM edge_points ORDER BY id")] == [
        g[2] for g in gaps
    ]
    # A millimetre off the edge, where no piece is within 0.5 mm, is outside: the tolerance
    # is a rounding's, no more.
    outside = fetch(
        """
        SELECT ST_X(q), ST_Y(q)
        FROM unnest(%s::float8[], %s::float8[]) AS g(x, y),
             (VALUES (1e-8), (-1e-8)) AS v(d),
             ST_SetSRID(ST_MakePoint(g.x + v.d, g.y), 4326) AS q
        WHERE NOT EXISTS (
            SELECT 1 FROM boundaries_subdistrictpiece WHERE ST_DWithin(geom, q, 5e-9))
        """,
        [[g[0] for g in gaps], [g[1] for g in gaps]],
    )
    assert outside, "some edge points should be on the outer edge of the loaded provinces"
    for ox, oy in outside:
        assert not area_for_point(point=Point(ox, oy, srid=4326)).inside
    point_index.forget()
