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

**As of a moment** (month-end snapshots, ``complaints_as_of``): the same metrics computed on
the state each case had then, read from its append-only history (``ComplaintHistory``: a
case's status at T is the ``to_status`` of its last row before T), so that a late run or a
re-run after edits gives the month-end truth. The month's figures (``month_end_aggregates``):

* ``complaints`` — cases received in the month (by ``received_at``) that the system held at
  its end (recorded by then: a case recorded later with an earlier date received is in the
  live statistics, not in a closed month — the department reads the figures "as at the end of
  the month", seed 001);
* ``closed`` / ``median_days_to_close`` — of those, closed at the month's end, and how long
  they took;
* ``open_backlog`` / ``overdue`` — every case open (overdue) at the month's end, whenever it
  was received: the backlog the department chases (seed 004).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from layers.models import OPEN_STATUSES, ComplaintHistory, HistoryKind, Status
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
    # Not areas: the statistics pages' breakdowns.
    "category": "category_id",
    "status": "status",
}
# The month received (Bangkok time), for trends: ``figures(qs, group="month")``.
MONTH = "month"
# Other ways to break the figures down (charts): the main category (its id), the status, the
# channel, and the month received (its first day, Bangkok time).
BREAKDOWNS = ("category", "status", "channel", MONTH)

# The fields a case's state is read from: its own (now), or the state it had at an earlier
# moment, annotated by ``complaints_as_of``.
LIVE = {"status": "status", "closed_at": "closed_at", "due_at": "due_at"}
THEN = {"status": "status_then", "closed_at": "closed_at_then", "due_at": "due_at_then"}


def _breakdown_expression(group: str):
    if group == "category":
        return F("category_id")
    if group in ("status", "channel"):
        return F(group)
    if group == MONTH:
        return TruncMonth("received_at", tzinfo=timezone.get_default_timezone())
    raise KeyError(group)


class Median(Aggregate):
    """``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: PostgreSQL's median."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _days_to_close(closed_at: str = "closed_at"):
    # date_part gives a double; EXTRACT gives a numeric since PostgreSQL 14, whose arithmetic
    # and sorting made the median about a quarter slower at 1 M cases (bench/dashboards.py).
    return Func(
        F(closed_at) - F("received_at"),
        template="date_part('epoch', %(expressions)s) / 86400.0",
        output_field=FloatField(),
    )


def metric_aggregates(
    now: datetime | None = None,
    *,
    state: dict = LIVE,
    received: Q | None = None,
    median: bool = True,
) -> dict:
    """The SQL aggregates of the raw counts, for ``.aggregate()`` or ``.annotate()``.

    ``state``: where each case's status, closing time and due date are read (``LIVE``, or
    ``THEN`` on ``complaints_as_of``). ``received``: when given, ``complaints``, ``closed`` and
    the median count only the cases it matches (received in the period), while
    ``open_backlog`` and ``overdue`` count the whole set (every case open at ``now``).
    ``median=False`` leaves out the median (the one aggregate that sorts: a chart that shows
    counts need not pay for it).
    """
    now = now or timezone.now()
    status, closed_at = state["status"], state["closed_at"]
    closed = Q(**{status: Status.CLOSED})
    if received is not None:
        closed &= received
    # Rows are counted by their status (never null), not their id: the id is not in the
    # figures' covering index (complaint_figures), and counting it sends every row to the
    # table (a province's 40,000 cases: 60 ms from the index alone, 770 ms by id, at 1 M).
    aggregates = {
        "complaints": Count(status, filter=received) if received is not None else Count(status),
        "closed": Count(status, filter=closed),
        "open_backlog": Count(status, filter=Q(**{f"{status}__in": OPEN_STATUSES})),
        "overdue": Count(status, filter=overdue_q(now, status=status, due_at=state["due_at"])),
    }
    if median:
        aggregates["median_days_to_close"] = Median(
            _days_to_close(closed_at), filter=closed & Q(**{f"{closed_at}__isnull": False})
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
            if group == MONTH:
                key = timezone.localtime(key).date() if timezone.is_aware(key) else key.date()
            out[key] = row
        return out
    column = GROUPS[group]
    return {row.pop(column): row for row in qs.values(column).annotate(**aggregates)}


# --- The backlog's age ---------------------------------------------------------------------

# Open cases by days since received: [low, high) in days, high None = no upper bound.
AGE_BANDS = (
    ("lt30", 0, 30),
    ("d30_60", 30, 60),
    ("d60_90", 60, 90),
    ("gt90", 90, None),
)


def backlog_age_profile(qs: QuerySet, *, now: datetime | None = None) -> dict:
    """The open cases of ``qs`` by age band (``AGE_BANDS``, days since received) and how many
    of them are overdue, in one query: ``{"lt30": n, …, "open_backlog": n, "overdue": n}``."""
    now = now or timezone.now()
    is_open = Q(status__in=OPEN_STATUSES)
    aggregates = {"open_backlog": Count("id", filter=is_open)}
    for key, low, high in AGE_BANDS:
        band = is_open & Q(received_at__lte=now - timedelta(days=low))
        if high is not None:
            band &= Q(received_at__gt=now - timedelta(days=high))
        aggregates[key] = Count("id", filter=band)
    aggregates["overdue"] = Count("id", filter=overdue_q(now))
    return qs.order_by().aggregate(**aggregates)


# --- As of a moment: the month-end figures ---------------------------------------------------


def complaints_as_of(qs: QuerySet, at: datetime) -> QuerySet:
    """The cases of ``qs`` that the system held at ``at`` (recorded before it), each annotated
    with the state it had then, from its append-only history — rows strictly before ``at``
    (``at`` is the first instant of the next month: a change at midnight belongs to it):

    * ``status_then``: the ``to_status`` of its last row;
    * ``closed_at_then``: the time of its last closing row (read where ``status_then`` is
      closed);
    * ``due_at_then``: the due date then. The case's own ``due_at`` was set at its last start
      (received, or reopened: ``layers.rules``); if it was reopened after ``at``, the due date
      then ran from the start before, for the same number of days (its category's SLA).
    """
    rows = ComplaintHistory.objects.filter(complaint=OuterRef("pk"), at__lt=at).order_by(
        "-at", "-id"
    )
    reopened = ComplaintHistory.objects.filter(
        complaint=OuterRef("pk"), kind=HistoryKind.REOPENED
    ).order_by("-at", "-id")
    start_now = Coalesce(Subquery(reopened.values("at")[:1]), F("received_at"))
    start_then = Coalesce(Subquery(reopened.filter(at__lt=at).values("at")[:1]), F("received_at"))
    return qs.annotate(
        status_then=Subquery(rows.exclude(to_status="").values("to_status")[:1]),
        closed_at_then=Subquery(rows.filter(kind=HistoryKind.CLOSED).values("at")[:1]),
        due_at_then=ExpressionWrapper(
            F("due_at") - start_now + start_then, output_field=DateTimeField()
        ),
    ).filter(status_then__isnull=False)


def month_end_candidates(qs: QuerySet, *, start: datetime, end: datetime) -> QuerySet:
    """The cases that can count in the month ``[start, end)``: received in it, or possibly open
    at its end — open now, or changed since (a case closed before the end and untouched since
    was closed then). Narrows the set before the history is read for each case."""
    changed_since = ComplaintHistory.objects.filter(complaint=OuterRef("pk"), at__gte=end)
    return qs.filter(
        Q(received_at__gte=start, received_at__lt=end)
        | Q(status__in=OPEN_STATUSES)
        | Exists(changed_since)
    )


def month_end_figures(
    qs: QuerySet, *, start: datetime, end: datetime, group: str | None = None, by_category=False
):
    """The month's raw counts (``COUNTS``) as the system held them at its end, in one query:
    a dict for the whole set, or ``{area code: counts}`` with ``group``, keyed by
    ``(area code, category id)`` with ``by_category`` (areas and categories without any case
    have no row)."""
    then = complaints_as_of(month_end_candidates(qs, start=start, end=end), end).order_by()
    aggregates = metric_aggregates(
        end, state=THEN, received=Q(received_at__gte=start, received_at__lt=end)
    )
    columns = ([GROUPS[group]] if group else []) + (["category_id"] if by_category else [])
    if not columns:
        return then.aggregate(**aggregates)
    out = {}
    for row in then.values(*columns).annotate(**aggregates):
        key = tuple(row.pop(c) for c in columns)
        out[key[0] if len(key) == 1 else key] = row
    return out
