"""``GET /api/complaints.geojson``: the officer's complaints as an RFC 7946 FeatureCollection.

A thin adapter over ``layers.selectors.mapdata``: the selector reads the filters (the same
parser as the case lists), applies the jurisdiction and the policy's export columns, and
streams the features from a server-side cursor; this view only wraps the stream in a response.
Errors (400, 403) are raised before the first byte and answered by ``api/errors.py``.
"""

from django.http import StreamingHttpResponse
from rest_framework.views import APIView

from layers.selectors.mapdata import complaint_geojson_stream, export_filter_from_params

# RFC 7946 section 12 registers this media type.
GEOJSON_CONTENT_TYPE = "application/geo+json"


class ComplaintsGeoJSONView(APIView):
    """``?province=49`` or ``district=4901`` or ``subdistrict=490101`` (at least one; they must
    nest), optional ``status=received,closed``, ``since``/``until=YYYY-MM-DD``, ``category``,
    ``channel`` and ``bbox=minlon,minlat,maxlon,maxlat``. No personal data, no free text."""

    def get(self, request):
        filters = export_filter_from_params(request.query_params)
        stream = complaint_geojson_stream(officer=request.user, filters=filters)
        # No charset parameter: GeoJSON, like all JSON, is UTF-8 (RFC 8259 section 8.1).
        response = StreamingHttpResponse(stream, content_type=GEOJSON_CONTENT_TYPE)
        response["Cache-Control"] = "private, no-store"
        return response
