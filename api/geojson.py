"""``GET /api/complaints.geojson``: the officer's complaints as an RFC 7946 FeatureCollection.

A thin adapter over ``layers.selectors.mapdata``: the selector reads the parameters (the same
parser as the case lists, ``layers.selectors.exports``), applies the jurisdiction and the
policy's export columns, and streams features built by PostgreSQL from a server-side cursor;
this view only wraps the stream in a response. Errors (400, 403) are raised before the first
byte and answered by ``api/errors.py``.
"""

from django.http import StreamingHttpResponse
from rest_framework.views import APIView

from layers.selectors.exports import (
    content_disposition,
    export_file_names,
    export_request_from_params,
)
from layers.selectors.mapdata import complaint_geojson_stream

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
