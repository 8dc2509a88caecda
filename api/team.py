"""JSON for the sub-district team's phone page: "my cases" with distances, and the map points.

Thin views over ``layers.selectors.team``; the scope is the selector's, never the request's,
and the fields are the policy's (``teamcase.*``, ``teammap.*``).
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import DecimalNumberField, ExactChoiceField, StrictSerializer
from api.schema import policy_serializer
from layers import policy
from layers.errors import Forbidden, InvalidInput
from layers.selectors.team import SORTS, officer_team_ids, team_case_list, team_case_map


def _require_team_member(request):
    if not officer_team_ids(request.user):
        raise Forbidden(_("This page is for members of a sub-district team."))


def _case_json(viewer, row: dict) -> dict:
    return policy.shape(
        viewer,
        "teamcase",
        {
            "tracking_no": row["tracking_no"],
            "status": row["status"],
            "status_label": row["status_label"],
            "title": row["title"],
            "category": row["category_name"],
            "subcategory": row["subcategory_name"],
            "subcategory_text": row["subcategory_text"] or None,
            "subdistrict": row["subdistrict_name"],
            "received_at": row["received_at"].isoformat(),
            "due_at": row["due_at"].isoformat() if row["due_at"] else None,
            "overdue": row["overdue"],
            "lat": round(row["lat"], 6),
            "lon": round(row["lon"], 6),
            "distance_m": round(row["distance_m"]) if row["distance_m"] is not None else None,
            # Display strings in the page's language (B.E. dates on Thai pages).
            "received_label": row["received_label"],
            "due_label": row["due_label"],
            "distance_label": row["distance_label"],
        },
    )


class TeamListQuery(StrictSerializer):
    sort = ExactChoiceField(choices=SORTS, required=False, default="oldest")


class TeamPositionInput(StrictSerializer):
    extra_allowed = ("csrfmiddlewaretoken",)

    lat = DecimalNumberField(low=-90, high=90, required=False)
    lon = DecimalNumberField(low=-180, high=180, required=False)
    sort = ExactChoiceField(choices=SORTS, required=False, default="oldest")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("lat" in attrs) != ("lon" in attrs):
            missing = "lon" if "lat" in attrs else "lat"
            raise InvalidInput({missing: _("This coordinate is required.")})
        return attrs


S = serializers
TeamCaseDoc = policy_serializer(
    "TeamCase",
    "teamcase",
    {
        "tracking_no": S.CharField(),
        "status": S.CharField(),
        "status_label": S.CharField(),
        "title": S.CharField(),
        "category": S.CharField(),
        "subcategory": S.CharField(allow_null=True),
        "subcategory_text": S.CharField(),
        "subdistrict": S.CharField(),
        "received_at": S.DateTimeField(),
        "due_at": S.DateTimeField(),
        "overdue": S.BooleanField(),
        "lat": S.FloatField(),
        "lon": S.FloatField(),
        "distance_m": S.IntegerField(help_text="From the position sent (POST), metres."),
        "received_label": S.CharField(),
        "due_label": S.CharField(),
        "distance_label": S.CharField(),
    },
)
TeamPageDoc = policy_serializer(
    "TeamCases",
    "page",
    {
        "sort": S.ChoiceField(choices=list(SORTS)),
        "position": policy_serializer(
            "TeamPosition", "position", {"lat": S.FloatField(), "lon": S.FloatField()}
        )(allow_null=True),
        "open_total": S.IntegerField(),
        "open": TeamCaseDoc(many=True),
        "closed": TeamCaseDoc(many=True),
    },
)
TeamMapDoc = policy_serializer(
    "TeamMap",
    "teammap",
    {},
    doc="The team's open cases as a GeoJSON FeatureCollection.",
    structure={
        "type": S.ChoiceField(choices=["FeatureCollection"]),
        "features": policy_serializer(
            "TeamMapFeature",
            "teammap",
            {},
            structure={
                "type": S.ChoiceField(choices=["Feature"]),
                "id": S.CharField(),
                "geometry": type(
                    "TeamMapPoint",
                    (S.Serializer,),
                    {
                        "type": S.ChoiceField(choices=["Point"]),
                        "coordinates": S.ListField(child=S.FloatField()),
                    },
                )(),
                "properties": policy_serializer(
                    "TeamMapProperties",
                    "teammap",
                    {
                        "tracking_no": S.CharField(),
                        "status": S.CharField(),
                        "label": S.CharField(),
                        "overdue": S.BooleanField(),
                    },
                )(),
            },
        )(many=True),
    },
)


class TeamCasesView(APIView):
    """``GET /api/team/cases?sort=nearest|oldest`` — open cases first, then recently closed.

    ``POST /api/team/cases`` with ``{"lat": .., "lon": .., "sort": ..}`` (JSON or a form) — the
    same, each case with ``distance_m`` from that position (PostGIS geography, metres). The
    team member's position goes in a body, never in the address: addresses end up in access
    logs. A GET that names a position is refused (400) rather than read.
    """

    @extend_schema(
        summary="The team's cases (members of a sub-district team)",
        parameters=[TeamListQuery],
        responses={200: TeamPageDoc},
    )
    def get(self, request):
        _require_team_member(request)
        if any(name in request.query_params for name in ("lat", "lon")):
            raise InvalidInput(
                {"lat": _("Send the position in the body of a POST request, not in the address.")}
            )
        query = TeamListQuery(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        return self._answer(request, sort=query.validated_data["sort"], near=None)

    @extend_schema(
        summary="The team's cases, with distances from a position",
        request=TeamPositionInput,
        responses={200: TeamPageDoc},
    )
    def post(self, request):
        _require_team_member(request)
        body = TeamPositionInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        near = None
        if "lat" in data:
            near = Point(data["lon"], data["lat"], srid=4326)
        return self._answer(request, sort=data["sort"], near=near)

    def _answer(self, request, *, sort, near):
        viewer = policy.viewer_for(request.user)
        cases = team_case_list(officer=request.user, near=near, sort=sort)
        return Response(
            policy.shape(
                viewer,
                "page",
                {
                    "sort": cases["sort"],
                    "position": (
                        policy.shape(viewer, "position", {"lat": near.y, "lon": near.x})
                        if near
                        else None
                    ),
                    "open_total": cases["open_total"],
                    "open": [_case_json(viewer, r) for r in cases["open"]],
                    "closed": [_case_json(viewer, r) for r in cases["closed"]],
                },
            )
        )


class TeamCasesMapView(APIView):
    """``GET /api/team/cases.geojson`` — the team's open cases as a FeatureCollection."""

    @extend_schema(summary="The team's open cases on a map", responses={200: TeamMapDoc})
    def get(self, request):
        _require_team_member(request)
        viewer = policy.viewer_for(request.user)
        collection = team_case_map(officer=request.user)
        for feature in collection["features"]:
            feature["properties"] = policy.shape(viewer, "teammap", feature["properties"])
        return Response(collection)
