"""The in-process copy of the lookup table (boundaries/point_index.py): it answers as PostGIS
does, asks PostGIS nothing between re-checks, and never keeps pieces the table no longer has,
whoever changed the table (the loader, a rolled-back transaction, a plain UPDATE).
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from boundaries import point_index
from boundaries.models import SubdistrictPiece
from boundaries.selectors import area_for_point, area_for_point_in_postgis
from boundaries.services.loading import load_boundaries
from tests.test_loader import feature, write_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_index(settings):
    """An empty in-process index before and after the test, with the production re-check."""
    settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 3600
    point_index.forget()
    yield
    point_index.forget()


def surface_points(province: str, limit: int = 40) -> list[tuple[str, float, float]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM boundaries_subdistrict WHERE province_id = %s AND geom IS NOT NULL "
            "ORDER BY code LIMIT %s",
            [province, limit],
        )
        return cur.fetchall()


def stamp() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT version FROM boundaries_lookup_version WHERE id = 1")
        return cur.fetchone()[0]


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
        assert (match.subdistrict_code, match.subdistrict_name_th, match.province_name_en) == (
            area_for_point_in_postgis(x, y)[0],
            area_for_point_in_postgis(x, y)[1],
            area_for_point_in_postgis(x, y)[8],
        )


def test_a_change_to_the_table_is_seen_at_the_next_recheck(
    fresh_index, monkeypatch, django_assert_num_queries
):
    code, x, y = surface_points("49")[0]
    point = Point(x, y, srid=4326)
    before = area_for_point(point=point).subdistrict_name_en
    old_stamp = stamp()
    SubdistrictPiece.objects.filter(subdistrict_id=code).update(subdistrict_name_en="Changed")
    assert stamp() > old_stamp  # the trigger stamped the change
    # Within the re-check interval the copy is used as it was read...
    with django_assert_num_queries(0):
        assert area_for_point(point=point).subdistrict_name_en == before
    # ...and at the next re-check the new stamp makes the process read the table again.
    later = point_index.time.monotonic() + 3601
    monkeypatch.setattr(point_index.time, "monotonic", lambda: later)
    assert area_for_point(point=point).subdistrict_name_en == "Changed"
    # Deleted pieces are gone from the copy too: the point is outside every piece now.
    SubdistrictPiece.objects.filter(subdistrict_id=code).delete()
    monkeypatch.setattr(point_index.time, "monotonic", lambda: later + 3601)
    assert not area_for_point(point=point).inside


def test_a_rolled_back_change_does_not_stay_in_the_copy(settings):
    settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 0  # as in the test suite: check every time
    code, x, y = surface_points("49")[1]
    point = Point(x, y, srid=4326)
    name = area_for_point(point=point).subdistrict_name_en
    with pytest.raises(RuntimeError), transaction.atomic():
        SubdistrictPiece.objects.filter(subdistrict_id=code).update(subdistrict_name_en="Tmp")
        assert area_for_point(point=point).subdistrict_name_en == "Tmp"  # read in the change
        raise RuntimeError("roll back")
    assert area_for_point(point=point).subdistrict_name_en == name
    # A later, different change gets a new stamp: it cannot be taken for the rolled-back one.
    SubdistrictPiece.objects.filter(subdistrict_id=code).update(subdistrict_name_en="Later")
    assert area_for_point(point=point).subdistrict_name_en == "Later"


def test_a_boundary_load_drops_the_loading_process_copy_at_commit(
    fresh_index, tmp_path, django_capture_on_commit_callbacks
):
    code, x, y = next(p for p in surface_points("49") if p[0] == "490102")
    point = Point(x, y, srid=4326)
    assert area_for_point(point=point).subdistrict_name_en != "Renamed by the loader"

    def rename(layers):
        feature(layers, code)["properties"]["name_en"] = "Renamed by the loader"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        load_boundaries(source_dir=write_copy(tmp_path / "renamed", rename), progress=False)
    assert point_index.forget in callbacks
    # No re-check is due (an hour), yet the new name is there: the loader dropped the copy.
    assert area_for_point(point=point).subdistrict_name_en == "Renamed by the loader"


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
