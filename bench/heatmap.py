"""Benchmark: the national heatmap's square grid (``/api/maps/grid.geojson``) with many
complaints loaded.

Times the endpoint as a browser calls it (Django's test client: middleware, session, the
scope, the filter parser, the SQL, GeoJSON out) beside the very same SQL sent straight through
psycopg (``layers.selectors.mapdata.grid_polygons_sql``'s statement and parameters, so the plan
is the same), for a few typical requests: the whole country at the national map's cell sizes,
one province, and a zoomed-in view. Prints p50/p95 of each side by side with the payload
bytes and, as its last line, one JSON object of figures (each request's ``app_p95_ms`` and
``raw_p95_ms``, as ``bench/casework.py`` does).

Goal (issue 9): app p95 <= 3 x raw p95 and <= 100 ms.

    .venv/bin/python bench/heatmap.py --complaints 1000000       # set up if needed, measure
    .venv/bin/python bench/heatmap.py --complaints 20000 --runs 10 --warmup 2   # a quick look

The database is --database-url, by default DATABASE_URL's server with the database
damrong_bench_heatmap, created with PostGIS when missing (bench/benchdb.py). Set-up (each step
skipped when already done): migrate; national boundaries; complaints up to --complaints with
the demo seeder (``seed_demo --no-accounts``); a central officer to ask as.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_heatmap"
BENCH_CITIZEN_ID_FIRST12 = "900000000091"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help=f"default: DATABASE_URL with the name {BENCH_DB}")
    p.add_argument("--complaints", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=30, help="timed runs per request")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    p.add_argument("--seed", type=int, default=2569, help="demo seeder's random seed")
    p.add_argument("--skip-setup", action="store_true", help="measure what is there")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query")
    return p.parse_args(argv)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_data(args) -> None:
    from django.core.management import call_command
    from django.db import connection

    from boundaries.models import Subdistrict
    from layers.models import Complaint

    say("migrate")
    call_command("migrate", verbosity=0)
    if Subdistrict.objects.filter(geom__isnull=False).count() < 7000:
        say("loading the national boundaries")
        call_command("load_boundaries", no_progress=True, stdout=sys.stderr)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    have = Complaint.objects.count()
    if have < args.complaints:
        missing = args.complaints - have
        say(f"seeding {missing:,} demo complaints (have {have:,})")
        started = time.perf_counter()
        call_command(
            "seed_demo",
            count=missing,
            seed=args.seed,
            no_accounts=True,
            focus_provinces="",
            no_progress=False,
            stdout=sys.stderr,
        )
        say(f"seeded in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        # VACUUM too: the grid reads the national counts from an index alone
        # (complaint_grid_xy), which needs the visibility map autovacuum keeps in production.
        cur.execute("VACUUM ANALYZE layers_complaint")


def central_officer():
    from layers.models import Officer, Role, RoleAssignment
    from layers.validators import citizen_id_check_digit

    cid = BENCH_CITIZEN_ID_FIRST12 + str(citizen_id_check_digit(BENCH_CITIZEN_ID_FIRST12))
    officer = Officer.objects.filter(citizen_id=cid).first()
    if officer is None:
        officer = Officer.objects.create_user(
            cid, None, first_name="bench", last_name="central", must_change_password=False
        )
    RoleAssignment.objects.get_or_create(officer=officer, role=Role.CENTRAL_OFFICER)
    return officer


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)

    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from layers.models import Complaint
    from layers.selectors.filters import case_filter_apply
    from layers.selectors.mapdata import (
        GRID_WORK_MEM,
        grid_filter_from_params,
        grid_polygons_sql,
    )
    from layers.selectors.scope import complaints_visible_to

    settings.ALLOWED_HOSTS = ["*"]
    if not args.skip_setup:
        ensure_data(args)
    total = Complaint.objects.count()
    busiest = Complaint.objects.values("province_id").annotate(n=Count("id")).order_by("-n").first()
    province = busiest["province_id"] if busiest else "10"
    officer = central_officer()
    client = Client()
    client.force_login(officer)
    say(f"{total:,} complaints; busiest province {province}")

    requests = {
        "national_40km": {"cell": "40000"},
        "national_20km": {"cell": "20000"},
        "province_5km": {"cell": "5000", "province": province},
        "zoomed_2500m": {"cell": "2500", "bbox": "100.3,13.5,100.9,14.0"},
    }
    results = {}
    print(
        f"{'request':<15} {'cells':>6} {'bytes':>9} {'app p50':>9} {'app p95':>9} "
        f"{'raw p50':>9} {'raw p95':>9} {'ratio':>6}  ok"
    )
    for name, params in requests.items():

        def app(params=params):
            response = client.get("/api/maps/grid.geojson", params)
            assert response.status_code == 200, response.content[:300]
            return response.content

        body = app()
        payload = json.loads(body)
        app_ms = timed(app, args.runs, args.warmup)

        filters, cell = grid_filter_from_params(params)
        qs = case_filter_apply(complaints_visible_to(officer=officer), filters)
        sql, sql_params = grid_polygons_sql(qs, cell)
        connection.ensure_connection()
        raw_conn = connection.connection

        def raw(sql=sql, sql_params=sql_params, raw_conn=raw_conn):
            # The same memory for the GROUP BY as the app gives it (mapdata.GRID_WORK_MEM).
            with raw_conn.cursor() as cur:
                cur.execute(f"SET work_mem = '{GRID_WORK_MEM}'")
                cur.execute(sql, sql_params)
                rows = cur.fetchall()
                cur.execute("RESET work_mem")
                return rows

        raw_ms = timed(raw, args.runs, args.warmup)
        a50, a95 = percentile(app_ms, 0.5), percentile(app_ms, 0.95)
        r50, r95 = percentile(raw_ms, 0.5), percentile(raw_ms, 0.95)
        ok = a95 <= 3 * r95 and a95 <= 100
        results[name] = {
            "params": params,
            "cells": len(payload["features"]),
            "cases": payload["total"],
            "payload_bytes": len(body),
            "app_p50_ms": round(a50, 1),
            "app_p95_ms": round(a95, 1),
            "raw_p50_ms": round(r50, 1),
            "raw_p95_ms": round(r95, 1),
            "ratio_p95": round(a95 / r95, 2) if r95 else None,
            "ok": ok,
        }
        print(
            f"{name:<15} {len(payload['features']):>6} {len(body):>9} {a50:>9.1f} {a95:>9.1f} "
            f"{r50:>9.1f} {r95:>9.1f} {a95 / r95 if r95 else float('nan'):>6.2f}  "
            f"{'yes' if ok else 'NO'}"
        )
        if args.explain:
            with connection.cursor() as cur:
                cur.execute(f"SET work_mem = '{GRID_WORK_MEM}'")
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
                for (line,) in cur.fetchall():
                    say("    " + line)

    figures = {
        "bench": "heatmap",
        "complaints": total,
        "grid_srid": 32647,
        "runs": args.runs,
        "goal": "app p95 <= 3 x raw p95 and <= 100 ms",
        "all_ok": all(r["ok"] for r in results.values()),
        **results,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
