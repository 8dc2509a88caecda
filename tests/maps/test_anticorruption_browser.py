"""The anti-corruption channel in a real browser, offline, at 1366 px and on a 360 px phone:
file a tip, get number + PIN, follow it; the reporter opens it. Screenshots in test-output/."""

from __future__ import annotations

import pytest

from layers.models import Tip, TipAudit
from tests.anticorruption_data import ac_officers
from tests.browser import login, new_page, open_browser, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 800}, "360": {"mobile": True}}


def fits(page, width: int):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", list(WIDTHS))
def test_file_track_and_read_a_tip(live_server, live_data, size):
    officers = ac_officers()
    width = 1366 if size == "1366" else 360
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **WIDTHS[size])
        page.goto(f"{live_server.url}/anticorruption/")
        fits(page, width)
        screenshot(page, f"anticorruption_form_{size}")
        page.fill("#id_tipster_name", "นางสาวผู้แจ้ง ทดสอบ")
        page.fill("#id_tipster_phone", "0898765432")
        page.fill("#id_accused_name", "นายผู้ใหญ่ ตัวอย่าง")
        page.fill("#id_accused_unit", "หมู่ 3 ตำบลมุกดาหาร")
        page.check("input[name=accused_level][value=local]")
        page.select_option("#id_province", "49")
        page.select_option("#id_district", "4901")
        page.fill("#id_description", "เรียกรับเงินค่าออกหนังสือรับรองจากชาวบ้านหลายราย")
        page.check("#id_consent")
        page.click("#tip-send")
        page.wait_for_selector("#tip-receipt")
        fits(page, width)
        screenshot(page, f"anticorruption_receipt_{size}")
        number = page.inner_text("#tip-number").strip()
        pin = page.inner_text("#tip-pin").strip()
        assert number.startswith("AC-") and len(pin) == 6
        assert Tip.objects.get(tracking_no=number).level == "district"

        page.goto(f"{live_server.url}/anticorruption/track/")
        page.fill("#id_number", number)
        page.fill("#id_pin", pin)
        page.click("#track-send")
        page.wait_for_selector("#tip-status")
        fits(page, width)
        screenshot(page, f"anticorruption_track_{size}")
        assert "นางสาวผู้แจ้ง" not in page.content()
        assert page.blocked_requests == []

        handler = new_page(browser, live_server.url, **WIDTHS[size])
        login(handler, live_server.url, officers["rep4901"])
        handler.goto(f"{live_server.url}/anticorruption/tips/")
        handler.click(f"text={number}")
        handler.wait_for_selector("#tipster")
        assert "นางสาวผู้แจ้ง ทดสอบ" in handler.inner_text("#tipster")
        fits(handler, width)
        screenshot(handler, f"anticorruption_tip_{size}")
        assert TipAudit.objects.filter(action="viewed", tip__tracking_no=number).count() == 1
        assert handler.blocked_requests == []
