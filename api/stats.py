"""The dashboards' data: area figures and area shapes (thin views over
``layers.selectors.dashboards`` and ``boundaries.shapes``).

* ``GET /api/stats/areas.geojson?parent=<"" | 2 | 4 digits>&metric=…&since=…&until=…&category=…
  &status=…&channel=…&classes=…`` — the contract for other systems: an RFC 7946
  FeatureCollection of the parent's child areas (simplified shapes), each feature's properties
  with ``code``, ``name_th``, ``value`` (the metric) and the figures behind it; with no filter a
  ``complaints`` value counts every case of all time.
* ``GET /api/stats/figures.json?parent=…&…`` — what the page asks on every filter change: the
  same figures without shapes, plus the charts (by category, by month).
* ``GET /api/stats/shapes/<version>/<parent>.topojson`` — what the page draws, once: the level's
  shapes as TopoJSON, under a URL that names the boundary version, cached for a year.

Each is scoped like the dashboard page: a parent outside the viewer's dashboards is a 403.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from boundaries import shapes
from layers import policy
from layers.selectors import dashboards as sel

GEOJSON_CONTENT_TYPE = "application/geo+json"
SHAPES_MAX_AGE = 365 * 24 * 3600


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


def shapes_url(parent: str, version: str | None = None) -> str:
    return reverse(
        "api:stats-shapes",
        args=[version or shapes.shapes_version(), parent or "country"],
    )


# The query parameters of both figure endpoints (read by sel.figure_request_from_params).
FIGURE_PARAMETERS = [
    OpenApiParameter("parent", str, description="'' (the country), a province (2) or district (4)"),
    OpenApiParameter(
        "metric",
        str,
        description="complaints, per_10k, open_backlog, share_closed, median_days_to_close, "
        "overdue",
    ),
    OpenApiParameter("since", OpenApiTypes.DATE, description="received on or after (C.E.)"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="received on or before (C.E.)"),
    OpenApiParameter("category", str, description="a main category's code"),
    OpenApiParameter("status", str, description="statuses, comma-separated"),
    OpenApiParameter("channel", str, description="a channel"),
    OpenApiParameter("classes", str, description="quantiles or natural breaks"),
]


class FiguresView(APIView):
    @extend_schema(
        summary="Dashboard figures of a parent area's child areas (numbers only)",
        parameters=FIGURE_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        req = sel.figure_request_from_params(request.query_params)
        data = sel.area_figures(officer=request.user, request=req, thai=_thai())
        charts = sel.breakdowns(officer=request.user, request=req, area=data["area"])
        viewer = policy.viewer_for(request.user)
        body = sel.figures_payload(viewer=viewer, data=data, charts=charts, request=req)
        response = Response(body)
        response["Cache-Control"] = "private, no-store"
        return response


class AreasGeoJSONView(APIView):
    @extend_schema(
        summary="A parent area's child areas with their figures (GeoJSON)",
        parameters=FIGURE_PARAMETERS,
        responses={(200, GEOJSON_CONTENT_TYPE): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        req = sel.figure_request_from_params(request.query_params)
        data = sel.area_figures(officer=request.user, request=req, thai=_thai())
        viewer = policy.viewer_for(request.user)
        payload = sel.figures_payload(viewer=viewer, data=data, charts=None, request=req)
        geometries = shapes.level_geometries(req.parent)
        # The geometries are JSON texts already (built once per boundary version): spliced in.
        features = [
            '{"type":"Feature","id":'
            + _json(row["code"])
            + ',"geometry":'
            + geometries.get(row["code"], "null")
            + ',"properties":'
            + _json(row)
            + "}"
            for row in sorted(payload.pop("areas"), key=lambda r: r["code"])
        ]
        head = _json({"type": "FeatureCollection", **payload})[:-1]
        response = HttpResponse(
            head + ',"features":[' + ",".join(features) + "]}",
            content_type=GEOJSON_CONTENT_TYPE,
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ShapesView(APIView):
    @extend_schema(
        summary="A level's simplified shapes (TopoJSON, cached by boundary version)",
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            302: OpenApiResponse(description="An older boundary version: the current address."),
            304: OpenApiResponse(description="Not modified (ETag)."),
        },
    )
    def get(self, request, version: str, parent: str):
        code = "" if parent == "country" else parent
        sel.dashboard_area(officer=request.user, code=code)  # 404 / 403 before any shape
        current = shapes.shapes_version()
        if version != current:
            # Boundaries loaded again since the page was made: the current shapes' address.
            response = HttpResponseRedirect(shapes_url(code, current))
            response["Cache-Control"] = "no-cache"
            return response
        etag = '"' + hashlib.sha256(f"{current}/{parent}".encode()).hexdigest()[:20] + '"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            body = shapes.level_topojson(code, version=current)
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        # Private: only officers with this dashboard fetch it; immutable: the URL changes with
        # the boundaries.
        response["Cache-Control"] = f"private, max-age={SHAPES_MAX_AGE}, immutable"
        return response
