"""The import and bulk-close pages as people see them (Thai, 1366 px and 360 px, offline):
the upload form, a checked import with its problems and progress bar, the case page of an
imported case placed approximately, and the bulk-close page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from layers.models import Complaint, Role
from layers.services.imports import import_map, import_run, import_start, import_upload
from tests.browser import login, new_page, open_browser, screenshot
from tests.factories import make_complaint, make_officer
from tests.layers.test_imports import ROWS, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}


def fits(page, size: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"] + 1, (page.url, width)


@pytest.mark.parametrize("size", list(SIZES))
def test_import_and_bulk_close_pages(live_server, live_data, size, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    checked = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("งานค้าง_2565.csv", csv_bytes(ROWS, "cp874")),
    )
    import_map(batch=checked, officer=officer, mapping=checked.mapping)
    import_run(batch_id=checked.pk, dry_run=True)  # as the worker would
    done = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("งานค้าง_2566.csv", csv_bytes(ROWS, "utf-8")),
    )
    import_map(batch=done, officer=officer, mapping=done.mapping)
    import_run(batch_id=done.pk, dry_run=True)
    done.refresh_from_db()
    import_start(batch=done, officer=officer)
    import_run(batch_id=done.pk, dry_run=False)
    approximate = Complaint.objects.get(source_reference="R-002")
    make_complaint(description="งานค้างอีกเรื่อง")
    with open_browser() as browser:
        page = new_page(browser, live_server.url, **SIZES[size])
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}/imports/")
        assert page.locator("#import-upload").count() == 1
        assert page.locator("#import-list tbody tr").count() == 2
        fits(page, size)
        screenshot(page, f"import_list_{size}")
        page.goto(f"{live_server.url}/imports/{checked.pk}/")
        assert page.locator("progress.import-progress").count() == 1
        assert page.locator("#import-problems tbody tr").count() == 5
        assert page.locator("#import-start").count() == 1
        fits(page, size)
        screenshot(page, f"import_checked_{size}")
        page.goto(f"{live_server.url}/imports/{done.pk}/")
        assert "นำเข้าแล้ว" in page.locator("#import-status").inner_text()
        fits(page, size)
        screenshot(page, f"import_done_{size}")
        page.goto(f"{live_server.url}/cases/{approximate.tracking_no}/")
        assert page.locator("#location-approximate").inner_text().startswith("ตำแหน่งโดยประมาณ")
        screenshot(page, f"import_case_approximate_{size}")
        page.goto(f"{live_server.url}/cases/close/")
        assert page.locator("#case-list tbody tr").count() == 5
        fits(page, size)
        screenshot(page, f"bulk_close_{size}")
        assert page.blocked_requests == []
