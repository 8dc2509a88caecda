"""Real clients read /ogc/ from a live server: GDAL (``ogrinfo OAPIF:…``, ``ogr2ogr`` to a
GeoPackage with the same count as SQL) and OWSLib, with the officer's credentials in a header.

The credentials are the officer's session cookie, sent as a header (``GDAL_HTTP_HEADERS``,
OWSLib's ``headers``); an API token goes the same way (``Authorization: Token …``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess

import pytest
from owslib.ogcapi.features import Features

from layers.demo import demo_complaints_seed
from layers.models import Complaint, Role
from layers.services.tokens import api_token_create
from tests.factories import make_officer

pytestmark = [
    pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL (gdal-bin) is missing"),
]


def session_header(officer) -> str:
    """The officer's personal API token as the clients send it (issue 10: GDAL reads with
    GDAL_HTTP_HEADERS="Authorization: Token …")."""
    _token, key = api_token_create(officer=officer, name="GDAL in the tests")
    return f"Authorization: Token {key}"


def gdal(*args, header: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CPL_DEBUG": "ON", "GDAL_HTTP_TIMEOUT": "60"}
    env.pop("GDAL_HTTP_HEADERS", None)
    if header:
        env["GDAL_HTTP_HEADERS"] = header
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def data(live_server, live_data):
    # More than one page of 1,000: GDAL has to follow a next link.
    demo_complaints_seed(count=1200, seed=5, focus_provinces=["49", "48"])
    return {
        "central": make_officer(Role.CENTRAL_OFFICER),
        "desk": make_officer(Role.DISTRICT_OFFICER, district="4901"),
        "url": f"{live_server.url}/ogc/",
    }


def test_gdal_lists_the_collections_and_copies_the_complaints_to_a_geopackage(data, tmp_path):
    header = session_header(data["central"])
    info = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{data['url']}", header=header)
    assert info.returncode == 0, info.stderr[-2000:]
    for layer in ("complaints", "provinces", "districts", "subdistricts"):
        assert f": {layer} " in info.stdout or f": {layer}\n" in info.stdout, info.stdout

    out = tmp_path / "complaints.gpkg"
    # Pages of 1,000, as GDAL 3.8 and later ask by default (Debian 12's 3.6 asks for 10).
    copy = gdal(
        "ogr2ogr",
        "-f",
        "GPKG",
        str(out),
        f"OAPIF:{data['url']}",
        "complaints",
        "-oo",
        "PAGE_SIZE=1000",
        header=header,
    )
    assert copy.returncode == 0, copy.stderr[-2000:]
    fetched = [line for line in copy.stderr.splitlines() if "Fetch(" in line and "/items" in line]
    assert "limit=1000" in fetched[0] and "cursor=" not in fetched[0]
    assert "limit=1000" in fetched[-1] and "cursor=" in fetched[-1]  # the next link's cursor
    with sqlite3.connect(out) as db:
        (count,) = db.execute("SELECT count(*) FROM complaints").fetchone()
        numbers = {n for (n,) in db.execute("SELECT tracking_no FROM complaints")}
        columns = {row[1] for row in db.execute("PRAGMA table_info(complaints)")}
    assert count == Complaint.objects.count() == 1200
    assert numbers == set(Complaint.objects.values_list("tracking_no", flat=True))
    assert "complainant_name" not in columns and "description" not in columns


def test_gdal_reads_the_officers_own_district_only(data, tmp_path):
    header = session_header(data["desk"])
    out = tmp_path / "mine.gpkg"
    copy = gdal(
        "ogr2ogr",
        "-f",
        "GPKG",
        str(out),
        f"OAPIF:{data['url']}",
        "complaints",
        "-oo",
        "PAGE_SIZE=100",
        header=header,
    )
    assert copy.returncode == 0, copy.stderr[-2000:]
    with sqlite3.connect(out) as db:
        (count,) = db.execute("SELECT count(*) FROM complaints").fetchone()
        districts = {d for (d,) in db.execute("SELECT DISTINCT district_code FROM complaints")}
    assert count == Complaint.objects.filter(district_id="4901").count() > 0
    assert districts == {"4901"}


def test_gdal_reads_the_public_boundaries_without_a_login(data, tmp_path):
    out = tmp_path / "provinces.gpkg"
    copy = gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{data['url']}", "provinces")
    assert copy.returncode == 0, copy.stderr[-2000:]
    with sqlite3.connect(out) as db:
        codes = {c for (c,) in db.execute("SELECT code FROM provinces")}
    assert {"48", "49"} <= codes


def test_gdal_without_credentials_gets_no_complaint(data, tmp_path):
    out = tmp_path / "none.gpkg"
    copy = gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{data['url']}", "complaints")
    assert copy.returncode != 0
    assert "403" in copy.stderr or "401" in copy.stderr


def test_owslib_reads_collections_queryables_and_items(data):
    name, value = session_header(data["central"]).split(": ", 1)
    # Not Features(url, headers=…): OWSLib 0.35 updates its module-wide REQUEST_HEADERS with
    # them, and every later client (of any test) would send this officer's credentials.
    api = Features(data["url"])
    api.headers = {**api.headers, name: value}
    assert api.conformance()["conformsTo"]
    ids = [c["id"] for c in api.collections()["collections"]]
    assert ids == ["complaints", "provinces", "districts", "subdistricts"]
    queryables = api.collection_queryables("complaints")
    assert {"status", "category", "province"} <= set(queryables["properties"])
    page = api.collection_items("complaints", limit=1000, status="received")
    assert (
        page["numberReturned"]
        == len(page["features"])
        == min(1000, Complaint.objects.filter(status="received").count())
    )
    assert all(f["properties"]["status"] == "received" for f in page["features"])
    one = page["features"][0]
    item = api.collection_item("complaints", one["id"])
    assert json.loads(json.dumps(item))["properties"]["tracking_no"] == one["id"]
    # Anonymous: the boundaries yes, the complaints no.
    public = Features(data["url"])
    assert public.collection_items("provinces")["numberReturned"] >= 2
    with pytest.raises(RuntimeError):
        public.collection_items("complaints")
