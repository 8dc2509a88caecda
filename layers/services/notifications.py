"""Telling officers about cases: an in-app ``Notification`` for each, and an e-mail.

Messages carry no personal data: the tracking number, the category, the sub-district and a
link to the case page, nothing about the complainant or the accused party. The in-app rows and
the e-mail jobs are written in the transaction that made the change (a refused or rolled-back
change tells nobody); a worker sends the e-mails once it commits (layers/services/mail.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from boundaries.selectors import area_names
from layers import policy
from layers.models import (
    Complaint,
    ForwardTarget,
    Notification,
    Officer,
    Role,
    RoleAssignment,
    Team,
)
from layers.services.mail import mail_send

# Events, for the wording.
EVENT_TEAM_ASSIGNED = "team_assigned"
EVENT_DISTRICT_QUEUE = "district_queue"
EVENT_FORWARDED = "forwarded"
EVENT_BACK_AT_DISTRICT = "back_at_district"


def case_url(complaint: Complaint) -> str:
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("case_detail", args=[complaint.tracking_no])


def _summary(complaint: Complaint) -> dict:
    """What a notification may say about a case: the policy's ``notification`` fields, shaped
    for what leaves the system (no person, no free text, no officer's name)."""
    names = area_names(subdistrict_code=complaint.subdistrict_id)
    return policy.shape(
        policy.NOTIFICATION_VIEWER,
        "notification",
        {
            "no": complaint.tracking_no,
            "category": complaint.category.name_th,
            "subdistrict": names.subdistrict,
            "district": names.district,
        },
    )


def _wording(event: str, complaint: Complaint, *, team: Team | None = None) -> tuple[str, str]:
    """(e-mail subject, one-line message) in the site's language."""
    s = _summary(complaint)
    if event == EVENT_TEAM_ASSIGNED:
        line = _(
            "Case %(no)s (%(category)s, sub-district %(subdistrict)s) was assigned to your "
            "team %(team)s."
        ) % {**s, "team": team.name if team else ""}
    elif event == EVENT_DISTRICT_QUEUE:
        line = (
            _(
                "Case %(no)s (%(category)s, sub-district %(subdistrict)s) is in the queue of the "
                "district centre of %(district)s: no team covers that sub-district."
            )
            % s
        )
    elif event == EVENT_FORWARDED:
        line = (
            _("Case %(no)s (%(category)s, sub-district %(subdistrict)s) was forwarded to you.") % s
        )
    else:
        line = (
            _(
                "Case %(no)s (%(category)s, sub-district %(subdistrict)s) is back with the "
                "district level and needs work."
            )
            % s
        )
    subject = _("[Damrong GIS] %(line)s") % {"line": line}
    return subject[:200], line[:300]


def notification_send(
    *,
    complaint: Complaint,
    recipients: Iterable[Officer],
    event: str,
    team: Team | None = None,
    mail_teams: Iterable[Team] = (),
    exclude: Officer | None = None,
) -> list[Notification]:
    """One in-app notification per recipient, and an e-mail to each of them and to each of
    ``mail_teams`` (the team's own address), queued in this transaction (layers.services.mail):
    sent by the worker once the change commits, never if it rolls back."""
    people = {o.pk: o for o in recipients if o.is_active}
    if exclude is not None:
        people.pop(exclude.pk, None)
    # Stored and mailed in the site's language (Thai), whatever the actor's page language.
    with translation.override(settings.LANGUAGE_CODE):
        subject, line = _wording(event, complaint, team=team)
        body = "\n\n".join([line, _("Open the case: %(url)s") % {"url": case_url(complaint)}])
    rows = Notification.objects.bulk_create(
        [Notification(recipient=o, complaint=complaint, message=line) for o in people.values()]
    )
    mail_send(
        subject=subject,
        body=body,
        officers=people.values(),
        teams=mail_teams,
        reference=f"case {complaint.tracking_no}",
    )
    return rows


def _team_members(team: Team):
    return Officer.objects.filter(memberships__team=team, is_active=True)


def _district_officers(district_code: str):
    return Officer.objects.filter(
        roles__role=Role.DISTRICT_OFFICER,
        roles__district_id=district_code,
        roles__is_active=True,
        is_active=True,
    ).distinct()


def _notify_team(*, complaint: Complaint, team: Team, event: str, actor):
    """The team's members, and the team's own address."""
    return notification_send(
        complaint=complaint,
        recipients=_team_members(team),
        event=event,
        team=team,
        mail_teams=[team],
        exclude=actor,
    )


def _notify_district(*, complaint: Complaint, event: str, actor):
    """The district officers of the case's district."""
    return notification_send(
        complaint=complaint,
        recipients=_district_officers(complaint.district_id),
        event=event,
        exclude=actor,
    )


def notify_team_assigned(*, complaint: Complaint, team: Team, actor=None):
    return _notify_team(complaint=complaint, team=team, event=EVENT_TEAM_ASSIGNED, actor=actor)


def notify_district_queue(*, complaint: Complaint, actor=None):
    return _notify_district(complaint=complaint, event=EVENT_DISTRICT_QUEUE, actor=actor)


def notify_forwarded(*, complaint: Complaint, actor=None):
    """The receiving level's officers; an outside agency has no account (nobody to tell)."""
    if complaint.forwarded_to == ForwardTarget.PROVINCE:
        ids = RoleAssignment.objects.filter(
            role=Role.PROVINCE_OFFICER, province_id=complaint.province_id, is_active=True
        ).values("officer_id")
    elif complaint.forwarded_to == ForwardTarget.CENTRAL:
        ids = RoleAssignment.objects.filter(role=Role.CENTRAL_OFFICER, is_active=True).values(
            "officer_id"
        )
    else:
        return []
    return notification_send(
        complaint=complaint,
        recipients=Officer.objects.filter(pk__in=ids),
        event=EVENT_FORWARDED,
        exclude=actor,
    )


def notify_back_at_district(*, complaint: Complaint, actor=None):
    """Sent back down or reopened: the team if it has one, otherwise the district officers."""
    team = complaint.assigned_team
    if team is not None:
        return _notify_team(
            complaint=complaint, team=team, event=EVENT_BACK_AT_DISTRICT, actor=actor
        )
    return _notify_district(complaint=complaint, event=EVENT_BACK_AT_DISTRICT, actor=actor)


@transaction.atomic
def notifications_mark_read(*, officer, ids: Iterable[int] | None = None) -> int:
    """Mark the officer's own notifications read (all unread ones when ``ids`` is None)."""
    qs = Notification.objects.filter(recipient=officer, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=[int(i) for i in ids])
    return qs.update(read_at=timezone.now())
