"""Two intakes of the same matter at the same moment (issue 8): the intake lock makes the
second's duplicate check wait for the first to commit, so it finds it."""

from __future__ import annotations

import math
import threading

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from layers.models import Category
from layers.services import complaints as intake
from tests.factories import MUKDAHAN_CITY

TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"


def fields(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1]) -> dict:
    return dict(
        location=Point(lon, lat, srid=4326),
        category="utilities",
        subcategory="utilities-roads",
        channel="walk_in",
        complainant_name="นายสมชาย ใจดี",
        description=TEXT,
        created_by=None,
    )


def race() -> tuple[dict, list]:
    """A records and holds its transaction open; B records the same matter meanwhile; A then
    commits. Returns each one's tracking number and candidates, and the order of events."""
    recorded, release = threading.Event(), threading.Event()
    result: dict = {}
    errors: list = []

    def first():
        try:
            with transaction.atomic():
                case = intake.complaint_intake(**fields())
                result["a"] = (case.tracking_no, [c.tracking_no for c in case.duplicates])
                recorded.set()
                release.wait(timeout=20)
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            recorded.set()
            connection.close()

    def second():
        try:
            # 40 m away, a minute later, the same words.
            case = intake.complaint_intake(**fields(MUKDAHAN_CITY[0] + 0.00036))
            result["b"] = (case.tracking_no, [c.tracking_no for c in case.duplicates])
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=first)
    a.start()
    assert recorded.wait(timeout=20)
    b = threading.Thread(target=second)
    b.start()
    b.join(timeout=1.0)
    result["b_waited"] = b.is_alive()  # still waiting while A's transaction is open
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    return result, errors


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_concurrent_intakes_finds_the_first(live_data):
    result, errors = race()
    assert errors == []
    assert result["b_waited"] is True
    a_number, a_candidates = result["a"]
    b_number, b_candidates = result["b"]
    assert a_candidates == []
    assert b_candidates == [a_number] and b_number != a_number


@pytest.mark.django_db(transaction=True)
def test_without_the_lock_both_would_miss(live_data, monkeypatch):
    """The same race with the lock taken away: B checks while A is uncommitted and finds
    nothing (what the lock is for; B then still waits, on the year's tracking counter)."""
    monkeypatch.setattr(intake, "intake_lock", lambda **kw: None)
    result, errors = race()
    assert errors == []
    assert result["a"][1] == [] and result["b"][1] == []


@pytest.mark.django_db
@pytest.mark.parametrize("lat", [16.0, 20.4, 6.0])
def test_two_points_within_the_radius_share_a_lock_across_cell_lines(lat):
    """Either side of a cell line (lon 104.70, lat on a line too), R − 1 m apart east-west
    and north-south: always a key in common; a point 3 km away shares none."""
    category = Category.objects.get(code="utilities")
    radius = category.duplicate_radius_m - 1
    dlon = radius / (111_320.0 * math.cos(math.radians(lat)))
    dlat = radius / 111_320.0

    def keys(y, x):
        return set(intake.intake_lock_keys(location=Point(x, y, srid=4326), category=category))

    here = keys(lat, 104.70 - dlon / 2)
    assert 1 <= len(here) <= 9
    assert here & keys(lat, 104.70 + dlon / 2)
    assert keys(lat - dlat / 2, 104.5) & keys(lat + dlat / 2, 104.5)
    assert not here & keys(lat + 0.03, 104.70)
    other = Category.objects.get(code="land")
    assert not here & set(
        intake.intake_lock_keys(location=Point(104.70 - dlon / 2, lat, srid=4326), category=other)
    )
