"""``GET /api/boundaries/<level>.geojson`` and ``.gpkg``: boundary files for anyone (thin:
``boundaries.services.files``). Public geography, no login; cached by boundary load, with an
ETag (``If-None-Match`` → 304)."""

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from boundaries.services.files import FILE_TYPES, LEVELS, boundary_file, boundary_file_request
from layers.selectors.exports import content_disposition


class BoundaryFileView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # public: no session, no CSRF, no token needed

    def get(self, request, level: str, extension: str):
        wanted = boundary_file_request(level, extension, request.query_params)
        path, etag = boundary_file(wanted)
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            response = FileResponse(path.open("rb"), content_type=FILE_TYPES[extension])
            response["Content-Disposition"] = content_disposition(wanted.name, wanted.name)
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=3600"
        response["Access-Control-Allow-Origin"] = "*"
        return response


# --- The OpenAPI schema (/api/schema/) ----------------------------------------------------------
extend_schema_view(
    get=extend_schema(
        summary="A level's boundaries as GeoJSON or GeoPackage (public)",
        parameters=[
            OpenApiParameter(
                "level", {"type": "string", "enum": list(LEVELS)}, OpenApiParameter.PATH
            ),
            OpenApiParameter(
                "extension", {"type": "string", "enum": list(FILE_TYPES)}, OpenApiParameter.PATH
            ),
            OpenApiParameter("province", str, description="one province's areas (2 digits)"),
            OpenApiParameter("tolerance", float, description="simplification, in degrees"),
        ],
        responses={
            (200, media): OpenApiTypes.OBJECT if "json" in media else OpenApiTypes.BINARY
            for media in FILE_TYPES.values()
        },
    )
)(BoundaryFileView)
