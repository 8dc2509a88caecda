"""Maps and phones in Chromium (issue 9): every page an officer opens fits a 360 px phone and a
1366 px screen without sideways scrolling, the header keeps to one line on a phone, the case
tables become cards, and the maps draw offline with place names, the area search, popups,
the heatmap, clustered markers and the national grid squares. Screenshots go to test-output/."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from boundaries.models import Subdistrict
from layers.models import PermissionLevel, RegistrationRequest, Role
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import make_complaint, make_officer, make_team, new_citizen_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 900}}


def inside(code):
    point = Subdistrict.objects.get(code=code).geom.point_on_surface
    return point.y, point.x


def world():
    """Cases spread around Mukdahan city (for the heat and the clusters) and a few elsewhere in
    the province, a team, a pending registration."""
    rng = random.Random(9)
    team = make_team("490101")
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    lat, lon = inside("490101")
    cases = [
        make_complaint(lat + rng.gauss(0, 0.01), lon + rng.gauss(0, 0.01), created_by=desk)
        for _ in range(30)
    ]
    for code in ("490201", "490301", "490401", "480101"):
        cases.append(make_complaint(*inside(code)))
    reg = RegistrationRequest.objects.create(
        citizen_id=new_citizen_id("1"),
        title="นาย",
        first_name="ขอใช้งาน",
        last_name="ทดสอบ",
        position="ปลัดอำเภอ",
        province_id="49",
        district_id="4901",
        permission_level=PermissionLevel.DISTRICT,
        phone_office="042611234",
        date_assigned="2025-10-01",
    )
    return {
        "cases": cases,
        "desk": desk,
        "chief": make_officer(Role.DISTRICT_CHIEF, district="4901"),
        "member": make_officer(Role.TEAM_MEMBER, district="4901", teams=[team]),
        "central": make_officer(Role.CENTRAL_OFFICER),
        "province": make_officer(Role.PROVINCE_OFFICER, province="49"),
        "reg": reg,
    }


def pages(w):
    case = w["cases"][0].tracking_no
    return {
        "desk": [
            "/",
            "/cases/",
            "/cases/inbox/",
            "/cases/backlog/",
            "/cases/overdue/",
            "/cases/notifications/",
            f"/cases/{case}/",
            "/cases/new/",
            "/maps/province/49/",
            "/maps/heatmap/",
            "/accounts/profile/",
            "/accounts/password_change/",
        ],
        "chief": [
            "/accounts/registrations/",
            f"/accounts/registrations/{w['reg'].pk}/",
            "/accounts/lockouts/",
        ],
        "member": ["/team/", f"/team/cases/{case}/"],
        "central": ["/maps/heatmap/", "/cases/backlog/?by=province"],
        None: ["/accounts/login/", "/accounts/register/", "/accounts/password_reset/"],
    }


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits_the_screen(live_server, live_data, size):
    w = world()
    width = SIZES[size]["width"]
    wide = []
    with open_browser() as browser:
        for who, urls in pages(w).items():
            page = new_page(browser, live_server.url, **SIZES[size])
            if who:
                login(page, live_server.url, w[who])
            for url in urls:
                response = page.goto(f"{live_server.url}{url}")
                assert response.status == 200, (who, url, response.status)
                page.wait_for_load_state("load")
                scroll = page.evaluate("() => document.documentElement.scrollWidth")
                if scroll > width:
                    wide.append(f"{url} ({who}): {scroll} px")
                    screenshot(page, f"too_wide_{size}_{url.strip('/').replace('/', '_')}")
                if size == "360" and who:
                    # The header: brand and menu button on one line, nothing else.
                    top = page.evaluate(
                        "() => [document.querySelector('.brand').getBoundingClientRect().top,"
                        " document.querySelector('#menu-toggle').getBoundingClientRect().top,"
                        " document.querySelector('#topbar').getBoundingClientRect().height]"
                    )
                    assert abs(top[0] - top[1]) < 12 and top[2] < 60, (url, top)
            assert page.blocked_requests == [], page.blocked_requests
            assert page.console_errors == [], (who, page.console_errors)
    assert not wide, f"pages wider than {width} px: {wide}"


def test_phone_header_menu_and_case_cards(live_server, live_data):
    w = world()
    with open_browser() as browser:
        page = new_page(browser, live_server.url, mobile=True)
        login(page, live_server.url, w["desk"])
        page.goto(f"{live_server.url}/cases/backlog/")
        screenshot(page, "phone_header_360", full_page=False)
        assert not page.locator("nav.mainnav").is_visible()
        page.locator("#menu-toggle").click()
        assert page.locator("nav.mainnav").is_visible()
        assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "true"
        screenshot(page, "phone_header_menu_open_360", full_page=False)
        page.locator("#menu-toggle").click()
        # The case list as cards: one box per case, each cell on its own labelled line.
        rows = page.locator("#case-list tbody tr")
        assert rows.count() >= 10
        box = rows.first.bounding_box()
        assert box["width"] <= 360 and box["height"] > 100
        label = page.evaluate(
            "() => getComputedStyle(document.querySelector('#case-list td[data-label]'),"
            " '::before').content"
        )
        assert label.strip('"').endswith(": ") and len(label) > 5
        screenshot(page, "phone_case_list_cards_360")
        assert page.blocked_requests == []


def test_province_map_with_labels_search_and_popups(live_server, live_data):
    w = world()
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=1366, height=900)
        login(page, live_server.url, w["province"])
        page.goto(f"{live_server.url}/maps/province/49/")
        page.wait_for_function("() => window.damrongMaps && document.fonts.status === 'loaded'")
        # No tile layer (the base map is off in the tests); the switcher offers "no base map".
        assert page.locator(".leaflet-tile").count() == 0
        assert page.locator(".leaflet-control-layers-base input").count() == 1
        # District names fit at the province's zoom; each label is clear of the others.
        page.wait_for_selector(".damrong-label-district")
        shown = page.locator(".damrong-label").all_inner_texts()
        assert "เมืองมุกดาหาร" in shown
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('.damrong-label span')].map(e => {"
            " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
        )
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)
        # The legend.
        assert page.locator(".damrong-legend li").count() >= 6
        screenshot(page, "map_province_labels_no_base_map", full_page=False)
        # Zoomed in, sub-district names appear.
        map_id = page.evaluate("() => Object.keys(window.damrongMaps)[0]")
        page.evaluate(
            "([id, lat, lon]) => window.damrongMaps[id].map.setView([lat, lon], 12)",
            [map_id, *inside("490101")],
        )
        page.wait_for_selector(".damrong-label-subdistrict")
        screenshot(page, "map_province_subdistrict_labels", full_page=False)
        # A sub-district's popup: its figures and links down a level.
        page.evaluate(
            "([id]) => { const m = window.damrongMaps[id]; m.layers.subdistricts.eachLayer(l => {"
            " if (l.feature.properties.code === '490101') l.openPopup(); }); }",
            [map_id],
        )
        popup = page.locator(".damrong-area-popup")
        popup.wait_for()
        text = popup.inner_text()
        assert "เรื่องคงค้าง" in text and "ร้อยละยุติเรื่อง" in text
        assert popup.locator("a[href='/cases/backlog/?subdistrict=490101']").count() == 1
        assert popup.locator("a[href='/dashboards/4901/']").count() == 1
        # A case marker's popup links to the case.
        page.evaluate(
            "([id]) => { const l = window.damrongMaps[id].layers.complaints.getLayers()[0];"
            " l.openPopup(); }",
            [map_id],
        )
        link = page.locator(".damrong-popup a.damrong-case-link")
        link.wait_for()
        assert link.get_attribute("href").startswith("/cases/")
        # The area search: Thai, English and misspelt names zoom there.
        search = page.locator(".damrong-search input")
        for query in ("นิคมคำสร้อย", "Nikhom Kham Soi", "นิคมคำสรอย"):
            search.fill(query)
            page.locator(".damrong-search-results button[data-code='4902']").first.wait_for()
        page.locator(".damrong-search-results button[data-code='4902']").first.click()
        page.wait_for_function(
            "([id]) => window.damrongMaps[id].map.getZoom() >= 9.5", arg=[map_id]
        )
        screenshot(page, "map_province_search_4902", full_page=False)
        assert page.blocked_requests == []
        assert page.console_errors == []


def test_heatmap_clusters_and_national_grid(live_server, live_data):
    w = world()
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=1366, height=900)
        login(page, live_server.url, w["province"])
        page.goto(f"{live_server.url}{reverse('heatmap')}")
        page.wait_for_function("() => window.damrongMaps && document.fonts.status === 'loaded'")
        map_id = page.evaluate("() => Object.keys(window.damrongMaps)[0]")
        # The heat is drawn on its canvas; the clusters wait for a closer zoom.
        page.wait_for_selector("canvas.leaflet-heatmap-layer")
        assert page.locator(".marker-cluster").count() == 0
        screenshot(page, "map_heatmap_province", full_page=False)
        lat, lon = inside("490101")
        page.evaluate(
            "([id, lat, lon]) => window.damrongMaps[id].map.setView([lat, lon], 13)",
            [map_id, lat, lon],
        )
        page.wait_for_selector(".marker-cluster")
        assert page.locator("canvas.leaflet-heatmap-layer").count() == 0
        screenshot(page, "map_heatmap_clusters", full_page=False)
        assert page.blocked_requests == [] and page.console_errors == []

        page = new_page(browser, live_server.url, width=1366, height=900)
        login(page, live_server.url, w["central"])
        page.goto(f"{live_server.url}{reverse('heatmap')}")
        page.wait_for_function(
            "() => document.querySelector('.folium-map') &&"
            " document.querySelector('.folium-map').dataset.gridTotal"
        )
        total = page.evaluate("() => document.querySelector('.folium-map').dataset.gridTotal")
        assert int(total) == len(w["cases"])
        assert page.locator(".damrong-legend li").count() >= 1
        screenshot(page, "map_heatmap_national_grid", full_page=False)
        assert page.blocked_requests == [] and page.console_errors == []

        page = new_page(browser, live_server.url, mobile=True)
        login(page, live_server.url, w["desk"])
        page.goto(f"{live_server.url}/maps/province/49/")
        page.wait_for_function("() => window.damrongMaps")
        screenshot(page, "phone_province_map_360", full_page=False)
        page = new_page(browser, live_server.url, mobile=True)
        login(page, live_server.url, w["member"])
        page.goto(f"{live_server.url}/team/")
        page.wait_for_selector(".damrong-legend")
        screenshot(page, "phone_team_map_legend_360", full_page=False)
        assert page.blocked_requests == []


def test_with_openstreetmap_on_and_no_internet_the_map_still_works(
    live_server, live_data, settings
):
    """The default base map (OpenStreetMap) with the internet cut: only tile requests leave
    (and are refused), the boundaries and the cases still draw, the switcher offers it."""
    settings.MAP_TILE_URL = settings.OSM_TILE_URL
    settings.MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    w = world()
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=1366, height=900)
        login(page, live_server.url, w["province"])
        page.goto(f"{live_server.url}/maps/province/49/")
        page.wait_for_function("() => window.damrongMaps")
        page.wait_for_selector("path.damrong-subdistrict")
        assert page.locator("path.damrong-subdistrict").count() == 53
        assert page.locator("path.damrong-complaint").count() == 33
        assert page.locator(".leaflet-control-layers-base input").count() == 2
        assert (
            "OpenStreetMap contributors"
            in page.locator(".leaflet-control-attribution").inner_text()
        )
        page.wait_for_timeout(500)
        assert page.blocked_requests, "the tiles were asked for"
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in page.blocked_requests)
        screenshot(page, "map_province_osm_offline", full_page=False)
        # Switching to "no base map" asks for nothing more.
        asked = len(page.blocked_requests)
        page.locator(".leaflet-control-layers-base input").nth(1).check()
        page.evaluate(
            "() => { const m = Object.values(window.damrongMaps)[0].map; m.setZoom(m.getZoom() + 1); }"
        )
        page.wait_for_timeout(500)
        assert len(page.blocked_requests) == asked
        assert page.locator(".leaflet-tile").count() == 0
