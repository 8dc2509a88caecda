"""Odd input gets a 4xx that says what is wrong, never a 500: NUL characters, which
PostgreSQL text cannot hold, and digits that are not decimal digits ("²")."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from layers.models import Complaint
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    make_team("490101")
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


@pytest.fixture
def client(officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    return client


def test_a_nul_character_in_the_address_is_a_400(client, officer):
    case = make_complaint(created_by=officer)
    for url in [
        "/api/cases/?district=%00",
        "/api/cases/?forwarded_to=x%00",
        "/api/cases/%00/",
        "/cases/backlog/?district=4901%00",
        "/cases/overdue/?province=%00",
        "/cases/%00/",
        "/cases/new/done/%00/",
        "/maps/province/%00/",
        f"/cases/{case.tracking_no}/?x%00=1",
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "NUL" in response.content.decode(), url
    response = client.get("/api/cases/%00/")
    assert response["Content-Type"] == "application/json"
    assert client.get(f"/cases/{case.tracking_no}/").status_code == 200


def test_a_nul_character_in_a_workflow_text_is_a_400_naming_the_field(client, officer):
    case = make_complaint(created_by=officer)
    for action in (
        {"action": "note", "text": "ลงพื้นที่\x00แล้ว"},
        {"action": "forward", "target": "agency", "agency": "สำนักงาน\x00", "note": "ส่งต่อ"},
    ):
        body = {**action, "version": case.version}
        response = client.post(
            f"/api/cases/{case.tracking_no}/actions/", json.dumps(body), "application/json"
        )
        assert response.status_code == 400, action
        assert set(response.json()["fields"]) & {"text", "agency"}, response.json()
    # The case page's form too; nothing was written by any of them.
    response = client.post(
        f"/cases/{case.tracking_no}/act/",
        {"action": "note", "version": case.version, "text": "a\x00b"},
    )
    assert response.status_code == 400
    assert Complaint.objects.get(pk=case.pk).version == case.version


def test_a_team_number_in_other_digits_is_refused_or_ignored(client, officer):
    make_complaint(created_by=officer)
    response = client.get("/api/cases/?team=%C2%B2")  # "²": isdigit() but not a number
    assert response.status_code == 400
    assert "team" in response.json()["fields"]
    assert client.get("/api/cases/backlog/?team=%C2%B2").status_code == 400
    # The list page reads its filters with the same parser: the Thai error page, saying why.
    page = client.get("/cases/backlog/?team=%C2%B2")
    assert page.status_code == 400
    assert 'id="error-page"' in page.content.decode()
