"""Benchmark: importing a large backlog spreadsheet in bounded memory (issue 12).

Generates a file of --rows complaints for district 4901 (Mueang Mukdahan) — CSV in cp874 or
UTF-8, or XLSX written row by row — with Thai names, valid citizen IDs, B.E. dates in the usual
forms (``31/01/2565``, ``31 ม.ค. 65``, Thai digits), half placed by coordinates and half by
sub-district name (approximate), and about one row in a hundred wrong (a bad date, an unknown
sub-district, a bad citizen ID). Then runs the service as the job queue runs it
(``layers.services.imports.import_run``): the dry run, then the import. Prints rows per second
of each phase and the peak memory: Python's own allocations (tracemalloc, the peak during the
phase) and the process's maximum resident set (ru_maxrss). The last line is one JSON object.

Memory must not grow with the file: run two sizes and compare the peaks.

    .venv/bin/python bench/import.py --rows 100000              # the issue's size
    .venv/bin/python bench/import.py --rows 10000 --format xlsx # a quick look, XLSX
    .venv/bin/python bench/import.py --rows 100000 --dry-run-only  # read and check only

The database is --database-url, by default DATABASE_URL's server with the database
damrong_bench_import, created with PostGIS when missing (bench/benchdb.py); the sample
boundaries (Mukdahan) are loaded into it. Every run imports new references (a run stamp), so
cases accumulate; ``--reimport`` imports the same file twice and times the second pass, which
updates every case instead.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchdb import bench_database_url, ensure_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "damrong_bench_import"
DISTRICT = "4901"
OFFICER_FIRST12 = "900000000077"
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MONTHS_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
FIRST = ("สมชาย", "สมศรี", "วิชัย", "มาลี", "ประเสริฐ", "สุดา", "บุญมี", "จันทร์เพ็ญ")
LAST = ("ใจดี", "รักชาติ", "ศรีสุข", "มั่นคง", "แก้วมณี", "ทองดี", "พรหมมา", "สายบุญ")
WHAT = (
    "บุกรุกที่สาธารณประโยชน์ริมหนองน้ำ",
    "ถนนในหมู่บ้านชำรุดเป็นหลุมบ่อ",
    "เสียงดังจากโรงงานยามวิกาล",
    "ข้อพิพาทแนวเขตที่ดินกับเพื่อนบ้าน",
)
CATEGORIES = (
    ("land", "land-public-encroach"),
    ("ปัญหาที่ดิน", "แนวเขตที่ดิน/ทางสาธารณะ"),
    ("land", "land-private-dispute"),
)
HEADER = [
    "เลขที่อ้างอิง",
    "วันที่รับเรื่อง",
    "ชื่อผู้ร้อง",
    "เลขประจำตัวประชาชน",
    "โทรศัพท์",
    "ประเภทเรื่อง",
    "ประเภทเรื่องย่อย",
    "รายละเอียด",
    "ตำบล",
    "ละติจูด",
    "ลองจิจูด",
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help=f"default: DATABASE_URL with database {BENCH_DB}")
    p.add_argument("--rows", type=int, default=100_000, help="data rows in the generated file")
    p.add_argument("--format", choices=("csv-cp874", "csv-utf8", "xlsx"), default="csv-cp874")
    p.add_argument("--seed", type=int, default=2569)
    p.add_argument("--no-tracemalloc", action="store_true", help="ru_maxrss only (faster)")
    p.add_argument("--reimport", action="store_true", help="import the file again: updates")
    p.add_argument(
        "--dry-run-only",
        action="store_true",
        help="read and check every row, write nothing (the whole file's path through memory)",
    )
    return p.parse_args(argv)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    os.environ["DEBUG"] = "false"  # no query log growing with every row
    import django

    django.setup()


def ensure_data():
    from django.core.management import call_command

    from boundaries.models import Subdistrict
    from layers.models import Category, Officer, Role, RoleAssignment
    from layers.validators import citizen_id_check_digit

    say("migrate")
    call_command("migrate", verbosity=0)
    if not Subdistrict.objects.filter(district_id=DISTRICT, geom__isnull=False).exists():
        from boundaries.services.loading import load_boundaries

        say("loading the sample boundaries (Mukdahan)")
        load_boundaries(source_dir=REPO / "boundaries" / "data" / "sample", progress=False)
    if not Category.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("layers.migrations.0002_seed_categories").seed(apps, None)
    cid = OFFICER_FIRST12 + str(citizen_id_check_digit(OFFICER_FIRST12))
    officer = Officer.objects.filter(citizen_id=cid).first()
    if officer is None:
        officer = Officer.objects.create_user(
            cid, None, first_name="bench", last_name="import", must_change_password=False
        )
    RoleAssignment.objects.get_or_create(
        officer=officer, role=Role.DISTRICT_OFFICER, province_id=DISTRICT[:2], district_id=DISTRICT
    )
    return officer


def subdistrict_points():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT name_th, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM boundaries_subdistrict WHERE district_id = %s AND geom IS NOT NULL "
            "ORDER BY code",
            [DISTRICT],
        )
        return cur.fetchall()


def citizen_id(rng) -> str:
    from layers.validators import citizen_id_check_digit

    first12 = "1" + "".join(str(rng.randrange(10)) for _ in range(11))
    return first12 + str(citizen_id_check_digit(first12))


def generated_rows(n: int, stamp: str, seed: int):
    """The rows, one at a time (the file is written as they come)."""
    rng = random.Random(seed)
    places = subdistrict_points()
    for i in range(1, n + 1):
        name, lon, lat = places[i % len(places)]
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.choice((2566, 2567, 2568))
        form = i % 3
        if form == 0:
            when = f"{day:02d}/{month:02d}/{year}"
        elif form == 1:
            when = f"{day} {MONTHS_ABBR[month - 1]} {year % 100:02d}"
        else:
            when = f"{day}/{month}/{year}".translate(THAI_DIGITS)
        main, sub = CATEGORIES[i % len(CATEGORIES)]
        by_name = i % 2 == 0
        row = [
            f"{stamp}-{i:07d}",
            when,
            f"{rng.choice(('นาย', 'นาง', 'นางสาว'))}{rng.choice(FIRST)} {rng.choice(LAST)}",
            citizen_id(rng) if i % 4 else "",
            f"08{rng.randrange(10**8):08d}" if i % 5 else "",
            main,
            sub,
            f"{rng.choice(WHAT)} ครั้งที่ {i}",
            f"ต.{name} อ.เมืองมุกดาหาร" if by_name else "",
            "" if by_name else f"{lat + rng.uniform(-0.0005, 0.0005):.6f}",
            "" if by_name else f"{lon + rng.uniform(-0.0005, 0.0005):.6f}",
        ]
        if i % 100 == 7:
            row[1] = "31/13/2566"  # a bad date
        elif i % 100 == 37:
            row[8], row[9], row[10] = "ต.ไม่มีจริง", "", ""  # an unknown sub-district
        elif i % 100 == 71:
            row[3] = "1234567890123"  # a bad check digit
        yield row


def write_file(path: Path, args, stamp: str) -> None:
    rows = generated_rows(args.rows, stamp, args.seed)
    if args.format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return
    encoding = "cp874" if args.format == "csv-cp874" else "utf-8-sig"
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def phase(label: str, fn, rows: int, trace: bool) -> dict:
    import gc

    gc.collect()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    outcome = fn()
    seconds = time.perf_counter() - started
    peak = None
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    figures = {
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds, 1),
        "tracemalloc_peak_mb": round(peak / 2**20, 1) if peak is not None else None,
        "ru_maxrss_mb": round(rss, 1),
        **outcome,
    }
    say(
        f"{label}: {rows:,} rows in {seconds:.1f} s = {figures['rows_per_s']:,.0f} rows/s; "
        f"tracemalloc peak {figures['tracemalloc_peak_mb']} MB, ru_maxrss {rss:.0f} MB; "
        f"{outcome}"
    )
    return figures


def main(argv=None) -> None:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    # The uploaded copies go with the generated file: nothing left behind in var/media.
    tmp_dir = tempfile.TemporaryDirectory()
    os.environ["MEDIA_ROOT"] = tmp_dir.name
    setup_django(url)
    from django.core.files import File

    from layers.services.imports import import_map, import_run, import_upload

    officer = ensure_data()
    stamp = f"B{int(time.time())}"
    trace = not args.no_tracemalloc
    results = {"rows": args.rows, "format": args.format}
    with tmp_dir as tmp:
        suffix = ".xlsx" if args.format == "xlsx" else ".csv"
        path = Path(tmp) / f"backlog{suffix}"
        say(f"writing {args.rows:,} rows to {path.name} ({args.format})")
        write_file(path, args, stamp)
        results["file_mb"] = round(path.stat().st_size / 2**20, 1)
        results["rss_before_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )

        def one_import(tag: str) -> None:
            with open(path, "rb") as handle:
                batch = import_upload(
                    officer=officer, district_code=DISTRICT, upload=File(handle, name=path.name)
                )
            # The mapping as proposed from the headers; queued jobs are not run here: the
            # service runs in this process, as the worker would run it.
            import_map(batch=batch, officer=officer, mapping=batch.mapping)
            results[f"{tag}dry_run"] = phase(
                "dry run",
                lambda: import_run(batch_id=batch.pk, dry_run=True),
                args.rows,
                trace,
            )
            if not args.dry_run_only:
                results[f"{tag}import"] = phase(
                    "import",
                    lambda: import_run(batch_id=batch.pk, dry_run=False),
                    args.rows,
                    trace,
                )

        one_import("")
        if args.reimport:
            one_import("re")
    results["rows_per_s"] = results["dry_run" if args.dry_run_only else "import"]["rows_per_s"]
    results["peak_tracemalloc_mb"] = max(
        (results[k]["tracemalloc_peak_mb"] or 0) for k in results if isinstance(results[k], dict)
    )
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
