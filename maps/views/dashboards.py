"""The choropleth dashboards: ``/dashboards/`` (the viewer's own level) and
``/dashboards/<area code>/``.

A thin page over ``layers.selectors.dashboards``: the first figures are embedded in the page
(one request to draw it), the shapes come from ``/api/stats/shapes/…`` (cached for a year) and
every filter change asks ``/api/stats/figures.json`` for numbers only (``maps/static/maps/
dashboard.js``). Without JavaScript the form still works: it reloads the page with the filters.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from api.stats import shapes_url
from boundaries.models import District, Province, Subdistrict
from layers import classify, policy
from layers.errors import Forbidden, NotFound
from layers.models import OPEN_STATUSES, Category, Channel, Status
from layers.selectors import dashboards as sel
from layers.thaidate import THAI_MONTHS, be_year
from maps import mapkit

MONTHS_OFFERED = 36  # the month pickers go back three years


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


@login_required
def dashboard_home(request):
    tops = sel.dashboard_areas(request.user)
    if not tops:
        raise Forbidden(_("Your role has no dashboard."))
    return _dashboard(request, tops[0], others=tops[1:])


@login_required
def dashboard(request, code: str):
    if len(code) == 6 and code.isascii() and code.isdigit():
        # A sub-district has no areas below it: its district's dashboard, with it picked.
        sel.dashboard_area(officer=request.user, code=code[:4])  # 403 / 404 first
        if not Subdistrict.objects.filter(code=code).exists():
            raise NotFound(_("There is no sub-district with the code %s.") % code)
        return redirect(f"{reverse('dashboard', args=[code[:4]])}?area={code}")
    return _dashboard(request, code)


def _bounds(area: sel.DashboardArea):
    if area.level == sel.COUNTRY:
        qs = Province.objects.all()
    elif area.level == sel.PROVINCE:
        qs = Province.objects.filter(code=area.code)
    else:
        qs = District.objects.filter(code=area.code)
    extent = qs.aggregate(e=Extent("geom"))["e"]
    return tuple(extent) if extent else None


def _month_options():
    """(since, until, label) of the last ``MONTHS_OFFERED`` months, newest first: B.E. month
    names on Thai pages."""
    today = timezone.localdate()
    y, m = today.year, today.month
    out = []
    for _i in range(MONTHS_OFFERED):
        first = date(y, m, 1)
        last = date(y, m, calendar.monthrange(y, m)[1])
        if _thai():
            label = f"{THAI_MONTHS[m - 1]} {be_year(first)}"
        else:
            label = first.strftime("%B %Y")
        out.append((first.isoformat(), last.isoformat(), label))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def _dashboard(request, code: str, *, others=()):
    officer = request.user
    thai = _thai()
    area = sel.dashboard_area(officer=officer, code=code, thai=thai)
    req = sel.figure_request_from_params(request.GET, parent=code)
    data = sel.area_figures(officer=officer, request=req, thai=thai, area=area)
    charts = sel.breakdowns(officer=officer, request=req, area=area)
    viewer = policy.viewer_for(officer)
    payload = sel.figures_payload(viewer=viewer, data=data, charts=charts, request=req)
    m = mapkit.offline_map(bounds=_bounds(area), zoom_start=6, min_zoom=4)
    parts = mapkit.map_parts(m, layer_control=False)
    f = req.filters
    open_statuses = ",".join(OPEN_STATUSES)
    status_value = ",".join(f.statuses)
    config = {
        "map_id": parts.id,
        "shapes_url": shapes_url(code),
        "figures_url": reverse("api:stats-figures"),
        "geojson_url": reverse("api:stats-areas"),
        "dashboard_url": reverse("dashboard", args=["CODE"]),
        "parent": code,
        "goes_down": area.has_grandchildren,
        "lang": "th" if thai else "en",
        "text": {
            "no_data": _("no data"),
            "complaints": _("Complaints"),
            "per_10k": _("per 10,000 residents"),
            "share_closed": _("share closed"),
            "open_backlog": _("open"),
            "overdue": _("overdue"),
            "median_days_to_close": _("median days to close"),
            "days": _("days"),
            "click_down": _("Click to open its dashboard"),
            "click_pick": _("Click to show it alone in the charts; click again for all"),
            "loading": _("Loading…"),
            "failed": _("The figures could not be loaded. Try again."),
            "all_areas": _("all areas"),
            "target": _("target"),
            "as_of": _("Figures as of"),
        },
    }
    ranked = [
        {
            **row,
            "url": (reverse("dashboard", args=[row["code"]]) if area.has_grandchildren else None),
        }
        for row in payload["areas"]
    ]
    context = {
        "area": area,
        "others": [
            {"code": c, "url": reverse("dashboard", args=[c]) if c else reverse("dashboards")}
            for c in others
        ],
        "map": parts,
        "payload": payload,
        "config": config,
        "ranked": ranked,
        "req": req,
        "metrics": list(sel.METRIC_LABELS.items()),
        "methods": [(m_, sel.CLASS_METHOD_LABELS[m_]) for m_ in classify.METHODS],
        "months": _month_options(),
        "since": f.since.isoformat() if f.since else "",
        "until": f.until.isoformat() if f.until else "",
        "categories": [
            (c.code, c.name_th if thai else c.name_en)
            for c in Category.objects.filter(parent__isnull=True, is_active=True).order_by(
                "sort_order", "code"
            )
        ],
        "category": f.category or "",
        "statuses": [(open_statuses, _("all open cases")), *Status.choices],
        "status": status_value,
        "channels": Channel.choices,
        "channel": f.channel or "",
        "child_level_label": {
            "province": _("Province"),
            "district": _("District"),
            "subdistrict": _("Sub-district"),
        }[area.child_level],
    }
    return render(request, "maps/dashboards/dashboard.html", context)
