"""Benchmark: the open-data table (issue 11) at national scale.

Builds what ``/open-data/`` publishes (``layers.selectors.opendata.build_dataset``: the twelve
ended months, frozen first when they are not, × the country, 77 provinces and 928 districts ×
every main category and ALL, with the small-count suppression and its complementary pass over
every total and its parts), and the files' sizes and times (CSV, JSON, GeoJSON).
Prints progress on stderr and, as its last line, one JSON object.

Goal: a cold build within 30 s (done by the job ``layers.opendata_build`` after a month is
frozen; public requests only read the files it wrote, timed here too); every file under 40 MB.

    The database is --database-url, by default DATABASE_URL's server with the database
    damrong_bench_opendata, created with PostGIS when missing (bench/benchdb.py).
    .venv/bin/python bench/opendata.py --complaints 1000000
    .venv/bin/python bench/opendata.py --complaints 20000 --runs 1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_opendata"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help=f"default: DATABASE_URL with the name {BENCH_DB}")
    p.add_argument("--complaints", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3, help="timed builds of each kind")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-setup", action="store_true")
    return p.parse_args(argv)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    os.environ["DEBUG"] = "false"
    # The built files go to a scratch MEDIA_ROOT unless one is given.
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-opendata-"))
    import django

    django.setup()


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
    have = Complaint.objects.count()
    if have < args.complaints:
        say(f"seeding {args.complaints - have:,} demo complaints (have {have:,})")
        call_command(
            "seed_demo",
            count=args.complaints - have,
            seed=args.seed,
            no_accounts=True,
            focus_provinces="",
            no_progress=False,
            stdout=sys.stderr,
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) layers_complaint")


def timed(fn, runs: int) -> tuple[list[float], object]:
    out, result = [], None
    for _i in range(runs):
        started = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - started)
    return out, result


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    if not args.skip_setup:
        ensure_data(args)

    from django.test import Client
    from django.test.utils import setup_test_environment

    from layers.models import Complaint, MonthSnapshot
    from layers.selectors import opendata as od
    from layers.services.opendata import FILES, opendata_build
    from layers.services.statistics import snapshot_freeze

    setup_test_environment()  # the test client's ALLOWED_HOSTS
    months = od.published_months()
    frozen_before = set(
        MonthSnapshot.objects.filter(month__in=[m.first_day for m in months]).values_list(
            "month", flat=True
        )
    )
    result: dict = {"complaints": Complaint.objects.count(), "months": len(months)}
    if len(frozen_before) < len(months):
        say("freezing the published months (the month-end job's work, once a month each)")
        started = time.perf_counter()
        for month in months:
            snapshot_freeze(month=month)
        result["freeze_12_months_s"] = round(time.perf_counter() - started, 1)
        say(f"  {result['freeze_12_months_s']} s")
    say("building the table from frozen months (build_dataset)")
    times, data = timed(lambda: od.build_dataset(), args.runs)
    result["frozen_build_s"] = [round(t, 2) for t in times]
    result["rows"] = len(data.rows)
    cells = [r[c] for r in data.rows for c in od.COUNTS if r[c] is not None]
    result["cells"] = len(cells)
    result["small"] = sum(1 for c in cells if c == od.SMALL)
    result["complement"] = sum(1 for c in cells if c == od.COMPLEMENT)
    say("building the files (the job: opendata_build)")
    times, pointer = timed(lambda: opendata_build(), 1)
    result["files_build_s"] = round(times[0], 2)
    client = Client()
    sizes = {}
    # datapackage.json first (it also loads the URLs); the HTML page needs collectstatic.
    for name in ("datapackage.json", *FILES):
        url = f"/open-data/{name}"
        started = time.perf_counter()
        response = client.get(url)
        body = response.getvalue()
        sizes[name] = {
            "status": response.status_code,
            "mb": round(len(body) / 1_048_576, 2),
            "ms": round(1000 * (time.perf_counter() - started), 1),
        }
        say(f"{url}: {sizes[name]}")
    result["requests"] = sizes
    result["goal_met"] = (
        max(result["frozen_build_s"]) <= 30
        and all(f["mb"] <= 40 for f in sizes.values())
        and all(f["status"] == 200 for f in sizes.values())
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
