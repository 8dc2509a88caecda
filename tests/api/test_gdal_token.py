"""GDAL reads the API with a personal token, as an analyst's tools do:
``GDAL_HTTP_HEADERS="Authorization: Token …" ogrinfo <url>`` against the live server."""

import os
import shutil
import subprocess

import pytest

from layers.services.tokens import api_token_create
from tests.factories import Role, make_complaint, make_officer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed"),
]


def ogrinfo(url: str, headers: str | None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GDAL_HTTP")}
    env["CPL_DEBUG"] = "OFF"
    if headers is not None:
        env["GDAL_HTTP_HEADERS"] = headers
    return subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("path", ["/api/complaints.geojson?province=49", "/api/cases.geojson"])
def test_gdal_reads_with_a_token_and_not_without(live_server, live_data, settings, path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    analyst = make_officer(Role.GIS_ANALYST, province="49")
    for i in range(3):
        make_complaint(lat=16.5435 + i / 1000)
    _, key = api_token_create(officer=analyst, name="GDAL")
    url = f"{live_server.url}{path}"
    result = ogrinfo(url, f"Authorization: Token {key}")
    assert result.returncode == 0, result.stderr
    assert "Feature Count: 3" in result.stdout, result.stdout
    assert "Geometry: Point" in result.stdout
    refused = ogrinfo(url, None)
    assert refused.returncode != 0 and "Feature Count" not in refused.stdout
    revoked = ogrinfo(url, "Authorization: Token dmr_AAAAAAAA_" + "A" * 40)
    assert revoked.returncode != 0
