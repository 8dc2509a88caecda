"""The pages the core issue changed, as people see them (Thai, 1366 px and 360 px, offline):
the case page for an officer and for the GIS analyst (withheld texts say so), the case list,
and the Thai error pages."""

from __future__ import annotations

import pytest

from layers.models import Role
from layers.services import workflow as wf
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import make_complaint, make_officer, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}


@pytest.mark.parametrize("size", list(SIZES))
def test_case_page_list_and_error_pages(live_server, live_data, size):
    make_team("490101")
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    case = make_complaint(
        created_by=desk,
        title="ถนนชำรุดหน้าบ้านนายสมศักดิ์",
        description="นายสมศักดิ์ โทร 0812345678 แจ้งว่าถนนชำรุด",
    )
    case = wf.complaint_forward(
        complaint=case,
        actor=desk,
        expected_version=case.version,
        target="agency",
        agency="แขวงทางหลวงมุกดาหาร (คุณวิชัย)",
        note="ส่งให้แขวงทางหลวงดำเนินการ",
    )
    with open_browser() as browser:
        for who, officer in (("officer", desk), ("analyst", analyst)):
            page = new_page(browser, live_server.url, **SIZES[size])
            login(page, live_server.url, officer)
            page.goto(f"{live_server.url}/cases/{case.tracking_no}/")
            html = page.content()
            assert 'lang="th"' in html
            withheld = page.locator(".withheld").count()
            if who == "analyst":
                assert withheld >= 3 and "คุณวิชัย" not in html and "สมศักดิ์" not in html
            else:
                assert withheld == 0 and "คุณวิชัย" in html
            screenshot(page, f"policy_case_{who}_{size}")
            page.goto(f"{live_server.url}/cases/backlog/")
            screenshot(page, f"policy_list_{who}_{size}")
            assert page.blocked_requests == []
        page = new_page(browser, live_server.url, **SIZES[size])
        login(page, live_server.url, analyst)
        response = page.goto(f"{live_server.url}/cases/new/")
        assert response.status == 403
        assert page.locator("#error-page h1").inner_text() == "คุณไม่มีสิทธิ์เปิดหน้านี้"
        assert page.locator("nav.mainnav").count() == 1
        screenshot(page, f"policy_error_403_{size}")
        response = page.goto(f"{live_server.url}/cases/2500-9999999/")
        assert response.status == 404
        screenshot(page, f"policy_error_404_{size}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"] + 1, width
