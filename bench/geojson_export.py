"""Benchmark: the GeoJSON export and the province map page with many complaints loaded.

Streams ``GET /api/complaints.geojson?province=<busiest>`` through the whole Django stack (a
central officer, session auth, scope, server-side cursor, ``StreamingHttpResponse``) and
reports features per second and how much the process's peak memory grew while streaming (flat
memory is the point: a 10 M-row export must not hold rows in memory). Also renders the
province map page of the same province (capped at ``MAP_MAX_POINTS`` points) and measures the
boundary payload of every province. Prints, as its LAST line, one JSON object of figures.

    The database is --database-url, by default DATABASE_URL's server with the database
    damrong_bench_geojson, created with PostGIS when missing (bench/benchdb.py).
    .venv/bin/python bench/geojson_export.py --complaints 1000000
    .venv/bin/python bench/geojson_export.py --complaints 50000 --runs 3     # a quick look

Set-up (each step skipped when already done): the database, migrate, national boundaries,
complaints up to --complaints with the demo seeder (``seed_demo --no-accounts``, set-based SQL).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_geojson"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url",
        help=f"the bench database (default: DATABASE_URL with the database name {BENCH_DB})",
    )
    p.add_argument("--complaints", type=int, default=1_000_000, help="complaints in the db")
    p.add_argument("--province", help="province to export (default: the one with most cases)")
    p.add_argument("--runs", type=int, default=3)
    return p.parse_args(argv)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    # DEBUG stays as in development: the map page's {% static %} needs no collectstatic then.
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


def central_officer():
    from layers.models import Officer, Role, RoleAssignment
    from layers.validators import citizen_id_check_digit

    first12 = "900000000077"
    cid = first12 + str(citizen_id_check_digit(first12))
    officer = Officer.objects.filter(citizen_id=cid).first()
    if officer is None:
        officer = Officer.objects.create_user(cid, None, must_change_password=False)
        RoleAssignment.objects.create(officer=officer, role=Role.CENTRAL_OFFICER)
    return officer


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_export(client, province: str, runs: int) -> dict:
    times, sizes, features, growth = [], [], [], []
    for _ in range(runs):
        before = peak_rss_mb()
        start = time.perf_counter()
        response = client.get(f"/api/complaints.geojson?province={province}")
        assert response.status_code == 200, response.status_code
        size = 0
        count = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            count += chunk.count(b'"type":"Feature"')
        times.append(time.perf_counter() - start)
        sizes.append(size)
        features.append(count)
        growth.append(peak_rss_mb() - before)
    median = statistics.median(times)
    return {
        "export_features": features[0],
        "export_mb": round(sizes[0] / 1e6, 2),
        "export_s_median": round(median, 3),
        "export_features_per_s": round(features[0] / median),
        "export_peak_rss_growth_mb_max": round(max(growth), 1),
    }


def bench_map_page(client, province: str, runs: int) -> dict:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(f"/maps/province/{province}/")
        assert response.status_code == 200, response.status_code
        size = len(response.content)
        times.append(time.perf_counter() - start)
    return {
        "map_page_kb": round(size / 1e3),
        "map_page_s_median": round(statistics.median(times), 3),
    }


def boundary_sizes() -> dict:
    from boundaries.models import Province
    from boundaries.selectors import districts_geojson, subdistricts_geojson

    sizes = {}
    for code in Province.objects.values_list("code", flat=True):
        fc = subdistricts_geojson(province=code)
        sizes[code] = len(json.dumps(fc, separators=(",", ":"))) + len(
            json.dumps(districts_geojson(province=code), separators=(",", ":"))
        )
    largest = max(sizes, key=sizes.get)
    return {
        "boundaries_kb_max": round(sizes[largest] / 1e3),
        "boundaries_kb_max_province": largest,
        "boundaries_kb_median": round(statistics.median(sizes.values()) / 1e3),
    }


def main(argv=None):
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    ensure_data(args.complaints)

    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from layers.models import Complaint

    settings.ALLOWED_HOSTS = ["testserver"]
    total = Complaint.objects.count()
    province = args.province or (
        Complaint.objects.values("province_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("province_id", flat=True)
        .first()
    )
    client = Client()
    client.force_login(central_officer())
    # Warm-up on one sub-district (imports, URL resolver, first query), so that the peak
    # memory growth measured next is the big stream's own. The map page comes after it.
    one = Complaint.objects.filter(province_id=province).values_list("subdistrict_id").first()
    b"".join(client.get(f"/api/complaints.geojson?subdistrict={one[0]}").streaming_content)
    say(f"{total:,} complaints; exporting province {province}")
    figures = {"complaints_in_db": total, "province": province}
    figures.update(bench_export(client, province, args.runs))
    figures.update(bench_map_page(client, province, args.runs))
    figures["map_max_points"] = settings.MAP_MAX_POINTS
    figures.update(boundary_sizes())
    for key, value in figures.items():
        say(f"  {key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
