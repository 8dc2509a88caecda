"""The anti-corruption permission form in a real browser, in Thai, at 1366 px and on a 360 px
phone: a person applies as a provincial coordinator, the centre opens the request, and the
approval of a third coordinator of the province is refused with the reason (issue 11)."""

import pytest

from layers.models import Officer, RegistrationRequest, Role
from tests.anticorruption_data import make_ac_officer
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import new_citizen_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 800}, "360": {"mobile": True}}


@pytest.fixture
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("size", list(WIDTHS))
def test_apply_as_coordinator_and_the_third_is_refused(live_server, live_data, fast, size):
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    centre = make_ac_officer(Role.AC_CENTRE)
    width = WIDTHS[size].get("width", 360)
    citizen_id = new_citizen_id("1")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **WIDTHS[size])
        page.goto(f"{live_server.url}/accounts/register/")
        page.fill("#id_citizen_id", citizen_id)
        page.fill("#id_title", "นาย")
        page.fill("#id_first_name", "จิรวีรส")
        page.fill("#id_last_name", "ทดสอบสาม")
        page.fill("#id_position", "นิติกรปฏิบัติการ")
        page.select_option("#id_province", "49")
        page.check("input[name=permission_level][value=ac_coordinator]")
        page.fill("#id_phone_office", "042611817")
        page.fill("#id_date_assigned", "01/02/2565")
        screenshot(page, f"ac_register_form_{size}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        page.click("button[type=submit].btn")
        page.wait_for_load_state()
        assert page.url.endswith("/accounts/register/done/"), page.url
        assert "ศูนย์ปฏิบัติการต่อต้านการทุจริต" in page.inner_text("main")
        screenshot(page, f"ac_register_done_{size}")
        req = RegistrationRequest.objects.get(citizen_id=citizen_id)
        assert req.permission_level == "ac_coordinator"

        page = new_page(browser, live_server.url, **WIDTHS[size])
        login(page, live_server.url, centre)
        page.goto(f"{live_server.url}/")
        page.click("#link-registrations")
        page.wait_for_load_state()
        page.click(f"a[href='/accounts/registrations/{req.pk}/']")
        page.wait_for_load_state()
        assert "ผู้ประสานงานระดับจังหวัด" in page.inner_text("main")
        page.click("form[action$='/approve/'] button")
        page.wait_for_load_state()
        alert = page.locator("p.errorlist[role=alert]").inner_text()
        assert "จังหวัดนี้มีผู้ประสานงานครบ 2 คนแล้ว" in alert
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        screenshot(page, f"ac_register_third_refused_{size}")
        assert page.blocked_requests == []
    req.refresh_from_db()
    assert req.status == RegistrationRequest.Status.PENDING
    assert not Officer.objects.filter(citizen_id=citizen_id).exists()
