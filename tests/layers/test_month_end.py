"""Month-end snapshots (layers/services/statistics.py): the figures equal a hand count read
from the history, a frozen month stays frozen, and a late run gives what a run on the 1st gave."""

from __future__ import annotations

import statistics as pystats
from datetime import date, timedelta

import pytest

from layers import metrics
from layers.demo import demo_complaints_seed
from layers.models import (
    OPEN_STATUSES,
    AreaLevel,
    Complaint,
    ComplaintHistory,
    HistoryKind,
    MonthSnapshot,
    Status,
)
from layers.rules import due_at_for
from layers.services import statistics as stats
from layers.services import workflow as wf
from layers.thaidate import Month
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 11, 1)
SEPTEMBER = Month(2026, 9)  # 2569-09: the demo's histories run on into October


@pytest.fixture
def demo():
    """300 demo cases over the two sample provinces, their histories walked up to 1 Nov 2026."""
    return demo_complaints_seed(count=300, seed=5, until=UNTIL)


def hand_count(start, end) -> dict:
    """The month's figures per district, counted case by case from the history rows in Python
    (independently of the SQL): the status at the end is the last row's ``to_status``; the due
    date then runs from the last start (received or reopened) by layers.rules."""
    out: dict[str, dict] = {}
    history: dict[int, list] = {}
    for row in ComplaintHistory.objects.order_by("at", "id"):
        history.setdefault(row.complaint_id, []).append(row)
    for case in Complaint.objects.select_related("category", "subcategory"):
        before = [r for r in history.get(case.pk, []) if r.at < end]
        if not before:
            continue  # recorded after the month's end
        status = [r for r in before if r.to_status][-1].to_status
        d = out.setdefault(
            case.district_id,
            {"complaints": 0, "closed": 0, "open_backlog": 0, "overdue": 0, "days": []},
        )
        received = start <= case.received_at < end
        if received:
            d["complaints"] += 1
        if status == Status.CLOSED and received:
            d["closed"] += 1
            closed_at = [r for r in before if r.kind == HistoryKind.CLOSED][-1].at
            d["days"].append((closed_at - case.received_at).total_seconds() / 86400)
        if status in OPEN_STATUSES:
            d["open_backlog"] += 1
            reopened = [r.at for r in before if r.kind == HistoryKind.REOPENED]
            due = due_at_for(
                start=reopened[-1] if reopened else case.received_at,
                category=case.category,
                subcategory=case.subcategory,
            )
            if due is not None and due < end:
                d["overdue"] += 1
    for d in out.values():
        days = d.pop("days")
        d["median_days_to_close"] = pystats.median(days) if days else None
    return out


def frozen(snapshot, level=AreaLevel.DISTRICT) -> dict:
    return {
        r["area_code"]: r
        for r in stats.snapshot_rows(snapshot)
        if r["level"] == level and r["category_id"] is None
    }


def test_month_end_figures_equal_a_hand_count_from_the_history(demo):
    result = stats.snapshot_freeze(month=SEPTEMBER)
    assert result.outcome == "frozen"
    expected = {k: v for k, v in hand_count(SEPTEMBER.start(), SEPTEMBER.end()).items()}
    got = frozen(result.snapshot)
    assert set(got) == {
        k for k, v in expected.items() if any(v[f] for f in stats.FIGURE_FIELDS[:-1])
    }
    for code, row in got.items():
        want = expected[code]
        for f in ("complaints", "closed", "open_backlog", "overdue"):
            assert row[f] == want[f], (code, f, row[f], want[f])
        if want["median_days_to_close"] is None:
            assert row["median_days_to_close"] is None
        else:
            assert row["median_days_to_close"] == pytest.approx(want["median_days_to_close"])
    # The data have what the test is about: cases received, closed, open and overdue at the
    # end of September, and rows written after it (October's changes) that must not count.
    totals = {f: sum(r[f] for r in got.values()) for f in ("complaints", "closed", "overdue")}
    assert all(totals.values()), totals
    assert ComplaintHistory.objects.filter(at__gte=SEPTEMBER.end()).exists()
    # Provinces and the country add up; categories too.
    country = frozen(result.snapshot, AreaLevel.COUNTRY)["TH"]
    provinces = frozen(result.snapshot, AreaLevel.PROVINCE)
    for f in ("complaints", "closed", "open_backlog", "overdue"):
        assert (
            country[f] == sum(r[f] for r in provinces.values()) == sum(r[f] for r in got.values())
        )
        by_category = [
            r[f]
            for r in stats.snapshot_rows(result.snapshot)
            if r["level"] == AreaLevel.COUNTRY and r["category_id"] is not None
        ]
        assert sum(by_category) == country[f]


def test_a_rerun_after_changes_gives_the_same_numbers_and_keeps_the_month(demo, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_team("490101")
    first = stats.snapshot_freeze(month=SEPTEMBER)
    before = stats.snapshot_rows(first.snapshot)
    # Later (today): cases open at the end of September are closed, closed ones reopened
    # (through the workflow, by their district's officer), and a letter received in September
    # is recorded only now.
    end = SEPTEMBER.end()
    officers: dict[str, object] = {}

    def act(case, action, **data):
        if case.district_id not in officers:
            officers[case.district_id] = make_officer(
                Role.DISTRICT_OFFICER, district=case.district_id
            )
        case = Complaint.objects.get(pk=case.pk)
        wf.complaint_act(
            complaint=case,
            actor=officers[case.district_id],
            action=action,
            expected_version=case.version,
            data=data,
        )

    then = metrics.complaints_as_of(Complaint.objects.all(), end)
    changed = 0
    for case in then.filter(
        status_then__in=OPEN_STATUSES, status__in=("received", "assigned", "in_progress")
    )[:5]:
        act(case, "close", result="resolved", note="แก้ไขแล้ว")
        changed += 1
    for case in then.filter(status_then=Status.CLOSED, status=Status.CLOSED)[:5]:
        act(case, "reopen", reason="ผู้ร้องแจ้งว่ายังไม่ได้รับการแก้ไข")
        changed += 1
    assert changed == 10
    make_complaint(received_at=SEPTEMBER.start() + timedelta(days=3))

    again = stats.snapshot_freeze(month=SEPTEMBER)
    assert again.outcome == "unchanged", again.differences[:3]
    assert stats.snapshot_rows(again.snapshot) == before
    # The computation itself, not just the kept rows, still gives September's truth.
    rows = stats.snapshot_compute(start=SEPTEMBER.start(), end=end)
    assert sorted(map(stats._row_values, rows)) == sorted(map(stats._row_values, before))
    assert MonthSnapshot.objects.count() == 1
