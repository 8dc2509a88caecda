"""Set-based point → area assignment for many points at once (imports, demo data, backfills).

Like ``area_for_point``, a point covered by two pieces (a border, a cut line) takes the lowest
sub-district code, and a point no piece covers takes the lowest code among the pieces within
``EDGE_TOLERANCE`` (0.1 mm), so bulk and single look-ups always agree.

Two plans, picked by size:

* ``per_point``: each point asks the pieces' GiST index for the pieces that cover it (a
  LATERAL top-1). About 20 µs a point, whatever the table: right for a few thousand points.
* ``per_piece``: each of the ~19,000 pieces asks a GiST index on the *points* for the points it
  covers. Far fewer index descents, and consecutive ``ST_Covers`` calls share one piece. It
  needs a spatial index on the points: the table's own if it has one, otherwise a temporary
  copy of the points gets one. bench/lookup.py, 1 M points on the national data: 15.7 s,
  against 43.9 s for the naive ``UPDATE ... FROM boundaries_subdistrict`` join.

The same per-polygon plan on the raw polygons is about as fast (13.5 s in that run): the gain
is the plan. The pieces are used so that bulk and single look-ups read the same geometry
with the same tie-break and can never disagree.
"""

from __future__ import annotations

from django.db import connection, transaction
from psycopg import sql

from boundaries.models import SubdistrictPiece
from boundaries.point_index import EDGE_TOLERANCE

# Below this many points per piece the per-point plan is cheaper than visiting every piece.
PER_PIECE_MIN_POINTS_PER_PIECE = 2


def _has_spatial_index(cur, table: str, column: str) -> bool:
    cur.execute(
        """
        SELECT EXISTS (
            SELECT 1 FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ic.relam
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = to_regclass(quote_ident(%s))
              AND am.amname IN ('gist', 'spgist') AND a.attname = %s
              AND i.indpred IS NULL
        )
        """,
        [table, column],
    )
    return cur.fetchone()[0]


@transaction.atomic
def assign_areas_to_points(
    *,
    table: str,
    pk: str = "id",
    geom: str = "location",
    subdistrict_col: str = "subdistrict_code",
    district_col: str = "district_code",
    province_col: str = "province_code",
    only_missing: bool = True,
    strategy: str = "auto",
) -> int:
    """Fill the three code columns of ``table`` from its point column; returns rows updated.

    ``strategy`` is ``auto``, ``per_point`` or ``per_piece`` (see the module docstring).
    Points outside every polygon keep NULL codes.

    Raw SQL because the ORM cannot express an UPDATE ... FROM a LATERAL join. Table and
    column names are quoted identifiers, never interpolated strings.
    """
    if strategy not in ("auto", "per_point", "per_piece"):
        raise ValueError(f"unknown strategy {strategy!r}")
    ids = {
        "table": sql.Identifier(table),
        "pk": sql.Identifier(pk),
        "geom": sql.Identifier(geom),
        "sub": sql.Identifier(subdistrict_col),
        "dist": sql.Identifier(district_col),
        "prov": sql.Identifier(province_col),
    }
    missing = sql.SQL("t.{} IS NULL").format(ids["sub"]) if only_missing else sql.SQL("TRUE")
    with connection.cursor() as cur:
        # Hashing a million ids and codes in memory, not on disk; this transaction only.
        cur.execute("SET LOCAL work_mem = '256MB'")
        if strategy == "auto":
            cur.execute(
                sql.SQL("SELECT count(*) FROM {table} AS t WHERE {missing}").format(
                    missing=missing, **ids
                )
            )
            points = cur.fetchone()[0]
            pieces = SubdistrictPiece.objects.count()
            strategy = (
                "per_piece"
                if points >= PER_PIECE_MIN_POINTS_PER_PIECE * max(pieces, 1)
                else "per_point"
            )
        if strategy == "per_point":
            cur.execute(_per_point_sql(ids, missing))
        else:
            source = ids["table"]
            if not _has_spatial_index(cur, table, geom):
                cur.execute("DROP TABLE IF EXISTS pg_temp.bulk_assign_points")
                cur.execute(
                    sql.SQL(
                        "CREATE TEMP TABLE bulk_assign_points AS "
                        "SELECT t.{pk}, t.{geom}, t.{sub} FROM {table} AS t WHERE {missing} "
                        # Rows near each other on the map near each other on disk: a piece's
                        # points then sit on a few pages (bench: join 1.4 s -> 0.9 s).
                        "ORDER BY floor(ST_Y(t.{geom}) * 20), ST_X(t.{geom})"
                    ).format(missing=missing, **ids)
                )
                cur.execute(
                    sql.SQL("CREATE INDEX ON bulk_assign_points USING gist ({geom})").format(**ids)
                )
                cur.execute("ANALYZE bulk_assign_points")
                source = sql.Identifier("bulk_assign_points")
            cur.execute(_per_piece_sql(ids, missing, source))
        updated = cur.rowcount
        cur.execute("DROP TABLE IF EXISTS pg_temp.bulk_assign_points")
        # As area_for_point: a point left without a piece that covers it takes the lowest
        # code among the pieces within EDGE_TOLERANCE (a rounding error off a cut outer edge).
        cur.execute(
            _per_point_sql(
                ids,
                sql.SQL("t.{} IS NULL").format(ids["sub"]),
                holds=_WITHIN_TOLERANCE,
            ),
            [EDGE_TOLERANCE],
        )
        return updated + cur.rowcount


# How a piece holds a point: the rule, and the edge fallback (see point_index.EDGE_TOLERANCE).
_COVERS = sql.SQL("ST_Covers(geom, t.{geom})")
_WITHIN_TOLERANCE = sql.SQL("ST_DWithin(geom, t.{geom}, %s)")


def _per_point_sql(ids, missing, holds=_COVERS):
    return sql.SQL(
        """
        UPDATE {table} AS u
        SET {sub} = m.subdistrict_id, {dist} = m.district_code, {prov} = m.province_code
        FROM (
            SELECT t.{pk} AS id, p.subdistrict_id, p.district_code, p.province_code
            FROM {table} AS t
            CROSS JOIN LATERAL (
                SELECT subdistrict_id, district_code, province_code
                FROM boundaries_subdistrictpiece
                WHERE {holds}
                ORDER BY subdistrict_id
                LIMIT 1
            ) AS p
            WHERE {missing}
        ) AS m
        WHERE u.{pk} = m.id
        """
    ).format(missing=missing, holds=holds.format(**ids), **ids)


def _per_piece_sql(ids, missing, source):
    # The LATERAL with OFFSET 0 keeps the pieces on the outside of the loop, whatever the
    # planner's row estimates; min() then picks the lowest code for points on a border or a
    # cut line.
    return sql.SQL(
        """
        UPDATE {table} AS u
        SET {sub} = s.code, {dist} = s.district_id, {prov} = s.province_id
        FROM (
            SELECT h.id, min(h.subdistrict_id) AS code
            FROM (
                SELECT t.{pk} AS id, p.subdistrict_id
                FROM boundaries_subdistrictpiece AS p
                CROSS JOIN LATERAL (
                    SELECT t.{pk} FROM {source} AS t
                    WHERE ST_Covers(p.geom, t.{geom}) AND {missing}
                    OFFSET 0  -- a fence: otherwise the join is flattened and turned around
                ) AS t
            ) AS h
            GROUP BY h.id
        ) AS m
        JOIN boundaries_subdistrict AS s ON s.code = m.code
        WHERE u.{pk} = m.id
        """
    ).format(missing=missing, source=source, **ids)
