"""Benchmark: search (issue 12), precision@10 on a labelled query set and p95 time, at N cases.

1. **Set-up** (each step skipped when done): migrate; the national boundaries; demo complaints
   up to --complaints (``seed_demo --no-accounts``); their search words
   (``search_index_rebuild``, timed: cases per second of the PyThaiNLP tokeniser and the
   upsert).
2. **The labelled set** (made once per seed, kept: history rows cannot be deleted): for each
   query, 10 *relevant* cases and 10 *confusable* ones, received in 2563 B.E. (2020), before
   any demo case. Three kinds of query:

   * ``name`` — a surname (the complainant's or the accused party's); the confusables carry a
     longer surname that starts with it (แสงอรุณ / แสงอรุณรัตน์);
   * ``place`` — a place name of the code list typed in the place note; the confusables name
     another place whose name starts with it (กำแพง / กำแพงแสน);
   * ``text`` — a word of a description; the confusables hold the same letters inside another
     word (น้ำเสีย / น้ำเสียง, บ่อน / บ่อน้ำ, ยาบ้า / ยาบ้าน…).

   Precision@10 is asked within 2563 (``until=31/12/2563``), so that the labels are the whole
   truth: the demo data's own texts are not labelled. The same queries by pg_trgm substring
   alone (what a search without word segmentation finds), newest first, give the comparison.
3. **Speed**: every query of the set (and tracking numbers, citizen IDs and phones of demo
   cases) without the date filter, over all N cases, as a central officer (the widest scope)
   and as a district officer, through ``case_search`` (count + first page of 10). p50/p95 ms.

    .venv/bin/python bench/search.py --complaints 100000
    .venv/bin/python bench/search.py --complaints 1000000   # hours of set-up on 2 cores

The database is --database-url, by default DATABASE_URL's server with the database
damrong_bench_search. Last line: one JSON object (precision_at_10, p95_ms, n, …).
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

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_search"
LABEL_ADDRESS = "bench-search-label"

FIRST = ["สมชาย", "สมหญิง", "ประเสริฐ", "วันเพ็ญ", "อนุชา", "กัลยา", "ธีรพงษ์", "จันทร์เพ็ญ"]
# (surname, a longer surname starting with it)
SURNAMES = [
    ("แสงอรุณ", "แสงอรุณรัตน์"),
    ("ทองประเสริฐ", "ทองประเสริฐสุข"),
    ("รุ่งเรือง", "รุ่งเรืองกิจ"),
    ("เลิศวิริยะ", "เลิศวิริยะกุล"),
    ("ปัญญาวงศ์", "ปัญญาวงศ์ไพศาล"),
    ("ศรีสุข", "ศรีสุขสวัสดิ์"),
    ("บุญมา", "บุญมาก"),
    ("อินทร", "อินทรประเสริฐ"),
]
# (word, relevant sentence, confusable sentence with the same letters in another word)
TEXTS = [
    ("น้ำเสีย", "โรงงานปล่อยน้ำเสียลงคลองสาธารณะ", "เจ้าหน้าที่ใช้น้ำเสียงไม่สุภาพกับผู้ร้อง"),
    ("บ่อน", "มีบ่อนพนันเปิดในหมู่บ้านทุกคืน", "ขุดบ่อน้ำตื้นริมทางสาธารณะ"),
    ("ยาบ้า", "มั่วสุมเสพยาบ้าในบ้านร้างท้ายซอย", "ร้านค้าขายยาบ้านโบราณไม่มีฉลาก"),
    ("ขายยา", "มีผู้ลักลอบขายยาไม่มีใบอนุญาต", "ร้านขายยางรถยนต์ตั้งวางของบนทางเท้า"),
    ("ดินแดง", "เกิดน้ำท่วมที่ชุมชนดินแดงหลายวัน", "ขุดหน้าดินแดงไปขายโดยไม่ขออนุญาต"),
    ("ตากผ้า", "เพื่อนบ้านตากผ้าล้ำเข้ามาในที่ดิน", "ลานตากผ้าไหมของกลุ่มแม่บ้าน"),
]
TEMPLATES = [
    "ขอให้ตรวจสอบเรื่อง{}โดยด่วน",
    "ผู้ร้องแจ้งว่า{}มาหลายเดือนแล้ว",
    "{}ทำให้ชาวบ้านเดือดร้อน",
    "ร้องเรียนกรณี{}ในพื้นที่",
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help=f"default: DATABASE_URL with the name {BENCH_DB}")
    p.add_argument("--complaints", type=int, default=100_000, help="demo complaints to hold")
    p.add_argument("--places", type=int, default=8, help="place queries in the labelled set")
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    p.add_argument("--seed", type=int, default=2569)
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


def ensure_data(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from boundaries.models import Subdistrict
    from layers.models import Complaint
    from layers.services.search import search_index_rebuild

    say("migrate")
    call_command("migrate", verbosity=0)
    if Subdistrict.objects.filter(geom__isnull=False).count() < 7000:
        say("loading the national boundaries")
        call_command("load_boundaries", no_progress=True, stdout=sys.stderr)
    have = Complaint.objects.exclude(complainant_address=LABEL_ADDRESS).count()
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
    say("indexing the search words of cases without them")
    started = time.perf_counter()
    written = search_index_rebuild(
        batch_size=2000, progress=lambda n: n % 20000 == 0 and say(f"  {n:,} indexed")
    )
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE layers_casesearch")
        cur.execute("ANALYZE layers_complaint")
    rate = round(written / seconds) if written else None
    if written:
        say(f"indexed {written:,} cases in {seconds:.0f} s ({rate:,}/s)")
    return {"indexed": written, "index_seconds": round(seconds, 1), "index_rate_per_s": rate}


def labelled_queries(args) -> list[dict]:
    """The labelled set: each query with its relevant and confusable case specs."""
    from layers.searchwords import place_names

    rng = random.Random(args.seed)
    queries = []
    for surname, longer in SURNAMES:
        relevant, confusable = [], []
        for i in range(10):
            first = FIRST[i % len(FIRST)]
            as_accused = i % 3 == 2
            key = "accused_name" if as_accused else "complainant_name"
            relevant.append({key: f"{first} {surname}"})
            confusable.append({key: f"{FIRST[(i + 3) % len(FIRST)]} {longer}"})
        queries.append({"kind": "name", "q": surname, "rel": relevant, "conf": confusable})
    names = sorted(place_names())
    pairs = [(a, b) for a in names for b in names if b != a and b.startswith(a) and len(a) >= 4]
    rng.shuffle(pairs)
    used = set()
    for a, b in pairs:
        if len([q for q in queries if q["kind"] == "place"]) >= args.places:
            break
        if a in used:
            continue
        used.add(a)
        queries.append(
            {
                "kind": "place",
                "q": a,
                "rel": [{"location_note": f"ใกล้ตลาด{a} หมู่ {i + 1}"} for i in range(10)],
                "conf": [{"location_note": f"ใกล้ตลาด{b} หมู่ {i + 1}"} for i in range(10)],
            }
        )
    for word, relevant, confusable in TEXTS:
        queries.append(
            {
                "kind": "text",
                "q": word,
                "rel": [
                    {"description": TEMPLATES[i % len(TEMPLATES)].format(relevant)}
                    for i in range(10)
                ],
                "conf": [
                    {"description": TEMPLATES[i % len(TEMPLATES)].format(confusable)}
                    for i in range(10)
                ],
            }
        )
    return queries


def plant(queries, args) -> dict[str, dict[str, set[int]]]:
    """Create the labelled cases (once per seed: the same titles are found again) and return,
    per query, the ids of its relevant and confusable cases. Written in bulk from a demo case's
    row (area, category, dates in 2563 B.E.), then indexed by the service's own indexing."""
    import copy
    from datetime import datetime, timedelta

    from django.db import transaction
    from django.utils import timezone

    from layers.identity import person_columns
    from layers.models import Category, Complaint
    from layers.services.search import _RELATED, _index
    from layers.thaitext import normalize_text

    existing = dict(
        Complaint.objects.filter(complainant_address=LABEL_ADDRESS).values_list("title", "pk")
    )
    rng = random.Random(args.seed)
    templates = list(
        Complaint.objects.exclude(complainant_address=LABEL_ADDRESS).order_by("pk")[:2000]
    )
    other = Category.objects.get(code="other")
    start = timezone.make_aware(datetime(2020, 1, 1, 9, 0))
    seq = 9_000_000 + Complaint.objects.filter(tracking_year=2563).count()
    out: dict[str, dict[str, set[int]]] = {}
    new: list[tuple[str, str, Complaint]] = []
    for qi, query in enumerate(queries):
        out[query["q"]] = {"rel": set(), "conf": set()}
        for label in ("rel", "conf"):
            for i, spec in enumerate(query[label]):
                title = f"ชุดทดสอบ {query['kind']} {qi} {label} {i}"
                if title in existing:
                    out[query["q"]][label].add(existing[title])
                    continue
                case = copy.copy(rng.choice(templates))
                case.pk = None
                seq += 1
                received = start + timedelta(days=rng.randrange(0, 360), minutes=seq % 600)
                case.tracking_no, case.tracking_year, case.tracking_seq = (
                    f"2563-{seq:07d}",
                    2563,
                    seq,
                )
                case.received_at = case.status_changed_at = received
                case.category, case.subcategory = other, None
                case.subcategory_text = "ชุดทดสอบการค้นหา"
                case.complainant_name = spec.get("complainant_name", "นายผู้ร้อง ทดสอบค้นหา")
                case.accused_name = spec.get("accused_name", "")
                case.accused_detail = ""
                case.location_note = spec.get("location_note", "")
                case.description = spec.get("description", "ขอความช่วยเหลือเรื่องทั่วไป")
                case.title = title
                case.close_note = case.forwarded_agency = ""
                case.complainant_address = LABEL_ADDRESS
                for key, value in person_columns(
                    citizen_id=case.complainant_citizen_id,
                    phone=case.complainant_phone,
                    name=case.complainant_name,
                    accused_name=case.accused_name,
                ).items():
                    setattr(case, key, value)
                case.description_norm = normalize_text(case.description)
                new.append((query["q"], label, case))
    if new:
        with transaction.atomic():
            made = Complaint.objects.bulk_create([c for _q, _l, c in new], batch_size=500)
            for (q, label, _c), case in zip(new, made, strict=True):
                out[q][label].add(case.pk)
            _index(
                list(
                    Complaint.objects.select_related(*_RELATED).filter(pk__in=[c.pk for c in made])
                )
            )
    say(f"labelled set: {len(queries)} queries, {len(new)} cases made now")
    return out


def precision(queries, labels, officer) -> dict:
    from django.db.models import Q

    from layers.models import Complaint
    from layers.searchwords import search_normalize
    from layers.selectors.search import case_search, search_request_from_params

    by_kind: dict[str, list[float]] = {}
    trgm_by_kind: dict[str, list[float]] = {}
    misses = []
    for query in queries:
        rel = labels[query["q"]]["rel"]
        req = search_request_from_params({"q": query["q"], "until": "31/12/2563"})
        result = case_search(officer=officer, req=req, offset=0, limit=10)
        got = [c.pk for c in result.rows]
        p = sum(1 for pk in got if pk in rel) / 10
        by_kind.setdefault(query["kind"], []).append(p)
        if p < 1:
            misses.append({"q": query["q"], "kind": query["kind"], "precision": p})
        # pg_trgm alone: the query as a substring of the normalised texts, newest first.
        norm = search_normalize(query["q"])
        trgm = list(
            Complaint.objects.filter(received_at__year=2020)
            .filter(Q(search__full_norm__contains=norm))
            .order_by("-received_at", "-pk")
            .values_list("pk", flat=True)[:10]
        )
        trgm_by_kind.setdefault(query["kind"], []).append(sum(1 for pk in trgm if pk in rel) / 10)
    every = [p for v in by_kind.values() for p in v]
    every_trgm = [p for v in trgm_by_kind.values() for p in v]
    return {
        "precision_at_10": round(statistics.mean(every), 3),
        "by_kind": {k: round(statistics.mean(v), 3) for k, v in by_kind.items()},
        "trigram_only_precision_at_10": round(statistics.mean(every_trgm), 3),
        "trigram_only_by_kind": {k: round(statistics.mean(v), 3) for k, v in trgm_by_kind.items()},
        "misses": misses,
    }


def speed(queries, officers, args) -> dict:
    from layers.models import Complaint
    from layers.selectors.search import case_search, search_request_from_params

    sample = list(
        Complaint.objects.exclude(complainant_address=LABEL_ADDRESS)
        .exclude(complainant_citizen_id="")
        .order_by("?")
        .values_list("tracking_no", "complainant_citizen_id", "complainant_phone")[:20]
    )
    asks = [q["q"] for q in queries]
    asks += [f"{q['q']} {queries[(i + 7) % len(queries)]['q']}" for i, q in enumerate(queries[:8])]
    asks += [s[0] for s in sample[:8]] + [s[1] for s in sample[8:14]]
    asks += [s[2] for s in sample[14:] if s[2]]
    times: dict[str, list[float]] = {}
    counts = []
    for label, officer in officers.items():
        for q in asks[:5]:  # warm-up
            case_search(officer=officer, req=search_request_from_params({"q": q}), limit=10)
        out = []
        for _ in range(args.repeat):
            for q in asks:
                t0 = time.perf_counter()
                req = search_request_from_params({"q": q})
                result = case_search(officer=officer, req=req, offset=0, limit=10)
                out.append((time.perf_counter() - t0) * 1000.0)
                counts.append(result.count)
        times[label] = out
    every = [t for v in times.values() for t in v]
    return {
        "p50_ms": round(percentile(every, 0.5), 1),
        "p95_ms": round(percentile(every, 0.95), 1),
        "p95_ms_by_officer": {k: round(percentile(v, 0.95), 1) for k, v in times.items()},
        "queries_timed": len(every),
        "median_matches": statistics.median(counts) if counts else 0,
        "max_matches": max(counts) if counts else 0,
    }


def bench_officers():
    from layers.models import Officer, Role, RoleAssignment
    from layers.validators import citizen_id_check_digit

    officers = {}
    for key, role, district in (
        ("central", Role.CENTRAL_OFFICER, None),
        ("district_4901", Role.DISTRICT_OFFICER, "4901"),
    ):
        first12 = {"central": "199999999999", "district_4901": "199999999998"}[key]
        username = first12 + str(citizen_id_check_digit(first12))
        officer = Officer.objects.filter(citizen_id=username).first()
        if officer is None:
            officer = Officer.objects.create_user(username, None, first_name="bench", last_name=key)
            RoleAssignment.objects.create(
                officer=officer,
                role=role,
                province_id=district[:2] if district else None,
                district_id=district,
            )
        officers[key] = officer
    return officers


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)
    from layers.models import Complaint

    setup = {} if args.skip_setup else ensure_data(args)
    officers = bench_officers()
    queries = labelled_queries(args)
    labels = plant(queries, args)
    n = Complaint.objects.count()
    say(f"{n:,} complaints in the database")
    quality = precision(queries, labels, officers["central"])
    for miss in quality["misses"]:
        say(f"  below 1.0: {miss}")
    s = speed(queries, officers, args)
    figures = {
        "bench": "search",
        "n": n,
        "queries": len(queries),
        "precision_at_10": quality["precision_at_10"],
        "precision_by_kind": quality["by_kind"],
        "trigram_only_precision_at_10": quality["trigram_only_precision_at_10"],
        "trigram_only_by_kind": quality["trigram_only_by_kind"],
        **s,
        **setup,
        "goals": {
            "precision_at_10": quality["precision_at_10"] >= 0.8,
            "p95_ms": s["p95_ms"] <= 100,
        },
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
