"""One reading of case filters from a request, for every list, map and export.

``/api/cases/`` (and its queue, inbox, backlog and overdue lists), the case list pages and the
GeoJSON export all read their query parameters here, so they cannot disagree on what a bad code
is: a code that is not 2/4/6 ASCII digits, an area that does not exist, a bbox that is not four
numbers, or a parameter the endpoint does not know, is a 400 (``InvalidInput``) naming the
parameter — never a silently ignored or truncated filter. (HackSoft's ``FilterSerializer``.)

The spatial filters keep django-rest-framework-gis's parameter names (``bbox``; ``point`` +
``dist`` as its ``DistanceToPointFilter``) but not its filter classes, which are laxer: its
module needs django-filter (not installed) to import at all; ``float()`` takes ``nan``,
``inf`` and ``1e3``; no range check, so a reversed or out-of-range box is a silent empty
result; unknown parameters are ignored; and the distance is turned into degrees averaged
between latitude and longitude (its own docstring: errors up to 25 %). Here a box is checked
(ranges, min below max), the distance is metres on the spheroid (geography ``ST_DWithin``,
after an index-friendly envelope), and each refusal names its parameter.

Filters only narrow what the jurisdiction scope gives (``complaints_visible_to``); they never
widen it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point, Polygon
from django.db.models import BooleanField, Func, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from layers.errors import InvalidInput
from layers.inputs import decimal_value, digits_code, whole_number
from layers.models import Category, Channel, ForwardTarget, Status
from layers.rules import overdue_q

# Every filter parameter, and what it holds. Endpoints take a subset (``allowed``).
AREA_PARAMS = ("province", "district", "subdistrict")
FILTER_PARAMS = (
    *AREA_PARAMS,
    "team",
    "status",
    "overdue",
    "forwarded_to",
    "category",
    "channel",
    "since",
    "until",
    "bbox",
    "point",
    "dist",
)
# Paging and ordering parameters that lists take besides the filters.
PAGING_PARAMS = ("page", "page_size")
# Time filters on the date received, as instants (not in FILTER_PARAMS: the endpoints that take
# them name them): OGC API – Features' ``datetime`` (an RFC 3339 instant or interval, open ends
# ``..``) and Open311's ``start_date`` / ``end_date`` (RFC 3339 instants).
TIME_PARAMS = ("datetime", "start_date", "end_date")

_AREA_MODELS = {
    "province": (Province, 2),
    "district": (District, 4),
    "subdistrict": (Subdistrict, 6),
}
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}
# The most a bbox may span, in degrees (Thailand is about 16 × 15): a whole-world bbox is a
# mistake, not a filter.
MAX_PARAM_LENGTH = 200
# The largest ``dist`` (metres) a distance filter takes: a province's width.
MAX_DISTANCE_M = 100_000


@dataclass(frozen=True)
class CaseFilter:
    """What a list, map or export asks for, already checked."""

    province: str | None = None
    district: str | None = None
    subdistrict: str | None = None
    team: int | None = None
    statuses: tuple[str, ...] = ()
    overdue: bool | None = None
    forwarded_to: str | None = None
    category: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    # (min lon, min lat, max lon, max lat), WGS 84
    bbox: tuple[float, float, float, float] | None = None
    # (lon, lat) and metres: cases within ``dist`` metres of ``point`` (on the spheroid)
    point: tuple[float, float] | None = None
    dist: float | None = None
    # Received at or after / at or before these instants (both ends included).
    received_from: datetime | None = None
    received_to: datetime | None = None

    @property
    def province_code(self) -> str | None:
        """The province the area filter lies in (every DOPA code starts with its province's)."""
        code = self.province or self.district or self.subdistrict
        return code[:2] if code else None

    @property
    def has_area(self) -> bool:
        return bool(self.province or self.district or self.subdistrict)


def _values(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name)
    return [] if value is None else [value]


def case_filter_from_params(
    params: Mapping, *, allowed=FILTER_PARAMS, also=PAGING_PARAMS
) -> CaseFilter:
    """Read the filters ``allowed`` from query parameters; ``InvalidInput`` says what is wrong.

    ``also`` names parameters the endpoint reads itself (paging, sorting): they are not filters
    but not unknown either. Anything else is refused, so that a misspelt ``bbox`` or ``staus``
    is not silently ignored.
    """
    errors: dict[str, str] = {}
    known = set(allowed) | set(also)
    unknown = sorted(k for k in params.keys() if k not in known)
    if unknown:
        errors["params"] = _("Unknown parameter(s) %(unknown)s; this address takes: %(known)s.") % {
            "unknown": ", ".join(unknown)[:MAX_PARAM_LENGTH],
            "known": ", ".join(sorted(known)),
        }
    raw: dict[str, str] = {}
    for name in allowed:
        values = [v for v in _values(params, name) if v != ""]
        if not values:
            continue
        if name != "status" and len(values) > 1:
            errors[name] = _("Give %(name)s once.") % {"name": name}
            continue
        joined = ",".join(values)
        if len(joined) > MAX_PARAM_LENGTH:
            errors[name] = _("%(name)s is too long.") % {"name": name}
            continue
        raw[name] = joined

    found: dict = {}
    for name, reader in _READERS.items():
        if name in raw:
            try:
                found[name] = reader(raw[name], name)
            except InvalidInput as exc:
                errors.update({k: v[0] for k, v in exc.fields.items()})

    codes = [found[n] for n in AREA_PARAMS if n in found]
    for parent, child in zip(codes, codes[1:], strict=False):
        if not child.startswith(parent):
            errors["area"] = _("The area codes do not nest: %(child)s is not in %(parent)s.") % {
                "child": child,
                "parent": parent,
            }
    if "since" in found and "until" in found and found["until"] < found["since"]:
        errors["until"] = _("until is before since.")
    for given, missing in (("point", "dist"), ("dist", "point")):
        if given in raw and missing not in raw and missing not in errors:
            errors[missing] = _("point and dist go together: cases within dist metres of point.")
    if "start_date" in found and "end_date" in found and found["end_date"] < found["start_date"]:
        errors["end_date"] = _("end_date is before start_date.")
    received_from, received_to = found.get("datetime", (None, None))
    received_from = found.get("start_date", received_from)
    received_to = found.get("end_date", received_to)
    if errors:
        raise InvalidInput(errors)
    return CaseFilter(
        province=found.get("province"),
        district=found.get("district"),
        subdistrict=found.get("subdistrict"),
        team=found.get("team"),
        statuses=found.get("status", ()),
        overdue=found.get("overdue"),
        forwarded_to=found.get("forwarded_to"),
        category=found.get("category"),
        channel=found.get("channel"),
        since=found.get("since"),
        until=found.get("until"),
        bbox=found.get("bbox"),
        point=found.get("point"),
        dist=found.get("dist"),
        received_from=received_from,
        received_to=received_to,
    )


def _area(value: str, name: str) -> str:
    model, digits = _AREA_MODELS[name]
    code = digits_code(value, field=name, digits=digits)
    if not model.objects.filter(code=code).exists():
        raise InvalidInput(
            {
                name: _("There is no %(name)s with the code %(value)s.")
                % {"name": name, "value": code}
            }
        )
    return code


def _team(value: str, name: str) -> int:
    return whole_number(value, field=name, message=_("A team is given by its number."))


def _statuses(value: str, name: str) -> tuple[str, ...]:
    statuses = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in statuses if s not in Status.values]
    if unknown:
        raise InvalidInput(
            {
                name: _("Unknown status %(unknown)s; use one of %(known)s.")
                % {"unknown": ", ".join(unknown)[:60], "known": ", ".join(Status.values)}
            }
        )
    return statuses


def _boolean(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput({name: _("Use true or false.")})


def _choice(choices, message):
    def read(value: str, name: str) -> str:
        if value not in choices:
            raise InvalidInput({name: message()})
        return value

    return read


def _category(value: str, name: str) -> str:
    if not Category.objects.filter(code=value, parent__isnull=True).exists():
        raise InvalidInput({name: _("There is no main category with the code %s.") % value[:40]})
    return value


def _date(value: str, name: str) -> date:
    text = value.strip()
    try:
        if len(text) != 10:  # fromisoformat also takes 20250101 and 2025-W01-1
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            {
                name: _("%(name)s must be a date as YYYY-MM-DD (Common Era), got %(value)r.")
                % {"name": name, "value": text[:20]}
            }
        ) from None


def _bbox(value: str, name: str) -> tuple[float, float, float, float]:
    parts = value.split(",")
    message = _(
        "bbox is four numbers: min longitude, min latitude, max longitude, max latitude "
        "(WGS 84), e.g. 104.5,16.3,104.9,16.7."
    )
    if len(parts) != 4:
        raise InvalidInput({name: message})
    try:
        min_lon = decimal_value(parts[0], field=name, low=-180, high=180)
        min_lat = decimal_value(parts[1], field=name, low=-90, high=90)
        max_lon = decimal_value(parts[2], field=name, low=-180, high=180)
        max_lat = decimal_value(parts[3], field=name, low=-90, high=90)
    except InvalidInput:
        raise InvalidInput({name: message}) from None
    if min_lon >= max_lon or min_lat >= max_lat:
        raise InvalidInput({name: _("bbox: the minimum must be below the maximum.")})
    return (min_lon, min_lat, max_lon, max_lat)


def _point(value: str, name: str) -> tuple[float, float]:
    parts = value.split(",")
    message = _("point is a longitude and a latitude (WGS 84), e.g. 104.72,16.54.")
    if len(parts) != 2:
        raise InvalidInput({name: message})
    try:
        lon = decimal_value(parts[0], field=name, low=-180, high=180)
        lat = decimal_value(parts[1], field=name, low=-90, high=90)
    except InvalidInput:
        raise InvalidInput({name: message}) from None
    return (lon, lat)


def _distance(value: str, name: str) -> float:
    message = _("dist is a distance in metres, more than 0 and at most %(max)d.") % {
        "max": MAX_DISTANCE_M
    }
    try:
        metres = decimal_value(value, field=name, low=0, high=MAX_DISTANCE_M)
    except InvalidInput:
        raise InvalidInput({name: message}) from None
    if metres <= 0:
        raise InvalidInput({name: message})
    return metres


# RFC 3339 section 5.6: a date-time carries its offset (or Z); fractions of a second allowed.
_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_OPEN_END = ("", "..")


def rfc3339_instant(value: str, name: str, *, end_of_day: bool = False) -> datetime:
    """An RFC 3339 date-time with its offset (``2025-01-31T09:00:00+07:00``, ``…Z``), or a
    full date (``2025-01-31``: the day in Bangkok, its first instant or with ``end_of_day``
    its last); ``InvalidInput`` naming ``name`` otherwise."""
    text = value.strip()
    try:
        if _FULL_DATE.fullmatch(text):
            day = date.fromisoformat(text)
            if end_of_day:
                instant = _day_start(day + timedelta(days=1)) - timedelta(microseconds=1)
            else:
                instant = _day_start(day)
        else:
            match = _RFC3339.fullmatch(text)
            if match is None:
                raise ValueError
            day, clock, fraction, offset = match.groups()
            offset = "+00:00" if offset in ("Z", "z") else offset
            # Python keeps microseconds: a longer fraction is cut, not refused.
            instant = datetime.fromisoformat(f"{day}T{clock}{(fraction or '')[:7]}{offset}")
        instant.astimezone(UTC)  # the database compares in UTC: year 1 or 9999 may not fit
        return instant
    except (ValueError, OverflowError):
        raise InvalidInput(
            {
                name: _(
                    "%(name)s must be an RFC 3339 date-time with its time zone, e.g. "
                    "2025-01-31T09:00:00+07:00 or 2025-01-31T02:00:00Z (or a date, "
                    "2025-01-31); got %(value)r."
                )
                % {"name": name, "value": text[:40]}
            }
        ) from None


def datetime_interval(value: str, name: str) -> tuple[datetime | None, datetime | None]:
    """OGC API – Features' ``datetime``: an instant, or an interval ``start/end`` whose open
    end is ``..`` or empty; both ends included. A date alone is its whole day (Bangkok)."""
    text = value.strip()
    if "/" not in text:
        if text in _OPEN_END:
            raise InvalidInput({name: _("datetime: give an instant or an interval start/end.")})
        return (
            rfc3339_instant(text, name),
            rfc3339_instant(text, name, end_of_day=bool(_FULL_DATE.fullmatch(text))),
        )
    parts = text.split("/")
    if len(parts) != 2:
        raise InvalidInput({name: _("datetime: an interval has one slash, start/end.")})
    start_text, end_text = (p.strip() for p in parts)
    start = None if start_text in _OPEN_END else rfc3339_instant(start_text, name)
    end = None if end_text in _OPEN_END else rfc3339_instant(end_text, name, end_of_day=True)
    if start is not None and end is not None and end < start:
        raise InvalidInput({name: _("datetime: the interval ends before it starts.")})
    return start, end


def _instant(value: str, name: str) -> datetime:
    return rfc3339_instant(value, name, end_of_day=name == "end_date")


_READERS = {
    "province": _area,
    "district": _area,
    "subdistrict": _area,
    "team": _team,
    "status": _statuses,
    "overdue": _boolean,
    "forwarded_to": _choice(
        ForwardTarget.values,
        lambda: _("forwarded_to is one of: %s.") % ", ".join(ForwardTarget.values),
    ),
    "category": _category,
    "channel": _choice(
        Channel.values, lambda: _("channel is one of: %s.") % ", ".join(Channel.values)
    ),
    "since": _date,
    "until": _date,
    "bbox": _bbox,
    "point": _point,
    "dist": _distance,
    "datetime": datetime_interval,
    "start_date": _instant,
    "end_date": _instant,
}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def case_filter_apply(qs: QuerySet, filters: CaseFilter, *, now: datetime | None = None):
    """Narrow a queryset of complaints (already scoped) by the filters."""
    f = filters
    if f.province:
        qs = qs.filter(province_id=f.province)
    if f.district:
        qs = qs.filter(district_id=f.district)
    if f.subdistrict:
        qs = qs.filter(subdistrict_id=f.subdistrict)
    if f.team is not None:
        qs = qs.filter(assigned_team_id=f.team)
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.forwarded_to:
        qs = qs.filter(forwarded_to=f.forwarded_to)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.since:
        qs = qs.filter(received_at__gte=_day_start(f.since))
    if f.until:  # the whole day of ``until`` (Bangkok)
        qs = qs.filter(received_at__lt=_day_start(f.until + timedelta(days=1)))
    if f.received_from:
        qs = qs.filter(received_at__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_at__lte=f.received_to)
    if f.bbox:
        # The GiST index on location answers ST_Intersects; a point on the box's edge is in.
        box = Polygon.from_bbox(f.bbox)
        box.srid = 4326
        qs = qs.filter(location__intersects=box)
    if f.point is not None and f.dist is not None:
        qs = _within(qs, f.point, f.dist)
    if f.overdue is not None:
        q = overdue_q(now or timezone.now())
        qs = qs.filter(q) if f.overdue else qs.exclude(q)
    return qs


def _geography(expression):
    return Cast(expression, output_field=PointField(srid=4326, geography=True))


def _within(qs: QuerySet, point: tuple[float, float], metres: float) -> QuerySet:
    """Cases within ``metres`` of ``point`` on the spheroid. A box around the circle first
    (a little larger than it: 110 km per degree of latitude, and of longitude at the circle's
    edge nearest a pole), which the GiST index on location answers; then the exact
    ``ST_DWithin`` on geography for the rows inside the box."""
    lon, lat = point
    dlat = metres / 110_000
    edge = min(89.0, abs(lat) + dlat)
    dlon = min(180.0, metres / (110_000 * math.cos(math.radians(edge))))
    box = Polygon.from_bbox(
        (
            max(-180.0, lon - dlon),
            max(-90.0, lat - dlat),
            min(180.0, lon + dlon),
            min(90.0, lat + dlat),
        )
    )
    box.srid = 4326
    centre = Value(Point(lon, lat, srid=4326), output_field=PointField(srid=4326))
    near = Func(
        _geography("location"),
        _geography(centre),
        Value(metres),
        function="ST_DWithin",
        output_field=BooleanField(),
    )
    return qs.filter(location__intersects=box).filter(near)
