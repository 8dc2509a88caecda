"""Roles not entitled to personal data (the GIS analyst) get no free text and no documents.

Descriptions, notes, reasons, the words of an "Other" sub-category and scanned letters name
people as often as the structured fields do, so they are withheld together.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from layers.models import Role
from layers.services.workflow import complaint_add_note
from tests.factories import make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

SECRET_DESCRIPTION = "นางสาวลับเฉพาะ ทดสอบ ถูกข่มขู่ที่บ้านเลขที่ 99"
SECRET_OTHER = "เรื่องของนายปกปิด ชื่อจริง"
SECRET_NOTE = "พบนายบันทึกลับ ที่เกิดเหตุ"


def _png():
    # The attachment check reads the content's signature, so a PNG header is enough.
    return SimpleUploadedFile("visit.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")


@pytest.fixture
def case_with_text(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = make_team("490101")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])
    case = make_complaint(
        category="other",
        subcategory=None,
        subcategory_text=SECRET_OTHER,
        description=SECRET_DESCRIPTION,
    )
    case = complaint_add_note(
        complaint=case,
        actor=member,
        expected_version=case.version,
        text=SECRET_NOTE,
        files=[_png()],
    )
    return case


def _login(client, officer):
    client.force_login(officer)
    return client


@pytest.mark.parametrize("role", [Role.GIS_ANALYST])
def test_case_page_and_api_withhold_free_text_and_documents(client, case_with_text, role):
    analyst = make_officer(role, province="49")
    _login(client, analyst)
    page = client.get(reverse("case_detail", args=[case_with_text.tracking_no]))
    api = client.get(f"/api/cases/{case_with_text.tracking_no}/")
    listing = client.get("/api/cases/")
    assert page.status_code == api.status_code == listing.status_code == 200
    for response in (page, api, listing):
        body = response.content.decode()
        for secret in (SECRET_DESCRIPTION, SECRET_OTHER, SECRET_NOTE, "visit.png"):
            assert secret not in body
    assert api.json()["withheld"] == ["personal", "free_text", "attachments"]
    attachment = case_with_text.attachments.get()
    download = client.get(
        reverse("case_attachment", args=[case_with_text.tracking_no, attachment.pk])
    )
    assert download.status_code == 404


def test_entitled_roles_still_read_them(client, case_with_text):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    _login(client, officer)
    page = client.get(reverse("case_detail", args=[case_with_text.tracking_no])).content.decode()
    api = client.get(f"/api/cases/{case_with_text.tracking_no}/").json()
    for secret in (SECRET_DESCRIPTION, SECRET_OTHER, SECRET_NOTE):
        assert secret in page
    assert api["description"] == SECRET_DESCRIPTION
    assert api["notes"][0]["text"] == SECRET_NOTE
    attachment = case_with_text.attachments.get()
    download = client.get(
        reverse("case_attachment", args=[case_with_text.tracking_no, attachment.pk])
    )
    assert download.status_code == 200
