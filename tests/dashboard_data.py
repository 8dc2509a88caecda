"""A handful of cases for the dashboard tests, small enough to count by hand.

Each row: sub-district, main category, channel, status, received (days ago), closed after
(days) or None, overdue (due date in the past) or not. The hand counts the tests compare with
are written beside the rows, not computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from boundaries.models import Subdistrict
from layers.models import Complaint
from tests.case_fixtures import put_in_state
from tests.factories import make_complaint

SUBCATEGORY = {"land": "land-public-encroach", "debt": "debt-informal"}


@dataclass(frozen=True)
class Row:
    subdistrict: str
    category: str
    channel: str
    status: str
    received_days_ago: int
    closed_after_days: int | None = None
    overdue: bool = False
    forwarded_to: str = ""


ROWS = (
    # อ.เมืองมุกดาหาร (4901): 4 cases, 2 closed (after 4 and 8 days), 2 open, 1 overdue.
    Row("490101", "land", "walk_in", "closed", 10, 4),
    Row("490101", "land", "phone", "closed", 40, 8),
    Row("490101", "debt", "walk_in", "received", 5, overdue=True),
    Row("490102", "land", "online", "in_progress", 70),
    # อ.นิคมคำสร้อย (4902): 2 cases, 1 closed (after 1 day), 1 forwarded and overdue.
    Row("490201", "land", "walk_in", "closed", 3, 1),
    Row("490201", "debt", "phone", "forwarded", 100, overdue=True, forwarded_to="province"),
    # จ.นครพนม (48), อ.เมืองนครพนม (4801): 2 cases, 1 closed (after 2 days).
    Row("480101", "land", "walk_in", "closed", 20, 2),
    Row("480102", "land", "walk_in", "received", 2),
)
# By hand, from the rows above.
HAND = {
    "49": {"complaints": 6, "closed": 3, "open_backlog": 3, "overdue": 2},
    "48": {"complaints": 2, "closed": 1, "open_backlog": 1, "overdue": 0},
    "4901": {"complaints": 4, "closed": 2, "open_backlog": 2, "overdue": 1, "median": 6.0},
    "4902": {"complaints": 2, "closed": 1, "open_backlog": 1, "overdue": 1, "median": 1.0},
    "490101": {"complaints": 3, "closed": 2, "open_backlog": 1, "overdue": 1},
    "490102": {"complaints": 1, "closed": 0, "open_backlog": 1, "overdue": 0},
}


def build_cases(now=None) -> list[Complaint]:
    now = now or timezone.now()
    cases = []
    for row in ROWS:
        point = Subdistrict.objects.get(code=row.subdistrict).geom.point_on_surface
        received = now - timedelta(days=row.received_days_ago, hours=1)
        case = make_complaint(
            lat=point.y,
            lon=point.x,
            category=row.category,
            subcategory=SUBCATEGORY[row.category],
            channel=row.channel,
            received_at=received,
        )
        assert case.subdistrict_id == row.subdistrict, row
        case = put_in_state(case, status=row.status, forwarded_to=row.forwarded_to)
        Complaint.objects.filter(pk=case.pk).update(
            closed_at=(
                received + timedelta(days=row.closed_after_days)
                if row.closed_after_days is not None
                else None
            ),
            due_at=now + timedelta(days=-2 if row.overdue else 30),
        )
        case.refresh_from_db()
        cases.append(case)
    return cases
