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

import json
from collections.abc import Iterator, Mapping

from django.db import connection, transaction
from django.db.models import F, FloatField, Func, QuerySet
from django.utils.translation import gettext as _

from layers import metrics
from layers.errors import Forbidden, InvalidInput
from layers.inputs import whole_number
from layers.models import Complaint
from layers.policy import require_fields, shape, viewer_for
from layers.selectors.exports import (
    EXPORT_FILTERS,
    ExportRequest,
    export_request_from_params,
    export_row_batches,
    geojson_sql,
)
from layers.selectors.filters import CaseFilter, case_filter_apply, case_filter_from_params
from layers.selectors.scope import (
    complaints_visible_to,
    jurisdiction_for,
    officer_covers_province,
)

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


def approximate_tracking_numbers(*, tracking_numbers) -> set[str]:
    """Which of these cases sit at their sub-district's centre (imported without coordinates,
    ``Complaint.location_approximate``): a map draws them as approximate."""
    return set(
        Complaint.objects.filter(
            tracking_no__in=list(tracking_numbers), location_approximate=True
        ).values_list("tracking_no", flat=True)
    )


def openable_tracking_numbers(*, officer, tracking_numbers) -> set[str]:
    """Which of these cases the officer may open (the case page asks the same scope): a map's
    popup links only to those."""
    numbers = list(tracking_numbers)
    if not numbers:
        return set()
    return set(
        complaints_visible_to(officer=officer)
        .filter(tracking_no__in=numbers)
        .values_list("tracking_no", flat=True)
    )


# --- Complaints on a square grid -----------------------------------------------------------
#
# A national map cannot ship a million points: PostgreSQL counts them on a grid of squares
# and only the occupied cells travel (their polygon and count). The grid is PostGIS's
# ST_SquareGrid in EPSG:32647 (WGS 84 / UTM zone 47N), in metres: one projection for the
# whole country, so that a cell is the same size everywhere and cells never break at a zone
# line. Thailand spans 97.3°-105.6° E, zones 47 and 48; UTM 47N's scale error at the far east
# (3.6° from its 99° E meridian) is under 0.2 %, where Web Mercator (EPSG:3857) would make a
# cell in Chiang Rai (20° N) 13 % smaller in true area than one in Narathiwat (6° N).
#
# Each case's cell is floor(x / size), floor(y / size): ST_SquareGrid's own numbering, so that
# ST_Square(size, i, j) draws it, and two operations a row, with no point-in-polygon test
# (tests/maps/test_readable_maps.py checks the counts against ST_SquareGrid with ST_Covers).
# Hexagons were tried first: their exact cell (cube rounding) costs dozens of expression
# steps a row in PostgreSQL's interpreter, about 10 times the squares' time at a million
# cases. The projected coordinates are stored with each complaint (``Complaint.grid_x``/
# ``grid_y``, generated columns, indexed with the province code): projecting on the fly costs
# about 4 µs a point in PostGIS (4 s for a million).
GRID_SRID = 32647
GRID_MIN_CELL_M = 100
GRID_MAX_CELL_M = 100_000
# The most cells a request may span (extent / cell area): a finer grid needs a smaller bbox.
GRID_MAX_CELLS = 40_000
# What the grid takes: the export's filters without the area requirement, and the cell size.
GRID_PARAMS = EXPORT_PARAMS

_GRID_SQL = """
WITH cells AS (
    SELECT floor(grid_x / %s)::int AS i, floor(grid_y / %s)::int AS j, count(*)::int AS n
    FROM ({inner}) AS scoped
    GROUP BY 1, 2
)
"""


# Memory for the GROUP BY: PostgreSQL cannot tell how few cells the floor() expressions make
# and, within the default 4 MB, sorts a million rows on disk (0.2 s for a province of 80,000
# cases) instead of hashing them into a few hundred cells (0.04 s).
GRID_WORK_MEM = "64MB"


def _run_grid_sql(sql: str, params: list) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL work_mem = '{GRID_WORK_MEM}'")
        cur.execute(sql, params)
        return cur.fetchall()


def _grid_cells_query(qs: QuerySet, cell_m: float) -> tuple[str, list]:
    inner, params = qs.order_by().values("grid_x", "grid_y").query.sql_with_params()
    return _GRID_SQL.format(inner=inner), [cell_m, cell_m, *params]


def grid_polygons_sql(qs: QuerySet, cell_m: float) -> tuple[str, list]:
    """SQL (and parameters) of the occupied cells of ``qs``'s complaints: i, j, count and the
    cell's polygon as GeoJSON in WGS 84. The bench times this very statement raw."""
    head, params = _grid_cells_query(qs, cell_m)
    sql = (
        head
        + f"""
SELECT i, j, n, ST_AsGeoJSON(
    ST_Transform(ST_SetSRID(ST_Square(%s, i, j), {GRID_SRID}), 4326), 5)
FROM cells
"""
    )
    return sql, [*params, cell_m]


def grid_centres_sql(qs: QuerySet, cell_m: float) -> tuple[str, list]:
    """SQL of the occupied cells' centres (lon, lat) and counts: the heatmap's weighted
    points."""
    head, params = _grid_cells_query(qs, cell_m)
    sql = (
        head
        + f"""
SELECT ST_X(c), ST_Y(c), n FROM (
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(
        %s * (i + 0.5), %s * (j + 0.5)), {GRID_SRID}), 4326) AS c, n
    FROM cells) AS centres
"""
    )
    return sql, [*params, cell_m, cell_m]


def grid_filter_from_params(params: Mapping) -> tuple[CaseFilter, int]:
    """The grid's filters and cell size (``cell`` in metres) from query parameters."""
    errors: dict[str, str] = {}
    cell = None
    try:
        filters = case_filter_from_params(params, allowed=GRID_PARAMS, also=("cell",))
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
        filters = None
    values = params.getlist("cell") if hasattr(params, "getlist") else [params.get("cell", "")]
    raw = values[-1] if values else ""
    if len(values) > 1:
        errors["cell"] = _("Give %(name)s once.") % {"name": "cell"}
    elif raw in ("", None):
        errors["cell"] = _("Give the cell size in metres: cell=%(low)s to %(high)s.") % {
            "low": GRID_MIN_CELL_M,
            "high": GRID_MAX_CELL_M,
        }
    else:
        message = _("cell is a whole number of metres from %(low)s to %(high)s.") % {
            "low": GRID_MIN_CELL_M,
            "high": GRID_MAX_CELL_M,
        }
        try:
            cell = whole_number(
                str(raw)[:20], field="cell", min_value=GRID_MIN_CELL_M, message=message
            )
            if cell > GRID_MAX_CELL_M:
                raise InvalidInput({"cell": message})
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
    if errors:
        raise InvalidInput(errors)
    return filters, cell


def _extent_m2(filters: CaseFilter) -> float:
    """The area (m², in the grid's projection) that the request spans: its bbox, else its
    area's polygon's box, else the country's."""
    from boundaries.models import District, Province, Subdistrict

    if filters.bbox:
        box = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        params: list = list(filters.bbox)
    else:
        for code, model in (
            (filters.subdistrict, Subdistrict),
            (filters.district, District),
            (filters.province, Province),
        ):
            if code:
                table, params = model._meta.db_table, [code]
                box = f"(SELECT ST_Envelope(geom) FROM {table} WHERE code = %s)"
                break
        else:
            box, params = (
                "(SELECT ST_Envelope(ST_Collect(ST_Envelope(geom))) FROM boundaries_province)",
                [],
            )
    with connection.cursor() as cur:
        cur.execute(f"SELECT ST_Area(ST_Envelope(ST_Transform({box}, {GRID_SRID})))", params)
        (area,) = cur.fetchone()
    return float(area or 0.0)


def grid_cell_area_m2(cell_m: float) -> float:
    return float(cell_m) * float(cell_m)


def _grid_queryset(*, officer, filters: CaseFilter) -> QuerySet:
    if jurisdiction_for(officer).is_empty:
        raise Forbidden(_("Your account has no role: ask your administrator."))
    province = filters.province_code
    if province is not None and not officer_covers_province(officer, province):
        raise Forbidden(_("Your jurisdiction does not cover province %s.") % province)
    return case_filter_apply(complaints_visible_to(officer=officer), filters)


def complaint_grid(*, officer, filters: CaseFilter, cell_m: int) -> dict:
    """The officer's complaints matching ``filters`` counted on squares of ``cell_m`` metres:
    an RFC 7946 FeatureCollection of the occupied cells, each with its ``i``, ``j`` (PostGIS's
    ST_SquareGrid cell numbers) and ``count``; ``total`` is their sum.

    Raises ``Forbidden`` for an outsider or a province the officer has nothing of, and
    ``InvalidInput`` when the cells would be too many for the extent (``GRID_MAX_CELLS``).
    """
    qs = _grid_queryset(officer=officer, filters=filters)
    cells = _extent_m2(filters) / grid_cell_area_m2(cell_m)
    if cells > GRID_MAX_CELLS:
        raise InvalidInput(
            {
                "cell": _(
                    "Cells of %(cell)s m over this extent would be about %(n)s; give a larger "
                    "cell or a smaller bbox (at most %(max)s cells)."
                )
                % {"cell": cell_m, "n": f"{int(cells):,}", "max": f"{GRID_MAX_CELLS:,}"}
            }
        )
    sql, params = grid_polygons_sql(qs, cell_m)
    # Ordered here, not in SQL: an ORDER BY makes the planner group by sorting all the rows.
    rows = sorted(_run_grid_sql(sql, params))
    viewer = viewer_for(officer)
    features = [
        {
            "type": "Feature",
            "id": f"{i}:{j}",
            "geometry": json.loads(geometry),
            "properties": shape(viewer, "grid", {"i": i, "j": j, "count": n}),
        }
        for i, j, n, geometry in rows
    ]
    return {
        "type": "FeatureCollection",
        **shape(
            viewer,
            "grid",
            {"cell_m": cell_m, "srid": GRID_SRID, "total": sum(r[2] for r in rows)},
        ),
        "features": features,
    }


def complaint_heat(*, officer, filters: CaseFilter, cell_m: int = 200) -> list[list[float]]:
    """The heatmap's points for the officer's complaints matching ``filters``: every case,
    counted on squares of ``cell_m`` metres, as [lat, lon, count] of each occupied cell's
    centre (at a province's zoom a 200 m cell is a pixel or two)."""
    qs = _grid_queryset(officer=officer, filters=filters)
    sql, params = grid_centres_sql(qs, cell_m)
    return [[round(lat, 5), round(lon, 5), n] for lon, lat, n in _run_grid_sql(sql, params)]


def area_figures(*, officer, level: str, filters: CaseFilter | None = None) -> dict[str, dict]:
    """The figures of each area of ``level`` (``layers.metrics``: counts, share closed, backlog,
    overdue, median days, per 10,000 residents) over the officer's complaints matching
    ``filters``, shaped by the policy (namespace ``maparea``): {area code: figures}. Areas
    without a case are missing (the popup says "no cases")."""
    from boundaries.models import District, Province, Subdistrict

    qs = complaints_visible_to(officer=officer)
    if filters is not None:
        qs = case_filter_apply(qs, filters)
    rows = metrics.figures(qs, group=level)
    model = {"province": Province, "district": District, "subdistrict": Subdistrict}[level]
    population = dict(model.objects.filter(code__in=list(rows)).values_list("code", "population"))
    viewer = viewer_for(officer)
    return {
        code: shape(viewer, "maparea", metrics.derive(row, population=population.get(code)))
        for code, row in rows.items()
    }
