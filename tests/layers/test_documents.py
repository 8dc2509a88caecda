"""Scanned documents (issue 12): upload by content type, the text read on the job queue (the
PDF's own text layer, or Tesseract OCR page by page), normalised and flagged, failures kept,
the district's inbox of unrecorded documents, and who may open what.

OCR runs for real (Debian's tesseract-ocr with tesseract-ocr-tha) on pages rendered by
``tests/letters.py``; small pages keep it to a few seconds each.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from layers.errors import Forbidden, InvalidInput
from layers.models import ComplaintHistory, DocumentStatus, ExtractMethod, ScannedDocument
from layers.selectors.documents import document_text_for_case
from layers.selectors.search import case_search, search_request_from_params
from layers.services import documents as ds
from tests.factories import Role, make_complaint, make_officer, make_team
from tests.letters import image_bytes, letter_image, letter_pdf, multipage_tiff, scanned_pdf

pytestmark = pytest.mark.django_db

# A short letter: what OCR reads in a couple of seconds.
LINES = [
    "ที่ มท ๐๓๑๐/๒๕",
    "ศูนย์ดำรงธรรมอำเภอเมืองมุกดาหาร",
    "เรื่อง ขอให้ซ่อมแซมถนนที่ชำรุด",
    "บ้านนาโด่ หมู่ที่ ๓ จำนวน ๑๒ ครัวเรือน",
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def officer():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


def client_of(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def short_page(lines=LINES, **kwargs):
    return letter_image(lines, dpi=kwargs.pop("dpi", 200), **kwargs).crop((0, 0, 1654, 900))


def test_ocr_reads_a_generated_page_normalised_and_flagged(media, officer, run_jobs):
    case = make_complaint()
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("letter.png", image_bytes(short_page()))
    )
    assert document.status == DocumentStatus.QUEUED
    assert run_jobs(queues=["documents"]) == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE, document.error
    assert document.method == ExtractMethod.OCR
    assert (document.page_count, document.pages_done) == (1, 1)
    # Tesseract writes ำ as ํ + า: stored as ำ.
    assert "\u0e4d\u0e32" not in document.text
    assert "ศูนย์ดำรงธรรม" in document.text
    assert "ซ่อมแซมถนน" in document.text
    # Numbers read by OCR are flagged for a person to check; the index has Arabic digits.
    assert any(f["kind"] == "number" and f["page"] == 1 for f in document.flags)
    assert "0310" in document.search_text
    assert not any(ch in document.search_text for ch in "๐๑๒๓๔๕๖๗๘๙")
    page = document.pages.get()
    assert page.method == ExtractMethod.OCR and page.confidence is not None
    assert (media / page.image.name).read_bytes().startswith(b"\x89PNG")
    assert "ศูนย์ดำรงธรรม" in document_text_for_case(case)


def test_a_pdf_with_a_text_layer_is_not_ocrd(media, officer, run_jobs, settings):
    # Were any page OCR'd, this would fail the document.
    settings.OCR_TESSERACT_CMD = "/nonexistent/tesseract"
    case = make_complaint()
    # (WeasyPrint's text layer maps the glyphs of ำ and า to one character: these words have
    # neither, so that the test checks our reading, not the generator.)
    pdf = letter_pdf([["เรื่อง ขอให้ตรวจสอบที่ดิน บ้านโคกสูง หมู่ที่ ๗"], ["เรียน ผู้ใหญ่บ้านดงมอน เรื่องที่ดิน ๑๒๓"]])
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("letter.pdf", pdf)
    )
    run_jobs(queues=["documents"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE, document.error
    assert document.method == ExtractMethod.TEXT_LAYER
    assert document.page_count == 2 and document.pages.count() == 2
    assert "บ้านโคกสูง" in document.text and "ผู้ใหญ่บ้านดงมอน" in document.text
    assert "\f" in document.text  # the pages apart
    assert document.flags == []  # exact text: nothing to check
    assert "123" in document.search_text
    # Each page still has its picture for the viewer (rendered, not read).
    for page in document.pages.all():
        assert page.method == ExtractMethod.TEXT_LAYER
        assert (media / page.image.name).stat().st_size > 0


def test_a_case_is_found_by_its_letters_text_once_read(media, officer, run_jobs, settings):
    settings.OCR_TESSERACT_CMD = "/nonexistent/tesseract"  # the text layer only
    case = make_complaint()
    other = make_complaint()
    words = search_request_from_params({"q": "โคกสูง"})
    assert case_search(officer=officer, req=words).count == 0
    pdf = letter_pdf([["เรื่อง ขอให้ตรวจสอบที่ดิน บ้านโคกสูง หมู่ที่ ๗"]])
    ds.document_upload_to_case(complaint=case, officer=officer, file=upload("letter.pdf", pdf))
    run_jobs(queues=["documents"])
    found = case_search(officer=officer, req=words)
    assert [c.pk for c in found.rows] == [case.pk] and other.pk != case.pk
    # Its Thai-digit number is searched as Arabic digits too (the indexable form).
    assert document_text_for_case(case) and "7" in document_text_for_case(case)


def test_a_scanned_pdf_and_a_multipage_tiff_are_read_page_by_page(media, officer, run_jobs):
    case = make_complaint()
    first = short_page(["ศูนย์ดำรงธรรมอำเภอดอนตาล"])
    second = short_page(["ขอความช่วยเหลือกรณีอุทกภัย"])
    for name, data in (
        ("scan.pdf", scanned_pdf([first, second], dpi=200)),
        ("scan.tif", multipage_tiff([first, second])),
    ):
        document = ds.document_upload_to_case(
            complaint=case, officer=officer, file=upload(name, data)
        )
        run_jobs(queues=["documents"])
        document.refresh_from_db()
        assert document.status == DocumentStatus.DONE, (name, document.error)
        assert document.method == ExtractMethod.OCR, name
        assert document.page_count == 2, name
        texts = list(document.pages.order_by("number").values_list("text", flat=True))
        assert "ดอนตาล" in texts[0] and "ความช่วยเหลือ" in texts[1], (name, texts)


def test_a_failed_ocr_leaves_the_document_attached_and_says_so(media, officer, run_jobs, settings):
    settings.OCR_TESSERACT_CMD = "/nonexistent/tesseract"
    case = make_complaint()
    data = image_bytes(short_page())
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("letter.png", data)
    )
    run_jobs(queues=["documents"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error and document.complaint_id == case.pk
    assert (media / document.file.name).read_bytes() == data  # nothing lost
    client = client_of(officer)
    page = client.get(reverse("case_detail", args=[case.tracking_no])).content.decode()
    assert 'data-status="failed"' in page
    assert "letter.png" in page
    served = client.get(reverse("document_file", args=[document.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == data
    assert "form" in page and reverse("document_read_again", args=[document.pk]) in page
    # Read again once the program is there: the same document, its text now read.
    settings.OCR_TESSERACT_CMD = "tesseract"
    outsider = make_officer(Role.DISTRICT_OFFICER, district="4902")
    url = reverse("document_read_again", args=[document.pk])
    assert client_of(outsider).post(url).status_code == 404
    assert Client().post(url).status_code == 302  # to the login page
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert client.post(url).status_code == 302
    run_jobs(queues=["documents"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE and "ดำรงธรรม" in document.text


def test_a_damaged_pdf_fails_cleanly(media, officer, run_jobs):
    case = make_complaint()
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("bad.pdf", b"%PDF-1.7\nnot really a pdf")
    )
    run_jobs(queues=["documents"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and document.error
    assert ScannedDocument.objects.filter(pk=document.pk, complaint=case).exists()


@pytest.mark.parametrize(
    "name, data",
    [
        ("letter.pdf", b"<html><script>alert(1)</script></html>"),
        ("letter.png", b"GIF89a" + b"\x00" * 40),
        ("letter.jpg", b""),
    ],
)
def test_type_is_checked_by_content_and_nothing_is_written(media, officer, name, data):
    case = make_complaint()
    with pytest.raises(InvalidInput) as caught:
        ds.document_upload_to_case(complaint=case, officer=officer, file=upload(name, data))
    assert "file" in caught.value.fields
    assert not ScannedDocument.objects.exists()
    assert not list(media.rglob("*.*"))


def test_size_limit(media, officer, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    case = make_complaint()
    with pytest.raises(InvalidInput):
        ds.document_upload_to_case(
            complaint=case, officer=officer, file=upload("big.pdf", b"%PDF-" + b"x" * 2000)
        )
    assert not ScannedDocument.objects.exists()


def test_upload_page_refuses_a_bad_file_in_thai_and_accepts_a_good_one(media, officer):
    case = make_complaint()
    client = client_of(officer)
    url = reverse("case_document_upload", args=[case.tracking_no])
    response = client.post(url, {"file": upload("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert response.status_code == 400
    assert "ไม่ใช่" in response.content.decode()  # the Thai message on the case page
    response = client.post(url, {"file": upload("ok.png", image_bytes(short_page()))})
    assert response.status_code == 302
    assert case.documents.count() == 1


def test_served_files_are_never_run(media, officer, run_jobs):
    case = make_complaint()
    tiff = multipage_tiff([short_page(["ทดสอบ"])])
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("a.tif", tiff)
    )
    png = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("b.png", image_bytes(short_page(["ทดสอบ"])))
    )
    client = client_of(officer)
    response = client.get(reverse("document_file", args=[document.pk]))
    # A TIFF is downloaded, not shown; nothing is sniffed.
    assert response["Content-Type"] == "image/tiff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    response = client.get(reverse("document_file", args=[png.pk]))
    assert response["Content-Disposition"].startswith("inline")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    run_jobs(queues=["documents"])
    response = client.get(reverse("document_page", args=[png.pk, 1]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(reverse("document_page", args=[png.pk, 2])).status_code == 404


def test_case_page_shows_progress_then_the_viewer_with_the_text_beside(media, officer, run_jobs):
    case = make_complaint()
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("letter.png", image_bytes(short_page()))
    )
    client = client_of(officer)
    url = reverse("case_detail", args=[case.tracking_no])
    ScannedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RUNNING, page_count=3, pages_done=1
    )
    body = client.get(url).content.decode()
    assert 'data-pending="1"' in body and "<progress" in body
    assert 'max="3" value="1"' in body
    ScannedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.QUEUED)
    run_jobs(queues=["documents"])
    body = client.get(url).content.decode()
    assert 'data-pending="0"' in body
    assert reverse("document_page", args=[document.pk, 1]) in body
    assert 'data-field="docpage.segments"' in body and "<mark" in body
    assert "ซ่อมแซมถนน" in body


def test_inbox_to_a_recorded_case(media, officer, run_jobs):
    other = make_officer(Role.DISTRICT_OFFICER, district="4902")
    data = image_bytes(short_page())
    client = client_of(officer)
    response = client.post(
        reverse("document_inbox"), {"district": "4901", "file": upload("in.png", data)}
    )
    assert response.status_code == 302
    document = ScannedDocument.objects.get()
    assert document.complaint_id is None and document.district_id == "4901"
    run_jobs(queues=["documents"])
    listed = client.get(reverse("document_inbox")).content.decode()
    assert "in.png" in listed and f"?document={document.pk}" in listed
    # Another district's officer: not listed, not opened, not put in 4901's inbox.
    other_client = client_of(other)
    assert "in.png" not in other_client.get(reverse("document_inbox")).content.decode()
    assert other_client.get(reverse("document_file", args=[document.pk])).status_code == 404
    response = other_client.post(
        reverse("document_inbox"), {"district": "4901", "file": upload("x.png", data)}
    )
    assert response.status_code == 400 and ScannedDocument.objects.count() == 1
    # The intake form shows the letter and its text, and saving attaches it.
    form = client.get(reverse("intake_new") + f"?document={document.pk}").content.decode()
    assert 'id="intake-document"' in form and "ดำรงธรรม" in form
    from tests.maps.test_intake import form_data

    response = client.post(reverse("intake_new"), form_data(document=str(document.pk)))
    assert response.status_code == 302, response.content.decode()[:500]
    document.refresh_from_db()
    case = document.complaint
    assert case is not None and case.district_id == document.district_id
    assert ComplaintHistory.objects.filter(complaint=case, note__contains="inbox").exists() or (
        ComplaintHistory.objects.filter(complaint=case).count() >= 2
    )
    assert "in.png" not in client.get(reverse("document_inbox")).content.decode()
    assert "ดำรงธรรม" in document_text_for_case(case)
    # A second recording from the same letter is refused as a whole: no second case.
    before = case.__class__.objects.count()
    response = client.post(reverse("intake_new"), form_data(document=str(document.pk)))
    assert response.status_code == 400
    assert case.__class__.objects.count() == before


def test_outsiders_are_refused_everywhere(media, officer):
    case = make_complaint()
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("letter.png", image_bytes(short_page()))
    )
    inbox = ds.document_upload_to_inbox(
        district="4901", officer=officer, file=upload("inbox.png", image_bytes(short_page()))
    )
    outsiders = {
        "no role": make_officer(None),
        "other district": make_officer(Role.DISTRICT_OFFICER, district="4902"),
        "other province": make_officer(Role.PROVINCE_OFFICER, province="48"),
        # Sees the case, but scanned letters name people: not for the GIS analyst.
        "gis analyst": make_officer(Role.GIS_ANALYST, district="4901"),
    }
    data = image_bytes(short_page())
    for label, who in outsiders.items():
        client = client_of(who)
        for url in (
            reverse("document_file", args=[document.pk]),
            reverse("document_file", args=[inbox.pk]),
            reverse("document_page", args=[document.pk, 1]),
        ):
            response = client.get(url)
            assert response.status_code in (403, 404), (label, url)
        response = client.post(
            reverse("case_document_upload", args=[case.tracking_no]),
            {"file": upload("z.png", data)},
        )
        assert response.status_code in (403, 404), label
        assert client.get(reverse("document_inbox")).status_code == 403 or (
            "inbox.png" not in client.get(reverse("document_inbox")).content.decode()
        ), label
        body = client.get(reverse("case_detail", args=[case.tracking_no])).content.decode()
        assert "letter.png" not in body, label
    assert ScannedDocument.objects.count() == 2
    anonymous = Client()
    for url in (reverse("document_file", args=[document.pk]), reverse("document_inbox")):
        assert anonymous.get(url).status_code == 302
    # The team member of the case's sub-district adds and reads letters of their cases.
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[make_team("490101")])
    assert client_of(member).get(reverse("document_file", args=[document.pk])).status_code == 200
    with pytest.raises(Forbidden):
        ds.document_upload_to_inbox(district="4901", officer=member, file=upload("m.png", data))


def test_an_unexpected_error_still_marks_the_document(media, officer, run_jobs, monkeypatch):
    def broken(image):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ds, "ocr_image", broken)
    case = make_complaint()
    document = ds.document_upload_to_case(
        complaint=case, officer=officer, file=upload("letter.png", image_bytes(short_page()))
    )
    run_jobs(queues=["documents"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and document.error
    assert document.complaint_id == case.pk
    assert (media / document.file.name).exists()
