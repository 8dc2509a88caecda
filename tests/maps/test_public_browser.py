"""The citizen's whole path in headless Chromium at phone size, offline (issue 11): the public
home, filing with the pin from GPS, the receipt with number + PIN, tracking from a fresh
browser, adding information with a photo. Screenshots in test-output/ (360 px and 1366 px)."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface

from boundaries.models import Subdistrict
from layers.models import Attachment, Channel, Complaint, ComplaintHistory, HistoryKind
from tests.browser import new_page, open_browser, screenshot
from tests.factories import make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def inside(code):
    p = Subdistrict.objects.annotate(p=PointOnSurface("geom")).get(code=code).p
    return p.y, p.x


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_citizen_files_tracks_and_adds_information_on_a_phone(live_server, live_data, media):
    make_team("490101")
    lat, lon = inside("490101")
    url = live_server.url
    with open_browser() as browser:
        page = new_page(browser, url, mobile=True, geolocation=(lat, lon))
        page.goto(f"{url}/")
        screenshot(page, "public_home_360")
        page.click("#go-file")
        page.wait_for_selector("#intake-map .leaflet-interactive")
        page.click("#use-gps")
        page.locator('[data-area="subdistrict"]').filter(has_text="490101").wait_for()
        assert "มุกดาหาร" in page.inner_text('[data-area="province"]')
        page.select_option("[name=category]", "land")
        page.select_option("[name=subcategory]", "land-public-encroach")
        page.fill("[name=description]", "มีการถมดินรุกล้ำหนองน้ำสาธารณะ")
        page.fill("[name=complainant_name]", "นางสาวประชา ชาวบ้าน")
        page.fill("[name=complainant_phone]", "0891234567")
        page.set_input_files(
            "[name=attachments]",
            files=[{"name": "site.png", "mimeType": "image/png", "buffer": PNG}],
        )
        page.check("[name=consent]")
        screenshot(page, "public_file_360")
        page.click("#send-complaint")
        page.wait_for_selector("#tracking-pin")
        tracking_no = page.inner_text("#tracking-no")
        pin = page.inner_text("#tracking-pin")
        assert re.fullmatch(r"[0-9]{4} [0-9]{4}", pin)
        screenshot(page, "public_receipt_360")
        case = Complaint.objects.get(tracking_no=tracking_no)
        assert case.channel == Channel.ONLINE and case.subdistrict_id == "490101"
        assert case.attachments.count() == 1
        assert page.blocked_requests == [], page.blocked_requests
        assert page.console_errors == [], page.console_errors

        # Another phone (no session): number + PIN.
        other = new_page(browser, url, mobile=True)
        other.goto(f"{url}/track/")
        other.fill("[name=tracking_no]", tracking_no)
        other.fill("[name=pin]", pin)
        other.click("#track-form button[type=submit]")
        other.wait_for_selector("#timeline")
        assert other.inner_text("#tracking-no") == tracking_no
        assert "ชปต." in other.inner_text("#case-unit")  # routed to the sub-district team
        assert "นางสาวประชา" not in other.content() and "0891234567" not in other.content()
        screenshot(other, "public_track_360")
        other.fill("[name=text]", "วันนี้ยังมีรถบรรทุกดินเข้ามาอีก")
        other.set_input_files(
            "#add-information [name=attachments]",
            files=[{"name": "more.png", "mimeType": "image/png", "buffer": PNG}],
        )
        other.click("#add-send")
        other.wait_for_selector("#added-ok")
        screenshot(other, "public_track_added_360")
        row = ComplaintHistory.objects.get(complaint=case, kind=HistoryKind.COMPLAINANT)
        assert "รถบรรทุก" in row.note
        assert Attachment.objects.filter(complaint=case).count() == 2
        assert other.blocked_requests == [] and other.console_errors == []

        # The same pages on a desktop screen.
        wide = new_page(browser, url, width=1366, height=900)
        wide.goto(f"{url}/")
        screenshot(wide, "public_home_1366")
        wide.goto(f"{url}/file/")
        wide.wait_for_selector("#intake-map .leaflet-interactive")
        screenshot(wide, "public_file_1366")
        wide.goto(f"{url}/track/")
        wide.fill("[name=tracking_no]", tracking_no)
        wide.fill("[name=pin]", pin)
        wide.click("#track-form button[type=submit]")
        wide.wait_for_selector("#timeline")
        screenshot(wide, "public_track_1366")
        assert wide.blocked_requests == []
