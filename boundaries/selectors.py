"""Reading the boundaries: point → area, and area lists for forms and maps."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

from django.contrib.gis.db.models import Extent, MultiPolygonField, PointField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import F, FloatField, Func, Value

from boundaries import point_index
from boundaries.models import District, Province, Subdistrict


@dataclass(frozen=True)
class AreaMatch:
    """The answer to "which areas hold this point?".

    ``inside`` is False for a point outside Thailand (at sea, abroad); the codes are then None.
    """

    inside: bool
    lat: float
    lon: float
    subdistrict_code: str | None = None
    subdistrict_name_th: str | None = None
    subdistrict_name_en: str | None = None
    district_code: str | None = None
    district_name_th: str | None = None
    district_name_en: str | None = None
    province_code: str | None = None
    province_name_th: str | None = None
    province_name_en: str | None = None
    # "reconstructed" in nine provinces where tambon lines are only ~400 m accurate.
    geom_quality: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# The same question asked of PostGIS, when this process holds no in-process index (pieces too
# many for memory, see point_index). Raw SQL: through the ORM the same single-table query took
# 0.6 ms a look-up against 0.12 ms (query compilation and geometry adaptation in Python).
# The lowest code wins where pieces meet (a border, a cut line), so the answer is stable.
# Pieces that cover the point first, then those within EDGE_TOLERANCE (see point_index).
# The columns are point_index.FIELDS, so both paths give AreaMatch the same fields in order.
_LOOKUP_SQL = f"""
    SELECT {", ".join(point_index.FIELDS)}
    FROM boundaries_subdistrictpiece, ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS pt
    WHERE ST_DWithin(geom, pt, %s)
    ORDER BY NOT ST_Covers(geom, pt), subdistrict_id
    LIMIT 1
"""


def area_for_point(*, point: Point) -> AreaMatch:
    """The sub-district, district and province whose polygons hold ``point``.

    ``point`` is in SRID 4326 unless it says otherwise. Looks in the subdivided lookup table
    with ``covers`` (not ``contains``), so a point on a border or on a subdivision cut line is
    held by two or more pieces; the lowest sub-district code among them is the answer, the
    same every time. A point that no piece covers but one lies within 0.1 mm of (an outer
    edge, see ``point_index.EDGE_TOLERANCE``) takes that piece's. A point outside every
    polygon (at sea, abroad, or not a finite coordinate) gets ``inside=False``, never an
    exception.

    The table is read through this process's in-memory copy (``point_index``: no round trip,
    bench/lookup.py measures it) and queried in PostGIS when there is none.
    """
    if point.srid not in (None, 4326):
        point = point.transform(4326, clone=True)
    if point.empty:
        return AreaMatch(inside=False, lat=float("nan"), lon=float("nan"))
    lon, lat = (float(c) for c in point.coords[:2])  # one GEOS call, not two
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return AreaMatch(inside=False, lat=lat, lon=lon)
    row = point_index.lookup(lon, lat)
    if row is point_index.UNAVAILABLE:
        row = area_for_point_in_postgis(lon, lat)
    if row is None:
        return AreaMatch(inside=False, lat=lat, lon=lon)
    return AreaMatch(True, lat, lon, *row)


def area_for_point_in_postgis(lon: float, lat: float) -> tuple | None:
    """The answer's fields from one PostGIS query on the lookup table (None: outside)."""
    with connection.cursor() as cur:
        cur.execute(_LOOKUP_SQL, [lon, lat, point_index.EDGE_TOLERANCE])
        return cur.fetchone()


# ---------------------------------------------------------------- areas without polygons


def without_geoms(queryset, *related: str):
    """``select_related(*related)`` without the related areas' polygons.

    Lists and pages read an area's code and names; its polygon is tens of kilobytes on the
    national data (a province's, about 24 kB on average) and megabytes at full COD-AB
    resolution, so a 50-row list that selects three areas per row would fetch and parse
    megabytes it never draws.
    """
    return queryset.select_related(*related).defer(*(f"{r}__geom" for r in related))


@dataclass(frozen=True)
class AreaNames:
    """Thai names of a sub-district and of the district and province that hold it."""

    subdistrict: str
    district: str
    province: str


def area_names(*, subdistrict_code: str) -> AreaNames:
    """The names for messages and receipts, in one query that reads no polygon."""
    row = (
        Subdistrict.objects.filter(code=subdistrict_code)
        .values_list("name_th", "district__name_th", "province__name_th")
        .first()
    )
    return AreaNames(*row) if row else AreaNames("", "", "")


# ---------------------------------------------------------------- areas for maps


def province_get(*, code: str) -> Province | None:
    """The province with this DOPA code, without its geometry (None when unknown)."""
    return Province.objects.defer("geom").filter(code=code).first()


def province_bounds(*, code: str) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a province's polygon, from PostGIS."""
    extent = Province.objects.filter(code=code).aggregate(extent=Extent("geom"))["extent"]
    return tuple(extent) if extent else None


def area_geometry_json(*, tolerance: float = 0.0, precision: int = 6):
    """``ST_AsGeoJSON`` of the area's polygon, simplified first when ``tolerance`` > 0: the
    one expression every map reads area polygons with.

    The national boundary files are already generalised (a province's sub-districts are
    110-500 kB of GeoJSON, and ``ST_SimplifyPreserveTopology`` at 0.0005° saves only 2-6 %),
    so maps serve them as they are by default; a tolerance helps with the full-resolution
    COD-AB download. Preserve-topology keeps small sub-districts from vanishing, but
    simplification is per polygon, so at large tolerances neighbours' shared edges stop
    matching: keep it below about 0.001° (100 m) where neighbours are drawn together.
    """
    geom = F("geom")
    if tolerance > 0:
        geom = Func(
            geom,
            Value(tolerance, output_field=FloatField()),
            function="ST_SimplifyPreserveTopology",
            output_field=MultiPolygonField(srid=4326),
        )
    return AsGeoJSON(geom, precision=precision)


def areas_geojson(
    queryset,
    *,
    properties: tuple[str, ...] = ("code", "name_th", "name_en"),
    tolerance: float = 0.0,
    precision: int = 6,
) -> dict:
    """The polygons of a queryset of areas as an RFC 7946 FeatureCollection, by code.

    ``properties`` are fields or annotations of the queryset; the code is also the feature's
    ``id``. Areas without a polygon of their own (new Bangkok codes) are left out.
    """
    rows = (
        queryset.filter(geom__isnull=False)
        .annotate(geometry=area_geometry_json(tolerance=tolerance, precision=precision))
        .order_by("code")
        .values(*properties, "geometry")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": json.loads(row["geometry"]),
                "properties": {name: row[name] for name in properties},
            }
            for row in rows
        ],
    }


def subdistricts_geojson(*, province: str, tolerance: float = 0.0, precision: int = 6) -> dict:
    """A province's sub-district polygons as an RFC 7946 FeatureCollection (codes, names,
    district code, geometry quality). Codes without a polygon of their own are left out."""
    return areas_geojson(
        Subdistrict.objects.filter(province_id=province).annotate(district_code=F("district_id")),
        properties=("code", "name_th", "name_en", "district_code", "geom_quality"),
        tolerance=tolerance,
        precision=precision,
    )


def districts_geojson(*, province: str, tolerance: float = 0.0, precision: int = 6) -> dict:
    """A province's district polygons as an RFC 7946 FeatureCollection (codes and names)."""
    return areas_geojson(
        District.objects.filter(province_id=province), tolerance=tolerance, precision=precision
    )


# --- Boundaries per level, for the API ---------------------------------------------------------

BOUNDARY_LEVELS = {"provinces": Province, "districts": District, "subdistricts": Subdistrict}
# The parent codes each level may be narrowed by.
BOUNDARY_PARENTS = {
    "provinces": (),
    "districts": ("province",),
    "subdistricts": ("province", "district"),
}


def boundary_areas(
    *,
    level: str,
    province: str | None = None,
    district: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    tolerance: float = 0.0,
):
    """The areas of a level (``provinces``, ``districts``, ``subdistricts``) that have a polygon,
    by code, without their stored polygon but with ``geometry_json``: the polygon simplified
    by ``tolerance`` degrees (0: as stored) as GeoJSON with 6 decimals, built in PostGIS.

    ``province``/``district`` narrow to the areas inside them; ``bbox`` (min lon, min lat,
    max lon, max lat) to those whose polygon touches the box (the GiST index answers)."""
    qs = BOUNDARY_LEVELS[level].objects.filter(geom__isnull=False)
    if province:
        qs = qs.filter(province_id=province)
    if district:
        qs = qs.filter(district_id=district)
    if bbox is not None:
        box = Polygon.from_bbox(bbox)
        box.srid = 4326
        qs = qs.filter(geom__intersects=box)
    return (
        qs.defer("geom")
        .annotate(geometry_json=area_geometry_json(tolerance=tolerance, precision=6))
        .order_by("code")
    )


def tolerance_for_zoom(zoom: int) -> float:
    """Half a pixel of a 256-pixel web-map tile at ``zoom``, in degrees (at the equator):
    simplifying by it changes nothing a map at that zoom can show.

    >>> round(tolerance_for_zoom(10), 6)
    0.000687
    """
    return 360.0 / (256 * 2**zoom) / 2


# ---------------------------------------------------------------- place names and search

# The levels of the area tables, largest first, with their tables and code lengths.
LEVELS = ("province", "district", "subdistrict")
_TABLES = {
    "province": "boundaries_province",
    "district": "boundaries_district",
    "subdistrict": "boundaries_subdistrict",
}

# Words people put before a name ("จ.มุกดาหาร", "อำเภอเมือง", "Tambon Si Bun Rueang"): the
# names in the tables have none, so the search drops them first.
_NAME_PREFIXES = (
    "จังหวัด",
    "อำเภอ",
    "ตำบล",
    "แขวง",
    "เขต",
    "กิ่งอำเภอ",
    "จ.",
    "อ.",
    "ต.",
    "changwat ",
    "amphoe ",
    "amphur ",
    "tambon ",
    "khet ",
    "khwaeng ",
    "province ",
    "district ",
    "sub-district ",
    "subdistrict ",
)
# Trigram similarity below this is not a match (pg_trgm's own default for ``%`` is 0.3; Thai
# names are short, so a missing letter costs more: "มุกดาหา" is 0.7 of "มุกดาหาร",
# "มุดาหาร" 0.55).
SEARCH_MIN_SIMILARITY = 0.3


def search_text(query: str) -> str:
    """The query as the names are written: spaces squeezed, a leading "จ."/"อำเภอ"/
    "Tambon"… dropped.

    >>> search_text("  จ. มุกดาหาร ")
    'มุกดาหาร'
    >>> search_text("Amphoe Mueang Mukdahan")
    'Mueang Mukdahan'
    """
    text = " ".join(query.split())
    lowered = text.lower()
    for prefix in _NAME_PREFIXES:
        if lowered.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :].strip()
    return text


# One query over the three tables: pg_trgm's similarity on the Thai and the English name, a
# bonus for a name that starts with the query (typing "มุก" finds มุกดาหาร before it is
# spelt out), the largest level first among equals. The ``%%`` operator uses the trigram
# indexes (migration 0005); ILIKE prefix matches are added for short queries, whose
# trigrams are too few to pass the threshold.
_SEARCH_SQL = """
WITH q AS (SELECT %(q)s::text AS q, lower(%(q)s::text) AS ql),
hits AS (
    SELECT 'province' AS level, 0 AS rank, a.code, a.name_th, a.name_en,
           NULL::text AS district_name_th, NULL::text AS district_name_en,
           NULL::text AS province_name_th, NULL::text AS province_name_en, a.geom
    FROM boundaries_province a, q
    WHERE a.name_th %% q.q OR lower(a.name_en) %% q.ql
       OR a.name_th LIKE q.q || '%%' OR lower(a.name_en) LIKE q.ql || '%%'
    UNION ALL
    SELECT 'district', 1, a.code, a.name_th, a.name_en, NULL, NULL, p.name_th, p.name_en, a.geom
    FROM boundaries_district a JOIN boundaries_province p ON p.code = a.province_id, q
    WHERE a.name_th %% q.q OR lower(a.name_en) %% q.ql
       OR a.name_th LIKE q.q || '%%' OR lower(a.name_en) LIKE q.ql || '%%'
    UNION ALL
    SELECT 'subdistrict', 2, a.code, a.name_th, a.name_en, d.name_th, d.name_en,
           p.name_th, p.name_en, COALESCE(a.geom, c.geom)
    FROM boundaries_subdistrict a
    JOIN boundaries_district d ON d.code = a.district_id
    JOIN boundaries_province p ON p.code = a.province_id
    LEFT JOIN boundaries_subdistrict c ON c.code = a.covered_by_id, q
    WHERE a.name_th %% q.q OR lower(a.name_en) %% q.ql
       OR a.name_th LIKE q.q || '%%' OR lower(a.name_en) LIKE q.ql || '%%'
),
scored AS (
    SELECT hits.*,
           GREATEST(similarity(name_th, q.q), similarity(lower(name_en), q.ql))
             + CASE WHEN name_th = q.q OR lower(name_en) = q.ql THEN 1
                    WHEN name_th LIKE q.q || '%%' OR lower(name_en) LIKE q.ql || '%%' THEN 0.5
                    ELSE 0 END AS score
    FROM hits, q
)
SELECT level, code, name_th, name_en, district_name_th, district_name_en, province_name_th,
       province_name_en, round(score::numeric, 3)::float AS score,
       ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom),
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM scored
WHERE level = ANY(%(levels)s) AND geom IS NOT NULL
ORDER BY score DESC, rank, code
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class AreaHit:
    """An area found by name: its level, code, names, the names of the areas that hold it,
    its bounding box (min lon, min lat, max lon, max lat) and a point inside it."""

    level: str
    code: str
    name_th: str
    name_en: str
    district_name_th: str | None
    district_name_en: str | None
    province_name_th: str | None
    province_name_en: str | None
    score: float
    bbox: tuple[float, float, float, float]
    lat: float
    lon: float

    def as_dict(self) -> dict:
        return asdict(self)


def area_search(*, query: str, limit: int = 10, levels: tuple[str, ...] = LEVELS) -> list[AreaHit]:
    """Areas whose Thai or English name is like ``query``, best first.

    Tolerant of spelling (trigram similarity: "มุกดาหา", "Mukdaharn" find มุกดาหาร), of
    a leading "จ."/"อำเภอ"/"Tambon" and of case; a name that starts with the query ranks
    above one merely like it, and an exact name above both. Areas without a polygon are
    left out (there is nothing to zoom to); a code without a polygon of its own (new Bangkok
    khwaeng) zooms to the polygon that covers it.
    """
    text = search_text(query)
    if not text:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT set_limit(%s)", [SEARCH_MIN_SIMILARITY])
        cur.execute(_SEARCH_SQL, {"q": text, "levels": list(levels), "limit": limit})
        rows = cur.fetchall()
    return [
        AreaHit(
            *row[:9],
            bbox=tuple(round(v, 5) for v in row[9:13]),
            lon=round(row[13], 5),
            lat=round(row[14], 5),
        )
        for row in rows
    ]


def area_labels(queryset, *, level: str) -> list[dict]:
    """Where to write each area's name on a map: a point inside its polygon
    (``ST_PointOnSurface``), the names, and the level, for ``maps/static/maps/mapkit.js``'s
    label layer. Areas without a polygon have no label."""
    rows = (
        queryset.filter(geom__isnull=False)
        .annotate(
            label_x=Func(
                F("geom"), function="ST_PointOnSurface", output_field=PointField(srid=4326)
            )
        )
        .annotate(
            lon=Func(F("label_x"), function="ST_X", output_field=FloatField()),
            lat=Func(F("label_x"), function="ST_Y", output_field=FloatField()),
        )
        .order_by("code")
        .values_list("code", "name_th", "name_en", "lon", "lat")
    )
    return [
        {
            "level": level,
            "code": code,
            "name_th": name_th,
            "name_en": name_en,
            "lat": round(lat, 5),
            "lon": round(lon, 5),
        }
        for code, name_th, name_en, lon, lat in rows
    ]
