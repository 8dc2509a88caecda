"""Reading cases: one case, lists (my queue, inbox, backlog, overdue), summaries, notifications.

Every list starts from ``complaints_visible_to`` (the jurisdiction scope); filters from a
request only narrow it. Lists are oldest first: the longest-waiting case is the one to chase.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.models import Subdistrict
from boundaries.selectors import area_geometry_json, without_geoms
from layers import metrics
from layers.errors import CaseNotFound
from layers.models import (
    OPEN_STATUSES,
    Complaint,
    ForwardTarget,
    Notification,
    Role,
    Status,
    Team,
)
from layers.policy import may_read_attachments
from layers.rules import overdue_q
from layers.selectors.filters import CaseFilter, case_filter_apply
from layers.selectors.scope import complaints_visible_to, jurisdiction_for

OLDEST_FIRST = ("received_at", "id")


# Overdue lists: the most overdue first, then the oldest.
MOST_OVERDUE_FIRST = ("due_at", "received_at", "id")


def _base(officer) -> QuerySet:
    qs = complaints_visible_to(officer=officer).select_related(
        "category", "subcategory", "assigned_team"
    )
    return without_geoms(qs, "subdistrict", "district", "province")


def case_get(*, officer, tracking_no: str) -> Complaint:
    """The case, if the officer may see it; ``CaseNotFound`` otherwise (no hint it exists)."""
    case = _base(officer).filter(tracking_no=str(tracking_no)[:16]).first()
    if case is None:
        raise CaseNotFound()
    return case


def case_list(*, officer, filters: CaseFilter | None = None, now: datetime | None = None):
    """All visible cases, narrowed by the filters, newest received first."""
    qs = case_filter_apply(_base(officer), filters or CaseFilter(), now=now)
    return qs.order_by("-received_at", "-id")


def case_backlog(*, officer, filters: CaseFilter | None = None) -> QuerySet:
    """Open cases (เรื่องคงค้าง), oldest received first."""
    qs = case_filter_apply(_base(officer), filters or CaseFilter())
    return qs.filter(status__in=OPEN_STATUSES).order_by(*OLDEST_FIRST)


def case_overdue(
    *, officer, filters: CaseFilter | None = None, now: datetime | None = None
) -> QuerySet:
    """Open cases past their due date, the most overdue first."""
    now = now or timezone.now()
    qs = case_filter_apply(_base(officer), filters or CaseFilter(), now=now)
    return qs.filter(overdue_q(now)).order_by(*MOST_OVERDUE_FIRST)


def case_queue_for(*, officer) -> QuerySet:
    """ "My queue": the open cases waiting on this officer's own desk, oldest first.

    A team member: their teams' cases. A district officer or chief: the district centre's own
    cases (no team) and those out with another agency. A province or central officer: the cases
    forwarded up to them (their inbox).
    """
    j = jurisdiction_for(officer)
    q = Q(pk__in=[])
    if j.team_ids:
        q |= Q(assigned_team_id__in=j.team_ids, status__in=[Status.ASSIGNED, Status.IN_PROGRESS])
    districts = set(j.by_role.get(Role.DISTRICT_OFFICER, ())) | set(
        j.by_role.get(Role.DISTRICT_CHIEF, ())
    )
    if districts:
        q |= Q(
            district_id__in=districts,
            assigned_team__isnull=True,
            status__in=[Status.RECEIVED, Status.IN_PROGRESS],
        )
        q |= Q(
            district_id__in=districts, status=Status.FORWARDED, forwarded_to=ForwardTarget.AGENCY
        )
    q |= _inbox_q(j)
    return _base(officer).filter(q).order_by(*OLDEST_FIRST)


def _inbox_q(j) -> Q:
    q = Q(pk__in=[])
    provinces = j.by_role.get(Role.PROVINCE_OFFICER, ())
    if provinces:
        q |= Q(
            status=Status.FORWARDED, forwarded_to=ForwardTarget.PROVINCE, province_id__in=provinces
        )
    if Role.CENTRAL_OFFICER in j.roles:
        q |= Q(status=Status.FORWARDED, forwarded_to=ForwardTarget.CENTRAL)
    return q


def case_inbox_for(*, officer) -> QuerySet:
    """Cases forwarded up to the officer's level (province or central), oldest first."""
    return _base(officer).filter(_inbox_q(jurisdiction_for(officer))).order_by(*OLDEST_FIRST)


GROUPINGS = {
    "team": ("assigned_team_id", "assigned_team__name"),
    "district": ("district_id", "district__name_th"),
    "province": ("province_id", "province__name_th"),
}


def backlog_summary(*, officer, by: str = "district", now: datetime | None = None) -> list[dict]:
    """Open and overdue counts per team, district or province, the oldest backlog first.

    Rows: ``{"key", "name", "open", "overdue", "oldest_received_at"}``; for ``by="team"`` the
    district queue (no team) is a row with key None.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {sorted(GROUPINGS)}")
    key, name = GROUPINGS[by]
    now = now or timezone.now()
    rows = (
        complaints_visible_to(officer=officer)
        .filter(status__in=OPEN_STATUSES)
        .values(key, name)
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=overdue_q(now)),
            oldest_received_at=Min("received_at"),
        )
        .order_by("oldest_received_at", key)
    )
    return [
        {
            "key": r[key],
            "name": r[name] or "",
            "open": r["open"],
            "overdue": r["overdue"],
            "oldest_received_at": r["oldest_received_at"],
        }
        for r in rows
    ]


def case_month_closure(*, officer, now: datetime | None = None) -> dict:
    """Of the cases received this calendar month (Bangkok time) in the officer's scope, how
    many are closed now: the month's progress toward the 80 % target.

    Counted by month received, as the month-end statistics are, so a case received late in
    the month and closed early the next still counts for its own month.
    """
    local = timezone.localtime(now or timezone.now())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    month = complaints_visible_to(officer=officer).filter(
        received_at__gte=start, received_at__lt=end
    )
    shown = metrics.derive(metrics.figures(month, now=now))
    share = shown["share_closed"]
    return {
        "month_start": start.date(),
        "received": shown["complaints"],
        "closed": shown["closed"],
        "share": round(share) if share is not None else None,
        "target": metrics.CLOSED_SHARE_TARGET_PERCENT,
        "on_target": bool(shown["on_target"]),
    }


def case_history(complaint: Complaint) -> QuerySet:
    return complaint.history.select_related("actor").order_by("at", "id")


def case_notes(complaint: Complaint) -> QuerySet:
    return complaint.notes.select_related("author").prefetch_related("attachments")


def case_attachments(complaint: Complaint) -> QuerySet:
    return complaint.attachments.order_by("uploaded_at", "id")


def case_attachment_get(*, officer, tracking_no: str, attachment_id: int):
    """An attachment of a case the officer may see; ``CaseNotFound`` otherwise."""
    case = case_get(officer=officer, tracking_no=tracking_no)
    if not may_read_attachments(officer):
        # Photos and scanned letters show people and their papers: only for entitled roles.
        raise CaseNotFound(_("No such attachment."))
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise CaseNotFound(_("No such attachment."))
    return attachment


def case_subdistrict_geojson(complaint: Complaint, *, tolerance: float = 0.0002) -> dict | None:
    """The case's sub-district polygon as GeoJSON, lightly simplified, for the case page map."""
    geometry = (
        Subdistrict.objects.filter(code=complaint.subdistrict_id)
        .annotate(gj=area_geometry_json(tolerance=tolerance, precision=5))
        .values_list("gj", flat=True)
        .first()
    )
    return json.loads(geometry) if geometry else None


def teams_for_assignment(complaint: Complaint) -> QuerySet:
    """Teams a case may be assigned to by hand: the active teams of its district."""
    teams = Team.objects.filter(district_id=complaint.district_id, is_active=True)
    return without_geoms(teams, "subdistrict")


def notifications_for(*, officer, unread_only: bool = False) -> QuerySet:
    qs = Notification.objects.filter(recipient=officer).select_related(
        "complaint", "report__snapshot"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")
