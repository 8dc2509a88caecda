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
from datetime import datetime

from django.db.models import F, FloatField, Func, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.errors import Forbidden, InvalidInput
from layers.policy import require_fields, viewer_for
from layers.selectors.filters import (
    FILTER_PARAMS,
    CaseFilter,
    case_filter_apply,
    case_filter_from_params,
)
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


# What the GeoJSON export takes: the case filters (one parser with the case lists), at least one
# area (a national export must be asked for on purpose, not by forgetting a parameter).
EXPORT_PARAMS = tuple(p for p in FILTER_PARAMS if p not in ("team", "overdue", "forwarded_to"))


def export_filter_from_params(params: Mapping) -> CaseFilter:
    """The export's filters from query parameters; ``InvalidInput`` says what is wrong."""
    filters = case_filter_from_params(params, allowed=EXPORT_PARAMS, also=())
    if not filters.has_area:
        raise InvalidInput(
            {
                "province": _(
                    "Give an area: province=<2 digits>, district=<4 digits> or "
                    "subdistrict=<6 digits>."
                )
            }
        )
    return filters


def complaint_public_rows(*, officer, filters: CaseFilter) -> QuerySet:
    """The officer's complaints matching ``filters``, as dicts of ``PUBLIC_FIELDS``, unordered.

    Raises ``Forbidden`` when the officer's jurisdiction covers nothing of the
    filter's province (so an outsider learns "no", not "nothing there"); inside a covered
    province, the scope selector trims the rows to what the officer may see.
    """
    province = filters.province_code
    if province is not None and not officer_covers_province(officer, province):
        raise Forbidden(_("Your jurisdiction does not cover province %s.") % province)
    require_fields(viewer_for(officer), "export", PUBLIC_FIELDS)
    qs = case_filter_apply(complaints_visible_to(officer=officer), filters)
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
    *, officer, filters: CaseFilter, chunk_size: int = 2000
) -> Iterator[str]:
    """A FeatureCollection as text pieces, for a streaming response.

    Rows come from a server-side cursor (``QuerySet.iterator``; Django declares it WITH HOLD
    in autocommit), ``chunk_size`` at a time, so memory stays flat however many rows match.
    The scope check runs before the first piece is produced, so ``Forbidden`` still
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


def complaint_geojson_stream(*, officer, filters: CaseFilter) -> Iterator[str]:
    """``complaint_geojson_chunks`` with its permission check already done."""
    chunks = complaint_geojson_chunks(officer=officer, filters=filters)
    head = next(chunks)  # builds the queryset: Forbidden is raised here, not mid-stream

    def stream():
        yield head
        yield from chunks

    return stream()


def complaint_map_points(*, officer, province: str, limit: int) -> tuple[list[dict], int]:
    """The officer's complaints in ``province`` for a map page: the ``limit`` most recently
    received rows (``PUBLIC_FIELDS``) and the total count, so the page can say what it left
    out. Uses the (province, received_at) index."""
    rows = complaint_public_rows(officer=officer, filters=CaseFilter(province=province))
    total = rows.count()
    return list(rows.order_by("-received_at")[:limit]), total
