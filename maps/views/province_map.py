"""The province map: sub-district boundaries as the base map, and the officer's complaints."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from boundaries.models import GeomQuality
from boundaries.selectors import (
    districts_geojson,
    province_bounds,
    province_get,
    subdistricts_geojson,
)
from layers.selectors.mapdata import complaint_map_points
from maps import mapkit


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
    for feature in subdistricts["features"]:
        reconstructed = feature["properties"]["geom_quality"] == GeomQuality.RECONSTRUCTED
        feature["properties"]["note"] = _("– line accurate to about 400 m") if reconstructed else ""
    m = mapkit.offline_map(bounds=province_bounds(code=code))
    mapkit.AreaLayer(
        subdistricts,
        name=_("Sub-districts"),
        key="subdistricts",
        css_class="damrong-subdistrict",
        style=mapkit.SUBDISTRICT_STYLE,
        tooltip="{name_th} ({code}) {note}",
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
    features, lookups = mapkit.complaint_points(rows)
    mapkit.ComplaintLayer(features, lookups=lookups, name=_("Complaints")).add_to(m)
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
        },
    )
