"""A labelled set of duplicates and near misses, to measure the duplicate score (issue 8).

Originals are complaints at real points (sub-districts drawn by population, a point inside by
``ST_GeneratePoints``), at least 3 km apart. For each original:

* a **duplicate** — the same matter recorded again: a point jittered within 0.9 R, later by up
  to 0.9 T, the description reworded (``layers.demo.reword``: synonyms, clauses reordered,
  words added or left out, typing slips), mostly the same sub-category (an officer sometimes
  picks a neighbouring one). It is a *query* (an intake being checked), not stored.
* one **near miss** (stored, and also checked as an intake), in turn of these kinds:
  ``other_category`` (the same place, another main category), ``far`` (the same category and
  a reworded text 400 m–2 km away, away from the duplicate too), ``year_earlier`` (the same
  place and matter a year before, closed since), ``text_far`` (a reworded text 5–50 km away)
  and ``other_matter`` (the same main category within R and T, but another sub-category and
  another text: the one kind the filters let through, which only the score can tell apart).

``evaluate`` runs a search for every query and counts: a *likely* candidate is right when it
is the query's original, wrong when it is any other labelled complaint (rows not made here,
such as the bench's demo background, are not labelled and not counted); recall is the share of
duplicates whose original is likely, ``recall_top5`` the share with the original in the top 5.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from boundaries.models import District, Subdistrict
from boundaries.selectors import area_for_point
from layers.demo import content
from layers.demo.complaints import _subdistrict_weights
from layers.demo.reword import reword
from layers.models import Category, Channel, CloseResult, Complaint, Status
from layers.services.complaints import format_tracking_no, tracking_number_issue
from layers.thaidate import be_year
from layers.thaitext import normalize_text

NEAR_MISS_KINDS = ("other_category", "far", "year_earlier", "text_far", "other_matter")
LABEL_NAME = "ชุดทดสอบเรื่องซ้ำ"  # the complainant's name of every labelled row
EARTH_RADIUS_M = 6_371_008.8
MIN_SPACING_M = 3000


@dataclass
class Labelled:
    key: int
    kind: str  # "original", "duplicate" or a near-miss kind
    original: int | None  # the key of the original it belongs to
    lat: float
    lon: float
    category: Category
    subcategory: Category | None
    description: str
    received_at: datetime
    closed_at: datetime | None = None
    complaint_id: int | None = None  # once stored

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=4326)


@dataclass
class LabelledSet:
    rows: list[Labelled] = field(default_factory=list)

    @property
    def duplicates(self) -> list[Labelled]:
        return [r for r in self.rows if r.kind == "duplicate"]

    @property
    def queries(self) -> list[Labelled]:
        """What is checked as an intake: every duplicate and every near miss."""
        return [r for r in self.rows if r.kind != "original"]

    @property
    def stored(self) -> list[Labelled]:
        return [r for r in self.rows if r.complaint_id is not None]


def offset(lat: float, lon: float, distance_m: float, azimuth_deg: float) -> tuple[float, float]:
    """The point ``distance_m`` away on a sphere (within 0.5 % of the spheroid's distance; the
    set's distances keep a margin from R for that).

    >>> lat, lon = offset(16.5, 104.7, 1000, 0)
    >>> round((lat - 16.5) * 111195, 0), lon
    (1000.0, 104.7)
    """
    d = distance_m / EARTH_RADIUS_M
    a = math.radians(azimuth_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(a))
    l2 = l1 + math.atan2(
        math.sin(a) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), round(math.degrees(l2), 12)


def _topics():
    """(main, sub, templates) for every sub-category of a main category with sub-categories,
    and the mains' weights."""
    mains = {c.pk: c for c in Category.objects.filter(parent__isnull=True, is_active=True)}
    topics = []
    for sub in Category.objects.filter(parent__isnull=False, is_active=True).order_by("code"):
        main = mains.get(sub.parent_id)
        if main is None or main.is_other:
            continue
        templates = content.DESCRIPTIONS.get(sub.code) or [
            content.GENERIC_DESCRIPTION.replace("{name}", sub.name_th)
        ]
        topics.append((main, sub, templates))
    return topics


def _points(n: int, rng: random.Random, seed: int) -> list[tuple[float, float, str]]:
    """``n`` points (lat, lon, sub-district code) in sub-districts drawn by population, at least
    MIN_SPACING_M apart (more are drawn than needed and the crowded ones left out)."""
    codes, weights = _subdistrict_weights([], 0)
    picked: list[tuple[float, float, str]] = []
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    cell_deg = MIN_SPACING_M / 111_000
    attempt = 0
    while len(picked) < n and attempt < 8:
        want = int((n - len(picked)) * 1.5) + 10
        draw = rng.choices(range(len(codes)), weights=weights, k=want)
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT a.i, ST_Y(d.geom), ST_X(d.geom), s.code
                FROM unnest(%s::text[], %s::int[]) WITH ORDINALITY AS a(code, seed, i)
                JOIN boundaries_subdistrict s ON s.code = a.code
                CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(s.geom, 1, a.seed)) AS d
                ORDER BY a.i
                """,
                [
                    [codes[i] for i in draw],
                    [1 + (seed * 7919 + attempt * 104729 + k) % 2_000_000_000 for k in range(want)],
                ],
            )
            rows = cur.fetchall()
        for _, lat, lon, code in rows:
            cx, cy = int(lon / cell_deg), int(lat / cell_deg)
            near = [
                p
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for p in cells.get((cx + dx, cy + dy), [])
            ]
            if any(
                abs(p[0] - lat) * 111_000 < MIN_SPACING_M
                and abs(p[1] - lon) * 111_000 * math.cos(math.radians(lat)) < MIN_SPACING_M
                for p in near
            ):
                continue
            cells.setdefault((cx, cy), []).append((lat, lon))
            picked.append((lat, lon, code))
            if len(picked) == n:
                break
        attempt += 1
    return picked


def _fill(template: str, rng: random.Random, sub_name: str, district_name: str) -> str:
    return (
        template.replace("{moo}", str(rng.randint(1, 15)))
        .replace("{tambon}", sub_name)
        .replace("{amphoe}", district_name)
    )


def labelled_set_build(*, pairs: int, seed: int = 1, until: datetime | None = None) -> LabelledSet:
    """The labelled set in memory (nothing stored yet): ``pairs`` originals, each with its
    duplicate and one near miss."""
    rng = random.Random(seed)
    until = until or timezone.now()
    topics = _topics()
    if not topics:
        raise ValueError("no categories: run migrate")
    weights = [
        content.MAIN_CATEGORY_WEIGHTS.get(m.code, content.DEFAULT_MAIN_WEIGHT)
        / sum(1 for mm, _, _ in topics if mm.pk == m.pk)
        for m, _, _ in topics
    ]
    mains = sorted({m.pk: m for m, _, _ in topics}.values(), key=lambda m: m.code)
    points = _points(pairs, rng, seed)
    names = {
        s.code: (s.name_th, s.district_id)
        for s in Subdistrict.objects.filter(code__in={p[2] for p in points})
    }
    districts = dict(
        District.objects.filter(code__in={d for _, d in names.values()}).values_list(
            "code", "name_th"
        )
    )
    out = LabelledSet()
    key = 0

    def add(**kw) -> Labelled:
        nonlocal key
        key += 1
        row = Labelled(key=key, **kw)
        out.rows.append(row)
        return row

    for i, (lat, lon, code) in enumerate(points):
        main, sub, templates = rng.choices(topics, weights=weights)[0]
        radius, window = main.duplicate_radius_m, main.duplicate_window_days
        sub_name, district_code = names[code]
        district_name = districts.get(district_code, "")
        template = rng.choice(templates)
        text = _fill(template, rng, sub_name, district_name)
        t0 = until - timedelta(days=rng.uniform(window + 5, 600), minutes=rng.randrange(1440))
        closed = t0 + timedelta(days=rng.uniform(1, 30)) if rng.random() < 0.3 else None
        original = add(
            kind="original",
            original=None,
            lat=lat,
            lon=lon,
            category=main,
            subcategory=sub,
            description=text,
            received_at=t0,
            closed_at=closed,
        )
        # The duplicate: within 0.9 R, up to 0.9 T later, said in other words.
        az = rng.uniform(0, 360)
        d = 0.9 * radius * math.sqrt(rng.random())
        dlat, dlon = offset(lat, lon, d, az)
        siblings = [s for m, s, _ in topics if m.pk == main.pk and s.pk != sub.pk]
        dup_sub = rng.choice(siblings) if siblings and rng.random() < 0.15 else sub
        add(
            kind="duplicate",
            original=original.key,
            lat=dlat,
            lon=dlon,
            category=main,
            subcategory=dup_sub,
            description=reword(text, rng, strength=rng.uniform(0.5, 1.5)),
            received_at=t0 + timedelta(days=rng.uniform(0.05, 0.9 * window)),
        )
        kind = NEAR_MISS_KINDS[i % len(NEAR_MISS_KINDS)]
        later = t0 + timedelta(days=rng.uniform(0.05, 0.9 * window))
        near = dict(kind=kind, original=original.key, category=main, subcategory=sub)
        if kind == "other_category":
            other = rng.choice([m for m in mains if m.pk != main.pk])
            o_main, o_sub, o_templates = rng.choice([t for t in topics if t[0].pk == other.pk])
            nlat, nlon = offset(lat, lon, rng.uniform(0, 50), rng.uniform(0, 360))
            near.update(
                category=o_main,
                subcategory=o_sub,
                description=_fill(rng.choice(o_templates), rng, sub_name, district_name),
                received_at=later,
            )
        elif kind == "far":
            nlat, nlon = offset(lat, lon, rng.uniform(400, 2000), az + 180 + rng.uniform(-60, 60))
            near.update(description=reword(text, rng), received_at=later)
        elif kind == "year_earlier":
            nlat, nlon = offset(lat, lon, rng.uniform(0, 50), rng.uniform(0, 360))
            before = t0 - timedelta(days=rng.uniform(330, 400))
            near.update(
                description=reword(text, rng),
                received_at=before,
                closed_at=before + timedelta(days=rng.uniform(5, 40)),
            )
        elif kind == "text_far":
            nlat, nlon = offset(lat, lon, rng.uniform(5000, 50000), rng.uniform(0, 360))
            near.update(description=reword(text, rng), received_at=later)
        else:  # other_matter
            # Another matter of the same main category: half the time of the same kind (the
            # sub-category's other text, where it has one: another broken road nearby), else
            # of another sub-category.
            same_kind = [t for t in templates if t != template]
            if same_kind and rng.random() < 0.5:
                o_sub, o_templates = sub, same_kind
            else:
                o_sub, o_templates = rng.choice(
                    [(s, t) for m, s, t in topics if m.pk == main.pk and s.pk != sub.pk]
                    or [(sub, same_kind or templates)]
                )
            nlat, nlon = offset(lat, lon, rng.uniform(30, 0.95 * radius), rng.uniform(0, 360))
            near.update(
                subcategory=o_sub,
                description=_fill(rng.choice(o_templates), rng, sub_name, district_name),
                received_at=later,
            )
        add(lat=nlat, lon=nlon, **near)
    return out


@transaction.atomic
def labelled_set_store(labelled: LabelledSet) -> int:
    """Store the originals and near misses as complaints (the duplicates stay queries). A near
    miss whose point falls outside the loaded boundaries (the sea, a neighbour country, a
    province not loaded) is dropped from the set. Returns how many were stored."""
    keep, stored = [], []
    for row in labelled.rows:
        if row.kind == "duplicate":
            keep.append(row)
            continue
        area = area_for_point(point=row.point)
        if not area.inside:
            if row.kind == "original":
                raise ValueError(f"an original point is outside the boundaries: {row.key}")
            continue
        keep.append(row)
        stored.append((row, area))
    labelled.rows = keep
    by_year: dict[int, list] = {}
    for row, area in stored:
        by_year.setdefault(be_year(row.received_at), []).append((row, area))
    objects = []
    now = timezone.now()
    for year, items in sorted(by_year.items()):
        first = tracking_number_issue(year_be=year, count=len(items))
        for n, (row, area) in enumerate(items):
            closed = row.closed_at is not None
            objects.append(
                Complaint(
                    tracking_no=format_tracking_no(year, first + n),
                    tracking_year=year,
                    tracking_seq=first + n,
                    location=row.point,
                    subdistrict_id=area.subdistrict_code,
                    district_id=area.district_code,
                    province_id=area.province_code,
                    category=row.category,
                    subcategory=row.subcategory,
                    channel=Channel.WALK_IN,
                    complainant_name=LABEL_NAME,
                    complainant_name_norm=LABEL_NAME,
                    description=row.description,
                    description_norm=normalize_text(row.description),
                    status=Status.CLOSED if closed else Status.RECEIVED,
                    received_at=row.received_at,
                    status_changed_at=row.closed_at or row.received_at,
                    closed_at=row.closed_at,
                    close_result=CloseResult.RESOLVED if closed else "",
                    created_at=now,
                )
            )
    created = Complaint.objects.bulk_create(objects, batch_size=2000)
    for (row, _), obj in zip(
        (x for _, items in sorted(by_year.items()) for x in items), created, strict=True
    ):
        row.complaint_id = obj.pk
    return len(created)


def evaluate(labelled: LabelledSet, search: Callable[[Labelled], list], *, top: int = 5) -> dict:
    """Precision and recall of ``likely``, and recall of the original in the top ``top``.

    ``search(query)`` returns the ranked candidates (``PlaceCandidate``-like: ``complaint_id``,
    ``likely``) for a query; stored queries must leave themselves out.
    """
    by_id = {r.complaint_id: r for r in labelled.rows if r.complaint_id is not None}
    keys = {r.key: r for r in labelled.rows}
    tp = fp = found = in_top = 0
    wrong_by_kind: dict[str, int] = {}
    for query in labelled.queries:
        ranked = search(query)
        original_id = keys[query.original].complaint_id
        for rank_no, cand in enumerate(ranked):
            row = by_id.get(cand.complaint_id)
            if row is None:
                continue  # not labelled (background data)
            right = query.kind == "duplicate" and cand.complaint_id == original_id
            if cand.likely:
                if right:
                    tp += 1
                else:
                    fp += 1
                    wrong_by_kind[query.kind] = wrong_by_kind.get(query.kind, 0) + 1
            if right:
                found += cand.likely
                in_top += rank_no < top
    duplicates = len(labelled.duplicates)
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(found / duplicates, 4) if duplicates else 0.0,
        "recall_top5": round(in_top / duplicates, 4) if duplicates else 0.0,
        "duplicates": duplicates,
        "queries": len(labelled.queries),
        "likely_right": tp,
        "likely_wrong": fp,
        "likely_wrong_by_query_kind": wrong_by_kind,
    }
