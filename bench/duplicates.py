"""Benchmark: duplicates by place and by person (issue 8), quality and speed at 1 M complaints.

1. **Quality** on a labelled set (``layers.demo.duplicates``) laid over the demo complaints:
   originals at population-weighted points, reworded duplicates, near misses (same place other
   category, same category 400 m–2 km away, same place a year earlier, similar text far away,
   another matter of the category nearby). Precision and recall of ``likely``, recall of the
   original in the top 5; the same candidates re-scored with PyThaiNLP ``newmm`` words instead
   of pg_trgm, for comparison.
2. **The intake check** (``duplicates_for``, as intake runs it) p95, beside the same query with
   an unindexed ``ST_Distance`` filter (goal: ≥ 100× faster, p95 ≤ 5 ms), and beside a metric
   projection (UTM 47N expression index), with the projections' errors at 250 m in the south,
   north, east and west.
3. **The person check** (``person_matches_for`` with a citizen ID, phone, name and accused
   party of existing complaints) p95.

    .venv/bin/python bench/duplicates.py --complaints 1000000            # set up, measure
    .venv/bin/python bench/duplicates.py --complaints 20000 --pairs 300  # a quick look

The database is --database-url, by default DATABASE_URL's server with the database
damrong_bench_duplicates, created with PostGIS (UTF-8 LC_CTYPE) when missing. Set-up, each step
skipped when done: migrate; national boundaries; demo complaints up to --complaints
(``seed_demo --no-accounts``); the labelled set is made afresh on every run. Last line: one
JSON object (precision, recall, recall_top5, intake_p95_ms, st_distance_p95_ms, speedup,
person_p95_ms, n, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_duplicates"
# Where the projections are checked (lat, lon): the far south, the far north, east and west.
PLACES = {
    "Yala (south, 6.5°N)": (6.54, 101.28),
    "Chiang Rai (north, 19.9°N)": (19.91, 99.83),
    "Khong Chiam (east, 105.5°E)": (15.32, 105.50),
    "Mae Sot (west, 98.6°E)": (16.71, 98.57),
    "Bangkok (13.8°N, 100.5°E)": (13.75, 100.50),
}
# Names the demo data does not draw from (the person check of someone new).
NEW_FIRST = ["ณัฐวุฒิ", "พิมพ์ชนก", "วรรณวิสา", "ศุภชัย", "อรอุมา", "ธนวัฒน์", "กมลชนก", "พีรพล"]
NEW_LAST = ["แสงอรุณ", "ทองประเสริฐ", "รุ่งเรืองกิจ", "เลิศวิริยะ", "ปัญญาวงศ์ไพศาล", "อัครเดชา"]
PROJECTIONS = {"3857": "3857", "32647 (UTM 47N)": "32647", "32648 (UTM 48N)": "32648"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help=f"default: DATABASE_URL with the name {BENCH_DB}")
    p.add_argument("--complaints", type=int, default=1_000_000, help="demo complaints to hold")
    p.add_argument("--pairs", type=int, default=2000, help="originals of the labelled set")
    p.add_argument("--runs", type=int, default=1000, help="timed intake checks")
    p.add_argument("--baseline-runs", type=int, default=20, help="timed unindexed filters")
    p.add_argument("--person-runs", type=int, default=1000, help="timed person checks")
    p.add_argument("--seed", type=int, default=2569, help="demo seeder's and labelled set's seed")
    p.add_argument("--skip-setup", action="store_true", help="measure what is there")
    return p.parse_args(argv)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn, items, runs: int, warmup: int = 20) -> list[float]:
    for item in items[:warmup]:
        fn(item)
    out = []
    for i in range(runs):
        item = items[i % len(items)]
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


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


def fresh_labelled_set(args):
    from django.db import connection

    from layers.demo.duplicates import LABEL_NAME, labelled_set_build, labelled_set_store
    from layers.models import Complaint

    gone = Complaint.objects.filter(complainant_name=LABEL_NAME).delete()[0]
    if gone:
        say(f"removed {gone:,} rows of an earlier labelled set")
    say(f"labelled set: {args.pairs:,} originals, their duplicates and near misses")
    labelled = labelled_set_build(pairs=args.pairs, seed=args.seed)
    stored = labelled_set_store(labelled)
    with connection.cursor() as cur:
        cur.execute("ANALYZE layers_complaint")
    say(f"stored {stored:,} labelled complaints; {len(labelled.queries):,} queries")
    return labelled


def quality(labelled) -> dict:
    from layers.demo.duplicates import evaluate
    from layers.selectors import duplicates as dup
    from layers.thaitext import jaccard, normalize_text, words

    def search(q):
        return dup.duplicates_for(
            location=q.point,
            category=q.category,
            subcategory=q.subcategory,
            description=q.description,
            received_at=q.received_at,
            exclude_id=q.complaint_id,
        )

    started = time.perf_counter()
    trgm = evaluate(labelled, search)
    say(f"quality (pg_trgm) in {time.perf_counter() - started:.1f} s: {trgm}")

    def search_words(q):
        mine = set(words(normalize_text(q.description)))
        rows = dup.candidate_rows(
            location=q.point,
            category=q.category,
            text=normalize_text(q.description),
            received_at=q.received_at,
            exclude_id=q.complaint_id,
        )
        ranked = dup.rank(
            rows,
            category=q.category,
            subcategory=q.subcategory,
            received_at=q.received_at,
            text_similarity=lambda r: jaccard(mine, set(words(r.description_norm))),
        )
        return ranked[:10]

    started = time.perf_counter()
    by_words = evaluate(labelled, search_words)
    say(f"quality (newmm words, Jaccard) in {time.perf_counter() - started:.1f} s: {by_words}")
    return {"trgm": trgm, "newmm_words": by_words}


def projection_errors() -> dict:
    """Distance in each projection between a point and the point 250 m away on the spheroid
    (8 directions), minus 250: the largest error per place and projection."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for place, (lat, lon) in PLACES.items():
            zone = "32647" if lon < 102 else "32648"
            row = {}
            for label, srid in {**PROJECTIONS, "own UTM zone": zone}.items():
                cur.execute(
                    """
                    SELECT max(abs(ST_Distance(ST_Transform(p, %(srid)s),
                                               ST_Transform(q::geometry, %(srid)s)) - 250))
                    FROM (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) p) a,
                         LATERAL (SELECT ST_Project(p::geography, 250, radians(az)) q
                                  FROM generate_series(0, 315, 45) az) b
                    """,
                    {"srid": int(srid), "lat": lat, "lon": lon},
                )
                row[label] = round(cur.fetchone()[0], 3)
            out[place] = row
    return out


PROJECTED_INDEX = (
    "CREATE INDEX IF NOT EXISTS bench_complaint_utm47 ON layers_complaint "
    "USING gist (ST_Transform(location, 32647))"
)


def speed(args, labelled) -> dict:
    from django.db import connection

    from layers.selectors import duplicates as dup
    from layers.selectors.people import person_matches_for

    queries = [q for q in labelled.duplicates]
    random.Random(args.seed).shuffle(queries)

    def intake(q):
        return dup.duplicates_for(
            location=q.point,
            category=q.category,
            subcategory=q.subcategory,
            description=q.description,
            received_at=q.received_at,
        )

    counts = [
        len(
            dup.duplicates_for(
                location=q.point, category=q.category, received_at=q.received_at, limit=None
            )
        )
        for q in queries[:300]
    ]
    intake_ms = timed(intake, queries, args.runs)
    say(
        f"intake check: p50 {percentile(intake_ms, 0.5):.2f} ms, p95 {percentile(intake_ms, 0.95):.2f} ms"
    )

    def variant(sql_text):
        def run(q):
            from layers.thaitext import normalize_text

            window = q.category.duplicate_window_days
            with connection.cursor() as cur:
                cur.execute(
                    sql_text,
                    {
                        "lon": q.point.x,
                        "lat": q.point.y,
                        "radius": q.category.duplicate_radius_m + dup.DISTANCE_TOLERANCE_M,
                        "category": q.category.pk,
                        "since": q.received_at - timedelta(days=window),
                        "until": q.received_at + timedelta(days=window),
                        "closed": "closed",
                        "exclude": 0,
                        "text": normalize_text(q.description),
                    },
                )
                return cur.fetchall()

        return run

    geography_sql = dup.CANDIDATES_SQL
    baseline_sql = geography_sql.replace(
        "WHERE ST_DWithin(c.location::geography, q.g, %(radius)s)",
        "WHERE ST_Distance(c.location::geography, q.g) <= %(radius)s",
    )
    assert baseline_sql != geography_sql
    utm_sql = geography_sql.replace(
        "WHERE ST_DWithin(c.location::geography, q.g, %(radius)s)",
        "WHERE ST_DWithin(ST_Transform(c.location, 32647), ST_Transform(q.g::geometry, 32647), "
        "%(radius)s)",
    )
    raw_ms = timed(variant(geography_sql), queries, args.runs)
    say(f"the query alone (geography): p95 {percentile(raw_ms, 0.95):.2f} ms")
    with connection.cursor() as cur:
        say("building the UTM 47N expression index (bench database only)")
        cur.execute(PROJECTED_INDEX)
        cur.execute("ANALYZE layers_complaint")
    utm_ms = timed(variant(utm_sql), queries, args.runs)
    say(f"the query alone (UTM 47N index): p95 {percentile(utm_ms, 0.95):.2f} ms")
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN " + baseline_sql,
            {
                "lon": 100.5,
                "lat": 13.75,
                "radius": 250,
                "category": queries[0].category.pk,
                "since": queries[0].received_at,
                "until": queries[0].received_at,
                "closed": "closed",
                "exclude": 0,
                "text": "",
            },
        )
        baseline_plan = [r[0] for r in cur.fetchall()]
    baseline_ms = timed(variant(baseline_sql), queries, args.baseline_runs, warmup=2)
    say(f"unindexed ST_Distance filter: p95 {percentile(baseline_ms, 0.95):.1f} ms")

    # The person check, with the values of existing complaints (not the labelled ones).
    from layers.demo.duplicates import LABEL_NAME
    from layers.models import Complaint

    people = list(
        Complaint.objects.exclude(complainant_name=LABEL_NAME)
        .exclude(complainant_citizen_id="")
        .order_by("?")
        .values_list(
            "complainant_citizen_id", "complainant_phone", "complainant_name", "accused_name"
        )[:500]
    )

    def person(values):
        cid, phone, name, accused = values
        return person_matches_for(citizen_id=cid, phone=phone, name=name, accused_name=accused)

    found = [len(person(v)) for v in people[:200]]
    person_ms = timed(person, people, args.person_runs)
    # A person not in the data (most complainants come once): a valid citizen ID, a phone and
    # names made of first and last names the demo does not use.
    from layers.validators import citizen_id_check_digit

    rng = random.Random(args.seed)
    strangers = []
    for _ in range(500):
        first12 = "1" + "".join(str(rng.randrange(10)) for _ in range(11))
        strangers.append(
            (
                first12 + str(citizen_id_check_digit(first12)),
                "09" + "".join(str(rng.randrange(10)) for _ in range(8)),
                f"นาย{rng.choice(NEW_FIRST)} {rng.choice(NEW_LAST)}",
                f"นาง{rng.choice(NEW_FIRST)} {rng.choice(NEW_LAST)}",
            )
        )
    new_ms = timed(person, strangers, args.person_runs)
    say(
        f"person check, a new person: p50 {percentile(new_ms, 0.5):.2f} ms, "
        f"p95 {percentile(new_ms, 0.95):.2f} ms"
    )
    say(
        f"person check: p50 {percentile(person_ms, 0.5):.2f} ms, p95 {percentile(person_ms, 0.95):.2f} ms"
    )
    return {
        "intake_p50_ms": round(percentile(intake_ms, 0.5), 3),
        "intake_p95_ms": round(percentile(intake_ms, 0.95), 3),
        "query_geography_p95_ms": round(percentile(raw_ms, 0.95), 3),
        "query_utm47_p95_ms": round(percentile(utm_ms, 0.95), 3),
        "st_distance_p50_ms": round(percentile(baseline_ms, 0.5), 1),
        "st_distance_p95_ms": round(percentile(baseline_ms, 0.95), 1),
        "speedup": round(percentile(baseline_ms, 0.95) / percentile(intake_ms, 0.95), 1),
        "candidates_mean": round(statistics.fmean(counts), 2),
        "candidates_max": max(counts),
        "person_p50_ms": round(percentile(person_ms, 0.5), 3),
        "person_p95_ms": round(percentile(person_ms, 0.95), 3),
        "person_new_p50_ms": round(percentile(new_ms, 0.5), 3),
        "person_new_p95_ms": round(percentile(new_ms, 0.95), 3),
        "person_matches_mean": round(statistics.fmean(found), 2),
        "person_matches_max": max(found),
        "baseline_plan": baseline_plan,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    from layers.models import Complaint

    if not args.skip_setup:
        ensure_data(args)
    labelled = fresh_labelled_set(args)
    total = Complaint.objects.count()
    say(f"{total:,} complaints in the database")
    q = quality(labelled)
    errors = projection_errors()
    for place, row in errors.items():
        say(f"error at 250 m, {place}: " + ", ".join(f"{k} {v} m" for k, v in row.items()))
    s = speed(args, labelled)
    for line in s.pop("baseline_plan"):
        say("    " + line)
    trgm = q["trgm"]
    figures = {
        "bench": "duplicates",
        "n": total,
        "pairs": len(labelled.duplicates),
        "queries": trgm["queries"],
        "precision": trgm["precision"],
        "recall": trgm["recall"],
        "recall_top5": trgm["recall_top5"],
        **s,
        "words_precision": q["newmm_words"]["precision"],
        "words_recall": q["newmm_words"]["recall"],
        "words_recall_top5": q["newmm_words"]["recall_top5"],
        "likely_wrong_by_query_kind": trgm["likely_wrong_by_query_kind"],
        "projection_error_250m": errors,
        "goals": {
            "precision": trgm["precision"] >= 0.9,
            "recall": trgm["recall"] >= 0.9,
            "recall_top5": trgm["recall_top5"] >= 0.9,
            "intake_p95_5ms": s["intake_p95_ms"] <= 5,
            "speedup_100x": s["speedup"] >= 100,
        },
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
