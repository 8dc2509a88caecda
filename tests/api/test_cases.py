"""The case API: scoped lists and filters, backlog and overdue ordering, one case with or
without personal data, the actions with their status codes, and outsiders refused everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from boundaries.models import Subdistrict
from layers.models import Attachment, CaseNote, Complaint, Status
from layers.selectors import cases as sel
from layers.selectors.filters import CaseFilter
from tests.case_fixtures import build_cast, put_in_state, snapshot
from tests.factories import make_complaint

# Messages are checked in English (the msgids); the site's default is Thai.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SECRET_NAME = "นายลับเฉพาะ ทดสอบเอพีไอ"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_cast(settings)


@pytest.fixture
def case(cast):
    return make_complaint(complainant_name=SECRET_NAME)


def client_for(officer=None) -> APIClient:
    client = APIClient()
    if officer is not None:
        client.force_login(officer)
    return client


def endpoints(tracking_no):
    base = "/api/cases/"
    return [
        ("get", base),
        ("get", base + "queue/"),
        ("get", base + "inbox/"),
        ("get", base + "backlog/"),
        ("get", base + "backlog/summary/"),
        ("get", base + "overdue/"),
        ("get", f"{base}{tracking_no}/"),
        ("post", f"{base}{tracking_no}/actions/"),
    ]


def call(client, method, url, data=None):
    if method == "post":
        return client.post(url, data or {"action": "start", "version": 2}, format="json")
    return client.get(url)


def test_anonymous_and_role_less_officers_are_refused_on_every_endpoint(cast, case):
    for method, url in endpoints(case.tracking_no):
        assert call(client_for(), method, url).status_code in (401, 403), url
        assert call(client_for(cast.no_role), method, url).status_code == 403, url
    assert snapshot(case)[1] == case.version


def test_officers_of_another_area_never_see_the_case(cast, case):
    for officer in (cast.other_district_officer, cast.other_province_officer, cast.member2):
        client = client_for(officer)
        for method, url in endpoints(case.tracking_no):
            response = call(client, method, url)
            if "/api/cases/2" in url:  # the case itself: not revealed
                assert response.status_code == 404, (url, response.status_code)
            else:
                assert response.status_code == 200, url
                assert case.tracking_no not in response.content.decode()
    assert Status.ASSIGNED == snapshot(case)[0]


def test_the_list_is_scoped_filtered_and_paginated(cast, case):

    other = Subdistrict.objects.filter(province_id="48").first().geom.point_on_surface
    elsewhere = make_complaint(lat=other.y, lon=other.x)
    queue_point = Subdistrict.objects.get(code="490103").geom.point_on_surface
    queued = make_complaint(lat=queue_point.y, lon=queue_point.x)

    client = client_for(cast.district_officer)
    body = client.get("/api/cases/").json()
    numbers = {row["tracking_no"] for row in body["results"]}
    assert numbers == {case.tracking_no, queued.tracking_no}
    assert elsewhere.tracking_no not in numbers
    assert body["count"] == 2

    assert [
        r["tracking_no"] for r in client.get("/api/cases/?status=received").json()["results"]
    ] == [queued.tracking_no]
    by_team = client.get(f"/api/cases/?team={cast.team.pk}").json()["results"]
    assert [r["tracking_no"] for r in by_team] == [case.tracking_no]
    paged = client.get("/api/cases/?page_size=1").json()
    assert (paged["count"], len(paged["results"]), bool(paged["next"])) == (2, 1, True)
    # A filter naming another area narrows to nothing; it never widens the scope.
    assert client.get("/api/cases/?province=48").json()["count"] == 0
    assert client_for(cast.central).get("/api/cases/?province=48").json()["count"] == 1

    bad = client.get("/api/cases/?status=lost")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    assert client.get("/api/cases/?overdue=maybe").status_code == 400


def old_cases():
    """X: received 70 days ago, 60-day SLA (due 10 days ago). Y: received 50 days ago, 30-day
    SLA (due 20 days ago). Z: received yesterday (not due). W: old but closed."""
    now = timezone.now()
    x = make_complaint(received_at=now - timedelta(days=70))
    y = make_complaint(
        received_at=now - timedelta(days=50), category="hardship", subcategory="hardship-poverty"
    )
    z = make_complaint(received_at=now - timedelta(days=1))
    w = make_complaint(received_at=now - timedelta(days=200))
    put_in_state(w, status="closed")
    return x, y, z, w


def test_backlog_is_oldest_first_and_overdue_most_overdue_first(cast):
    x, y, z, w = old_cases()
    officer = cast.district_officer
    assert list(sel.case_backlog(officer=officer)) == [x, y, z]
    assert list(sel.case_overdue(officer=officer)) == [y, x]

    client = client_for(officer)
    backlog = [r["tracking_no"] for r in client.get("/api/cases/backlog/").json()["results"]]
    overdue = client.get("/api/cases/overdue/").json()["results"]
    assert backlog == [x.tracking_no, y.tracking_no, z.tracking_no]
    assert [r["tracking_no"] for r in overdue] == [y.tracking_no, x.tracking_no]
    assert all(r["overdue"] for r in overdue)
    flagged = client.get("/api/cases/?overdue=true").json()["results"]
    assert {r["tracking_no"] for r in flagged} == {x.tracking_no, y.tracking_no}

    # Per team, district and province: the same cases, through the same scope.
    team = CaseFilter(team=cast.team.pk)
    assert list(sel.case_backlog(officer=officer, filters=team)) == [x, y, z]
    in_4901, in_49 = CaseFilter(district="4901"), CaseFilter(province="49")
    assert list(sel.case_overdue(officer=cast.province_officer, filters=in_4901)) == [y, x]
    assert list(sel.case_overdue(officer=cast.member, filters=in_49)) == [y, x]
    assert list(sel.case_overdue(officer=cast.other_province_officer, filters=in_49)) == []

    summary = client.get("/api/cases/backlog/summary/?by=team").json()["results"]
    assert summary == [
        {
            "key": cast.team.pk,
            "name": cast.team.name,
            "open": 3,
            "overdue": 2,
            "oldest_received_at": x.received_at.isoformat(),
        }
    ]
    assert client.get("/api/cases/backlog/summary/?by=moon").status_code == 400


def test_detail_shows_personal_data_only_to_entitled_roles(cast, case):
    entitled = client_for(cast.district_officer).get(f"/api/cases/{case.tracking_no}/")
    assert entitled.status_code == 200
    body = entitled.json()
    assert body["personal"]["complainant_name"] == SECRET_NAME
    assert body["version"] == case.version and body["status"] == "assigned"
    assert [h["kind"] for h in body["history"]] == ["created", "assigned"]
    assert body["actions"] == ["start", "assign", "forward", "close", "note"]

    analyst = client_for(cast.analyst).get(f"/api/cases/{case.tracking_no}/")
    assert analyst.status_code == 200
    assert analyst.json()["personal"] is None
    assert analyst.json()["withheld"] == ["personal", "free_text", "attachments"]
    assert body["withheld"] == []
    assert SECRET_NAME not in analyst.content.decode()
    assert analyst.json()["actions"] == []


def post_action(officer, case, **data):
    return client_for(officer).post(f"/api/cases/{case.tracking_no}/actions/", data, format="json")


def test_an_action_returns_the_new_state(cast, case):
    response = post_action(cast.member, case, action="start", version=case.version)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == (
        "in_progress",
        case.version + 1,
    )
    response = post_action(
        cast.member, case, action="close", version=case.version + 1, result="resolved", note="จบ"
    )
    assert response.status_code == 200 and response.json()["close_result"] == "resolved"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"action": "close", "result": "resolved"}, "note"),
        ({"action": "close", "note": "จบ"}, "result"),
        ({"action": "reopen"}, "reason"),
        ({"action": "dance"}, "action"),
        ({"action": "forward", "target": "agency", "note": "ส่ง"}, "agency"),
        ({"action": "start", "version": "x"}, "version"),
        ({"action": "start", "version": None}, "version"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(cast, case, data, field):
    if data["action"] == "reopen":
        put_in_state(case, status="closed")
    data = {"version": case.version, **data}
    if data["version"] is None:
        del data["version"]
    before = snapshot(case)
    response = post_action(cast.district_officer, case, **data)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "fields"} and body["code"] == "invalid"
    assert field in body["fields"] and body["fields"][field][0]
    assert snapshot(case) == before


# Each of these returned 200 and changed the case before the strict input of issue 7: the
# JSON body's types are checked, never coerced ("False" as a note, a version of true or 4.9).
@pytest.mark.parametrize(
    "change,field",
    [
        ({"note": False}, "note"),
        ({"note": 12}, "note"),
        ({"note": {"text": "ปิด"}}, "note"),
        ({"note": ["ปิด", "เรื่อง"]}, "note"),
        ({"result": ["resolved"]}, "result"),
        ({"version": True}, "version"),
        ({"version": 4.9}, "version"),
        ({"version": "๕"}, "version"),
        ({"version": "8"}, "version"),  # a JSON body's version is a JSON integer
        ({"version": 0}, "version"),
        ({"version": -1}, "version"),
        ({"colour": "red"}, "colour"),  # a field the action does not take is not ignored
    ],
)
def test_a_close_with_badly_typed_fields_is_refused_and_nothing_changes(cast, case, change, field):
    data = {"action": "close", "version": case.version, "result": "resolved", "note": "จบ"}
    if field == "version" and change["version"] in (True, 4.9, "๕"):
        # true == 1, int(4.9) == 4 and int("๕") == 5 in Python: give the case that version, so
        # that a coerced version would be accepted as current.
        Complaint.objects.filter(pk=case.pk).update(version=int(change["version"]))
        case.refresh_from_db()
    data.update(change)
    before = snapshot(case)
    response = post_action(cast.district_officer, case, **data)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert snapshot(case) == before


def test_a_stale_version_given_as_a_json_integer_is_still_a_409(cast, case):
    before = snapshot(case)
    response = post_action(
        cast.district_officer,
        case,
        action="close",
        version=case.version + 7,
        result="resolved",
        note="จบ",
    )
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert snapshot(case) == before


def test_a_version_in_a_form_is_digits(cast, case, settings, tmp_path):
    """Multipart (a note with photos) has only text: the version is ASCII digits there."""
    settings.MEDIA_ROOT = tmp_path
    url = f"/api/cases/{case.tracking_no}/actions/"
    client = client_for(cast.district_officer)
    refused = client.post(url, {"action": "note", "version": "๕", "text": "x"}, format="multipart")
    assert refused.status_code == 400 and "version" in refused.json()["fields"]
    done = client.post(
        url, {"action": "note", "version": str(case.version), "text": "ลงพื้นที่"}, format="multipart"
    )
    assert done.status_code == 200 and done.json()["version"] == case.version + 1


def test_a_stale_version_is_a_409_with_the_current_state_and_nothing_changed(cast, case):
    seen = case.version
    assert post_action(cast.member, case, action="start", version=seen).status_code == 200
    before = snapshot(case)
    response = post_action(
        cast.district_officer, case, action="close", version=seen, result="withdrawn", note="ถอน"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert body["current"] == {"status": "in_progress", "version": seen + 1}
    assert "version" in body["detail"]
    assert snapshot(case) == before


def test_a_refused_transition_is_a_409(cast, case):
    put_in_state(case, status="closed")
    before = snapshot(case)
    response = post_action(
        cast.district_officer,
        case,
        action="close",
        version=case.version,
        result="resolved",
        note="x",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "transition_refused"
    assert snapshot(case) == before


def test_read_only_roles_get_403_and_outsiders_404_on_actions(cast, case):
    before = snapshot(case)
    for officer in (cast.governor, cast.analyst):
        assert (
            post_action(officer, case, action="note", version=case.version, text="x").status_code
            == 403
        )
    # A province officer sees the case but does not hold it until it is forwarded up.
    assert (
        post_action(cast.province_officer, case, action="start", version=case.version).status_code
        == 403
    )
    for officer in (cast.other_district_officer, cast.other_province_officer, cast.member2):
        assert (
            post_action(officer, case, action="note", version=case.version, text="x").status_code
            == 404
        )
    assert snapshot(case) == before


def test_a_note_with_a_photo_by_multipart_and_the_file_served_only_to_who_may_see_it(cast, case):
    client = client_for(cast.member)
    response = client.post(
        f"/api/cases/{case.tracking_no}/actions/",
        {
            "action": "note",
            "version": case.version,
            "text": "ภาพหน้างาน",
            "visit_lat": "16.5436",
            "visit_lon": "104.7236",
            "visit_accuracy_m": "8",
            "files": [SimpleUploadedFile("site.jpg", JPEG, content_type="image/jpeg")],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["notes"][0]["visit_lat"] == 16.5436 and body["notes"][0]["visit_accuracy_m"] == 8
    url = body["attachments"][0]["url"]
    assert body["notes"][0]["attachments"] == [body["attachments"][0]["id"]]

    served = client_for(cast.district_officer).get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == JPEG
    assert served["Content-Type"] == "image/jpeg"
    assert client_for(cast.other_district_officer).get(url).status_code == 404
    assert client_for(cast.no_role).get(url).status_code == 403
    assert client_for().get(url).status_code == 302  # to the login page


def test_a_wrong_file_by_multipart_is_a_400_with_nothing_saved(cast, case, tmp_path):
    before = snapshot(case)
    response = client_for(cast.member).post(
        f"/api/cases/{case.tracking_no}/actions/",
        {
            "action": "note",
            "version": case.version,
            "text": "แนบไฟล์",
            "files": [
                SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho hi\n", content_type="image/jpeg")
            ],
        },
        format="multipart",
    )
    assert response.status_code == 400 and "files" in response.json()["fields"]
    assert snapshot(case) == before
    assert (Attachment.objects.count(), CaseNote.objects.count()) == (0, 0)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_inbox_and_queue_endpoints_follow_the_role(cast, case):
    forwarded = post_action(
        cast.district_officer,
        case,
        action="forward",
        version=case.version,
        target="province",
        note="ขอจังหวัด",
    )
    assert forwarded.status_code == 200
    inbox = client_for(cast.province_officer).get("/api/cases/inbox/").json()["results"]
    assert [r["tracking_no"] for r in inbox] == [case.tracking_no]
    assert client_for(cast.central).get("/api/cases/inbox/").json()["count"] == 0
    queue = client_for(cast.province_officer).get("/api/cases/queue/").json()["results"]
    assert [r["tracking_no"] for r in queue] == [case.tracking_no]
    assert client_for(cast.member).get("/api/cases/queue/").json()["count"] == 0
    back = post_action(
        cast.province_officer, case, action="return", version=case.version + 1, reason="คืนอำเภอ"
    )
    assert back.status_code == 200 and back.json()["status"] == "assigned"
    queue = client_for(cast.member).get("/api/cases/queue/").json()["results"]
    assert [r["tracking_no"] for r in queue] == [case.tracking_no]
