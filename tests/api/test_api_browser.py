"""In a real browser with the internet cut off: the API docs page (Swagger UI from our static
files, reading /api/schema/) renders every operation and nothing leaves the server; the
profile page's API tokens in Thai on a 360 px phone: create (the key shown once), use the key
from a program, revoke."""

import json
import urllib.error
import urllib.request

import pytest

from layers.models import ApiToken
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_complaint, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fits(page, width: int):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def api_get(url: str, key: str):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - live server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_docs_page_works_offline(live_server, live_data):
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=1366, height=900)
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=30_000)
        operations = page.locator(".opblock").count()
        assert operations >= 16
        assert "Damrong GIS API" in page.locator(".information-container").inner_text()
        # The Authorize dialog offers the token schemes.
        page.click("button.authorize")
        dialog = page.locator(".auth-container").all_inner_texts()
        assert any("tokenAuth" in t for t in dialog) and any("bearerAuth" in t for t in dialog)
        page.keyboard.press("Escape")
        screenshot(page, "api_docs")
        assert page.blocked_requests == [], page.blocked_requests
        assert page.console_errors == [], page.console_errors


def test_api_tokens_on_the_profile_page_in_thai_at_360_px(live_server, live_data, fast):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    case = make_complaint(created_by=officer)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, mobile=True)
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}/accounts/profile/")
        section = page.locator("#api-tokens")
        assert "โทเคน API" in section.inner_text()
        assert page.locator("#no-tokens").count() == 1
        page.fill("#id_name", "QGIS ที่สำนักงาน")
        page.select_option("#id_days", "30")
        page.click("#token-form button[type=submit]")
        page.wait_for_load_state()
        key = page.locator("#new-token-key").inner_text().strip()
        assert key.startswith("dmr_") and len(key) == 53
        assert "ครั้งเดียวเท่านั้น" in page.locator("#new-token").inner_text()
        fits(page, 360)
        screenshot(page, "profile_token_360")

        # A program uses the key (the browser has no part in it): the officer's cases.
        status, body = api_get(f"{live_server.url}/api/cases/", key)
        assert status == 200 and [r["tracking_no"] for r in body["results"]] == [case.tracking_no]

        # Reloading never shows the key again; the list shows its prefix.
        page.goto(f"{live_server.url}/accounts/profile/")
        assert key not in page.content()
        token = ApiToken.objects.get(officer=officer)
        assert token.display_key in page.locator("#token-list").inner_text()

        page.click("#token-list form.token-action button")
        page.wait_for_load_state()
        assert "ยกเลิกแล้ว" in page.locator("#token-list").inner_text()
        fits(page, 360)
        screenshot(page, "profile_token_revoked_360")
        status, body = api_get(f"{live_server.url}/api/cases/", key)
        assert status == 401 and body["code"] == "token_revoked"
        assert page.blocked_requests == [] and page.console_errors == []
