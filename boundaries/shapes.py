"""Area shapes for the choropleth dashboards: one level's polygons, simplified per level with
the shared edges kept, as TopoJSON (for the page) or GeoJSON (for other systems).

A level is the children of a parent: the country's provinces, a province's districts, a
district's sub-districts. Three steps, each chosen for the map a person reads:

1. **Coverage simplification** (``shapely.coverage_simplify``: GEOS's CoverageSimplifier, the
   algorithm of PostGIS's ``ST_CoverageSimplify``). PostGIS here is 3.3 with GEOS 3.11, which
   has no ``ST_CoverageSimplify`` (3.4+ / GEOS 3.12+); shapely's wheel carries its own newer
   GEOS, so the same algorithm runs in Python, the same on every deployment. It simplifies each
   shared edge once, for both neighbours, so no gap or sliver opens between them (simplifying
   polygon by polygon, as ``ST_SimplifyPreserveTopology`` does, moves each side of a border
   on its own). The tolerance follows the level's map scale (``TOLERANCE``).
2. **Quantisation** onto an integer grid (``QUANTUM`` degrees per level): a vertex shared by two
   areas lands on the same grid point for both.
3. **TopoJSON** (the format's 1.0 specification): each shared edge is stored once as an *arc*
   that both areas reference, and its points are delta-encoded integers. The country's 77
   provinces come to about 100 kB instead of the 2 MB of their GeoJSON.

Shapes change only when the boundaries are loaded again, so each level is built once per
boundary version (``shapes_version``: the lookup table's stamp, which every load rewrites, and
``ALGORITHM``) and kept in Django's cache; the API serves it under a URL that carries the
version, cached by browsers for a year.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

import shapely
from django.core.cache import cache
from django.db import connection

from boundaries.models import District, Province, Subdistrict

# Bump when the simplification or the encoding changes: the URL (and the cache key) changes.
ALGORITHM = "1"

COUNTRY, PROVINCE, DISTRICT, SUBDISTRICT = "country", "province", "district", "subdistrict"
# The level a parent's children are, by the parent's code length ("" = the country).
CHILD_LEVEL = {0: PROVINCE, 2: DISTRICT, 4: SUBDISTRICT}
CHILD_MODEL = {PROVINCE: Province, DISTRICT: District, SUBDISTRICT: Subdistrict}
PARENT_FIELD = {PROVINCE: None, DISTRICT: "province_id", SUBDISTRICT: "district_id"}

# Degrees. The country fills a screen at about 0.02° a pixel, a province at about 0.003°, a
# district at about 0.0005°: each level is simplified to about half a pixel at its first zoom
# and a few pixels two zooms in.
TOLERANCE = {PROVINCE: 0.005, DISTRICT: 0.001, SUBDISTRICT: 0.0002}
QUANTUM = {PROVINCE: 0.0005, DISTRICT: 0.0001, SUBDISTRICT: 0.00002}

CACHE_SECONDS = 7 * 24 * 3600


def child_level(parent: str) -> str:
    """The level of a parent's children: ``""`` → provinces, 2 digits → districts, 4 →
    sub-districts."""
    try:
        return CHILD_LEVEL[len(parent)]
    except KeyError:
        raise ValueError(
            f"an area with children has a 0, 2 or 4 digit code, not {parent!r}"
        ) from None


def shapes_version() -> str:
    """The boundary data's version: the lookup table's stamp (a trigger writes a new random
    token on every change, and the loader rewrites the table on every load) + ``ALGORITHM``."""
    with connection.cursor() as cur:
        cur.execute("SELECT version, token::text FROM boundaries_lookup_version WHERE id = 1")
        row = cur.fetchone()
    stamp = f"{row[0]}-{row[1]}" if row else "0"
    return hashlib.sha256(f"{stamp}/{ALGORITHM}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class LevelShapes:
    """One level's simplified polygons (shapely), by code, in code order."""

    level: str
    parent: str
    codes: tuple[str, ...]
    names_th: tuple[str, ...]
    names_en: tuple[str, ...]
    geoms: tuple  # shapely (Multi)Polygons, simplified


def _children(parent: str):
    level = child_level(parent)
    qs = CHILD_MODEL[level].objects.filter(geom__isnull=False)
    if PARENT_FIELD[level]:
        qs = qs.filter(**{PARENT_FIELD[level]: parent})
    return level, qs.order_by("code")


def level_shapes(parent: str) -> LevelShapes:
    """The children of ``parent`` with their polygons simplified as one coverage."""
    level, qs = _children(parent)
    rows = list(qs.values_list("code", "name_th", "name_en", "geom"))
    return simplified_level(
        level,
        parent,
        [(r[0], r[1], r[2], shapely.from_wkb(bytes(r[3].wkb))) for r in rows],
    )


def simplified_level(level: str, parent: str, rows) -> LevelShapes:
    """``rows`` of (code, Thai name, English name, shapely polygon) simplified as one
    coverage at the level's tolerance."""
    geoms = [r[3] for r in rows]
    if rows:
        geoms = shapely.make_valid(geoms)
        simplified = shapely.coverage_simplify(geoms, TOLERANCE[level])
        # A polygon that simplification emptied (never seen on the shipped data) keeps its
        # own outline rather than vanishing from the map.
        empty = shapely.is_empty(simplified)
        simplified[empty] = geoms[empty]
        geoms = simplified
    return LevelShapes(
        level=level,
        parent=parent,
        codes=tuple(r[0] for r in rows),
        names_th=tuple(r[1] for r in rows),
        names_en=tuple(r[2] for r in rows),
        geoms=tuple(geoms),
    )


# ---------------------------------------------------------------------------- TopoJSON


def _polygons(geom):
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type == "MultiPolygon":
        return list(geom.geoms)
    if geom.geom_type == "GeometryCollection":
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _quantised_ring(ring, x0: float, y0: float, q: float) -> list[tuple[int, int]]:
    """The ring's points on the grid, without repeats and without the closing point."""
    out: list[tuple[int, int]] = []
    for x, y in ring.coords:
        p = (round((x - x0) / q), round((y - y0) / q))
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def topology(shapes: LevelShapes) -> dict:
    """The level as a TopoJSON Topology with one GeometryCollection ``areas``: each shared
    edge one arc, each geometry ``id`` = the area code with ``properties`` code and names."""
    q = QUANTUM[shapes.level]
    if shapes.geoms:
        minx, miny, maxx, maxy = shapely.total_bounds(shapely.GeometryCollection(shapes.geoms))
    else:
        minx = miny = maxx = maxy = 0.0
    # Every polygon's rings on the grid (rings that collapse below a triangle are dropped).
    areas: list[list[list[list[tuple[int, int]]]]] = []
    for geom in shapes.geoms:
        polys = []
        for poly in _polygons(geom):
            rings = [_quantised_ring(poly.exterior, minx, miny, q)]
            rings += [_quantised_ring(r, minx, miny, q) for r in poly.interiors]
            rings = [r for r in rings if len(r) >= 3]
            if rings and len(_quantised_ring(poly.exterior, minx, miny, q)) >= 3:
                polys.append(rings)
        areas.append(polys)

    # Junctions: points where the rings through them do not all run between the same two
    # neighbours (three areas meet, or a shared edge ends).
    neighbours: dict[tuple[int, int], frozenset] = {}
    junctions: set[tuple[int, int]] = set()
    for polys in areas:
        for rings in polys:
            for ring in rings:
                n = len(ring)
                for i, p in enumerate(ring):
                    pair = frozenset((ring[i - 1], ring[(i + 1) % n]))
                    seen = neighbours.get(p)
                    if seen is None:
                        neighbours[p] = pair
                    elif seen != pair:
                        junctions.add(p)

    arcs: list[list[tuple[int, int]]] = []
    index: dict[tuple, int] = {}

    def arc_id(points: list[tuple[int, int]]) -> int:
        key = tuple(points)
        found = index.get(key)
        if found is not None:
            return found
        found = index.get(key[::-1])
        if found is not None:
            return ~found
        index[key] = len(arcs)
        arcs.append(points)
        return len(arcs) - 1

    def ring_arcs(ring: list[tuple[int, int]]) -> list[int]:
        cuts = [i for i, p in enumerate(ring) if p in junctions]
        if not cuts:
            # A ring that meets no junction (an island, an enclave and the hole around it):
            # one closed arc, started at its smallest point so both sides find it.
            start = ring.index(min(ring))
            rotated = ring[start:] + ring[:start]
            return [arc_id(rotated + [rotated[0]])]
        start = cuts[0]
        rotated = ring[start:] + ring[:start]
        cut_positions = [i - start if i >= start else i - start + len(ring) for i in cuts]
        cut_positions.append(len(ring))
        closed = rotated + [rotated[0]]
        return [
            arc_id(closed[a : b + 1])
            for a, b in zip(cut_positions, cut_positions[1:], strict=False)
        ]

    geometries = []
    for code, name_th, name_en, polys in zip(
        shapes.codes, shapes.names_th, shapes.names_en, areas, strict=True
    ):
        props = {"code": code, "name_th": name_th, "name_en": name_en}
        encoded = [[ring_arcs(ring) for ring in rings] for rings in polys]
        if not encoded:
            geometries.append({"type": None, "id": code, "properties": props})
        elif len(encoded) == 1:
            geometries.append(
                {"type": "Polygon", "id": code, "properties": props, "arcs": encoded[0]}
            )
        else:
            geometries.append(
                {"type": "MultiPolygon", "id": code, "properties": props, "arcs": encoded}
            )

    def delta(points):
        out, px, py = [], 0, 0
        for x, y in points:
            out.append([x - px, y - py])
            px, py = x, y
        return out

    return {
        "type": "Topology",
        "bbox": [round(minx, 6), round(miny, 6), round(maxx, 6), round(maxy, 6)],
        "transform": {"scale": [q, q], "translate": [minx, miny]},
        "objects": {"areas": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": [delta(a) for a in arcs],
    }


def decode_topology(topo: dict) -> dict:
    """A Topology (as ``topology`` writes it) back to ``{code: shapely geometry}``: what the
    page's decoder does, for tests and for anyone checking the shapes."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    decoded_arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        decoded_arcs.append(points)

    def ring(indices):
        points: list = []
        for i in indices:
            arc = decoded_arcs[i] if i >= 0 else decoded_arcs[~i][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    out = {}
    for g in topo["objects"]["areas"]["geometries"]:
        if g["type"] == "Polygon":
            polys = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polys = g["arcs"]
        else:
            out[g["id"]] = shapely.Polygon()
            continue
        parts = [shapely.Polygon(ring(p[0]), [ring(h) for h in p[1:]]) for p in polys]
        out[g["id"]] = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    return out


# ---------------------------------------------------------------------------- cached forms


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def level_topojson(parent: str, *, version: str | None = None) -> bytes:
    """The level's TopoJSON as UTF-8 bytes, built once per boundary version."""
    version = version or shapes_version()
    key = f"dashboards:topojson:{version}:{parent or 'country'}"
    body = cache.get(key)
    if body is None:
        body = _json_bytes(topology(level_shapes(parent)))
        cache.set(key, body, CACHE_SECONDS)
    return body


def level_geometries(parent: str, *, version: str | None = None) -> dict[str, str]:
    """``{code: GeoJSON geometry as JSON text}`` of the level, simplified as for the page (5
    decimals, about 1 m), built once per boundary version and kept in this process (the
    country's are half a megabyte: a response splices the texts in rather than encoding them
    again, or unpickling them from a cache, on every request)."""
    version = version or shapes_version()
    key = (version, parent)
    geometries = _GEOMETRIES.get(key)
    if geometries is None:
        shapes = level_shapes(parent)
        geometries = {
            code: shapely.to_geojson(shapely.set_precision(geom, 1e-5))
            for code, geom in zip(shapes.codes, shapes.geoms, strict=True)
        }
        with _GEOMETRIES_LOCK:
            _GEOMETRIES[key] = geometries
            while len(_GEOMETRIES) > _GEOMETRIES_KEPT:
                _GEOMETRIES.pop(next(iter(_GEOMETRIES)))
    return geometries


_GEOMETRIES: dict[tuple[str, str], dict[str, str]] = {}
_GEOMETRIES_KEPT = 128  # levels; the oldest goes first
_GEOMETRIES_LOCK = threading.Lock()
