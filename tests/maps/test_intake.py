"""The officer's intake page /cases/new/ (issue 3, "Intake") on the real sample boundaries."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from boundaries.models import Subdistrict
from layers.models import Attachment, Complaint, ComplaintHistory, Status
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import MUKDAHAN_CITY, Role, make_complaint, make_officer, make_team

# Messages are checked in English (the msgids); the site's default is Thai.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW = "/cases/new/"
LOOKUP = "/api/boundaries/lookup"
# Savannakhet (Laos), across the Mekong from Mukdahan town.
SAVANNAKHET = (16.5560, 104.7530)
VALID_CID = "1101700203417"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def inside(code):
    """A point inside sub-district ``code``, from its own polygon (not the lookup table)."""
    p = Subdistrict.objects.annotate(p=PointOnSurface("geom")).get(code=code).p
    return p.y, p.x


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


@pytest.fixture
def officer(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    return officer


def form_data(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **over):
    data = {
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "location_note": "ริมหนองน้ำสาธารณะ",
        "category": "land",
        "subcategory": "land-public-encroach",
        "subcategory_text": "",
        "channel": "walk_in",
        "complainant_name": "นายสมชาย ใจดี",
        "complainant_citizen_id": "1-1017-00203-41-7",
        "complainant_phone": "081-234-5678",
        "complainant_address": "12 หมู่ 3 ต.มุกดาหาร",
        "accused_name": "นายสมศักดิ์ ไม่ดี",
        "accused_detail": "",
        "title": "บุกรุกที่สาธารณะ",
        "description": "มีการล้อมรั้วรุกล้ำที่สาธารณประโยชน์ริมหนองน้ำ",
    }
    data.update(over)
    return data


def nothing_saved(media_root):
    assert Complaint.objects.count() == 0
    assert ComplaintHistory.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert files_in(media_root) == []


def errors_text(response) -> str:
    return response.content.decode()


# --- The page ---------------------------------------------------------------------------------


def test_page_draws_the_officers_district_and_the_category_tree(client, officer):
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    base = json.loads(
        re.search(
            r'<script id="intake-base-map" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    codes = {f["properties"]["code"] for f in base["features"]}
    assert codes == set(
        Subdistrict.objects.filter(district_id="4901").values_list("code", flat=True)
    )
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in base["features"])
    tree = json.loads(
        re.search(
            r'<script id="intake-categories" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    other = [c for c in tree if c["is_other"]]
    assert len(other) == 1 and other[0]["children"] == []
    land = next(c for c in tree if c["code"] == "land")
    assert "land-public-encroach" in {s["code"] for s in land["children"]}
    # Offline: Leaflet from our static files, nothing from a CDN.
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    assert not re.search(r'(src|href)="https?://', html)


def test_province_officer_gets_the_provinces_sub_districts(client):
    client.force_login(make_officer(Role.PROVINCE_OFFICER, province="49"))
    html = client.get(NEW).content.decode()
    assert '"code": "490701"' in html and '"code": "490101"' in html
    assert '"code": "480101"' not in html


# --- Saving -----------------------------------------------------------------------------------


def test_intake_creates_the_case_with_the_three_codes_and_attachments(client, officer, media):
    team = make_team("490101")
    data = form_data()
    data["attachments"] = [
        SimpleUploadedFile("หลักฐาน.png", PNG, content_type="image/png"),
        SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
    ]
    response = client.post(NEW, data)
    assert response.status_code == 302, errors_text(response)
    complaint = Complaint.objects.get()
    assert (complaint.subdistrict_id, complaint.district_id, complaint.province_id) == (
        "490101",
        "4901",
        "49",
    )
    assert complaint.created_by == officer
    assert complaint.complainant_citizen_id == VALID_CID
    assert complaint.assigned_team == team and complaint.status == Status.ASSIGNED
    assert response["Location"] == reverse("intake_done", args=[complaint.tracking_no])
    kinds = sorted(complaint.attachments.values_list("kind", "content_type"))
    assert kinds == [("document", "application/pdf"), ("photo", "image/png")]
    stored = files_in(media)
    assert len(stored) == 2
    assert sorted(p.read_bytes() for p in stored) == sorted([PNG, PDF])
    # The stored names never carry the user's file name.
    assert all("หลักฐาน" not in p.name for p in stored)

    done = client.get(response["Location"])
    assert done.status_code == 200
    html = done.content.decode()
    assert complaint.tracking_no in html
    assert team.name in html
    assert 'id="intake-outcome"' in html and "routed-away" not in html


def test_other_category_needs_words(client, officer, media):
    response = client.post(NEW, form_data(category="other", subcategory=""))
    assert response.status_code == 400
    assert "write the sub-category in words" in errors_text(response)
    nothing_saved(media)

    response = client.post(NEW, form_data(category="other", subcategory="", subcategory_text="   "))
    assert response.status_code == 400
    nothing_saved(media)

    response = client.post(
        NEW, form_data(category="other", subcategory="", subcategory_text="ขอใช้ศาลาประชาคม")
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.category.is_other and complaint.subcategory_text == "ขอใช้ศาลาประชาคม"


def test_sub_category_of_another_main_category_is_refused(client, officer, media):
    response = client.post(NEW, form_data(category="land", subcategory="debt-informal"))
    assert response.status_code == 400
    assert "does not belong to the main category" in errors_text(response)
    nothing_saved(media)


@pytest.mark.parametrize(
    "cid,message",
    [("1101700203411", "check digit is wrong"), ("110170020341", "13 digits")],
)
def test_bad_citizen_id_is_refused(client, officer, media, cid, message):
    response = client.post(NEW, form_data(complainant_citizen_id=cid))
    assert response.status_code == 400
    assert message in errors_text(response)
    nothing_saved(media)


def test_pin_outside_the_officers_district_is_accepted_routed_and_told(client, officer, media):
    lat, lon = inside("490201")  # Nikhom Kham Soi district, not the officer's 4901
    other_team = make_team("490201")
    response = client.post(NEW, form_data(lat=lat, lon=lon), follow=True)
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert (complaint.subdistrict_id, complaint.district_id) == ("490201", "4902")
    assert complaint.assigned_team == other_team
    html = response.content.decode()
    told = [str(m) for m in response.context["messages"]]
    assert len(told) == 1
    assert complaint.tracking_no in told[0] and "นิคมคำสร้อย" in told[0]
    assert "outside your area" in told[0]
    assert "routed-away" in html
    # Routed away: the officer no longer sees it, so no link to the case page.
    assert 'id="case-link"' not in html


def test_point_outside_thailand_is_refused_with_nothing_saved(client, officer, media):
    data = form_data(lat=SAVANNAKHET[0], lon=SAVANNAKHET[1])
    data["attachments"] = [SimpleUploadedFile("a.png", PNG, content_type="image/png")]
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert "outside Thailand" in errors_text(response)
    nothing_saved(media)


def test_missing_pin_is_refused(client, officer, media):
    response = client.post(NEW, form_data(lat=0, lon=0) | {"lat": "", "lon": ""})
    assert response.status_code == 400
    assert "Pin the incident location on the map" in errors_text(response)
    nothing_saved(media)


def test_jpg_that_is_really_text_is_refused_with_nothing_saved(client, officer, media):
    data = form_data()
    data["attachments"] = [
        SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        SimpleUploadedFile(
            "photo.jpg", b"I am not a photo at all\n" * 10, content_type="image/jpeg"
        ),
    ]
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert "photo.jpg" in errors_text(response)
    assert "checked by its content" in errors_text(response)
    nothing_saved(media)


def test_attachment_over_the_size_limit_is_refused_with_nothing_saved(
    client, officer, media, settings
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    data = form_data()
    data["attachments"] = [
        SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png")
    ]
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert "big.png" in errors_text(response) and "limit" in errors_text(response)
    nothing_saved(media)


def test_province_officer_records_a_case(client, media):
    client.force_login(make_officer(Role.PROVINCE_OFFICER, province="49"))
    lat, lon = inside("490701")
    response = client.post(NEW, form_data(lat=lat, lon=lon))
    assert response.status_code == 302
    assert Complaint.objects.get().district_id == "4907"


# --- The point lookup the page calls (the boundaries API) -------------------------------------


def test_page_uses_the_boundaries_lookup(client, officer):
    assert f'data-lookup-url="{LOOKUP}"' in client.get(NEW).content.decode()


def test_lookup_answers_codes_and_outside(client, officer):
    body = client.get(LOOKUP, {"lat": MUKDAHAN_CITY[0], "lon": MUKDAHAN_CITY[1]}).json()
    assert body["inside"] is True
    assert (body["subdistrict_code"], body["district_code"], body["province_code"]) == (
        "490101",
        "4901",
        "49",
    )
    body = client.get(LOOKUP, {"lat": SAVANNAKHET[0], "lon": SAVANNAKHET[1]}).json()
    assert body["inside"] is False and body["subdistrict_code"] is None
    response = client.get(LOOKUP, {"lat": "abc", "lon": "104.7"})
    assert response.status_code == 400 and "lat" in response.json()["fields"]


# --- Who may use it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,area",
    [
        (Role.GOVERNOR, {"province": "49"}),
        (Role.GIS_ANALYST, {"province": "49"}),
        (Role.DISTRICT_CHIEF, {"district": "4901"}),
        (Role.TEAM_MEMBER, {"district": "4901"}),
        (None, {}),
    ],
)
def test_roles_that_do_not_record_are_refused_everywhere(client, media, role, area):
    recorder = make_officer(Role.DISTRICT_OFFICER, district="4901")
    complaint = make_complaint(created_by=recorder)
    client.force_login(make_officer(role, **area))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data()).status_code == 403
    assert client.get(reverse("intake_done", args=[complaint.tracking_no])).status_code == 403
    assert Complaint.objects.count() == 1


def test_anonymous_is_sent_to_the_login_page(client, media):
    for response in (
        client.get(NEW),
        client.post(NEW, form_data()),
        client.get(reverse("intake_done", args=["2569-0000001"])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    nothing_saved(media)


def test_the_receipt_is_only_for_its_author(client, officer):
    colleague = make_officer(Role.DISTRICT_OFFICER, district="4901")
    theirs = make_complaint(created_by=colleague)
    assert client.get(reverse("intake_done", args=[theirs.tracking_no])).status_code == 404


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_click_pins_the_point_and_shows_the_sub_district(live_server, live_data):

    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    lat, lon = inside("490102")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=1280, height=900)
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}{NEW}")
        page.wait_for_selector("#intake-map .leaflet-interactive")
        x, y = page.evaluate(
            "([lat, lon]) => { const p = window.damrongIntake.map.latLngToContainerPoint([lat, lon]);"
            " return [p.x, p.y]; }",
            [lat, lon],
        )
        page.locator("#intake-map").click(position={"x": x, "y": y})
        sub = page.locator('[data-area="subdistrict"]')
        sub.filter(has_text="490102").wait_for()
        expected = Subdistrict.objects.get(code="490102")
        assert expected.name_th in sub.inner_text()
        assert "4901" in page.locator('[data-area="district"]').inner_text()
        assert "49" in page.locator('[data-area="province"]').inner_text()
        # The click lands within a few pixels (~75 m each at this zoom) of the aimed point.
        assert abs(float(page.input_value("[name=lat]")) - lat) < 0.005
        assert abs(float(page.input_value("[name=lon]")) - lon) < 0.005
        assert page.locator(".leaflet-marker-icon:not(.damrong-label)").count() == 1
        # Linked categories: "Other" swaps the sub-category select for a text box.
        page.select_option("[name=category]", "other")
        assert page.locator("#subcategory-text-wrap").is_visible()
        assert not page.locator("#subcategory-select-wrap").is_visible()
        page.select_option("[name=category]", "land")
        assert page.locator("[name=subcategory] option[value=land-public-encroach]").count() == 1
        assert page.locator("[name=subcategory] option[value=debt-informal]").count() == 0
        # The citizen-ID check digit, in the browser.
        page.fill("[name=complainant_citizen_id]", "1101700203411")
        page.locator("[name=complainant_citizen_id]").blur()
        assert "check digit" in page.inner_text("#cid-feedback")
        page.fill("[name=complainant_citizen_id]", VALID_CID)
        page.locator("[name=complainant_citizen_id]").blur()
        assert page.inner_text("#cid-feedback").strip() == ""
        screenshot(page, "intake")
        assert page.blocked_requests == []
        assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_records_a_case_end_to_end(live_server, live_data, media):

    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    lat, lon = inside("490101")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, geolocation=(lat, lon))
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}{NEW}")
        page.click("#use-gps")
        page.locator('[data-area="subdistrict"]').filter(has_text="490101").wait_for()
        page.select_option("[name=category]", "land")
        page.select_option("[name=subcategory]", "land-public-encroach")
        page.select_option("[name=channel]", "walk_in")
        page.fill("[name=complainant_name]", "นายทดสอบ เบราว์เซอร์")
        page.fill("[name=complainant_citizen_id]", VALID_CID)
        page.fill("[name=description]", "ทดสอบบันทึกเรื่องผ่านเบราว์เซอร์")
        page.set_input_files(
            "[name=attachments]", files=[{"name": "a.png", "mimeType": "image/png", "buffer": PNG}]
        )
        page.click("#intake-form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#tracking-no").count() == 1, page.inner_text("main")[:2000]
        complaint = Complaint.objects.get()
        assert page.inner_text("#tracking-no") == complaint.tracking_no
        assert complaint.subdistrict_id == "490101" and complaint.attachments.count() == 1
        assert page.blocked_requests == []


def test_nav_links_follow_the_roles(client):
    team = make_team("490101")
    client.force_login(make_officer(Role.DISTRICT_OFFICER, district="4901"))
    html = client.get("/").content.decode()
    assert f'href="{NEW}"' in html and 'href="/team/"' not in html
    client.force_login(make_officer(Role.TEAM_MEMBER, district="4901", teams=[team]))
    html = client.get("/").content.decode()
    assert 'href="/team/"' in html and f'href="{NEW}"' not in html
    client.force_login(make_officer(Role.GOVERNOR, province="49"))
    html = client.get("/").content.decode()
    assert f'href="{NEW}"' not in html and 'href="/team/"' not in html


def test_central_officer_gets_province_outlines_and_may_record(client, media):
    client.force_login(make_officer(Role.CENTRAL_OFFICER))
    html = client.get(NEW).content.decode()
    base = json.loads(
        re.search(
            r'<script id="intake-base-map" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert {f["properties"]["code"] for f in base["features"]} == {"48", "49"}
    assert {f["properties"]["level"] for f in base["features"]} == {"province"}
    lat, lon = inside("480101")
    assert client.post(NEW, form_data(lat=lat, lon=lon)).status_code == 302
    assert Complaint.objects.get().province_id == "48"
