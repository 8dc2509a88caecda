"""Headless Chromium for page tests, with the internet cut off.

Usage, in a test marked ``@pytest.mark.browser`` that takes the ``live_server`` and
``live_data`` fixtures (transactional database, see tests/conftest.py)::

    from tests.browser import login, new_page, open_browser, screenshot

    def test_my_page(live_server, live_data):
        officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
        with open_browser() as browser:
            page = new_page(browser, live_server.url)
            login(page, live_server.url, officer)
            page.goto(f"{live_server.url}/my/page/")
            ...
            screenshot(page, "my_page")
            assert page.blocked_requests == []

The browser is Debian's ``/usr/bin/chromium`` (package ``chromium``, with ``fonts-thai-tlwg`` so
Thai text renders); Playwright's own browser download (``playwright install``) is never used.
Every request that does not go to the live server is aborted and recorded in
``page.blocked_requests``, so a test proves the page works with no internet.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an asyncio event loop in this thread; Django then refuses ORM
# calls from "an async context" unless told that this (test-only) use is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("DAMRONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = REPO / "test-output"

# A phone the size the sub-district teams use (360 px wide, issue 3).
MOBILE_VIEWPORT = {"width": 360, "height": 740}


@contextmanager
def open_browser(**launch_options):
    """A headless Chromium browser, closed on exit."""

    options = {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}
    options.update(launch_options)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)
        try:
            yield browser
        finally:
            browser.close()
            _close_db_connections()


def _close_db_connections():
    # Inside Playwright's event loop Django's connection handler (an asgiref Local) hands out
    # its own connections; close them here, or the test database cannot be dropped at the end.

    connections.close_all()


def new_page(
    browser,
    live_server_url: str,
    *,
    width: int = 1280,
    height: int = 800,
    mobile: bool = False,
    geolocation: tuple[float, float] | None = None,
    locale: str = "th-TH",
):
    """A page in a fresh context that may reach only the live server.

    ``geolocation`` = (lat, lon) grants the page the position (for "use my GPS" buttons).
    ``mobile`` gives a 360 px touch viewport unless width/height are passed.
    Attributes added to the page: ``blocked_requests`` (URLs aborted because they left the live
    server), ``console_errors`` (console messages of type error and uncaught page errors).
    """
    context_options: dict = {"locale": locale, "timezone_id": "Asia/Bangkok"}
    if mobile:
        if (width, height) == (1280, 800):
            width, height = MOBILE_VIEWPORT["width"], MOBILE_VIEWPORT["height"]
        context_options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context_options["viewport"] = {"width": width, "height": height}
    if geolocation is not None:
        lat, lon = geolocation
        context_options.update(
            geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
        )
    context = browser.new_context(**context_options)

    allowed = urlsplit(live_server_url)
    allowed_origin = (allowed.scheme, allowed.hostname, allowed.port)
    blocked: list[str] = []
    console_errors: list[str] = []

    def route(route):
        url = route.request.url
        parts = urlsplit(url)
        if (
            parts.scheme in ("data", "blob")
            or (
                parts.scheme,
                parts.hostname,
                parts.port,
            )
            == allowed_origin
        ):
            route.continue_()
        else:
            blocked.append(url)
            route.abort("internetdisconnected")

    context.route(re.compile(r".*"), route)
    page = context.new_page()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.blocked_requests = blocked
    page.console_errors = console_errors
    return page


def login(context_or_page, live_server_url: str, officer) -> None:
    """Log ``officer`` in without the login form: a real session from Django's test client,
    its cookie copied into the browser context."""

    client = Client()
    client.force_login(officer)
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = getattr(context_or_page, "context", context_or_page)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_id,
                "url": live_server_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save ``test-output/<name>.png`` (gitignored) and return its path."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / (name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


__all__ = [
    "CHROMIUM",
    "SCREENSHOT_DIR",
    "login",
    "new_page",
    "open_browser",
    "screenshot",
]
