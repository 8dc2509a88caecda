"""Point → area for officers' forms and tools: a thin view over ``area_for_point``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from boundaries.selectors import area_for_point
from layers.selectors.scope import jurisdiction_for
from layers.services.complaints import parse_point


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
            raise PermissionDenied(_("Your account has no role: ask your administrator."))
        point = parse_point(
            lat=request.query_params.get("lat"), lon=request.query_params.get("lon")
        )  # ValidationError → 400 {"lat": "..."} through api.errors
        match = area_for_point(point=point)
        body = match.as_dict()
        if not match.inside:
            body["message"] = _(
                "This point is outside Thailand's sub-district boundaries (at sea or abroad)."
            )
        return Response(body)
