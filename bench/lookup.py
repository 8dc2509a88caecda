#!/usr/bin/env python
"""Point → area on the full national boundaries: the subdivided lookup table against
``ST_Covers`` on the raw sub-district polygons, one point at a time and in bulk.

    .venv/bin/python bench/lookup.py [--points 10000] [--bulk 1000000] [--seed 1]

It works in its own database (default: DATABASE_URL with the name ``damrong_bench_lookup``),
creates it with PostGIS if missing, migrates, and loads the national boundaries with the
project's loader unless the same files are already loaded. See bench/README.md.

(a) N seeded points (90 % inside provinces with ST_GeneratePoints weighted by area, 10 %
uniform over the national extent widened by 0.5°, so at sea and abroad too), rotating per
point: ``area_for_point`` (the production path: the lookup table's pieces held in this
process), the lookup table in one PostGIS query, the baseline of the goal (the same question
asked of ``boundaries_subdistrict``, the raw polygons, with the joins the names then need),
and the raw polygons held in process the same way (to show what being in process alone
gives); then the SQL statements timed inside PostgreSQL (a PL/pgSQL loop, no Python, no
network), planned each time as Django does and with a cached plan, plus codes-only variants
that isolate the spatial part.
(b) M points weighted by sub-district population (+1 % at sea/abroad) in a temp table:
``assign_areas_to_points`` against the naive ``UPDATE ... FROM boundaries_subdistrict WHERE
ST_Covers`` join.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "damrong_bench_lookup"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=int, default=10_000, help="single look-ups (a)")
    p.add_argument("--bulk", type=int, default=1_000_000, help="points for bulk assignment (b)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3, help="look-ups per point and method in (a)")
    p.add_argument(
        "--naive-limit",
        type=int,
        default=0,
        help="time the naive join on only this many of the bulk points and scale up (0 = all)",
    )
    p.add_argument(
        "--max-vertices",
        type=int,
        default=0,
        help="vertices per lookup piece (default: BOUNDARIES_SUBDIVIDE_MAX_VERTICES)",
    )
    p.add_argument("--path", help="boundary files (default: BOUNDARIES_DATA_DIR)")
    p.add_argument(
        "--database-url",
        help=f"the bench database (default: DATABASE_URL with the database name {BENCH_DB})",
    )
    return p.parse_args()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rss_mb() -> float:
    """This process's resident memory (Linux), after a garbage collection."""
    import gc

    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def fmt_ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50):.3f} ms, p95 {pct(values, 95):.3f} ms, mean {statistics.fmean(values):.3f} ms"


# The baseline: the same question asked of the raw sub-district polygons. They carry the
# sub-district's names but not the district's and province's, so the answer needs the joins
# that the lookup table avoids by carrying copies. Same ORDER BY / LIMIT tie-breaking.
RAW_SQL = """
    SELECT s.code, s.name_th, s.name_en, s.district_id, d.name_th, d.name_en,
           s.province_id, p.name_th, p.name_en, s.geom_quality
    FROM boundaries_subdistrict s
    JOIN boundaries_district d ON d.code = s.district_id
    JOIN boundaries_province p ON p.code = s.province_id
    WHERE ST_Covers(s.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
    ORDER BY s.code
    LIMIT 1
"""

# In-database timings: the same statements with $1 = the point (PL/pgSQL loop below).
DB_QUERIES = {
    # As area_for_point_in_postgis: covering pieces first, then those within EDGE_TOLERANCE.
    "lookup": """SELECT subdistrict_id FROM boundaries_subdistrictpiece
        WHERE ST_DWithin(geom, $1, 1e-9) ORDER BY NOT ST_Covers(geom, $1), subdistrict_id
        LIMIT 1""",
    "lookup_full": """SELECT concat_ws('|', subdistrict_id, subdistrict_name_th, subdistrict_name_en,
            district_code, district_name_th, district_name_en, province_code, province_name_th,
            province_name_en, geom_quality)
        FROM boundaries_subdistrictpiece
        WHERE ST_DWithin(geom, $1, 1e-9) ORDER BY NOT ST_Covers(geom, $1), subdistrict_id
        LIMIT 1""",
    "raw_full": """SELECT concat_ws('|', s.code, s.name_th, s.name_en, s.district_id, d.name_th,
            d.name_en, s.province_id, p.name_th, p.name_en, s.geom_quality)
        FROM boundaries_subdistrict s
        JOIN boundaries_district d ON d.code = s.district_id
        JOIN boundaries_province p ON p.code = s.province_id
        WHERE ST_Covers(s.geom, $1) ORDER BY s.code LIMIT 1""",
    "raw": """SELECT code FROM boundaries_subdistrict
        WHERE ST_Covers(geom, $1) ORDER BY code LIMIT 1""",
}

# Raw SQL throughout the bench: it measures SQL, and it must not add ORM overhead to one side.
# Planned per call: EXECUTE ... USING, as every Django query is planned. Cached: static SQL in
# PL/pgSQL, planned once and kept, as a server-side prepared statement would be.
DB_LOOP = """
CREATE OR REPLACE FUNCTION pg_temp.bench_{name}(cached boolean)
RETURNS TABLE (ms float8) LANGUAGE plpgsql AS $fn$
DECLARE r record; t0 timestamptz; answer text;
BEGIN
  FOR r IN SELECT pt FROM bench_lookup_points ORDER BY i LOOP
    t0 := clock_timestamp();
    IF cached THEN
      {static} INTO answer;
    ELSE
      EXECUTE {dynamic} INTO answer USING r.pt;
    END IF;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    RETURN NEXT;
  END LOOP;
END
$fn$;
"""


def main() -> int:
    args = parse_args()
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    # As in production: Django's debug cursor (query log) off, unless DEBUG is set explicitly.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    import django

    django.setup()
    import shapely
    from django.conf import settings
    from django.contrib.gis.geos import Point
    from django.core.management import call_command
    from django.db import connection

    from boundaries import point_index
    from boundaries.models import Subdistrict, SubdistrictPiece
    from boundaries.selectors import area_for_point, area_for_point_in_postgis
    from boundaries.services.bulk import assign_areas_to_points
    from boundaries.services.loading import load_boundaries

    db_name = connection.settings_dict["NAME"]
    log(f"database {db_name}")
    call_command("migrate", verbosity=0)
    max_vertices = args.max_vertices or settings.BOUNDARIES_SUBDIVIDE_MAX_VERTICES
    t = time.perf_counter()
    report = load_boundaries(
        source_dir=args.path, if_changed=True, progress=False, max_vertices=max_vertices
    )
    log(
        ("boundaries already loaded" if report.skipped else "loaded the boundaries")
        + f" ({time.perf_counter() - t:.1f} s): {report.counts}, {report.pieces} pieces "
        f"of at most {max_vertices} vertices"
    )
    n_sub = Subdistrict.objects.filter(geom__isnull=False).count()
    if n_sub < 7000:
        log(f"only {n_sub} sub-district polygons: this bench wants the national data")
    n_pieces = SubdistrictPiece.objects.count()

    def sql(query, params=None):
        with connection.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else cur.rowcount

    # ---------------------------------------------------------------- (a) single look-ups
    n_in = round(args.points * 0.9)
    sql("DROP TABLE IF EXISTS bench_generated")
    sql(
        """
        CREATE TEMP TABLE bench_generated AS
        WITH share AS (
            SELECT code, geom, area_km2 / sum(area_km2) OVER () AS w FROM boundaries_province
        ), counts AS (
            -- largest-remainder rounding, so the counts add up to exactly n_in
            SELECT code, geom, floor(w * %(n)s)::int
                   + CASE WHEN row_number() OVER (ORDER BY w * %(n)s - floor(w * %(n)s) DESC)
                          <= %(n)s - sum(floor(w * %(n)s)::int) OVER () THEN 1 ELSE 0 END AS k
            FROM share
        )
        SELECT code, (d).path[1] AS k, (d).geom AS pt
        FROM (SELECT code, ST_Dump(ST_GeneratePoints(geom, k, %(seed)s)) AS d
              FROM counts WHERE k > 0) x
        """,
        {"n": n_in, "seed": args.seed},
    )
    rows = sql("SELECT ST_X(pt), ST_Y(pt) FROM bench_generated ORDER BY code, k")
    ((minx, miny, maxx, maxy),) = sql(
        "SELECT ST_XMin(e) - 0.5, ST_YMin(e) - 0.5, ST_XMax(e) + 0.5, ST_YMax(e) + 0.5 "
        "FROM (SELECT ST_Extent(geom) AS e FROM boundaries_province) x"
    )
    rng = random.Random(args.seed)
    rows += [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(args.points - n_in)]
    rng.shuffle(rows)
    sql("DROP TABLE IF EXISTS bench_lookup_points")
    sql(
        "CREATE TEMP TABLE bench_lookup_points AS "
        "SELECT i::int, ST_SetSRID(ST_MakePoint(x, y), 4326) AS pt "
        "FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS u(x, y, i)",
        [[r[0] for r in rows], [r[1] for r in rows]],
    )
    sql("ANALYZE bench_lookup_points")
    points = [Point(x, y, srid=4326) for x, y in rows]
    log(f"(a) {len(points)} points ({n_in} generated inside provinces, seed {args.seed})")

    def raw_lookup(point):
        with connection.cursor() as cur:
            cur.execute(RAW_SQL, [point.x, point.y])
            return cur.fetchone()

    def table_in_postgis(point):
        return area_for_point_in_postgis(point.x, point.y)

    # area_for_point reads the lookup table into this process once (point_index); measure that.
    point_index.forget()
    rss0 = rss_mb()
    t = time.perf_counter()
    snap = point_index.current()
    index_build_s = time.perf_counter() - t
    index_mb = rss_mb() - rss0
    if snap.tree is None:
        log(
            f"    the pieces ({snap.vertices} vertices) are above "
            f"BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES: area_for_point asks PostGIS"
        )
    else:
        log(
            f"    in-process index: {snap.pieces} pieces, {snap.vertices} vertices, read in "
            f"{index_build_s:.2f} s, {index_mb:.0f} MB resident"
        )
    # For honesty: the raw polygons held in memory the same way (prepared, in an STRtree), to
    # show how much of area_for_point's speed is being in process and how much the pieces.
    rss0 = rss_mb()
    raw_codes, raw_geoms = zip(
        *sql(
            "SELECT code, ST_AsBinary(geom) FROM boundaries_subdistrict "
            "WHERE geom IS NOT NULL ORDER BY code"
        ),
        strict=True,
    )
    raw_geoms = shapely.from_wkb([bytes(g) for g in raw_geoms])
    shapely.prepare(raw_geoms)
    raw_tree = shapely.STRtree(raw_geoms)
    raw_mem_mb = rss_mb() - rss0

    def raw_in_process(point):
        hits = raw_tree.query(shapely.Point(point.x, point.y), predicate="covered_by")
        return (raw_codes[hits.min()],) if len(hits) else None

    def production(point):
        return area_for_point(point=point).subdistrict_code

    def code_of(answer):
        return answer if answer is None or isinstance(answer, str) else answer[0]

    contenders = {
        "area_for_point": production,  # the production path: the in-process index
        "table_in_postgis": table_in_postgis,  # the same table, one PostGIS query
        "raw_in_postgis": raw_lookup,  # the baseline of the goal
        "raw_in_process": raw_in_process,
    }
    for p in points[:300]:  # warm the caches and the connection
        for fn in contenders.values():
            fn(p)
    times = {name: [] for name in contenders}  # every timing
    best = {name: [] for name in contenders}  # per point, the fastest of --repeat tries
    disagree = dict.fromkeys(contenders, 0)
    inside = 0
    order = list(contenders.items())
    for k, p in enumerate(points):
        tries = {name: [] for name in contenders}
        answers = {}
        for rep in range(args.repeat):
            # Rotate which goes first, so that none always gets the warmest cache.
            shift = (k + rep) % len(order)
            for name, fn in order[shift:] + order[:shift]:
                t0 = time.perf_counter()
                answer = fn(p)
                tries[name].append((time.perf_counter() - t0) * 1000)
                answers[name] = code_of(answer)
        for name in contenders:
            times[name] += tries[name]
            best[name].append(min(tries[name]))
            disagree[name] += answers[name] != answers["raw_in_postgis"]
        inside += answers["raw_in_postgis"] is not None
    label = {
        "area_for_point": "area_for_point (in-process pieces)",
        "table_in_postgis": "lookup table, one PostGIS query",
        "raw_in_postgis": "raw polygons + joins, PostGIS",
        "raw_in_process": "raw polygons in process (shapely)",
    }
    log(f"    {inside} inside a sub-district, {len(points) - inside} outside")
    log(f"    answers differing from the raw polygons in PostGIS: {disagree}")
    log(f"    from Python, every call ({args.repeat} per point and method):")
    for name in contenders:
        log(f"      {label[name]:<36} {fmt_ms(times[name])}")
    if args.repeat > 1:
        log(f"    from Python, fastest of {args.repeat} per point (less scheduler noise):")
        for name in contenders:
            log(f"      {label[name]:<36} {fmt_ms(best[name])}")
    lookup_ms, raw_ms = times["area_for_point"], times["raw_in_postgis"]
    lookup_best, raw_best = best["area_for_point"], best["raw_in_postgis"]

    in_db = {}
    for name, query in DB_QUERIES.items():
        static = query.replace("$1", "r.pt")
        dynamic = "'" + query.replace("'", "''") + "'"
        sql(DB_LOOP.format(name=name, static=static, dynamic=dynamic))
    for cached in (False, True):
        for name in DB_QUERIES:
            sql(f"SELECT count(*) FROM pg_temp.bench_{name}(%s)", [cached])  # warm-up
            in_db[(name, cached)] = [
                r[0] for r in sql(f"SELECT ms FROM pg_temp.bench_{name}(%s)", [cached])
            ]
    label = {
        "lookup_full": "lookup table, full answer",
        "raw_full": "raw polygons + joins, full answer",
        "lookup": "lookup table, code only",
        "raw": "raw polygons, code only",
    }
    for cached in (False, True):
        log(f"    in PostgreSQL, {'prepared (planned once)' if cached else 'planned per call'}:")
        for name in ("lookup_full", "raw_full", "lookup", "raw"):
            log(f"      {label[name]:<36} {fmt_ms(in_db[(name, cached)])}")

    # ---------------------------------------------------------------- (b) bulk assignment
    bulk = {}
    if args.bulk > 0:
        bulk = run_bulk(args, sql, assign_areas_to_points)

    p95 = pct(lookup_ms, 95)
    raw_p95 = pct(raw_ms, 95)

    def db(name, cached, q):
        return round(pct(in_db[(name, cached)], q), 4)

    result = {
        "n": len(points),
        "seed": args.seed,
        "max_vertices": max_vertices,
        "subdistricts": n_sub,
        "pieces": n_pieces,
        "disagreements": disagree["area_for_point"],
        "disagreements_by_method": disagree,
        "lookup_path": "in_process" if snap.tree is not None else "postgis",
        "index_vertices": snap.vertices,
        "index_build_s": round(index_build_s, 3),
        "index_rss_mb": round(index_mb, 1),
        "raw_in_process_rss_mb": round(raw_mem_mb, 1),
        "lookup_p50_ms": round(pct(lookup_ms, 50), 4),
        "lookup_p95_ms": round(p95, 4),
        "raw_p50_ms": round(pct(raw_ms, 50), 4),
        "raw_p95_ms": round(raw_p95, 4),
        "ratio_p50": round(pct(lookup_ms, 50) / pct(raw_ms, 50), 3),
        "ratio_p95": round(p95 / raw_p95, 3),
        "table_in_postgis_p95_ms": round(pct(times["table_in_postgis"], 95), 4),
        "table_in_postgis_ratio_p95": round(pct(times["table_in_postgis"], 95) / raw_p95, 3),
        "raw_in_process_p95_ms": round(pct(times["raw_in_process"], 95), 4),
        "ratio_p95_vs_raw_in_process": round(p95 / pct(times["raw_in_process"], 95), 3),
        "repeat": args.repeat,
        "best_of_repeat_lookup_p95_ms": round(pct(lookup_best, 95), 4),
        "best_of_repeat_raw_p95_ms": round(pct(raw_best, 95), 4),
        "best_of_repeat_ratio_p95": round(pct(lookup_best, 95) / pct(raw_best, 95), 3),
        "db_lookup_p95_ms": db("lookup_full", False, 95),
        "db_raw_p95_ms": db("raw_full", False, 95),
        "db_ratio_p95": round(db("lookup_full", False, 95) / db("raw_full", False, 95), 3),
        "db_prepared_lookup_p95_ms": db("lookup_full", True, 95),
        "db_prepared_raw_p95_ms": db("raw_full", True, 95),
        "db_prepared_ratio_p95": round(db("lookup_full", True, 95) / db("raw_full", True, 95), 3),
        "db_code_only_ratio_p95": round(db("lookup", False, 95) / db("raw", False, 95), 3),
        "db_prepared_code_only_ratio_p95": round(db("lookup", True, 95) / db("raw", True, 95), 3),
        **bulk,
        "goal_lookup_p95_half_of_raw": p95 <= raw_p95 / 2,
        "goal_bulk_1m_60s": (bulk.get("bulk_s", float("inf")) <= 60)
        if args.bulk >= 1_000_000
        else None,
    }
    print(json.dumps(result))
    return 0


def run_bulk(args, sql, assign_areas_to_points) -> dict:
    m = args.bulk
    n_sea = m // 100
    log(f"(b) {m} points: {m - n_sea} weighted by sub-district population, {n_sea} uniform")
    t = time.perf_counter()
    sql("SELECT setseed(%s)", [((args.seed % 1000) / 1000.0)])
    for table in ("bench_bulk", "bench_bulk_naive", "bench_bulk_rawplan", "bench_rawplan_pts"):
        sql(f"DROP TABLE IF EXISTS {table}")
    sql(
        """
        CREATE TEMP TABLE bench_bulk (
            id bigint PRIMARY KEY, location geometry(Point, 4326),
            subdistrict_code varchar(6), district_code varchar(4), province_code varchar(2))
        """
    )
    sql(
        """
        INSERT INTO bench_bulk (id, location)
        WITH share AS (
            SELECT code, geom, population::float8 / sum(population) OVER () AS w
            FROM boundaries_subdistrict WHERE geom IS NOT NULL AND population > 0
        ), counts AS (
            SELECT code, geom, floor(w * %(n)s)::int
                   + CASE WHEN row_number() OVER (ORDER BY w * %(n)s - floor(w * %(n)s) DESC)
                          <= %(n)s - sum(floor(w * %(n)s)::int) OVER () THEN 1 ELSE 0 END AS k
            FROM share
        ), generated AS (
            SELECT (ST_Dump(ST_GeneratePoints(geom, k, %(seed)s))).geom AS location
            FROM counts WHERE k > 0
            UNION ALL
            SELECT ST_SetSRID(ST_MakePoint(e.minx + random() * (e.maxx - e.minx),
                                           e.miny + random() * (e.maxy - e.miny)), 4326)
            FROM (SELECT ST_XMin(x) - 0.5 AS minx, ST_XMax(x) + 0.5 AS maxx,
                         ST_YMin(x) - 0.5 AS miny, ST_YMax(x) + 0.5 AS maxy
                  FROM (SELECT ST_Extent(geom) AS x FROM boundaries_province) b) e,
                 generate_series(1, %(sea)s)
        )
        -- arrival order, not map order: complaints come in by time, all over the country
        SELECT row_number() OVER (ORDER BY md5(ST_AsBinary(location)::text)), location
        FROM generated
        """,
        {"n": m - n_sea, "sea": n_sea, "seed": args.seed},
    )
    for copy in ("bench_bulk_naive", "bench_bulk_rawplan"):
        sql(f"CREATE TEMP TABLE {copy} AS SELECT * FROM bench_bulk")
        sql(f"ALTER TABLE {copy} ADD PRIMARY KEY (id)")
        sql(f"ANALYZE {copy}")
    sql("ANALYZE bench_bulk")
    # Every contender gets the memory assign_areas_to_points gives itself.
    sql("SET work_mem = '256MB'")
    log(f"    generated in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    assigned = assign_areas_to_points(table="bench_bulk", geom="location")
    bulk_s = time.perf_counter() - t
    log(
        f"    assign_areas_to_points (pieces, lowest code on ties): {bulk_s:.1f} s, {assigned} rows"
    )

    limit = args.naive_limit if 0 < args.naive_limit < m else m
    # The naive way: join the raw polygons directly, in the plan PostgreSQL picks for it (one
    # index probe per point). On a border the row takes whichever polygon the executor meets
    # first, so it is not even deterministic.
    t = time.perf_counter()
    naive_rows = sql(
        """
        UPDATE bench_bulk_naive AS t
        SET subdistrict_code = s.code, district_code = s.district_id, province_code = s.province_id
        FROM boundaries_subdistrict AS s
        WHERE ST_Covers(s.geom, t.location) AND t.id <= %s
        """,
        [limit],
    )
    naive_s = time.perf_counter() - t
    scaled = naive_s * m / limit
    note = "" if limit == m else f" on {limit} points, scaled to {m}: {scaled:.1f} s"
    log(f"    naive UPDATE ... FROM raw polygons WHERE ST_Covers: {naive_s:.1f} s{note}")

    # For honesty: assign_areas_to_points' own plan, on the raw polygons instead of the pieces.
    # Shows how much of the gain is the plan and how much the subdivided table.
    t = time.perf_counter()
    sql(
        "CREATE TEMP TABLE bench_rawplan_pts AS SELECT id, location FROM bench_bulk_rawplan "
        "ORDER BY floor(ST_Y(location) * 20), ST_X(location)"
    )
    sql("CREATE INDEX ON bench_rawplan_pts USING gist (location)")
    sql("ANALYZE bench_rawplan_pts")
    sql(
        """
        UPDATE bench_bulk_rawplan AS u
        SET subdistrict_code = s.code, district_code = s.district_id, province_code = s.province_id
        FROM (
            SELECT h.id, min(h.code) AS code
            FROM (
                SELECT t.id, p.code
                FROM boundaries_subdistrict AS p
                CROSS JOIN LATERAL (
                    SELECT t.id FROM bench_rawplan_pts AS t
                    WHERE ST_Covers(p.geom, t.location) OFFSET 0
                ) AS t
                WHERE p.geom IS NOT NULL
            ) AS h
            GROUP BY h.id
        ) AS m
        JOIN boundaries_subdistrict AS s ON s.code = m.code
        WHERE u.id = m.id
        """
    )
    rawplan_s = time.perf_counter() - t
    log(f"    the same per-polygon plan on the raw polygons: {rawplan_s:.1f} s")
    sql("RESET work_mem")

    (differ,) = sql(
        """
        SELECT count(*) FROM bench_bulk a JOIN bench_bulk_naive b USING (id)
        WHERE b.id <= %s AND a.subdistrict_code IS DISTINCT FROM b.subdistrict_code
        """,
        [limit],
    )[0]
    (differ_raw,) = sql(
        """
        SELECT count(*) FROM bench_bulk a JOIN bench_bulk_rawplan b USING (id)
        WHERE (a.subdistrict_code, a.district_code, a.province_code)
              IS DISTINCT FROM (b.subdistrict_code, b.district_code, b.province_code)
        """
    )[0]
    log(
        f"    answers differing from the naive join: {differ} (border ties); "
        f"from the same plan on raw polygons: {differ_raw}"
    )
    return {
        "bulk_points": m,
        "bulk_assigned": assigned,
        "bulk_s": round(bulk_s, 2),
        "naive_s": round(scaled, 2),
        "naive_points_timed": limit,
        "naive_updated": naive_rows,
        "bulk_ratio_vs_naive": round(bulk_s / scaled, 3),
        "bulk_raw_same_plan_s": round(rawplan_s, 2),
        "bulk_ratio_vs_raw_same_plan": round(bulk_s / rawplan_s, 3),
        "bulk_naive_disagreements": differ,
        "bulk_raw_same_plan_disagreements": differ_raw,
    }


if __name__ == "__main__":
    sys.exit(main())
