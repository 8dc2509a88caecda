"""``GET /api/complaints.geojson``: the officer's complaints as an RFC 7946 FeatureCollection.

A thin adapter over ``layers.selectors.mapdata``: the selector reads the filters, applies the
jurisdiction and streams the features from a server-side cursor; this view only turns its
errors into 400/403 and wraps the stream in a response.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import StreamingHttpResponse
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from layers.selectors.mapdata import complaint_filter_from_params, complaint_geojson_stream

# RFC 7946 section 12 registers this media type.
GEOJSON_CONTENT_TYPE = "application/geo+json"


class ComplaintsGeoJSONView(APIView):
    """``?province=49`` or ``district=4901`` or ``subdistrict=490101`` (at least one; they must
    nest), optional ``status=received,closed`` and ``since=YYYY-MM-DD``. No personal data."""

    def get(self, request):
        # ValidationError → 400 with the field and what is wrong (api.errors).
        filters = complaint_filter_from_params(request.query_params)
        try:
            stream = complaint_geojson_stream(officer=request.user, filters=filters)
        except DjangoPermissionDenied as exc:
            # DRF would replace Django's message with a generic one.
            raise PermissionDenied(str(exc)) from exc
        # No charset parameter: GeoJSON, like all JSON, is UTF-8 (RFC 8259 section 8.1).
        response = StreamingHttpResponse(stream, content_type=GEOJSON_CONTENT_TYPE)
        response["Cache-Control"] = "private, no-store"
        return response
