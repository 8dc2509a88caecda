"""Uploaded files are never served by a public URL, with DEBUG on too (issue 7): an attachment
opens only through the case's access-checked view."""

import importlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches

import gisapp.urls
from layers.services import workflow as wf
from tests.factories import Role, make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"MEDIA-TEST"


@pytest.fixture
def debug_urls(settings, tmp_path):
    """The URL configuration as a development server (DEBUG on) builds it at start-up."""
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True
    clear_url_caches()
    importlib.reload(gisapp.urls)
    yield
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(gisapp.urls)


def test_an_attachment_has_no_public_url_with_debug_on(debug_urls, settings):
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[make_team("490101")])
    district_officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    case = make_complaint()
    case = wf.complaint_add_note(
        complaint=case,
        actor=district_officer,
        expected_version=case.version,
        text="รูปหน้างาน",
        files=[SimpleUploadedFile("site.jpg", JPEG, content_type="image/jpeg")],
    )
    attachment = case.attachments.get()
    assert (settings.MEDIA_ROOT / attachment.file.name).read_bytes() == JPEG  # the file exists
    public = f"{settings.MEDIA_URL}{attachment.file.name}"
    for client in (Client(), _logged_in(district_officer), _logged_in(member)):
        response = client.get(public)
        assert response.status_code == 404, public
        assert b"MEDIA-TEST" not in response.content
    # The scoped view still serves it to an officer entitled to the case.
    scoped = f"/cases/{case.tracking_no}/attachments/{attachment.pk}/"
    response = _logged_in(district_officer).get(scoped)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    # ...and to nobody else.
    outsider = make_officer(Role.DISTRICT_OFFICER, district="4902")
    assert _logged_in(outsider).get(scoped).status_code in (403, 404)
    assert Client().get(scoped).status_code == 302


def _logged_in(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client
