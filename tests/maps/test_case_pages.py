"""The case page and the case lists: Thai B.E. dates, personal data by role, the action forms an
officer may use, the 409 page on a stale form, the lists' order, outsiders refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from layers.models import Complaint, Notification
from layers.services import workflow as wf
from layers.thaidate import format_be_date
from tests.browser import login, new_page, open_browser, screenshot
from tests.case_fixtures import build_cast, put_in_state, snapshot
from tests.factories import Role, make_complaint, make_officer

SECRET_NAME = "นางลับเฉพาะ หน้าเว็บ"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_cast(settings)


@pytest.fixture
def case(cast):
    return make_complaint(complainant_name=SECRET_NAME)


def client_for(officer=None) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


def page_urls(case, attachment_id=1):
    no = case.tracking_no
    return [
        ("get", "/cases/"),
        ("get", "/cases/inbox/"),
        ("get", "/cases/backlog/"),
        ("get", "/cases/overdue/"),
        ("get", "/cases/notifications/"),
        ("get", f"/cases/{no}/"),
        ("post", f"/cases/{no}/act/"),
        ("get", f"/cases/{no}/attachments/{attachment_id}/"),
    ]


def fetch(client, method, url):
    if method == "post":
        return client.post(url, {"action": "note", "version": 2, "text": "x"})
    return client.get(url)


def with_attachment(case, officer):
    case = wf.complaint_add_note(
        complaint=case,
        actor=officer,
        expected_version=case.version,
        text="รูปหน้างาน",
        files=[SimpleUploadedFile("site.jpg", JPEG, content_type="image/jpeg")],
    )
    return case, case.attachments.get()


@pytest.mark.django_db
def test_outsiders_are_refused_on_every_case_page(cast, case):
    case, attachment = with_attachment(case, cast.member)
    before = snapshot(case)
    for method, url in page_urls(case, attachment.pk):
        anonymous = fetch(client_for(), method, url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], url
        assert fetch(client_for(cast.no_role), method, url).status_code == 403, url
        for officer in (cast.other_district_officer, cast.other_province_officer, cast.member2):
            response = fetch(client_for(officer), method, url)
            if f"/cases/{case.tracking_no}/" in url:
                assert response.status_code == 404, (url, officer)
            else:
                assert response.status_code == 200, url
                assert case.tracking_no not in response.content.decode()
    assert snapshot(case) == before


@pytest.mark.django_db
def test_the_case_page_in_thai_with_be_dates_map_timeline_and_personal_data(cast, case):
    response = client_for(cast.district_officer).get(f"/cases/{case.tracking_no}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert format_be_date(case.received_at, with_time=True) in html  # พ.ศ., e.g. "2569"
    assert str(timezone.localtime(case.received_at).year + 543) in html
    assert SECRET_NAME in html and case.complainant_phone in html
    assert 'id="case-map"' in html and "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing from a CDN
    history = html[html.index('id="case-history"') :]
    assert history.count("<li data-kind=") == 2  # received, assigned to the team
    assert f'name="version" value="{case.version}"' in html


@pytest.mark.django_db
def test_personal_data_is_hidden_from_the_gis_analyst(cast, case):
    html = client_for(cast.analyst).get(f"/cases/{case.tracking_no}/").content.decode()
    assert SECRET_NAME not in html and case.complainant_citizen_id not in html
    assert case.complainant_phone not in html


def action_forms(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="action" value="(\w+)">', html)


@pytest.mark.django_db
def test_each_officer_sees_only_the_action_forms_they_may_use(cast, case):
    def forms(officer):
        return action_forms(client_for(officer).get(f"/cases/{case.tracking_no}/").content.decode())

    assert forms(cast.member) == ["start", "close", "note"]
    assert forms(cast.district_officer) == ["start", "assign", "forward", "close", "note"]
    assert forms(cast.governor) == []
    assert forms(cast.province_officer) == []
    put_in_state(case, status="forwarded", forwarded_to="province")
    assert forms(cast.province_officer) == ["return", "close", "note"]
    assert forms(cast.member) == []


@pytest.mark.django_db
def test_an_action_form_applies_and_redirects(cast, case):
    response = client_for(cast.member).post(
        f"/cases/{case.tracking_no}/act/",
        {"action": "start", "version": case.version, "note": "ออกตรวจพรุ่งนี้"},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.tracking_no}/"
    stored = Complaint.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == ("in_progress", case.version + 1)


@pytest.mark.django_db
def test_a_stale_form_shows_the_message_and_the_current_state(cast, case):
    seen = case.version
    wf.complaint_start(complaint=case, actor=cast.member, expected_version=seen)
    before = snapshot(case)
    response = client_for(cast.district_officer).post(
        f"/cases/{case.tracking_no}/act/",
        {"action": "close", "version": seen, "result": "withdrawn", "note": "ผู้ร้องถอนเรื่อง"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="action-refused"' in html
    assert f"version {seen}" in html.lower() or f"{seen}" in html
    assert 'data-status="in_progress"' in html  # the current state, not the officer's
    assert f'name="version" value="{seen + 1}"' in html
    assert "ผู้ร้องถอนเรื่อง" in html  # what they typed is kept
    assert snapshot(case) == before


@pytest.mark.django_db
def test_a_form_missing_its_note_is_a_400_naming_it(cast, case):
    before = snapshot(case)
    response = client_for(cast.member).post(
        f"/cases/{case.tracking_no}/act/",
        {"action": "close", "version": case.version, "result": "resolved", "note": ""},
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert snapshot(case) == before


@pytest.mark.django_db
def test_the_attachment_is_served_to_who_may_see_the_case_only(cast, case):
    case, attachment = with_attachment(case, cast.member)
    url = f"/cases/{case.tracking_no}/attachments/{attachment.pk}/"
    html = client_for(cast.district_officer).get(f"/cases/{case.tracking_no}/").content.decode()
    assert url in html and "/media/" not in html
    served = client_for(cast.chief).get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == JPEG
    assert served["Cache-Control"] == "private, no-store"
    # Another case's number with this attachment's id: not served.
    other = make_complaint()
    assert (
        client_for(cast.chief)
        .get(f"/cases/{other.tracking_no}/attachments/{attachment.pk}/")
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_backlog_and_overdue_pages_list_oldest_and_most_overdue_first(cast):
    now = timezone.now()
    x = make_complaint(received_at=now - timedelta(days=70))  # 60-day SLA: 10 days late
    y = make_complaint(
        received_at=now - timedelta(days=50), category="hardship", subcategory="hardship-poverty"
    )  # 30-day SLA: 20 days late
    z = make_complaint(received_at=now - timedelta(days=1))
    client = client_for(cast.province_officer)

    def listed(url):
        html = client.get(url).content.decode()
        table = html[html.index('id="case-list"') :]
        return re.findall(r"<a href=\"/cases/([0-9-]+)/\">", table)

    assert listed("/cases/backlog/") == [x.tracking_no, y.tracking_no, z.tracking_no]
    assert listed("/cases/overdue/") == [y.tracking_no, x.tracking_no]
    assert listed("/cases/backlog/?district=4902") == []
    summary = client.get("/cases/backlog/?by=district").content.decode()
    assert 'id="backlog-summary"' in summary and "4901" in summary


@pytest.mark.django_db
def test_my_queue_and_notifications_for_a_team_member(cast, run_jobs):
    case = make_complaint()
    run_jobs()
    client = client_for(cast.member)
    assert case.tracking_no in client.get("/cases/").content.decode()
    html = client.get("/cases/notifications/").content.decode()
    assert case.tracking_no in html
    assert client.post("/cases/notifications/").status_code == 302
    assert not Notification.objects.filter(recipient=cast.member, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_nav_links_to_the_case_lists_for_officers_with_an_area(cast):
    assert 'href="/cases/"' in client_for(cast.member).get("/cases/").content.decode()
    nobody = make_officer(Role.GIS_ANALYST, district="4901")
    assert client_for(nobody).get("/cases/").status_code == 200


@pytest.mark.browser
def test_the_case_page_renders_its_map_with_no_internet(live_server, live_data, settings):

    cast = build_cast(settings)
    case = make_complaint(complainant_name=SECRET_NAME)
    with open_browser() as browser:
        page = new_page(browser, live_server.url)
        login(page, live_server.url, cast.district_officer)
        response = page.goto(f"{live_server.url}/cases/{case.tracking_no}/")
        assert response.status == 200
        page.wait_for_selector("#case-map path.leaflet-interactive")
        # The sub-district outline and the incident marker are drawn as SVG paths.
        assert page.locator("#case-map path.leaflet-interactive").count() >= 2
        assert screenshot(page, "case_page").stat().st_size > 0
        assert page.blocked_requests == []
        assert page.console_errors == []
