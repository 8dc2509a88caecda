"""The export page /exports/: filters with B.E. dates, a preview count, the formats, the
officer's own background exports; outsiders refused."""

from __future__ import annotations

import pyogrio
import pytest
from django.test import Client

from boundaries.models import Subdistrict
from layers.models import ExportJob, ExportStatus, Notification
from tests.factories import Role, make_complaint, make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def cases():
    other = Subdistrict.objects.filter(province_id="49").exclude(district_id="4901").first()
    point = other.geom.point_on_surface
    return [
        make_complaint(),
        make_complaint(category="debt", subcategory="debt-informal"),
        make_complaint(point.y, point.x),
    ]


def client_for(officer) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_outsiders_are_refused():
    response = Client().get("/exports/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for(make_officer(None)).get("/exports/").status_code == 403


def test_the_page_offers_the_officers_areas_dates_categories_and_formats(cases):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    body = client_for(officer).get("/exports/").content.decode()
    assert 'value="d4901"' in body and 'value="p49"' not in body  # own district, not province
    assert 'value="all"' in body
    assert "วว/ดด/ปปปป" in body  # B.E. dates
    for fmt in ("geojson", "gpkg", "shp", "csv", "kml"):
        assert f'name="format" value="{fmt}"' in body
    assert 'name="personal"' in body  # entitled
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    body = client_for(analyst).get("/exports/").content.decode()
    assert 'name="personal"' not in body and 'value="p49"' in body


def test_the_preview_counts_with_buddhist_era_dates(cases):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    client = client_for(officer)
    response = client.get("/exports/", {"area": "p49", "preview": "1"})
    assert response.status_code == 200
    assert 'id="preview-count"' in response.content.decode()
    assert response.context["count"] == 3
    response = client.get("/exports/", {"area": "d4901", "category": "debt", "preview": "1"})
    assert response.context["count"] == 1
    response = client.get("/exports/", {"area": "p49", "since": "01/01/2599", "preview": "1"})
    assert response.context["count"] == 0
    response = client.get(
        "/exports/", {"area": "p49", "since": "01/03/2569", "until": "01/01/2569"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["until"]
    response = client.get("/exports/", {"area": "p49", "since": "01/01/2026"})  # C.E. year
    assert response.status_code == 400 and "2569" in str(response.context["form"].errors["since"])
    response = client.get("/exports/", {"area": "p48"})  # not offered: not theirs
    assert response.status_code == 400


def test_a_small_export_downloads_at_once(cases, tmp_path):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).post("/exports/", {"area": "d4901", "format": "gpkg"})
    assert response.status_code == 200
    assert 'filename="complaints_4901_to_' in response["Content-Disposition"]
    path = tmp_path / "x.gpkg"
    path.write_bytes(content(response))
    assert pyogrio.read_info(str(path))["features"] == 2
    response = client_for(officer).post("/exports/", {"area": "p49", "format": "geojson"})
    assert response.status_code == 302
    assert response["Location"].startswith("/api/complaints.geojson?province=49")


def test_a_large_export_is_queued_listed_notified_and_downloaded(cases, run_jobs, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    client = client_for(officer)
    response = client.post("/exports/", {"area": "p49", "format": "csv"})
    assert response.status_code == 302 and response["Location"] == "/exports/"
    job = ExportJob.objects.get(officer=officer)
    assert job.status == ExportStatus.QUEUED and job.params == {"province": "49"}
    run_jobs()
    page = client.get("/exports/").content.decode()
    assert job.file_name in page and f"/exports/{job.pk}/download/" in page
    note = Notification.objects.get(recipient=officer)
    notes = client.get("/cases/notifications/").content.decode()
    assert note.message in notes and 'href="/exports/"' in notes
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert content(download).startswith(b"\xef\xbb\xbf")
    # Nobody else's list shows it, nor may they download it.
    other = client_for(make_officer(Role.PROVINCE_OFFICER, province="49"))
    assert job.file_name not in other.get("/exports/").content.decode()
    assert other.get(f"/exports/{job.pk}/download/").status_code == 404


def test_personal_data_cannot_be_forced_by_a_role_not_entitled(cases):
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    response = client_for(analyst).post(
        "/exports/", {"area": "p49", "format": "csv", "personal": "on"}
    )
    # The field is not on the analyst's form: the request is the public export.
    assert response.status_code == 200
    assert b"complainant_name" not in content(response)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 360])
def test_the_export_page_in_a_browser_counts_and_downloads(live_server, live_data, width, tmp_path):
    from tests.browser import login, new_page, open_browser, screenshot

    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    make_complaint()
    make_complaint(category="debt", subcategory="debt-informal")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=width, mobile=width == 360)
        login(page, live_server.url, officer)
        assert page.goto(f"{live_server.url}/exports/").status == 200
        page.select_option("#id_area", "d4901")
        page.fill("#id_since", "01/01/2569")
        page.locator("button[name=preview]").click()
        page.wait_for_selector("#preview-count")
        assert "2" in page.locator("#preview-count").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        screenshot(page, f"exports_{width}")
        with page.expect_download() as info:
            page.locator("button[name=format][value=gpkg]").click()
        download = info.value
        assert download.suggested_filename.endswith(".gpkg")
        assert "4901" in download.suggested_filename and "2569-01-01" in download.suggested_filename
        path = tmp_path / "d.gpkg"
        download.save_as(path)
        assert pyogrio.read_info(str(path))["features"] == 2
        assert page.blocked_requests == []
        assert page.console_errors == []
