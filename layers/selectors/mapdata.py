"""Complaints as map data: points for map pages and the RFC 7946 GeoJSON export stream.

Everything here starts from ``complaints_visible_to`` (the one jurisdiction rule). Map points
read only the public columns in ``PUBLIC_FIELDS``: no complainant, accused party, description
or other free text ever reaches a map, whatever the role. The GeoJSON export takes its
columns, its SQL and its parameters from ``layers.selectors.exports`` (personal columns only
on request and only for entitled roles) and streams from a server-side cursor so that a
national export of millions of rows runs in constant memory; OGC API Features reuses
``complaint_public_rows`` with its own paging and output.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.db.models import F, FloatField, Func, QuerySet
from django.utils.translation import gettext as _

from layers.errors import Forbidden
from layers.policy import require_fields, viewer_for
from layers.selectors.exports import (
    EXPORT_FILTERS,
    ExportRequest,
    export_request_from_params,
    export_row_batches,
    geojson_sql,
)
from layers.selectors.filters import CaseFilter, case_filter_apply
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

# The case filters the exports take (kept here for callers of the first export).
EXPORT_PARAMS = EXPORT_FILTERS


def export_filter_from_params(params: Mapping) -> CaseFilter:
    """The export's filters from query parameters (at least one area); ``InvalidInput`` says
    what is wrong. ``layers.selectors.exports.export_request_from_params`` reads the export's
    own parameters too (``area=all``, ``personal``)."""
    return export_request_from_params(params).filters


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


def complaint_geojson_chunks(*, officer, request: ExportRequest) -> Iterator[str]:
    """A FeatureCollection as text pieces, for a streaming response.

    Each feature is built by PostgreSQL (``layers.selectors.exports.geojson_sql``) and read
    from a server-side cursor a batch at a time, so memory stays flat however many rows
    match. The permission check runs before the first piece is produced, so ``Forbidden``
    still becomes a 403 rather than a broken stream: call ``next()`` once before streaming, or
    use ``complaint_geojson_stream``.
    """
    sql, params = geojson_sql(officer=officer, request=request)
    # No "crs" member: RFC 7946 coordinates are always WGS 84 longitude, latitude.
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    for rows in export_row_batches(sql, params):
        yield separator + ",".join([row[0] for row in rows])
        separator = ","
    yield "]}"


def complaint_geojson_stream(*, officer, request: ExportRequest) -> Iterator[str]:
    """``complaint_geojson_chunks`` with its permission check already done."""
    chunks = complaint_geojson_chunks(officer=officer, request=request)
    head = next(chunks)  # builds the statement: Forbidden is raised here, not mid-stream

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
