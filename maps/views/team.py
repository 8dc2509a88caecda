"""The sub-district team's phone page (issue 3, "Sub-district team, on a phone").

``/team/``: "my cases" as a list and on a map, with the distance from the phone's position.
``/team/cases/<tracking_no>/``: one case, with a progress note (photo, GPS of the visit) and the
status changes a team makes (start, close), all through the workflow services with the version
the page was rendered with.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from boundaries.models import Subdistrict
from boundaries.selectors import area_labels
from layers import policy
from layers.errors import Forbidden, InvalidInput, StaleVersion, TransitionRefused
from layers.models import CloseResult, Status
from layers.selectors.cases import case_get, case_notes, case_subdistrict_geojson
from layers.selectors.intake import SUBDISTRICT_TOLERANCE, base_map_geojson
from layers.selectors.team import SORTS, officer_teams, team_case_list
from layers.services.complaints import parse_point
from layers.services.workflow import actions_available, complaint_act
from maps.views.cases import history_rows

# The status changes and notes a team makes from the phone; the rest (assign, forward, return,
# reopen) belong to the district's case page.
TEAM_PAGE_ACTIONS = ("note", "start", "close")


def _require_team_member(request):
    teams = officer_teams(officer=request.user)
    if not teams:
        raise Forbidden(_("This page is for members of a sub-district team."))
    return teams


@login_required
def team_home(request):
    """My cases. A GET lists them oldest first (a position in the address is never read: it
    would stay in access logs); the page's script asks the API by POST once the phone knows
    where it is. Without the script, the sort buttons POST the same form, with the position if
    one was filled in."""
    teams = _require_team_member(request)
    params = request.POST if request.method == "POST" else request.GET
    sort = params.get("sort", "oldest")
    if sort not in SORTS:
        sort = "oldest"
    near = None
    status = 200
    if request.method == "POST" and (params.get("lat") or params.get("lon")):
        try:
            near = parse_point(lat=params.get("lat"), lon=params.get("lon"))
        except InvalidInput:
            messages.warning(request, _("The position sent was not understood."))
            status = 400
    cases = team_case_list(officer=request.user, near=near, sort=sort)
    areas = base_map_geojson(
        Subdistrict.objects.filter(code__in=[t.subdistrict_id for t in teams]),
        tolerance=SUBDISTRICT_TOLERANCE,
        level="subdistrict",
    )
    context = {
        "teams": teams,
        "cases": cases,
        "sort": cases["sort"],
        "sort_explicit": "sort" in params,
        "position": {"lat": near.y, "lon": near.x} if near else None,
        "team_areas": areas,
        "team_labels": area_labels(
            Subdistrict.objects.filter(code__in=[t.subdistrict_id for t in teams]),
            level="subdistrict",
        ),
        "team_legend": team_map_legend(),
    }
    return render(request, "maps/team/home.html", context, status=status)


# The team map's marker colours (maps/static/maps/team.js draws them).
TEAM_MAP_COLORS = {
    Status.RECEIVED: "#1d63c7",
    Status.ASSIGNED: "#6a3fb5",
    Status.IN_PROGRESS: "#c77700",
    Status.FORWARDED: "#00838f",
}


def team_map_legend() -> list[dict]:
    """The team map's legend: a colour per open status, overdue, the phone's position."""
    items = [
        {"label": str(status.label), "color": color, "shape": "dot", "border": "#ffffff"}
        for status, color in TEAM_MAP_COLORS.items()
    ]
    items.append({"label": _("Overdue"), "color": "#b3261e", "shape": "dot", "border": "#ffffff"})
    items.append({"label": _("You are here"), "color": "#1a73e8", "shape": "dot"})
    items.append(
        {
            "label": _("My sub-districts"),
            "shape": "area",
            "color": "rgba(199,154,46,.2)",
            "border": "#1d3f72",
        }
    )
    return items


def _case_context(request, complaint, *, errors=None, data=None):
    viewer = policy.viewer_for(request.user)
    notes = list(case_notes(complaint))
    available = actions_available(complaint=complaint, officer=request.user)
    visits = [
        {"lat": n.visit_location.y, "lon": n.visit_location.x, "at": n.created_at.isoformat()}
        for n in notes
        if n.visit_location is not None and viewer.sees("note.visit_lat")
    ]
    return {
        # The policy's views, as on the district's case page (layers/policy.py).
        "case": policy.case_view(viewer, complaint),
        "may": {
            "personal": viewer.sees("case.personal"),
            "attachments": viewer.sees("case.attachments"),
        },
        "notes": [policy.note_view(viewer, n) for n in notes],
        "history": history_rows(viewer, complaint),
        "actions": [a for a in TEAM_PAGE_ACTIONS if a in available],
        "close_results": CloseResult.choices,
        "errors": errors or {},
        "data": data or {},
        "case_map": {
            "point": {"lat": complaint.location.y, "lon": complaint.location.x},
            "subdistrict": case_subdistrict_geojson(complaint),
            "visits": visits,
        },
    }


@login_required
def team_case(request, tracking_no: str):
    _require_team_member(request)
    complaint = case_get(officer=request.user, tracking_no=tracking_no)

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in TEAM_PAGE_ACTIONS:
            messages.error(request, _("Unknown action."))
            return render(
                request, "maps/team/case.html", _case_context(request, complaint), status=400
            )
        try:
            result = complaint_act(
                complaint=complaint,
                actor=request.user,
                action=action,
                expected_version=request.POST.get("version"),
                data=request.POST,
                files=request.FILES.getlist("files"),
            )
        except (StaleVersion, TransitionRefused) as exc:
            # Show the case as it is now, so the officer can redo the change knowingly.
            messages.error(request, exc.message)
            fresh = case_get(officer=request.user, tracking_no=tracking_no)
            context = _case_context(request, fresh, data=request.POST)
            return render(request, "maps/team/case.html", context, status=exc.status)
        except InvalidInput as exc:
            messages.error(request, _("Nothing was saved: please correct the marked fields."))
            context = _case_context(request, complaint, errors=exc.fields, data=request.POST)
            context["open_form"] = action
            return render(request, "maps/team/case.html", context, status=exc.status)
        # Anything else (a role that may not, a case gone) is the error page's.
        done = {
            "note": _("Progress note saved."),
            "start": _("Work on the case has started."),
            "close": _("The case is closed."),
        }[action]
        messages.success(request, done)
        return redirect("team_case", tracking_no=result.tracking_no)

    return render(request, "maps/team/case.html", _case_context(request, complaint))
