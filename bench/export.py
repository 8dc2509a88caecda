"""Benchmark: the analysts' exports and the vector tiles (issue 10).

Set-up (each step skipped when done): its own database (``damrong_bench_export`` on
DATABASE_URL's server, or --database-url), migrate, the national boundaries, complaints up to
--complaints (``seed_demo --no-accounts``, population-weighted, set-based SQL).

    .venv/bin/python bench/export.py --complaints 1000000
    .venv/bin/python bench/export.py --complaints 120000 --runs 2      # a quick look

Prints its progress on stderr and, as its LAST line, one JSON object of figures (see
bench/README.md for what each key means).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_export"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url",
        help=f"the bench database (default: DATABASE_URL with the database name {BENCH_DB})",
    )
    p.add_argument("--complaints", type=int, default=1_000_000, help="complaints in the db")
    p.add_argument("--setup-only", action="store_true", help="set up the database and stop")
    p.add_argument("--runs", type=int, default=3)
    return p.parse_args(argv)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    import django

    django.setup()


def ensure_data(target: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from boundaries.models import Subdistrict
    from layers.models import Complaint

    call_command("migrate", verbosity=0)
    if Subdistrict.objects.filter(geom__isnull=False).count() < 7000:
        say("loading the national boundaries")
        call_command("load_boundaries", no_progress=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    have = Complaint.objects.count()
    if have < target:
        say(f"seeding {target - have:,} complaints (have {have:,})")
        call_command("seed_demo", count=target - have, no_accounts=True, no_progress=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main(argv=None):
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    ensure_data(args.complaints)
    if args.setup_only:
        print(json.dumps({"setup": "done"}))
        return


if __name__ == "__main__":
    main()
