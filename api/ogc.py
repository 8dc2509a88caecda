"""OGC API – Features under ``/ogc/``: thin adapters over ``layers.selectors.ogc``.

The landing page, conformance, the collections, their queryables and schemas, and the
boundaries' items are public (boundaries are public data); the complaints' items need a login
(session now, an API token too: DRF's default authentication) and show the viewer's
jurisdiction only. Errors follow the standard's exception body, ``{"code", "description"}``,
with ``fields`` naming each bad parameter (a 400 for an unknown parameter too).

Content: JSON for the metadata; GeoJSON (``application/geo+json``) or GeoJSON text sequences
(RFC 8142, ``application/geo+json-seq``) for items, chosen by ``f=json|jsonseq`` or the Accept
header.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.errors import exception_handler as api_exception_handler
from layers.errors import InvalidInput
from layers.selectors import ogc

JSON = "application/json"
GEOJSON = "application/geo+json"
GEOJSONSEQ = "application/geo+json-seq"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
# The media types of GeoJSON text sequences a client may ask for in Accept.
_SEQ_TYPES = {"application/geo+json-seq", "application/json-seq"}
_JSON_TYPES = {"application/geo+json", "application/json", "*/*", "application/*"}


def ogc_exception_handler(exc, context):
    """The API's error translator, in the standard's exception shape."""
    response = api_exception_handler(exc, context)
    body = response.data
    response.data = {"code": body.get("code"), "description": body.get("detail")}
    if body.get("fields"):
        response.data["fields"] = body["fields"]
    return response


class FirstRendererNegotiation(DefaultContentNegotiation):
    """These views build their own responses (GeoJSON, text sequences, XML) and read Accept
    themselves; DRF's negotiation would refuse ``Accept: application/geo+json`` with a 406.
    Bodies are parsed as DRF parses them (by their Content-Type)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _json_response(data, *, content_type: str = JSON, public: bool = True) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), content_type=content_type
    )
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


def _link(request, name: str, *, rel: str, type_: str, title: str = "", **kwargs) -> dict:
    link = {"href": request.build_absolute_uri(reverse(name, kwargs=kwargs or None))}
    link.update(rel=rel, type=type_)
    if title:
        link["title"] = title
    return link


OGC_EXCEPTION_SCHEMA = {
    "type": "object",
    "required": ["code", "description"],
    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
    "description": "OGC API's exception: a code for programs and a description for people.",
}


class OGCView(APIView):
    content_negotiation_class = FirstRendererNegotiation
    schema_error = (OGC_EXCEPTION_SCHEMA, ["application/json"])

    def get_exception_handler(self):
        return ogc_exception_handler


def check_json_params(request):
    """A metadata resource or a single feature: JSON only, ``f=json`` the only parameter."""
    unknown = sorted(k for k in request.query_params if k != "f")
    errors = {}
    if unknown:
        errors["params"] = _("Unknown parameter(s) %(unknown)s; this address takes: f.") % {
            "unknown": ", ".join(unknown)[:200]
        }
    fmt = request.query_params.get("f")
    if fmt not in (None, "", "json"):
        errors["f"] = _("This resource is offered as JSON only (f=json).")
    if errors:
        raise InvalidInput(errors)


class OGCMetadataView(OGCView):
    permission_classes = [AllowAny]

    def check_params(self, request):
        check_json_params(request)


class LandingView(OGCMetadataView):
    """``GET /ogc/``: the links QGIS and GDAL start from (service-desc and conformance among
    them: QGIS gives up without them)."""

    def get(self, request):
        self.check_params(request)
        return _json_response(
            {
                "title": _("Damrong GIS: OGC API – Features"),
                "description": _(
                    "Complaints of your jurisdiction (log in or send your API token) and "
                    "Thailand's administrative boundaries (public)."
                ),
                "links": [
                    _link(request, "ogc:landing", rel="self", type_=JSON),
                    {
                        "href": request.build_absolute_uri("/api/schema/"),
                        "rel": "service-desc",
                        "type": OPENAPI_JSON,
                        "title": _("The API definition (OpenAPI 3)"),
                    },
                    {
                        "href": request.build_absolute_uri("/api/docs/"),
                        "rel": "service-doc",
                        "type": "text/html",
                        "title": _("The API documentation"),
                    },
                    _link(
                        request,
                        "ogc:conformance",
                        rel="conformance",
                        type_=JSON,
                        title=_("Conformance classes"),
                    ),
                    _link(
                        request,
                        "ogc:collections",
                        rel="data",
                        type_=JSON,
                        title=_("Collections"),
                    ),
                ],
            }
        )


class ConformanceView(OGCMetadataView):
    def get(self, request):
        self.check_params(request)
        return _json_response({"conformsTo": CONFORMANCE})


def _collection_json(request, collection: ogc.Collection, extent: list[float]) -> dict:
    cid = collection.id
    items = "ogc:complaint-items" if cid == "complaints" else "ogc:boundary-items"
    items_kwargs = {} if cid == "complaints" else {"collection_id": cid}
    return {
        "id": cid,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": [ogc.CRS84],
        "storageCrs": ogc.CRS84,
        "extent": {"spatial": {"bbox": [extent], "crs": ogc.CRS84}},
        "links": [
            _link(request, "ogc:collection", rel="self", type_=JSON, collection_id=cid),
            _link(
                request,
                items,
                rel="items",
                type_=GEOJSON,
                title=_("Items as GeoJSON"),
                **items_kwargs,
            ),
            {
                **_link(request, items, rel="items", type_=GEOJSONSEQ, **items_kwargs),
                "title": _("Items as GeoJSON text sequences"),
            },
            _link(
                request,
                "ogc:queryables",
                rel="http://www.opengis.net/def/rel/ogc/1.0/queryables",
                type_=SCHEMA_JSON,
                title=_("Queryables"),
                collection_id=cid,
            ),
            _link(
                request,
                "ogc:schema",
                rel="describedby",
                type_=SCHEMA_JSON,
                title=_("Schema of the features"),
                collection_id=cid,
            ),
        ],
    }


class CollectionsView(OGCMetadataView):
    def get(self, request):
        self.check_params(request)
        extent = ogc.national_extent()
        return _json_response(
            {
                "links": [_link(request, "ogc:collections", rel="self", type_=JSON)],
                "collections": [
                    _collection_json(request, c, extent) for c in ogc.COLLECTIONS.values()
                ],
            }
        )


class CollectionView(OGCMetadataView):
    def get(self, request, collection_id):
        self.check_params(request)
        collection = ogc.collection_get(collection_id)
        return _json_response(_collection_json(request, collection, ogc.national_extent()))


class QueryablesView(OGCMetadataView):
    def get(self, request, collection_id):
        self.check_params(request)
        collection = ogc.collection_get(collection_id)
        schema_id = request.build_absolute_uri(request.path)
        return _json_response(
            ogc.queryables(collection, schema_id=schema_id), content_type=SCHEMA_JSON
        )


class SchemaView(OGCMetadataView):
    def get(self, request, collection_id):
        self.check_params(request)
        collection = ogc.collection_get(collection_id)
        schema_id = request.build_absolute_uri(request.path)
        return _json_response(
            ogc.feature_schema(collection, schema_id=schema_id), content_type=SCHEMA_JSON
        )


# --- Items -----------------------------------------------------------------------------------


def _accept_types(request) -> list[str]:
    """The media types of the Accept header, in the client's order, without q=0 ones."""
    types = []
    for part in request.headers.get("Accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        if media:
            types.append(media.lower())
    return types


def items_format(request, query: ogc.ItemsQuery) -> str:
    """``f`` when given; otherwise the first of our types the Accept header names."""
    if query.format:
        return query.format
    for media in _accept_types(request):
        if media in _SEQ_TYPES:
            return ogc.GEOJSONSEQ
        if media in _JSON_TYPES:
            return ogc.GEOJSON
    return ogc.GEOJSON


def _page_url(request, *, cursor: str | None = None, offset: int | None = None) -> str:
    params = request.GET.copy()
    for name in ("cursor", "offset"):
        params.pop(name, None)
    if cursor is not None:
        params["cursor"] = cursor
    if offset:
        params["offset"] = str(offset)
    query = params.urlencode()
    return request.build_absolute_uri(request.path + (f"?{query}" if query else ""))


def items_response(request, query: ogc.ItemsQuery, page: ogc.ItemsPage, *, collection_url: str):
    fmt = items_format(request, query)
    media = GEOJSONSEQ if fmt == ogc.GEOJSONSEQ else GEOJSON
    next_url = _page_url(request, cursor=page.next_cursor) if page.next_cursor else None
    prev_url = None
    if query.offset and not query.cursor:
        prev_url = _page_url(request, offset=max(query.offset - query.limit, 0))
    if fmt == ogc.GEOJSONSEQ:
        body = "".join(f"\x1e{feature}\n" for feature in page.features)
    else:
        links = [
            {"href": request.build_absolute_uri(), "rel": "self", "type": GEOJSON},
            {
                "href": _page_url_with_format(request, "jsonseq"),
                "rel": "alternate",
                "type": GEOJSONSEQ,
                "title": _("This page as GeoJSON text sequences"),
            },
            {"href": collection_url, "rel": "collection", "type": JSON},
        ]
        if next_url:
            links.append(
                {"href": next_url, "rel": "next", "type": GEOJSON, "title": _("Next page")}
            )
        if prev_url:
            links.append(
                {"href": prev_url, "rel": "prev", "type": GEOJSON, "title": _("Previous page")}
            )
        head = {
            "type": "FeatureCollection",
            "timeStamp": timezone.now().isoformat(timespec="seconds"),
            "numberReturned": len(page.features),
        }
        if page.number_matched is not None:
            head["numberMatched"] = page.number_matched
        head["links"] = links
        head_text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        body = head_text[:-1] + ',"features":[' + ",".join(page.features) + "]}"
    response = HttpResponse(body, content_type=media)
    link_header = []
    if next_url:
        link_header.append(f'<{next_url}>; rel="next"; type="{media}"')
    if prev_url:
        link_header.append(f'<{prev_url}>; rel="prev"; type="{media}"')
    if link_header:
        response["Link"] = ", ".join(link_header)
    response["Content-Crs"] = f"<{ogc.CRS84}>"
    return response


def _page_url_with_format(request, fmt: str) -> str:
    params = request.GET.copy()
    params["f"] = fmt
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


def _feature_response(feature: str, *, public: bool) -> HttpResponse:
    response = HttpResponse(feature, content_type=GEOJSON)
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    response["Content-Crs"] = f"<{ogc.CRS84}>"
    return response


class ComplaintItemsView(OGCView):
    """``GET /ogc/collections/complaints/items``: the viewer's complaints, 1,000 a page."""

    def get(self, request):
        collection = ogc.COLLECTIONS["complaints"]
        query = ogc.items_query_from_params(collection, request.query_params)
        page = ogc.complaint_items(officer=request.user, query=query)
        url = request.build_absolute_uri(
            reverse("ogc:collection", kwargs={"collection_id": collection.id})
        )
        response = items_response(request, query, page, collection_url=url)
        response["Cache-Control"] = "private, no-store"
        return response


class ComplaintItemView(OGCView):
    def get(self, request, tracking_no):
        check_json_params(request)
        feature = ogc.complaint_item(officer=request.user, tracking_no=tracking_no)
        return _feature_response(feature, public=False)


class BoundaryItemsView(OGCView):
    """``GET /ogc/collections/{provinces|districts|subdistricts}/items``: public."""

    permission_classes = [AllowAny]

    def get(self, request, collection_id):
        collection = ogc.boundary_collection_get(collection_id)
        query = ogc.items_query_from_params(collection, request.query_params)
        page = ogc.boundary_items(query=query)
        url = request.build_absolute_uri(
            reverse("ogc:collection", kwargs={"collection_id": collection.id})
        )
        response = items_response(request, query, page, collection_url=url)
        response["Cache-Control"] = "public, max-age=300"
        return response


class BoundaryItemView(OGCView):
    permission_classes = [AllowAny]

    def get(self, request, collection_id, code):
        check_json_params(request)
        collection = ogc.boundary_collection_get(collection_id)
        feature = ogc.boundary_item(collection=collection, code=code)
        return _feature_response(feature, public=True)


# --- The OpenAPI schema (/api/schema/): these answer the standard's own documents -------------
_ITEMS_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat (CRS84)"),
    OpenApiParameter("datetime", str, description="an RFC 3339 instant or interval (.. open)"),
    OpenApiParameter("limit", int, description="features per page (default and maximum 1,000+)"),
    OpenApiParameter("offset", int, description="features skipped (prefer the next link)"),
    OpenApiParameter("cursor", str, description="the keyset cursor of a next link"),
    OpenApiParameter("f", str, description="json (GeoJSON) or jsonseq (GeoJSONSeq)"),
]
_ITEMS_TYPES = (GEOJSON, GEOJSONSEQ)
for _view, _summary, _parameters, _types in (
    (LandingView, "OGC API – Features: the landing page", [], (JSON,)),
    (ConformanceView, "OGC API – Features: conformance classes", [], (JSON,)),
    (CollectionsView, "OGC API – Features: the collections", [], (JSON,)),
    (CollectionView, "OGC API – Features: one collection", [], (JSON,)),
    (
        QueryablesView,
        "OGC API – Features: a collection's queryables (JSON Schema)",
        [],
        (SCHEMA_JSON,),
    ),
    (SchemaView, "OGC API – Features: a collection's schema (JSON Schema)", [], (SCHEMA_JSON,)),
    (
        ComplaintItemsView,
        "OGC API – Features: complaints (scoped)",
        _ITEMS_PARAMETERS,
        _ITEMS_TYPES,
    ),
    (ComplaintItemView, "OGC API – Features: one complaint", [], (GEOJSON,)),
    (
        BoundaryItemsView,
        "OGC API – Features: boundaries (public)",
        _ITEMS_PARAMETERS,
        _ITEMS_TYPES,
    ),
    (BoundaryItemView, "OGC API – Features: one boundary", [], (GEOJSON,)),
):
    extend_schema_view(
        get=extend_schema(
            summary=_summary,
            parameters=_parameters,
            responses={
                (200, media): OpenApiTypes.OBJECT if "seq" not in media else OpenApiTypes.STR
                for media in _types
            },
        )
    )(_view)
