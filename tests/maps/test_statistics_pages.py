"""The statistics pages (/statistics/…) and the monthly report files (/reports/monthly/…):
figures equal a hand count, each level opens only to whoever holds the whole area, reports only
to the governor's side, produced on the spot or queued."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from boundaries.models import Subdistrict
from layers.models import Complaint, MonthlyReport, MonthSnapshot, Notification, Role
from layers.services import statistics as stats
from layers.thaidate import Month
from tests.case_fixtures import put_in_state
from tests.factories import make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db


def point(code):
    p = Subdistrict.objects.get(code=code).geom.point_on_surface
    return {"lat": p.y, "lon": p.x}


@pytest.fixture
def area(settings, tmp_path):
    """Cases in 4901 (five), 4902 (two) and Nakhon Phanom (one), received over the last
    months; some closed, one overdue."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path)
    now = timezone.now()
    a = [
        make_complaint(**point("490101"), received_at=now - timedelta(days=d))
        for d in (2, 10, 40, 70, 100)
    ]
    b = [make_complaint(**point("490201"), received_at=now - timedelta(days=d)) for d in (5, 45)]
    c = make_complaint(
        **point(Subdistrict.objects.filter(province_id="48").order_by("code").first().code)
    )
    for case, days in ((a[1], 3), (a[3], 20), (b[0], 1)):
        put_in_state(case, status="closed")
        Complaint.objects.filter(pk=case.pk).update(
            closed_at=case.received_at + timedelta(days=days)
        )
    Complaint.objects.filter(pk=a[4].pk).update(due_at=now - timedelta(days=1))  # overdue
    return {"a": a, "b": b, "c": c}


def client_of(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def figure(body: str, field: str) -> str:
    """The first value a page shows for ``data-field``."""
    match = re.search(rf'data-field="{re.escape(field)}"[^>]*>([^<]*)<', body)
    assert match, field
    return match.group(1).strip()


def test_the_province_page_counts_what_a_hand_count_says(area):
    governor = make_officer(Role.GOVERNOR, province="49")
    body = client_of(governor).get("/statistics/49/").content.decode()
    # Received in the last twelve months in 49: 7; closed 3 (3/7 = 42.9 %).
    assert figure(body, "stats.complaints") == "7"
    assert figure(body, "stats.closed") == "3"
    assert figure(body, "stats.share_closed") == "42.9 %"
    # Open now: 4 of 4901 and 1 of 4902, one overdue; medians of 3, 20 and 1 days: 3.
    assert figure(body, "stats.open_backlog") == "4"
    assert figure(body, "stats.overdue") == "1"
    assert figure(body, "stats.median_days_to_close") == "3.0"
    # The backlog's age: 2 days (4901) and 45 days (4902)... bands counted by days received.
    bands = re.findall(r'data-field="stats.age_band">([^<]*)<', body)
    assert bands == ["1", "2", "0", "1"]  # <30: 2 d; 30–60: 40 d, 45 d; 60–90: none; >90: 100 d
    # The districts ranked: 4902 (1 of 2 = 50 %) above 4901 (2 of 5 = 40 %).
    ranked = re.findall(
        r'<td class="name" data-field="stats.area"><a href="/statistics/(\d{4})/">', body
    )
    assert ranked[:2] == ["4902", "4901"]
    assert "ไม่มีข้อมูล" in body  # the other districts: no data
    assert "มุกดาหาร" in body and "นครพนม" not in body
    # No case is named on a statistics page.
    for case in Complaint.objects.all():
        assert case.tracking_no not in body


def test_the_district_page_and_the_month_filter(area):
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    client = client_of(chief)
    body = client.get("/statistics/4901/").content.decode()
    assert figure(body, "stats.complaints") == "5"
    assert figure(body, "stats.open_backlog") == "3"
    # The sub-districts of 4901 are its children.
    assert "ตำบลเรียงตามร้อยละยุติเรื่อง" in body
    this_month = Month.of(timezone.now())
    body = client.get(f"/statistics/4901/?month={this_month.be_code}").content.decode()
    received_this_month = Complaint.objects.filter(
        district_id="4901", received_at__gte=this_month.start()
    ).count()
    assert figure(body, "stats.complaints") == str(received_this_month)
    assert "ยังไม่ได้ตรึงข้อมูล" in body  # the current month is not frozen
    assert client.get("/statistics/4901/?month=2569-13").status_code == 400
    assert client.get("/statistics/4901/?month=abc").status_code == 400
    assert client.get("/statistics/").status_code == 200  # the chief's own level: 4901


@pytest.mark.parametrize(
    "role,area_kw,allowed",
    [
        (Role.GOVERNOR, {"province": "49"}, {"49", "4901", "4902"}),
        (Role.PROVINCE_OFFICER, {"province": "49"}, {"49", "4901", "4902"}),
        (Role.DISTRICT_CHIEF, {"district": "4901"}, {"4901"}),
        (Role.DISTRICT_OFFICER, {"district": "4901"}, {"4901"}),
        (Role.GIS_ANALYST, {"province": "49"}, {"49", "4901", "4902"}),
        (Role.CENTRAL_OFFICER, {}, {"49", "4901", "4902", "48", "4801"}),
        (Role.ADMIN, {}, {"49", "4901", "4902", "48", "4801"}),
        (Role.TEAM_MEMBER, {"district": "4901"}, set()),
        (None, {}, set()),
    ],
)
def test_each_level_opens_only_to_whoever_holds_the_whole_area(area, role, area_kw, allowed):
    teams = [make_team("490101")] if role == Role.TEAM_MEMBER else []
    officer = make_officer(role, teams=teams, **area_kw)
    client = client_of(officer)
    for code in ("49", "4901", "4902", "48", "4801"):
        response = client.get(f"/statistics/{code}/")
        assert response.status_code == (200 if code in allowed else 403), (role, code)
        if code not in allowed:
            assert area["c"].tracking_no not in response.content.decode()
    home = client.get("/statistics/")
    assert home.status_code == (200 if allowed else 403)


def test_outsiders_are_refused_and_unknown_areas_are_not_found(area):
    assert Client().get("/statistics/49/").status_code == 302  # to the login page
    assert Client().get("/statistics/").status_code == 302
    central = client_of(make_officer(Role.CENTRAL_OFFICER))
    assert central.get("/statistics/").status_code == 200
    for code in ("99", "9999", "490101", "ab", "4"):
        assert central.get(f"/statistics/{code}/").status_code == 404, code


# --- The report files ---------------------------------------------------------------------------


def last_month() -> Month:
    return Month.of(timezone.now()).previous()


@pytest.mark.parametrize(
    "role,area_kw,status",
    [
        (Role.GOVERNOR, {"province": "49"}, 200),
        (Role.PROVINCE_OFFICER, {"province": "49"}, 200),
        (Role.CENTRAL_OFFICER, {}, 200),
        (Role.ADMIN, {}, 200),
        (Role.GOVERNOR, {"province": "48"}, 403),
        (Role.PROVINCE_OFFICER, {"province": "48"}, 403),
        (Role.DISTRICT_CHIEF, {"district": "4901"}, 403),
        (Role.DISTRICT_OFFICER, {"district": "4901"}, 403),
        (Role.GIS_ANALYST, {"province": "49"}, 403),
        (Role.TEAM_MEMBER, {"district": "4901"}, 403),
        (None, {}, 403),
    ],
)
def test_a_report_opens_only_to_the_governors_side(area, role, area_kw, status):
    stats.snapshot_freeze(month=last_month())
    officer = make_officer(role, **area_kw)
    response = client_of(officer).get(f"/reports/monthly/49/{last_month().be_code}.csv")
    assert response.status_code == status, role
    if status == 403:
        assert not MonthlyReport.objects.exists()
        assert "ยุติเรื่อง" not in response.content.decode()


def test_a_frozen_month_is_made_on_the_spot_in_the_three_formats(area):
    month = last_month()
    stats.snapshot_freeze(month=month)
    governor = make_officer(Role.GOVERNOR, province="49")
    client = client_of(governor)
    response = client.get(f"/reports/monthly/49/{month.be_code}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="damrong-report-49-{month.be_code}.csv"' in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][2] == "จังหวัดมุกดาหาร (รวม)"
    xlsx = client.get(f"/reports/monthly/49/{month.be_code}.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert "อำเภอเรียงตามผล" in wb.sheetnames
    pdf = client.get(f"/reports/monthly/49/{month.be_code}.pdf")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert MonthlyReport.objects.count() == 1
    # The governor was told once, with a link that opens the report.
    notice = Notification.objects.get(recipient=governor)
    page = client.get("/cases/notifications/").content.decode()
    assert f'href="/reports/monthly/49/{month.be_code}.pdf"' in page and notice.message in page


def test_a_month_not_frozen_is_queued_and_said_so_then_ready(area, run_jobs):
    month = last_month()
    governor = make_officer(Role.GOVERNOR, province="49")
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    client = client_of(officer)
    response = client.get(f"/reports/monthly/49/{month.be_code}.pdf")
    assert response.status_code == 202
    assert "กำลังจัดทำรายงาน" in response.content.decode()
    assert client.get(f"/reports/monthly/49/{month.be_code}.xlsx").status_code == 202
    assert not MonthSnapshot.objects.exists()
    assert run_jobs() >= 1
    assert MonthSnapshot.objects.get().month == month.first_day
    assert client.get(f"/reports/monthly/49/{month.be_code}.xlsx").status_code == 200
    # Both the governor and the officer who asked are told.
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        governor.pk,
        officer.pk,
    }


def test_an_unended_month_or_a_bad_address_is_refused_plainly(area):
    client = client_of(make_officer(Role.GOVERNOR, province="49"))
    this_month = Month.of(timezone.now()).be_code
    response = client.get(f"/reports/monthly/49/{this_month}.pdf")
    assert response.status_code == 404 and "ยังไม่สิ้นสุด" in response.content.decode()
    assert client.get("/reports/monthly/49/2569-13.pdf").status_code == 400
    assert client.get("/reports/monthly/99/2569-01.pdf").status_code == 404
    assert client.get("/reports/monthly/49/2569-01.doc").status_code == 404
    assert Client().get("/reports/monthly/49/2569-01.pdf").status_code == 302
    assert not MonthlyReport.objects.exists()
