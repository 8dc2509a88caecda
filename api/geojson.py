"""``GET /api/complaints.geojson``: the officer's complaints as an RFC 7946 FeatureCollection.

A thin adapter over ``layers.selectors.mapdata``: the selector reads the parameters (the same
parser as the case lists, ``layers.selectors.exports``), applies the jurisdiction and the
policy's export columns, and streams features built by PostgreSQL from a server-side cursor;
this view only wraps the stream in a response. Errors (400, 403) are raised before the first
byte and answered by ``api/errors.py``.
"""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.selectors.exports import (
    content_disposition,
    export_file_names,
    export_request_from_params,
)
from layers.selectors.mapdata import (
    complaint_geojson_stream,
    complaint_grid,
    grid_filter_from_params,
)

# RFC 7946 section 12 registers this media type.
GEOJSON_CONTENT_TYPE = "application/geo+json"


class ComplaintsGeoJSONView(APIView):
    """``?province=49`` or ``district=4901`` or ``subdistrict=490101`` (they must nest) or
    ``area=all``; optional ``status=received,closed``, ``since``/``until=YYYY-MM-DD``,
    ``category``, ``channel``, ``bbox=minlon,minlat,maxlon,maxlat`` and ``personal=true``
    (complainants and free text, for the roles entitled to them)."""

    def get(self, request):
        export = export_request_from_params(request.query_params)
        stream = complaint_geojson_stream(officer=request.user, request=export)
        # No charset parameter: GeoJSON, like all JSON, is UTF-8 (RFC 8259 section 8.1).
        response = StreamingHttpResponse(stream, content_type=GEOJSON_CONTENT_TYPE)
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = content_disposition(*export_file_names(export, "geojson"))
        return response


class ComplaintGridView(APIView):
    """``GET /api/maps/grid.geojson?cell=<metres>[&province=…|district=…|subdistrict=…]
    [&status=…&category=…&channel=…&since=…&until=…&bbox=…]`` — the officer's complaints
    counted on squares (``layers.selectors.mapdata.complaint_grid``: ST_SquareGrid in
    EPSG:32647, ``cell`` = the side in metres), only the occupied cells: each with ``count``,
    ``total`` beside them. No area: everything the officer's scope covers (the national map of
    a central officer). Too many cells for the extent → 400; an outsider → 403."""

    @extend_schema(
        summary="The caller's complaints counted on squares (GeoJSON; cell = side in metres)",
        responses={(200, GEOJSON_CONTENT_TYPE): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        filters, cell = grid_filter_from_params(request.query_params)
        body = complaint_grid(officer=request.user, filters=filters, cell_m=cell)
        response = Response(body, content_type=GEOJSON_CONTENT_TYPE)
        response["Cache-Control"] = "private, no-store"
        return response
