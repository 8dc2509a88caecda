"""Mapbox Vector Tiles of the complaints and the boundaries, rendered by PostGIS and cached.

``/tiles/{layer}/{z}/{x}/{y}.pbf`` (api/tiles.py) asks ``tile_answer``:

* **complaints** — the viewer's complaints (``complaints_visible_to``) narrowed by the export's
  filters (``layers.selectors.exports``: status, category, channel, since/until, bbox, area
  codes), with the public export columns in ``TILE_COLUMNS`` only (never personal data, whatever
  the role); at most ``TILES_MAX_FEATURES`` per tile;
* **provinces**, **districts**, **subdistricts** — public geography: codes and names.

``ST_AsMVT``/``ST_AsMVTGeom`` build the tile from ``ST_TileEnvelope`` (Web Mercator, 4096
units, a 64-unit buffer so that symbols at a tile's edge are not cut). The rows come from the
same ORM querysets as the exports (scope and filters), wrapped in the MVT statement.

**The cache key is the ETag.** It names everything the tile depends on: the layer, z/x/y,
the filters, the viewer's jurisdiction (complaints), and the data's version —

* complaints: the sum of the change stamps (``layers_complaint_version``, kept by a trigger in
  the same transaction as every change) of the provinces whose bounding boxes meet the tile,
  so a change in one province leaves the other provinces' tiles cached;
* boundaries: the lookup table's stamp (``boundaries_lookup_version``, a random token per
  boundary load), also part of the complaints' key (it is new in a re-created database).

The version is read *before* rendering, so a tile never holds data older than its key says.
A request whose ``If-None-Match`` holds the key is answered 304 without rendering or reading
the cache; otherwise the tile comes from ``TileCache`` (a hit) or is rendered and stored.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

import psycopg
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from layers.errors import InvalidInput, NotFound
from layers.policy import require_fields, viewer_for
from layers.selectors.exports import (
    ExportRequest,
    export_check,
    export_queryset,
    export_request_from_params,
    export_session,
    timestamp_text_sql,
)
from layers.selectors.scope import jurisdiction_for

# Bump when the tiles' content changes for the same data (new columns...): new keys.
TILE_SCHEMA = 1
EXTENT = 4096
BUFFER = 64
COMPLAINTS = "complaints"
BOUNDARY_LAYERS = {
    "provinces": (Province, ("code", "name_th", "name_en")),
    "districts": (District, ("code", "name_th", "name_en", "province_code")),
    "subdistricts": (
        Subdistrict,
        ("code", "name_th", "name_en", "province_code", "district_code"),
    ),
}
LAYERS = (COMPLAINTS, *BOUNDARY_LAYERS)
# What a complaint carries in a tile: export columns (``export.<key>`` in the policy), the
# public ones a map needs. No names of categories (codes suffice; the legend has the names).
TILE_COLUMNS = (
    "tracking_no",
    "province_code",
    "district_code",
    "subdistrict_code",
    "category_code",
    "subcategory_code",
    "channel",
    "status",
    "received_at",
    "closed_at",
)
MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class TileAnswer:
    etag: str
    public: bool
    not_modified: bool = False
    data: bytes = b""
    features: int = 0
    capped: bool = False
    cached: bool = False


def tile_check(layer: str, z: int, x: int, y: int) -> None:
    """A known layer (else 404) and z/x/y inside the tile grid (else 400 naming which)."""
    if layer not in LAYERS:
        raise NotFound(
            _("There is no tile layer %(layer)s; the layers are: %(known)s.")
            % {
                "layer": layer[:40],
                "known": ", ".join(LAYERS),
            }
        )
    errors = {}
    if not 0 <= z <= settings.TILES_MAX_ZOOM:
        errors["z"] = _("z must be between 0 and %(max)s.") % {"max": settings.TILES_MAX_ZOOM}
    else:
        size = 2**z
        for name, value in (("x", x), ("y", y)):
            if not 0 <= value < size:
                errors[name] = _("%(name)s must be between 0 and %(max)s at zoom %(z)s.") % {
                    "name": name,
                    "max": size - 1,
                    "z": z,
                }
    if errors:
        raise InvalidInput(errors)


def tile_bounds(z: int, x: int, y: int, *, margin: float = 0.0) -> tuple[float, ...]:
    """(min lon, min lat, max lon, max lat) of a Web Mercator tile, widened by ``margin``
    tiles on every side (clamped to the Mercator world)."""
    n = 2.0**z

    def lon(px: float) -> float:
        return max(-180.0, min(180.0, px / n * 360.0 - 180.0))

    def lat(py: float) -> float:
        py = max(0.0, min(n, py))
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / n))))

    return (lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin))


def _box(z: int, x: int, y: int) -> Polygon:
    box = Polygon.from_bbox(tile_bounds(z, x, y, margin=BUFFER / EXTENT))
    box.srid = 4326
    return box


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def boundary_version() -> str:
    """The boundaries' stamp: a random token written at every boundary load."""
    row = _scalar("SELECT token::text FROM boundaries_lookup_version WHERE id = 1")
    return row[0] if row else "none"


def complaints_version(z: int, x: int, y: int) -> str:
    """The complaints' stamp for a tile: the sum of the change counters of the provinces
    whose bounding boxes meet it (counters only grow, so any change there changes the sum),
    with the boundaries' token (new in a re-created database)."""
    west, south, east, north = tile_bounds(z, x, y, margin=BUFFER / EXTENT)
    row = _scalar(
        "SELECT coalesce(sum(v.version), 0), count(*), "
        "(SELECT token::text FROM boundaries_lookup_version WHERE id = 1) "
        "FROM layers_complaint_version v JOIN boundaries_province p ON p.code = v.province_id "
        "WHERE p.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
        [west, south, east, north],
    )
    return f"{row[0]}.{row[1]}.{row[2]}"


def _scope_signature(officer) -> list:
    j = jurisdiction_for(officer)
    return [
        j.country,
        sorted(j.provinces),
        sorted(j.districts),
        sorted(j.subdistricts),
        sorted(j.team_ids),
    ]


def _filters_signature(request: ExportRequest) -> dict:
    values = asdict(request.filters)
    values["statuses"] = sorted(values["statuses"])
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def tile_request(params) -> ExportRequest:
    """The complaints tile's filters (the export's, no area needed: the tile is the area)."""
    request = export_request_from_params(params, need_area=False)
    if request.personal:
        raise InvalidInput({"personal": _("Tiles carry no personal data; use an export.")})
    return request


# --- Rendering --------------------------------------------------------------------------------


def _mvt_sql(inner: str, layer: str, z: int, x: int, y: int, columns: list[str]) -> str:
    """The MVT statement around ``inner`` (rows with ``geom_4326`` and ``columns``)."""
    cap = int(settings.TILES_MAX_FEATURES)
    envelope = f"ST_TileEnvelope({int(z)}, {int(x)}, {int(y)})"
    selected = ", ".join(
        f"{timestamp_text_sql(f'q.{c}')} AS {c}" if c in ("received_at", "closed_at") else f"q.{c}"
        for c in columns
    )
    return (
        f"SELECT coalesce(ST_AsMVT(t, '{layer}', {EXTENT}, 'geom'), ''::bytea), count(*) FROM ("
        f"SELECT ST_AsMVTGeom(ST_Transform(q.geom_4326, 3857), {envelope}, {EXTENT}, "
        f"{BUFFER}, true) AS geom, {selected} FROM ({inner}) q LIMIT {cap}"
        ") t WHERE t.geom IS NOT NULL"
    )


def complaints_tile_sql(*, officer, request: ExportRequest, z: int, x: int, y: int):
    """(SQL, params) of a complaints tile: the export's queryset (scope, filters) in the tile's
    box, its ``TILE_COLUMNS``, wrapped in ``ST_AsMVT``."""
    export_check(officer=officer, request=request)
    require_fields(viewer_for(officer), "export", TILE_COLUMNS)
    qs = export_queryset(officer=officer, request=request).filter(
        location__bboverlaps=_box(z, x, y)
    )
    related = {
        "province_code": F("province_id"),
        "district_code": F("district_id"),
        "subdistrict_code": F("subdistrict_id"),
        "category_code": F("category__code"),
        "subcategory_code": F("subcategory__code"),
    }
    plain = [c for c in TILE_COLUMNS if c not in related]
    inner, params = qs.values(*plain, geom_4326=F("location"), **related).query.sql_with_params()
    return _mvt_sql(inner, COMPLAINTS, z, x, y, list(TILE_COLUMNS)), list(params)


def boundary_tile_sql(layer: str, z: int, x: int, y: int):
    model, columns = BOUNDARY_LAYERS[layer]
    related = {}
    if "province_code" in columns:
        related["province_code"] = F("province_id")
    if "district_code" in columns:
        related["district_code"] = F("district_id")
    plain = [c for c in columns if c not in related]
    qs = model.objects.filter(geom__bboverlaps=_box(z, x, y)).order_by()
    inner, params = qs.values(*plain, geom_4326=F("geom"), **related).query.sql_with_params()
    return _mvt_sql(inner, layer, z, x, y, list(columns)), list(params)


def _binary_cursor() -> psycopg.Cursor:
    """A cursor of Django's connection that sends and receives bytea in binary: Django's own
    (client-side binding, text results) spells a 1 MB tile as 2 MB of hex both ways, which
    cost more than rendering it (measured: a 1.1 MB insert in 68-137 ms against 16-35 ms)."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def tile_render(sql: str, params) -> tuple[bytes, int]:
    """Run an MVT statement in the export session (project time zone, no JIT); the tile and
    its number of features."""
    literal = connection.ops.compose_sql(sql, params)  # Django's adapters, then binary rows
    with export_session(), _binary_cursor() as cursor:
        cursor.execute(literal, binary=True)
        data, count = cursor.fetchone()
    return bytes(data or b""), int(count)


def _cache_get(key: str) -> tuple[bytes, int] | None:
    with _binary_cursor() as cursor:
        cursor.execute(
            "SELECT data, features FROM layers_tilecache WHERE key = %s", [key], binary=True
        )
        row = cursor.fetchone()
    return (bytes(row[0]), int(row[1])) if row else None


def _cache_put(key: str, layer: str, z: int, data: bytes, count: int) -> None:
    with _binary_cursor() as cursor:
        cursor.execute(
            "INSERT INTO layers_tilecache (key, layer, z, data, features, created_at) "
            "VALUES (%s, %s, %s, %b, %s, now()) ON CONFLICT (key) DO NOTHING",
            [key, layer, z, data, count],
        )


def tile_answer(
    *, officer, layer: str, z: int, x: int, y: int, params, if_none_match=""
) -> TileAnswer:
    """A tile for the viewer: 304 when ``If-None-Match`` holds its key, else from the cache or
    rendered (and cached). Raises ``NotFound`` (layer), ``InvalidInput`` (z/x/y, filters),
    ``Forbidden`` (complaints outside the viewer's jurisdiction, or no role)."""
    tile_check(layer, z, x, y)
    if layer == COMPLAINTS:
        request = tile_request(params)
        export_check(officer=officer, request=request)
        parts = [
            _filters_signature(request),
            _scope_signature(officer),
            complaints_version(z, x, y),
        ]
        public = False
    else:
        if any(True for _ in params.keys()):
            raise InvalidInput(
                {"params": _("Boundary tiles take no parameters; filters are for complaints.")}
            )
        parts = [boundary_version()]
        public = True
    key = hashlib.sha256(
        json.dumps([TILE_SCHEMA, layer, z, x, y, settings.TILES_MAX_FEATURES, *parts]).encode()
    ).hexdigest()
    etag = f'"{key[:40]}"'
    if _matches(if_none_match, etag):
        return TileAnswer(etag=etag, public=public, not_modified=True)
    row = _cache_get(key)
    if row is not None:
        data, count = row
        return TileAnswer(
            etag, public, data=data, features=count, capped=_capped(count), cached=True
        )
    if layer == COMPLAINTS:
        sql, sql_params = complaints_tile_sql(officer=officer, request=request, z=z, x=x, y=y)
    else:
        sql, sql_params = boundary_tile_sql(layer, z, x, y)
    data, count = tile_render(sql, sql_params)
    _cache_put(key, layer, z, data, count)
    return TileAnswer(etag, public, data=data, features=count, capped=_capped(count))


def _capped(count: int) -> bool:
    return count >= settings.TILES_MAX_FEATURES


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip() for t in if_none_match.split(",")]
    return etag in tags or f"W/{etag}" in tags
