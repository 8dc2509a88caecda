"""Lists and pages that show an area's name never fetch its polygon.

A province's polygon is about 24 kB on the national data (megabytes at full COD-AB
resolution); a 50-row case list that selected the three areas of each row whole fetched and
parsed 150 polygons it never drew. Maps read polygons through ``ST_AsGeoJSON``, which is not
a bare column in the select list, so it does not count here.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from layers.models import RegistrationRequest
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

# A polygon column as a plain item of a SELECT list (not inside a function such as
# ST_AsGeoJSON, not in a WHERE clause).
BARE_POLYGON = re.compile(r'(?:SELECT |, )"boundaries_(?:province|district|subdistrict)"\."geom"')


def polygon_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    selects = [q["sql"].split(" FROM ", 1)[0] for q in ctx.captured_queries]
    return response.status_code, [s[:200] for s in selects if BARE_POLYGON.search(s)]


def client_for(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def test_case_lists_and_pages_read_area_names_without_polygons(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = make_team("490101")
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    cases = [make_complaint(created_by=officer) for _ in range(3)]
    no = cases[0].tracking_no
    for client, url in [
        (client_for(officer), "/cases/"),
        (client_for(officer), "/cases/backlog/"),
        (client_for(officer), "/cases/overdue/"),
        (client_for(officer), f"/cases/{no}/"),
        (client_for(officer), f"/cases/new/done/{no}/"),
        (client_for(officer), "/api/cases/"),
        (client_for(officer), "/api/cases/backlog/"),
        (client_for(officer), f"/api/cases/{no}/"),
        (client_for(member), "/team/"),
        (client_for(member), f"/team/cases/{no}/"),
        (client_for(member), "/accounts/profile/"),
    ]:
        status, offending = polygon_queries(client, url)
        assert status == 200, url
        assert offending == [], url


def test_registration_pages_read_area_names_without_polygons():
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    reg = RegistrationRequest.objects.create(
        citizen_id="1101700203417",
        title="นาย",
        first_name="ทดสอบ",
        last_name="ลงทะเบียน",
        position="ปลัดอำเภอ",
        province_id="49",
        district_id="4901",
        permission_level="district",
        phone_office="042611111",
        date_assigned="2026-01-05",
    )
    for client, url in [
        (Client(), "/accounts/register/"),
        (client_for(chief), "/accounts/registrations/"),
        (client_for(chief), f"/accounts/registrations/{reg.pk}/"),
    ]:
        status, offending = polygon_queries(client, url)
        assert status == 200, url
        assert offending == [], url
