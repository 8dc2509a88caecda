"""Thai by default, whatever the browser asks for; English only when the officer chooses it."""

import pytest
from django.conf import settings


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "fr", ""])
def test_pages_are_thai_whatever_the_browser_prefers(client, accept):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert '<html lang="th">' in response.content.decode()


def test_the_switcher_choice_wins_and_sticks(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="th")
    assert '<html lang="en">' in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_thai(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    page = client.get("/accounts/login/")
    assert '<html lang="th">' in page.content.decode()
