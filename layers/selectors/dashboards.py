"""The choropleth dashboards: who opens which level, and the figures of a level's areas.

A dashboard is an area and its children: the country and its provinces, a province and its
districts, a district and its sub-districts (a sub-district has no children: the district is
the lowest dashboard; ``/dashboards/<6 digits>/`` opens its district with it selected).

**Who opens which.** Roles that steer with figures have dashboards, each from its own level
down: the central officer and the administrator the country; the governor and the province
officer their province; the district chief and officer their district; the GIS analyst the area
of their role (country, province or district). A sub-district team member has none (their
phone page is their tool, and one or two sub-districts are no map of areas). Anything above or
beside the viewer's areas is ``Forbidden``, for the page and for its data alike.

**The figures** are ``layers.metrics``' (never redefined here): one grouped aggregate over the
parent's complaints (``metrics.figures``, on the indexed area codes), narrowed by the case-filter
parser's filters (``layers.selectors.filters``), derived per child area with its population,
and classed (``layers.classify``). A child area with no case has 0 complaints and no share
closed or median ("no data"); one with no population figure has no rate per 10,000.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from boundaries.models import District, Province, Subdistrict
from boundaries.shapes import CHILD_LEVEL
from layers import classify, metrics, policy
from layers.errors import Forbidden, InvalidInput, NotFound
from layers.inputs import choice_value
from layers.models import Category, Role
from layers.selectors.filters import CaseFilter, case_filter_apply, case_filter_from_params
from layers.selectors.scope import complaints_visible_to, jurisdiction_for

COUNTRY, PROVINCE, DISTRICT = "country", "province", "district"
LEVEL_OF = {0: COUNTRY, 2: PROVINCE, 4: DISTRICT}
# Roles with a dashboard (a team member has none: see the module's docstring).
DASHBOARD_ROLES = (
    Role.CENTRAL_OFFICER,
    Role.ADMIN,
    Role.GOVERNOR,
    Role.PROVINCE_OFFICER,
    Role.DISTRICT_CHIEF,
    Role.DISTRICT_OFFICER,
    Role.GIS_ANALYST,
)
# The filters a dashboard takes (a subset of the case filters), and its own parameters.
FILTERS = ("since", "until", "category", "status", "channel")
OWN_PARAMS = ("parent", "metric", "classes", "area")

METRIC_LABELS = {
    "complaints": gettext_lazy("Complaints"),
    "per_10k": gettext_lazy("Complaints per 10,000 residents"),
    "open_backlog": gettext_lazy("Open backlog"),
    "share_closed": gettext_lazy("Share closed (%)"),
    "median_days_to_close": gettext_lazy("Median days to close"),
    "overdue": gettext_lazy("Overdue"),
}
CLASS_METHOD_LABELS = {
    classify.QUANTILES: gettext_lazy("quantiles (about as many areas in each class)"),
    classify.NATURAL_BREAKS: gettext_lazy("natural breaks (Fisher–Jenks)"),
    classify.TARGET: gettext_lazy("fixed classes around the 80 % target"),
}
_MODELS = {COUNTRY: None, PROVINCE: Province, DISTRICT: District}
_CHILD_MODELS = {COUNTRY: Province, PROVINCE: District, DISTRICT: Subdistrict}
_CHILD_PARENT_FIELD = {COUNTRY: None, PROVINCE: "province_id", DISTRICT: "district_id"}
# The complaint's column that narrows to the parent, and the one that groups by child.
_PARENT_COLUMN = {COUNTRY: None, PROVINCE: "province_id", DISTRICT: "district_id"}
_CHILD_COLUMN = {COUNTRY: "province_id", PROVINCE: "district_id", DISTRICT: "subdistrict_id"}


# ------------------------------------------------------------------------------ who opens what


def dashboard_areas(officer) -> list[str]:
    """The top areas of the viewer's dashboards: ``[""]`` for the country, else province (2
    digits) and district (4) codes, highest level first; empty: no dashboard."""
    if officer is None or not getattr(officer, "is_authenticated", False):
        return []
    j = jurisdiction_for(officer)
    if getattr(officer, "is_superuser", False) and j.country:
        return [""]
    areas: set[str] = set()
    for role in DASHBOARD_ROLES:
        for area in j.by_role.get(role, ()):
            areas.add("" if area == "TH" else area)
    if "" in areas:
        return [""]
    # A district inside one of the viewer's provinces is covered by it.
    provinces = {a for a in areas if len(a) == 2}
    kept = {a for a in areas if len(a) == 2 or a[:2] not in provinces}
    return sorted(kept, key=lambda a: (len(a), a))


def has_dashboard(officer) -> bool:
    return bool(dashboard_areas(officer))


def may_open(officer, code: str) -> bool:
    return any(code.startswith(top) for top in dashboard_areas(officer))


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str
    may_open: bool


@dataclass(frozen=True)
class DashboardArea:
    """A dashboard's area: the country (``code`` ""), a province or a district."""

    code: str
    level: str
    name_th: str
    name_en: str
    population: int | None
    child_level: str
    crumbs: tuple[Crumb, ...]  # from the viewer's top area down to this one

    @property
    def has_grandchildren(self) -> bool:
        """Whether a child area has a dashboard of its own (to go down to)."""
        return self.level != DISTRICT


def _name(row, thai: bool) -> str:
    return row.name_th if thai or not row.name_en else row.name_en


def country_name() -> str:
    return _("Thailand")


def dashboard_area(*, officer, code: str, thai: bool = True) -> DashboardArea:
    """The dashboard of ``code`` ("" = the country) as the viewer may open it.

    ``NotFound`` for a code that is no province or district, ``Forbidden`` outside the viewer's
    dashboards (and for a viewer without any)."""
    tops = dashboard_areas(officer)
    if not tops:
        raise Forbidden(_("Your role has no dashboard."))
    if len(code) not in LEVEL_OF or not (code == "" or code.isascii() and code.isdigit()):
        raise NotFound(_("There is no dashboard for the area code %s.") % code[:12])
    level = LEVEL_OF[len(code)]
    chain = [code[:n] for n in (2, 4) if n <= len(code)]
    rows = {}
    if chain:
        rows.update({p.code: p for p in Province.objects.defer("geom").filter(code=chain[0])})
        if len(chain) > 1:
            rows.update({d.code: d for d in District.objects.defer("geom").filter(code=chain[1])})
    if code and code not in rows:
        raise NotFound(_("There is no province or district with the code %s.") % code)
    if not any(code.startswith(top) for top in tops):
        raise Forbidden(_("This area is outside your dashboards."))
    crumbs = []
    for c in ["", *chain]:
        if not any(c.startswith(top) for top in tops):
            continue  # above the viewer's own level: not shown
        crumbs.append(Crumb(c, country_name() if c == "" else _name(rows[c], thai), True))
    if code:
        area = rows[code]
        name_th, name_en, population = area.name_th, area.name_en, area.population
    else:
        name_th, name_en = "ประเทศไทย", "Thailand"
        population = Province.objects.aggregate(n=Sum("population"))["n"]
    return DashboardArea(
        code=code,
        level=level,
        name_th=name_th,
        name_en=name_en,
        population=population,
        child_level=CHILD_LEVEL[len(code)],
        crumbs=tuple(crumbs),
    )


def child_areas(area: DashboardArea) -> list[dict]:
    """The children of a dashboard's area: code, names, population (all of them, also those
    without a polygon of their own)."""
    model = _CHILD_MODELS[area.level]
    qs = model.objects.all()
    if _CHILD_PARENT_FIELD[area.level]:
        qs = qs.filter(**{_CHILD_PARENT_FIELD[area.level]: area.code})
    return list(qs.order_by("code").values("code", "name_th", "name_en", "population"))


# ------------------------------------------------------------------------------ parameters


@dataclass(frozen=True)
class FigureRequest:
    """What a dashboard's figures are asked for, already checked."""

    parent: str = ""
    metric: str = "complaints"
    method: str = classify.QUANTILES
    area: str | None = None  # a child area picked on the map: the charts show it alone
    filters: CaseFilter = CaseFilter()


def figure_request_from_params(params, *, parent: str | None = None) -> FigureRequest:
    """Read a dashboard's parameters; ``InvalidInput`` (400) names what is wrong. The filters
    go through the case-filter parser (``since``/``until`` as YYYY-MM-DD, ``category``,
    ``status``, ``channel``); anything else unknown is refused there.

    ``parent`` given: the page's own area (the path's), and no ``parent`` parameter is taken."""
    own = OWN_PARAMS if parent is None else tuple(p for p in OWN_PARAMS if p != "parent")
    filters = case_filter_from_params(params, allowed=FILTERS, also=own)
    errors: dict[str, str] = {}

    def one(name: str) -> str:
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        values = [v for v in values if v is not None]
        if len(values) > 1:
            errors[name] = _("Give %(name)s once.") % {"name": name}
            return ""
        return (values[0] if values else "").strip()

    if parent is None:
        parent = one("parent")
        if parent and (len(parent) not in (2, 4) or not (parent.isascii() and parent.isdigit())):
            errors["parent"] = _(
                "parent is a province (2 digits) or district (4 digits) code, or empty for the "
                "country; a sub-district has no areas below it."
            )
    metric = one("metric") or "complaints"
    method = one("classes") or classify.QUANTILES
    area = one("area") or None
    try:
        choice_value(
            metric,
            field="metric",
            choices=metrics.METRICS,
            message=_("metric is one of: %s.") % ", ".join(metrics.METRICS),
        )
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
    if method not in classify.METHODS:
        errors["classes"] = _("classes is one of: %s.") % ", ".join(classify.METHODS)
    if area is not None and (
        len(area) != len(parent) + 2
        or not area.startswith(parent)
        or not (area.isascii() and area.isdigit())
    ):
        errors["area"] = _("area is the code of one of the areas on this map.")
    if errors:
        raise InvalidInput(errors)
    return FigureRequest(parent=parent, metric=metric, method=method, area=area, filters=filters)


# ------------------------------------------------------------------------------ the figures


def _cached(officer, kind: str, request: FigureRequest, compute):
    """``compute()`` (raw counts), kept ``DASHBOARD_FIGURES_CACHE_SECONDS`` in Django's cache
    under the viewer's dashboards, the parent, the picked area and the filters: the metric and
    the classes are read from the same counts, so switching them costs no query. Returns
    (counts, when they were counted)."""
    seconds = settings.DASHBOARD_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return compute(), timezone.now()
    scope = ",".join(dashboard_areas(officer))
    key = f"{kind}|{scope}|{request.parent}|{request.area}|{request.filters!r}"
    key = "dashboards:figures:" + hashlib.sha256(key.encode()).hexdigest()
    hit = cache.get(key)
    if hit is None:
        hit = (compute(), timezone.now())
        cache.set(key, hit, seconds)
    return hit


def _parent_complaints(officer, area: DashboardArea):
    qs = complaints_visible_to(officer=officer)
    if area.level == DISTRICT:
        # The province too: the figures' index (complaint_figures) starts with it.
        return qs.filter(province_id=area.code[:2], district_id=area.code)
    column = _PARENT_COLUMN[area.level]
    return qs.filter(**{column: area.code}) if column else qs


def _row(fig: dict, metric: str) -> dict:
    return {**fig, "value": fig[metric]}


def area_figures(
    *,
    officer,
    request: FigureRequest,
    now: datetime | None = None,
    thai: bool = True,
    area: DashboardArea | None = None,
) -> dict:
    """The figures of the parent's child areas: ``areas`` ({code: figures + ``value`` (the
    chosen metric) + ``class``}), ``classes`` (``layers.classify``), ``total`` (the parent's
    own figures, or the picked child area's) and ``ranked`` (the codes, largest value first, "no data" last).

    One grouped query for the areas and one for the parent's total (``metrics.figures``),
    kept for ``DASHBOARD_FIGURES_CACHE_SECONDS`` (``as_of`` says when they were counted)."""
    now = now or timezone.now()
    area = area or dashboard_area(officer=officer, code=request.parent, thai=thai)
    children = child_areas(area)
    if request.area is not None and request.area not in {c["code"] for c in children}:
        raise InvalidInput({"area": _("area is the code of one of the areas on this map.")})
    qs = case_filter_apply(_parent_complaints(officer, area), request.filters, now=now)

    def count():
        grouped = metrics.figures(qs, group=area.child_level, now=now)
        return grouped, (metrics.figures(qs, now=now) if request.area is None else None)

    (counts, whole), as_of = _cached(officer, "areas", request, count)
    if request.area is None:
        total = metrics.derive(whole, population=area.population)
    method = classify.TARGET if request.metric == "share_closed" else request.method
    rows = {}
    for child in children:
        fig = metrics.derive(counts.get(child["code"], {}), population=child["population"])
        rows[child["code"]] = {
            "code": child["code"],
            "name_th": child["name_th"],
            "name_en": child["name_en"],
            "population": child["population"],
            **_row(fig, request.metric),
        }
    if request.area is not None:
        # The tiles follow the area picked on the map (from the same grouped counts).
        picked = rows[request.area]
        total = {k: v for k, v in picked.items() if k not in ("code", "name_th", "name_en")}
        population = picked["population"]
    else:
        population = area.population
    classes = classify.classify((r["value"] for r in rows.values()), method=method)
    for row in rows.values():
        row["class"] = classes.class_of(row["value"])
    ranked = sorted(
        rows,
        key=lambda c: (rows[c]["value"] is None, -(rows[c]["value"] or 0), c),
    )
    if request.area is None:
        total = _row(total, request.metric)
    return {
        "area": area,
        "metric": request.metric,
        "areas": rows,
        "ranked": ranked,
        "classes": classes,
        "total": {**total, "population": population},
        "as_of": as_of,
    }


def breakdowns(
    *, officer, request: FigureRequest, area: DashboardArea, now: datetime | None = None
) -> dict:
    """The charts beside the map: the chosen metric by main category and by month received,
    for the parent (or the picked child ``request.area``). Each chart leaves out its own
    filter (the category chart is not narrowed to the chosen category, the month chart not to
    the chosen months), so that its bars stay there to be clicked: the chosen ones are marked."""
    now = now or timezone.now()
    base = _parent_complaints(officer, area)
    population = area.population
    if request.area:
        base = base.filter(**{_CHILD_COLUMN[area.level]: request.area})
        model = _CHILD_MODELS[area.level]
        population = (
            model.objects.filter(code=request.area).values_list("population", flat=True).first()
        )
    f = request.filters
    by_category_qs = case_filter_apply(base, dataclasses.replace(f, category=None), now=now)
    by_month_qs = case_filter_apply(base, dataclasses.replace(f, since=None, until=None), now=now)

    # The bars show the chosen metric: the median (the one aggregate that sorts) only for it.
    median = request.metric == "median_days_to_close"

    def count():
        return (
            metrics.figures(by_category_qs, group="category", now=now, median=median),
            metrics.figures(by_month_qs, group="month", now=now, median=median),
        )

    kind = "charts-median" if median else "charts"
    (by_category, by_month), _as_of = _cached(officer, kind, request, count)
    categories = Category.objects.filter(parent__isnull=True).order_by("sort_order", "code")
    category_rows = []
    for cat in categories:
        fig = metrics.derive(by_category.get(cat.pk, {}), population=population)
        if not fig["complaints"] and cat.code != f.category:
            continue
        category_rows.append(
            {
                "key": cat.code,
                "label": cat.name_th if _thai_labels() else cat.name_en,
                "selected": cat.code == f.category,
                **_row(fig, request.metric),
            }
        )
    month_rows = []
    for month in sorted(by_month):
        fig = metrics.derive(by_month[month], population=population)
        month_rows.append(
            {
                "key": month.strftime("%Y-%m"),
                "label": month_label_short(month),
                "selected": _month_selected(month, f),
                **_row(fig, request.metric),
            }
        )
    return {"category": category_rows, "month": month_rows}


def _thai_labels() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "th").startswith("th")


def month_label_short(month: date) -> str:
    """ "ม.ค. 69" on Thai pages (B.E.), "Jan 2026" on English ones."""
    from layers.thaidate import THAI_MONTHS_ABBR, be_year

    if _thai_labels():
        return f"{THAI_MONTHS_ABBR[month.month - 1]} {str(be_year(month))[-2:]}"
    return month.strftime("%b %Y")


def _month_selected(month: date, f: CaseFilter) -> bool:
    if not (f.since or f.until):
        return False
    start = date(month.year, month.month, 1)
    return (f.since is None or start >= f.since.replace(day=1)) and (
        f.until is None or start <= f.until
    )


# ------------------------------------------------------------------------------ as JSON

# The members of an area's figures, in the order tables show them.
FIGURE_KEYS = (
    "complaints",
    "closed",
    "share_closed",
    "on_target",
    "open_backlog",
    "overdue",
    "median_days_to_close",
    "per_10k",
    "value",
)


def figures_payload(*, viewer, data: dict, charts: dict | None, request: FigureRequest) -> dict:
    """The figures as JSON (``/api/stats/figures.json`` and the page's first draw): numbers
    only, keyed by area code in each row; every field named ``stats.*`` in the policy."""
    area = data["area"]

    def figures(row: dict) -> dict:
        return policy.shape(viewer, "stats", {k: row[k] for k in FIGURE_KEYS})

    rows = []
    for code in data["ranked"]:
        row = data["areas"][code]
        rows.append(
            {
                **policy.shape(
                    viewer,
                    "stats",
                    {
                        "code": code,
                        "name_th": row["name_th"],
                        "name_en": row["name_en"],
                        "population": row["population"],
                        "class": row["class"],
                    },
                ),
                **figures(row),
            }
        )
    payload = policy.shape(
        viewer,
        "stats",
        {
            "parent": area.code,
            "level": area.level,
            "child_level": area.child_level,
            "name_th": area.name_th,
            "name_en": area.name_en,
            "metric": data["metric"],
            "metric_label": str(METRIC_LABELS[data["metric"]]),
            "area": request.area,
            "target": metrics.CLOSED_SHARE_TARGET_PERCENT,
            "as_of": timezone.localtime(data["as_of"]).isoformat(timespec="seconds"),
            "classes": _shape_nested(viewer, data["classes"].as_dict()),
            "total": {
                **figures(data["total"]),
                **policy.shape(viewer, "stats", {"population": data["total"]["population"]}),
            },
            "areas": rows,
        },
    )
    if charts is not None:
        payload["charts"] = policy.shape(
            viewer,
            "stats",
            {
                name: [
                    {
                        **policy.shape(
                            viewer,
                            "stats",
                            {"key": r["key"], "label": r["label"], "selected": r["selected"]},
                        ),
                        **figures(r),
                    }
                    for r in rows_
                ]
                for name, rows_ in charts.items()
            },
        )
    return payload


def _shape_nested(viewer, value):
    if isinstance(value, dict):
        return {
            k: _shape_nested(viewer, v) for k, v in policy.shape(viewer, "stats", value).items()
        }
    if isinstance(value, list):
        return [_shape_nested(viewer, v) for v in value]
    return value
