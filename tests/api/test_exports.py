"""Exports as files (GeoPackage, zipped Shapefile, CSV, KML), the job queue for large ones, and
file names: real GDAL reading real files written from real PostGIS."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pyogrio
import pytest
from django.test import Client
from django.utils import timezone
from pyogrio.raw import read as ogr_read

from boundaries.models import Subdistrict
from layers.models import (
    Complaint,
    ExportJob,
    ExportStatus,
    Notification,
    RoleAssignment,
    Status,
)
from layers.selectors.exports import PERSONAL_COLUMNS, PUBLIC_COLUMNS
from layers.selectors.scope import complaints_visible_to
from layers.services.exports import exports_remove_expired
from tests.factories import Role, make_complaint, make_officer

pytestmark = pytest.mark.django_db

SECRET_NAME = "นางสาวลับเฉพาะ ส่งออก"
SECRET_DESCRIPTION = "รายละเอียดส่วนตัว ห้ามส่งออก"
THAI_CATEGORY = "ปัญหาที่ดิน"  # the "land" category's Thai name
FORMATS = ("gpkg", "shp.zip", "csv", "kml")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def complaint_in(code, **fields):
    point = Subdistrict.objects.get(code=code).geom.point_on_surface
    fields.setdefault("complainant_name", SECRET_NAME)
    fields.setdefault("description", SECRET_DESCRIPTION)
    return make_complaint(point.y, point.x, **fields)


@pytest.fixture
def cases():
    other_49 = Subdistrict.objects.filter(province_id="49").exclude(district_id="4901").first()
    made = [
        complaint_in("490101"),
        complaint_in("490101", category="debt", subcategory="debt-informal"),
        complaint_in("490102", channel="hotline_1567"),
        complaint_in(other_49.code),
        complaint_in(Subdistrict.objects.filter(province_id="48").first().code),
    ]
    Complaint.objects.filter(pk=made[1].pk).update(
        status=Status.CLOSED, close_result="resolved", closed_at=timezone.now()
    )
    return made


def client_for(officer) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    return client


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def saved(response, tmp_path, ext) -> Path:
    path = tmp_path / f"export.{ext}"
    path.write_bytes(content(response))
    return path


def gdal_path(path: Path, ext: str) -> str:
    return f"/vsizip/{path}" if ext == "shp.zip" else str(path)


def read_rows(path: Path, ext: str) -> tuple[list[str], list[dict]]:
    """(field names, rows as dicts) as GDAL reads the file."""
    meta, _fids, geometry, fields = ogr_read(gdal_path(path, ext))
    names = list(meta["fields"])
    rows = [
        {name: fields[i][row] for i, name in enumerate(names)}
        for row in range(len(fields[0]) if fields else len(geometry))
    ]
    return names, rows


def expected_keys(ext: str, *, personal=False) -> list[str]:
    columns = PUBLIC_COLUMNS + (PERSONAL_COLUMNS if personal else ())
    if ext == "shp.zip":
        return [c.short for c in columns]
    keys = [c.key for c in columns]
    if ext == "csv":
        keys[1:1] = ["lon", "lat"]
    return keys


@pytest.mark.parametrize("ext", FORMATS)
def test_each_format_opens_with_gdal_and_holds_the_scoped_rows(cases, tmp_path, ext):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).get(f"/api/complaints.{ext}?province=49")
    assert response.status_code == 200, content(response)[:300]
    path = saved(response, tmp_path, ext)
    sql_count = complaints_visible_to(officer=officer).filter(province_id="49").count()
    assert sql_count == 4
    assert pyogrio.read_info(gdal_path(path, ext))["features"] == sql_count
    assert response["X-Export-Rows"] == str(sql_count)
    names, rows = read_rows(path, ext)
    tracking = "tracking" if ext == "shp.zip" else "tracking_no"
    if ext == "kml":
        # KML's own fields (name, description, …) come first; ours are the schema's.
        assert {r["Name"] for r in rows} == {c.tracking_no for c in cases[:4]}
    else:
        assert names == expected_keys(ext)
        assert {r[tracking] for r in rows} == {c.tracking_no for c in cases[:4]}
    text = json.dumps(rows, default=str, ensure_ascii=False)
    assert SECRET_NAME not in text and SECRET_DESCRIPTION not in text
    assert THAI_CATEGORY in text  # Thai text intact in every format


def test_the_shapefile_keeps_thai_text_and_short_field_names(cases, tmp_path):
    officer = make_officer(Role.CENTRAL_OFFICER)
    response = client_for(officer).get("/api/complaints.shp.zip?district=4901&personal=true")
    assert response["Content-Type"] == "application/zip"
    path = saved(response, tmp_path, "shp.zip")
    members = zipfile.ZipFile(path).namelist()
    stem = members[0].rsplit(".", 1)[0]
    assert {f"{stem}.{s}" for s in ("shp", "shx", "dbf", "prj", "cpg")} <= set(members)
    assert zipfile.ZipFile(path).read(f"{stem}.cpg").decode().strip() == "UTF-8"
    names, rows = read_rows(path, "shp.zip")
    assert all(len(n) <= 10 for n in names) and names == expected_keys("shp.zip", personal=True)
    assert {r["cat_th"] for r in rows} >= {THAI_CATEGORY}
    assert {r["cmp_name"] for r in rows} == {SECRET_NAME}  # entitled, asked for: Thai intact
    assert {r["descr"] for r in rows} == {SECRET_DESCRIPTION}
    # The field list in the zip names what each short name stands for.
    listing = zipfile.ZipFile(path).read(f"{stem}_fields.txt").decode()
    assert "cmp_name\tcomplainant_name" in listing


def test_the_csv_is_utf8_with_a_bom_and_coordinates(cases, tmp_path):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).get("/api/complaints.csv?subdistrict=490101")
    raw = content(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["tracking_no", "lon", "lat"]
    assert len(lines) == 1 + 2
    row = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    case = Complaint.objects.get(tracking_no=row["tracking_no"])
    assert float(row["lon"]) == pytest.approx(case.location.x, abs=1e-6)
    assert float(row["lat"]) == pytest.approx(case.location.y, abs=1e-6)
    # Local time with its offset, as the GeoJSON writes it.
    received = timezone.datetime.fromisoformat(row["received_at"])
    assert received.utcoffset() == timedelta(hours=7)
    assert abs(received - case.received_at) < timedelta(seconds=1)


def test_the_geopackage_has_real_timestamps(cases, tmp_path):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    path = saved(client_for(officer).get("/api/complaints.gpkg?district=4901"), tmp_path, "gpkg")
    info = pyogrio.read_info(str(path))
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["received_at"] == "OFTDateTime"
    _names, rows = read_rows(path, "gpkg")
    by_number = {r["tracking_no"]: r for r in rows}
    for case in cases[:3]:
        stored = by_number[case.tracking_no]["received_at"]  # numpy datetime64, UTC
        assert abs(
            stored.astype("datetime64[ms]").astype(object)
            - case.received_at.replace(tzinfo=None)
            - (case.received_at.utcoffset() or timedelta())
        ) < timedelta(seconds=1)


def test_personal_columns_only_for_entitled_roles(cases, tmp_path):
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    for ext in ("geojson", *FORMATS):
        response = client_for(analyst).get(f"/api/complaints.{ext}?province=49&personal=true")
        assert response.status_code == 403, ext
        assert "complainant_name" in response.json()["detail"]
        assert SECRET_NAME.encode() not in content(response)
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    body = content(client_for(officer).get("/api/complaints.geojson?district=4901&personal=1"))
    features = json.loads(body)["features"]
    assert {f["properties"]["complainant_name"] for f in features} == {SECRET_NAME}
    # Without asking, an entitled role gets the public columns only.
    plain = content(client_for(officer).get("/api/complaints.geojson?district=4901"))
    assert SECRET_NAME.encode() not in plain


@pytest.mark.parametrize("ext", ("geojson", *FORMATS))
def test_outsiders_are_refused(cases, ext):
    url = f"/api/complaints.{ext}?province=49"
    response = client_for(None).get(url)
    assert response.status_code in (401, 403)
    for officer in (
        make_officer(None),
        make_officer(Role.PROVINCE_OFFICER, province="48"),
        make_officer(Role.DISTRICT_OFFICER, district="4801"),
    ):
        response = client_for(officer).get(url)
        assert response.status_code == 403, (ext, officer.last_name)
        assert not response.streaming
        assert SECRET_NAME.encode() not in response.content


@pytest.mark.parametrize(
    "query, field",
    [
        ("province=49&bbox=104.9,16.3,104.5,16.7", "bbox"),  # reversed
        ("province=49&bbox=104.5,16.3,204.9,16.7", "bbox"),  # out of range
        ("province=49&since=2026-03-01&until=2026-01-01", "until"),
        ("province=99", "province"),
        ("district=4999", "district"),
        ("province=49&category=nothing", "category"),
        ("province=49&personal=maybe", "personal"),
        ("area=everywhere", "area"),
        ("area=all&province=49", "area"),
        ("", "province"),
        ("province=49&colour=red", "params"),
    ],
)
@pytest.mark.parametrize("ext", ("geojson", "gpkg"))
def test_bad_parameters_are_400_with_a_message(cases, query, field, ext):
    response = client_for(make_officer(Role.CENTRAL_OFFICER)).get(f"/api/complaints.{ext}?{query}")
    assert response.status_code == 400, (query, response.status_code)
    body = response.json()
    assert field in body["fields"], body
    assert body["fields"][field][0]


def test_an_unknown_format_is_400_naming_the_formats(cases):
    response = client_for(make_officer(Role.CENTRAL_OFFICER)).get(
        "/api/complaints.xlsx?province=49"
    )
    assert response.status_code == 400
    message = response.json()["fields"]["format"][0]
    assert "xlsx" in message and "gpkg" in message and "shp.zip" in message


def test_area_all_exports_the_whole_jurisdiction(cases):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    body = content(client_for(officer).get("/api/complaints.geojson?area=all"))
    ids = {f["id"] for f in json.loads(body)["features"]}
    assert ids == {c.tracking_no for c in cases if c.district_id == "4901"}


def test_the_file_name_says_area_and_dates(cases):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(officer).get(
        "/api/complaints.gpkg?province=49&since=2026-01-01&until=2026-03-31"
    )
    disposition = response["Content-Disposition"]
    assert 'filename="complaints_49_2569-01-01_2569-03-31.gpkg"' in disposition
    utf8 = unquote(disposition.split("filename*=UTF-8''")[1])
    assert utf8 == "เรื่องร้องเรียน_49_จ.มุกดาหาร_2569-01-01_2569-03-31.gpkg"
    response = client_for(officer).get("/api/complaints.geojson?district=4901&status=closed")
    today = timezone.localdate()
    assert (
        f'filename="complaints_4901_to_{today.year + 543}-{today:%m-%d}_closed.geojson"'
        in response["Content-Disposition"]
    )


# --- The job queue ---------------------------------------------------------------------------


def test_a_large_export_goes_through_the_queue_and_only_its_owner_downloads_it(
    cases, tmp_path, run_jobs, settings, media
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    owner = make_officer(Role.PROVINCE_OFFICER, province="49")
    response = client_for(owner).get("/api/complaints.gpkg?province=49&since=2020-01-01")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "queued" and job["download_url"] is None
    assert response["Location"] == job["url"]
    # Asked again while it waits: the same job, not a second one.
    again = client_for(owner).get("/api/complaints.gpkg?province=49&since=2020-01-01").json()
    assert again["id"] == job["id"] and ExportJob.objects.count() == 1

    assert run_jobs() >= 1
    detail = client_for(owner).get(job["url"]).json()
    assert detail["status"] == "ready" and detail["rows"] == 4
    assert detail["file_name"].startswith("complaints_49_2563-01-01_")
    stored = ExportJob.objects.get(pk=job["id"])
    assert Path(stored.file.path).is_relative_to(media / "exports")
    note = Notification.objects.get(recipient=owner)
    assert note.link == "/exports/" and detail["file_name"] in note.message

    download = client_for(owner).get(detail["download_url"])
    assert download.status_code == 200
    assert pyogrio.read_info(str(saved(download, tmp_path, "gpkg")))["features"] == 4
    assert 'filename="complaints_49_2563-01-01_' in download["Content-Disposition"]
    page = client_for(owner).get(f"/exports/{job['id']}/download/")
    assert page.status_code == 200

    # Another officer of the same province: not theirs (404, as if it did not exist).
    colleague = make_officer(Role.PROVINCE_OFFICER, province="49")
    for url in (detail["download_url"], job["url"], f"/exports/{job['id']}/download/"):
        assert client_for(colleague).get(url).status_code == 404, url
    assert job["id"] not in [
        j["id"] for j in client_for(colleague).get("/api/exports/").json()["results"]
    ]
    assert client_for(None).get(detail["download_url"]).status_code in (401, 403)

    # The owner lost the province: their old file is no longer theirs to take.
    RoleAssignment.objects.filter(officer=owner).update(is_active=False)
    owner = type(owner).objects.get(pk=owner.pk)
    assert client_for(owner).get(detail["download_url"]).status_code == 403


def test_expired_exports_are_removed(cases, run_jobs, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    owner = make_officer(Role.CENTRAL_OFFICER)
    job = client_for(owner).get("/api/complaints.csv?area=all").json()
    run_jobs()
    stored = ExportJob.objects.get(pk=job["id"])
    path = Path(stored.file.path)
    assert stored.status == ExportStatus.READY and path.exists()
    assert exports_remove_expired(now=stored.expires_at - timedelta(minutes=1)) == 0
    assert exports_remove_expired(now=stored.expires_at + timedelta(minutes=1)) == 1
    assert not path.exists()
    assert ExportJob.objects.get(pk=job["id"]).status == ExportStatus.EXPIRED
    response = client_for(owner).get(f"/api/exports/{job['id']}/download")
    assert response.status_code == 404


def test_a_job_whose_officer_lost_the_area_fails_with_the_reason(cases, run_jobs, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    owner = make_officer(Role.PROVINCE_OFFICER, province="49")
    job = client_for(owner).get("/api/complaints.kml?province=49").json()
    RoleAssignment.objects.filter(officer=owner).update(is_active=False)
    run_jobs()
    stored = ExportJob.objects.get(pk=job["id"])
    assert stored.status == ExportStatus.FAILED and "49" in stored.message
    assert not stored.file


def test_the_export_job_list_is_the_officers_own(cases, run_jobs, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    mine = make_officer(Role.CENTRAL_OFFICER)
    other = make_officer(Role.CENTRAL_OFFICER)
    client_for(mine).get("/api/complaints.csv?area=all")
    client_for(other).get("/api/complaints.kml?area=all")
    listed = client_for(mine).get("/api/exports/").json()["results"]
    assert [j["format"] for j in listed] == ["csv"]
    assert client_for(make_officer(None)).get("/api/exports/").status_code == 403


def test_an_empty_selection_gives_an_empty_file_with_its_columns(cases, tmp_path):
    officer = make_officer(Role.PROVINCE_OFFICER, province="49")
    for ext in FORMATS:
        response = client_for(officer).get(f"/api/complaints.{ext}?province=49&since=2099-01-01")
        assert response.status_code == 200, ext
        path = saved(response, tmp_path, ext)
        assert pyogrio.read_info(gdal_path(path, ext))["features"] == 0, ext


def test_dates_in_the_file_name_are_buddhist_era():
    from layers.selectors.exports import ExportRequest, export_file_names
    from layers.selectors.filters import CaseFilter

    request = ExportRequest(CaseFilter(province="49", since=date(2026, 1, 1)))
    ascii_name, thai = export_file_names(request, "csv", today=date(2026, 3, 31))
    assert ascii_name == "complaints_49_2569-01-01_2569-03-31.csv"
    assert thai.startswith("เรื่องร้องเรียน_49_จ.มุกดาหาร_")
