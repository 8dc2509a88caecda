"""The anti-corruption channel's pages (issue 11): the public form keeps what was typed and says
why in Thai, the number and PIN are shown once, tracking answers a wrong PIN like a wrong
number and locks after ten, the handlers' pages audit every view, and an outsider is refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from layers.models import Role, Tip, TipAudit, TipFile
from layers.tipcrypto import decrypt
from tests.anticorruption_data import TIPSTER_NAME, TIPSTER_PHONE, ac_officers, file_tip
from tests.factories import make_officer

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def form_data(**overrides) -> dict:
    data = {
        "tipster_name": "",
        "tipster_phone": "",
        "tipster_email": "",
        "accused_name": "นายปลัด ตัวอย่าง",
        "accused_position": "ปลัดอำเภอ",
        "accused_unit": "ที่ทำการปกครองอำเภอเมืองมุกดาหาร",
        "accused_level": "district",
        "province": "49",
        "district": "4901",
        "place_note": "",
        "happened_on": "",
        "description": "เรียกรับเงินเพื่อเร่งออกเอกสารราชการให้ชาวบ้าน",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def logged_in(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def test_the_public_form_files_a_named_tip_and_shows_number_and_pin_once(client):
    page = client.get("/anticorruption/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "แจ้งเบาะแสการทุจริตของเจ้าหน้าที่" in html and "ไม่ประสงค์ออกนาม" in html
    evidence = SimpleUploadedFile("หลักฐาน.jpg", JPEG, content_type="image/jpeg")
    response = client.post(
        "/anticorruption/",
        form_data(tipster_name=TIPSTER_NAME, tipster_phone=TIPSTER_PHONE, files=evidence),
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    tip = Tip.objects.get()
    html = response.content.decode()
    assert tip.tracking_no in html and 'id="tip-pin"' in html
    assert tip.level == "province"  # a district office's official: never the district
    assert decrypt(tip.tipster_name_enc) == TIPSTER_NAME and not tip.anonymous
    assert TipFile.objects.get().original_name == "หลักฐาน.jpg"
    # The PIN is not in the URL, not in the session, not on any later page.
    assert response.get("Location") is None
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    "overrides,field,words",
    [
        ({"consent": ""}, "consent", "ยินยอม"),
        ({"description": "สั้นไป"}, "description", "อย่างน้อย"),
        ({"tipster_name": "นายผู้แจ้ง"}, "tipster_phone", "โทรศัพท์หรืออีเมล"),
        ({"accused_level": "local", "district": ""}, "district", "อำเภอ"),
        ({"province": "48", "district": "4901"}, "district", "ไม่อยู่ในจังหวัด"),
    ],
)
def test_a_refused_tip_says_why_in_thai_and_keeps_what_was_typed(client, overrides, field, words):
    response = client.post("/anticorruption/", form_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert words in html, field
    assert "นายปลัด ตัวอย่าง" in html  # what was typed is still there
    assert not Tip.objects.exists()


def test_a_robot_filling_the_honeypot_is_refused(client):
    response = client.post("/anticorruption/", form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert not Tip.objects.exists()


def test_a_file_that_is_not_a_photo_or_pdf_is_refused(client):
    bad = SimpleUploadedFile("evidence.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post("/anticorruption/", form_data(files=bad))
    assert response.status_code == 400
    assert not Tip.objects.exists()


def test_tracking_shows_the_status_and_a_wrong_pin_reads_like_a_wrong_number(client, settings):
    receipt = file_tip(description="TRACKTEXT เรียกรับเงินค่าบริการโดยไม่มีใบเสร็จ")
    ok = client.post("/anticorruption/track/", {"number": receipt.tracking_no, "pin": receipt.pin})
    html = ok.content.decode()
    assert ok.status_code == 200 and 'id="tip-status"' in html and "รับเรื่อง" in html
    assert "TRACKTEXT" not in html and "ผู้ถูกกล่าวหา" not in html
    wrong_pin = "1" * 6 if receipt.pin != "1" * 6 else "2" * 6
    by_pin = client.post(
        "/anticorruption/track/", {"number": receipt.tracking_no, "pin": wrong_pin}
    )
    by_number = client.post(
        "/anticorruption/track/", {"number": "AC-2569-ZZZZZZ", "pin": wrong_pin}
    )
    assert by_pin.status_code == by_number.status_code == 200

    def message(response):
        html = response.content.decode()
        return html[html.index('id="track-error"') :].split("</p>")[0]

    assert message(by_pin) == message(by_number)
    assert "ไม่ถูกต้อง" in message(by_pin)


def test_the_general_tracking_page_follows_a_tip_by_its_prefix(client):
    receipt = file_tip(description="TRACKTEXT เรียกรับเงินค่าบริการโดยไม่มีใบเสร็จ")
    ok = client.post("/track/", {"tracking_no": receipt.tracking_no, "pin": receipt.pin})
    html = ok.content.decode()
    assert ok.status_code == 200 and 'id="tip-status"' in html and "TRACKTEXT" not in html
    wrong_pin = "1" * 6 if receipt.pin != "1" * 6 else "2" * 6
    wrong = client.post("/track/", {"tracking_no": receipt.tracking_no, "pin": wrong_pin})
    assert 'id="tip-status"' not in wrong.content.decode()
    assert 'id="track-error"' in wrong.content.decode()


def test_ten_wrong_pins_lock_the_number_for_a_while(client, settings):
    settings.ANTICORRUPTION_WRONG_PINS = 10
    receipt = file_tip()
    wrong = "1" * 6 if receipt.pin != "1" * 6 else "2" * 6
    for _ in range(10):
        assert (
            client.post(
                "/anticorruption/track/", {"number": receipt.tracking_no, "pin": wrong}
            ).status_code
            == 200
        )
    locked = client.post(
        "/anticorruption/track/", {"number": receipt.tracking_no, "pin": receipt.pin}
    )
    assert locked.status_code == 429
    assert 'id="tip-status"' not in locked.content.decode()


def test_the_sixth_filing_from_one_address_in_an_hour_is_refused_and_keeps_the_form(
    client, settings
):
    settings.ANTICORRUPTION_FILINGS_PER_HOUR = 5
    for _ in range(5):
        assert client.post("/anticorruption/", form_data()).status_code == 200
    response = client.post("/anticorruption/", form_data(accused_name="นายคนที่หก ทดสอบ"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "มากเกินไป" in html and "นายคนที่หก ทดสอบ" in html
    assert Tip.objects.count() == 5


def test_a_handler_reads_a_tip_and_the_view_is_audited():
    officers = ac_officers()
    receipt = file_tip(tipster_name=TIPSTER_NAME, tipster_phone=TIPSTER_PHONE)
    client = logged_in(officers["rep4901"])
    listed = client.get("/anticorruption/tips/")
    assert listed.status_code == 200 and receipt.tracking_no in listed.content.decode()
    assert TIPSTER_NAME not in listed.content.decode()  # never in a list
    assert TipAudit.objects.filter(action="listed", officer=officers["rep4901"]).count() == 1
    page = client.get(f"/anticorruption/tips/{receipt.tracking_no}/")
    html = page.content.decode()
    assert page.status_code == 200 and TIPSTER_NAME in html and TIPSTER_PHONE in html
    row = TipAudit.objects.filter(action="viewed").get()
    assert row.officer == officers["rep4901"] and row.tip.tracking_no == receipt.tracking_no
    assert "tipster_name" in row.shown and "description" in row.shown
    # The centre reads the audit log; the reporter does not.
    audit = logged_in(officers["centre"]).get("/anticorruption/audit/")
    assert audit.status_code == 200 and receipt.tracking_no in audit.content.decode()
    assert TIPSTER_NAME not in audit.content.decode()
    assert client.get("/anticorruption/audit/").status_code == 403


def test_handlers_work_a_tip_through_the_page():
    officers = ac_officers()
    receipt = file_tip()
    client = logged_in(officers["rep4901"])
    url = f"/anticorruption/tips/{receipt.tracking_no}/act/"
    assert client.post(url, {"action": "check", "version": 1}).status_code == 302
    stale = client.post(url, {"action": "note", "version": 1, "note": "ซ้ำ"})
    assert stale.status_code == 409 and "เปลี่ยนแปลง" in stale.content.decode()
    closed = client.post(
        url, {"action": "close", "version": 2, "result": "unsubstantiated", "note": "ไม่พบมูล"}
    )
    assert closed.status_code == 302
    tip = Tip.objects.get()
    assert tip.status == "closed" and tip.result == "unsubstantiated"
    assert TipAudit.objects.filter(action="changed").count() == 2


@pytest.mark.parametrize(
    "role,area",
    [
        (None, {}),
        (Role.DISTRICT_OFFICER, {"district": "4901"}),
        (Role.DISTRICT_CHIEF, {"district": "4901"}),
        (Role.GOVERNOR, {"province": "49"}),
        (Role.GIS_ANALYST, {"province": "49"}),
        (Role.CENTRAL_OFFICER, {}),
        (Role.ADMIN, {}),
    ],
)
def test_an_outsider_is_refused_every_handler_page(role, area):
    receipt = file_tip()
    tip = Tip.objects.get()
    client = logged_in(make_officer(role, **area))
    number = receipt.tracking_no
    for url in (
        "/anticorruption/tips/",
        f"/anticorruption/tips/{number}/",
        f"/anticorruption/tips/{number}/files/1/",
        "/anticorruption/audit/",
    ):
        response = client.get(url)
        assert response.status_code == 403, (role, url)
        assert number not in response.content.decode()
    assert client.post(f"/anticorruption/tips/{number}/act/", {"action": "note"}).status_code == 403
    assert not TipAudit.objects.filter(tip=tip).exists()
    # Not logged in: to the login page.
    assert Client().get("/anticorruption/tips/").status_code == 302


def test_the_home_page_of_a_handler_links_the_tips_and_no_case():
    officers = ac_officers()
    html = logged_in(officers["coord49"]).get("/").content.decode()
    assert 'id="tips-home"' in html and 'id="nav-tips"' in html
    assert 'id="no-role"' not in html
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    assert 'id="nav-tips"' not in logged_in(chief).get("/").content.decode()


def test_nothing_of_the_tipster_or_the_tip_reaches_the_logs(client, caplog, run_jobs):
    import logging

    officers = ac_officers()
    officers["coord49"].email = "coord49@example.org"
    officers["coord49"].save()
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/anticorruption/",
            form_data(
                tipster_name=TIPSTER_NAME,
                tipster_phone=TIPSTER_PHONE,
                description="LOGTEXT เรียกรับเงินใต้โต๊ะจากผู้รับเหมา",
            ),
        )
        assert response.status_code == 200
        number = Tip.objects.get().tracking_no
        page = logged_in(officers["coord49"]).get(f"/anticorruption/tips/{number}/")
        assert TIPSTER_NAME in page.content.decode()
        assert run_jobs() == 1  # the coordinator's e-mail
    for secret in (TIPSTER_NAME, TIPSTER_PHONE, "LOGTEXT", "นายปลัด ตัวอย่าง"):
        assert secret not in caplog.text
