"""Reads for the sub-district team's phone page: "my cases" as a list and as map points.

"My cases" are the cases assigned to the officer's teams, inside what the jurisdiction scope
(``complaints_visible_to``) lets them see. Open cases come first; a few recently closed ones
follow so that a team sees what it just finished.

Distances are computed by PostGIS on the geography type (``ST_Distance(a::geography,
b::geography)``: metres on the WGS 84 spheroid), not in the browser, so that "nearest first" is
the database's ORDER BY and the list can be cut at a limit.
"""

from __future__ import annotations

from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point
from django.db.models import Case, Count, F, FloatField, Func, Q, QuerySet, Value, When, Window
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from boundaries.selectors import without_geoms
from layers.models import Complaint, Role, Status, Team
from layers.rules import is_overdue_row, overdue_q
from layers.selectors.scope import complaints_visible_to, jurisdiction_for
from layers.thaidate import date_label, format_be_date

OPEN_LIMIT = 200  # a team with more open cases than this has a bigger problem than a list
CLOSED_LIMIT = 20
MAP_LIMIT = 1000
SORTS = ("oldest", "nearest")


def officer_team_ids(officer) -> frozenset[int]:
    """The active teams the officer is a member of (as a team member role)."""
    j = jurisdiction_for(officer)
    return j.team_ids if Role.TEAM_MEMBER in j.roles else frozenset()


def officer_teams(*, officer) -> list[Team]:
    teams = Team.objects.filter(pk__in=officer_team_ids(officer))
    return list(without_geoms(teams, "subdistrict", "district"))


def team_cases(*, officer) -> QuerySet:
    """Every case of the officer's teams that the scope lets them see (open and closed)."""
    team_ids = officer_team_ids(officer)
    if not team_ids:
        return Complaint.objects.none()
    return complaints_visible_to(officer=officer).filter(assigned_team_id__in=team_ids)


def _geography(expression):
    return Cast(expression, output_field=PointField(srid=4326, geography=True))


def geography_distance(point: Point):
    """Metres from the case's incident point to ``point``, on the spheroid (geography)."""
    return Func(
        _geography("location"),
        _geography(Value(point, output_field=PointField(srid=4326))),
        function="ST_Distance",
        output_field=FloatField(),
    )


_LIST_FIELDS = (
    "id",
    "tracking_no",
    "version",
    "status",
    "title",
    "category_name",
    "subcategory_name",
    "subcategory_text",
    "subdistrict_name",
    "received_at",
    "due_at",
    "lat",
    "lon",
    "distance_m",
)


def _list_queryset(qs: QuerySet, near: Point | None, extra: tuple = ()) -> QuerySet:
    return qs.annotate(
        category_name=F("category__name_th"),
        subcategory_name=F("subcategory__name_th"),
        subdistrict_name=F("subdistrict__name_th"),
        lat=Func("location", function="ST_Y", output_field=FloatField()),
        lon=Func("location", function="ST_X", output_field=FloatField()),
        distance_m=geography_distance(near) if near is not None else Value(None, FloatField()),
    ).values(*_LIST_FIELDS, *extra)


def team_case_list_querysets(
    *, officer, near: Point | None = None, sort: str = "oldest"
) -> tuple[QuerySet, QuerySet]:
    """The two queries behind "my cases": open cases (nearest or oldest first) and recently
    closed ones (latest first). Exposed apart from ``team_case_list`` for the benchmark."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    if sort == "nearest" and near is None:
        sort = "oldest"
    base = team_cases(officer=officer)
    # Served by the partial index complaint_team_open (assigned_team, received_at) WHERE open.
    # The total comes with the rows (a window over the whole filtered set, before the LIMIT)
    # rather than from a second COUNT query.
    open_qs = _list_queryset(
        base.filter(~Q(status=Status.CLOSED)).annotate(open_total=Window(Count("id"))),
        near,
        extra=("open_total",),
    )
    if sort == "nearest":
        open_qs = open_qs.order_by("distance_m", "received_at", "id")
    else:
        open_qs = open_qs.order_by("received_at", "id")
    latest_closed = F("closed_at").desc(nulls_last=True), "-id"
    # The latest closed ids first, names joined for those 20 only: a busy team has thousands
    # of closed cases, and joining every one before the LIMIT cost ~30 ms at 1 M complaints.
    closed_ids = (
        base.filter(status=Status.CLOSED).order_by(*latest_closed).values("id")[:CLOSED_LIMIT]
    )
    closed_qs = _list_queryset(Complaint.objects.filter(pk__in=closed_ids), near).order_by(
        *latest_closed
    )
    return open_qs[:OPEN_LIMIT], closed_qs


def team_case_list(*, officer, near: Point | None = None, sort: str = "oldest") -> dict:
    """ "My cases": ``{"open": [...], "closed": [...], "sort": ..., "open_total": n}``; each
    case a dict with its numbers, names, position, overdue flag and distance in metres (None
    without a position)."""
    if sort == "nearest" and near is None:
        sort = "oldest"
    open_qs, closed_qs = team_case_list_querysets(officer=officer, near=near, sort=sort)
    now = timezone.now()
    team_case_labels = _Labeller()
    open_rows = list(open_qs)
    for row in open_rows:
        row["overdue"] = is_overdue_row(status=row["status"], due_at=row["due_at"], now=now)
        team_case_labels(row)
    closed_rows = list(closed_qs)
    for row in closed_rows:
        row["overdue"] = False
        team_case_labels(row)
    open_total = open_rows[0].pop("open_total") if open_rows else 0
    for row in open_rows[1:]:
        del row["open_total"]
    return {"open": open_rows, "closed": closed_rows, "sort": sort, "open_total": open_total}


def distance_label(metres: float | None) -> str:
    """Metres as people read them: "850 m" under a kilometre, else "12.3 km"."""
    return _Labeller().distance(metres)


class _Labeller:
    """Display strings for list rows (status, B.E. dates, distance) in the page's language,
    so that the server-rendered list and the one the phone's script redraws from the API read
    the same. Translations are looked up once per list, not per row: per-row gettext was a
    third of the selector's time on a 200-row list."""

    def __init__(self):
        self.thai = (get_language() or "th").startswith("th")
        self.tz = timezone.get_current_timezone()
        self.statuses = {value: str(label) for value, label in Status.choices}
        self.metres, self.km = _("%(n)d m"), _("%(n).1f km")

    def date(self, value) -> str:
        if value is None:
            return ""
        if not self.thai:
            return date_label(value, "short")
        # The calendar date in Bangkok, converted here once: format_be_date would look the
        # current time zone up again for every row.
        return format_be_date(value.astimezone(self.tz).date(), short=True)

    def distance(self, metres) -> str:
        if metres is None:
            return ""
        if metres < 1000:
            return self.metres % {"n": round(metres)}
        return self.km % {"n": metres / 1000}

    def __call__(self, row: dict) -> dict:
        row["status_label"] = self.statuses.get(row["status"], row["status"])
        row["received_label"] = self.date(row["received_at"])
        row["due_label"] = self.date(row["due_at"])
        row["distance_label"] = self.distance(row["distance_m"])
        return row


def team_case_map_queryset(*, officer) -> QuerySet:
    """Open cases of the officer's teams as bare points for the map (oldest first)."""
    now = timezone.now()
    return (
        team_cases(officer=officer)
        .filter(~Q(status=Status.CLOSED))
        .annotate(
            lat=Func("location", function="ST_Y", output_field=FloatField()),
            lon=Func("location", function="ST_X", output_field=FloatField()),
            overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False)),
            label=Coalesce(Func(F("title"), Value(""), function="NULLIF"), F("category__name_th")),
        )
        .order_by("received_at", "id")
        .values_list("tracking_no", "status", "label", "overdue", "lon", "lat")[:MAP_LIMIT]
    )


def team_case_map(*, officer) -> dict:
    """The map data: a GeoJSON FeatureCollection of the team's open cases (no personal data)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": tracking_no,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "tracking_no": tracking_no,
                    "status": status,
                    "label": label,
                    "overdue": overdue,
                },
            }
            for tracking_no, status, label, overdue, lon, lat in team_case_map_queryset(
                officer=officer
            )
        ],
    }
