"""Complaints as map data: points for map pages and RFC 7946 GeoJSON for exports.

Everything here starts from ``complaints_visible_to`` (the one jurisdiction rule) and reads only
the public columns in ``PUBLIC_FIELDS``: no complainant, accused party, description or other
free text ever leaves through a map or an export, whatever the role. The GeoJSON generator
streams from a server-side cursor so that a national export of millions of rows runs in
constant memory; OGC API Features and vector tiles (a later issue) reuse
``complaint_public_rows`` with their own paging and output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, FloatField, Func, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from layers.models import Status
from layers.selectors.scope import complaints_visible_to, officer_covers_province

# The only complaint columns maps and exports read (no personal data, no free text: the
# description, subject, place note and "Other" sub-category words may all name people).
PUBLIC_FIELDS = (
    "tracking_no",
    "lon",
    "lat",
    "province_code",
    "district_code",
    "subdistrict_code",
    "category_code",
    "category_name_th",
    "category_name_en",
    "subcategory_code",
    "subcategory_name_th",
    "subcategory_name_en",
    "channel",
    "status",
    "received_at",
    "closed_at",
)

# Decimal places of exported coordinates: 6 is about 0.1 m, RFC 7946 section 11.2's advice.
COORDINATE_PRECISION = 6


@dataclass(frozen=True)
class ComplaintFilter:
    """Which complaints a map or an export asks for. Narrows the officer's scope, never widens it."""

    province: str | None = None
    district: str | None = None
    subdistrict: str | None = None
    statuses: tuple[str, ...] = ()
    since: date | None = None

    @property
    def province_code(self) -> str | None:
        """The province the filter lies in (every DOPA code starts with its province's)."""
        code = self.province or self.district or self.subdistrict
        return code[:2] if code else None


def complaint_filter_from_params(params: Mapping[str, str]) -> ComplaintFilter:
    """Read ``province``, ``district``, ``subdistrict``, ``status`` (comma-separated) and
    ``since`` (YYYY-MM-DD) from query parameters; ``ValidationError`` says what is wrong.

    At least one area is required: a request without one would be a national export, which
    must be asked for on purpose (a later issue), not by forgetting a parameter.
    """
    errors: dict[str, str] = {}
    codes = {}
    for name, model, digits in (
        ("province", Province, 2),
        ("district", District, 4),
        ("subdistrict", Subdistrict, 6),
    ):
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if len(value) != digits or not value.isdigit():
            errors[name] = _("%(name)s must be a %(digits)d-digit DOPA code, got %(value)r.") % {
                "name": name,
                "digits": digits,
                "value": value,
            }
        elif not model.objects.filter(code=value).exists():
            errors[name] = _("There is no %(name)s with the code %(value)s.") % {
                "name": name,
                "value": value,
            }
        else:
            codes[name] = value
    if not errors and not codes:
        errors["province"] = _(
            "Give an area: province=<2 digits>, district=<4 digits> or subdistrict=<6 digits>."
        )
    # Every code starts with its parent's, so nesting is a prefix check.
    nested = [codes[n] for n in ("province", "district", "subdistrict") if n in codes]
    for parent, child in zip(nested, nested[1:], strict=False):
        if not child.startswith(parent):
            errors["area"] = _("The area codes do not nest: %(child)s is not in %(parent)s.") % {
                "child": child,
                "parent": parent,
            }

    statuses: tuple[str, ...] = ()
    raw_status = (params.get("status") or "").strip()
    if raw_status:
        statuses = tuple(s.strip() for s in raw_status.split(",") if s.strip())
        unknown = [s for s in statuses if s not in Status.values]
        if unknown:
            errors["status"] = _("Unknown status %(unknown)s; use one of %(known)s.") % {
                "unknown": ", ".join(unknown),
                "known": ", ".join(Status.values),
            }

    since = None
    raw_since = (params.get("since") or "").strip()
    if raw_since:
        try:
            since = date.fromisoformat(raw_since)
        except ValueError:
            errors["since"] = _(
                "since must be a date as YYYY-MM-DD (Common Era), got %(value)r."
            ) % {"value": raw_since}
        else:
            if len(raw_since) != 10:  # fromisoformat also takes 20250101 and 2025-W01-1
                errors["since"] = _(
                    "since must be a date as YYYY-MM-DD (Common Era), got %(value)r."
                ) % {"value": raw_since}
    if errors:
        raise ValidationError(errors)
    return ComplaintFilter(
        province=codes.get("province"),
        district=codes.get("district"),
        subdistrict=codes.get("subdistrict"),
        statuses=statuses,
        since=since,
    )


def complaint_public_rows(*, officer, filters: ComplaintFilter) -> QuerySet:
    """The officer's complaints matching ``filters``, as dicts of ``PUBLIC_FIELDS``, unordered.

    Raises ``PermissionDenied`` when the officer's jurisdiction covers nothing of the
    filter's province (so an outsider learns "no", not "nothing there"); inside a covered
    province, the scope selector trims the rows to what the officer may see.
    """
    province = filters.province_code
    if province is not None and not officer_covers_province(officer, province):
        raise PermissionDenied(_("Your jurisdiction does not cover province %s.") % province)
    qs = complaints_visible_to(officer=officer)
    if filters.province:
        qs = qs.filter(province_id=filters.province)
    if filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.subdistrict:
        qs = qs.filter(subdistrict_id=filters.subdistrict)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.since:
        start = datetime.combine(filters.since, time.min, tzinfo=timezone.get_default_timezone())
        qs = qs.filter(received_at__gte=start)
    return (
        qs.order_by()
        .annotate(
            # ST_X/ST_Y in the query: no GEOS object per row when streaming millions.
            lon=Func(F("location"), function="ST_X", output_field=FloatField()),
            lat=Func(F("location"), function="ST_Y", output_field=FloatField()),
            province_code=F("province_id"),
            district_code=F("district_id"),
            subdistrict_code=F("subdistrict_id"),
            category_code=F("category__code"),
            category_name_th=F("category__name_th"),
            category_name_en=F("category__name_en"),
            subcategory_code=F("subcategory__code"),
            subcategory_name_th=F("subcategory__name_th"),
            subcategory_name_en=F("subcategory__name_en"),
        )
        .values(*PUBLIC_FIELDS)
    )


def _iso(value: datetime | None, tz=None) -> str | None:
    """ISO 8601 in the project's time zone (Bangkok, +07:00), as officers read dates."""
    if value is None:
        return None
    return value.astimezone(tz or timezone.get_default_timezone()).isoformat()


def complaint_feature(row: Mapping) -> dict:
    """One RFC 7946 Feature from a ``complaint_public_rows`` row ([lon, lat], WGS 84)."""
    properties = {
        name: row[name] for name in PUBLIC_FIELDS if name not in ("lon", "lat", "tracking_no")
    }
    tz = timezone.get_default_timezone()
    properties["received_at"] = _iso(row["received_at"], tz)
    properties["closed_at"] = _iso(row["closed_at"], tz)
    return {
        "type": "Feature",
        "id": row["tracking_no"],
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(row["lon"], COORDINATE_PRECISION),
                round(row["lat"], COORDINATE_PRECISION),
            ],
        },
        "properties": {"tracking_no": row["tracking_no"], **properties},
    }


def complaint_geojson_chunks(
    *, officer, filters: ComplaintFilter, chunk_size: int = 2000
) -> Iterator[str]:
    """A FeatureCollection as text pieces, for a streaming response.

    Rows come from a server-side cursor (``QuerySet.iterator``; Django declares it WITH HOLD
    in autocommit), ``chunk_size`` at a time, so memory stays flat however many rows match.
    The scope check runs before the first piece is produced, so ``PermissionDenied`` still
    becomes a 403 rather than a broken stream: call ``next()`` once before streaming, or use
    ``complaint_geojson_stream``.
    """
    rows = complaint_public_rows(officer=officer, filters=filters)
    # No "crs" member: RFC 7946 coordinates are always WGS 84 longitude, latitude.
    yield '{"type":"FeatureCollection","features":['
    first = True
    buffer: list[str] = []
    for row in rows.iterator(chunk_size=chunk_size):
        text = json.dumps(complaint_feature(row), ensure_ascii=False, separators=(",", ":"))
        buffer.append(text if first else "," + text)
        first = False
        if len(buffer) >= chunk_size:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)
    yield "]}"


def complaint_geojson_stream(*, officer, filters: ComplaintFilter) -> Iterator[str]:
    """``complaint_geojson_chunks`` with its permission check already done."""
    chunks = complaint_geojson_chunks(officer=officer, filters=filters)
    head = next(chunks)  # builds the queryset: PermissionDenied is raised here, not mid-stream

    def stream():
        yield head
        yield from chunks

    return stream()


def complaint_map_points(*, officer, province: str, limit: int) -> tuple[list[dict], int]:
    """The officer's complaints in ``province`` for a map page: the ``limit`` most recently
    received rows (``PUBLIC_FIELDS``) and the total count, so the page can say what it left
    out. Uses the (province, received_at) index."""
    rows = complaint_public_rows(officer=officer, filters=ComplaintFilter(province=province))
    total = rows.count()
    return list(rows.order_by("-received_at")[:limit]), total
