"""The same matter filed again: candidates by place, time, category and Thai description.

``duplicates_for`` answers for a complaint being recorded (intake shows the candidates before
saving), ``duplicates_for_case`` for a case already recorded (its page; pairs an officer
dismissed are not suggested again). Nationwide on purpose: a matter near a district or
province line is the same matter on both sides. Which fields of a candidate each officer then
sees is ``layers.policy``'s decision (a case outside their jurisdiction shows only its
tracking number, area, date, category and status), never this module's.

A candidate is a complaint

* of the same main category,
* within ``R`` metres of the point (``Category.duplicate_radius_m``, default 250), measured on
  the WGS 84 spheroid, to the centimetre,
* received within ``T`` days before or after (``Category.duplicate_window_days``, default 90),
* open, or closed within ``T`` days of the new complaint's date,
* and placed where it happened: a case imported without coordinates sits at its
  sub-district's point on surface (``Complaint.location_approximate``, issue 12), which says
  nothing of its distance to anything, so such cases are neither candidates nor compared.

Each gets one score in [0, 1] (``score_of``): nearer, closer in time, the same sub-category and a
similar description score higher. At ``settings.DUPLICATE_LIKELY_THRESHOLD`` or above it is
marked ``likely``. Weights and threshold were chosen on the labelled set of
``layers.demo.duplicates`` (bench/duplicates.py prints precision and recall; bench/README.md).

**Distances** come from PostGIS geography (``location::geography``, a GiST index on the same
expression, ``ST_DWithin`` on the spheroid): exact, and as fast as a metric projection here.
Measured by bench/duplicates.py (bench/README.md), the largest error at 250 m of a distance
taken in a projection: Web Mercator (3857) 3.3 m in Yala (6.5°N) to 17.4 m in Chiang Rai
(19.9°N); one UTM zone for the whole country 1.41 m (47N, at Khong Chiam, 105.5°E) or 1.36 m
(48N, at Mae Sot, 98.6°E): over ±1 m; only each point's own zone (47N west of 102°E, 48N east)
stays within 0.1 m, which needs two indexes and care for pairs across 102°E. And no gain in
speed to pay for that: at 1 M complaints the query's p95 was 7.3 and 6.4 ms on geography
against 8.4 and 9.1 ms on a UTM 47N expression index (two runs on a busy shared machine).

**Thai descriptions** are compared as pg_trgm similarity of the normalised texts
(``Complaint.description_norm``, ``layers.thaitext.normalize_text``), without word
segmentation. On the labelled set at 1 M complaints (bench/README.md) pg_trgm gave precision
0.988 and recall 0.993 of "likely", PyThaiNLP ``newmm`` words (Jaccard) 0.981 and 0.977, the
original in the top 5 for every duplicate either way. On 600 reworded pairs against 1,200 other texts
of the same main category (a one-off measurement) the two separated alike: AUC 0.913 against
0.919 for another text of the same sub-category, 0.9994 against 0.9992 for another
sub-category; both combined did no better (0.918 / 0.9995). Segmenting costs about 0.25 ms of
Python per 160 characters — per candidate at every check, or for every stored text (a million
demo rows) — while the trigram similarity comes from the same query as the distance. So
pg_trgm, which needs a UTF-8 LC_CTYPE (``layers.dbcheck``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.errors import InvalidInput
from layers.inputs import text_value
from layers.models import Category, DuplicateDecision, DuplicateDecisionKind, Status
from layers.thaitext import normalize_text

# A complaint exactly R metres away is in: distances count to the centimetre.
DISTANCE_TOLERANCE_M = 0.005

# How much each part weighs in the score (they add up to 1). Distance and time are scaled to
# 0..1 within R and T (1 at the same point and moment), the sub-category is 1 when the same,
# 0 when another, ½ when unknown (not given, or an "Other" case without one); the description
# is pg_trgm similarity (0..1). A part that cannot be judged (no description given) is left out
# and the rest re-weighted.
#
# Chosen on the labelled set (400 originals in the sample provinces, seed 9; the bench's
# figures in bench/README.md): the description decides most (reworded duplicates score 0.65 on
# average, p5 0.39; other matters of the same category nearby 0.12, p95 0.22), the sub-category
# next (officers pick a neighbouring one for 15 % of duplicates), distance and time last (within
# R and T the labelled set spreads duplicates and other matters alike; real ones are nearer).
# With these weights and a threshold of 0.35, precision and recall were 0.989 and 0.986, and
# every threshold from 0.33 to 0.38 gave within 0.005 of that; text alone gave 0.995 / 0.989,
# (0.2, 0.15, 0.15, 0.5) only 0.948 / 0.941.
WEIGHTS = {"distance": 0.1, "time": 0.05, "subcategory": 0.1, "text": 0.75}


@dataclass(frozen=True)
class PlaceCandidate:
    """One candidate, best first in the lists this module returns."""

    complaint_id: int
    tracking_no: str
    distance_m: float
    days_apart: int
    score: float
    likely: bool
    status: str
    category_code: str
    subcategory_code: str | None
    received_at: datetime
    subdistrict_code: str
    district_code: str
    province_code: str
    lat: float
    lon: float


@dataclass(frozen=True)
class CandidateRow:
    """A complaint the query found within R and T, before scoring (the bench re-scores them)."""

    complaint_id: int
    tracking_no: str
    distance_m: float
    received_at: datetime
    status: str
    category_code: str
    subcategory_id: int | None
    subcategory_code: str | None
    subdistrict_code: str
    district_code: str
    province_code: str
    lat: float
    lon: float
    text_similarity: float | None
    description_norm: str


def score_of(
    *,
    distance_m: float,
    radius_m: float,
    days: float,
    window_days: float,
    subcategory_match: float,
    text_similarity: float | None,
) -> float:
    """The one score of a candidate, in [0, 1].

    >>> score_of(distance_m=0, radius_m=250, days=0, window_days=90, subcategory_match=1,
    ...          text_similarity=1.0)
    1.0
    >>> score_of(distance_m=250, radius_m=250, days=90, window_days=90, subcategory_match=0,
    ...          text_similarity=0.0)
    0.0
    >>> score_of(distance_m=125, radius_m=250, days=45, window_days=90, subcategory_match=1,
    ...          text_similarity=None)  # no description: distance, time, sub-category only
    0.7
    """
    parts = {
        "distance": max(0.0, 1.0 - distance_m / radius_m),
        "time": max(0.0, 1.0 - days / window_days),
        "subcategory": subcategory_match,
        "text": text_similarity,
    }
    total = sum(WEIGHTS[k] for k, v in parts.items() if v is not None)
    value = sum(WEIGHTS[k] * v for k, v in parts.items() if v is not None) / total
    return round(min(1.0, max(0.0, value)), 4)


def _main_category(category) -> Category:
    if isinstance(category, Category):
        found = category
    elif isinstance(category, str) and category:
        found = Category.objects.filter(code=category).first()
    elif isinstance(category, int) and not isinstance(category, bool):
        found = Category.objects.filter(pk=category).first()
    else:
        found = None
    if found is None or found.parent_id is not None:
        raise InvalidInput({"category": _("Choose a main category.")})
    return found


def _subcategory(subcategory, main: Category) -> Category | None:
    if subcategory in (None, ""):
        return None
    if isinstance(subcategory, Category):
        found = subcategory
    elif isinstance(subcategory, str):
        found = Category.objects.filter(code=subcategory).first()
    elif isinstance(subcategory, int) and not isinstance(subcategory, bool):
        found = Category.objects.filter(pk=subcategory).first()
    else:
        found = None
    if found is None or found.parent_id != main.pk:
        raise InvalidInput(
            {"subcategory": _("This sub-category does not belong to the main category.")}
        )
    return found


CANDIDATES_SQL = """
SELECT c.id, c.tracking_no,
       ST_Distance(c.location::geography, q.g) AS distance_m,
       c.received_at, c.status, cat.code, c.subcategory_id, sub.code,
       c.subdistrict_code, c.district_code, c.province_code,
       ST_Y(c.location), ST_X(c.location),
       CASE WHEN %(text)s = '' THEN NULL ELSE similarity(c.description_norm, %(text)s) END,
       c.description_norm
FROM layers_complaint c
CROSS JOIN (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g) q
JOIN layers_category cat ON cat.id = c.category_id
LEFT JOIN layers_category sub ON sub.id = c.subcategory_id
WHERE ST_DWithin(c.location::geography, q.g, %(radius)s)
  AND c.category_id = %(category)s
  AND c.received_at BETWEEN %(since)s AND %(until)s
  AND (c.status <> %(closed)s OR c.closed_at >= %(since)s)
  AND c.id <> %(exclude)s
  AND NOT c.location_approximate
"""


def candidate_rows(
    *,
    location: Point,
    category: Category,
    text: str,
    received_at: datetime,
    exclude_id: int | None = None,
) -> list[CandidateRow]:
    """Every complaint within R and T of the category (one indexed query; raw SQL because the
    distance, the trigram similarity and the spatial filter on the geography expression that
    the GiST index holds are PostGIS/pg_trgm calls the ORM would not write this way)."""
    window = timedelta(days=category.duplicate_window_days)
    point = location if location.srid in (None, 4326) else location.transform(4326, clone=True)
    with connection.cursor() as cur:
        cur.execute(
            CANDIDATES_SQL,
            {
                "lon": point.x,
                "lat": point.y,
                "radius": category.duplicate_radius_m + DISTANCE_TOLERANCE_M,
                "category": category.pk,
                "since": received_at - window,
                "until": received_at + window,
                "closed": Status.CLOSED,
                "exclude": exclude_id or 0,
                "text": text,
            },
        )
        return [CandidateRow(*row) for row in cur.fetchall()]


def rank(
    rows: list[CandidateRow],
    *,
    category: Category,
    subcategory: Category | None,
    received_at: datetime,
    text_similarity: Callable[[CandidateRow], float | None] | None = None,
    threshold: float | None = None,
) -> list[PlaceCandidate]:
    """Score and order the rows, best first (ties: nearer, then more recent).
    ``text_similarity`` replaces the trigram similarity (the bench compares methods)."""
    threshold = settings.DUPLICATE_LIKELY_THRESHOLD if threshold is None else threshold
    out = []
    for row in rows:
        days = abs((row.received_at - received_at).total_seconds()) / 86400.0
        if subcategory is None or row.subcategory_id is None:
            sub_match = 0.5
        else:
            sub_match = 1.0 if row.subcategory_id == subcategory.pk else 0.0
        text = text_similarity(row) if text_similarity else row.text_similarity
        score = score_of(
            distance_m=row.distance_m,
            radius_m=category.duplicate_radius_m,
            days=days,
            window_days=category.duplicate_window_days,
            subcategory_match=sub_match,
            text_similarity=text,
        )
        out.append(
            PlaceCandidate(
                complaint_id=row.complaint_id,
                tracking_no=row.tracking_no,
                distance_m=round(row.distance_m, 2),
                days_apart=int(days),
                score=score,
                likely=score >= threshold,
                status=row.status,
                category_code=row.category_code,
                subcategory_code=row.subcategory_code,
                received_at=row.received_at,
                subdistrict_code=row.subdistrict_code,
                district_code=row.district_code,
                province_code=row.province_code,
                lat=row.lat,
                lon=row.lon,
            )
        )
    out.sort(key=lambda c: (-c.score, c.distance_m, -c.received_at.timestamp()))
    return out


def duplicates_for(
    *,
    location: Point,
    category,
    subcategory=None,
    description: str = "",
    received_at: datetime | None = None,
    exclude_id: int | None = None,
    limit: int | None = 10,
) -> list[PlaceCandidate]:
    """Candidates for a complaint at ``location`` (a new one, or ``exclude_id`` itself), best
    first, at most ``limit`` (None: all). ``category`` / ``subcategory``: instances, codes or
    ids; a category that is not a main one, or a sub-category of another, is ``InvalidInput``.
    """
    if not isinstance(location, Point):
        raise InvalidInput({"location": _("Pin the incident location on the map.")})
    main = _main_category(category)
    sub = _subcategory(subcategory, main)
    description = text_value(description or "", field="description")
    received_at = received_at or timezone.now()
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    rows = candidate_rows(
        location=location,
        category=main,
        text=normalize_text(description),
        received_at=received_at,
        exclude_id=exclude_id,
    )
    ranked = rank(rows, category=main, subcategory=sub, received_at=received_at)
    return ranked if limit is None else ranked[:limit]


def dismissed_pairs(case_id: int, candidate_ids) -> set[int]:
    """The candidates whose latest decision with ``case_id`` (either way round) is "dismissed"."""
    latest: dict[int, str] = {}
    decisions = (
        DuplicateDecision.objects.filter(
            Q(case_id=case_id, candidate_id__in=candidate_ids)
            | Q(case_id__in=candidate_ids, candidate_id=case_id)
        )
        .order_by("decided_at", "id")
        .values_list("case_id", "candidate_id", "decision")
    )
    for a, b, decision in decisions:
        latest[b if a == case_id else a] = decision
    return {other for other, d in latest.items() if d == DuplicateDecisionKind.DISMISSED}


def duplicates_for_case(*, complaint, limit: int | None = 10) -> list[PlaceCandidate]:
    """Candidates for a recorded case: before and after it in time, itself excluded, pairs an
    officer dismissed left out. None for a case whose place is approximate."""
    if complaint.location_approximate:
        return []
    found = duplicates_for(
        location=complaint.location,
        category=complaint.category,
        subcategory=complaint.subcategory,
        description=complaint.description,
        received_at=complaint.received_at,
        exclude_id=complaint.pk,
        limit=None,
    )
    hidden = dismissed_pairs(complaint.pk, [c.complaint_id for c in found]) if found else set()
    kept = [c for c in found if c.complaint_id not in hidden]
    return kept if limit is None else kept[:limit]
