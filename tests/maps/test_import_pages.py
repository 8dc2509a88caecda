"""The import pages and closing the backlog in one act (issue 12), through the browser's
requests: upload, mapping (typed values shown again with a Thai message), dry run, import with
the progress bar, the rejected-rows download; bulk close by filters and by an uploaded list,
one history row per case. Who may open them at all is the matrix's question
(tests/test_jurisdiction_matrix.py); outsiders are refused here too."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from layers import policy
from layers.models import Complaint, ComplaintHistory, HistoryKind, ImportBatch, Role
from tests.case_fixtures import put_in_state
from tests.factories import make_complaint, make_officer
from tests.jobs import run_queued_jobs
from tests.layers.test_imports import BAD_ROWS, GOOD, ROWS, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def officer():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


def client_for(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def data_fields(body: str) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', body))


def test_upload_map_check_import_and_download_the_rejected_rows(officer):
    client = client_for(officer)
    page = client.get("/imports/")
    assert page.status_code == 200 and 'name="file"' in page.content.decode()
    answer = client.post(
        "/imports/",
        {"district": "4901", "file": SimpleUploadedFile("backlog.csv", csv_bytes(ROWS, "cp874"))},
    )
    assert answer.status_code == 302
    batch = ImportBatch.objects.get()
    assert answer["Location"] == f"/imports/{batch.pk}/"
    body = client.get(answer["Location"]).content.decode()
    # The mapping proposed from the headers.
    assert '<option value="วันที่รับเรื่อง" selected>' in body
    # A mapping without the description: the choices come back with a Thai message.
    form = {f"map_{k}": v for k, v in batch.mapping.items()}
    wrong = client.post(
        f"/imports/{batch.pk}/act/", {**form, "map_description": "", "action": "check"}
    )
    assert wrong.status_code == 400
    text = wrong.content.decode()
    assert "เลือกคอลัมน์ที่เก็บข้อมูลนี้" in text
    assert '<option value="ตำบล" selected>' in text
    checked = client.post(f"/imports/{batch.pk}/act/", {**form, "action": "check"})
    assert checked.status_code == 302
    running = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' in running and "<progress" in running
    run_queued_jobs()
    dry = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in dry
    assert 'id="import-start"' in dry and not Complaint.objects.exists()
    for row in BAD_ROWS:
        assert f'data-field="importrow.row_no" data-label="แถว">{row}<' in dry
    assert "อ่านวันที่ไม่ได้: 31/13/2565" in dry
    assert client.post(f"/imports/{batch.pk}/act/", {"action": "import"}).status_code == 302
    run_queued_jobs()
    done = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-field="import.created">4<' in done and 'data-field="import.rejected">5<' in done
    assert 'value="100"' in done  # the progress bar full
    assert Complaint.objects.count() == len(GOOD)
    # Every field the page shows is classified (a new one would raise here).
    for name in data_fields(done) | data_fields(dry):
        policy.field_class(name)
    report = client.get(f"/imports/{batch.pk}/rejected.xlsx")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("แถว", "เหตุผล")
    assert [r[0] for r in rows[1:]] == sorted(BAD_ROWS)
    # Done: no second import of the same batch.
    again = client.post(f"/imports/{batch.pk}/act/", {"action": "import"})
    assert again.status_code == 400 and Complaint.objects.count() == len(GOOD)


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_with_the_district_kept(officer):
    client = client_for(officer)
    answer = client.post(
        "/imports/",
        {"district": "4901", "file": SimpleUploadedFile("x.csv", b"\x00\x01\x02binary")},
    )
    assert answer.status_code == 400
    assert "ไฟล์นี้ไม่ใช่ XLSX หรือ CSV" in answer.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    "role,district", [(Role.GIS_ANALYST, "4901"), (Role.TEAM_MEMBER, "4901"), (None, None)]
)
def test_outsiders_are_refused(role, district):
    client = client_for(make_officer(role, district=district))
    assert client.get("/imports/").status_code == 403
    assert client.post("/imports/", {"district": "4901"}).status_code == 403
    assert client.get("/cases/close/").status_code == 403
    assert client.post("/cases/close/", {"action": "close"}).status_code == 403
    assert Client().get("/imports/").status_code == 302  # anonymous: to the login page


def open_cases(n: int, **fields):
    return [make_complaint(description=f"ค้าง {i}", **fields) for i in range(n)]


def test_bulk_close_by_an_uploaded_list_writes_one_history_row_each(officer):
    cases = open_cases(3)
    other = make_complaint(description="ไม่อยู่ในรายการ")
    client = client_for(officer)
    workbook = Workbook()
    workbook.active.append(["เลขที่เรื่อง"])
    for case in cases:
        workbook.active.append([case.tracking_no])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = client.post(
        "/cases/close/",
        {
            "action": "preview",
            "numbers_file": SimpleUploadedFile("list.xlsx", buffer.getvalue()),
        },
    )
    body = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-field="bulkclose.selected">3<' in body
    assert other.tracking_no not in body
    # The uploaded numbers are carried in the box for the confirming request.
    numbers = re.search(r'<textarea name="numbers"[^>]*>(.*?)</textarea>', body, re.S)[1]
    assert set(numbers.split()) == {c.tracking_no for c in cases}
    unconfirmed = client.post(
        "/cases/close/",
        {"action": "close", "numbers": numbers, "result": "resolved", "note": "ปิดงานค้าง"},
    )
    assert unconfirmed.status_code == 400
    assert "กรุณาทำเครื่องหมายเพื่อยืนยัน" in unconfirmed.content.decode()
    assert not Complaint.objects.filter(status="closed").exists()
    closed = client.post(
        "/cases/close/",
        {
            "action": "close",
            "numbers": numbers,
            "result": "resolved",
            "note": "ปิดงานค้าง",
            "confirm": "1",
            "expected_count": "3",
        },
    )
    assert closed.status_code == 200
    assert 'data-field="bulkclose.closed">3<' in closed.content.decode()
    for case in cases:
        case.refresh_from_db()
        assert case.status == "closed" and case.close_result == "resolved"
        assert case.close_note == "ปิดงานค้าง"
        rows = ComplaintHistory.objects.filter(complaint=case, kind=HistoryKind.CLOSED)
        assert rows.count() == 1 and rows.get().actor == officer
    other.refresh_from_db()
    assert other.status == "received"


def test_bulk_close_by_filters_refuses_a_changed_selection_and_leaves_what_it_may_not_close(
    officer,
):
    old = open_cases(2)
    client = client_for(officer)
    form = {"action": "close", "district": "4901", "result": "withdrawn", "note": "ถอนเรื่อง"}
    # The officer confirmed 1 case but the filter now holds 2: nothing is closed.
    stale = client.post("/cases/close/", {**form, "confirm": "1", "expected_count": "1"})
    assert stale.status_code == 400 and "ไม่ใช่ 1 เรื่องตามที่ท่านยืนยัน" in stale.content.decode()
    assert not Complaint.objects.filter(status="closed").exists()
    # A case forwarded to the province is the province's to close: it stays open.
    province_case = put_in_state(make_complaint(), status="forwarded", forwarded_to="province")
    done = client.post("/cases/close/", {**form, "confirm": "1", "expected_count": "3"})
    assert done.status_code == 200
    body = done.content.decode()
    assert 'data-field="bulkclose.closed">2<' in body
    assert 'data-field="bulkclose.refused">1<' in body and province_case.tracking_no in body
    assert {c.pk for c in Complaint.objects.filter(status="closed")} == {c.pk for c in old}
    # Bad input is shown again: no result, no note.
    bad = client.post("/cases/close/", {"action": "close", "district": "4901", "confirm": "1"})
    assert bad.status_code == 400


def test_the_province_map_draws_an_approximate_case_as_approximate(officer):
    from tests.layers.test_imports import run_import

    run_import(officer, csv_bytes(GOOD, "utf-8"))
    exact = Complaint.objects.get(source_reference="R-001")
    approximate = Complaint.objects.get(source_reference="R-002")
    body = client_for(officer).get("/maps/province/49/").content.decode()
    features = {
        number: props for number, props in re.findall(r'"tracking_no": ?"([0-9-]+)"([^}]*)', body)
    }
    assert '"approximate": true' in features[approximate.tracking_no].replace(
        '"approximate":true', '"approximate": true'
    )
    assert "approximate" not in features[exact.tracking_no]
    assert "ตำแหน่งโดยประมาณ (จุดกลางตำบล)" in body  # the legend and the popup's words
