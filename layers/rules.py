"""Case rules that every part of the system shares, written once: when a case falls due, and
when it is overdue.

The due date is the case's start (received, or reopened) plus the days to close (SLA) of its
sub-category, else of its main category; a category without an SLA gives no due date, and a
case without a due date is never overdue. Intake, reopening, the demo data, the lists, the case
page, the API and the team's phone page all ask here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from layers.models import OPEN_STATUSES, Category, Complaint


def sla_days(*, category: Category, subcategory: Category | None) -> int | None:
    """Days to close: the sub-category's own (or inherited) SLA, else the main category's."""
    days = subcategory.effective_sla_days if subcategory is not None else None
    return days or category.sla_days or None


def due_at_for(
    *, start: datetime, category: Category, subcategory: Category | None
) -> datetime | None:
    """When a case started at ``start`` in this category falls due (None: no SLA)."""
    days = sla_days(category=category, subcategory=subcategory)
    return start + timedelta(days=days) if days else None


def complaint_due_at(complaint: Complaint, *, start: datetime) -> datetime | None:
    """``due_at_for`` with the case's own categories (reopening starts the clock again)."""
    return due_at_for(
        start=start,
        category=complaint.category,
        subcategory=complaint.subcategory if complaint.subcategory_id else None,
    )


def is_overdue(complaint: Complaint, *, now: datetime) -> bool:
    """Open and past its due date."""
    return bool(complaint.is_open and complaint.due_at is not None and complaint.due_at < now)


def is_overdue_row(*, status: str, due_at: datetime | None, now: datetime) -> bool:
    """``is_overdue`` for a row read as values (lists that do not build model objects)."""
    return status in OPEN_STATUSES and due_at is not None and due_at < now


def overdue_q(now: datetime, *, status: str = "status", due_at: str = "due_at") -> Q:
    """The same rule as a filter on complaints. ``status`` and ``due_at`` name the fields to
    read: the case's own, or the state it had at an earlier moment annotated under other names
    (``layers.metrics.complaints_as_of``, for month-end figures)."""
    return Q(**{f"{status}__in": OPEN_STATUSES, f"{due_at}__lt": now})
