"""The citizen's side (issue 11): the public home, filing online, the PIN, tracking, adding
information, and the throttles (the 21st filing from an address, 10 wrong PINs)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from boundaries.models import Subdistrict
from layers.models import (
    Attachment,
    Channel,
    Complaint,
    ComplaintHistory,
    HistoryKind,
    PublicAttempt,
    Status,
)
from layers.services.pin_senders import MemorySmsSender
from layers.services.tracking import pin_digest
from tests.case_fixtures import put_in_state
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"PUBLIC-PHOTO"
PIN_RE = re.compile(r'id="tracking-pin">([0-9]{4} [0-9]{4})<')


def point_in(code: str) -> tuple[float, float]:
    p = Subdistrict.objects.get(code=code).geom.point_on_surface
    return p.y, p.x


def filing(**overrides) -> dict:
    lat, lon = point_in("490101")
    data = {
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "location_note": "หน้าตลาดสด",
        "category": "land",
        "subcategory": "land-public-encroach",
        "subcategory_text": "",
        "description": "มีการถมที่สาธารณะริมหนองน้ำ ONLINE-DESC-END",
        "complainant_name": "นางสาวสมศรี ONLINE-NAME-END",
        "complainant_phone": "0812345678",
        "complainant_email": "",
        "complainant_citizen_id": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def file_one(client: Client, **overrides):
    return client.post("/file/", filing(**overrides), REMOTE_ADDR=overrides.pop("ip", "10.0.0.1"))


@pytest.fixture(autouse=True)
def clean_outbox():
    MemorySmsSender.outbox.clear()
    cache.clear()
    yield
    MemorySmsSender.outbox.clear()


# --- the home page ---------------------------------------------------------------------------


def test_the_home_is_public_and_officers_keep_their_working_home():
    body = Client().get("/").content.decode()
    assert 'href="/file/"' in body and 'href="/track/"' in body
    assert 'href="/accounts/login/"' in body  # officers log in from it
    for path in ("/news/", "/open-data/", "/anticorruption/"):  # the rest of the public side
        assert f'href="{path}"' in body
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client = Client()
    client.force_login(officer)
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/file/"' not in response.content.decode()
    assert response.context["counts"]["queue"] is not None  # the officer's own home


# --- filing ----------------------------------------------------------------------------------


def test_a_filing_goes_through_intake_with_a_pin_given_once(run_jobs):
    team = make_team("490101")
    client = Client()
    response = file_one(client)
    assert response.status_code == 302 and response["Location"] == "/file/done/"
    case = Complaint.objects.get(complainant_name="นางสาวสมศรี ONLINE-NAME-END")
    assert case.channel == Channel.ONLINE and case.created_by is None
    assert case.subdistrict_id == "490101" and case.assigned_team == team  # routed
    assert case.status == Status.ASSIGNED
    receipt = client.get("/file/done/").content.decode()
    pin = PIN_RE.search(receipt).group(1).replace(" ", "")
    assert case.tracking_no in receipt
    # Only a keyed hash is stored, and it is the PIN's.
    assert pin not in case.pin_hash and case.pin_hash == pin_digest(case.tracking_no, pin)
    # Given once: the receipt does not show it again.
    again = client.get("/file/done/")
    assert again.status_code == 302 and pin not in again.content.decode()
    # Sent by SMS through the job queue; the job row holds neither the PIN nor the phone.
    job = ProcrastinateJob.objects.get(task_name="layers.pin_deliver", args__complaint=case.pk)
    stored = json.dumps(job.args)
    assert pin not in stored and "0812345678" not in stored
    run_jobs()
    sent = [m for phone, m in MemorySmsSender.outbox if phone == "+66812345678"]
    assert any(case.tracking_no in m and f"{pin[:4]} {pin[4:]}" in m for m in sent)


def test_a_refused_filing_says_why_in_thai_and_keeps_what_was_typed():
    response = file_one(Client(), consent="", complainant_citizen_id="1234567890123")
    assert response.status_code == 400
    body = response.content.decode()
    assert "ONLINE-DESC-END" in body and "ONLINE-NAME-END" in body  # kept
    assert "ยินยอม" in body  # the consent message, in Thai
    assert "1234567890123" in body  # the citizen ID as typed, with its check-digit error
    assert not Complaint.objects.filter(description__contains="ONLINE-DESC-END").exists()


def test_other_needs_its_sub_category_in_words():
    response = file_one(Client(), category="other", subcategory="")
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    response = file_one(Client(), category="other", subcategory="", subcategory_text="เสียงดัง")
    assert response.status_code == 302
    assert Complaint.objects.get().subcategory_text == "เสียงดัง"


def test_the_honeypot_refuses_a_bot():
    response = file_one(Client(), website="http://spam.example")
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert "ONLINE-DESC-END" in response.content.decode()


def test_only_photos_of_a_limited_size(settings):
    settings.ATTACHMENT_MAX_BYTES = 200
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 400, "image/jpeg")
    response = Client().post("/file/", {**filing(), "attachments": [big]})
    assert response.status_code == 400 and not Complaint.objects.exists()
    pdf = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n" + b"x" * 50, "application/pdf")
    response = Client().post("/file/", {**filing(), "attachments": [pdf]})
    assert response.status_code == 400 and not Complaint.objects.exists()
    photo = SimpleUploadedFile("p.jpg", JPEG, "image/jpeg")
    response = Client().post("/file/", {**filing(), "attachments": [photo]})
    assert response.status_code == 302
    assert Attachment.objects.get().uploaded_by is None


def test_the_21st_filing_from_one_address_is_refused(settings):
    settings.PUBLIC_FILING_PER_PHONE = 1000
    client = Client()
    for n in range(20):
        response = file_one(client, description=f"เรื่องที่ {n}")
        assert response.status_code == 302, n
    response = file_one(client, description="เรื่องที่ 21 KEEP-ME")
    assert response.status_code == 429
    body = response.content.decode()
    assert "KEEP-ME" in body and "ONLINE-NAME-END" in body
    assert "มากเกินไป" in body or "เกิน" in body  # says why, in Thai
    assert Complaint.objects.count() == 20
    # Another address is not held back by it.
    assert file_one(Client(), ip="10.0.0.2").status_code == 302
    # The table holds hashes, not the address or the phone.
    keys = " ".join(PublicAttempt.objects.values_list("key", flat=True))
    assert "10.0.0.1" not in keys and "0812345678" not in keys


def test_filings_with_one_phone_are_throttled(settings):
    settings.PUBLIC_FILING_PER_PHONE = 2
    for n in range(2):
        assert file_one(Client(), ip=f"10.0.1.{n}").status_code == 302
    response = file_one(Client(), ip="10.0.1.9", complainant_phone="081-234-5678")
    assert response.status_code == 429
    assert file_one(Client(), ip="10.0.1.9", complainant_phone="0899999999").status_code == 302


# --- tracking --------------------------------------------------------------------------------


def case_with_pin(**fields):
    case = make_complaint(**fields)
    return case, case.pin


def test_every_channel_gets_a_pin_and_the_officer_sees_it_once():
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    case, pin = case_with_pin(created_by=officer, channel="walk_in")
    assert len(pin) == 8 and case.pin_hash == pin_digest(case.tracking_no, pin)
    client = Client()
    client.force_login(officer)
    lat, lon = point_in("490102")
    response = client.post(
        "/cases/new/",
        {
            "lat": lat,
            "lon": lon,
            "category": "land",
            "subcategory": "land-public-encroach",
            "channel": "letter",
            "complainant_name": "นายทดสอบ",
            "description": "เรื่องทดสอบ",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    done = client.get(response["Location"]).content.decode()
    pin = PIN_RE.search(done).group(1).replace(" ", "")
    latest = Complaint.objects.get(complainant_name="นายทดสอบ")
    assert latest.pin_hash == pin_digest(latest.tracking_no, pin)
    assert 'id="tracking-pin"' not in client.get(response["Location"]).content.decode()


def test_tracking_shows_the_case_without_people_or_typed_text():
    case, pin = case_with_pin(
        complainant_name="นาย SECRET-NAME-END",
        description="SECRET-DESC-END",
        location_note="SECRET-PLACE-END",
    )
    client = Client()
    response = client.post("/track/", {"tracking_no": case.tracking_no, "pin": pin})
    assert response.status_code == 302 and response["Location"] == "/track/case/"
    body = client.get("/track/case/").content.decode()
    assert case.tracking_no in body
    for secret in ("SECRET-NAME-END", "SECRET-DESC-END", "SECRET-PLACE-END", "0812345678"):
        assert secret not in body
    assert case.complainant_citizen_id not in body
    assert "มุกดาหาร" in body  # the area's names


def test_a_wrong_pin_looks_like_a_wrong_number_and_ten_lock_the_number(settings):
    case, pin = case_with_pin()
    wrong_pin = Client().post("/track/", {"tracking_no": case.tracking_no, "pin": "00000000"})
    wrong_number = Client().post("/track/", {"tracking_no": "2400-0000001", "pin": pin})
    assert wrong_pin.status_code == wrong_number.status_code == 404

    def error(response):
        return re.search(r'id="track-error"><p>(.*?)</p>', response.content.decode()).group(1)

    assert error(wrong_pin) == error(wrong_number)
    for _n in range(9):  # ten wrong PINs in all
        Client().post("/track/", {"tracking_no": case.tracking_no, "pin": "11111111"})
    locked = Client().post("/track/", {"tracking_no": case.tracking_no, "pin": pin})
    assert locked.status_code == 429  # the right PIN too, while locked
    # An unknown number locks the same way: the lock says nothing about which numbers exist.
    for _n in range(10):
        Client().post("/track/", {"tracking_no": "2400-0000001", "pin": "11111111"})
    unknown = Client().post("/track/", {"tracking_no": "2400-0000001", "pin": "11111111"})
    assert unknown.status_code == 429 and error(unknown) == error(locked)
    # Other numbers are not locked by it.
    other, other_pin = case_with_pin()
    assert (
        Client().post("/track/", {"tracking_no": other.tracking_no, "pin": other_pin}).status_code
        == 302
    )


def test_the_lock_ends_after_its_time(settings):
    settings.TRACKING_PIN_FAILURE_LIMIT = 2
    case, pin = case_with_pin()
    for _n in range(2):
        Client().post("/track/", {"tracking_no": case.tracking_no, "pin": "1"})
    assert (
        Client().post("/track/", {"tracking_no": case.tracking_no, "pin": pin}).status_code == 429
    )
    PublicAttempt.objects.update(at=PublicAttempt.objects.first().at.replace(year=2020))
    assert (
        Client().post("/track/", {"tracking_no": case.tracking_no, "pin": pin}).status_code == 302
    )


def test_the_complainant_adds_information_and_a_photo():
    case, pin = case_with_pin()
    client = Client()
    client.post("/track/", {"tracking_no": case.tracking_no, "pin": pin})
    photo = SimpleUploadedFile("more.jpg", JPEG, "image/jpeg")
    response = client.post(
        "/track/case/add/", {"text": "ADDED-TEXT-END ยังมีการถมต่อ", "attachments": [photo]}
    )
    assert response.status_code == 302
    row = ComplaintHistory.objects.get(complaint=case, kind=HistoryKind.COMPLAINANT)
    assert "ADDED-TEXT-END" in row.note and row.actor is None
    assert Attachment.objects.filter(complaint=case, uploaded_by=None).count() == 1
    body = client.get("/track/case/").content.decode()
    assert 'id="added-ok"' in body
    assert "ADDED-TEXT-END" not in body  # free text stays off the public page
    # Without the PIN in this session: nothing is added.
    stranger = Client().post("/track/case/add/", {"text": "x"})
    assert stranger.status_code == 302 and stranger["Location"] == "/track/"
    assert ComplaintHistory.objects.filter(kind=HistoryKind.COMPLAINANT).count() == 1


def test_a_closed_case_takes_no_more_information():
    case, pin = case_with_pin()
    put_in_state(case, status=Status.CLOSED)
    client = Client()
    client.post("/track/", {"tracking_no": case.tracking_no, "pin": pin})
    assert 'id="add-information"' not in client.get("/track/case/").content.decode()
    response = client.post("/track/case/add/", {"text": "more"})
    assert response.status_code == 400
    assert not ComplaintHistory.objects.filter(kind=HistoryKind.COMPLAINANT).exists()


# --- the point look-up -----------------------------------------------------------------------


def test_the_point_lookup_is_public_and_throttled(settings):
    settings.PUBLIC_LOOKUP_PER_MINUTE = 3
    lat, lon = point_in("490101")
    url = f"/api/boundaries/lookup?lat={lat}&lon={lon}"
    client = Client()
    for _n in range(3):
        response = client.get(url, REMOTE_ADDR="10.9.9.9")
        assert response.status_code == 200
        assert response.json()["subdistrict_code"] == "490101"
    refused = client.get(url, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429 and refused.json()["code"]
    assert client.get(url, REMOTE_ADDR="10.9.9.8").status_code == 200
    # Officers are not counted against the public's rate.
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    for _n in range(5):
        assert client.get(url, REMOTE_ADDR="10.9.9.9").status_code == 200


def test_the_public_part_of_the_closing_notes_reaches_the_tracking_page():
    from layers.services.workflow import complaint_close

    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    case, pin = case_with_pin(created_by=officer)
    complaint_close(
        complaint=case,
        actor=officer,
        expected_version=Complaint.objects.get(pk=case.pk).version,
        result="resolved",
        note="INTERNAL-CLOSE-END ผู้ร้องชื่อนายสมชาย",
        public_note="ได้ประสานให้รื้อถอนสิ่งปลูกสร้างแล้ว PUBLIC-CLOSE-END",
    )
    client = Client()
    client.post("/track/", {"tracking_no": case.tracking_no, "pin": pin})
    body = client.get("/track/case/").content.decode()
    assert "PUBLIC-CLOSE-END" in body and 'id="close-note-public"' in body
    assert "INTERNAL-CLOSE-END" not in body


def test_wrong_tries_from_one_address_are_capped_whatever_the_numbers(settings):
    settings.TRACKING_FAILURES_PER_ADDRESS = 3
    case, pin = case_with_pin()
    for n in range(3):  # three different numbers, one wrong try each: no number is locked
        response = Client().post(
            "/track/", {"tracking_no": f"2400-000000{n}", "pin": "11111111"}, REMOTE_ADDR="10.7.7.7"
        )
        assert response.status_code == 404
    refused = Client().post(
        "/track/", {"tracking_no": case.tracking_no, "pin": pin}, REMOTE_ADDR="10.7.7.7"
    )
    assert refused.status_code == 429
    elsewhere = Client().post(
        "/track/", {"tracking_no": case.tracking_no, "pin": pin}, REMOTE_ADDR="10.7.7.8"
    )
    assert elsewhere.status_code == 302
