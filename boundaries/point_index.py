"""The subdivided lookup table, held in memory by each process for point look-ups.

Boundaries change once a year; look-ups come with every pin an officer drops. Each process
reads the pieces of ``boundaries_subdistrictpiece`` once (about 0.3 s and 40 MB for the
national data) into a shapely ``STRtree`` and answers ``covers`` questions from it without a
round trip to PostGIS. The table stays the single source: the index is a copy, rebuilt when the
table's version stamp (kept by a trigger, migration 0003) differs from the one it was read
with. A process asks for the stamp at most every ``BOUNDARIES_LOOKUP_RECHECK_SECONDS``; the
loader also drops its own process's copy when it commits.

Semantics are those of the SQL look-up: a piece that *covers* the point (boundary included)
holds it, and the lowest sub-district code among the holders wins, so a point on a border or a
cut line gets one answer, the same every time. Pieces above
``BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES`` vertices in all (a full-resolution download on
a small server) are not held: ``lookup`` then says UNAVAILABLE and the caller asks PostGIS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db import connection

# The answer fields, in AreaMatch's order after (inside, lat, lon).
FIELDS = (
    "subdistrict_id",
    "subdistrict_name_th",
    "subdistrict_name_en",
    "district_code",
    "district_name_th",
    "district_name_en",
    "province_code",
    "province_name_th",
    "province_name_en",
    "geom_quality",
)

UNAVAILABLE = object()  # no in-process index: ask PostGIS

_STAMP_SQL = "SELECT version FROM boundaries_lookup_version WHERE id = 1"
_SIZE_SQL = """
    SELECT v.version, count(p.id), coalesce(sum(ST_NPoints(p.geom)), 0)
    FROM (SELECT 1) AS one
    LEFT JOIN boundaries_lookup_version AS v ON v.id = 1
    LEFT JOIN boundaries_subdistrictpiece AS p ON true
    GROUP BY v.version
"""
# One statement, so one snapshot: the stamp read is the stamp of exactly these pieces. The
# pieces come in sub-district code order, so the lowest index among the holders is the lowest
# code; the names come once per sub-district (on its first piece), not once per piece.
_PIECES_SQL = f"""
    SELECT v.version, p.subdistrict_id,
           {", ".join(f"CASE WHEN p.first THEN p.{f} END" for f in FIELDS[1:])},
           ST_AsBinary(p.geom)
    FROM (SELECT 1) AS one
    LEFT JOIN boundaries_lookup_version AS v ON v.id = 1
    LEFT JOIN (
        SELECT *, row_number() OVER (PARTITION BY subdistrict_id ORDER BY id) = 1 AS first
        FROM boundaries_subdistrictpiece
    ) AS p ON true
    ORDER BY p.subdistrict_id, p.id
"""


@dataclass(frozen=True)
class Snapshot:
    """The pieces as read with one version stamp. ``tree`` is None when they were too many."""

    stamp: int | None
    pieces: int
    vertices: int
    tree: shapely.STRtree | None = None
    owner: np.ndarray | None = None  # piece index -> index into ``answers``
    answers: tuple[tuple, ...] = ()  # one per sub-district: the FIELDS values


_lock = threading.Lock()
_query_lock = threading.Lock()
_snapshot: Snapshot | None = None
_checked_at = float("-inf")


def forget() -> None:
    """Drop this process's copy; the next look-up reads the table again."""
    global _snapshot, _checked_at
    with _lock:
        _snapshot = None
        _checked_at = float("-inf")


def _fetchall(query: str):
    with connection.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def _read() -> Snapshot:
    ((stamp, pieces, vertices),) = _fetchall(_SIZE_SQL)
    limit = settings.BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES
    if vertices > limit or limit <= 0:
        return Snapshot(stamp=stamp, pieces=pieces, vertices=vertices)
    rows = _fetchall(_PIECES_SQL)
    stamp = rows[0][0]
    rows = [r for r in rows if r[1] is not None]  # the LEFT JOIN's empty row
    answers: list[tuple] = []
    owner = np.empty(len(rows), dtype=np.int32)
    for i, row in enumerate(rows):
        if not answers or answers[-1][0] != row[1]:
            answers.append(tuple(row[1:-1]))
        owner[i] = len(answers) - 1
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows])
    shapely.prepare(geoms)
    return Snapshot(
        stamp=stamp,
        pieces=len(rows),
        vertices=int(shapely.get_num_coordinates(geoms).sum()) if len(rows) else 0,
        tree=shapely.STRtree(geoms),
        owner=owner,
        answers=tuple(answers),
    )


def current() -> Snapshot:
    """This process's copy, read again when the table's stamp has changed."""
    global _snapshot, _checked_at
    snap, now = _snapshot, time.monotonic()
    if snap is not None and now - _checked_at < settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS:
        return snap
    ((stamp,),) = _fetchall(_STAMP_SQL) or [(None,)]
    with _lock:
        snap = _snapshot
        if snap is None or snap.stamp != stamp or stamp is None:
            snap = _snapshot = _read()
        _checked_at = now
        return snap


def lookup(lon: float, lat: float):
    """The FIELDS of the sub-district whose pieces cover (lon, lat) in SRID 4326, None when no
    piece does, or UNAVAILABLE when this process holds no index (too many vertices)."""
    snap = current()
    if snap.tree is None:
        return UNAVAILABLE
    point = shapely.Point(lon, lat)
    # GEOS builds a prepared polygon's own index on its first test; shapely runs the query
    # without the GIL, so two threads (runserver, threaded servers) must not race there.
    with _query_lock:
        hits = snap.tree.query(point, predicate="covered_by")
    if len(hits) == 0:
        return None
    return snap.answers[snap.owner[hits.min()]]
