"""Benchmark: the analysts' exports and the vector tiles (issue 10).

Set-up (each step skipped when done): its own database (``damrong_bench_export`` on
DATABASE_URL's server, or --database-url), migrate, the national boundaries, complaints up to
--complaints (``seed_demo --no-accounts``, set-based SQL), ANALYZE.

    .venv/bin/python bench/export.py --complaints 1000000
    .venv/bin/python bench/export.py --complaints 120000 --runs 2 --tiles 10   # a quick look

What it measures (a central officer, session login, Django's test client, DEBUG off):

* ``drf_speedup`` — the streamed GeoJSON export (``/api/complaints.geojson``: scope, filters,
  features built by PostgreSQL, server-side cursor) against drf-gis's
  ``GeoFeatureModelSerializer`` + ``JSONRenderer`` on the same ~10,000 rows (the most recent
  days of the busiest province), features per second, best of --runs. Also the former
  Python-built export (``json.dumps`` per row) on the same rows;
* ``memory_ratio_1m_100k`` — the peak resident memory (``ru_maxrss``) of a fresh process
  (the "server": Django set up, logged in, warmed up) streaming the whole database (1 M rows,
  ``area=all``) against one streaming about 100 k rows; its growth while streaming too;
* ``ttfb_ms`` — time to the first byte and to the first feature of the 1 M export;
* tiles — complaints tiles at zooms 6–14 around seeded random complaints: the app
  (``/tiles/complaints/z/x/y.pbf``) with the cache emptied before each request (uncached) and
  again (cached), against the tile's own MVT statement run alone on a plain psycopg
  connection (raw). p50/p95 of each.

Prints its progress on stderr and, as its LAST line, one JSON object of figures. New figures
go in ``measure_*`` functions called from ``main`` (the OGC items page adds its own).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_export"
CENTRAL_CID_12 = "900000000088"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url",
        help=f"the bench database (default: DATABASE_URL with the database name {BENCH_DB})",
    )
    p.add_argument("--complaints", type=int, default=1_000_000, help="complaints in the db")
    p.add_argument("--setup-only", action="store_true", help="set up the database and stop")
    p.add_argument("--runs", type=int, default=3, help="timed runs of each export")
    p.add_argument("--drf-rows", type=int, default=10_000, help="rows of the drf-gis comparison")
    p.add_argument("--small-rows", type=int, default=100_000, help="the smaller memory export")
    p.add_argument("--tiles", type=int, default=40, help="tiles per zoom level")
    p.add_argument("--seed", type=int, default=10)
    p.add_argument("--only", default="drf,memory,tiles", help="parts to measure (comma-separated)")
    p.add_argument("--child", help=argparse.SUPPRESS)  # a memory-measuring child: its query
    return p.parse_args(argv)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False


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


def central_officer():
    from layers.models import Officer, Role, RoleAssignment
    from layers.validators import citizen_id_check_digit

    cid = CENTRAL_CID_12 + str(citizen_id_check_digit(CENTRAL_CID_12))
    officer = Officer.objects.filter(citizen_id=cid).first()
    if officer is None:
        officer = Officer.objects.create_user(cid, None, must_change_password=False)
        RoleAssignment.objects.create(officer=officer, role=Role.CENTRAL_OFFICER)
    return officer


def logged_in_client():
    from django.test import Client

    client = Client()
    client.force_login(central_officer())
    return client


def pct(values, q):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(value) -> float:
    return round(value * 1000, 2)


# --- The selections -------------------------------------------------------------------------------


def recent_selection(rows: int, province: str | None = None) -> dict:
    """Query parameters selecting the most recent days holding about ``rows`` complaints
    (whole days: the count is what the filter gives, reported)."""
    from django.utils import timezone

    from layers.models import Complaint

    qs = Complaint.objects.all()
    if province:
        qs = qs.filter(province_id=province)
    edge = qs.order_by("-received_at").values_list("received_at", flat=True)[rows - 1 : rows]
    since = timezone.localtime(edge[0]).date() if edge else None
    params = {"province": province} if province else {"area": "all"}
    if since:
        params["since"] = since.isoformat()
    return params


def busiest_province() -> str:
    from django.db.models import Count

    from layers.models import Complaint

    return (
        Complaint.objects.values("province_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("province_id", flat=True)
        .first()
    )


# --- GeoJSON against drf-gis ----------------------------------------------------------------------


def measure_drf(args) -> dict:
    from urllib.parse import urlencode

    from rest_framework.renderers import JSONRenderer
    from rest_framework_gis.serializers import GeoFeatureModelSerializer

    from layers.models import Complaint
    from layers.selectors.exports import export_queryset, export_request_from_params

    province = busiest_province()
    params = recent_selection(args.drf_rows, province)
    officer = central_officer()
    request = export_request_from_params(params)
    ids = list(export_queryset(officer=officer, request=request).values_list("id", flat=True))
    rows = len(ids)
    say(f"drf-gis comparison: {rows:,} rows ({params})")

    class ComplaintSerializer(GeoFeatureModelSerializer):
        from rest_framework import serializers as s

        province_code = s.CharField(source="province_id")
        district_code = s.CharField(source="district_id")
        subdistrict_code = s.CharField(source="subdistrict_id")
        category_code = s.CharField(source="category.code")
        category_name_th = s.CharField(source="category.name_th")
        category_name_en = s.CharField(source="category.name_en")
        subcategory_code = s.CharField(source="subcategory.code", default=None)
        subcategory_name_th = s.CharField(source="subcategory.name_th", default=None)
        subcategory_name_en = s.CharField(source="subcategory.name_en", default=None)

        class Meta:
            model = Complaint
            geo_field = "location"
            id_field = "tracking_no"
            fields = (
                "tracking_no",
                "province_code",
                "district_code",
                "subdistrict_code",
                "category_code",
                "category_name_th",
                "category_name_en",
                "subcategory_code",
                "subcategory_name_th",
                "subcategory_name_en",
                "channel",
                "status",
                "received_at",
                "closed_at",
            )

    client = logged_in_client()
    url = "/api/complaints.geojson?" + urlencode(params)
    ours, drf, python = [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content)
        ours.append(time.perf_counter() - start)
        count = body.count(b'"type":"Feature"')
        assert count == rows, (count, rows)

        start = time.perf_counter()
        qs = Complaint.objects.filter(id__in=ids).select_related("category", "subcategory")
        data = JSONRenderer().render(ComplaintSerializer(qs, many=True).data)
        drf.append(time.perf_counter() - start)
        assert data.count(b'"type":"Feature"') == rows

        start = time.perf_counter()
        text = python_geojson(officer, request)
        python.append(time.perf_counter() - start)
        assert text.count('"type":"Feature"') == rows
    best = min(ours)
    return {
        "drf_rows": rows,
        "drf_selection": params,
        "export_features_per_s": round(rows / best),
        "drf_features_per_s": round(rows / min(drf)),
        "python_built_features_per_s": round(rows / min(python)),
        "drf_speedup": round(min(drf) / best, 1),
        "sql_built_over_python_built": round(min(python) / best, 2),
    }


def python_geojson(officer, request) -> str:
    """The export as it was before issue 10: ORM rows, one ``json.dumps`` per feature."""
    from django.utils import timezone

    from layers.selectors.mapdata import complaint_public_rows

    tz = timezone.get_default_timezone()
    parts = []
    for row in complaint_public_rows(officer=officer, filters=request.filters).iterator(2000):
        props = {k: v for k, v in row.items() if k not in ("lon", "lat")}
        for key in ("received_at", "closed_at"):
            props[key] = props[key].astimezone(tz).isoformat() if props[key] else None
        parts.append(
            json.dumps(
                {
                    "type": "Feature",
                    "id": row["tracking_no"],
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(row["lon"], 6), round(row["lat"], 6)],
                    },
                    "properties": props,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


# --- Memory and time to first byte (in a fresh process each) ---------------------------------------


def _proc_status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS: now; VmHWM: peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_stream(query: str) -> None:
    """In a fresh process: warm up (a one-sub-district export), reset the peak-memory mark,
    then stream ``query`` and report the peak resident memory while streaming (VmHWM after
    the reset, and ru_maxrss for the whole life of the process), bytes, features, and the
    time to the first byte and the first feature."""
    import gc

    client = logged_in_client()
    b"".join(client.get("/api/complaints.geojson?subdistrict=100101").streaming_content)
    gc.collect()
    try:  # Linux: "5" resets the peak resident set size (VmHWM) to the current one
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    before = _proc_status_mb("VmRSS")
    start = time.perf_counter()
    response = client.get("/api/complaints.geojson?" + query)
    assert response.status_code == 200, response.status_code
    first_byte = first_feature = None
    size = features = 0
    samples = []
    for index, chunk in enumerate(response.streaming_content):
        now = time.perf_counter()
        if first_byte is None and chunk:
            first_byte = now - start
        found = chunk.count(b'"type":"Feature"')
        if first_feature is None and found:
            first_feature = now - start
        size += len(chunk)
        features += found
        if index % 20 == 0:
            samples.append(_proc_status_mb("VmRSS"))
    total = time.perf_counter() - start
    peak = _proc_status_mb("VmHWM")
    print(
        json.dumps(
            {
                "features": features,
                "mb": round(size / 1e6, 1),
                "seconds": round(total, 2),
                "features_per_s": round(features / total),
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(peak, 1),
                "growth_mb": round(peak - before, 1),
                "rss_last_sample_mb": round(samples[-1], 1) if samples else None,
                "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "first_byte_ms": ms(first_byte),
                "first_feature_ms": ms(first_feature),
            }
        )
    )


def run_child(database_url: str, query: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--database-url", database_url, "--child", query],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_memory(args, database_url: str) -> dict:
    from urllib.parse import urlencode

    small = urlencode(recent_selection(args.small_rows))
    say(f"memory: streaming about {args.small_rows:,} rows ({small}) in a fresh process")
    small_run = run_child(database_url, small)
    say(f"  {small_run}")
    say("memory: streaming every row (area=all) in a fresh process")
    big_run = run_child(database_url, "area=all")
    say(f"  {big_run}")
    return {
        "memory_ratio_1m_100k": round(big_run["peak_rss_mb"] / small_run["peak_rss_mb"], 3),
        "memory_growth_mb_1m": big_run["growth_mb"],
        "memory_growth_mb_100k": small_run["growth_mb"],
        "stream_all": big_run,
        "stream_100k": small_run,
        "ttfb_ms": big_run["first_byte_ms"],
        "ttff_ms": big_run["first_feature_ms"],
    }


# --- Tiles -------------------------------------------------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def measure_tiles(args, database_url: str) -> dict:
    import dj_database_url
    import psycopg
    from django.conf import settings
    from django.db import connection

    from layers.models import Complaint, TileCache
    from layers.selectors.tiles import complaints_tile_sql, tile_request

    rng = random.Random(args.seed)
    total = Complaint.objects.count()
    picks = [rng.randrange(total) for _ in range(args.tiles)]
    points = []
    for offset in picks:
        c = Complaint.objects.order_by("id").values_list("location", flat=True)[offset]
        points.append((c.x, c.y))
    zooms = (6, 8, 10, 12, 14)
    tiles = sorted({tile_of(lon, lat, z) for z in zooms for lon, lat in points})
    say(f"tiles: {len(tiles)} complaint tiles at zooms {zooms}")
    officer = central_officer()
    client = logged_in_client()
    request = tile_request({})
    cfg = dj_database_url.parse(database_url)
    raw = psycopg.connect(
        dbname=cfg["NAME"],
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        autocommit=True,
    )
    raw.execute(f"SET TimeZone = '{settings.TIME_ZONE}'")
    raw.execute("SET jit = off")  # as the app runs it (layers.selectors.exports)
    app_uncached, app_cached, raw_times, sizes, features = [], [], [], [], []
    for _round in range(2):  # the first round warms PostgreSQL's cache, the second counts
        app_uncached.clear(), app_cached.clear(), raw_times.clear()
        for z, x, y in tiles:
            url = f"/tiles/complaints/{z}/{x}/{y}.pbf"
            TileCache.objects.all().delete()
            start = time.perf_counter()
            response = client.get(url)
            app_uncached.append(time.perf_counter() - start)
            assert response.status_code == 200 and response["X-Tile-Cache"] == "miss"
            start = time.perf_counter()
            again = client.get(url)
            app_cached.append(time.perf_counter() - start)
            assert again["X-Tile-Cache"] == "hit" and again.content == response.content
            sql, params = complaints_tile_sql(officer=officer, request=request, z=z, x=x, y=y)
            literal = connection.ops.compose_sql(sql, params)  # Django's adapters, inlined
            start = time.perf_counter()
            with raw.cursor() as cursor:
                cursor.execute(literal)
                data, count = cursor.fetchone()
            raw_times.append(time.perf_counter() - start)
            # Same features (the order of rows, hence the bytes, is the plan's to choose).
            assert count == int(response["X-Tile-Features"]), (z, x, y)
            sizes.append(len(response.content))
            features.append(count)
    raw.close()

    def summary(app):
        return {
            "app_p50_ms": ms(pct(app, 0.5)),
            "app_p95_ms": ms(pct(app, 0.95)),
            "raw_p50_ms": ms(pct(raw_times, 0.5)),
            "raw_p95_ms": ms(pct(raw_times, 0.95)),
            "p95_ratio": round(pct(app, 0.95) / pct(raw_times, 0.95), 2),
        }

    return {
        "tiles": len(tiles),
        "tile_features_median": statistics.median(features),
        "tile_features_max": max(features),
        "tile_kb_median": round(statistics.median(sizes) / 1e3, 1),
        "tile_uncached": summary(app_uncached),
        "tile_cached": summary(app_cached),
    }


def main(argv=None):
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    if args.child:
        setup_django(url)
        child_stream(args.child)
        return
    ensure_database(url)
    setup_django(url)
    ensure_data(args.complaints)
    if args.setup_only:
        print(json.dumps({"setup": "done"}))
        return
    from layers.models import Complaint

    central_officer()
    figures = {"complaints_in_db": Complaint.objects.count()}
    parts = set(args.only.split(","))
    if "drf" in parts:
        figures.update(measure_drf(args))
        say(f"  {figures}")
    if "memory" in parts:
        figures.update(measure_memory(args, url))
    if "tiles" in parts:
        figures.update(measure_tiles(args, url))
    for key, value in figures.items():
        say(f"  {key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
