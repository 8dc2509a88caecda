"""The account pages of issue 7 in a real browser, in Thai, at 1366 px and on a 360 px phone:
the login page in lock-out, the four password-reset steps, the locked-accounts page."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.utils import timezone

from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 800}, "360": {"mobile": True}}


def script_errors(page, *expected_statuses: int) -> list[str]:
    """Console errors other than the browser's note on a page answered with an expected 4xx."""
    notes = {f"the server responded with a status of {s}" for s in expected_statuses}
    return [e for e in page.console_errors if not any(n in e for n in notes)]


def fits(page, width: int):
    # Nothing wider than the screen: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.fixture
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = ""  # the live server's address is added below


def lock(officer, address="127.0.0.1"):
    AccessAttempt.objects.create(
        username=officer.citizen_id,
        ip_address=address,
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )


@pytest.mark.parametrize("size", list(WIDTHS))
def test_login_in_lock_out(live_server, live_data, fast, size):

    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    width = WIDTHS[size].get("width", 360)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **WIDTHS[size])
        page.goto(f"{live_server.url}/accounts/login/")
        for attempt in range(5):
            page.fill("#id_username", officer.citizen_id)
            page.fill("#id_password", f"wrong-{attempt}")
            page.click("button[type=submit].btn")
            page.wait_for_load_state()
        message = page.locator("#lockout-message")
        assert "กรุณารอ 15 นาที" in message.inner_text()
        # The right password now: still the lock-out page, not logged in.
        page.fill("#id_password", officer.test_password)
        page.click("button[type=submit].btn")
        page.wait_for_load_state()
        assert page.locator("#lockout-message").count() == 1
        assert page.url.endswith("/accounts/login/")
        assert page.locator("form.logout").count() == 0
        fits(page, width)
        screenshot(page, f"login_lockout_{size}")
        assert page.blocked_requests == [] and script_errors(page, 429) == []


@pytest.mark.parametrize("size", list(WIDTHS))
def test_password_reset_steps(live_server, live_data, fast, settings, size, run_jobs):

    settings.SITE_URL = live_server.url
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901", email="somsri@example.go.th")
    width = WIDTHS[size].get("width", 360)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **WIDTHS[size])
        page.goto(f"{live_server.url}/accounts/login/")
        page.click("a[href='/accounts/password_reset/']")
        page.wait_for_selector("#id_email")
        fits(page, width)
        screenshot(page, f"reset_1_form_{size}")
        page.fill("#id_email", "somsri@example.go.th")
        page.click("button[type=submit].btn")
        page.wait_for_url("**/accounts/password_reset/done/")
        assert "ตรวจสอบอีเมลของคุณ" in page.content()
        fits(page, width)
        screenshot(page, f"reset_2_done_{size}")
        # The reset e-mail is sent by the job worker: run it beside Playwright's event loop
        # (the live server's data are committed, so the worker's own connection sees them).
        with ThreadPoolExecutor(1) as pool:
            pool.submit(run_jobs).result()
        link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
        page.goto(link)
        page.wait_for_selector("#id_new_password1")
        fits(page, width)
        screenshot(page, f"reset_3_confirm_{size}")
        # A password the validators refuse: told on the same page.
        page.fill("#id_new_password1", "12345678")
        page.fill("#id_new_password2", "12345678")
        page.click("button[type=submit].btn")
        page.wait_for_selector(".errorlist")
        fits(page, width)
        screenshot(page, f"reset_3_confirm_error_{size}")
        page.fill("#id_new_password1", "Rice-field-2569!")
        page.fill("#id_new_password2", "Rice-field-2569!")
        page.click("button[type=submit].btn")
        page.wait_for_url("**/accounts/reset/done/")
        fits(page, width)
        screenshot(page, f"reset_4_complete_{size}")
        # The used link: the "does not work" page.
        page.goto(link)
        page.wait_for_selector("a[href='/accounts/password_reset/']")
        fits(page, width)
        screenshot(page, f"reset_5_bad_link_{size}")
        assert page.blocked_requests == [] and script_errors(page, 400) == []
    officer.refresh_from_db()
    assert officer.check_password("Rice-field-2569!")


@pytest.mark.parametrize("size", list(WIDTHS))
def test_unlock_page(live_server, live_data, fast, size):

    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    locked = [
        make_officer(
            Role.DISTRICT_OFFICER,
            district="4901",
            title="นางสาว",
            first_name="สมศรี",
            last_name="ใจดีมากเป็นพิเศษยาวมาก",
            position="เจ้าพนักงานปกครองชำนาญงาน",
            unit="ศูนย์ดำรงธรรมอำเภอเมืองมุกดาหาร",
        ),
        make_officer(Role.TEAM_MEMBER, district="4901", title="นาย", first_name="สมชาย"),
    ]
    for i, officer in enumerate(locked):
        lock(officer, f"192.0.2.{i + 1}")
    width = WIDTHS[size].get("width", 360)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **WIDTHS[size])
        login(page, live_server.url, chief)
        page.goto(f"{live_server.url}/")
        if page.locator("#menu-toggle").is_visible():  # a phone: the links are in the menu
            page.click("#menu-toggle")
        page.click("a[href='/accounts/lockouts/']")
        page.wait_for_selector("#locked-accounts")
        assert page.locator("#locked-accounts .lock-item").count() == 2
        fits(page, width)
        screenshot(page, f"lockouts_{size}")
        page.locator("#locked-accounts .lock-item").first.locator("button").click()
        page.wait_for_selector(".messages .msg-success")
        assert page.locator("#locked-accounts .lock-item").count() == 1
        fits(page, width)
        screenshot(page, f"lockouts_unlocked_{size}")
        assert page.blocked_requests == [] and page.console_errors == []
