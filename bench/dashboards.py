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
    p.add_argument("--runs", type=int, default=50, help="timed runs per query")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs first (cache warm)")
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
        cur.execute("ANALYZE layers_complaint")


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    if not args.skip_setup:
        ensure_data(args)
    if args.setup_only:
        return 0
    raise SystemExit("measuring: not written yet")


if __name__ == "__main__":
    sys.exit(main())
