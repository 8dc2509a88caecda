"""Benchmark: OGC API – Features pages of 1,000 complaints (issue 10: ``ogc_page_1000_p95_ms``).

``GET /ogc/collections/complaints/items?limit=1000`` through the whole Django stack (a central
officer's session, the jurisdiction scope, the policy's export columns, keyset paging, GeoJSON
written as text) at random depths of a table of --complaints rows: each page starts at the
``cursor`` of a tracking number drawn at random, as a client following next links lands on
any page. Goal: p95 ≤ 300 ms (pg_featureserv publishes 308 ms for 1,000 features on 5.6 M
rows). Also timed, for comparison: the first page, a province's pages (a filter on top of the
scope), the same keyset query in raw SQL (what the database alone costs), and one deep
``offset`` page (why the next links carry a cursor instead). Prints, as its LAST line, one JSON
object of figures.

    The database is --database-url, by default DATABASE_URL's server with the database
    damrong_bench_ogc, created with PostGIS when missing (bench/benchdb.py).
    .venv/bin/python bench/ogc.py --complaints 1000000
    .venv/bin/python bench/ogc.py --complaints 20000 --pages 10      # a quick look

Set-up (each step skipped when already done): the database, migrate, national boundaries,
complaints up to --complaints with the demo seeder (``seed_demo --no-accounts``, set-based SQL).
Django's DEBUG is off (as in production) unless DEBUG is set.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_ogc"
ITEMS = "/ogc/collections/complaints/items"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url",
        help=f"the bench database (default: DATABASE_URL with the database name {BENCH_DB})",
    )
    p.add_argument("--complaints", type=int, default=1_000_000, help="complaints in the db")
    p.add_argument("--pages", type=int, default=100, help="timed pages of each kind")
    p.add_argument("--limit", type=int, default=1000, help="features per page")
    p.add_argument("--warmup", type=int, default=5, help="untimed pages first")
    p.add_argument("--offset", type=int, default=500_000, help="the deep offset page")
    p.add_argument("--seed", type=int, default=1, help="the random cursors")
    return p.parse_args(argv)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    import django

    django.setup()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_data(target: int) -> None:
    from django.core.management import call_command

    from boundaries.models import Subdistrict
    from layers.models import Category, Complaint

    call_command("migrate", verbosity=0)
    if Subdistrict.objects.filter(geom__isnull=False).count() < 7000:
        say("loading the national boundaries")
        call_command("load_boundaries", no_progress=True)
    if not Category.objects.exists():
        raise SystemExit("no categories: the seed migration did not run")
    have = Complaint.objects.count()
    if have < target:
        say(f"seeding {target - have:,} complaints (have {have:,})")
        call_command("seed_demo", count=target - have, no_accounts=True, no_progress=True)


def officer(role: str, first12: str, province: str | None = None):
    from layers.models import Officer, RoleAssignment
    from layers.validators import citizen_id_check_digit

    cid = first12 + str(citizen_id_check_digit(first12))
    found = Officer.objects.filter(citizen_id=cid).first()
    if found is None:
        found = Officer.objects.create_user(cid, None, must_change_password=False)
        RoleAssignment.objects.create(officer=found, role=role, province_id=province)
    return found


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values) * 1000, 1),
        "p95": round(p95(values) * 1000, 1),
    }


def timed_pages(client, urls: list[str], limit: int) -> tuple[list[float], int]:
    times, size = [], 0
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        body = response.content
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code, body[:300])
        page = json.loads(body)
        assert page["numberReturned"] == limit, (url, page["numberReturned"])
        size = max(size, len(body))
    return times, size


def random_cursors(qs, n: int, limit: int, rng: random.Random) -> list[str]:
    """n tracking numbers of ``qs`` drawn at random, each with at least ``limit`` after it."""
    numbers = list(qs.order_by("tracking_no").values_list("tracking_no", flat=True))
    usable = numbers[: max(1, len(numbers) - limit)]
    return [rng.choice(usable) for _ in range(n)]


def raw_sql_times(officer_, cursors: list[str], limit: int) -> list[float]:
    """The items page's own query (the keyset page of the export's columns), in raw SQL."""
    from django.db import connection

    from layers.selectors.filters import CaseFilter
    from layers.selectors.mapdata import complaint_public_rows

    times = []
    for cursor in cursors:
        qs = (
            complaint_public_rows(officer=officer_, filters=CaseFilter())
            .filter(tracking_no__gt=cursor)
            .order_by("tracking_no")[: limit + 1]
        )
        sql, params = qs.query.sql_with_params()
        start = time.perf_counter()
        with connection.cursor() as db:
            db.execute(sql, params)
            rows = db.fetchall()
        times.append(time.perf_counter() - start)
        assert len(rows) == limit + 1
    return times


def main(argv=None):
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    ensure_data(args.complaints)

    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from layers.models import Complaint, Role

    settings.ALLOWED_HOSTS = ["testserver"]
    rng = random.Random(args.seed)
    total = Complaint.objects.count()
    province = (
        Complaint.objects.values("province_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("province_id", flat=True)
        .first()
    )
    central = officer(Role.CENTRAL_OFFICER, "900000000078")
    governor = officer(Role.PROVINCE_OFFICER, "900000000079", province=province)
    client = Client()
    client.force_login(central)
    scoped = Client()
    scoped.force_login(governor)
    limit = args.limit

    say(f"{total:,} complaints; pages of {limit} (busiest province {province})")
    cursors = random_cursors(Complaint.objects.all(), args.warmup + args.pages, limit, rng)
    in_province = random_cursors(
        Complaint.objects.filter(province_id=province), args.pages, limit, rng
    )
    timed_pages(
        client, [f"{ITEMS}?limit={limit}&cursor={c}" for c in cursors[: args.warmup]], limit
    )

    keyset, size = timed_pages(
        client, [f"{ITEMS}?limit={limit}&cursor={c}" for c in cursors[args.warmup :]], limit
    )
    say(f"  keyset pages at random depths: {ms(keyset)}")
    first, _ = timed_pages(client, [f"{ITEMS}?limit={limit}"] * args.pages, limit)
    say(f"  first page: {ms(first)}")
    province_pages, _ = timed_pages(
        scoped,
        [f"{ITEMS}?limit={limit}&province={province}&cursor={c}" for c in in_province],
        limit,
    )
    say(f"  a province officer's pages of province {province}: {ms(province_pages)}")
    sql = raw_sql_times(central, cursors[args.warmup :], limit)
    say(f"  the same keyset query in raw SQL: {ms(sql)}")
    offset_pages, _ = timed_pages(
        client, [f"{ITEMS}?limit={limit}&offset={args.offset}"] * 3, limit
    )
    say(f"  offset={args.offset:,} (for comparison): {ms(offset_pages)}")

    figures = {
        "complaints_in_db": total,
        "page_limit": limit,
        "pages_timed": len(keyset),
        "ogc_page_1000_p95_ms": ms(keyset)["p95"],
        "ogc_page_1000_p50_ms": ms(keyset)["p50"],
        "ogc_first_page_p95_ms": ms(first)["p95"],
        "ogc_province_page_p95_ms": ms(province_pages)["p95"],
        "ogc_page_sql_p95_ms": ms(sql)["p95"],
        "ogc_offset_page_ms_median": ms(offset_pages)["p50"],
        "ogc_offset": args.offset,
        "page_kb": round(size / 1e3),
        "goal_p95_ms": 300,
    }
    for key, value in figures.items():
        say(f"  {key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
