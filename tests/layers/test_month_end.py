"""Month-end snapshots (layers/services/statistics.py): the figures equal a hand count read
from the history, a frozen month stays frozen, and a late run gives what a run on the 1st gave."""

from __future__ import annotations

import statistics as pystats
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from layers import metrics
from layers.demo import demo_complaints_seed
from layers.errors import InvalidInput
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


def test_a_run_after_the_first_equals_the_run_on_the_first(settings):
    """Literally: the month ends now (T); the run "on the 1st" is at T; then cases change
    through the workflow ("on the 2nd and 3rd") and a letter received before T is recorded
    after it; the run "on the 3rd" for the same month gives the same rows."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    team = make_team("490101")
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    cases = [make_complaint(created_by=officer) for _ in range(4)]
    make_complaint(lat=16.35, lon=104.45, created_by=officer)  # another district of 49

    def act(case, action, actor=officer, **data):
        case = Complaint.objects.get(pk=case.pk)
        return wf.complaint_act(
            complaint=case, actor=actor, action=action, expected_version=case.version, data=data
        )

    act(cases[0], "close", result="resolved", note="แก้ไขแล้ว")
    act(cases[1], "start", actor=member)
    start = timezone.now() - timedelta(days=1)
    end = timezone.now()
    on_the_first = stats.snapshot_compute(start=start, end=end)
    district = {r["area_code"]: r for r in on_the_first if r["level"] == "district"}["4901"]
    assert (district["complaints"], district["closed"], district["open_backlog"]) == (4, 1, 3)

    act(cases[0], "reopen", reason="ยังไม่ได้รับการแก้ไข")
    act(cases[1], "close", actor=member, result="resolved", note="แก้ไขแล้ว")
    act(cases[2], "forward", target="province", note="เกินอำนาจอำเภอ")
    make_complaint(received_at=start + timedelta(hours=1), created_by=officer)
    on_the_third = stats.snapshot_compute(start=start, end=end)
    assert on_the_third == on_the_first
    # The live figures did move: the same cases read now.
    live = metrics.figures(Complaint.objects.filter(district_id="4901"))
    assert (live["complaints"], live["closed"]) == (5, 1)


def test_the_command_freezes_any_past_month_and_refuses_an_unended_one(demo):
    out = StringIO()
    call_command("snapshot_month", "2569-09", stdout=out)
    assert "2569-09: frozen" in out.getvalue()
    out = StringIO()
    call_command("snapshot_month", "2569-09", stdout=out)
    assert "2569-09: unchanged" in out.getvalue()
    assert MonthSnapshot.objects.get().month == date(2026, 9, 1)
    for bad in ("2569-13", "2026-09x", "09-2569"):
        with pytest.raises(CommandError, match="2569-10"):
            call_command("snapshot_month", bad, stdout=StringIO())
    next_month = Month.of(timezone.now()).next().be_code
    with pytest.raises(CommandError, match="ยังไม่สิ้นสุด"):
        call_command("snapshot_month", next_month, stdout=StringIO())
    with pytest.raises(InvalidInput):
        stats.snapshot_freeze(month=Month.of(timezone.now()))


def test_a_backdated_history_row_is_reported_and_replaced_only_when_told(demo):
    stats.snapshot_freeze(month=SEPTEMBER)
    # An import writes a closing dated inside September for a case open at its end.
    case = (
        metrics.complaints_as_of(Complaint.objects.all(), SEPTEMBER.end())
        .filter(status_then__in=OPEN_STATUSES, received_at__lt=SEPTEMBER.end() - timedelta(days=2))
        .first()
    )
    ComplaintHistory.objects.create(
        complaint=case,
        kind=HistoryKind.CLOSED,
        from_status="in_progress",
        to_status=Status.CLOSED,
        at=SEPTEMBER.end() - timedelta(days=1),
    )
    out = StringIO()
    call_command("snapshot_month", "2569-09", stdout=out)
    assert "2569-09: differs" in out.getvalue() and "kept" in out.getvalue()
    kept = frozen(MonthSnapshot.objects.get())[case.district_id]
    out = StringIO()
    call_command("snapshot_month", "2569-09", "--replace", stdout=out)
    assert "2569-09: replaced" in out.getvalue()
    replaced = frozen(MonthSnapshot.objects.get())[case.district_id]
    assert replaced["open_backlog"] == kept["open_backlog"] - 1
