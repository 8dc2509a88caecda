"""OGC API – Features: the collections and their items, for GIS clients (QGIS, GDAL, OWSLib).

Four collections: ``complaints`` (the viewer's jurisdiction, with the export's columns only:
``layers.selectors.mapdata.complaint_public_rows``, so the policy and the scope are the ones
every map and export uses) and the public boundaries ``provinces``, ``districts`` and
``subdistricts``.

What real clients trip on, and what this module does about it:

* Pages are large: ``limit`` defaults to 1,000 (GDAL asks for 1,000) and may go to 10,000.
* Paging is by key, not by deep offsets: items are ordered by their id (the tracking number,
  the area code) and each ``next`` link carries ``cursor=<the last id>``; the page after it is
  ``WHERE id > cursor ORDER BY id LIMIT n`` on the id's index, as fast on page 1,000 as on
  page 1. ``offset`` is still accepted (the specification's own paging); its next link
  switches to the cursor.
* ``numberMatched`` is exact only up to ``COUNT_EXACT_UP_TO`` (counted with a LIMIT, so it
  costs at most that many index entries); above it the member is left out, as the standard
  allows (an exact count of millions of rows made pygeoapi slow).
* Coordinates are longitude, latitude (CRS84), 6 decimals, like the GeoJSON export.
* Every parameter is checked: an unknown one, a bbox out of range or reversed, a reversed
  ``datetime``, an unknown code or a ``limit`` above the maximum is an ``InvalidInput``
  naming it (a 400 with a message).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from boundaries.models import District, Province, Subdistrict
from layers import policy
from layers.errors import Forbidden, InvalidInput, NotFound
from layers.inputs import whole_number
from layers.models import Category, Channel, Status
from layers.selectors.exports import COORDINATE_PRECISION
from layers.selectors.filters import (
    MAX_PARAM_LENGTH,
    CaseFilter,
    case_filter_from_params,
)
from layers.selectors.mapdata import PUBLIC_FIELDS, complaint_public_rows
from layers.selectors.scope import jurisdiction_for

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
# Deeper than this, an offset costs seconds (it reads every row it skips): the cursor does not.
MAX_OFFSET = 10_000_000
# numberMatched is given exactly up to this many matches, and left out above.
COUNT_EXACT_UP_TO = 10_000
# Thailand, for the extent of a collection when no boundary is loaded yet.
THAILAND_BBOX = (97.34, 5.61, 105.64, 20.47)

GEOJSON = "geojson"
GEOJSONSEQ = "geojsonseq"
FORMATS = {"json": GEOJSON, "geojson": GEOJSON, "jsonseq": GEOJSONSEQ, "geojsonseq": GEOJSONSEQ}
# Parameters every items request may carry besides the collection's filters.
ITEMS_PARAMS = ("limit", "offset", "cursor", "f", "bbox-crs")


@dataclass(frozen=True)
class Collection:
    id: str
    title: object
    description: object
    # The query parameters that filter it (names of the core filter parser).
    filters: tuple[str, ...]
    public: bool
    id_digits: int | None = None  # the length of an area code (boundaries)
    model: type | None = None
    parents: tuple[str, ...] = ()  # the parent codes a boundary feature carries


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "complaints",
            gettext_lazy("Complaints"),
            gettext_lazy(
                "The complaints of your jurisdiction: tracking number, area codes, category, "
                "channel, status and dates (no personal data, no free text)."
            ),
            filters=(
                "province",
                "district",
                "subdistrict",
                "status",
                "category",
                "channel",
                "bbox",
                "datetime",
            ),
            public=False,
        ),
        Collection(
            "provinces",
            gettext_lazy("Provinces"),
            gettext_lazy("Thailand's 77 provinces with their DOPA codes (public data)."),
            filters=("bbox",),
            public=True,
            id_digits=2,
            model=Province,
        ),
        Collection(
            "districts",
            gettext_lazy("Districts"),
            gettext_lazy("Thailand's districts with their DOPA codes (public data)."),
            filters=("province", "bbox"),
            public=True,
            id_digits=4,
            model=District,
            parents=("province",),
        ),
        Collection(
            "subdistricts",
            gettext_lazy("Sub-districts"),
            gettext_lazy("Thailand's sub-districts with their DOPA codes (public data)."),
            filters=("province", "district", "bbox"),
            public=True,
            id_digits=6,
            model=Subdistrict,
            parents=("province", "district"),
        ),
    )
}


def collection_get(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise NotFound(
            _("There is no collection %(id)s; the collections are: %(known)s.")
            % {"id": collection_id[:40], "known": ", ".join(COLLECTIONS)}
        ) from None


def boundary_collection_get(collection_id: str) -> Collection:
    collection = collection_get(collection_id)
    if not collection.public:
        raise NotFound(_("There is no boundary collection %(id)s.") % {"id": collection_id})
    return collection


def national_extent() -> list[float]:
    """The bounding box of the loaded provinces (longitude, latitude), or Thailand's."""
    box = Province.objects.aggregate(box=Extent("geom"))["box"]
    return [round(v, 6) for v in (box or THAILAND_BBOX)]


# --- The items request --------------------------------------------------------------------


@dataclass(frozen=True)
class ItemsQuery:
    collection: Collection
    filters: CaseFilter = field(default_factory=CaseFilter)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: str | None = None
    format: str | None = None  # from ``f``; None: the Accept header decides


def items_query_from_params(collection: Collection, params: Mapping) -> ItemsQuery:
    """The items request's parameters, checked; ``InvalidInput`` names each one that is wrong
    (an unknown parameter too: the standard asks for a 400)."""
    errors: dict[str, str] = {}
    try:
        filters = case_filter_from_params(params, allowed=collection.filters, also=ITEMS_PARAMS)
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
        filters = CaseFilter()
    single = {}
    for name in ITEMS_PARAMS:
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        values = [v for v in values if v not in (None, "")]
        if len(values) > 1:
            errors[name] = _("Give %(name)s once.") % {"name": name}
        elif values:
            single[name] = values[0][:MAX_PARAM_LENGTH]
    limit = DEFAULT_LIMIT
    if "limit" in single:
        try:
            limit = whole_number(
                single["limit"],
                field="limit",
                message=_("limit is a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT},
            )
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
        else:
            if limit > MAX_LIMIT:
                errors["limit"] = _("limit is at most %(max)d; follow the next links for more.") % {
                    "max": MAX_LIMIT
                }
    offset = 0
    if "offset" in single:
        try:
            offset = whole_number(
                single["offset"],
                field="offset",
                min_value=0,
                message=_("offset is a whole number (0 or more)."),
            )
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
        else:
            if offset > MAX_OFFSET:
                errors["offset"] = _(
                    "offset is at most %(max)d: follow the next links (their cursor) instead."
                ) % {"max": MAX_OFFSET}
    cursor = single.get("cursor")
    if cursor is not None:
        if "offset" in single:
            errors["cursor"] = _("Give cursor or offset, not both.")
        elif not _cursor_ok(collection, cursor):
            errors["cursor"] = _("cursor is the id of the last item of a page (from a next link).")
    fmt = None
    if "f" in single:
        fmt = FORMATS.get(single["f"].lower())
        if fmt is None:
            errors["f"] = _("f is json (GeoJSON) or jsonseq (GeoJSON text sequence).")
    if "bbox-crs" in single and single["bbox-crs"] != CRS84:
        errors["bbox-crs"] = _("bbox-crs: only %(crs)s (longitude, latitude) is offered.") % {
            "crs": CRS84
        }
    if errors:
        raise InvalidInput(errors)
    return ItemsQuery(collection, filters, limit, offset, cursor, fmt)


def _cursor_ok(collection: Collection, cursor: str) -> bool:
    if collection.id_digits:
        return len(cursor) == collection.id_digits and cursor.isascii() and cursor.isdigit()
    # A tracking number: B.E. year, dash, sequence.
    year, _sep, seq = cursor.partition("-")
    return bool(_sep) and year.isascii() and year.isdigit() and seq.isascii() and seq.isdigit()


# --- A page of items ------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemsPage:
    """Features as JSON texts (already serialised: a page of 1,000 is joined, not re-parsed)."""

    features: list[str]
    next_cursor: str | None
    number_matched: int | None


def _bounded_count(qs) -> int | None:
    """The number of rows, when at most ``COUNT_EXACT_UP_TO``; None above (not counted)."""
    n = qs.order_by().values("pk")[: COUNT_EXACT_UP_TO + 1].count()
    return n if n <= COUNT_EXACT_UP_TO else None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _require_area(officer) -> None:
    if jurisdiction_for(officer).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))


# The properties of a complaint feature: the export's columns (``PUBLIC_FIELDS``), as
# ``complaint_feature`` lays them out, the point being the geometry.
_PROPERTIES = ("tracking_no", *(n for n in PUBLIC_FIELDS if n not in ("lon", "lat", "tracking_no")))
_TIMES = ("received_at", "closed_at")


def _local_iso_sql(column: str) -> str:
    """SQL for ISO 8601 text of a timestamptz in the project's time zone with that instant's
    offset (``2025-01-10T09:00:00.000000+07:00``), the zone given as a parameter. The
    session's time zone is left alone: Django reads timestamps on the same connection."""
    local = f"({column} AT TIME ZONE %s)"
    offset = f"extract(epoch FROM {local} - ({column} AT TIME ZONE 'UTC'))::int"
    return (
        f"""to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS.US') || """
        f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END || "
        f"lpad((abs({offset}) / 3600)::text, 2, '0') || ':' || "
        # %% is a literal % in a query with parameters.
        f"lpad((abs({offset}) %% 3600 / 60)::text, 2, '0')"
    )


def _property_sql(name: str) -> str:
    return _local_iso_sql(f"s.{name}") if name in _TIMES else f"s.{name}"


_FEATURE_SQL = (
    "SELECT s.tracking_no, json_build_object("
    "'type', 'Feature', 'id', s.tracking_no, "
    "'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array("
    f"round(s.lon::numeric, {COORDINATE_PRECISION})::float8, "
    f"round(s.lat::numeric, {COORDINATE_PRECISION})::float8)), "
    "'properties', json_build_object("
    + ", ".join(f"'{name}', {_property_sql(name)}" for name in _PROPERTIES)
    + "))::text FROM ({rows}) s ORDER BY s.tracking_no"
)
# The time zone parameters of the SELECT list, before the row query's own parameters.
_FEATURE_SQL_ZONES = _FEATURE_SQL.split("FROM ({rows})")[0].count("%s")


def _feature_texts(rows) -> list[tuple[str, str]]:
    """(tracking number, Feature as JSON text) of a queryset of ``complaint_public_rows``,
    written by PostgreSQL: no row becomes a Python dict or datetime (a page of 1,000 in a few
    milliseconds of SQL instead of tens of milliseconds of Python)."""
    sql, params = rows.query.sql_with_params()
    zones = [settings.TIME_ZONE] * _FEATURE_SQL_ZONES
    with connection.cursor() as cursor:
        cursor.execute(_FEATURE_SQL.format(rows=sql), [*zones, *params])
        return cursor.fetchall()


def complaint_items(*, officer, query: ItemsQuery) -> ItemsPage:
    """A page of the officer's complaints (the export's columns), ordered by tracking number."""
    _require_area(officer)
    rows = complaint_public_rows(officer=officer, filters=query.filters)
    matched = _bounded_count(rows)
    if query.cursor:
        rows = rows.filter(tracking_no__gt=query.cursor)
    page = _feature_texts(
        rows.order_by("tracking_no")[query.offset : query.offset + query.limit + 1]
    )
    more = len(page) > query.limit
    page = page[: query.limit]
    return ItemsPage([text for _, text in page], page[-1][0] if more else None, matched)


def complaint_item(*, officer, tracking_no: str) -> str:
    """One complaint of the officer's jurisdiction as a Feature (NotFound outside it)."""
    _require_area(officer)
    rows = complaint_public_rows(officer=officer, filters=CaseFilter()).filter(
        tracking_no=tracking_no[:40]
    )
    found = _feature_texts(rows)
    if not found:
        raise NotFound(_("No such complaint in your jurisdiction."))
    return found[0][1]


def _boundary_rows(collection: Collection, filters: CaseFilter):
    qs = collection.model.objects.filter(geom__isnull=False)
    if "province" in collection.parents and filters.province:
        qs = qs.filter(province_id=filters.province)
    if "district" in collection.parents and filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.bbox:
        box = Polygon.from_bbox(filters.bbox)
        box.srid = 4326
        qs = qs.filter(geom__intersects=box)
    columns = ["code", "name_th", "name_en", "population", "population_year", "area_km2"]
    columns += ["geom_quality", *(f"{p}_id" for p in collection.parents)]
    return qs.annotate(geojson=AsGeoJSON("geom", precision=6)).values(*columns, "geojson")


def _boundary_feature(collection: Collection, row: Mapping) -> str:
    props = {
        "code": row["code"],
        "name_th": row["name_th"],
        "name_en": row["name_en"],
        **{f"{p}_code": row[f"{p}_id"] for p in collection.parents},
        "population": row["population"],
        "population_year": row["population_year"],
        "area_km2": round(row["area_km2"], 3) if row["area_km2"] is not None else None,
        "geom_quality": row["geom_quality"],
    }
    props = policy.shape(policy.PUBLIC_VIEWER, "boundary", props)
    return (
        f'{{"type":"Feature","id":{_dumps(row["code"])},"geometry":{row["geojson"]},'
        f'"properties":{_dumps(props)}}}'
    )


def boundary_items(*, query: ItemsQuery) -> ItemsPage:
    collection = query.collection
    rows = _boundary_rows(collection, query.filters)
    matched = rows.count()
    if query.cursor:
        rows = rows.filter(code__gt=query.cursor)
    rows = list(rows.order_by("code")[query.offset : query.offset + query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    features = [_boundary_feature(collection, row) for row in rows]
    return ItemsPage(features, rows[-1]["code"] if more else None, matched)


def boundary_item(*, collection: Collection, code: str) -> str:
    row = _boundary_rows(collection, CaseFilter()).filter(code=code[:10]).first()
    if row is None:
        raise NotFound(
            _("There is no %(what)s with the code %(code)s.")
            % {"what": collection.id, "code": code[:10]}
        )
    return _boundary_feature(collection, row)


# --- Queryables and schemas (JSON Schema 2020-12) ---------------------------------------------

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def _code_property(digits: int, title) -> dict:
    return {"type": "string", "pattern": f"^[0-9]{{{digits}}}$", "title": str(title)}


def queryables(collection: Collection, *, schema_id: str) -> dict:
    """The properties a collection's items can be filtered by, each a query parameter of the
    same name (OGC API – Features Part 3, queryables as query parameters)."""
    props: dict[str, dict] = {}
    geometry = "geometry-point" if collection.id == "complaints" else "geometry-multipolygon"
    props["geometry"] = {
        "title": _("Location (filter with bbox)"),
        "format": geometry,
        "x-ogc-role": "primary-geometry",
    }
    if "province" in collection.filters:
        props["province"] = _code_property(2, _("Province code (property province_code)"))
    if "district" in collection.filters:
        props["district"] = _code_property(4, _("District code (property district_code)"))
    if "subdistrict" in collection.filters:
        props["subdistrict"] = _code_property(6, _("Sub-district code (property subdistrict_code)"))
    if "status" in collection.filters:
        props["status"] = {
            "type": "string",
            "enum": list(Status.values),
            "title": _("Status (several: comma-separated)"),
        }
    if "category" in collection.filters:
        props["category"] = {
            "type": "string",
            "enum": list(
                Category.objects.filter(parent__isnull=True).values_list("code", flat=True)
            ),
            "title": _("Main category code (property category_code)"),
        }
    if "channel" in collection.filters:
        props["channel"] = {"type": "string", "enum": list(Channel.values), "title": _("Channel")}
    if "datetime" in collection.filters:
        props["received_at"] = {
            "type": "string",
            "format": "date-time",
            "title": _("Date received (filter with datetime)"),
            "x-ogc-role": "primary-instant",
        }
    return {
        "$schema": JSON_SCHEMA,
        "$id": schema_id,
        "type": "object",
        "title": str(collection.title),
        "properties": props,
        "additionalProperties": False,
    }


_NULLABLE_STRING = {"type": ["string", "null"]}


def feature_schema(collection: Collection, *, schema_id: str) -> dict:
    """The JSON Schema of a collection's features (their properties as returned)."""
    if collection.id == "complaints":
        props = {
            "tracking_no": {"type": "string", "x-ogc-role": "id"},
            "province_code": _code_property(2, _("Province code")),
            "district_code": _code_property(4, _("District code")),
            "subdistrict_code": _code_property(6, _("Sub-district code")),
            "category_code": {"type": "string"},
            "category_name_th": {"type": "string"},
            "category_name_en": {"type": "string"},
            "subcategory_code": _NULLABLE_STRING,
            "subcategory_name_th": _NULLABLE_STRING,
            "subcategory_name_en": _NULLABLE_STRING,
            "channel": {"type": "string", "enum": list(Channel.values)},
            "status": {"type": "string", "enum": list(Status.values)},
            "received_at": {
                "type": "string",
                "format": "date-time",
                "x-ogc-role": "primary-instant",
            },
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
        }
        geometry = "geometry-point"
    else:
        props = {
            "code": {"type": "string", "x-ogc-role": "id"},
            "name_th": {"type": "string"},
            "name_en": {"type": "string"},
            **{
                f"{p}_code": _code_property({"province": 2, "district": 4}[p], p)
                for p in collection.parents
            },
            "population": {"type": ["integer", "null"]},
            "population_year": {"type": ["integer", "null"]},
            "area_km2": {"type": ["number", "null"]},
            "geom_quality": {"type": "string", "enum": ["full", "reconstructed"]},
        }
        geometry = "geometry-multipolygon"
    return {
        "$schema": JSON_SCHEMA,
        "$id": schema_id,
        "type": "object",
        "title": str(collection.title),
        "properties": {
            "geometry": {"format": geometry, "x-ogc-role": "primary-geometry"},
            **props,
        },
    }
