"""The figures of the statistics, written once: dashboards, statistics pages, month-end
snapshots, monthly reports and open data all compute them here, so that a governor's map, the
report on their desk and the department's open data never disagree.

Each metric is an aggregate over a set of complaints (already scoped and filtered by the
caller): ``metric_aggregates(now)`` gives the SQL expressions, ``figures(qs, group=…)`` runs
them grouped by an area level (one query; PostgreSQL does the counting on the indexed area
codes), and ``derive`` turns the raw counts into the shares and rates people read.

Definitions (seed 001 §5.2, seed 004):

* ``complaints`` — cases received (in the chosen period, if the caller filters by date).
* ``closed`` — of those, closed (ยุติเรื่อง) now.
* ``share_closed`` — ``closed / complaints`` in per cent (ร้อยละยุติเรื่อง), measured against
  the department's **80 %** target (``CLOSED_SHARE_TARGET_PERCENT``); no cases: no share.
* ``open_backlog`` — of those, still open now (เรื่องคงค้าง).
* ``overdue`` — open and past their due date now (``layers.rules``).
* ``median_days_to_close`` — the median of (closed − received) in days over the closed ones.
* ``per_10k`` — ``complaints`` per 10,000 residents of the area (DOPA civil registration);
  unknown where the area has no population figure.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from layers.models import OPEN_STATUSES, Status
from layers.rules import overdue_q

# The department's headline indicator (seed 001, 5.2): the share of complaints closed.
CLOSED_SHARE_TARGET_PERCENT = 80

METRICS = (
    "complaints",
    "per_10k",
    "open_backlog",
    "share_closed",
    "median_days_to_close",
    "overdue",
)
# Raw counts behind the metrics (what snapshots freeze; shares and rates derive from them).
COUNTS = ("complaints", "closed", "open_backlog", "overdue", "median_days_to_close")
# The area code column of a complaint at each level.
GROUPS = {
    "province": "province_id",
    "district": "district_id",
    "subdistrict": "subdistrict_id",
}
# Other ways to break the figures down (the dashboards' charts): the main category (its id),
# the status, the channel, and the month received (its first day, Bangkok time).
BREAKDOWNS = ("category", "status", "channel", "month")


def _breakdown_expression(group: str):
    if group == "category":
        return F("category_id")
    if group in ("status", "channel"):
        return F(group)
    if group == "month":
        return TruncMonth("received_at", tzinfo=timezone.get_default_timezone())
    raise KeyError(group)


class Median(Aggregate):
    """``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: PostgreSQL's median."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _days_to_close():
    # date_part gives a double; EXTRACT gives a numeric since PostgreSQL 14, whose arithmetic
    # and sorting made the median about a quarter slower at 1 M cases (bench/dashboards.py).
    return Func(
        F("closed_at") - F("received_at"),
        template="date_part('epoch', %(expressions)s) / 86400.0",
        output_field=FloatField(),
    )


def metric_aggregates(now: datetime | None = None, *, median: bool = True) -> dict:
    """The SQL aggregates of the raw counts, for ``.aggregate()`` or ``.annotate()``.
    ``median=False`` leaves out the median (the one aggregate that sorts: a chart that shows
    counts need not pay for it)."""
    now = now or timezone.now()
    closed = Q(status=Status.CLOSED)
    # Rows are counted by their status (never null), not their id: the id is not in the
    # figures' covering index (complaint_figures), and counting it sends every row to the
    # table (a province's 40,000 cases: 60 ms from the index alone, 770 ms by id, at 1 M).
    aggregates = {
        "complaints": Count("status"),
        "closed": Count("status", filter=closed),
        "open_backlog": Count("status", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("status", filter=overdue_q(now)),
    }
    if median:
        aggregates["median_days_to_close"] = Median(
            _days_to_close(), filter=closed & Q(closed_at__isnull=False)
        )
    return aggregates


def derive(row: dict, *, population: int | None = None) -> dict:
    """The metrics people read from a row of raw counts (``COUNTS``), rounded for display:
    the share closed in whole per cent, days to one decimal, the rate to one decimal."""
    complaints = row.get("complaints") or 0
    closed = row.get("closed") or 0
    median = row.get("median_days_to_close")
    return {
        "complaints": complaints,
        "closed": closed,
        "open_backlog": row.get("open_backlog") or 0,
        "overdue": row.get("overdue") or 0,
        "share_closed": round(100 * closed / complaints, 1) if complaints else None,
        "median_days_to_close": round(median, 1) if median is not None else None,
        "per_10k": (
            round(10_000 * complaints / population, 2) if population and population > 0 else None
        ),
        "on_target": (
            closed * 100 >= CLOSED_SHARE_TARGET_PERCENT * complaints if complaints else None
        ),
    }


def figures(
    qs: QuerySet, *, group: str | None = None, now: datetime | None = None, median: bool = True
):
    """Raw counts of ``qs`` (complaints), in one query: a dict for the whole set, or, with
    ``group`` (province/district/subdistrict), ``{area code: counts}`` for the areas that have
    any case (an area without cases has none: callers show "no data" or zero as they mean).
    ``group`` may also be one of ``BREAKDOWNS``: ``{category id | status | channel | first day
    of the month (a date): counts}``. ``median=False``: without ``median_days_to_close``."""
    aggregates = metric_aggregates(now, median=median)
    qs = qs.order_by()
    if group is None:
        return qs.aggregate(**aggregates)
    if group in BREAKDOWNS:
        rows = qs.annotate(_group=_breakdown_expression(group)).values("_group")
        out = {}
        for row in rows.annotate(**aggregates):
            key = row.pop("_group")
            if group == "month":
                key = timezone.localtime(key).date() if timezone.is_aware(key) else key.date()
            out[key] = row
        return out
    column = GROUPS[group]
    return {row.pop(column): row for row in qs.values(column).annotate(**aggregates)}
