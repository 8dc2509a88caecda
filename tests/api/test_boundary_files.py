"""Boundary files for anyone: /api/boundaries/<level>.geojson and .gpkg (public geography),
with the licences' attribution, cached per boundary load, ETag and 304."""

from __future__ import annotations

import json

import pyogrio
import pytest
from django.test import Client

from boundaries.models import District, Province, Subdistrict
from boundaries.services.files import ATTRIBUTION

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "level, model",
    [("provinces", Province), ("districts", District), ("subdistricts", Subdistrict)],
)
def test_geojson_needs_no_login_and_carries_the_attribution(level, model):
    response = Client().get(f"/api/boundaries/{level}.geojson?province=49")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body(response))
    assert collection["attribution"] == ATTRIBUTION and "CC BY" in collection["license"]
    qs = model.objects.filter(geom__isnull=False)
    qs = qs.filter(code="49") if model is Province else qs.filter(province_id="49")
    assert {f["id"] for f in collection["features"]} == set(qs.values_list("code", flat=True))
    first = collection["features"][0]
    assert first["properties"]["name_th"] and first["geometry"]["type"] == "MultiPolygon"
    lon, lat = first["geometry"]["coordinates"][0][0][0]
    assert 97 < lon < 106 and 5 < lat < 21  # longitude first
    assert f'filename="boundaries_{level}_49.geojson"' in response["Content-Disposition"]


def test_geopackage_opens_with_gdal_with_its_metadata(tmp_path):
    response = Client().get("/api/boundaries/districts.gpkg")
    assert response.status_code == 200
    path = tmp_path / "d.gpkg"
    path.write_bytes(body(response))
    info = pyogrio.read_info(str(path))
    assert info["features"] == District.objects.filter(geom__isnull=False).count()
    assert info["geometry_type"] == "MultiPolygon" and info["crs"] == "EPSG:4326"
    assert info["dataset_metadata"]["ATTRIBUTION"] == ATTRIBUTION
    assert "province_code" in list(info["fields"])


def test_simplified_files_are_smaller_and_have_their_own_etag():
    full = Client().get("/api/boundaries/subdistricts.geojson?province=49")
    simple = Client().get("/api/boundaries/subdistricts.geojson?province=49&tolerance=0.01")
    full_body, simple_body = body(full), body(simple)
    assert len(simple_body) < len(full_body) / 2
    assert simple["ETag"] != full["ETag"]
    assert "simplified-0.01" in simple["Content-Disposition"]
    assert len(json.loads(simple_body)["features"]) == len(json.loads(full_body)["features"])


def test_etag_gives_304_and_changes_with_a_new_boundary_load():
    from tests.conftest import load_test_boundaries

    first = Client().get("/api/boundaries/provinces.geojson")
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=3600"
    again = Client().get("/api/boundaries/provinces.geojson", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not body(again)
    load_test_boundaries()
    reloaded = Client().get("/api/boundaries/provinces.geojson", HTTP_IF_NONE_MATCH=etag)
    assert reloaded.status_code == 200 and reloaded["ETag"] != etag


@pytest.mark.parametrize(
    "path, field",
    [
        ("villages.geojson", "level"),
        ("provinces.shp", "format"),
        ("provinces.geojson?province=99", "province"),
        ("provinces.geojson?province=4", "province"),
        ("districts.geojson?tolerance=5", "tolerance"),
        ("districts.geojson?tolerance=-1", "tolerance"),
        ("districts.geojson?tolerance=abc", "tolerance"),
        ("districts.geojson?bbox=1,2,3,4", "params"),
    ],
)
def test_bad_requests_are_400_with_a_message(path, field):
    response = Client().get(f"/api/boundaries/{path}")
    assert response.status_code == 400
    assert response.json()["fields"][field][0]
