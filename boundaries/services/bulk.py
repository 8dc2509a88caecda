"""Set-based point → area assignment for many points at once (imports, demo data, backfills).

One UPDATE joins the points to the subdivided lookup table with ``ST_Covers`` and, like
``area_for_point``, takes the lowest sub-district code when a point is covered by two pieces
(a border), so bulk and single look-ups always agree.
"""

from __future__ import annotations

from django.db import connection
from psycopg import sql


def assign_areas_to_points(
    *,
    table: str,
    pk: str = "id",
    geom: str = "location",
    subdistrict_col: str = "subdistrict_code",
    district_col: str = "district_code",
    province_col: str = "province_code",
    only_missing: bool = True,
) -> int:
    """Fill the three code columns of ``table`` from its point column; returns rows updated.

    Raw SQL because the ORM cannot express an UPDATE ... FROM a LATERAL top-1 join. Table and
    column names are quoted identifiers, never interpolated strings.
    """
    where = (
        sql.SQL("WHERE t.{} IS NULL").format(sql.Identifier(subdistrict_col))
        if only_missing
        else sql.SQL("")
    )
    query = sql.SQL(
        """
        UPDATE {table} AS u
        SET {sub} = m.subdistrict_id, {dist} = m.district_code, {prov} = m.province_code
        FROM (
            SELECT t.{pk} AS id, p.subdistrict_id, p.district_code, p.province_code
            FROM {table} AS t
            CROSS JOIN LATERAL (
                SELECT subdistrict_id, district_code, province_code
                FROM boundaries_subdistrictpiece
                WHERE ST_Covers(geom, t.{geom})
                ORDER BY subdistrict_id
                LIMIT 1
            ) AS p
            {where}
        ) AS m
        WHERE u.{pk} = m.id
        """
    ).format(
        table=sql.Identifier(table),
        sub=sql.Identifier(subdistrict_col),
        dist=sql.Identifier(district_col),
        prov=sql.Identifier(province_col),
        pk=sql.Identifier(pk),
        geom=sql.Identifier(geom),
        where=where,
    )
    with connection.cursor() as cur:
        cur.execute(query)
        return cur.rowcount
