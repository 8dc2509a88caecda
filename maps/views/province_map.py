"""The province map: sub-district boundaries as the base map, and the officer's complaints."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from boundaries.models import District, GeomQuality, Subdistrict
from boundaries.selectors import (
    area_labels,
    districts_geojson,
    province_bounds,
    province_get,
    subdistricts_geojson,
)
from layers.selectors.filters import CaseFilter
from layers.selectors.mapdata import (
    approximate_tracking_numbers,
    area_figures,
    complaint_map_points,
    openable_tracking_numbers,
)
from maps import mapkit
from maps.views.heatmap import dashboard_url


@login_required
def province_map(request, code):
    province = province_get(code=code)
    if province is None:
        raise Http404(_("There is no province with the code %s.") % code)
    # Raises PermissionDenied (403) when the officer's jurisdiction covers nothing of it.
    rows, total = complaint_map_points(
        officer=request.user, province=code, limit=settings.MAP_MAX_POINTS
    )
    subdistricts = subdistricts_geojson(province=code)
    figures = area_figures(
        officer=request.user, level="subdistrict", filters=CaseFilter(province=code)
    )
    district_names = dict(District.objects.filter(province_id=code).values_list("code", "name_th"))
    for feature in subdistricts["features"]:
        props = feature["properties"]
        reconstructed = props["geom_quality"] == GeomQuality.RECONSTRUCTED
        props["note"] = _("– line accurate to about 400 m") if reconstructed else ""
        # The popup: the sub-district's figures, its open cases, and its district's dashboard
        # (a level down from this province map).
        props["figures"] = figures.get(props["code"])
        props["links"] = [
            {
                "url": f"{reverse('case_backlog')}?subdistrict={props['code']}",
                "label": _("Open cases here"),
            },
            {
                "url": dashboard_url(props["district_code"]),
                "label": _("Dashboard of %(district)s district")
                % {"district": district_names.get(props["district_code"], "")},
            },
        ]
    m = mapkit.offline_map(bounds=province_bounds(code=code))
    mapkit.AreaLayer(
        subdistricts,
        name=_("Sub-districts"),
        key="subdistricts",
        css_class="damrong-subdistrict",
        style=mapkit.SUBDISTRICT_STYLE,
        tooltip="{name_th} ({code}) {note}",
        popup_labels=mapkit.popup_figure_labels(),
        attribution=mapkit.BOUNDARY_ATTRIBUTION,
    ).add_to(m)
    mapkit.AreaLayer(
        districts_geojson(province=code),
        name=_("Districts"),
        key="districts",
        css_class="damrong-district",
        style=mapkit.DISTRICT_STYLE,
        interactive=False,
    ).add_to(m)
    openable = openable_tracking_numbers(
        officer=request.user, tracking_numbers=[row["tracking_no"] for row in rows]
    )
    approximate = approximate_tracking_numbers(
        tracking_numbers=[row["tracking_no"] for row in rows]
    )
    features, lookups = mapkit.complaint_points(rows, openable=openable, approximate=approximate)
    mapkit.ComplaintLayer(features, lookups=lookups, name=_("Complaints")).add_to(m)
    mapkit.LabelLayer(
        area_labels(District.objects.filter(province_id=code), level="district")
        + area_labels(Subdistrict.objects.filter(province_id=code), level="subdistrict"),
        name=_("Place names"),
    ).add_to(m)
    m.add_child(mapkit.SearchBox())
    m.add_child(
        mapkit.Legend(
            _("Legend"),
            mapkit.status_legend_items()
            + [
                {
                    "label": _("Sub-district"),
                    "shape": "area",
                    "color": "#fdf6e3",
                    "border": "#4b5563",
                },
                {"label": _("District"), "shape": "line", "color": mapkit.DISTRICT_STYLE["color"]},
                mapkit.approximate_legend_item(),
            ],
        )
    )
    return render(
        request,
        "maps/province_map.html",
        {
            "province": province,
            "map": mapkit.map_parts(m),
            "shown": len(rows),
            "total": total,
            "legend": mapkit.status_legend(),
            "export_url": f"{reverse('api:complaints_geojson')}?province={code}",
            "heatmap_url": f"{reverse('heatmap')}?province={code}",
        },
    )
