"""Importing the backlog from spreadsheets (issue 12): every bad row reported with its reason
and nothing of it written, the same cases from cp874, UTF-8 and XLSX files, re-imports that
update, approximate places, resuming, the rejected-rows report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from layers.errors import InvalidInput
from layers.models import (
    Complaint,
    ComplaintHistory,
    HistoryKind,
    ImportBatch,
    ImportMapping,
    ImportProblem,
    ImportStatus,
    Role,
)
from layers.selectors.duplicates import duplicates_for_case
from layers.selectors.search import case_search, search_request_from_params
from layers.services import imports
from layers.services.imports import (
    import_map,
    import_start,
    import_upload,
    rejected_rows_xlsx,
)
from tests.factories import MUKDAHAN_CITY, make_complaint, make_officer, new_citizen_id
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.django_db

HEADER = [
    "เลขที่อ้างอิง",
    "วันที่รับเรื่อง",
    "ชื่อผู้ร้อง",
    "เลขประจำตัวประชาชน",
    "โทรศัพท์",
    "ประเภทเรื่อง",
    "ประเภทเรื่องย่อย",
    "รายละเอียด",
    "ตำบล",
    "ละติจูด",
    "ลองจิจูด",
]
CID = new_citizen_id("1")
GOOD = [
    # Coordinates: placed exactly.
    [
        "R-001",
        "31/01/2565",
        "นายหนึ่ง ทดสอบ",
        CID,
        "0812345678",
        "land",
        "land-public-encroach",
        "บุกรุกที่สาธารณะ หนึ่ง",
        "",
        str(MUKDAHAN_CITY[0]),
        str(MUKDAHAN_CITY[1]),
    ],
    # The sub-district by name, with prefixes and the district after it, Thai digits.
    [
        "R-002",
        "๓๑ ม.ค. ๖๕",
        "นางสอง ทดสอบ",
        "",
        "",
        "ปัญหาที่ดิน",
        "แนวเขตที่ดิน/ทางสาธารณะ",
        "ทางสาธารณะถูกปิด สอง",
        "ต.บางทรายใหญ่ อ.เมืองมุกดาหาร จ.มุกดาหาร",
        "",
        "",
    ],
    # The sub-district misspelt (น for ล), "Other" with its words, a code as the category.
    [
        "R-003",
        "5 กุมภาพันธ์ 2566",
        "นายสาม ทดสอบ",
        "",
        "",
        "other",
        "เรื่องเสียงดัง",
        "เสียงดังยามวิกาล สาม",
        "ตำบลคำอาฮวล",
        "",
        "",
    ],
    # The sub-district by code.
    [
        "R-004",
        "1/3/2566",
        "นายสี่ ทดสอบ",
        "",
        "",
        "land",
        "land-title",
        "เอกสารสิทธิ์ สี่",
        "490113",
        "",
        "",
    ],
]
BAD = [
    (
        ["R-005", "31/13/2565", "นายห้า", "", "", "land", "land-title", "ห้า", "490113", "", ""],
        "received_at",
    ),
    (
        ["R-006", "1/1/2566", "นายหก", "", "", "land", "land-title", "หก", "ต.ไม่มีจริง", "", ""],
        "subdistrict",
    ),
    (["R-007", "1/1/2566", "นายเจ็ด", "", "", "", "", "เจ็ด", "490113", "", ""], "category"),
    (
        [
            "R-008",
            "1/1/2566",
            "นายแปด",
            "1234567890123",
            "",
            "land",
            "land-title",
            "แปด",
            "490113",
            "",
            "",
        ],
        "complainant_citizen_id",
    ),
    (
        ["R-001", "1/1/2566", "นายเก้า", "", "", "land", "land-title", "เก้า", "490113", "", ""],
        "source_reference",
    ),
]
ROWS = GOOD + [row for row, _field in BAD]
# Spreadsheet rows: the header is row 1.
BAD_ROWS = {len(GOOD) + 2 + i: field for i, (_row, field) in enumerate(BAD)}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def officer():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


def csv_bytes(rows, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(officer, content: bytes, name: str = "backlog.csv") -> ImportBatch:
    batch = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    )
    import_map(batch=batch, officer=officer, mapping=batch.mapping)
    run_queued_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED, batch.message
    import_start(batch=batch, officer=officer)
    run_queued_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.message
    return batch


def problems_of(batch) -> dict[int, set[str]]:
    return {
        p.row_no: {key for key, _message in p.reasons}
        for p in ImportProblem.objects.filter(batch=batch)
    }


def cases_as_data():
    return sorted(
        (
            c.source_reference,
            c.complainant_name,
            c.complainant_citizen_id,
            c.subdistrict_id,
            c.received_at,
            c.category.code,
            c.subcategory.code if c.subcategory else "",
            c.subcategory_text,
            c.description,
            c.location_approximate,
            round(c.location.x, 6),
            round(c.location.y, 6),
        )
        for c in Complaint.objects.select_related("category", "subcategory")
    )


def test_the_headers_are_mapped_and_the_mapping_is_kept_for_the_district(officer):
    batch = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("a.csv", csv_bytes(GOOD, "utf-8")),
    )
    assert batch.kind == "csv" and batch.encoding == "utf-8-sig"
    assert batch.mapping["received_at"] == "วันที่รับเรื่อง"
    assert batch.mapping["subdistrict"] == "ตำบล"
    mapping = {**batch.mapping, "description": "ชื่อผู้ร้อง"}
    import_map(batch=batch, officer=officer, mapping=mapping)
    assert ImportMapping.objects.get(district_id="4901").mapping["description"] == "ชื่อผู้ร้อง"
    again = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("b.csv", csv_bytes(GOOD, "utf-8")),
    )
    assert again.mapping["description"] == "ชื่อผู้ร้อง"


def test_a_mapping_without_required_fields_or_a_place_is_refused(officer):
    batch = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("a.csv", csv_bytes(GOOD, "utf-8")),
    )
    with pytest.raises(InvalidInput) as exc:
        import_map(
            batch=batch,
            officer=officer,
            mapping={"received_at": "วันที่รับเรื่อง", "lat": "ละติจูด", "category": "nope"},
        )
    assert {"complainant_name", "description", "lon", "category"} <= set(exc.value.fields)


def test_every_bad_row_is_reported_with_its_reason_and_nothing_of_it_is_written(officer):
    batch = run_import(officer, xlsx_bytes(ROWS), "backlog.xlsx")
    assert problems_of(batch) == {row: {field} for row, field in BAD_ROWS.items()}
    assert (batch.created, batch.updated, batch.rejected) == (len(GOOD), 0, len(BAD))
    # Nothing of a rejected row: no case, no history, no tracking number spent on it.
    assert set(Complaint.objects.values_list("source_reference", flat=True)) == {
        "R-001",
        "R-002",
        "R-003",
        "R-004",
    }
    assert ComplaintHistory.objects.count() == len(GOOD)
    assert not Complaint.objects.filter(description__in=["ห้า", "หก", "เจ็ด", "แปด", "เก้า"])
    # The dry run said the same before anything was written.
    messages = {p.row_no: dict(p.reasons) for p in ImportProblem.objects.filter(batch=batch)}
    assert "R-001" in messages[max(BAD_ROWS)]["source_reference"]
    r1, r2, r3, r4 = (Complaint.objects.get(source_reference=f"R-00{i}") for i in range(1, 5))
    assert not r1.location_approximate and r1.subdistrict_id == "490101"
    assert r2.location_approximate and r2.subdistrict_id == "490104"
    assert r3.location_approximate and r3.subdistrict_id == "490110"
    assert r3.category.code == "other" and r3.subcategory_text == "เรื่องเสียงดัง"
    assert r4.subdistrict_id == "490113"
    assert r2.received_at.astimezone(imports.BANGKOK).date().isoformat() == "2022-01-31"
    assert r1.tracking_no.startswith("2565-") and r3.tracking_no.startswith("2566-")
    assert r1.created_by == officer and r1.status == "received"


def test_the_rejected_rows_report_has_a_reason_column(officer):
    batch = run_import(officer, csv_bytes(ROWS, "utf-8"))
    path = rejected_rows_xlsx(batch)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    path.unlink()
    assert rows[0][1] in ("เหตุผล", "reason")
    assert list(rows[0][2:]) == HEADER
    assert [r[0] for r in rows[1:]] == sorted(BAD_ROWS)
    by_row = {r[0]: r for r in rows[1:]}
    assert by_row[min(BAD_ROWS)][2] == "R-005" and "31/13/2565" in by_row[min(BAD_ROWS)][1]


@pytest.mark.parametrize("encoding", ["cp874", "utf-8-sig"])
def test_cp874_and_utf8_files_give_the_same_cases(officer, encoding):
    first = run_import(officer, csv_bytes(ROWS, "utf-8"), "utf8.csv")
    made = cases_as_data()
    second = run_import(officer, csv_bytes(ROWS, encoding), f"{encoding}.csv")
    assert second.encoding == ("cp874" if encoding == "cp874" else "utf-8-sig")
    # The same rows again: every case updated, none created, the same problems.
    assert (second.created, second.updated, second.rejected) == (0, len(GOOD), len(BAD))
    assert cases_as_data() == made
    assert problems_of(second) == problems_of(first)


def test_a_reimport_updates_the_cases_it_made(officer):
    run_import(officer, xlsx_bytes(GOOD), "v1.xlsx")
    case = Complaint.objects.get(source_reference="R-004")
    changed = [list(r) for r in GOOD]
    changed[3][7] = "เอกสารสิทธิ์ แก้ไขแล้ว zqxwv"
    changed[3][8] = "ต.ดงมอน"
    words = search_request_from_params({"q": "zqxwv"})
    assert case_search(officer=officer, req=words).count == 0
    batch = run_import(officer, xlsx_bytes(changed), "v2.xlsx")
    # The updated words are searchable at once (the import refreshes the case's search row).
    found = case_search(officer=officer, req=words)
    assert [c.pk for c in found.rows] == [case.pk]
    assert (batch.created, batch.updated) == (0, len(GOOD))
    assert Complaint.objects.count() == len(GOOD)
    again = Complaint.objects.get(pk=case.pk)
    assert again.description == "เอกสารสิทธิ์ แก้ไขแล้ว zqxwv" and again.subdistrict_id == "490112"
    assert again.version == case.version + 1 and again.tracking_no == case.tracking_no
    assert again.history.filter(kind=HistoryKind.EDITED).count() == 1


def test_the_same_file_without_a_reference_column_is_found_again(officer):
    header = HEADER[1:]
    rows = [r[1:] for r in GOOD]
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    content = out.getvalue().encode("utf-8")
    run_import(officer, content)
    batch = run_import(officer, content)
    assert (batch.created, batch.updated) == (0, len(GOOD))
    assert Complaint.objects.count() == len(GOOD)


def test_an_import_that_stopped_resumes_after_its_last_committed_row(officer, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    batch = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("a.csv", csv_bytes(ROWS, "utf-8")),
    )
    import_map(batch=batch, officer=officer, mapping=batch.mapping)
    run_queued_jobs()
    batch.refresh_from_db()
    import_start(batch=batch, officer=officer)
    # The worker dies after the first chunk (rows 2 and 3) was committed.
    real = imports._create_row
    calls = []

    def dies_on_the_third(batch, row):
        calls.append(row.row_no)
        if len(calls) == 3:
            raise RuntimeError("worker lost")
        return real(batch, row)

    monkeypatch.setattr(imports, "_create_row", dies_on_the_third)
    run_queued_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and batch.last_row == 3
    assert Complaint.objects.count() == 2
    monkeypatch.setattr(imports, "_create_row", real)
    import_start(batch=batch, officer=officer)
    run_queued_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert (batch.created, batch.updated, batch.rejected) == (len(GOOD), 0, len(BAD))
    assert Complaint.objects.count() == len(GOOD)
    # The repeat of R-001 is still found although R-001 came before the resume point.
    assert problems_of(batch) == {row: {field} for row, field in BAD_ROWS.items()}


def test_only_recorders_of_the_district_import(officer):
    upload = SimpleUploadedFile("a.csv", csv_bytes(GOOD, "utf-8"))
    with pytest.raises(InvalidInput):
        import_upload(officer=officer, district_code="4902", upload=upload)
    for outsider in (
        make_officer(Role.GIS_ANALYST, district="4901"),
        make_officer(Role.DISTRICT_CHIEF, district="4901"),
        make_officer(None),
    ):
        with pytest.raises(Exception) as exc:
            import_upload(officer=outsider, district_code="4901", upload=upload)
        assert exc.type.__name__ in ("Forbidden", "InvalidInput")
    province = make_officer(Role.PROVINCE_OFFICER, province="49")
    assert import_upload(officer=province, district_code="4902", upload=upload).pk


def test_an_approximate_case_is_left_out_of_proximity_duplicates(officer):
    run_import(officer, csv_bytes(GOOD, "utf-8"))
    approximate = Complaint.objects.get(source_reference="R-004")
    point = approximate.location
    # A case recorded exactly at the sub-district's point, same category, same days.
    exact = make_complaint(
        lat=point.y,
        lon=point.x,
        category="land",
        subcategory="land-title",
        description=approximate.description,
        received_at=approximate.received_at,
    )
    assert duplicates_for_case(complaint=approximate) == []
    assert approximate.pk not in {c.complaint_id for c in duplicates_for_case(complaint=exact)}


def test_an_import_whose_worker_died_can_be_started_again(officer):
    batch = import_upload(
        officer=officer,
        district_code="4901",
        upload=SimpleUploadedFile("a.csv", csv_bytes(GOOD, "utf-8")),
    )
    import_map(batch=batch, officer=officer, mapping=batch.mapping)
    run_queued_jobs()
    batch.refresh_from_db()
    import_start(batch=batch, officer=officer)
    batch.refresh_from_db()
    # Running, recently: not again.
    with pytest.raises(InvalidInput):
        import_start(batch=batch, officer=officer)
    # Nothing committed for eleven minutes: its worker is gone.
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=batch.updated_at - timedelta(minutes=11)
    )
    batch.refresh_from_db()
    assert batch.stalled
    import_start(batch=batch, officer=officer)
    run_queued_jobs()  # both queued runs: the second finds every row done
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.created == len(GOOD)
    assert Complaint.objects.count() == len(GOOD)
