"""Duplicates by place (issue 8): the selector on real PostGIS and the sample boundaries.

Points are built with the spheroid's own geometry (``ST_Project`` on geography), so "exactly
R metres" is exactly R metres as PostGIS measures it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from boundaries.selectors import area_for_point
from layers.errors import InvalidInput
from layers.models import Category, Complaint, DuplicateDecision
from layers.selectors.duplicates import (
    DISTANCE_TOLERANCE_M,
    duplicates_for,
    duplicates_for_case,
)
from tests.factories import MUKDAHAN_CITY, make_complaint

pytestmark = pytest.mark.django_db

TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"
BASE = Point(MUKDAHAN_CITY[1], MUKDAHAN_CITY[0], srid=4326)


def projected(point: Point, metres: float, azimuth_deg: float) -> Point:
    """The point ``metres`` from ``point`` along a geodesic (PostGIS, on the spheroid)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p::geometry), ST_Y(p::geometry) FROM ST_Project("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, radians(%s)) p",
            [point.x, point.y, metres, azimuth_deg],
        )
        x, y = cur.fetchone()
    return Point(x, y, srid=4326)


def distance(a: Point, b: Point) -> float:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)",
            [a.x, a.y, b.x, b.y],
        )
        return cur.fetchone()[0]


def road(point: Point = BASE, **fields):
    fields.setdefault("category", "utilities")
    fields.setdefault("subcategory", "utilities-roads")
    fields.setdefault("description", TEXT)
    return make_complaint(lat=point.y, lon=point.x, **fields)


def found(point: Point, **kwargs) -> list[str]:
    kwargs.setdefault("category", "utilities")
    kwargs.setdefault("subcategory", "utilities-roads")
    kwargs.setdefault("description", TEXT)
    return [c.tracking_no for c in duplicates_for(location=point, **kwargs)]


@pytest.mark.parametrize("azimuth", [0, 45, 90, 200, 315])
def test_exactly_r_metres_is_found_and_r_plus_one_is_not(azimuth):
    case = road()
    at_r = projected(BASE, 250, azimuth)
    beyond = projected(BASE, 251, azimuth)
    assert abs(distance(BASE, at_r) - 250) < 1e-6
    assert abs(distance(BASE, beyond) - 251) < 1e-6
    assert found(at_r) == [case.tracking_no]
    assert found(beyond) == []
    (candidate,) = duplicates_for(location=at_r, category="utilities")
    assert candidate.distance_m == pytest.approx(250, abs=0.01)
    # Just past the centimetre the distances are counted to: out.
    assert found(projected(BASE, 250 + 2 * DISTANCE_TOLERANCE_M, azimuth)) == []


def test_the_radius_and_window_are_the_main_categorys():
    case = road()
    Category.objects.filter(code="utilities").update(duplicate_radius_m=600)
    assert found(projected(BASE, 550, 30)) == [case.tracking_no]
    assert found(projected(BASE, 601, 30)) == []
    Category.objects.filter(code="utilities").update(duplicate_window_days=10)
    soon = timezone.now() + timedelta(days=9)
    later = timezone.now() + timedelta(days=11)
    assert found(BASE, received_at=soon) == [case.tracking_no]
    assert found(BASE, received_at=later) == []


def border_pair(level: str, a: str, b: str) -> tuple[Point, Point]:
    """Two points 60 m either side of the line between areas ``a`` and ``b`` (120 m apart)."""
    table = {"district": "boundaries_district", "province": "boundaries_province"}[level]
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(line, 0.5) p FROM ("
            f"  SELECT (ST_Dump(ST_LineMerge(ST_CollectionExtract("
            f"    ST_Intersection(x.geom, y.geom), 2)))).geom AS line"
            f"  FROM {table} x, {table} y WHERE x.code = %s AND y.code = %s) l"
            f" ORDER BY ST_Length(line) DESC LIMIT 1) q",
            [a, b],
        )
        x, y = cur.fetchone()
    middle = Point(x, y, srid=4326)
    code = {"district": "district_code", "province": "province_code"}[level]
    for azimuth in range(0, 180, 10):
        one, two = projected(middle, 60, azimuth), projected(middle, 60, azimuth + 180)
        codes = {getattr(area_for_point(point=p), code) for p in (one, two)}
        if codes == {a, b}:
            return one, two
    raise AssertionError("no pair of points either side of the line")


@pytest.mark.parametrize("level, a, b", [("district", "4901", "4902"), ("province", "49", "48")])
def test_found_across_a_district_and_a_province_line(level, a, b):
    one, two = border_pair(level, a, b)
    case = road(one)
    assert getattr(case, f"{level}_id") in (a, b)
    (candidate,) = duplicates_for(location=two, category="utilities", description=TEXT)
    assert candidate.tracking_no == case.tracking_no
    assert candidate.distance_m == pytest.approx(120, abs=0.5)
    assert getattr(candidate, f"{level}_code") != getattr(
        area_for_point(point=two), f"{level}_code"
    )
    assert candidate.likely


def test_another_main_category_at_the_same_place_is_not_a_candidate():
    road()
    assert found(BASE, category="nuisance", subcategory="nuisance-waste") == []


def test_older_than_the_window_or_closed_long_ago_is_not_a_candidate():
    now = timezone.now()
    old_open = road(received_at=now - timedelta(days=91))
    recent_closed = road(received_at=now - timedelta(days=60))
    long_closed = road(received_at=now - timedelta(days=80))
    Complaint.objects.filter(pk=recent_closed.pk).update(
        status="closed", close_result="resolved", closed_at=now - timedelta(days=20)
    )
    Complaint.objects.filter(pk=long_closed.pk).update(
        status="closed", close_result="resolved", closed_at=now - timedelta(days=91)
    )
    assert found(BASE) == [recent_closed.tracking_no]
    # Seen from 100 days ago, the old open case is within the window again.
    assert old_open.tracking_no in found(BASE, received_at=now - timedelta(days=100))


def test_ranked_by_one_score_with_likely_at_the_threshold(settings):
    same = road(projected(BASE, 200, 0))
    other_words = road(
        projected(BASE, 20, 90),
        subcategory="utilities-water",
        description="น้ำประปาหมู่บ้านไหลอ่อนและขุ่น ใช้อุปโภคไม่ได้ ขอให้ปรับปรุงระบบประปา",
    )
    ranked = duplicates_for(
        location=BASE,
        category="utilities",
        subcategory="utilities-roads",
        description="ถนนลูกรัง ม.4 เป็นหลุมเป็นบ่อ รถสัญจรไม่ได้ ขอให้ซ่อม",
    )
    assert [c.tracking_no for c in ranked] == [same.tracking_no, other_words.tracking_no]
    assert ranked[0].likely and not ranked[1].likely
    assert 0 <= ranked[1].score < ranked[0].score <= 1
    assert ranked[0].days_apart == 0 and ranked[0].category_code == "utilities"
    assert ranked[0].subcategory_code == "utilities-roads"
    settings.DUPLICATE_LIKELY_THRESHOLD = 0.0
    assert all(c.likely for c in duplicates_for(location=BASE, category="utilities"))
    settings.DUPLICATE_LIKELY_THRESHOLD = 1.01
    assert not any(c.likely for c in duplicates_for(location=BASE, category="utilities"))


def test_thai_digits_and_marks_do_not_hide_a_duplicate():
    road(description="ถนนหมู่ที่ 4 ชำรุดเสียหาย น้ำท่วมขัง")
    # Thai digits, a doubled tone mark: the same text once normalised.
    (candidate,) = duplicates_for(
        location=BASE,
        category="utilities",
        subcategory="utilities-roads",
        description="ถนนหมู่ที่ ๔ ชำรุดเสียหาย น\u0e49\u0e49ำท่วมขัง",
    )
    assert candidate.score == 1.0


def test_at_most_the_limit_best_first():
    for i in range(12):
        road(projected(BASE, 10 * i, 90))
    ranked = duplicates_for(location=BASE, category="utilities", description=TEXT)
    assert len(ranked) == 10
    assert [c.distance_m for c in ranked] == sorted(c.distance_m for c in ranked)
    assert len(duplicates_for(location=BASE, category="utilities", limit=None)) == 12


def test_for_a_recorded_case_later_ones_count_and_dismissed_pairs_are_hidden():
    now = timezone.now()
    first = road(received_at=now - timedelta(days=30))
    second = road(projected(BASE, 50, 10))
    third = road(projected(BASE, 80, 100))
    assert {c.tracking_no for c in duplicates_for_case(complaint=first)} == {
        second.tracking_no,
        third.tracking_no,
    }
    DuplicateDecision.objects.create(case=first, candidate=second, decision="dismissed", score=0.9)
    assert [c.tracking_no for c in duplicates_for_case(complaint=first)] == [third.tracking_no]
    # The pair either way round: seen from the second case, the first is hidden too.
    assert first.tracking_no not in {c.tracking_no for c in duplicates_for_case(complaint=second)}
    # The latest decision holds: linked after all, suggested again.
    DuplicateDecision.objects.create(
        case=second,
        candidate=first,
        decision="linked",
        score=0.9,
        decided_at=timezone.now() + timedelta(seconds=1),
    )
    assert second.tracking_no in {c.tracking_no for c in duplicates_for_case(complaint=first)}
    # "Kept separate" (saved anyway at intake) does not hide the pair.
    DuplicateDecision.objects.create(
        case=first, candidate=third, decision="kept_separate", score=0.5
    )
    assert third.tracking_no in {c.tracking_no for c in duplicates_for_case(complaint=first)}
    # Never the case itself.
    assert first.tracking_no not in {c.tracking_no for c in duplicates_for_case(complaint=first)}


def test_wrong_categories_are_refused():
    with pytest.raises(InvalidInput) as exc:
        duplicates_for(location=BASE, category="utilities-roads")
    assert "category" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        duplicates_for(location=BASE, category="utilities", subcategory="land-title")
    assert "subcategory" in exc.value.fields
    with pytest.raises(InvalidInput):
        duplicates_for(location=None, category="utilities")


def test_the_intake_check_uses_the_geography_index():
    """The spatial filter is answered from the GiST index on ``location::geography``."""
    road()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(
            "EXPLAIN SELECT id FROM layers_complaint c WHERE ST_DWithin(c.location::geography, "
            "ST_SetSRID(ST_MakePoint(104.72, 16.54), 4326)::geography, 250)"
        )
        plan = " ".join(r[0] for r in cur.fetchall())
    assert "complaint_location_geog" in plan
