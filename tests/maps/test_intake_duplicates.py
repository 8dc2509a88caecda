"""The intake form shows similar complaints (with pins) as the officer pins and types, and the
person's other complaints once the citizen ID is typed (issue 8), in headless Chromium."""

from __future__ import annotations

import pytest
from django.utils import translation

from layers.models import Complaint, Role, Status
from layers.selectors.intake import category_name
from layers.thaidate import be_year
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import MUKDAHAN_CITY, make_complaint, make_officer, new_citizen_id

NEW = "/cases/new/"
TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"
SECRET = "นายลับเฉพาะ คนร้องเดิม"
NAKHON_PHANOM = (17.4075, 104.7786)  # 480101


def test_the_form_carries_the_check_addresses(client, db):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, district="4901"))
    html = client.get(NEW).content.decode()
    assert 'data-duplicates-url="/api/cases/duplicates/"' in html
    assert 'data-people-url="/api/people/matches/"' in html
    assert 'id="duplicate-panel"' in html and 'id="person-panel"' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width, mobile", [(1366, False), (360, True)])
def test_candidates_and_person_matches_before_saving(live_server, live_data, width, mobile):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    cid = new_citizen_id("3")
    near = make_complaint(
        MUKDAHAN_CITY[0] + 0.0005,  # 55 m north
        MUKDAHAN_CITY[1],
        category="utilities",
        subcategory="utilities-roads",
        description=TEXT,
        complainant_name=SECRET,
        complainant_citizen_id=cid,
    )
    elsewhere = make_complaint(*NAKHON_PHANOM, complainant_name=SECRET, complainant_citizen_id=cid)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=width, height=900, mobile=mobile)
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}{NEW}")
        page.wait_for_selector("#intake-map .leaflet-interactive")
        page.evaluate(
            "([lat, lon]) => window.damrongIntake.setPoint(lat, lon, {pan: true})",
            list(MUKDAHAN_CITY),
        )
        page.select_option("[name=category]", "utilities")
        page.select_option("[name=subcategory]", "utilities-roads")
        page.fill("[name=description]", TEXT)
        item = page.locator(f'#duplicate-panel li[data-tracking-no="{near.tracking_no}"]')
        item.wait_for()
        text = item.inner_text()
        assert "ห่าง 55 เมตร" in text or "ห่าง 56 เมตร" in text, text
        assert "ห่างกัน 0 วัน" in text and "น่าจะเป็นเรื่องเดียวกัน" in text  # likely
        with translation.override("th"):
            status, category = Status(near.status).label, category_name(near.category)
        assert f"{status} · {category}" in text, text
        assert f"{be_year(near.received_at)}" in text  # the Buddhist-Era year
        assert page.locator(".damrong-duplicate-pin").count() == 1
        # "ผูกกับเรื่องเดิม": the choice goes into the form, and can be taken back.
        item.locator("button.dup-link").click()
        assert page.input_value("[name=duplicate_of]") == near.tracking_no
        assert near.tracking_no in page.inner_text("#duplicate-link-status")
        # The citizen ID: the person's other complaints, the one in Nakhon Phanom with only
        # the allowed facts.
        page.fill("[name=complainant_citizen_id]", cid)
        person = page.locator("#person-panel")
        person.locator(f'li[data-tracking-no="{elsewhere.tracking_no}"]').wait_for()
        outside = person.locator(f'li[data-tracking-no="{elsewhere.tracking_no}"]').inner_text()
        assert "นอกพื้นที่ของท่าน" in outside and "48" in outside
        assert person.locator(f'li[data-tracking-no="{near.tracking_no}"] a').count() == 1
        assert person.locator(f'li[data-tracking-no="{elsewhere.tracking_no}"] a').count() == 0
        assert SECRET not in page.content()
        page.locator("#duplicate-panel").scroll_into_view_if_needed()
        screenshot(page, f"intake_duplicates_{width}")
        assert page.blocked_requests == []
        assert page.console_errors == []


def test_the_form_links_to_an_earlier_case(client, db):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    earlier = make_complaint(category="utilities", subcategory="utilities-roads", description=TEXT)
    data = {
        "lat": f"{MUKDAHAN_CITY[0]:.6f}",
        "lon": f"{MUKDAHAN_CITY[1]:.6f}",
        "category": "utilities",
        "subcategory": "utilities-roads",
        "channel": "walk_in",
        "complainant_name": "นายสมชาย ใจดี",
        "description": TEXT,
        "duplicate_of": earlier.tracking_no,
    }
    response = client.post(NEW, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Complaint.objects.exclude(pk=earlier.pk).get()
    assert case.duplicate_of_id == earlier.pk and case.status == "closed"
    # A number that is not a candidate nor in the area: the form again, with the message.
    data["duplicate_of"] = "2500-9999999"
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert "ไม่พบเรื่องนี้" in response.content.decode()
    assert Complaint.objects.count() == 2
