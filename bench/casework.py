"""Benchmark: the sub-district team's "my cases" list and map data with many complaints loaded.

For one team (by default the busiest: the most open cases), times the queries the phone page
runs, as the app runs them (``layers.selectors.team``: jurisdiction look-up, ORM query, rows
turned into dicts and labels), beside the very same SQL sent straight through psycopg (the
ORM's compiled statement and parameters, so the plan is the same). Prints p50/p95 of each side
by side and, as its last line, one JSON object of figures.

Goal (issue 3): app p95 <= 3 x raw p95 + 5 ms.

    The database is --database-url, by default DATABASE_URL's server with the database
    damrong_bench_casework, created with PostGIS when missing (bench/benchdb.py).
    .venv/bin/python bench/casework.py --complaints 1000000           # set up if needed, measure
    .venv/bin/python bench/casework.py --complaints 20000 --runs 50   # a quick look

Set-up (each step skipped when already done): the database; migrate; national boundaries
(``load_boundaries``); a team for every sub-district (so routing-like assignment exists, as in
a district that has set up its teams); complaints up to --complaints with the demo seeder
(``seed_demo --no-accounts``, set-based SQL; cases of a sub-district with a team go to it);
a bench officer who is a member of the measured team.
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
BENCH_DB = "damrong_bench_casework"
BENCH_CITIZEN_ID_FIRST12 = "900000000042"


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
    p.add_argument("--runs", type=int, default=200, help="timed runs per query")
    p.add_argument("--warmup", type=int, default=20, help="untimed runs first (cache warm)")
    p.add_argument("--team", help="sub-district code of the team to measure (default: busiest)")
    p.add_argument("--seed", type=int, default=2569, help="demo seeder's random seed")
    p.add_argument("--skip-setup", action="store_true", help="measure what is there")
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

    from boundaries.models import Subdistrict
    from layers.models import Complaint

    say("migrate")
    call_command("migrate", verbosity=0)
    if Subdistrict.objects.filter(geom__isnull=False).count() < 7000:
        say("loading the national boundaries")
        call_command("load_boundaries", no_progress=True, stdout=sys.stderr)
    ensure_teams()
    from django.db import connection

    # Fresh tables (teams just created, boundaries never analysed) have no planner statistics;
    # the seeder's big joins then get nested-loop plans that run for many minutes.
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


def ensure_teams() -> None:
    """A team for every sub-district with a polygon (idempotent)."""
    from boundaries.models import Subdistrict
    from layers.models import Team

    have = set(Team.objects.values_list("subdistrict_id", flat=True))
    new = [
        Team(subdistrict_id=code, district_id=district, name=f"ชปต. ตำบล{name}")
        for code, district, name in Subdistrict.objects.filter(geom__isnull=False)
        .exclude(code__in=have)
        .values_list("code", "district_id", "name_th")
    ]
    if new:
        say(f"creating {len(new):,} sub-district teams")
        Team.objects.bulk_create(new, batch_size=2000)


def busiest_team_subdistrict() -> str:
    from django.db.models import Count, Q

    from layers.models import Complaint

    row = (
        Complaint.objects.filter(~Q(status="closed"), assigned_team__isnull=False)
        .values("assigned_team__subdistrict_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if row is None:
        raise SystemExit("no team has open cases: seed complaints first")
    return row["assigned_team__subdistrict_id"]


def bench_officer(subdistrict_code: str):
    """The team member whose page is measured: member of exactly this one team."""
    from layers.models import Officer, Role, RoleAssignment, Team, TeamMembership
    from layers.validators import citizen_id_check_digit

    team = Team.objects.get(subdistrict_id=subdistrict_code)
    cid = BENCH_CITIZEN_ID_FIRST12 + str(citizen_id_check_digit(BENCH_CITIZEN_ID_FIRST12))
    officer = Officer.objects.filter(citizen_id=cid).first()
    if officer is None:
        officer = Officer.objects.create_user(
            cid, None, first_name="bench", last_name="team", must_change_password=False
        )
    RoleAssignment.objects.get_or_create(
        officer=officer, role=Role.TEAM_MEMBER, province=None, district_id=team.district_id
    )
    TeamMembership.objects.filter(officer=officer).exclude(team=team).delete()
    TeamMembership.objects.get_or_create(officer=officer, team=team)
    return officer, team


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


def raw_runner(querysets):
    """Run the querysets' own compiled SQL through the psycopg connection, no ORM."""
    from django.db import connection

    statements = []
    for qs in querysets:
        sql, params = qs.query.sql_with_params()
        statements.append((sql, params))
    connection.ensure_connection()
    raw = connection.connection  # the psycopg.Connection under Django's wrapper

    def run():
        rows = 0
        with raw.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
                rows += len(cur.fetchall())
        return rows

    return run, statements


def explain(statements) -> list[str]:
    from django.db import connection

    lines = []
    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines.extend(r[0] for r in cur.fetchall())
            lines.append("")
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_database_url(BENCH_DB, args.database_url)
    ensure_database(url)
    setup_django(url)

    from django.contrib.gis.db.models.functions import PointOnSurface

    from boundaries.models import Subdistrict
    from layers.models import Complaint
    from layers.selectors import team as sel

    if not args.skip_setup:
        ensure_data(args)
    total = Complaint.objects.count()
    code = args.team or busiest_team_subdistrict()
    officer, team = bench_officer(code)
    here = Subdistrict.objects.annotate(p=PointOnSurface("geom")).get(code=code).p
    team_total = Complaint.objects.filter(assigned_team=team).count()
    team_open = Complaint.objects.filter(assigned_team=team).exclude(status="closed").count()
    say(
        f"{total:,} complaints; team {team.name} ({code}): {team_total:,} cases, "
        f"{team_open:,} open; position {here.y:.5f}, {here.x:.5f}"
    )

    def fresh():
        # Each request loads its user afresh, so the jurisdiction is looked up every time.
        officer.__dict__.pop("_jurisdiction_cache", None)
        return officer

    cases = {
        "list_nearest": (
            lambda: sel.team_case_list(officer=fresh(), near=here, sort="nearest"),
            lambda: sel.team_case_list_querysets(officer=fresh(), near=here, sort="nearest"),
        ),
        "list_oldest": (
            lambda: sel.team_case_list(officer=fresh(), sort="oldest"),
            lambda: sel.team_case_list_querysets(officer=fresh(), sort="oldest"),
        ),
        "map": (
            lambda: sel.team_case_map(officer=fresh()),
            lambda: (sel.team_case_map_queryset(officer=fresh()),),
        ),
    }

    results = {}
    print(
        f"{'query':<14} {'rows':>5} {'app p50':>9} {'app p95':>9} {'raw p50':>9} "
        f"{'raw p95':>9} {'p95 ratio':>9} {'goal ms':>8}  ok"
    )
    for name, (app_fn, qs_fn) in cases.items():
        app = timed(app_fn, args.runs, args.warmup)
        run_raw, statements = raw_runner(qs_fn())
        rows = run_raw()
        raw = timed(run_raw, args.runs, args.warmup)
        a50, a95 = percentile(app, 0.5), percentile(app, 0.95)
        r50, r95 = percentile(raw, 0.5), percentile(raw, 0.95)
        goal = 3 * r95 + 5
        ok = a95 <= goal
        results[name] = {
            "rows": rows,
            "app_p50_ms": round(a50, 2),
            "app_p95_ms": round(a95, 2),
            "raw_p50_ms": round(r50, 2),
            "raw_p95_ms": round(r95, 2),
            "ratio_p95": round(a95 / r95, 2) if r95 else None,
            "goal_ms": round(goal, 2),
            "ok": ok,
            "app_mean_ms": round(statistics.fmean(app), 2),
        }
        print(
            f"{name:<14} {rows:>5} {a50:>9.2f} {a95:>9.2f} {r50:>9.2f} {r95:>9.2f} "
            f"{a95 / r95 if r95 else float('nan'):>9.2f} {goal:>8.2f}  {'yes' if ok else 'NO'}"
        )
        if args.explain:
            for line in explain(statements):
                print("    " + line)

    figures = {
        "bench": "casework",
        "complaints": total,
        "team_subdistrict": code,
        "team_cases": team_total,
        "team_open": team_open,
        "runs": args.runs,
        "goal": "app p95 <= 3 x raw p95 + 5 ms",
        "all_ok": all(r["ok"] for r in results.values()),
        **results,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
