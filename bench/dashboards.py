"""Benchmark: the choropleth dashboards' figures with many complaints loaded.

Measures what ``/dashboards/`` asks for (issue 9): the national province-level figures and one
province's district-level figures (``layers.selectors.dashboards.area_figures``: jurisdiction,
the filter parser, one grouped aggregate query, the metrics derived per area and the classes),
beside the very same SQL sent straight through psycopg (the ORM's compiled statement and
parameters, so the plan is the same); then the bytes each map sends (shapes once, figures on
every filter change). Prints p50/p95 side by side and, as its last line, one JSON object of
figures, each query's an object with ``app_p95_ms`` and ``raw_p95_ms`` (as bench/casework.py).

Goal (issue 9): app p95 <= 3 x raw p95 and <= 100 ms; the national choropleth's payload
(shapes + figures) <= 300 KB.

    The database is --database-url, by default DATABASE_URL's server with the database
    damrong_bench_dashboards, created with PostGIS when missing (bench/benchdb.py).
    .venv/bin/python bench/dashboards.py --complaints 1000000         # set up if needed, measure
    .venv/bin/python bench/dashboards.py --complaints 20000 --runs 20 # a quick look

Set-up (each step skipped when already done): the database; migrate; national boundaries
(``load_boundaries``); complaints up to --complaints with the demo seeder (``seed_demo
--no-accounts``, set-based SQL, weighted by population over two years); a central officer and
a governor of the measured province.

The hexagon-grid query of the heatmap (issue 9, "Heatmap and points") is not measured here:
``HEXGRID_HOOK`` below is where it goes once that part has landed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_dashboards"
CENTRAL_CITIZEN_ID_FIRST12 = "900000000091"
GOVERNOR_CITIZEN_ID_FIRST12 = "900000000092"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url",
        help=f"the bench database (default: DATABASE_URL with the database name {BENCH_DB})",
    )
    p.add_argument(
        "--complaints",
        type=int,
        default=1_000_000,
        help="complaints the database must hold (added with the demo seeder when fewer)",
    )
    p.add_argument("--runs", type=int, default=20, help="timed runs per query")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first (cache warm)")
    p.add_argument(
        "--province", default="30", help="province whose district-level figures are measured"
    )
    p.add_argument("--seed", type=int, default=2569, help="demo seeder's random seed")
    p.add_argument("--skip-setup", action="store_true", help="measure what is there")
    p.add_argument("--setup-only", action="store_true", help="set up, measure nothing")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query")
    return p.parse_args(argv)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    # No DEBUG: the query log would add its own overhead to every ORM call.
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------- set-up


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
            stdout=sys.stderr,  # progress on stderr: stdout ends with the JSON line
        )
        say(f"seeded in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        # The state autovacuum keeps a table in: statistics, and the visibility map that lets
        # the figures be read from their index alone.
        cur.execute("VACUUM (ANALYZE) layers_complaint")


def bench_officer(first12: str, role: str, province: str | None = None):
    from layers.models import Officer, RoleAssignment
    from layers.validators import citizen_id_check_digit

    cid = first12 + str(citizen_id_check_digit(first12))
    officer = Officer.objects.filter(citizen_id=cid).first()
    if officer is None:
        officer = Officer.objects.create_user(
            cid, None, first_name="bench", last_name=role, must_change_password=False
        )
    RoleAssignment.objects.filter(officer=officer).exclude(role=role).delete()
    RoleAssignment.objects.get_or_create(
        officer=officer, role=role, province_id=province, district_id=None
    )
    return officer


# --------------------------------------------------------------------------------- timing


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


def figure_statements(fn) -> list[str]:
    """The aggregate statements (on the complaints table) that one call of ``fn`` runs, as
    sent to PostgreSQL (Django's psycopg 3 backend binds parameters on the client side)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "layers_complaint"' in q["sql"]
        and "GROUP BY" in q["sql"]
        or ('FROM "layers_complaint"' in q["sql"] and "percentile_cont" in q["sql"])
    ]


def raw_runner(statements):
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection  # the psycopg.Connection under Django's wrapper

    def run():
        rows = 0
        with raw.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                rows += len(cur.fetchall())
        return rows

    return run


def explain(statements) -> list[str]:
    from django.db import connection

    lines = []
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines.extend(r[0] for r in cur.fetchall())
            lines.append("")
    return lines


# Hook for the heatmap's national hexagon grid (issue 9, "Heatmap and points"): when that part
# lands, add its endpoint here as ("hexgrid", url, officer) so that it is timed like the rest.
HEXGRID_HOOK: list = []


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    if not args.skip_setup:
        ensure_data(args)
    if args.setup_only:
        return 0

    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from api.stats import shapes_url
    from layers.models import Complaint, Role

    total = Complaint.objects.count()
    central = bench_officer(CENTRAL_CITIZEN_ID_FIRST12, Role.CENTRAL_OFFICER)
    governor = bench_officer(GOVERNOR_CITIZEN_ID_FIRST12, Role.GOVERNOR, args.province)
    clients = {}
    for key, officer in (("central", central), ("governor", governor)):
        clients[key] = Client(HTTP_HOST="127.0.0.1")
        clients[key].force_login(officer)
    p = args.province
    province_cases = Complaint.objects.filter(province_id=p).count()
    say(f"{total:,} complaints; province {p}: {province_cases:,}")

    # (name, who, URL): the contract (shapes + figures) and the page's numbers-only request
    # (figures + the category and month charts), for the country and one province.
    cases = [
        ("national_areas", "central", "/api/stats/areas.geojson?parent="),
        ("province_areas", "governor", f"/api/stats/areas.geojson?parent={p}"),
        ("national_figures", "central", "/api/stats/figures.json?parent="),
        ("province_figures", "governor", f"/api/stats/figures.json?parent={p}"),
        (
            "national_share_2_months",
            "central",
            "/api/stats/figures.json?parent=&metric=share_closed&since=2026-09-01&until=2026-10-31",
        ),
        *HEXGRID_HOOK,
    ]
    results = {}
    print(
        f"{'query':<24} {'app p50':>9} {'app p95':>9} {'raw p50':>9} {'raw p95':>9} "
        f"{'ratio':>6} {'cached':>7} {'bytes':>8}  ok"
    )
    for name, who, path in cases:
        client = clients[who]

        def app(client=client, path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        # Counted afresh every time (the figures cache off), beside the same SQL alone.
        settings.DASHBOARD_FIGURES_CACHE_SECONDS = 0
        size = len(app().content)
        statements = figure_statements(app)
        run_raw = raw_runner(statements)
        app_ms = timed(app, args.runs, args.warmup)
        raw_ms = timed(run_raw, args.runs, args.warmup)
        # And as a second viewer sees it within DASHBOARD_FIGURES_CACHE_SECONDS (kept counts).
        settings.DASHBOARD_FIGURES_CACHE_SECONDS = 300
        cache.clear()
        cached_ms = timed(app, args.runs, 1)
        a50, a95 = percentile(app_ms, 0.5), percentile(app_ms, 0.95)
        r50, r95 = percentile(raw_ms, 0.5), percentile(raw_ms, 0.95)
        ok = a95 <= 3 * r95 and a95 <= 100
        results[name] = {
            "url": path,
            "queries": len(statements),
            "bytes": size,
            "app_p50_ms": round(a50, 2),
            "app_p95_ms": round(a95, 2),
            "raw_p50_ms": round(r50, 2),
            "raw_p95_ms": round(r95, 2),
            "ratio_p95": round(a95 / r95, 2) if r95 else None,
            "ok": ok,
            "app_mean_ms": round(statistics.fmean(app_ms), 2),
            "app_cached_p95_ms": round(percentile(cached_ms, 0.95), 2),
        }
        print(
            f"{name:<24} {a50:>9.1f} {a95:>9.1f} {r50:>9.1f} {r95:>9.1f} "
            f"{a95 / r95 if r95 else float('nan'):>6.2f} "
            f"{results[name]['app_cached_p95_ms']:>7.1f} {size:>8}  {'yes' if ok else 'NO'}"
        )
        if args.explain:
            for line in explain(statements):
                print("    " + line)

    # What each map sends: its shapes once, then figures on every filter change.
    payload = {}
    for level, who, parent in (("national", "central", ""), ("province", "governor", p)):
        shapes_bytes = len(clients[who].get(shapes_url(parent)).content)
        figures_bytes = results[f"{level}_figures"]["bytes"]
        payload[level] = {
            "shapes_topojson_bytes": shapes_bytes,
            "figures_json_bytes": figures_bytes,
            "first_load_bytes": shapes_bytes + figures_bytes,
            "areas_geojson_bytes": results[f"{level}_areas"]["bytes"],
        }
        say(f"{level}: shapes {shapes_bytes:,} B + figures {figures_bytes:,} B")
    national_ok = payload["national"]["first_load_bytes"] <= 300 * 1024

    figures = {
        "bench": "dashboards",
        "complaints": total,
        "province": p,
        "province_complaints": province_cases,
        "runs": args.runs,
        "goal": "app p95 <= 3 x raw p95 and <= 100 ms; national payload <= 300 KB",
        "payload": payload,
        "national_payload_ok": national_ok,
        "all_ok": national_ok and all(r["ok"] for r in results.values()),
        **results,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
