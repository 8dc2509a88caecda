"""Duplicates and person matches (issue 8): thin adapters over ``layers.selectors.duplicates``
and ``layers.selectors.people``; which fields of a match each officer sees is
``layers.policy.shape_match``'s decision (a case outside their jurisdiction: only its tracking
number, district, province, date, category and status, with the comparison's measures).

* ``GET /api/cases/duplicates/?lat=&lon=&category=&subcategory=&description=&received_at=`` —
  candidates for a complaint being recorded, best first, at most 10 (officers with a role).
* ``GET /api/cases/<tracking_no>/duplicates/`` — a visible case's place candidates and, for
  those entitled to personal data, the other cases of its complainant and accused party.
* ``GET /api/people/matches/?citizen_id=&phone=&name=&accused_name=`` — the intake form's live
  check of a person (officers who record; throttled per officer).
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from api.fields import DecimalNumberField, StrictSerializer, TextField
from api.schema import policy_serializer
from layers import policy
from layers.errors import Forbidden
from layers.models import Complaint
from layers.selectors import cases as sel
from layers.selectors.duplicates import duplicates_for, duplicates_for_case
from layers.selectors.people import person_matches_for, person_matches_for_case
from layers.selectors.scope import complaints_visible_to, jurisdiction_for

PLACE_LIMIT = 10


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeParam(serializers.Field):
    """A date (YYYY-MM-DD, the start of that day in Bangkok) or an ISO 8601 date and time
    (without a zone: Bangkok time)."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "A date as YYYY-MM-DD or a date and time as YYYY-MM-DDTHH:MM[:SS][+07:00]."
        ),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        try:
            value = parse_datetime(text) if len(text) > 10 else None
            if value is None and len(text) == 10:
                day = parse_date(text)
                value = datetime.combine(day, time.min) if day else None
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value

    def to_representation(self, value):
        return value.isoformat()


def _require_area(request):
    if jurisdiction_for(request.user).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))


def visible_ids(officer, ids) -> set[int]:
    if not ids:
        return set()
    qs = Complaint.objects.filter(pk__in=list(ids))
    return set(complaints_visible_to(officer=officer, queryset=qs).values_list("pk", flat=True))


def place_json(viewer, candidates, visible: set[int]) -> list[dict]:
    return [
        policy.shape_match(
            viewer,
            "duplicate",
            {
                "tracking_no": c.tracking_no,
                "distance_m": c.distance_m,
                "days_apart": c.days_apart,
                "score": c.score,
                "likely": c.likely,
                "status": c.status,
                "category_code": c.category_code,
                "subcategory_code": c.subcategory_code,
                "received_at": c.received_at.isoformat(),
                "subdistrict_code": c.subdistrict_code,
                "district_code": c.district_code,
                "province_code": c.province_code,
                "lat": round(c.lat, 6),
                "lon": round(c.lon, 6),
            },
            visible=c.complaint_id in visible,
        )
        for c in candidates
    ]


def people_json(viewer, matches, visible: set[int]) -> list[dict]:
    return [
        policy.shape_match(
            viewer,
            "person_match",
            {
                "tracking_no": m.tracking_no,
                "role": m.role,
                "matched_on": m.matched_on,
                "received_at": m.received_at.isoformat(),
                "category_code": m.category_code,
                "status": m.status,
                "subdistrict_code": m.subdistrict_code,
                "district_code": m.district_code,
                "province_code": m.province_code,
            },
            visible=m.complaint_id in visible,
        )
        for m in matches
    ]


class DuplicateCheckInput(StrictSerializer):
    lat = DecimalNumberField(low=-90, high=90)
    lon = DecimalNumberField(low=-180, high=180)
    category = TextField(required=True, allow_blank=False)
    subcategory = TextField()
    description = TextField()
    received_at = DateTimeParam(required=False)


# What the schema says of the answers (layers/policy.py decides each field's class).
DuplicateDoc = policy_serializer(
    "DuplicateCandidate",
    "duplicate",
    {
        "tracking_no": serializers.CharField(),
        "distance_m": serializers.FloatField(help_text="Metres on the spheroid."),
        "days_apart": serializers.IntegerField(),
        "score": serializers.FloatField(help_text="0–1: distance, time, sub-category, text."),
        "likely": serializers.BooleanField(help_text="score ≥ DUPLICATE_LIKELY_THRESHOLD"),
        "status": serializers.CharField(),
        "category_code": serializers.CharField(),
        "subcategory_code": serializers.CharField(allow_null=True),
        "received_at": serializers.DateTimeField(),
        "subdistrict_code": serializers.CharField(),
        "district_code": serializers.CharField(),
        "province_code": serializers.CharField(),
        "lat": serializers.FloatField(),
        "lon": serializers.FloatField(),
        "visible": serializers.BooleanField(help_text="Whether the caller may open that case."),
    },
    doc="A case that may be the same matter; outside the caller's area only some fields.",
)
PersonMatchDoc = policy_serializer(
    "PersonMatch",
    "person_match",
    {
        "tracking_no": serializers.CharField(),
        "role": serializers.ChoiceField(choices=["complainant", "accused"]),
        "matched_on": serializers.ChoiceField(choices=["citizen_id", "phone", "name"]),
        "received_at": serializers.DateTimeField(),
        "category_code": serializers.CharField(),
        "status": serializers.CharField(),
        "subdistrict_code": serializers.CharField(),
        "district_code": serializers.CharField(),
        "province_code": serializers.CharField(),
        "visible": serializers.BooleanField(help_text="Whether the caller may open that case."),
    },
    doc="Another case of the same complainant or accused party.",
)
DuplicateListDoc = policy_serializer(
    "DuplicateCandidates", "page", {"results": DuplicateDoc(many=True)}
)
CaseDuplicatesDoc = policy_serializer(
    "CaseDuplicates",
    "page",
    {"results": DuplicateDoc(many=True), "people": PersonMatchDoc(many=True)},
)
PersonMatchListDoc = policy_serializer(
    "PersonMatches", "page", {"results": PersonMatchDoc(many=True)}
)


class DuplicateCheckView(APIView):
    """``GET /api/cases/duplicates/?lat=&lon=&category=&subcategory=&description=&received_at=``"""

    @extend_schema(
        summary="Possible duplicates of a complaint being recorded (best first, at most 10)",
        parameters=[DuplicateCheckInput],
        responses={200: DuplicateListDoc},
    )
    def get(self, request):
        _require_area(request)
        params = DuplicateCheckInput(data=request.query_params.dict(), context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        candidates = duplicates_for(
            location=Point(data["lon"], data["lat"], srid=4326),
            category=data["category"],
            subcategory=data.get("subcategory") or None,
            description=data.get("description", ""),
            received_at=data.get("received_at"),
            limit=PLACE_LIMIT,
        )
        viewer = policy.viewer_for(request.user)
        visible = visible_ids(request.user, [c.complaint_id for c in candidates])
        return Response(
            policy.shape(viewer, "page", {"results": place_json(viewer, candidates, visible)})
        )


class CaseDuplicatesView(APIView):
    """``GET /api/cases/<tracking_no>/duplicates/``: ``{"results": [places], "people": [...]}``
    (``people`` null for a role without personal data)."""

    @extend_schema(
        summary="A case's possible duplicates and its people's other cases",
        responses={200: CaseDuplicatesDoc},
    )
    def get(self, request, tracking_no):
        _require_area(request)
        case = sel.case_get(officer=request.user, tracking_no=tracking_no)
        StrictSerializer(data=request.query_params.dict()).is_valid(raise_exception=True)
        viewer = policy.viewer_for(request.user)
        places = duplicates_for_case(complaint=case, limit=PLACE_LIMIT)
        people = person_matches_for_case(complaint=case) if viewer.sees("page.people") else []
        visible = visible_ids(
            request.user, [c.complaint_id for c in places] + [m.complaint_id for m in people]
        )
        return Response(
            policy.shape(
                viewer,
                "page",
                {
                    "results": place_json(viewer, places, visible),
                    "people": people_json(viewer, people, visible),
                },
            )
        )


class PersonMatchThrottle(UserRateThrottle):
    """Per officer (``settings.PERSON_MATCH_RATE``): a live check as the form is typed, not a
    way to sweep the register."""

    scope = "person_match"


class PersonMatchInput(StrictSerializer):
    citizen_id = TextField()
    phone = TextField()
    name = TextField()
    accused_name = TextField()


class PersonMatchView(APIView):
    """``GET /api/people/matches/?citizen_id=&phone=&name=&accused_name=`` (officers who
    record complaints)."""

    throttle_classes = [PersonMatchThrottle]

    @extend_schema(
        summary="Other cases of a person (the intake form's live check)",
        parameters=[PersonMatchInput],
        responses={200: PersonMatchListDoc},
    )
    def get(self, request):
        policy.require_record(request.user)
        params = PersonMatchInput(data=request.query_params.dict(), context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        matches = person_matches_for(
            citizen_id=data.get("citizen_id", ""),
            phone=data.get("phone", ""),
            name=data.get("name", ""),
            accused_name=data.get("accused_name", ""),
        )
        viewer = policy.viewer_for(request.user)
        visible = visible_ids(request.user, [m.complaint_id for m in matches])
        return Response(
            policy.shape(viewer, "page", {"results": people_json(viewer, matches, visible)})
        )
