"""The statistics' figures equal a hand count (layers/metrics.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from boundaries.models import District, Subdistrict
from layers import metrics
from layers.models import Complaint
from tests.case_fixtures import put_in_state
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


def point_in(code):
    p = Subdistrict.objects.get(code=code).geom.point_on_surface
    return {"lat": p.y, "lon": p.x}


def test_figures_by_area_equal_a_hand_count():
    now = timezone.now()
    a = [
        make_complaint(**point_in("490101"), received_at=now - timedelta(days=d))
        for d in (1, 5, 40)
    ]
    b = [make_complaint(**point_in("490201"), received_at=now - timedelta(days=d)) for d in (2, 70)]
    # Close two of 490101's (after 3 and 10 days) and one of 490201's (after 4 days).
    for case, days in ((a[1], 3), (a[2], 10), (b[1], 4)):
        put_in_state(case, status="closed")
        Complaint.objects.filter(pk=case.pk).update(
            closed_at=case.received_at + timedelta(days=days)
        )

    by_district = metrics.figures(Complaint.objects.all(), group="district", now=now)
    d1, d2 = by_district["4901"], by_district["4902"]
    assert (d1["complaints"], d1["closed"], d1["open_backlog"]) == (3, 2, 1)
    assert (d2["complaints"], d2["closed"], d2["open_backlog"]) == (2, 1, 1)
    assert d1["median_days_to_close"] == pytest.approx(6.5)  # median of 3 and 10
    assert d2["median_days_to_close"] == pytest.approx(4.0)
    # b[0] is open, received 2 days ago, land SLA 60 days: not overdue; none is.
    assert d1["overdue"] == d2["overdue"] == 0

    population = District.objects.get(code="4901").population
    shown = metrics.derive(d1, population=population)
    assert shown["share_closed"] == pytest.approx(66.7)
    assert shown["on_target"] is False
    assert shown["per_10k"] == pytest.approx(round(30_000 / population, 2))
    whole = metrics.derive(metrics.figures(Complaint.objects.all(), now=now))
    assert (whole["complaints"], whole["closed"], whole["share_closed"]) == (5, 3, 60.0)


def test_no_cases_give_no_share_and_an_unknown_population_no_rate():
    shown = metrics.derive(metrics.figures(Complaint.objects.none()))
    assert shown["complaints"] == 0 and shown["share_closed"] is None
    assert shown["median_days_to_close"] is None and shown["on_target"] is None
    assert metrics.derive({"complaints": 4, "closed": 4}, population=None)["per_10k"] is None
    assert metrics.derive({"complaints": 5, "closed": 4})["on_target"] is True  # exactly 80 %
