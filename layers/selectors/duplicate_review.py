"""The duplicates review of a district or a province (issue 8): suspected duplicate clusters
among its open cases, and repeat complainants and accused parties with their counts.

* **Clusters.** Pairs of open cases of the same main category within the category's radius and
  window, at least one of them in the area, whose score (``layers.selectors.duplicates``'s
  ``score_of``: distance, time, sub-category, trigram similarity of the descriptions) is
  "likely"; pairs an officer dismissed are left out. Pairs sharing a case join one cluster.
* **Repeat complainants.** Citizen-ID keyed hashes (never the IDs) that occur more than once
  anywhere in the country, among the area's cases: how many cases here, how many elsewhere;
  then the same by phone keyed hash (E.164), leaving out a phone whose cases are exactly a
  citizen ID's already listed. Both hashes are indexed columns: the same query twice.
* **Repeat accused parties.** The same normalised name (``layers.identity.normalize_name``).

Who may open the review is ``may_review`` (roles entitled to personal data that work cases of
that whole area); which fields each reader sees is ``layers.policy``'s (namespace ``review``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection

from layers.models import Complaint, Role
from layers.selectors.duplicates import DISTANCE_TOLERANCE_M, score_of
from layers.selectors.scope import jurisdiction_for

REVIEW_LIMIT = 50
REVIEW_ROLES = frozenset(
    {
        Role.DISTRICT_OFFICER,
        Role.DISTRICT_CHIEF,
        Role.PROVINCE_OFFICER,
        Role.GOVERNOR,
        Role.CENTRAL_OFFICER,
        Role.ADMIN,
    }
)


def may_review(officer, *, province: str, district: str | None) -> bool:
    """District roles for their district; province roles for their province and its
    districts; the country level everywhere. Not team members (their sub-districts only) nor
    GIS analysts (no personal data)."""
    j = jurisdiction_for(officer)
    if not (j.roles & REVIEW_ROLES) and not getattr(officer, "is_superuser", False):
        return False
    if j.country and (j.roles & {Role.CENTRAL_OFFICER, Role.ADMIN} or officer.is_superuser):
        return True
    if province in j.provinces and j.roles & {Role.PROVINCE_OFFICER, Role.GOVERNOR}:
        return True
    return (
        district is not None
        and district in j.districts
        and bool(j.roles & {Role.DISTRICT_OFFICER, Role.DISTRICT_CHIEF})
    )


@dataclass(frozen=True)
class ReviewCase:
    complaint_id: int
    tracking_no: str
    received_at: datetime
    status: str
    district_code: str
    province_code: str


@dataclass
class Cluster:
    category_code: str
    best_score: float
    cases: list[ReviewCase] = field(default_factory=list)


@dataclass
class RepeatPerson:
    role: str  # "complainant" | "accused"
    name: str  # as written in the latest case of the area
    cases_here: list[ReviewCase]
    cases_elsewhere: int
    matched_on: str = "name"  # "citizen_id" | "phone" | "name"


def _area_where(alias: str, province: str, district: str | None) -> tuple[str, list]:
    if district:
        return f"{alias}.district_code = %s", [district]
    return f"{alias}.province_code = %s", [province]


PAIRS_SQL = """
SELECT a.id, b.id, cat.code,
       ST_Distance(a.location::geography, b.location::geography),
       abs(extract(epoch FROM a.received_at - b.received_at)) / 86400.0,
       cat.duplicate_radius_m, cat.duplicate_window_days,
       CASE WHEN a.subcategory_id IS NULL OR b.subcategory_id IS NULL THEN 0.5
            WHEN a.subcategory_id = b.subcategory_id THEN 1.0 ELSE 0.0 END,
       CASE WHEN a.description_norm = '' OR b.description_norm = '' THEN NULL
            ELSE similarity(a.description_norm, b.description_norm) END
FROM layers_complaint a
JOIN layers_category cat ON cat.id = a.category_id
JOIN layers_complaint b
  ON b.category_id = a.category_id AND b.id <> a.id
 AND ST_DWithin(b.location::geography, a.location::geography,
                cat.duplicate_radius_m + %(tolerance)s)
 AND b.received_at BETWEEN a.received_at - make_interval(days => cat.duplicate_window_days)
                       AND a.received_at + make_interval(days => cat.duplicate_window_days)
 AND b.status <> 'closed'
WHERE a.status <> 'closed' AND {area}
  AND NOT EXISTS (
    SELECT 1 FROM layers_duplicatedecision d
    WHERE d.decision = 'dismissed'
      AND ((d.case_id = a.id AND d.candidate_id = b.id)
        OR (d.case_id = b.id AND d.candidate_id = a.id)))
"""


def _cases(ids) -> dict[int, ReviewCase]:
    rows = Complaint.objects.filter(pk__in=list(ids)).values_list(
        "pk", "tracking_no", "received_at", "status", "district_id", "province_id"
    )
    return {row[0]: ReviewCase(*row) for row in rows}


def duplicate_clusters(
    *, province: str, district: str | None = None, limit: int = REVIEW_LIMIT
) -> list[Cluster]:
    """Suspected duplicate clusters touching the area, largest and likeliest first (one
    spatial self-join on the indexed geography expression, as ``duplicates_for`` queries)."""
    area, params = _area_where("a", province, district)
    with connection.cursor() as cur:
        cur.execute(
            PAIRS_SQL.format(area=area.replace("%s", "%(area)s")),
            {"tolerance": DISTANCE_TOLERANCE_M, "area": params[0]},
        )
        rows = cur.fetchall()
    threshold = settings.DUPLICATE_LIKELY_THRESHOLD
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best: dict[tuple[int, int], tuple[float, str]] = {}
    for a, b, category, distance, days, radius, window, sub, text in rows:
        score = score_of(
            distance_m=distance,
            radius_m=radius,
            days=float(days),
            window_days=window,
            subcategory_match=float(sub),
            text_similarity=text,
        )
        if score < threshold:
            continue
        best[(min(a, b), max(a, b))] = (score, category)
        parent[root(a)] = root(b)
    groups: dict[int, Cluster] = {}
    for (a, _b), (score, category) in best.items():
        cluster = groups.setdefault(root(a), Cluster(category_code=category, best_score=0.0))
        cluster.best_score = max(cluster.best_score, score)
    members: dict[int, set[int]] = {}
    for node in parent:
        members.setdefault(root(node), set()).add(node)
    cases = _cases(parent)
    for key, cluster in groups.items():
        cluster.cases = sorted(
            (cases[i] for i in members[key]), key=lambda c: (c.received_at, c.tracking_no)
        )
    ordered = sorted(groups.values(), key=lambda c: (-len(c.cases), -c.best_score))
    return ordered[:limit]


def _repeats(column: str, role: str, name_column: str, province, district, limit, matched_on):
    area, params = _area_where("c", province, district)
    sql = f"""
        WITH here AS (
            SELECT DISTINCT c.{column} AS k FROM layers_complaint c
            WHERE {area} AND c.{column} <> ''
        )
        SELECT c.{column}, count(*) FILTER (WHERE {area}) AS n_here,
               count(*) FILTER (WHERE NOT ({area})) AS n_elsewhere
        FROM layers_complaint c JOIN here ON here.k = c.{column}
        GROUP BY c.{column}
        HAVING count(*) > 1
        ORDER BY count(*) DESC, c.{column}
        LIMIT %s
    """
    with connection.cursor() as cur:
        cur.execute(sql, [params[0], params[0], params[0], limit])
        keys = cur.fetchall()
    out = []
    for key, _n_here, n_elsewhere in keys:
        qs = Complaint.objects.filter(**{column: key})
        qs = qs.filter(district_id=district) if district else qs.filter(province_id=province)
        here = list(
            qs.order_by("-received_at").values_list(
                "pk",
                "tracking_no",
                "received_at",
                "status",
                "district_id",
                "province_id",
                name_column,
            )
        )
        out.append(
            RepeatPerson(
                role=role,
                name=here[0][6] if here else "",
                cases_here=[ReviewCase(*row[:6]) for row in here],
                cases_elsewhere=n_elsewhere,
                matched_on=matched_on,
            )
        )
    return out


def repeat_people(
    *, province: str, district: str | None = None, limit: int = REVIEW_LIMIT
) -> list[RepeatPerson]:
    """Complainants (by citizen-ID hash, then phone hash) and accused parties (by normalised
    name) with more than one case in the country, among the area's cases; most cases first."""
    by_id = _repeats(
        "complainant_cid_hash",
        "complainant",
        "complainant_name",
        province,
        district,
        limit,
        "citizen_id",
    )
    seen = {(frozenset(c.complaint_id for c in p.cases_here), p.cases_elsewhere) for p in by_id}
    by_phone = [
        p
        for p in _repeats(
            "complainant_phone_hash",
            "complainant",
            "complainant_name",
            province,
            district,
            limit,
            "phone",
        )
        if (frozenset(c.complaint_id for c in p.cases_here), p.cases_elsewhere) not in seen
    ]
    accused = _repeats(
        "accused_name_norm", "accused", "accused_name", province, district, limit, "name"
    )
    return by_id + by_phone + accused
