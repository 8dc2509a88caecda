"""The heatmap page and the self-hosted base map's tiles.

``/maps/heatmap/?province=49&…filters``: an area's complaints as a heatmap (folium's HeatMap
plugin on every matching case, counted on 200 m squares in SQL), clustered markers once
zoomed in (the most recent ``MAP_MAX_POINTS``, each linking to its case), the area's
boundaries with their figures and place names. With no area, an officer of the whole country
(or of several provinces) gets the national map: grid squares counted in SQL
(``/api/maps/grid.geojson``, finer as they zoom in) over the provinces; an officer of one
province gets that province.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from boundaries.selectors import area_labels, areas_geojson
from layers.errors import Forbidden
from layers.selectors.filters import case_filter_from_params
from layers.selectors.mapdata import (
    EXPORT_PARAMS,
    area_figures,
    complaint_heat,
    complaint_public_rows,
    openable_tracking_numbers,
)
from layers.selectors.scope import jurisdiction_for
from maps import mapkit
from maps.mapkit import popup_figure_labels
from maps.tiles import NoTileFile, mbtiles_tile

HEATMAP_PARAMS = tuple(p for p in EXPORT_PARAMS if p != "bbox")
PROVINCE_TOLERANCE = 0.01


def _require_role(user):
    if jurisdiction_for(user).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))


def dashboard_url(code: str) -> str:
    """The dashboard of an area (``/dashboards/<code>/``, issue 9's choropleth pages)."""
    try:
        return reverse("dashboard_area", args=[code])
    except NoReverseMatch:  # the dashboards' URL name may differ: the path is issue 9's
        return f"/dashboards/{code}/"


def _query(filters, **changes) -> str:
    """Query string of the filters (for links that keep them)."""
    from urllib.parse import urlencode

    f = replace(filters, **changes)
    pairs = {
        "province": f.province,
        "district": f.district,
        "subdistrict": f.subdistrict,
        "status": ",".join(f.statuses) or None,
        "category": f.category,
        "channel": f.channel,
        "since": f.since.isoformat() if f.since else None,
        "until": f.until.isoformat() if f.until else None,
    }
    return urlencode({k: v for k, v in pairs.items() if v})


@login_required
def heatmap(request):
    _require_role(request.user)
    filters = case_filter_from_params(request.GET, allowed=HEATMAP_PARAMS, also=())
    j = jurisdiction_for(request.user)
    if not filters.has_area and not j.country:
        provinces = (
            set(j.provinces) | {d[:2] for d in j.districts} | {s[:2] for s in j.subdistricts}
        )
        if len(provinces) == 1:
            filters = replace(filters, province=provinces.pop())
    if filters.has_area:
        return _area_heatmap(request, filters)
    return _national_heatmap(request, filters)


def _area_heatmap(request, filters):
    officer = request.user
    heat = complaint_heat(officer=officer, filters=filters)  # Forbidden outside the scope
    code = filters.subdistrict or filters.district or filters.province
    model = {6: Subdistrict, 4: District, 2: Province}[len(code)]
    area = model.objects.defer("geom").get(code=code)
    province_code = filters.province_code
    subdistricts = Subdistrict.objects.filter(province_id=province_code)
    districts = District.objects.filter(province_id=province_code)
    if filters.district:
        subdistricts = subdistricts.filter(district_id=filters.district)
        districts = districts.filter(code=filters.district)
    if filters.subdistrict:
        subdistricts = subdistricts.filter(code=filters.subdistrict)
        districts = districts.filter(code=filters.subdistrict[:4])
    shapes = areas_geojson(subdistricts)
    figures = area_figures(officer=officer, level="subdistrict", filters=filters)
    for feature in shapes["features"]:
        props = feature["properties"]
        props["figures"] = figures.get(props["code"])
        props["links"] = [
            {
                "url": f"{reverse('case_backlog')}?subdistrict={props['code']}",
                "label": _("Open cases here"),
            },
            {"url": dashboard_url(props["code"][:4]), "label": _("The district's dashboard")},
        ]
    bounds = model.objects.filter(code=code).values_list("geom", flat=True).first()
    extent = bounds.extent if bounds else None
    rows, total = _recent_points(officer, filters)
    openable = openable_tracking_numbers(
        officer=officer, tracking_numbers=[r["tracking_no"] for r in rows]
    )
    js, css = mapkit.cluster_assets()
    m = mapkit.offline_map(bounds=extent, extra_js=js, extra_css=css)
    mapkit.AreaLayer(
        shapes,
        name=_("Sub-districts"),
        key="subdistricts",
        css_class="damrong-subdistrict",
        style=mapkit.SUBDISTRICT_STYLE,
        tooltip="{name_th} ({code})",
        popup_labels=popup_figure_labels(),
        attribution=mapkit.BOUNDARY_ATTRIBUTION,
    ).add_to(m)
    mapkit.AreaLayer(
        areas_geojson(districts),
        name=_("Districts"),
        key="districts",
        css_class="damrong-district",
        style=mapkit.DISTRICT_STYLE,
        interactive=False,
    ).add_to(m)
    heat_layer = mapkit.heat_layer(m, heat, name=_("Heatmap"))
    features, lookups = mapkit.complaint_points(rows, openable=openable)
    cluster = mapkit.ComplaintLayer(
        features, lookups=lookups, name=_("Complaints (clustered)"), cluster=True, show=False
    )
    cluster.add_to(m)
    m.add_child(mapkit.ZoomSwitch(heat_layer, cluster))
    mapkit.LabelLayer(
        area_labels(districts, level="district") + area_labels(subdistricts, level="subdistrict"),
        name=_("Place names"),
    ).add_to(m)
    m.add_child(mapkit.SearchBox())
    m.add_child(mapkit.Legend(_("Complaints"), heat_legend_items() + mapkit.status_legend_items()))
    return render(
        request,
        "maps/heatmap.html",
        {
            "mode": "area",
            "area": area,
            "map": mapkit.map_parts(m),
            "shown": len(rows),
            "total": total,
            "heat_cells": len(heat),
            "cluster_zoom": mapkit.CLUSTER_MIN_ZOOM,
            "national_url": reverse("heatmap") if jurisdiction_for(officer).country else None,
            "province_map_url": reverse("province_map", args=[filters.province_code]),
        },
    )


def heat_legend_items() -> list[dict]:
    return [
        {
            "label": _("Heat: few → many cases"),
            "shape": "ramp",
            "colors": list(mapkit.HEAT_GRADIENT.values()),
        },
        {"label": _("Group of cases (zoom in to split)"), "shape": "dot", "color": "#9ad36a"},
    ]


def _recent_points(officer, filters):
    rows = complaint_public_rows(officer=officer, filters=filters)
    total = rows.count()
    return list(rows.order_by("-received_at")[: settings.MAP_MAX_POINTS]), total


def _national_heatmap(request, filters):
    officer = request.user
    provinces = Province.objects.all()
    shapes = areas_geojson(provinces, tolerance=PROVINCE_TOLERANCE, precision=4)
    figures = area_figures(officer=officer, level="province", filters=filters)
    for feature in shapes["features"]:
        props = feature["properties"]
        props["figures"] = figures.get(props["code"])
        props["links"] = [
            {
                "url": f"{reverse('heatmap')}?{_query(filters, province=props['code'])}",
                "label": _("The province's heatmap"),
            },
            {"url": reverse("province_map", args=[props["code"]]), "label": _("Map of cases")},
            {"url": dashboard_url(props["code"]), "label": _("The province's dashboard")},
        ]
    m = mapkit.offline_map(bounds=(97.3, 5.6, 105.7, 20.5), zoom_start=6)
    mapkit.AreaLayer(
        shapes,
        name=_("Provinces"),
        key="provinces",
        css_class="damrong-province",
        style=mapkit.SUBDISTRICT_STYLE,
        tooltip="{name_th} ({code})",
        popup_labels=popup_figure_labels(),
        attribution=mapkit.BOUNDARY_ATTRIBUTION,
    ).add_to(m)
    mapkit.LabelLayer(area_labels(provinces, level="province"), name=_("Place names")).add_to(m)
    m.add_child(mapkit.SearchBox())
    return render(
        request,
        "maps/heatmap.html",
        {
            "mode": "national",
            "map": mapkit.map_parts(m),
            "grid_config": {
                "url": reverse("api:complaints-grid"),
                "query": _query(filters),
                "title": _("Complaints per grid square"),
                "case": _("case"),
                "cases": _("cases"),
                "zoom_in": _("Zoom in for smaller squares."),
                "failed": _("Could not load the counts; check the connection."),
                "none": _("No cases match."),
            },
        },
    )


@login_required
def base_tile(request, z: int, x: int, y: int):
    """A tile of the self-hosted base map (``MAP_TILE_MBTILES``); 404 where it has none."""
    _require_role(request.user)
    try:
        tile = mbtiles_tile(z, x, y)
    except NoTileFile:
        raise Http404(_("This server has no base map file.")) from None
    if tile is None:
        raise Http404(_("The base map has no tile here."))
    data, content_type = tile
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
