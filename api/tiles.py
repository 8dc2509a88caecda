"""``GET /tiles/{layer}/{z}/{x}/{y}.pbf``: Mapbox Vector Tiles (thin: ``layers.selectors.tiles``).

Layers: ``complaints`` (an officer's, by token or session, scoped to their jurisdiction, with
the export's filters as query parameters) and ``provinces``, ``districts``, ``subdistricts``
(public). Every answer carries an ETag that changes when the data under the tile change;
``If-None-Match`` with it gives 304. Usable by Leaflet.VectorGrid, MapLibre and QGIS
(``type=xyz&url=http://…/tiles/provinces/{z}/{x}/{y}.pbf``).
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from layers.errors import NotAuthenticated
from layers.selectors.tiles import COMPLAINTS, MVT_CONTENT_TYPE, tile_answer, tile_check
from layers.selectors.tiles import LAYERS as TILE_LAYERS


class TileView(APIView):
    permission_classes = [AllowAny]  # boundaries are public; complaints checked below

    def get(self, request, layer: str, z: int, x: int, y: int):
        tile_check(layer, z, x, y)
        if layer == COMPLAINTS and not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        answer = tile_answer(
            officer=request.user,
            layer=layer,
            z=z,
            x=x,
            y=y,
            params=request.query_params,
            if_none_match=request.headers.get("If-None-Match", ""),
        )
        if answer.not_modified:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(answer.data, content_type=MVT_CONTENT_TYPE)
            response["X-Tile-Features"] = str(answer.features)
            if answer.capped:
                response["X-Tile-Capped"] = "1"
            response["X-Tile-Cache"] = "hit" if answer.cached else "miss"
        response["ETag"] = answer.etag
        if answer.public:
            response["Cache-Control"] = "public, max-age=3600"
            response["Access-Control-Allow-Origin"] = "*"
        else:
            # Revalidated on every use (a 304 is cheap); never in a shared cache.
            response["Cache-Control"] = "private, no-cache"
            response["Vary"] = "Cookie, Authorization"
        return response


# --- The OpenAPI schema (/api/schema/) ----------------------------------------------------------
extend_schema_view(
    get=extend_schema(
        summary="A Mapbox vector tile: complaints (scoped, export filters) or boundaries",
        parameters=[
            OpenApiParameter(
                "layer",
                {"type": "string", "enum": list(TILE_LAYERS)},
                OpenApiParameter.PATH,
                description="complaints (scoped, needs a login or token) or a boundary level",
            ),
            *(
                OpenApiParameter(
                    name,
                    {"type": "integer", "minimum": 0, "maximum": 2**22},
                    OpenApiParameter.PATH,
                    description=text,
                )
                for name, text in (("z", "zoom"), ("x", "column"), ("y", "row"))
            ),
        ],
        responses={(200, "application/vnd.mapbox-vector-tile"): OpenApiTypes.BINARY, 304: None},
    )
)(TileView)
