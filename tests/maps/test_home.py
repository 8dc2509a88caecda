"""The home page: counts for the officer's own scope (checked against the database), the links
each role needs, anonymous visitors sent to the login, role-less officers told why it is empty."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from boundaries.models import Subdistrict
from layers.models import OPEN_STATUSES, Complaint, RegistrationRequest, Status
from tests.browser import login, new_page, open_browser, screenshot
from tests.case_fixtures import put_in_state
from tests.factories import Role, make_complaint, make_officer, make_team, new_citizen_id

pytestmark = pytest.mark.django_db


def point_in(subdistrict_code: str) -> tuple[float, float]:
    p = Subdistrict.objects.get(code=subdistrict_code).geom.point_on_surface
    return p.y, p.x


def client_for(officer=None) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cases(fast_hasher):
    """Cases in district 4901 (two sub-districts), in 4902 (same province) and in province 48,
    in every state that counts differently: open, overdue, closed this month, last month."""
    now = timezone.now()
    made = {}
    places = {
        "4901": "490101",
        "4901b": "490102",
        "4902": Subdistrict.objects.filter(district_id="4902").order_by("code")[0].code,
        "48": Subdistrict.objects.filter(province_id="48").order_by("code")[0].code,
    }
    for key, sub in places.items():
        lat, lon = point_in(sub)
        open_case = make_complaint(lat, lon)
        overdue = make_complaint(lat, lon)
        Complaint.objects.filter(pk=overdue.pk).update(due_at=now - timedelta(days=3))
        closed = put_in_state(make_complaint(lat, lon), status=Status.CLOSED)
        old = make_complaint(lat, lon, received_at=now - timedelta(days=70))
        old_closed = put_in_state(
            make_complaint(lat, lon, received_at=now - timedelta(days=70)), status=Status.CLOSED
        )
        made[key] = [open_case, overdue, closed, old, old_closed]
    # Forwarded up to the province: in the province officer's inbox.
    put_in_state(made["4901b"][0], status=Status.FORWARDED, forwarded_to="province")
    return made


def db_counts(area: Q) -> dict:
    """The truth, straight from the table: what the home page must show for ``area``."""
    now = timezone.now()
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    in_area = Complaint.objects.filter(area)
    this_month = in_area.filter(received_at__gte=month_start)
    return {
        "open": in_area.filter(status__in=OPEN_STATUSES).count(),
        "overdue": in_area.filter(status__in=OPEN_STATUSES, due_at__lt=now).count(),
        "received": this_month.count(),
        "closed": this_month.filter(status=Status.CLOSED).count(),
    }


def test_anonymous_gets_the_public_home_with_the_officers_login():
    """Since issue 11 ``/`` is the public home: filing, tracking, and the officers' login."""
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/accounts/login/"' in html and 'href="/file/"' in html
    assert 'href="/cases/"' not in html  # no officer's link


def test_officer_without_role_is_told_so(fast_hasher, cases):
    officer = make_officer(None)
    response = client_for(officer).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-role"' in html
    # Nothing of anyone's cases, and no links to case lists or intake.
    assert "counts" not in response.context or response.context.get("counts") is None
    assert 'id="home-counts"' not in html
    assert "/cases/new/" not in html


def test_district_officer_counts_are_their_district_only(cases):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    response = client_for(officer).get("/")
    assert response.status_code == 200
    counts = response.context["counts"]
    closure = response.context["closure"]
    truth = db_counts(Q(district_id="4901"))
    assert counts["open"] == truth["open"]
    assert counts["overdue"] == truth["overdue"]
    assert closure["received"] == truth["received"]
    assert closure["closed"] == truth["closed"]
    # Cases outside the district exist and are not counted.
    everywhere = db_counts(Q())
    assert everywhere["open"] > counts["open"] and everywhere["overdue"] > counts["overdue"]
    assert counts["open"] == 6  # 3 open in each of 490101 and 490102 (one forwarded up)
    assert counts["overdue"] == 4  # per sub-district: the one past due and the 70-day-old one
    assert closure["share"] == round(100 * truth["closed"] / truth["received"])
    assert closure["target"] == 80
    # A district officer has no province inbox.
    assert counts["inbox"] is None
    html = response.content.decode()
    assert f'<span class="n">{counts["open"]}</span>' in html
    assert f'<span class="n">{counts["overdue"]}</span>' in html
    assert f"{closure['share']} %" in html


def test_province_officer_counts_are_their_province_only(cases):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).get("/")
    counts = response.context["counts"]
    closure = response.context["closure"]
    truth = db_counts(Q(province_id="49"))
    assert counts["open"] == truth["open"] == 9  # 4901 (6) + 4902 (3)
    assert counts["overdue"] == truth["overdue"]
    assert (closure["received"], closure["closed"]) == (truth["received"], truth["closed"])
    assert db_counts(Q())["open"] > counts["open"]  # province 48's cases are left out
    # The case forwarded to the province is in the inbox (and the queue).
    assert counts["inbox"] == 1
    assert counts["queue"] == 1


def test_closure_counts_the_month_received(fast_hasher):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    lat, lon = point_in("490101")
    # Four received this month, three closed: 75 %, below the target.
    made = [make_complaint(lat, lon) for _ in range(4)]
    for case in made[:3]:
        put_in_state(case, status=Status.CLOSED)
    # Received long ago and closed: not this month's.
    put_in_state(
        make_complaint(lat, lon, received_at=timezone.now() - timedelta(days=70)),
        status=Status.CLOSED,
    )
    closure = client_for(officer).get("/").context["closure"]
    assert (closure["received"], closure["closed"], closure["share"]) == (4, 3, 75)
    assert closure["on_target"] is False
    put_in_state(made[3], status=Status.CLOSED)
    closure = client_for(officer).get("/").context["closure"]
    assert (closure["share"], closure["on_target"]) == (100, True)


def test_no_case_this_month_says_so(fast_hasher):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4902")
    response = client_for(officer).get("/")
    assert response.context["closure"]["received"] == 0
    assert response.context["closure"]["share"] is None
    assert "<meter" not in response.content.decode()


def links(response) -> str:
    return response.content.decode()


def test_links_by_role(fast_hasher):
    team = make_team("490101")
    district = make_officer(Role.DISTRICT_OFFICER, district="4901")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    central = make_officer(Role.CENTRAL_OFFICER)
    staff = make_officer(Role.DISTRICT_OFFICER, district="4801", is_staff=True)

    html = links(client_for(district).get("/"))
    assert 'id="home-intake" href="/cases/new/"' in html
    assert 'href="/team/"' not in html
    assert 'href="/maps/province/49/"' in html and 'href="/maps/province/48/"' not in html
    assert "/api/complaints.geojson" not in html
    assert 'id="link-registrations"' not in html and 'id="link-admin"' not in html
    for url in ("/cases/", "/cases/backlog/", "/cases/overdue/"):
        assert f'href="{url}"' in html

    html = links(client_for(member).get("/"))
    assert 'id="home-team" href="/team/"' in html
    assert "/cases/new/" not in html
    assert 'href="/maps/province/49/"' in html

    html = links(client_for(chief).get("/"))
    assert 'id="link-registrations" href="/accounts/registrations/"' in html

    html = links(client_for(analyst).get("/"))
    assert 'href="/api/complaints.geojson?province=49"' in html
    assert "/cases/new/" not in html

    response = client_for(central).get("/")
    html = links(response)
    assert 'id="tile-inbox"' in html
    assert 'href="/maps/province/49/"' in html and 'href="/maps/province/48/"' in html
    assert 'id="home-intake"' in html

    html = links(client_for(staff).get("/"))
    assert 'id="link-admin" href="/admin/"' in html
    assert 'href="/maps/province/48/"' in html and 'href="/maps/province/49/"' not in html


def test_pending_registrations_counted_for_the_approver(fast_hasher):

    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    common = dict(
        title="นาย",
        first_name="สมหมาย",
        last_name="ขยัน",
        position="ปลัดอำเภอ",
        permission_level="district",
        province_id="49",
        phone_office="042611111",
        date_assigned=date(2025, 10, 1),
    )
    RegistrationRequest.objects.create(citizen_id=new_citizen_id(), district_id="4901", **common)
    RegistrationRequest.objects.create(citizen_id=new_citizen_id(), district_id="4902", **common)
    response = client_for(chief).get("/")
    assert response.context["pending_registrations"] == 1


@pytest.mark.browser
def test_home_at_360_px_in_thai(live_server, live_data):

    central = make_officer(Role.CENTRAL_OFFICER)  # the longest page: inbox and every province
    lat, lon = point_in("490101")
    make_complaint(lat, lon)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, mobile=True, locale="en-US")
        login(page, live_server.url, central)
        response = page.goto(f"{live_server.url}/")
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "th"
        assert page.locator("#tile-open .n").inner_text() == "1"
        page.locator("details.home-provinces summary").first.click()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        tiles = page.locator(".home-tile")
        for i in range(tiles.count()):
            box = tiles.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        screenshot(page, "home_360")
        assert page.blocked_requests == []
        assert page.console_errors == []
