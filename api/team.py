"""JSON for the sub-district team's phone page: "my cases" with distances, and the map points.

Thin views over ``layers.selectors.team``; the scope is the selector's, never the request's.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.selectors.team import (
    SORTS,
    officer_team_ids,
    team_case_list,
    team_case_map,
)
from layers.services.complaints import parse_point


def _require_team_member(request):
    if not officer_team_ids(request.user):
        raise PermissionDenied(_("This page is for members of a sub-district team."))


def _case_json(row: dict) -> dict:
    return {
        "tracking_no": row["tracking_no"],
        "status": row["status"],
        "status_label": row["status_label"],
        "title": row["title"],
        "category": row["category_name"],
        "subcategory": row["subcategory_name"] or row["subcategory_text"],
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
    }


class TeamCasesView(APIView):
    """``GET /api/team/cases?sort=nearest|oldest`` — open cases first, then recently closed.

    ``POST /api/team/cases`` with ``{"lat": .., "lon": .., "sort": ..}`` (JSON or a form) — the
    same, each case with ``distance_m`` from that position (PostGIS geography, metres). The
    team member's position goes in a body, never in the address: addresses end up in access
    logs. A GET that names a position is refused (400) rather than read.
    """

    def get(self, request):
        _require_team_member(request)
        if any(name in request.query_params for name in ("lat", "lon")):
            raise ValidationError(
                {"lat": _("Send the position in the body of a POST request, not in the address.")}
            )
        return self._answer(request, sort=request.query_params.get("sort", "oldest"), near=None)

    def post(self, request):
        _require_team_member(request)
        data = request.data
        if not hasattr(data, "get"):
            raise ValidationError(_("Send a JSON object with lat, lon and sort."))
        lat, lon = data.get("lat"), data.get("lon")
        near = None
        if lat not in (None, "") or lon not in (None, ""):
            near = parse_point(lat=lat, lon=lon)  # ValidationError → 400 naming the field
        return self._answer(request, sort=data.get("sort") or "oldest", near=near)

    def _answer(self, request, *, sort, near):
        if sort not in SORTS:
            raise ValidationError(
                {"sort": _("Sort by one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)}}
            )
        cases = team_case_list(officer=request.user, near=near, sort=sort)
        return Response(
            {
                "sort": cases["sort"],
                "position": {"lat": near.y, "lon": near.x} if near else None,
                "open_total": cases["open_total"],
                "open": [_case_json(r) for r in cases["open"]],
                "closed": [_case_json(r) for r in cases["closed"]],
            }
        )


class TeamCasesMapView(APIView):
    """``GET /api/team/cases.geojson`` — the team's open cases as a FeatureCollection."""

    def get(self, request):
        _require_team_member(request)
        return Response(team_case_map(officer=request.user))
