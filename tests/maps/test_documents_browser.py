"""Scanned documents in headless Chromium (issue 12): the case page's viewer (thumbnails, each
page beside its text, the OCR'd numbers marked), the progress that refreshes by itself, the
inbox and the intake form from a letter, at 1366 px and on a 360 px phone."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from layers.models import DocumentStatus, ScannedDocument
from layers.services import documents as ds
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import Role, make_complaint, make_officer
from tests.letters import image_bytes, letter_image

pytestmark = pytest.mark.browser

LINES = [
    "ที่ มท ๐๓๑๐/๒๕",
    "ศูนย์ดำรงธรรมอำเภอเมืองมุกดาหาร",
    "เรื่อง ขอให้ซ่อมแซมถนนที่ชำรุด",
    "บ้านนาโด่ หมู่ที่ ๓ จำนวน ๑๒ ครัวเรือน",
]
SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"mobile": True}}


def _fits(page, width: int) -> None:
    """Nothing sideways: the page and every page picture of the documents within the width."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    rights = page.evaluate(
        "() => [...document.querySelectorAll('.doc img')]"
        ".filter((img) => img.offsetParent !== null)"
        ".map((img) => img.getBoundingClientRect().right)"
    )
    assert all(right <= width + 1 for right in rights), rights


def _page_png() -> bytes:
    return image_bytes(letter_image(LINES, dpi=200).crop((0, 0, 1654, 900)))


@pytest.mark.parametrize("size", list(SIZES))
def test_viewer_progress_and_inbox(live_server, live_data, settings, tmp_path, size):
    settings.MEDIA_ROOT = tmp_path
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    case = make_complaint()
    read = ds.document_upload_to_case(
        complaint=case, officer=officer, file=SimpleUploadedFile("letter.png", _page_png())
    )
    ds.document_extract_now(document_id=read.pk)
    waiting = ds.document_upload_to_case(
        complaint=case, officer=officer, file=SimpleUploadedFile("second.png", _page_png())
    )
    ScannedDocument.objects.filter(pk=waiting.pk).update(
        status=DocumentStatus.RUNNING, page_count=3, pages_done=1
    )
    inbox = ds.document_upload_to_inbox(
        district="4901", officer=officer, file=SimpleUploadedFile("inbox.png", _page_png())
    )
    ds.document_extract_now(document_id=inbox.pk)
    width = SIZES[size].get("width", 360)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **SIZES[size])
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}/cases/{case.tracking_no}/#case-documents")
        section = page.locator("#case-documents")
        assert section.locator("progress").count() == 1
        assert "1" in section.locator(f"#document-{waiting.pk}").inner_text()
        viewer = section.locator(f"#document-{read.pk} details")
        viewer.locator("summary").click()
        text = viewer.locator("pre.doc-text").first
        assert "ซ่อมแซมถนน" in text.inner_text()
        assert text.locator("mark").count() >= 1  # the numbers read by OCR, to check
        picture = viewer.locator("img").first
        picture.scroll_into_view_if_needed()
        assert page.evaluate(
            "(img) => img.complete && img.naturalWidth > 0", picture.element_handle()
        )
        _fits(page, width)
        section.scroll_into_view_if_needed()
        screenshot(page, f"documents_case_{size}")
        # The reading ends: the section refreshes by itself.
        ScannedDocument.objects.filter(pk=waiting.pk).update(
            status=DocumentStatus.FAILED, error="ทดสอบ"
        )
        page.wait_for_selector(f'#document-{waiting.pk}[data-status="failed"]', timeout=15000)
        assert section.locator("progress").count() == 0
        # The inbox, and the intake form from its letter.
        page.goto(f"{live_server.url}/documents/inbox/")
        assert "inbox.png" in page.locator("#inbox-documents").inner_text()
        _fits(page, width)
        screenshot(page, f"documents_inbox_{size}")
        page.locator(f'a[href$="?document={inbox.pk}"]').click()
        page.wait_for_selector("#intake-document")
        assert "ดำรงธรรม" in page.locator("#intake-document").inner_text()
        _fits(page, width)
        screenshot(page, f"documents_intake_{size}")
        assert page.blocked_requests == [], page.blocked_requests
        assert page.console_errors == [], page.console_errors
