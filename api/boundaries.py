"""Boundaries in the API: point → area for officers' forms and tools (``area_for_point``),
name → area (``area_search``), and each level's polygons as public GeoJSON pages
(``boundary_areas``). Thin views."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api.fields import (
    DecimalNumberField,
    ExactChoiceField,
    StrictSerializer,
    TextField,
    WholeNumberField,
)
from api.pagination import StrictPagination
from api.schema import filter_parameters, paging_parameters, policy_serializer
from boundaries.models import GeomQuality
from boundaries.selectors import (
    BOUNDARY_LEVELS,
    BOUNDARY_PARENTS,
    LEVELS,
    area_for_point,
    area_search,
    boundary_areas,
    tolerance_for_zoom,
)
from layers import policy
from layers.errors import InvalidInput, NotFound
from layers.lockout import client_address
from layers.selectors.filters import PAGING_PARAMS, case_filter_from_params


def public_or_officer(user) -> policy.Viewer:
    """An officer's own viewer, or the public's (a visitor, an account without a role)."""
    viewer = policy.viewer_for(user)
    return viewer if viewer.classes else policy.PUBLIC_VIEWER


class PublicGeographyThrottle(SimpleRateThrottle):
    """Point look-ups and area searches by visitors: ``PUBLIC_LOOKUP_PER_MINUTE`` per client
    address (Django's cache); officers with a role are not counted here (the area search
    has its own per-officer throttle). Over it, a 429 with ``wait_seconds``."""

    scope = "public_geography"

    def get_rate(self):
        return f"{settings.PUBLIC_LOOKUP_PER_MINUTE}/min"

    def get_cache_key(self, request, view):
        if policy.viewer_for(request.user).classes:
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{type(view).__name__}:{client_address(request._request)}",
        }


class LookupInput(StrictSerializer):
    lat = DecimalNumberField(low=-90, high=90)
    lon = DecimalNumberField(low=-180, high=180)


_AREA_NAMES = [
    f"{level}_{part}"
    for level in ("subdistrict", "district", "province")
    for part in ("code", "name_th", "name_en")
]
AreaDoc = policy_serializer(
    "AreaLookup",
    "area",
    {
        "inside": serializers.BooleanField(help_text="False at sea or abroad (codes null)."),
        "lat": serializers.FloatField(),
        "lon": serializers.FloatField(),
        **{name: serializers.CharField(allow_null=True) for name in _AREA_NAMES},
        "geom_quality": serializers.ChoiceField(choices=GeomQuality.choices, allow_null=True),
        "message": serializers.CharField(required=False, help_text="When outside Thailand."),
    },
)


class BoundaryLookupView(APIView):
    """``GET /api/boundaries/lookup?lat=…&lon=…`` — the sub-district, district and province
    (codes, Thai and English names, geometry quality) whose polygons hold the point.

    Missing, non-numeric or out-of-range coordinates → 400 naming the parameter. A point
    outside Thailand → 200 with ``inside: false`` and a message: it is an answer, not an error.

    Boundaries are public geography: anyone may look a point up (the public filing page
    does, issue 11), officers and the public alike. Throttled per officer, and per client
    address for everyone else (``PublicGeographyThrottle``).
    """

    permission_classes = [AllowAny]
    throttle_classes = [PublicGeographyThrottle]

    @extend_schema(
        summary="The sub-district, district and province holding a point",
        parameters=[LookupInput],
        responses={200: AreaDoc},
    )
    def get(self, request):
        params = LookupInput(data=request.query_params.dict(), context={"request": request})
        params.is_valid(raise_exception=True)
        match = area_for_point(
            point=Point(params.validated_data["lon"], params.validated_data["lat"], srid=4326)
        )
        body = match.as_dict()
        if not match.inside:
            body["message"] = _(
                "This point is outside Thailand's sub-district boundaries (at sea or abroad)."
            )
        return Response(policy.shape(public_or_officer(request.user), "area", body))


# --- Boundaries per level: public GeoJSON (django-rest-framework-gis) -------------------------

# The largest simplification tolerance (degrees, about 11 km) and zoom taken.
MAX_TOLERANCE = 0.1
MAX_ZOOM = 22
LEVEL_PATTERN = "|".join(BOUNDARY_LEVELS)


class GeoJSONTextField(GeometryField):
    """A geometry PostGIS already wrote as GeoJSON (``ST_AsGeoJSON``, 6 decimals): parsed,
    not rebuilt from a GEOS object and rounded in Python."""

    def to_representation(self, value):
        return json.loads(value) if value else None


class BoundaryFeatureSerializer(GeoFeatureModelSerializer):
    """An area as a GeoJSON Feature: ``id`` its DOPA code, its polygon (simplified as asked),
    its codes and names as ``properties`` (``boundary.*``: public data)."""

    geometry = GeoJSONTextField(source="geometry_json")

    def get_properties(self, instance, fields):
        data = {
            "code": instance.code,
            "name_th": instance.name_th,
            "name_en": instance.name_en,
        }
        if hasattr(instance, "province_id"):
            data["province"] = instance.province_id
        if hasattr(instance, "district_id"):
            data["district"] = instance.district_id
        data.update(
            {
                "population": instance.population,
                "population_year": instance.population_year,
                "area_km2": instance.area_km2,
                "geom_quality": instance.geom_quality,
            }
        )
        return policy.shape(policy.PUBLIC_VIEWER, "boundary", data)


def _feature_serializer(model):
    meta = type(
        "Meta",
        (),
        {"model": model, "geo_field": "geometry", "id_field": "code", "fields": ("code",)},
    )
    return type(f"{model.__name__}FeatureSerializer", (BoundaryFeatureSerializer,), {"Meta": meta})


FEATURE_SERIALIZERS = {level: _feature_serializer(m) for level, m in BOUNDARY_LEVELS.items()}


class BoundaryPagination(StrictPagination, GeoJsonPagination):
    page_size = 100
    max_page_size = 1000

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        paging = {k: response.data[k] for k in ("count", "next", "previous")}
        response.data.update(policy.shape(policy.PUBLIC_VIEWER, "boundaries", paging))
        return response


def _zoom_text() -> str:
    return _("zoom is a whole number from 0 to %(max)d.") % {"max": MAX_ZOOM}


# Translated when shown, not when the module is imported.
_zoom_message = lazy(_zoom_text, str)


class BoundaryLevelQuery(StrictSerializer):
    """The simplification; the area codes, bbox and paging are read by the case-filter parser
    and the paginator (``extra_allowed``)."""

    extra_allowed = ("province", "district", "bbox", "page", "page_size")

    tolerance = DecimalNumberField(
        low=0,
        high=MAX_TOLERANCE,
        required=False,
        help_text="Simplify the polygons by this many degrees (0: as stored).",
    )
    zoom = WholeNumberField(
        min_value=0,
        required=False,
        message=_zoom_message(),
        help_text=f"Or simplify for a web-map zoom, 0 to {MAX_ZOOM} (half a pixel).",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "tolerance" in attrs and "zoom" in attrs:
            raise InvalidInput({"zoom": _("Give tolerance or zoom, not both.")})
        if attrs.get("zoom", 0) > MAX_ZOOM:
            raise InvalidInput({"zoom": _zoom_text()})
        return attrs


BoundaryPropertiesDoc = policy_serializer(
    "BoundaryProperties",
    "boundary",
    {
        "code": serializers.CharField(),
        "name_th": serializers.CharField(),
        "name_en": serializers.CharField(),
        "province": serializers.CharField(required=False, help_text="districts, subdistricts"),
        "district": serializers.CharField(required=False, help_text="subdistricts"),
        "population": serializers.IntegerField(allow_null=True),
        "population_year": serializers.IntegerField(allow_null=True),
        "area_km2": serializers.FloatField(allow_null=True),
        "geom_quality": serializers.ChoiceField(choices=GeomQuality.choices),
    },
)
BoundaryFeatureDoc = policy_serializer(
    "BoundaryFeature",
    "boundary",
    {},
    doc="An area as a GeoJSON Feature (RFC 7946).",
    structure={
        "type": serializers.ChoiceField(choices=["Feature"]),
        "id": serializers.CharField(help_text="The DOPA code."),
        "geometry": type(
            "BoundaryGeometry",
            (serializers.Serializer,),
            {
                "type": serializers.ChoiceField(choices=["Polygon", "MultiPolygon"]),
                "coordinates": serializers.ListField(child=serializers.JSONField()),
            },
        )(),
        "properties": BoundaryPropertiesDoc(),
    },
)
BoundaryPageDoc = policy_serializer(
    "BoundaryPage",
    "boundaries",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
    },
    doc="A page of areas as a GeoJSON FeatureCollection.",
    structure={
        "type": serializers.ChoiceField(choices=["FeatureCollection"]),
        "features": BoundaryFeatureDoc(many=True),
    },
)


class BoundaryLevelView(APIView):
    """``GET /api/boundaries/<level>/`` — ``provinces``, ``districts`` or ``subdistricts`` as
    GeoJSON FeatureCollection pages (100 a page, ``page_size`` up to 1,000), by code.

    Administrative boundaries are public data (like the boundary files and the boundary
    tiles): no login needed. ``province`` (districts, sub-districts) and ``district``
    (sub-districts) narrow to one area's; ``bbox`` to the areas touching a box. The polygons
    are simplified in PostGIS by ``tolerance`` degrees (0 to 0.1) or for a web-map ``zoom``
    (0 to 22: half a pixel at that zoom), else served as stored (already generalised to about
    55 m). Simplification is per polygon: above about 0.001° neighbours' shared edges drift
    apart.
    """

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Administrative boundaries of a level, as GeoJSON pages (public)",
        parameters=[
            OpenApiParameter("level", str, OpenApiParameter.PATH, enum=list(BOUNDARY_LEVELS)),
            *filter_parameters(("province", "district", "bbox")),
            BoundaryLevelQuery,
            *paging_parameters(BoundaryPagination),
        ],
        responses={(200, "application/geo+json"): BoundaryPageDoc},
    )
    def get(self, request, level):
        if level not in BOUNDARY_LEVELS:
            raise NotFound(
                _("No such level: use %(levels)s.") % {"levels": ", ".join(BOUNDARY_LEVELS)}
            )
        parents = BOUNDARY_PARENTS[level]
        filters = case_filter_from_params(
            request.query_params,
            allowed=(*parents, "bbox"),
            also=("tolerance", "zoom", *PAGING_PARAMS),
        )
        query = BoundaryLevelQuery(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        if "zoom" in query.validated_data:
            tolerance = min(MAX_TOLERANCE, tolerance_for_zoom(query.validated_data["zoom"]))
        else:
            tolerance = query.validated_data.get("tolerance", 0.0)
        areas = boundary_areas(
            level=level,
            province=filters.province,
            district=filters.district,
            bbox=filters.bbox,
            tolerance=tolerance,
        )
        paginator = BoundaryPagination()
        page = paginator.paginate_queryset(areas, request, view=self)
        data = FEATURE_SERIALIZERS[level](page, many=True).data
        response = paginator.get_paginated_response(data)
        response.content_type = "application/geo+json"
        # Public and slow to change: shared caches may keep it for an hour.
        response["Cache-Control"] = "public, max-age=3600"
        return response


class AreaSearchThrottle(SimpleRateThrottle):
    """``BOUNDARY_SEARCH_PER_MINUTE`` searches per officer per minute (the box asks as the
    officer types, after a pause: a person stays far below it; a script walking the name
    list does not). Counted in Django's cache; over it, a 429 with ``wait_seconds``."""

    scope = "area_search"

    def get_rate(self):
        return f"{settings.BOUNDARY_SEARCH_PER_MINUTE}/min"

    def get_cache_key(self, request, view):
        if not policy.viewer_for(request.user).classes:
            return None  # visitors: PublicGeographyThrottle, by address
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class SearchInput(StrictSerializer):
    q = TextField(required=True, allow_blank=False)
    limit = WholeNumberField(required=False, min_value=1)
    level = ExactChoiceField(choices=list(LEVELS), required=False)

    def validate_q(self, value):
        text = " ".join(value.split())
        if "\x00" in value or len(text) < SEARCH_MIN_LENGTH or len(text) > SEARCH_MAX_LENGTH:
            raise serializers.ValidationError(
                _("Type %(low)s to %(high)s characters of the name.")
                % {"low": SEARCH_MIN_LENGTH, "high": SEARCH_MAX_LENGTH}
            )
        return text

    def validate_limit(self, value):
        if value > SEARCH_MAX_RESULTS:
            raise serializers.ValidationError(
                _("limit is at most %(max)s.") % {"max": SEARCH_MAX_RESULTS}
            )
        return value


SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_RESULTS = 20


class BoundarySearchView(APIView):
    """``GET /api/boundaries/search?q=มุกดาหาร[&limit=10][&level=district]`` — provinces,
    districts and sub-districts whose Thai or English name is like ``q`` (tolerant of
    spelling), best first, each with the names of the areas that hold it, its bounding box
    and a point inside it, for a map to zoom to.

    Public geography, open to anyone like the point look-up (the public filing page searches
    with it); throttled per officer (``AreaSearchThrottle``) and per client address for
    visitors (``PublicGeographyThrottle``). Unknown
    parameters, a ``q`` of fewer than 2 or more than 100 characters, a ``limit`` over 20 →
    400 naming the parameter.
    """

    permission_classes = [AllowAny]
    throttle_classes = [AreaSearchThrottle, PublicGeographyThrottle]

    @extend_schema(
        summary="Areas by Thai or English name (tolerant of spelling)",
        parameters=[SearchInput],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        params = SearchInput(data=request.query_params.dict(), context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        level = data.get("level")
        hits = area_search(
            query=data["q"],
            limit=data.get("limit", 10),
            levels=(level,) if level else LEVELS,
        )
        viewer = public_or_officer(request.user)
        body = policy.shape(
            viewer,
            "areasearch",
            {
                "query": data["q"],
                "results": [policy.shape(viewer, "areahit", hit.as_dict()) for hit in hits],
            },
        )
        response = Response(body)
        response["Cache-Control"] = "private, max-age=300"
        return response
