"""The subdivided lookup table, held in memory by each process for point look-ups.

Boundaries change once a year; look-ups come with every pin an officer drops. Each process
reads the pieces of ``boundaries_subdistrictpiece`` once (about 0.3 s and 50 MB for the
national data) into a shapely ``STRtree`` and answers ``covers`` questions from it without a
round trip to PostGIS. The table stays the single source: the index is a copy, read again when
the table's stamp (a sequence number and a random token written by a trigger, migrations
0003-0004) differs from the one it was read with. A process asks for the stamp at most every
``BOUNDARIES_LOOKUP_RECHECK_SECONDS``; the loader also drops its own process's copy when it
commits. A transaction that has changed the pieces itself, and not yet committed, is answered
by PostGIS, and no copy is kept of what only it can see.

Semantics are those of the SQL look-up (``selectors.area_for_point_in_postgis``) and of the bulk
assignment: the pieces that *cover* the point (boundary included) hold it, and the lowest
sub-district code among them wins, so a point on a border or a cut line gets one answer, the
same every time. When no piece covers it, the pieces within ``EDGE_TOLERANCE`` degrees
(about 0.1 mm) hold it: a point on a sub-district's outer edge, between two of its vertices,
can fall a rounding error outside the piece that ``ST_Subdivide`` cut from that edge.

Pieces above ``BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES`` vertices in all (a full-resolution
download on a small server) are not held: ``lookup`` says UNAVAILABLE and the caller asks
PostGIS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db import connection

# Degrees; 1e-9° is about 0.1 mm, far above the rounding of a cut and far below any survey.
EDGE_TOLERANCE = 1e-9

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

UNAVAILABLE = object()  # no in-process index for this call: ask PostGIS

# mine: this transaction wrote the stamp and has not committed (txid_current_if_assigned is
# the top-level transaction's id, also inside savepoints; NULL when it has written nothing).
_STAMP_SQL = """
    SELECT version, token::text, coalesce(writer_xid = txid_current_if_assigned(), false)
    FROM boundaries_lookup_version WHERE id = 1
"""
_SIZE_SQL = """
    SELECT v.version, v.token::text, count(p.id), coalesce(sum(ST_NPoints(p.geom)), 0)
    FROM (SELECT 1) AS one
    LEFT JOIN boundaries_lookup_version AS v ON v.id = 1
    LEFT JOIN boundaries_subdistrictpiece AS p ON true
    GROUP BY v.version, v.token
"""
# One statement, so one snapshot: the stamp read is the stamp of exactly these pieces. The
# pieces come in sub-district code order, so the lowest index among the holders is the lowest
# code; the names come once per sub-district (on its first piece), not once per piece.
_PIECES_SQL = f"""
    SELECT v.version, v.token::text, p.subdistrict_id,
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
    """The pieces as read with one stamp. ``tree`` is None when they are not held."""

    stamp: tuple | None
    pieces: int
    vertices: int
    tree: shapely.STRtree | None = None
    owner: np.ndarray | None = None  # piece index -> index into ``answers``
    answers: tuple[tuple, ...] = ()  # one per sub-district: the FIELDS values


_NOT_HELD = Snapshot(stamp=None, pieces=0, vertices=0)

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


def _read(limit: int) -> Snapshot:
    ((version, token, pieces, vertices),) = _fetchall(_SIZE_SQL)
    if vertices > limit:
        return Snapshot(stamp=(version, token), pieces=pieces, vertices=vertices)
    rows = _fetchall(_PIECES_SQL)
    stamp = (rows[0][0], rows[0][1])
    rows = [r for r in rows if r[2] is not None]  # the LEFT JOIN's empty row
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows])
    vertices = int(shapely.get_num_coordinates(geoms).sum()) if rows else 0
    if vertices > limit:  # loaded between the two statements: the limit still holds
        return Snapshot(stamp=stamp, pieces=len(rows), vertices=vertices)
    answers: list[tuple] = []
    owner = np.empty(len(rows), dtype=np.int32)
    for i, row in enumerate(rows):
        if not answers or answers[-1][0] != row[2]:
            answers.append(tuple(row[2:-1]))
        owner[i] = len(answers) - 1
    tree = shapely.STRtree(geoms)
    tree.query(shapely.Point(0, 0))  # GEOS builds a tree on its first query: build it here
    return Snapshot(
        stamp=stamp,
        pieces=len(rows),
        vertices=vertices,
        tree=tree,
        owner=owner,
        answers=tuple(answers),
    )


def current() -> Snapshot:
    """This process's copy, read again when the table's stamp has changed."""
    global _snapshot, _checked_at
    limit = settings.BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES
    if limit <= 0:
        return _NOT_HELD
    snap, now = _snapshot, time.monotonic()
    if snap is not None and now - _checked_at < settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS:
        return snap
    version, token, mine = (_fetchall(_STAMP_SQL) or [(None, None, False)])[0]
    if mine:
        return _NOT_HELD  # the pieces as only this transaction sees them: ask PostGIS
    with _lock:
        snap = _snapshot
        if snap is None or snap.stamp != (version, token):
            snap = _snapshot = _read(limit)
        _checked_at = now
        return snap


def lookup(lon: float, lat: float):
    """The FIELDS of the sub-district whose pieces hold (lon, lat) in SRID 4326, None when no
    piece does, or UNAVAILABLE when this process holds no index (too many vertices, or this
    transaction's own uncommitted pieces)."""
    snap = current()
    if snap.tree is None:
        return UNAVAILABLE
    point = shapely.Point(lon, lat)
    # Queries only read the built tree; the lock is a guard against GEOS building or caching
    # anything lazily under two threads at once (runserver and threaded servers).
    with _query_lock:
        hits = snap.tree.query(point, predicate="covered_by")
        if len(hits) == 0:
            hits = snap.tree.query(point, predicate="dwithin", distance=EDGE_TOLERANCE)
    if len(hits) == 0:
        return None
    return snap.answers[snap.owner[hits.min()]]
