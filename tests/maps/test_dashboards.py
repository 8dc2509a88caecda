"""The dashboard pages: each role's own level, scoping, the sub-district redirect, bad
parameters, and the links from the navigation and the home page."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from layers.models import Role
from tests.dashboard_data import build_cases
from tests.factories import make_officer, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def embedded(response, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, element_id
    return json.loads(match.group(1))


@pytest.mark.parametrize(
    "role,area,parent",
    [
        (Role.CENTRAL_OFFICER, {}, ""),
        (Role.ADMIN, {}, ""),
        (Role.GOVERNOR, {"province": "49"}, "49"),
        (Role.PROVINCE_OFFICER, {"province": "49"}, "49"),
        (Role.DISTRICT_CHIEF, {"district": "4901"}, "4901"),
        (Role.DISTRICT_OFFICER, {"district": "4901"}, "4901"),
        (Role.GIS_ANALYST, {"province": "49"}, "49"),
    ],
)
def test_dashboards_opens_the_viewers_own_level(role, area, parent):
    build_cases()
    response = client_for(make_officer(role, **area)).get("/dashboards/")
    assert response.status_code == 200
    figures = embedded(response, "dash-figures")
    assert figures["parent"] == parent
    config = embedded(response, "dash-config")
    assert config["shapes_url"].endswith(f"/{parent or 'country'}.topojson")
    # The ranked table is in the page itself (it works without JavaScript).
    assert 'id="dash-table"' in response.content.decode()


def test_the_province_page_ranks_its_districts_with_hand_counted_figures():
    build_cases()
    governor = make_officer(Role.GOVERNOR, province="49")
    response = client_for(governor).get("/dashboards/49/?metric=overdue")
    assert response.status_code == 200
    rows = {r["code"]: r for r in embedded(response, "dash-figures")["areas"]}
    assert rows["4901"]["value"] == 1 and rows["4902"]["value"] == 1
    assert rows["4903"]["value"] == 0
    body = response.content.decode()
    assert 'href="/dashboards/4901/"' in body  # down a level
    assert "นครพนม" not in body


def test_scoping_of_the_pages():
    governor = client_for(make_officer(Role.GOVERNOR, province="49"))
    assert governor.get("/dashboards/48/").status_code == 403
    assert governor.get("/dashboards/4801/").status_code == 403
    assert governor.get("/dashboards/4901/").status_code == 200
    district = client_for(make_officer(Role.DISTRICT_OFFICER, district="4901"))
    assert district.get("/dashboards/49/").status_code == 403
    assert district.get("/dashboards/4902/").status_code == 403
    assert district.get("/dashboards/48/").status_code == 403
    assert district.get("/dashboards/4801/").status_code == 403
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[make_team("490101")])
    assert client_for(member).get("/dashboards/").status_code == 403
    assert client_for(make_officer()).get("/dashboards/").status_code == 403
    response = Client().get("/dashboards/49/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_sub_district_opens_its_district_with_it_picked():
    officer = client_for(make_officer(Role.DISTRICT_CHIEF, district="4901"))
    response = officer.get("/dashboards/490101/")
    assert response.status_code == 302 and response["Location"] == "/dashboards/4901/?area=490101"
    page = officer.get(response["Location"])
    assert page.status_code == 200
    assert embedded(page, "dash-figures")["area"] == "490101"
    assert officer.get("/dashboards/490201/").status_code == 403
    assert officer.get("/dashboards/490199/").status_code == 404


@pytest.mark.parametrize("path", ["/dashboards/99/", "/dashboards/4999/", "/dashboards/4x/"])
def test_unknown_areas_are_404(path):
    assert client_for(make_officer(Role.CENTRAL_OFFICER)).get(path).status_code == 404


def test_bad_parameters_are_a_thai_400_page():
    response = client_for(make_officer(Role.CENTRAL_OFFICER)).get("/dashboards/49/?metric=x")
    assert response.status_code == 400
    assert "metric" in response.content.decode()


def test_the_navigation_and_the_home_page_link_the_dashboard_for_roles_that_have_one():
    for officer, has in (
        (make_officer(Role.GOVERNOR, province="49"), True),
        (make_officer(Role.DISTRICT_CHIEF, district="4901"), True),
        (make_officer(Role.CENTRAL_OFFICER), True),
        (make_officer(Role.GIS_ANALYST, province="49"), True),
        (make_officer(Role.TEAM_MEMBER, district="4901", teams=[make_team("490103")]), False),
    ):
        body = client_for(officer).get("/").content.decode()
        assert ('id="nav-dashboards"' in body) is has
        assert ('id="home-dashboard"' in body) is has


def test_the_month_pickers_show_buddhist_era_months():
    body = client_for(make_officer(Role.CENTRAL_OFFICER)).get("/dashboards/").content.decode()
    assert re.search(
        r'<option value="\d{4}-\d\d-01">(มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม) 25\d\d</option>',
        body,
    )
