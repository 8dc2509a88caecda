"""The statistics page and the month-end figures as a governor sees them (Thai, 1366 px and
360 px, offline): screenshots in test-output/, no page wider than the phone, nothing fetched
from outside."""

from __future__ import annotations

import pytest
from django.utils import timezone

from layers.demo import demo_complaints_seed
from layers.models import Role
from layers.services import statistics as stats
from layers.thaidate import Month
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import make_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_province_statistics_page(live_server, live_data, size):
    demo_complaints_seed(count=600, seed=9, until=timezone.localdate())
    month = Month.of(timezone.now())
    for _i in range(3):  # the last three months are frozen: the trend shows their ticks
        month = month.previous()
        stats.snapshot_freeze(month=month)
    governor = make_officer(Role.GOVERNOR, province="49")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **SIZES[size])
        login(page, live_server.url, governor)
        page.goto(f"{live_server.url}/statistics/49/")
        assert page.locator("h1").inner_text().startswith("สถิติเรื่องร้องเรียนร้องทุกข์")
        assert page.locator("#stats-trend .col").count() == 12
        assert page.locator("#stats-trend .trend .frozen").count() == 3
        assert page.locator("#stats-children tbody tr").count() == 7  # Mukdahan's districts
        assert page.locator("#stats-reports li").count() == 12
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"], width
        screenshot(page, f"statistics_49_{size}")
        page.goto(f"{live_server.url}/statistics/4901/?month={month.be_code}")
        assert "ณ สิ้นเดือน" in page.locator("#stats-frozen").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"], width
        screenshot(page, f"statistics_4901_{month.be_code}_{size}")
        assert page.blocked_requests == []
        assert page.console_errors == []
