"""Point → area for officers' forms and tools: a thin view over ``area_for_point``."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import DecimalNumberField, StrictSerializer
from boundaries.selectors import area_for_point
from layers import policy
from layers.errors import Forbidden
from layers.selectors.scope import jurisdiction_for


class BoundaryLookupView(APIView):
    """``GET /api/boundaries/lookup?lat=…&lon=…`` — the sub-district, district and province
    (codes, Thai and English names, geometry quality) whose polygons hold the point.

    Missing, non-numeric or out-of-range coordinates → 400 naming the parameter. A point
    outside Thailand → 200 with ``inside: false`` and a message: it is an answer, not an error.

    Boundaries are public geography and intake may pin a case anywhere in the country (it is
    routed to the district that holds the point), so any officer with a role may look up any
    point; an account without a role has no business here.
    """

    def get(self, request):
        if jurisdiction_for(request.user).is_empty:
            raise Forbidden(_("Your account has no role: ask your administrator."))
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
        return Response(policy.shape(policy.viewer_for(request.user), "area", body))


class LookupInput(StrictSerializer):
    lat = DecimalNumberField(low=-90, high=90)
    lon = DecimalNumberField(low=-180, high=180)
