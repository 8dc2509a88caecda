"""News and open data in headless Chromium (Thai, 1366 px and 360 px, offline): a district
officer writes news by clicking the place on the map, publishes it; the public reads the list
with its map, the post, and the open-data page. Screenshots in test-output/; no page wider than
the screen; nothing fetched from outside."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from layers.models import NewsPost
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}


def _fits(page, size):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], (page.url, width)


@pytest.mark.parametrize("size", list(SIZES))
def test_write_publish_and_read_news(live_server, live_data, size, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    photo = tmp_path / "activity.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1600), (30, 120, 90)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **SIZES[size])
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}/news/manage/new/")
        assert page.locator("h1").inner_text() == "เขียนข่าวกิจกรรม"
        page.fill("#id_title", "ลงพื้นที่รับฟังปัญหาชาวบ้าน")
        page.fill("#id_leader", "นายอำเภอเมืองมุกดาหาร")
        page.fill("#id_participants", "ปลัดอำเภอ ผู้ใหญ่บ้าน")
        page.fill("#id_activity_date", "2026-11-20")
        page.fill("#id_activity_time", "09:30")
        page.fill("#id_place_name", "ศาลาประชาคม")
        page.fill("#id_body", "ศูนย์ดำรงธรรมอำเภอลงพื้นที่รับฟังปัญหาน้ำท่วมขัง")
        # The place: typed near Mukdahan, then a click on the map sets it.
        page.fill("#id_lat", "16.5435")
        page.fill("#id_lon", "104.7235")
        page.dispatch_event("#id_lon", "change")
        box = page.locator("#news-map .folium-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        lat = float(page.input_value("#id_lat"))
        lon = float(page.input_value("#id_lon"))
        assert abs(lat - 16.5435) < 0.05 and abs(lon - 104.7235) < 0.05
        page.set_input_files("#id_photos", str(photo))
        screenshot(page, f"news_form_{size}")
        _fits(page, size)
        page.locator("#news-form button[type=submit]").click()
        page.wait_for_selector("#news-state")
        page.locator("#news-state button[value=publish]").click()
        page.wait_for_selector("#news-state button[value=unpublish]")
        post = NewsPost.objects.get()
        assert post.is_published and post.photos.count() == 1

        public = new_page(browser, live_server.url, **SIZES[size])
        public.goto(f"{live_server.url}/news/")
        assert public.locator("h1").inner_text() == "ข่าวกิจกรรม"
        assert public.locator("#news-list .news-item").count() == 1
        markers = public.evaluate(
            "Object.values(window.damrongMaps)[0].layers.news.getLayers().length"
        )
        assert markers == 1
        screenshot(public, f"news_list_{size}")
        _fits(public, size)
        public.goto(f"{live_server.url}/news/post/{post.pk}/")
        assert "20 พฤศจิกายน 2569" in public.locator("#news-post").inner_text()
        assert public.locator("#news-photos img").count() == 1
        screenshot(public, f"news_post_{size}")
        _fits(public, size)
        public.goto(f"{live_server.url}/open-data/")
        assert public.locator("h1").inner_text().startswith("ข้อมูลเปิด")
        assert public.locator("#opendata-dictionary tbody tr").count() >= 15
        screenshot(public, f"open_data_{size}")
        _fits(public, size)
        assert page.blocked_requests == [] and public.blocked_requests == []
