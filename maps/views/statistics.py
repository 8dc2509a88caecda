"""The statistics pages and the monthly report files: thin adapters over
``layers.selectors.statistics`` (who may open what, the figures) and
``layers.services.reports`` (the report, made or queued)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from layers import metrics
from layers.charts import bar_rows, percent
from layers.models import AreaLevel
from layers.selectors import statistics as sel
from layers.services.reports import FORMATS, report_request
from layers.services.statistics import month_arg
from layers.thaidate import Month, format_be_date

MONTH_CHOICES = 24


def _month(request) -> Month | None:
    value = request.GET.get("month", "")
    return month_arg(value) if value else None


def _area_url(area) -> str:
    if area.level == AreaLevel.COUNTRY:
        return reverse("statistics_home")
    return reverse("statistics_area", args=[area.code])


def _crumbs(officer, area) -> list[dict]:
    """The way up, linked where the officer may open the level."""
    out = []
    for a in area.chain():
        allowed = a.level != AreaLevel.COUNTRY or sel.jurisdiction_for(officer).country
        if a.level != AreaLevel.COUNTRY:
            allowed = sel.may_open_statistics(officer, a)
        out.append({"label": a.label, "url": _area_url(a) if allowed and a != area else ""})
    return out


def _share_css(row: dict) -> str:
    if row.get("on_target") is None:
        return "none"
    return "ok" if row["on_target"] else "below"


def _report_months(page, now) -> list[dict]:
    """The ended months of the last year, newest first, with their report's links."""
    produced = {Month.of(r.snapshot.month): r for r in page.reports}
    month, out = Month.of(now).previous(), []
    for _i in range(12):
        links = {
            fmt: reverse(
                "monthly_report",
                kwargs={"province": page.area.code, "month": month.be_code, "fmt": fmt},
            )
            for fmt in FORMATS
        }
        out.append({"month": month, "report": produced.get(month), "links": links})
        month = month.previous()
    return out


def _render(request, area, *, others=()):
    officer = request.user
    month = _month(request)
    now = timezone.now()
    page = sel.statistics_page(officer=officer, area=area, month=month, now=now)
    current = Month.of(now)
    choices, m = [], current
    for _i in range(MONTH_CHOICES):
        choices.append(m)
        m = m.previous()
    backlog = page.backlog
    age_rows = [
        {"name": _("under 30 days"), "n": backlog["lt30"]},
        {"name": _("30–60 days"), "n": backlog["d30_60"]},
        {"name": _("60–90 days"), "n": backlog["d60_90"]},
        {"name": _("over 90 days"), "n": backlog["gt90"]},
    ]
    trend = []
    for t in page.trend:
        live, frozen = t["live"], t["frozen"]
        trend.append(
            {
                "month": t["month"],
                "label": t["month"].label(short=True),
                "current": t["current"],
                "live": live,
                "frozen": frozen,
                "height": live["share_closed"] or 0,
                "css": _share_css(live),
                "frozen_height": frozen["share_closed"] if frozen else None,
                "live_text": percent(live["share_closed"]),
                "frozen_text": percent(frozen["share_closed"]) if frozen else "",
            }
        )
    children = []
    for row in page.children:
        child_url = ""
        if page.children_level == AreaLevel.DISTRICT:
            child_url = reverse("statistics_area", args=[row["key"]])
        children.append({**row, "url": child_url, "share_text": percent(row["share_closed"])})
    context = {
        "page": page,
        "area": area,
        "others": [{"label": a.label, "url": _area_url(a)} for a in others],
        "crumbs": _crumbs(officer, area),
        "month": month,
        "choices": choices,
        "period_from": format_be_date(page.period_start, short=True),
        # The period is [start, end): its last day is the one before ``end``'s first instant.
        "period_to": format_be_date(page.period_end - timedelta(microseconds=1), short=True),
        "target": metrics.CLOSED_SHARE_TARGET_PERCENT,
        "totals": page.totals,
        "share_text": percent(page.totals["share_closed"]),
        "share_css": _share_css(page.totals),
        "backlog": backlog,
        "age_bars": bar_rows(age_rows, value="n"),
        "category_bars": bar_rows(
            [r for r in page.by_category if r["has_data"]],
            value="complaints",
            display=lambda r: f"{r['complaints']:,} · {percent(r['share_closed'])}",
        ),
        "status_bars": bar_rows(page.by_status, value="complaints"),
        "trend": trend,
        "children": children,
        "children_level": page.children_level,
        "frozen_month": page.month_frozen,
        "report_months": _report_months(page, now) if page.may_report else [],
    }
    return render(request, "maps/statistics/page.html", context)


@login_required
def statistics_home(request):
    """The viewer's own level: the country for the country level, else their province or
    district (and links to their other areas)."""
    areas = sel.statistics_home_areas(officer=request.user)
    return _render(request, areas[0], others=areas[1:])


@login_required
def statistics_area(request, code):
    return _render(request, sel.statistics_area_get(officer=request.user, code=code))


@login_required
def monthly_report(request, province, month, fmt):
    """``/reports/monthly/<province>/<B.E. year>-<month>.<pdf|xlsx|csv>``: the kept file, made
    now from the frozen month if needed, or a page saying it is being made (202)."""
    outcome, report = report_request(
        officer=request.user, province_code=province, month=month_arg(month)
    )
    if outcome == "queued":
        return render(
            request,
            "maps/statistics/report_queued.html",
            {"month": Month.parse(month), "province": province},
            status=202,
        )
    field = getattr(report, fmt)
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=f"damrong-report-{report.province_id}-{month}.{fmt}",
        content_type=FORMATS[fmt],
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
