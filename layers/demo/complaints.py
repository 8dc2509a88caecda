"""Demo complaints: N complaints spread over the real sub-districts, weighted by population,
in set-based SQL so that a million rows take minutes.

Points come from ``ST_GeneratePoints`` with a seed per sub-district, the point then decides the
three area codes exactly as intake does (``assign_areas_to_points`` on the subdivided table),
and every other attribute is drawn from ``md5(seed, row)``, so the same seed, count, end date
and boundaries give the same complaints, tracking numbers included (in a database without other
complaints of those years).

The rules are not copied: each case's history is a path walked from the workflow's transition
table (``layers.demo.paths``), and its due date is ``layers.rules``' (the days of
``sla_days`` from receipt or from the last reopening; no SLA, no due date).

The SQL is in ``sql/*.sql`` next to this module: raw because it is set-based work over
temporary tables that the ORM cannot express. Values go in as parameters, the names of the
temporary tables through ``psycopg.sql``. Every demo complaint's "created" history row carries
``DEMO_NOTE``: that is how ``--if-empty`` recognises demo data, and it tells a reader of the
timeline that the case is invented.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from psycopg import sql

from boundaries.models import Subdistrict
from boundaries.services.bulk import assign_areas_to_points
from layers.demo import content
from layers.demo.organisation import DEMO_PROVINCES, demo_actor_keys
from layers.demo.paths import SLOTS, Path, demo_paths
from layers.demo.weights import largest_remainder, slots
from layers.models import Category, ComplaintHistory, ForwardTarget, HistoryKind
from layers.rules import sla_days
from layers.services.complaints import TRACKING_SEQ_DIGITS, tracking_number_issue

DEMO_NOTE = "ข้อมูลสาธิต (seed_demo)"
DEFAULT_COUNT = 3000
DEFAULT_SEED = 2569
DEFAULT_FOCUS_SHARE = 0.3
PERIOD_DAYS = 730
TEMP_TABLES = (
    "demo_pt",
    "demo_stage",
    "demo_choice",
    "demo_choice_slot",
    "demo_channel",
    "demo_result",
    "demo_result_slot",
    "demo_forward",
    "demo_forward_slot",
    "demo_path",
    "demo_path_slot",
    "demo_step",
    "demo_actor",
)
# The functions of sql/functions.sql, with their argument types (to drop them).
TEMP_FUNCTIONS = (
    ("demo_u", "text, int"),
    ("demo_pick", "text[], float8"),
    ("demo_citizen_id", "text"),
    ("demo_step_at", "timestamptz, timestamptz, int, int, float8"),
)


@cache
def statement(name: str) -> str:
    """The SQL of ``sql/<name>.sql`` (read once)."""
    return (files("layers.demo") / "sql" / f"{name}.sql").read_text(encoding="utf-8")


@dataclass
class ComplaintsReport:
    requested: int = 0
    created: int = 0
    # Points short of the count, or that no lookup piece covered (should stay 0).
    dropped: int = 0
    seed: int = 0
    until: date | None = None
    years: dict[int, tuple[int, int]] = field(default_factory=dict)  # year → (first, last) seq
    history_rows: int = 0
    seconds: float = 0.0
    skipped: bool = False


def demo_complaints_exist() -> bool:
    return ComplaintHistory.objects.filter(kind=HistoryKind.CREATED, note=DEMO_NOTE).exists()


def _subdistrict_weights(focus: list[str], focus_share: float):
    """(codes, weights): population where known, else area × the mean density of the rest."""
    rows = list(
        Subdistrict.objects.filter(geom__isnull=False)
        .order_by("code")
        .values_list("code", "province_id", "population", "area_km2")
    )
    known_pop = sum(p for _, _, p, a in rows if p and a)
    known_area = sum(a for _, _, p, a in rows if p and a)
    density = known_pop / known_area if known_area else 1.0
    weights = [float(p) if p else float(a or 0) * density for _, _, p, a in rows]
    # Concentrate a share of the complaints in the demo provinces, so the demo accounts have
    # cases to work on even when the whole country is loaded; within them, still by population.
    in_focus = [r[1] in focus for r in rows]
    w_focus = sum(w for w, f in zip(weights, in_focus, strict=True) if f)
    w_rest = sum(w for w, f in zip(weights, in_focus, strict=True) if not f)
    if 0 < focus_share < 1 and w_focus > 0 and w_rest > 0:
        scale = focus_share * w_rest / ((1 - focus_share) * w_focus)
        weights = [w * scale if f else w for w, f in zip(weights, in_focus, strict=True)]
    return [r[0] for r in rows], weights


def _choices():
    """One row per thing a complaint can be about: each active sub-category, and each
    'Other' topic. Returns (rows, weights)."""
    mains = list(Category.objects.filter(parent__isnull=True, is_active=True).order_by("code"))
    subs: dict[int, list[Category]] = {}
    for sub in Category.objects.filter(parent__isnull=False, is_active=True).order_by("code"):
        subs.setdefault(sub.parent_id, []).append(sub)
    rows, weights = [], []
    for main in mains:
        main_weight = content.MAIN_CATEGORY_WEIGHTS.get(main.code, content.DEFAULT_MAIN_WEIGHT)
        accused_rate, accused = content.ACCUSED.get(main.code, (0.0, [""]))
        if main.is_other:
            options = [(None, text, text, [desc]) for text, desc in content.OTHER_TOPICS]
        else:
            options = [
                (
                    sub,
                    "",
                    sub.name_th,
                    content.DESCRIPTIONS.get(sub.code)
                    or [content.GENERIC_DESCRIPTION.replace("{name}", sub.name_th)],
                )
                for sub in subs.get(main.pk, [])
            ]
        for sub, sub_text, title, templates in options:
            # The due-date rule's days (None: no SLA, so no due date, as at intake).
            sla = sla_days(category=main, subcategory=sub)
            rows.append(
                (
                    len(rows),
                    main.pk,
                    sub.pk if sub else None,
                    sub_text,
                    title,
                    sla,
                    templates,
                    accused_rate,
                    accused,
                )
            )
            weights.append(main_weight / len(options))
    return rows, weights


def _insert(cur, table: str, types: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into a lookup table in one statement: a column array per parameter, unnested."""
    if not rows:
        return
    arrays = sql.SQL(", ").join(sql.SQL("%s::{}[]").format(sql.SQL(t)) for t in types)
    cur.execute(
        sql.SQL("INSERT INTO {} SELECT * FROM unnest({})").format(sql.Identifier(table), arrays),
        [list(column) for column in zip(*rows, strict=True)],
    )


def _fill_lookups(cur, rows: list[tuple], weights: list[float], paths: list[Path]) -> None:
    cur.execute(statement("lookups"))
    # Rows holding arrays cannot be unnested from one array per column: one INSERT each.
    cur.executemany("INSERT INTO demo_choice VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    cur.executemany(
        "INSERT INTO demo_result VALUES (%s, %s, %s)",
        [(i, result, notes) for i, (result, _, notes) in enumerate(content.CLOSE_RESULTS)],
    )
    with translation.override(settings.LANGUAGE_CODE):
        labels = {t: str(ForwardTarget(t).label) for t, _, _ in content.FORWARD_TARGETS}
    cur.executemany(
        "INSERT INTO demo_forward VALUES (%s, %s, %s, %s)",
        [
            (i, target, agencies, labels[target])
            for i, (target, _, agencies) in enumerate(content.FORWARD_TARGETS)
        ],
    )
    _insert(cur, "demo_choice_slot", ("int", "int"), list(enumerate(slots(weights))))
    _insert(
        cur,
        "demo_channel",
        ("int", "text", "bool"),
        [
            (slot, content.CHANNELS[i][0], content.CHANNELS[i][2])
            for slot, i in enumerate(slots([w for _, w, _ in content.CHANNELS], 100))
        ],
    )
    _insert(
        cur,
        "demo_result_slot",
        ("int", "int"),
        list(enumerate(slots([w for _, w, _ in content.CLOSE_RESULTS], 100))),
    )
    _insert(
        cur,
        "demo_forward_slot",
        ("int", "int"),
        list(enumerate(slots([w for _, w, _ in content.FORWARD_TARGETS], 100))),
    )
    _insert(
        cur,
        "demo_path",
        ("int", "bool", "bool", "text", "int", "int", "bool", "int"),
        [
            (n, p.team, p.closed, p.status, p.work_steps, len(p.steps), p.forwarded, p.reopened_at)
            for n, p in enumerate(paths)
        ],
    )
    _insert(cur, "demo_path_slot", ("bool", "bool", "int", "int"), _path_slots(paths))
    _insert(
        cur,
        "demo_step",
        ("int", "int", "int", "text", "text", "text", "text", "bool", "text"),
        [
            (
                n,
                i,
                s.work_no,
                s.kind,
                s.from_status,
                s.to_status,
                s.capacity,
                s.forwarded_before,
                s.note,
            )
            for n, p in enumerate(paths)
            for i, s in enumerate(p.steps)
        ],
    )
    _insert(cur, "demo_actor", ("text", "bigint"), list(demo_actor_keys().items()))


def _path_slots(paths: list[Path]) -> list[tuple[bool, bool, int, int]]:
    """The slot table of each group (with a team or not, to end closed or not). A group the
    table leaves empty (no path ends closed, say) draws from the other group of its cases."""
    groups: dict[tuple[bool, bool], list[int]] = {}
    for n, p in enumerate(paths):
        groups.setdefault((p.team, p.closed), []).extend([n] * p.slots)
    out = []
    for team in (False, True):
        for closed in (False, True):
            drawn = groups.get((team, closed)) or groups.get((team, not closed))
            if not drawn:
                raise ValueError("the transition table leaves a demo case no path")
            out.extend((team, closed, slot, n) for slot, n in enumerate(drawn))
    return out


def _analyze(cur, *tables: str) -> None:
    """Planner statistics for tables this run reads or has just filled.

    Without them the planner guesses: autovacuum never analyses temporary tables, may not have
    reached tables filled moments ago (boundaries just loaded, teams just made; it is off on
    some servers), and the points were analysed before they had their area codes, so the
    staging query saw one row where there were a million. A bench run at 1 M complaints took
    over 20 minutes on such a plan, about one minute after ANALYZE (bench/README.md). Cheap:
    ANALYZE reads a sample of at most 30,000 rows (tens of milliseconds here). Table names
    are this module's constants, never input.
    """
    for table in tables:
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def _drop_temporary(cur) -> None:
    for table in TEMP_TABLES:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier("pg_temp", table)))
    for name, args in TEMP_FUNCTIONS:
        cur.execute(
            sql.SQL("DROP FUNCTION IF EXISTS {}({})").format(
                sql.Identifier("pg_temp", name), sql.SQL(args)
            )
        )


def demo_complaints_seed(
    *,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    until: date | None = None,
    focus_provinces: list[str] | None = None,
    focus_share: float = DEFAULT_FOCUS_SHARE,
    progress: Callable[[str], None] | None = None,
) -> ComplaintsReport:
    """Create ``count`` demo complaints received over the ``PERIOD_DAYS`` days before ``until``
    (default: today in Bangkok). One transaction: a failure leaves nothing behind."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if seed < 1:
        raise ValueError("seed must be a positive whole number")
    started = time.monotonic()
    say = progress or (lambda message: None)
    until = until or timezone.localdate()
    focus = list(DEMO_PROVINCES) if focus_provinces is None else list(focus_provinces)
    report = ComplaintsReport(requested=count, seed=seed, until=until)

    def step(message: str) -> None:
        say(f"[{time.monotonic() - started:7.1f} s] {message}")

    codes, weights = _subdistrict_weights(focus, focus_share)
    if not codes:
        raise ValueError("no sub-district boundaries are loaded: run load_boundaries first")
    ks = largest_remainder(count, weights)
    picked = [(c, k) for c, k in zip(codes, ks, strict=True) if k > 0]
    rows, choice_weights = _choices()
    if not rows:
        raise ValueError("no categories: run migrate (the category tree is seeded there)")
    paths = demo_paths(created_note=DEMO_NOTE)
    params = {
        "seed": str(seed),
        "until": until.isoformat(),
        "until_ts": f"{until.isoformat()} 00:00:00+07:00",
        "days": PERIOD_DAYS,
        "repeat_pool": max(1, count // 40),
        "accused_pool": max(1, count // 8),
        "path_slots": SLOTS,
        "male": content.MALE_FIRST_NAMES,
        "female": content.FEMALE_FIRST_NAMES,
        "last": content.LAST_NAMES,
    }
    with transaction.atomic(), connection.cursor() as cur:
        # Big sorts and hash joins in memory rather than on disk, for this transaction only.
        cur.execute("SET LOCAL work_mem = '256MB'")
        _drop_temporary(cur)
        cur.execute(statement("functions"))
        _fill_lookups(cur, rows, choice_weights, paths)
        _analyze(
            cur,
            "boundaries_province",
            "boundaries_district",
            "boundaries_subdistrict",
            "layers_team",
            # The small lookup tables just filled:
            "demo_choice",
            "demo_choice_slot",
            "demo_channel",
            "demo_result",
            "demo_result_slot",
            "demo_forward",
            "demo_forward_slot",
            "demo_path",
            "demo_path_slot",
            "demo_step",
            "demo_actor",
        )
        step(f"generating {count:,} points in {len(picked):,} sub-districts")
        cur.execute(
            statement("points"),
            {"codes": [c for c, _ in picked], "ks": [k for _, k in picked], "seed": seed},
        )
        cur.execute("SELECT count(*) FROM demo_pt")
        report.dropped = count - cur.fetchone()[0]
        _analyze(cur, "demo_pt")  # the bulk assignment joins on it
        step("assigning sub-district, district and province from each point")
        assign_areas_to_points(table="demo_pt", pk="n")
        cur.execute("SELECT count(*) FROM demo_pt WHERE subdistrict_code IS NULL")
        report.dropped += cur.fetchone()[0]
        step("drawing categories, people, channels, dates and paths through the workflow")
        # Again: the codes are filled now, and the staging query filters and joins on them.
        _analyze(cur, "demo_pt")
        cur.execute(statement("stage"), params)
        _analyze(cur, "demo_stage")
        cur.execute("SELECT year, count(*) FROM demo_stage GROUP BY year ORDER BY year")
        per_year = cur.fetchall()
        # The counters are locked from here to the commit: intakes meanwhile wait, then
        # continue after the demo numbers.
        firsts = {}
        for year, n in per_year:
            firsts[year] = tracking_number_issue(year_be=year, count=n)
            report.years[year] = (firsts[year], firsts[year] + n - 1)
        step(f"writing {sum(n for _, n in per_year):,} complaints")
        cur.execute(
            statement("complaints"),
            {
                **params,
                "years": list(firsts),
                "firsts": list(firsts.values()),
                "digits": TRACKING_SEQ_DIGITS,
                # The key of the keyed hashes (layers.identity), as text: pgcrypto's hmac
                # takes it as the same UTF-8 bytes.
                "person_key": str(settings.PERSON_MATCH_KEY),
            },
        )
        report.created = cur.rowcount
        step("writing the history of each case")
        cur.execute(statement("history"))
        report.history_rows = cur.rowcount
        # The pages read the new rows next.
        _analyze(cur, "layers_complaint", "layers_complainthistory")
        _drop_temporary(cur)
        step("committing")
    report.seconds = time.monotonic() - started
    step(f"done: {report.created:,} complaints, {report.history_rows:,} history rows")
    return report
