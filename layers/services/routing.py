"""Routing a new case to the sub-district team whose polygon holds its incident point.

The sub-district is already on the case: intake sets it from the point with ``area_for_point``
(``covers`` on the subdivided table; a point on a shared border goes to the lowest code, the
same every time). Routing picks that sub-district's active team; a sub-district without one
leaves the case in the queue of the district centre that holds the point, whose officers are
told. Manual reassignment is ``layers.services.workflow.complaint_assign``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from boundaries.selectors import area_names
from layers.models import Complaint, HistoryKind, Status, Team
from layers.selectors.scope import jurisdiction_for
from layers.services.notifications import notify_district_queue, notify_team_assigned
from layers.services.workflow import complaint_change_write


@dataclass(frozen=True)
class RoutingResult:
    """Where a new case went, for the intake form to tell the officer.

    ``outside_actor_district`` is True when the point lies outside every district the officer
    works in: the case was accepted and sent to the district that holds the point.
    """

    tracking_no: str
    team_id: int | None
    team_name: str
    subdistrict_code: str
    subdistrict_name: str
    district_code: str
    district_name: str
    province_code: str
    province_name: str
    outside_actor_district: bool

    @property
    def to_district_queue(self) -> bool:
        return self.team_id is None


def routing_explain(*, complaint: Complaint, officer=None) -> RoutingResult:
    """Describe where ``complaint`` sits now, relative to ``officer`` (who filed it)."""
    j = jurisdiction_for(officer)
    own_districts = set(j.districts)
    outside = bool(officer is not None and own_districts) and (
        complaint.district_id not in own_districts
    )
    team = complaint.assigned_team
    names = area_names(subdistrict_code=complaint.subdistrict_id)
    return RoutingResult(
        tracking_no=complaint.tracking_no,
        team_id=team.pk if team else None,
        team_name=team.name if team else "",
        subdistrict_code=complaint.subdistrict_id,
        subdistrict_name=names.subdistrict,
        district_code=complaint.district_id,
        district_name=names.district,
        province_code=complaint.province_id,
        province_name=names.province,
        outside_actor_district=outside,
    )


def team_for_subdistrict(subdistrict_code: str) -> Team | None:
    return Team.objects.filter(subdistrict_id=subdistrict_code, is_active=True).first()


@transaction.atomic
def complaint_route_on_intake(*, complaint: Complaint, actor=None) -> RoutingResult:
    """Assign the new case to its sub-district's active team and tell the team; without a team
    it stays "received" in the district centre's queue and the district's officers are told.

    The result is also left on ``complaint.routing`` for callers that only get the complaint
    back from ``complaint_create``.
    """

    team = team_for_subdistrict(complaint.subdistrict_id)
    if team is None:
        notify_district_queue(complaint=complaint, actor=actor)
    else:
        complaint_change_write(
            current=complaint,
            version=complaint.version,
            actor=actor,
            kind=HistoryKind.ASSIGNED,
            to_status=Status.ASSIGNED,
            to_value=team.name,
            assigned_team=team,
        )
        notify_team_assigned(complaint=complaint, team=team, actor=actor)
    result = routing_explain(complaint=complaint, officer=actor)
    complaint.routing = result
    return result


def intake_outcome(*, complaint: Complaint, officer) -> dict:
    """What the officer is told after saving: where the case went, and whether it left their
    area (a pin outside their district is accepted and goes to the district holding it).

    "Outside" is asked of the scope (``covers_area``), so that a province officer pinning in
    another province is told too, not only a district officer outside their district.
    """
    routed = routing_explain(complaint=complaint, officer=officer)
    inside = not routed.outside_actor_district and jurisdiction_for(officer).covers_area(
        province=complaint.province_id,
        district=complaint.district_id,
        subdistrict=complaint.subdistrict_id,
    )
    names = {
        "tracking_no": routed.tracking_no,
        "subdistrict": routed.subdistrict_name,
        "district": routed.district_name,
        "province": routed.province_name,
        "team": routed.team_name,
    }
    if not inside:
        text = (
            _(
                "Saved as %(tracking_no)s. The incident lies outside your area, so the case "
                "was sent to the %(district)s district centre (%(province)s province)."
            )
            % names
        )
    elif not routed.to_district_queue:
        text = _("Saved as %(tracking_no)s and assigned to %(team)s.") % names
    else:
        text = (
            _(
                "Saved as %(tracking_no)s. Sub-district %(subdistrict)s has no team, so the "
                "case waits in the %(district)s district centre's queue."
            )
            % names
        )
    return {"inside_area": inside, "text": text, **names}
