"""The dashboards as people see them: headless Chromium with the internet cut off, the national,
province and district dashboards at 1366 and 360 px (screenshots in test-output/), clicking an
area goes down a level, a chart bar filters the page, the breadcrumb goes back up."""

from __future__ import annotations

import pytest

from layers.models import Role
from tests.browser import login, new_page, open_browser, screenshot
from tests.dashboard_data import build_cases
from tests.factories import make_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}


def wait_drawn(page):
    page.wait_for_selector("#dashboard[data-shapes]", timeout=20_000)
    page.wait_for_selector("path.dash-area", timeout=20_000)


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport + 1, f"the page is {width} px wide in a {viewport} px window"


@pytest.mark.parametrize("size", list(SIZES))
def test_national_province_and_district_dashboards(live_server, live_data, size):
    build_cases()
    central = make_officer(Role.CENTRAL_OFFICER)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **SIZES[size])
        login(page, live_server.url, central)
        page.goto(f"{live_server.url}/dashboards/")
        wait_drawn(page)
        assert page.locator("path.dash-area").count() == 2  # the test data: 48 and 49
        assert page.locator("#dash-table tbody tr").count() == 2
        assert "มุกดาหาร" in page.locator("#dash-table").inner_text()
        no_sideways_scroll(page)
        screenshot(page, f"dashboard_country_{size}")

        # Down a level: the province's districts, the filters kept.
        page.select_option("#f-metric", "share_closed")
        page.wait_for_selector("#dashboard[data-ready=figures]")
        page.goto(f"{live_server.url}/dashboards/?metric=share_closed")
        wait_drawn(page)
        page.locator("#dash-table a", has_text="มุกดาหาร").click()
        page.wait_for_url("**/dashboards/49/?metric=share_closed")
        wait_drawn(page)
        assert page.locator("path.dash-area").count() == 7
        assert "80" in page.locator("#dash-legend").inner_text()
        no_sideways_scroll(page)
        screenshot(page, f"dashboard_province_{size}")

        # A chart bar filters the page: the category "debt" only.
        page.locator("#chart-category .bar[data-key=debt]").click()
        page.wait_for_function("document.querySelector('#f-category').value === 'debt'")
        page.wait_for_selector("#chart-category .bar.selected[data-key=debt]")
        assert "category=debt" in page.url
        total = page.locator("#dash-total [data-key=complaints]").inner_text()
        assert total == "2"  # the two debt cases of Mukdahan
        page.locator("#chart-category .bar[data-key=debt]").click()
        page.wait_for_function("document.querySelector('#f-category').value === ''")

        # Down again by clicking the district on the map.
        page.goto(f"{live_server.url}/dashboards/49/")
        wait_drawn(page)
        box = page.locator("path.dash-area").nth(0)
        box.click(force=True)
        page.wait_for_url("**/dashboards/49*/**", timeout=10_000)
        wait_drawn(page)
        assert page.locator("#dash-crumbs a").count() == 2  # ประเทศไทย › มุกดาหาร › …
        page.goto(f"{live_server.url}/dashboards/4901/")
        wait_drawn(page)
        assert page.locator("path.dash-area").count() == 13
        # The lowest level: a click picks the sub-district, the tiles follow it.
        page.locator("#dash-table button[data-pick='490101']").click()
        page.wait_for_function(
            "document.querySelector('#dash-total [data-key=complaints]').textContent === '3'"
        )
        assert "area=490101" in page.url
        no_sideways_scroll(page)
        screenshot(page, f"dashboard_district_{size}")
        # Back up by the breadcrumb.
        page.locator("#dash-crumbs a", has_text="มุกดาหาร").click()
        page.wait_for_url("**/dashboards/49/**")
        assert page.blocked_requests == []
        assert page.console_errors == []


def test_a_governor_starts_at_the_province_and_the_page_works_offline(live_server, live_data):
    build_cases()
    governor = make_officer(Role.GOVERNOR, province="49")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=1366, height=900)
        login(page, live_server.url, governor)
        page.goto(f"{live_server.url}/")
        page.locator("#nav-dashboards").click()
        wait_drawn(page)
        assert page.locator("#dashboard").get_attribute("data-parent") == "49"
        assert page.locator("#dash-crumbs a").count() == 0  # no country above the governor
        response = page.goto(f"{live_server.url}/dashboards/48/")
        assert response.status == 403
        assert page.blocked_requests == []
