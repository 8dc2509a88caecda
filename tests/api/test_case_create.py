"""``POST /api/cases/`` (issue 8): a complaint recorded through the intake form's service, with
the same validation and messages, answering the routing and the duplicate candidates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from layers import policy
from layers.forms.intake import IntakeForm
from layers.models import Attachment, Complaint, ComplaintHistory
from tests.case_fixtures import build_cast
from tests.factories import MUKDAHAN_CITY, make_complaint

pytestmark = pytest.mark.django_db

TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"
SECRET = "นายลับเฉพาะ คนร้องเดิม"
NAKHON_PHANOM = (17.4075, 104.7786)  # 480101
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture
def cast(settings):
    return build_cast(settings)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def client_for(officer=None) -> APIClient:
    client = APIClient()
    if officer is not None:
        client.force_login(officer)
    return client


def body(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **over) -> dict:
    data = {
        "lat": lat,
        "lon": lon,
        "category": "utilities",
        "subcategory": "utilities-roads",
        "channel": "walk_in",
        "complainant_name": "นายสมชาย ใจดี",
        "complainant_citizen_id": "1-1017-00203-41-7",
        "complainant_phone": "081-234-5678",
        "description": TEXT,
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data):
    return client.post("/api/cases/", json.dumps(data), content_type="application/json")


def road(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **fields):
    return make_complaint(
        lat, lon, category="utilities", subcategory="utilities-roads", description=TEXT, **fields
    )


def test_records_routes_and_answers_the_duplicates(cast):
    earlier = road(complainant_name=SECRET)
    response = post(client_for(cast.district_officer), body())
    assert response.status_code == 201, response.content
    data = response.json()
    case = Complaint.objects.get(tracking_no=data["tracking_no"])
    assert case.created_by == cast.district_officer and case.pk != earlier.pk
    assert (data["subdistrict_code"], data["district_code"], data["province_code"]) == (
        case.subdistrict_id,
        "4901",
        "49",
    )
    # Routed to the sub-district's team, as the form's service does.
    assert data["team"] == cast.team.pk == case.assigned_team_id
    assert data["team_name"] == cast.team.name and data["status"] == case.status == "assigned"
    assert data["inside_area"] is True and data["version"] == case.version
    (dup,) = data["duplicates"]
    assert dup["tracking_no"] == earlier.tracking_no
    assert dup["likely"] is True and dup["distance_m"] == 0 and dup["visible"] is True
    # The candidates as GET /api/cases/duplicates/ shapes them (the new case itself excluded).
    assert set(dup) == set(policy.MATCH_OUTSIDE_FIELDS["duplicate"]) | {
        "subcategory_code",
        "subdistrict_code",
        "lat",
        "lon",
    }
    text = response.content.decode()
    assert SECRET not in text and TEXT not in text
    assert ComplaintHistory.objects.filter(complaint=case, kind="created").exists()


def test_nothing_to_compare_answers_an_empty_list(cast):
    response = post(
        client_for(cast.province_officer),
        body(category="land", subcategory=None, subcategory_text=None)
        | {"subcategory": "land-public-encroach"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["duplicates"] == []


def test_a_candidate_outside_the_jurisdiction_shows_only_the_allowed_fields(cast):
    """A Mukdahan district officer records a matter in Nakhon Phanom (accepted and routed
    there): the earlier case of 48 is named with the allowed fields only."""
    there = road(*NAKHON_PHANOM, complainant_name=SECRET)
    response = post(client_for(cast.district_officer), body(*NAKHON_PHANOM))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["inside_area"] is False and data["province_code"] == "48"
    (dup,) = data["duplicates"]
    assert dup["tracking_no"] == there.tracking_no and dup["visible"] is False
    shown = {k for k, v in dup.items() if v is not None}
    assert shown <= policy.MATCH_OUTSIDE_FIELDS["duplicate"]
    assert dup["lat"] is None and dup["subdistrict_code"] is None
    assert SECRET not in response.content.decode()


def test_outsiders_are_refused_and_nothing_is_written(cast):
    road()
    before = Complaint.objects.count()
    assert post(client_for(), body()).status_code == 401
    for reader in (cast.no_role, cast.analyst, cast.governor, cast.chief, cast.member):
        response = post(client_for(reader), body())
        assert response.status_code == 403, (reader, response.content)
        assert response.json()["code"] == "forbidden"
    assert Complaint.objects.count() == before


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "over, field",
    [
        ({"lat": None}, "lat"),
        ({"lat": "1_6.5"}, "lat"),
        ({"lat": True}, "lat"),
        ({"category": "utilities-roads"}, "category"),
        ({"subcategory": "land-title"}, "subcategory"),
        ({"channel": "pigeon"}, "channel"),
        ({"complainant_name": ""}, "complainant_name"),
        ({"complainant_name": 12}, "complainant_name"),
        ({"description": ["x"]}, "description"),
        ({"complainant_citizen_id": "1101700203418"}, "complainant_citizen_id"),
        ({"complainant_phone": "12"}, "complainant_phone"),
        ({"surname": "x"}, "surname"),
        ({"lat": 16.556, "lon": 104.753}, "location"),  # Savannakhet, Laos
        ({"description": "ก" * 20001}, "description"),
    ],
)
def test_bad_input_is_400_with_the_field(cast, over, field):
    response = post(client_for(cast.district_officer), body(**over))
    assert response.status_code == 400, response.content
    data = response.json()
    assert field in data["fields"], data
    assert set(data) >= {"code", "fields"}
    assert Complaint.objects.count() == 0


def test_the_same_thai_messages_as_the_form(cast):
    """Without the English fixture: the site's Thai, word for word the form's message."""
    bad = {"complainant_citizen_id": "1101700203418", "category": "utilities-roads"}
    response = post(client_for(cast.district_officer), body(**bad))
    assert response.status_code == 400
    fields = response.json()["fields"]
    form = IntakeForm(
        data={
            "lat": str(MUKDAHAN_CITY[0]),
            "lon": str(MUKDAHAN_CITY[1]),
            "channel": "walk_in",
            "complainant_name": "x",
            "description": "x",
            **bad,
        }
    )
    assert not form.is_valid()
    assert fields["complainant_citizen_id"] == form.errors["complainant_citizen_id"]
    message = fields["complainant_citizen_id"][0]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in message), message  # in Thai


def test_photos_by_multipart(cast, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(cast.district_officer)
    data = {k: str(v) for k, v in body().items()}
    photo = SimpleUploadedFile("road.jpg", JPEG, content_type="image/jpeg")
    response = client.post("/api/cases/", {**data, "files": [photo]}, format="multipart")
    assert response.status_code == 201, response.content
    case = Complaint.objects.get(tracking_no=response.json()["tracking_no"])
    (attachment,) = Attachment.objects.filter(complaint=case)
    assert (
        attachment.content_type == "image/jpeg" and attachment.uploaded_by == cast.district_officer
    )


def test_a_bad_file_refuses_everything(cast, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(cast.district_officer)
    data = {k: str(v) for k, v in body().items()}
    good = SimpleUploadedFile("road.jpg", JPEG, content_type="image/jpeg")
    bad = SimpleUploadedFile("road.exe", b"MZ\x90\x00" * 20, content_type="image/jpeg")
    response = client.post("/api/cases/", {**data, "files": [good, bad]}, format="multipart")
    assert response.status_code == 400, response.content
    assert "files" in response.json()["fields"]
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0
    assert not [p for p in Path(media).rglob("*") if p.is_file()]


def test_linked_at_intake_to_a_candidate(cast):
    """ "ผูกกับเรื่องเดิม": the new case is recorded, closed as a duplicate of the one chosen,
    not routed; the decision is kept."""
    from layers.models import DuplicateDecision

    earlier = road()
    response = post(client_for(cast.district_officer), body(duplicate_of=earlier.tracking_no))
    assert response.status_code == 201, response.content
    data = response.json()
    case = Complaint.objects.get(tracking_no=data["tracking_no"])
    assert data["duplicate_of"] == earlier.tracking_no and data["status"] == "closed"
    assert case.duplicate_of_id == earlier.pk and case.close_result == "duplicate"
    assert case.assigned_team_id is None and data["team"] is None
    assert [d["tracking_no"] for d in data["duplicates"]] == [earlier.tracking_no]
    kinds = list(ComplaintHistory.objects.filter(complaint=case).values_list("kind", flat=True))
    assert kinds == ["created", "closed"]
    decision = DuplicateDecision.objects.get(case=case)
    assert (decision.candidate_id, decision.decision, decision.score) == (earlier.pk, "linked", 1.0)


@pytest.mark.usefixtures("english")
def test_linking_to_a_case_neither_suggested_nor_visible_is_refused(cast):
    far = road(*NAKHON_PHANOM)  # not near the new one, and outside the officer's area
    for number in (far.tracking_no, "2500-9999999"):
        response = post(client_for(cast.district_officer), body(duplicate_of=number))
        assert response.status_code == 400, response.content
        assert "duplicate_of" in response.json()["fields"]
    assert Complaint.objects.count() == 1
    # A case of their own area, even one not suggested, may be chosen.
    mine = road(MUKDAHAN_CITY[0] + 0.01)  # 1.1 km: not suggested, but in 4901
    response = post(client_for(cast.district_officer), body(duplicate_of=mine.tracking_no))
    assert response.status_code == 201 and response.json()["duplicate_of"] == mine.tracking_no
