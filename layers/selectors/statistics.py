"""Reading the statistics: who may open which area's statistics and monthly report, and the
figures of the statistics page (live, from ``layers.metrics``) beside the frozen month-end
figures (``MonthFigure``).

Who sees what (seed 001 §3.5, §10.10; issue 9):

* the statistics of an area open to whoever's jurisdiction holds the **whole** area: the
  country level everything, a province role (governor, province officer, a GIS analyst of the
  province) its province and its districts, a district role its district. A district chief
  does not open the province's page (it ranks the other districts), a sub-district team member
  no statistics page (their area is a few sub-districts: their lists say enough);
* the monthly report goes to the governor (seed 001: the districts report to the governor by
  the 1st): it opens to the governor and the province officers of the province (who prepare
  it) and to the country level. District roles read their own district's frozen month on their
  statistics page instead; the report ranks all the province's districts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from layers import metrics
from layers.errors import Forbidden, NotFound
from layers.models import (
    COUNTRY_CODE,
    OPEN_STATUSES,
    AreaLevel,
    Category,
    MonthFigure,
    MonthlyReport,
    MonthSnapshot,
    Officer,
    Role,
    Status,
)
from layers.selectors.scope import complaints_visible_to, jurisdiction_for
from layers.thaidate import Month

# The children of each level, and the column of a complaint at that level.
CHILD_LEVEL = {
    AreaLevel.COUNTRY: AreaLevel.PROVINCE,
    AreaLevel.PROVINCE: AreaLevel.DISTRICT,
    AreaLevel.DISTRICT: AreaLevel.SUBDISTRICT,
}
MODEL = {
    AreaLevel.PROVINCE: Province,
    AreaLevel.DISTRICT: District,
    AreaLevel.SUBDISTRICT: Subdistrict,
}
COLUMN = {
    AreaLevel.PROVINCE: "province_id",
    AreaLevel.DISTRICT: "district_id",
    AreaLevel.SUBDISTRICT: "subdistrict_id",
}
REPORT_ROLES = {Role.GOVERNOR, Role.PROVINCE_OFFICER}
TREND_MONTHS = 12


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


@dataclass(frozen=True)
class StatsArea:
    level: str
    code: str
    name_th: str
    name_en: str = ""
    population: int | None = None
    parent: StatsArea | None = None

    @property
    def name(self) -> str:
        return self.name_th if _thai() or not self.name_en else self.name_en

    @property
    def label(self) -> str:
        """``จ.มุกดาหาร``, ``อ.เมืองมุกดาหาร``, ``ทั้งประเทศ`` (the English names as they are)."""
        if self.level == AreaLevel.COUNTRY:
            return _("the whole country")
        if not _thai():
            return self.name
        prefix = {"province": "จ.", "district": "อ.", "subdistrict": "ต."}[self.level]
        if self.code.startswith("10") and self.level != AreaLevel.PROVINCE:
            prefix = {"district": "เขต", "subdistrict": "แขวง"}[self.level]
        return f"{prefix}{self.name_th}" if self.code != "10" else self.name_th

    def filter(self, qs: QuerySet) -> QuerySet:
        if self.level == AreaLevel.COUNTRY:
            return qs
        return qs.filter(**{COLUMN[self.level]: self.code})

    def chain(self) -> list[StatsArea]:
        """This area and its parents, the country first (the breadcrumb)."""
        out, area = [], self
        while area is not None:
            out.append(area)
            area = area.parent
        return out[::-1]


COUNTRY = StatsArea(AreaLevel.COUNTRY, COUNTRY_CODE, "ประเทศไทย", "Thailand")


def _area(level: str, code: str) -> StatsArea | None:
    if level == AreaLevel.COUNTRY:
        return COUNTRY
    row = (
        MODEL[level]
        .objects.filter(code=code)
        .values("code", "name_th", "name_en", "population")
        .first()
    )
    if row is None:
        return None
    parent_level = {v: k for k, v in CHILD_LEVEL.items()}[level]
    parent_code = {"province": COUNTRY_CODE, "district": code[:2], "subdistrict": code[:4]}[level]
    return StatsArea(
        level,
        row["code"],
        row["name_th"],
        row["name_en"],
        row["population"],
        _area(parent_level, parent_code),
    )


def may_open_statistics(officer, area: StatsArea) -> bool:
    """Whether the officer's jurisdiction holds the whole area (see the module docstring)."""
    j = jurisdiction_for(officer)
    if j.country:
        return True
    if area.level == AreaLevel.PROVINCE:
        return area.code in j.provinces
    if area.level == AreaLevel.DISTRICT:
        return area.code in j.districts or area.code[:2] in j.provinces
    return False


def may_open_report(officer, province_code: str) -> bool:
    """The monthly report: the governor and province officers of the province, the country
    level (central officers, administrators)."""
    j = jurisdiction_for(officer)
    if j.country:
        return True
    return any(province_code in j.by_role.get(role, ()) for role in REPORT_ROLES)


def statistics_area_get(*, officer, code: str) -> StatsArea:
    """The area of ``/statistics/<code>/`` (a province's 2 digits or a district's 4), if the
    officer may open it: ``NotFound`` for no such area, ``Forbidden`` outside their area."""
    code = str(code or "")
    level = {2: AreaLevel.PROVINCE, 4: AreaLevel.DISTRICT}.get(len(code))
    area = _area(level, code) if level and code.isascii() and code.isdigit() else None
    if area is None:
        raise NotFound(_("There is no province or district with the code %s.") % code[:12])
    if not may_open_statistics(officer, area):
        raise Forbidden(_("The statistics of %s are outside your area.") % area.label)
    return area


def statistics_home_areas(*, officer) -> list[StatsArea]:
    """The areas whose statistics the officer opens first: the country for the country level,
    else their provinces, else their districts (``Forbidden`` when none: team members and
    officers without a role)."""
    j = jurisdiction_for(officer)
    if j.country:
        return [COUNTRY]
    areas = [_area(AreaLevel.PROVINCE, c) for c in sorted(j.provinces)]
    areas += [_area(AreaLevel.DISTRICT, c) for c in sorted(j.districts) if c[:2] not in j.provinces]
    areas = [a for a in areas if a is not None]
    if not areas:
        raise Forbidden(_("Statistics are for district, province and central officers."))
    return areas


# --- The page's figures -----------------------------------------------------------------------


def _named(rows: dict, names: dict, *, population: dict | None = None) -> list[dict]:
    out = []
    for key, name in names.items():
        counts = rows.get(key)
        shown = metrics.derive(counts or {}, population=(population or {}).get(key))
        out.append({"key": key, "name": name, "has_data": counts is not None, **shown})
    return out


def rank_by_share_closed(rows: list[dict]) -> list[dict]:
    """Highest share closed first; then the smaller backlog; areas without a case last. Each
    row gets its ``rank`` (None without a share)."""
    ranked = sorted(
        rows,
        key=lambda r: (
            r["share_closed"] is None,
            -(r["share_closed"] or 0),
            r["open_backlog"],
            r["key"],
        ),
    )
    for i, row in enumerate(ranked, 1):
        row["rank"] = i if row["share_closed"] is not None else None
    return ranked


def _children_names(area: StatsArea) -> dict[str, str]:
    level = CHILD_LEVEL[area.level]
    qs = MODEL[level].objects.order_by("code")
    if area.level != AreaLevel.COUNTRY:
        qs = qs.filter(code__startswith=area.code)
    field = "name_th" if _thai() else "name_en"
    return {c: (n or t) for c, t, n in qs.values_list("code", "name_th", field)}


def frozen_figures(*, area: StatsArea, months: list[Month]) -> dict:
    """The frozen month-end counts of the area (all categories) for those months that have a
    snapshot: ``{Month: counts}``."""
    rows = MonthFigure.objects.filter(
        level=area.level,
        area_code=area.code,
        category__isnull=True,
        snapshot__month__in=[m.first_day for m in months],
    ).values(
        "snapshot__month", "complaints", "closed", "open_backlog", "overdue", "median_days_to_close"
    )
    return {Month.of(r.pop("snapshot__month")): r for r in rows}


def frozen_months() -> set[Month]:
    return {Month.of(d) for d in MonthSnapshot.objects.values_list("month", flat=True)}


@dataclass
class StatisticsPage:
    area: StatsArea
    month: Month | None  # one month chosen, or None: the last 12 months
    period_start: datetime
    period_end: datetime
    totals: dict
    backlog: dict  # open cases now, by age band, and overdue
    by_category: list[dict]
    by_status: list[dict]
    trend: list[dict]
    children_level: str | None
    children: list[dict]
    reports: list = field(default_factory=list)
    may_report: bool = False
    month_frozen: dict | None = None  # the chosen month's frozen figures, when frozen


def statistics_page(
    *, officer, area: StatsArea, month: Month | None = None, now: datetime | None = None
) -> StatisticsPage:
    """Everything the statistics page shows about ``area`` (the caller checked it may open it):
    for the cases received in the period (the chosen month, or the twelve months to this one)
    the counts, share closed, by category and by status; the open backlog now by age; the
    twelve months' trend, live and frozen; the area's children ranked."""
    now = now or timezone.now()
    current = Month.of(now)
    if month is not None and month > current:
        month = None
    if month is None:
        first = current
        for _i in range(TREND_MONTHS - 1):
            first = first.previous()
        start, end = first.start(), now
        last = current
    else:
        start, end, last = month.start(), min(month.end(), now), month
    base = area.filter(complaints_visible_to(officer=officer))
    period = base.filter(received_at__gte=start, received_at__lt=end)

    totals = metrics.derive(metrics.figures(period, now=now), population=area.population)
    backlog = metrics.backlog_age_profile(base, now=now)

    categories = dict(
        Category.objects.filter(parent__isnull=True)
        .order_by("sort_order", "code")
        .values_list("pk", "name_th" if _thai() else "name_en")
    )
    by_category = _named(metrics.figures(period, group="category", now=now), categories)
    by_category.sort(key=lambda r: (-r["complaints"], r["name"]))
    statuses = {code: str(label) for code, label in Status.choices}
    by_status = _named(metrics.figures(period, group="status", now=now), statuses)

    months = [last]
    for _i in range(TREND_MONTHS - 1):
        months.append(months[-1].previous())
    months.reverse()
    trend_from = months[0].start()
    live = metrics.figures(
        base.filter(received_at__gte=trend_from, received_at__lt=min(last.end(), now)),
        group="month",
        now=now,
    )
    frozen = frozen_figures(area=area, months=months)
    trend = []
    for m in months:
        shown = metrics.derive(live.get(m.first_day) or {})
        at_end = metrics.derive(frozen[m]) if m in frozen else None
        trend.append({"month": m, "live": shown, "frozen": at_end, "current": m == current})

    children_level = CHILD_LEVEL.get(area.level)
    children: list[dict] = []
    if children_level is not None:
        names = _children_names(area)
        received = metrics.figures(period, group=children_level, now=now)
        open_now = metrics.figures(
            base.filter(status__in=OPEN_STATUSES), group=children_level, now=now
        )
        population = dict(
            MODEL[children_level]
            .objects.filter(code__in=list(names))
            .values_list("code", "population")
        )
        children = _named(received, names, population=population)
        for row in children:
            now_counts = open_now.get(row["key"]) or {}
            row["open_backlog"] = now_counts.get("open_backlog") or 0
            row["overdue"] = now_counts.get("overdue") or 0
            row["has_data"] = row["has_data"] or bool(now_counts)
        children = rank_by_share_closed(children)

    page = StatisticsPage(
        area=area,
        month=month,
        period_start=start,
        period_end=end,
        totals=totals,
        backlog=backlog,
        by_category=by_category,
        by_status=by_status,
        trend=trend,
        children_level=children_level,
        children=children,
    )
    if month is not None and month in frozen:
        page.month_frozen = metrics.derive(frozen[month])
    if area.level == AreaLevel.PROVINCE and may_open_report(officer, area.code):
        page.may_report = True
        page.reports = reports_for(province_code=area.code)
    return page


# --- Monthly reports --------------------------------------------------------------------------


def reports_for(*, province_code: str, limit: int = 12) -> list[MonthlyReport]:
    return list(
        MonthlyReport.objects.filter(province_id=province_code)
        .select_related("snapshot")
        .order_by("-snapshot__month")[:limit]
    )


def report_get(*, officer, province_code: str, month: Month) -> MonthlyReport | None:
    """The province's report of ``month`` if produced (None if not yet), for an officer who
    may open it: ``NotFound`` for no such province, ``Forbidden`` otherwise."""
    province = Province.objects.filter(code=str(province_code)[:2]).only("code").first()
    if province is None or len(str(province_code)) != 2:
        raise NotFound(_("There is no province with the code %s.") % str(province_code)[:12])
    if not may_open_report(officer, province.code):
        raise Forbidden(
            _("The monthly report goes to the governor and the province officers of the province.")
        )
    return (
        MonthlyReport.objects.filter(province_id=province.code, snapshot__month=month.first_day)
        .select_related("snapshot", "province")
        .first()
    )


def governors_of(province_code: str) -> QuerySet:
    """The active governors of the province: who is told that a report is ready."""
    return Officer.objects.filter(
        Q(roles__role=Role.GOVERNOR, roles__province_id=province_code, roles__is_active=True),
        is_active=True,
    ).distinct()
