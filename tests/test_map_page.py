import pytest

from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_officer


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
