"""Routing a new case to the sub-district team whose polygon holds its incident point."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from layers.models import Complaint, ComplaintHistory, HistoryKind, Status, Team


@transaction.atomic
def complaint_route_on_intake(*, complaint: Complaint, actor=None) -> Team | None:
    """Assign the case to its sub-district's active team; without one it stays in the queue of
    the district centre that holds the point (status "received", no team)."""
    team = Team.objects.filter(subdistrict_id=complaint.subdistrict_id, is_active=True).first()
    if team is None:
        return None
    now = timezone.now()
    Complaint.objects.filter(pk=complaint.pk).update(
        assigned_team=team, status=Status.ASSIGNED, status_changed_at=now
    )
    ComplaintHistory.objects.create(
        complaint=complaint,
        kind=HistoryKind.ASSIGNED,
        from_status=complaint.status,
        to_status=Status.ASSIGNED,
        to_value=team.name,
        actor=actor,
        at=now,
    )
    complaint.assigned_team = team
    complaint.status = Status.ASSIGNED
    complaint.status_changed_at = now
    return team
