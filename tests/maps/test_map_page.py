import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from boundaries.models import Subdistrict
from layers.models import Category, Complaint, Status
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_complaint, make_officer


@pytest.mark.browser
def test_browser_kit_logs_in_and_blocks_the_internet(live_server, live_data):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    with open_browser() as browser:
        page = new_page(browser, live_server.url)
        login(page, live_server.url, officer)
        response = page.goto(f"{live_server.url}/")
        assert response.status == 200
        assert "/accounts/login" not in page.url
        # A request off the live server is aborted and recorded, not sent.
        outcome = page.evaluate(
            "() => fetch('https://example.org/x.js').then(() => 'sent', () => 'failed')"
        )
        assert outcome == "failed"
        assert page.blocked_requests == ["https://example.org/x.js"]
        assert screenshot(page, "browser_kit_home").stat().st_size > 0


# ---------------------------------------------------------------- the province map page

MAP_URL = "/maps/province/{code}/"
SECRET_NAME = "นางสาวลับเฉพาะ แผนที่"
SECRET_PHONE = "0899990002"


def inside(code):

    point = Subdistrict.objects.get(code=code).geom.point_on_surface
    return point.y, point.x


def map_cases():
    """Two cases in Mueang Mukdahan (4901), two in another district of 49, one in 48; one
    closed and one in progress, so that the map shows more than one status colour."""

    other_4901 = Subdistrict.objects.filter(district_id="4901").exclude(code="490101").last()
    outside_4901 = Subdistrict.objects.filter(province_id="49").exclude(district_id="4901")
    other_49, other_49_b = outside_4901.first(), outside_4901.last()
    in_48 = Subdistrict.objects.filter(province_id="48").first()
    secret = dict(complainant_name=SECRET_NAME, complainant_phone=SECRET_PHONE)
    cases = {
        "4901": [
            make_complaint(*inside("490101"), **secret),
            make_complaint(*inside(other_4901.code), category="debt", subcategory="debt-informal"),
        ],
        "49-other": [
            make_complaint(*inside(other_49.code), **secret),
            make_complaint(
                *inside(other_49_b.code), category="disaster", subcategory="disaster-flood"
            ),
        ],
        "48": [make_complaint(*inside(in_48.code), **secret)],
    }
    Complaint.objects.filter(pk=cases["4901"][1].pk).update(
        status=Status.CLOSED, close_result="resolved", closed_at=timezone.now()
    )
    Complaint.objects.filter(pk=cases["49-other"][1].pk).update(status=Status.IN_PROGRESS)
    return cases


def page_for(officer, code="49"):

    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client.get(MAP_URL.format(code=code))


@pytest.mark.django_db
def test_map_page_is_served_without_any_internet_url(settings):
    settings.MAP_TILE_URL = ""
    cases = map_cases()
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    response = page_for(officer)
    assert response.status_code == 200
    html = response.content.decode()
    # Not one absolute URL: every script, style, font and image comes from our static files.
    assert "http://" not in html and "https://" not in html
    assert "//cdn" not in html and "jquery" not in html.lower()
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    assert "/static/vendor/leaflet-1.9.4/leaflet.css" in html
    assert "/static/vendor/sarabun-5.3.0/sarabun.css" in html
    # Inside our own layout (base.html), with folium's map in it.
    assert 'class="topbar"' in html and "folium-map" in html
    # The officer's own cases are on it; another district's and province's are not.
    for case in cases["4901"]:
        assert case.tracking_no in html
    for case in cases["49-other"] + cases["48"]:
        assert case.tracking_no not in html
    # No personal data in the page (popups carry tracking number, category, status, date).
    for case in cases["4901"]:
        assert case.complainant_citizen_id not in html
    assert SECRET_NAME not in html and SECRET_PHONE not in html
    assert cases["4901"][0].description not in html


@pytest.mark.django_db
def test_names_with_markup_are_data_not_html():

    land = Category.objects.get(code="land")
    Category.objects.create(
        code="land-markup-test",
        parent=land,
        name_th="</script><img src=x onerror=alert(1)>",
        name_en="markup",
    )
    make_complaint(*inside("490101"), subcategory="land-markup-test")
    html = page_for(make_officer(Role.PROVINCE_OFFICER, province="49")).content.decode()
    assert "<img src=x" not in html
    assert "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e" in html


@pytest.mark.django_db
def test_map_page_adds_the_tile_layer_only_when_configured(settings):
    settings.MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Test tiles"
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    html = page_for(officer).content.decode()
    layers = base_layers_of(html)["layers"]
    assert [(b["url"], b["attribution"]) for b in layers] == [
        ("/tiles/{z}/{x}/{y}.png", "Test tiles")
    ]
    # The boundaries still draw (they are the base map either way).
    assert html.count("L.geoJSON(") == 3
    settings.MAP_TILE_URL = ""
    html = page_for(officer).content.decode()
    assert base_layers_of(html)["layers"] == [] and html.count("L.geoJSON(") == 3
    assert "L.tileLayer(" not in html


def base_layers_of(html: str) -> dict:
    """The base-layer configuration a folium map page hands mapkit.js."""
    found = re.search(r"DamrongMap\.baseLayers\([\w]+, (\{.*?\})\),", html)
    assert found, "no DamrongMap.baseLayers call in the page"
    return json.loads(found.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, area, status",
    [
        (None, None, 302),  # anonymous: to the login page
        (Role.PROVINCE_OFFICER, {"province": "48"}, 403),
        (Role.DISTRICT_OFFICER, {"district": "4801"}, 403),
        ("no role", {}, 403),
    ],
)
def test_outsider_is_refused(role, area, status):
    map_cases()
    if role is None:
        officer = None
    else:
        officer = make_officer(None if role == "no role" else role, **area)
    response = page_for(officer)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")
    assert b"folium-map" not in response.content


@pytest.mark.django_db
def test_unknown_province_is_404():
    officer = make_officer(Role.CENTRAL_OFFICER)
    assert page_for(officer, code="99").status_code == 404
    assert page_for(officer, code="abc").status_code == 404


@pytest.mark.browser
def test_province_map_renders_offline_in_chromium(live_server, live_data):

    cases = map_cases()
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    polygons = list(Subdistrict.objects.filter(province_id="49", geom__isnull=False))
    rings = sum(len(polygon) for sub in polygons for polygon in sub.geom)
    visible = cases["4901"] + cases["49-other"]
    with open_browser() as browser:
        page = new_page(browser, live_server.url)
        login(page, live_server.url, officer)
        response = page.goto(f"{live_server.url}{MAP_URL.format(code='49')}")
        assert response.status == 200
        page.wait_for_function("() => window.damrongMaps && document.fonts.status === 'loaded'")
        assert page.evaluate("() => L.version") == "1.9.4"
        assert page.locator(".leaflet-container").count() == 1
        # Leaflet draws each sub-district as one SVG path, one "M" sub-path per ring.
        paths = page.locator("path.damrong-subdistrict")
        assert paths.count() == len(polygons) == 53
        drawn_rings = sum(
            d.count("M") for d in paths.evaluate_all("ps => ps.map(p => p.getAttribute('d'))")
        )
        assert drawn_rings == rings
        assert page.locator("path.damrong-district").count() == 7
        assert page.locator("path.damrong-complaint").count() == len(visible)
        # The Thai web font came from our static files.
        assert page.evaluate("() => document.fonts.check('16px Sarabun', 'ดำรงธรรม')")
        # A marker's popup: tracking number, category, status, B.E. date; nothing personal.
        page.locator("path.damrong-complaint").first.click(force=True)
        popup = page.locator(".damrong-popup")
        popup.wait_for()
        text = popup.inner_text()
        assert any(case.tracking_no in text for case in visible)
        assert "25" in text  # a B.E. year (25xx)
        assert SECRET_NAME not in text and SECRET_PHONE not in text
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
        )
        page.wait_for_timeout(400)  # let the map finish panning the popup into view
        screenshot(page, "map_province_49_popup")
        page.locator(".leaflet-popup-close-button").click()
        page.locator(".leaflet-popup").wait_for(state="detached")
        page.mouse.move(5, 400)  # off the polygons: no hover tooltip in the picture
        screenshot(page, "map_province_49")
        assert page.blocked_requests == []
        assert page.console_errors == []
